//! Counters the view keeps beside the portfolio: records by type, risk rejects by reason, signals
//! per agent, latency histograms per hop (`ts − origin_ts` of intents, decisions and orders, as
//! `alphapulse ctl latency` measures them), each stream's progress, and what the health derives
//! from (halt/resume commands, strategy faults, feed events, ends of streams).
//!
//! Each hop's samples go two ways: into an HdrHistogram (3 significant digits: the percentiles
//! the API and `/metrics` gauges show) and into a [`HopBuckets`], exact counts over the fixed
//! Prometheus bucket bounds [`HOP_BUCKETS_NS`] with the exact sum, which `/metrics` exports as the
//! `alphapulse_hop_latency_seconds` histogram. The HdrHistogram cannot serve that histogram by
//! itself: above 2048 ns its counts are per equivalence range (a range straddling a bound would
//! count samples on the wrong side of `le`), and it keeps no exact sum.

use super::shapes::{LatencyView, StreamView};
use alphapulse_types::{Msg, Verdict};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// The hops, in chain order: (name, stream).
pub const HOPS: [(&str, &str); 3] =
    [("feed→intent", "strategy"), ("feed→decision", "risk"), ("feed→order", "router")];

/// Upper bounds (`le`, inclusive) of the per-hop Prometheus histogram, in nanoseconds: 100 ns to
/// 5 s in 1–2.5–5 steps (×2.5, ×2, ×2), 24 bounds (+Inf comes on top, as in prometheus-client's
/// own bucket helpers). The hops of the pinned chain take hundreds of nanoseconds to tens of
/// microseconds, so the ladder starts at 100 ns; three bounds per decade keep
/// `histogram_quantile`'s interpolation within a factor of 2.5 of the truth at 25 series per hop;
/// past a second a hop is a stall, not a latency to resolve, and anything beyond 5 s is +Inf.
pub const HOP_BUCKETS_NS: [u64; 24] = [
    100,
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
];

/// One hop's samples counted exactly into [`HOP_BUCKETS_NS`] (not cumulative: `counts[i]` holds
/// the samples in `(bound[i-1], bound[i]]`, the last slot those above every bound) and their exact
/// sum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HopBuckets {
    pub counts: [u64; HOP_BUCKETS_NS.len() + 1],
    pub sum_ns: u128,
}

impl HopBuckets {
    pub fn observe(&mut self, ns: u64) {
        // The first bound at or above the sample (le is inclusive); past the last: +Inf.
        let i = HOP_BUCKETS_NS.partition_point(|&b| b < ns);
        self.counts[i] += 1;
        self.sum_ns += u128::from(ns);
    }

    /// Samples observed.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
}

#[derive(Debug)]
pub struct Stats {
    pub events_by_type: BTreeMap<&'static str, u64>,
    pub rejects: [u64; Verdict::REJECTS.len()],
    pub decisions: u64,
    pub signals: BTreeMap<u16, u64>,
    pub last_score: BTreeMap<u16, i32>,
    pub latency: Vec<Histogram<u64>>,
    /// The same samples as `latency`, hop by hop, in Prometheus buckets.
    pub hop_buckets: [HopBuckets; HOPS.len()],
    pub streams: BTreeMap<String, StreamView>,
    pub halted: bool,
    pub faulted: Vec<u16>,
    /// Position records whose equity differed from the view's own portfolio after the same fill
    /// (0 when the view reproduces risk's figures exactly).
    pub position_mismatches: u64,
    /// Fills checked against risk's position records.
    pub positions_checked: u64,
    /// The tail looked for new streams after every stream it knew had ended, and found none. A
    /// run creates its streams one by one at start: a look in the middle of that sees some of
    /// them, and a short run can end them all before the next look finds the rest.
    pub no_stream_after_end: bool,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            events_by_type: BTreeMap::new(),
            rejects: [0; Verdict::REJECTS.len()],
            decisions: 0,
            signals: BTreeMap::new(),
            last_score: BTreeMap::new(),
            // 1 ns .. 1 h at 3 significant digits (as `ctl latency`).
            latency: HOPS
                .iter()
                .map(|_| Histogram::new_with_bounds(1, 3_600_000_000_000, 3).expect("valid histogram bounds"))
                .collect(),
            hop_buckets: Default::default(),
            streams: BTreeMap::new(),
            halted: false,
            faulted: Vec::new(),
            position_mismatches: 0,
            positions_checked: 0,
            no_stream_after_end: false,
        }
    }
}

