//! `latency`: per hop, how long after the market event that caused it each intent, decision and
//! order was made (`ts − origin_ts`), read from the run's journal (shared memory the hot threads
//! write anyway) on the control thread: asking never touches a hot thread.
//!
//! Hops: `feed→intent` (the strategy stream's `Intent`s), `feed→decision` (risk's `Decision`s),
//! `feed→order` (the router's `New` orders: tick-to-trade). Each call reads what was journaled
//! since the last one (at most [`MAX_PER_CALL`] records per stream) into histograms over the
//! whole run so far. On event time (backtests, paper trading) every actor's clock is the event
//! being handled, so these are zero by construction: the figures measure wall-clock latency only
//! on a TSC clock (`[placement] clock = "tsc"`); the answer says which clock the run uses.

use crate::journal::read::StreamReader;
use crate::journal::StreamRef;
use alphapulse_types::{Msg, StrategyEvent};
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Most records read from one stream per call (the rest wait for the next call).
pub const MAX_PER_CALL: usize = 1_000_000;

struct Hop {
    name: &'static str,
    stream: &'static str,
    reader: Option<StreamReader>,
    hist: Histogram<u64>,
    /// Records whose `ts` was before their `origin_ts` (a clock that went backwards).
    negative: u64,
}

/// The hops' histograms and where each stream was read up to.
pub struct Latency {
    dir: Option<PathBuf>,
    hops: Vec<Hop>,
    /// Strategies (host indices) whose fault the strategy stream holds (`Msg::Strategy`).
    faulted: Vec<u16>,
}

impl Latency {
    /// Reading the journal at `dir` (none: an unjournaled run, `latency` says so).
    pub fn new(dir: Option<&Path>) -> Self {
        let hop = |name, stream| Hop {
            name,
            stream,
            reader: None,
            // 1 ns .. 1 h at 3 significant digits.
            hist: Histogram::new_with_bounds(1, 3_600_000_000_000, 3).expect("valid histogram bounds"),
            negative: 0,
        };
        Latency {
            dir: dir.map(Path::to_path_buf),
            hops: vec![
                hop("feed→intent", "strategy"),
                hop("feed→decision", "risk"),
                hop("feed→order", "router"),
            ],
            faulted: Vec::new(),
        }
    }

    /// Strategies (host indices) that faulted, as journaled so far (read by [`Latency::poll`]).
    pub fn faulted(&self) -> &[u16] {
        &self.faulted
    }

    /// Read what is new and return the percentiles per hop.
    pub fn report(&mut self, clock: &str) -> anyhow::Result<Value> {
        if self.dir.is_none() {
            return Ok(
                json!({ "clock": clock, "stages": [], "note": "the run is not journaled: no latency figures" }),
            );
        }
        self.poll()?;
        Ok(self.figures(clock))
    }

    /// Read what the streams hold since the last call (at most [`MAX_PER_CALL`] records each).
    pub fn poll(&mut self) -> anyhow::Result<()> {
        let Some(dir) = &self.dir else { return Ok(()) };
        for h in &mut self.hops {
            if h.reader.is_none() {
                let s = StreamRef { name: h.stream.to_string(), dir: dir.join(h.stream) };
                if !s.dir.join(alphapulse_shm::META_FILE).is_file() {
                    continue; // not created yet
                }
                h.reader = Some(StreamReader::open(&s)?);
            }
            let Some(r) = h.reader.as_mut() else { continue };
            for _ in 0..MAX_PER_CALL {
                let Some(rec) = r.next()? else { break };
                let (ts, origin) = match (h.stream, rec.msg) {
                    ("strategy", Msg::Strategy(e)) if e.event == StrategyEvent::Faulted => {
                        if !self.faulted.contains(&e.agent) {
                            self.faulted.push(e.agent);
                        }
                        continue;
                    }
                    ("strategy", Msg::Intent(i)) => (i.ts, i.origin_ts),
                    ("risk", Msg::Decision(d)) => (d.ts, d.origin_ts),
                    ("router", Msg::New(n)) => (n.ts, n.origin_ts),
                    _ => continue,
                };
                match ts.checked_sub(origin) {
                    Some(d) => h.hist.saturating_record(d),
                    None => h.negative += 1,
                }
            }
        }
        Ok(())
    }

    /// The percentiles per hop so far.
    fn figures(&self, clock: &str) -> Value {
        let hops: Vec<Value> = self
            .hops
            .iter()
            .map(|h| {
                let q = |p: f64| if h.hist.is_empty() { 0 } else { h.hist.value_at_quantile(p) };
                json!({
                    "name": h.name,
                    "count": h.hist.len(),
                    "p50_ns": q(0.50),
                    "p99_ns": q(0.99),
                    "p999_ns": q(0.999),
                    "max_ns": h.hist.max(),
                    "clock_backwards": h.negative,
                })
            })
            .collect();
        let mut v = json!({ "clock": clock, "stages": hops });
        if clock == "event" {
            v["note"] = json!(
                "event time: each actor's clock is the event it handles, so every stage is 0 by construction; \
                 a TSC clock ([placement] clock = \"tsc\") measures wall time"
            );
        }
        v
    }
}