impl Stats {
    /// Count one record of `stream`.
    pub fn count(&mut self, stream: &str, seq: u64, ts: u64, m: &Msg) {
        *self.events_by_type.entry(m.kind_name()).or_default() += 1;
        let s = self
            .streams
            .entry(stream.to_string())
            .or_insert_with(|| StreamView { name: stream.to_string(), ..Default::default() });
        s.records += 1;
        s.last_seq = Some(seq);
        s.last_ts_ns = Some(s.last_ts_ns.map_or(ts, |t| t.max(ts)));
    }

    /// The tail opened `stream` (it may have no record yet).
    pub fn open_stream(&mut self, stream: &str) {
        self.streams
            .entry(stream.to_string())
            .or_insert_with(|| StreamView { name: stream.to_string(), ..Default::default() });
        self.no_stream_after_end = false;
    }

    /// The stream's writer closed it.
    pub fn end_stream(&mut self, stream: &str) {
        let s = self
            .streams
            .entry(stream.to_string())
            .or_insert_with(|| StreamView { name: stream.to_string(), ..Default::default() });
        s.ended = true;
    }

    /// A hop's latency sample (`origin_ts` to `ts`; a clock that went backwards records 0), into
    /// both the HdrHistogram and the Prometheus buckets.
    pub fn hop(&mut self, stream: &str, ts: u64, origin_ts: u64) {
        if let Some(i) = HOPS.iter().position(|(_, s)| *s == stream) {
            let ns = ts.saturating_sub(origin_ts);
            // Clamped to the histogram's 1 h ceiling rather than dropped: both keep every sample.
            self.latency[i].saturating_record(ns);
            self.hop_buckets[i].observe(ns);
        }
    }

    pub fn reject(&mut self, v: Verdict) -> u64 {
        match Verdict::REJECTS.iter().position(|r| *r == v) {
            Some(i) => {
                self.rejects[i] += 1;
                self.rejects[i]
            }
            None => 0,
        }
    }

    pub fn rejected_total(&self) -> u64 {
        self.rejects.iter().sum()
    }

    pub fn rejects_by_reason(&self) -> BTreeMap<String, u64> {
        Verdict::REJECTS.iter().zip(self.rejects).map(|(v, n)| (v.name().to_string(), n)).collect()
    }

    pub fn latency_views(&self) -> Vec<LatencyView> {
        HOPS.iter()
            .zip(&self.latency)
            .map(|((name, _), h)| {
                let q = |p: f64| if h.is_empty() { 0 } else { h.value_at_quantile(p) };
                let mut buckets = Vec::new();
                if !h.is_empty() {
                    let mut upper = 1u64;
                    let mut below = 0u64;
                    loop {
                        let n = h.count_between(0, upper);
                        buckets.push((upper, n - below));
                        below = n;
                        if upper >= h.max() || upper >= 1 << 42 {
                            break;
                        }
                        upper *= 2;
                    }
                }
                LatencyView {
                    hop: name.to_string(),
                    count: h.len(),
                    p50_ns: q(0.5),
                    p90_ns: q(0.9),
                    p99_ns: q(0.99),
                    p999_ns: q(0.999),
                    max_ns: h.max(),
                    buckets,
                }
            })
            .collect()
    }

    /// Tick-to-trade p99 (`feed→order`), None before the first order.
    pub fn tick_to_trade_p99(&self) -> Option<u64> {
        let h = &self.latency[2];
        (!h.is_empty()).then(|| h.value_at_quantile(0.99))
    }

    /// Every stream of the run has ended: every stream seen has, and a look for new streams made
    /// after that found none.
    pub fn finished(&self) -> bool {
        self.no_stream_after_end && !self.streams.is_empty() && self.streams.values().all(|s| s.ended)
    }
}
