//! The tail thread: follows every stream of a run's journal folder (streams that appear later
//! too; not the `alerts` stream, which this process writes itself) and applies their records to
//! the [`Model`], merged in the order the chain applied them.
//!
//! **Merge**: each stream's clock is the running maximum of its records' times (risk stamps a
//! fill's `position` record with the time of the market event it was handling, so its clock is
//! where risk stood). The next record applied is the one whose stream clock is lowest, taken
//! only when every other open stream has a record waiting with a clock at least as high, or has
//! been idle (nothing new) for `hold`: so a finished journal is merged exactly (marks and fills
//! in risk's order, which makes max drawdown exact) and a live one waits at most `hold` for a
//! stream that is quiet. Ties go to the stream earlier in the chain (the feed first).
//!
//! Records are applied in batches under the model's lock (at most `batch` per lock, so the API
//! is never kept waiting long); after each batch the health is refreshed, the `on_batch` hook
//! runs (the dashboard evaluates its alert rules there) and `notify` wakes the WebSocket senders.

use super::model::Model;
use crate::journal::read::Rec;
use alphapulse_shm::{JournalError, Reader};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the tail thread runs.
#[derive(Clone, Debug)]
pub struct TailOptions {
    pub dir: PathBuf,
    /// How long a quiet stream holds the others back (see the module doc).
    pub hold: Duration,
    /// Records applied per lock.
    pub batch: usize,
    /// Sleep when nothing is new.
    pub idle: Duration,
}

impl TailOptions {
    pub fn new(dir: PathBuf) -> TailOptions {
        TailOptions { dir, hold: Duration::from_millis(20), batch: 2048, idle: Duration::from_millis(1) }
    }
}

/// One stream, decoded (as `journal::read::StreamReader`, which also says when the writer closed it).
struct StreamReader {
    name: String,
    reader: Reader,
}

impl StreamReader {
    fn open(s: &crate::journal::StreamRef) -> anyhow::Result<StreamReader> {
        let reader = Reader::open(&s.dir).map_err(|e| anyhow::anyhow!("stream `{}`: {e}", s.name))?;
        Ok(StreamReader { name: s.name.clone(), reader })
    }

    fn next(&mut self) -> anyhow::Result<Option<Rec>> {
        let (seq, ty, version, ts, payload) = match self.reader.next() {
            Ok(None) => return Ok(None),
            Ok(Some(r)) => (r.seq, r.ty, r.version, r.ts, r.payload.to_vec()),
            Err(JournalError::FellBehind { oldest_available, .. }) => {
                // Retention removed records before we read them: go on from the oldest kept.
                self.reader
                    .seek(oldest_available)
                    .map_err(|e| anyhow::anyhow!("stream `{}`: {e}", self.name))?;
                return self.next();
            }
            Err(e) => anyhow::bail!("stream `{}`: {e}", self.name),
        };
        let (msg, levels) =
            crate::journal::decode_record(&self.reader, &self.name, seq, ty, version, &payload)?;
        Ok(Some(Rec { seq, ts, msg, levels }))
    }

    /// The writer closed the stream (its end record was read).
    fn closed(&self) -> bool {
        self.reader.end().is_some()
    }
}

/// Runs after every batch, with the model locked.
pub type BatchHook = Box<dyn FnMut(&mut Model) + Send>;

struct Src {
    reader: StreamReader,
    rank: usize,
    head: Option<Rec>,
    clock: u64,
    last_new: Instant,
    ended: bool,
}

/// The streams the tail follows.
struct Merge {
    srcs: Vec<Src>,
    last_scan: Option<Instant>,
}

impl Merge {
    /// Open streams that appeared since the last look (every 500 ms, or now with `force`); how
    /// many were opened.
    fn scan(&mut self, model: &Mutex<Model>, dir: &std::path::Path, force: bool) -> usize {
        if !force && self.last_scan.is_some_and(|t| t.elapsed() < Duration::from_millis(500)) {
            return 0;
        }
        let mut opened = 0;
        self.last_scan = Some(Instant::now());
        lock(model).load_meta();
        for s in crate::journal::streams_now(dir, None) {
            if s.name == "alerts" || self.srcs.iter().any(|x| x.reader.name == s.name) {
                continue;
            }
            let rank = crate::backtest::CHAIN.iter().position(|c| *c == s.name).unwrap_or(usize::MAX);
            match StreamReader::open(&s) {
                Ok(reader) => {
                    opened += 1;
                    lock(model).stats.open_stream(&s.name);
                    self.srcs.push(Src {
                        reader,
                        rank,
                        head: None,
                        clock: 0,
                        last_new: Instant::now(),
                        ended: false,
                    })
                }
                Err(e) => lock(model).note_error(format!("{e:#}")),
            }
        }
        opened
    }

    /// Once every stream known has ended, look again at once: the run is finished only if no
    /// other stream appeared (see `Stats::no_stream_after_end`).
    fn confirm_end(&mut self, model: &Mutex<Model>, dir: &std::path::Path) {
        let all_ended = !self.srcs.is_empty() && self.srcs.iter().all(|s| s.ended);
        if all_ended && !lock(model).stats.no_stream_after_end && self.scan(model, dir, true) == 0 {
            lock(model).stats.no_stream_after_end = true;
        }
    }

    /// Read a head record for every stream that has none; false if a stream failed.
    fn fill(&mut self, model: &Mutex<Model>) {
        for s in self.srcs.iter_mut().filter(|s| s.head.is_none() && !s.ended) {
            match s.reader.next() {
                Ok(Some(r)) => {
                    s.clock = s.clock.max(r.ts);
                    s.last_new = Instant::now();
                    s.head = Some(r);
                }
                Ok(None) if s.reader.closed() => {
                    s.ended = true;
                    lock(model).end_stream(&s.reader.name);
                }
                Ok(None) => {}
                Err(e) => {
                    s.ended = true;
                    lock(model).note_error(format!("{e:#}"));
                }
            }
        }
    }

    /// The stream whose head goes next, if the merge allows one now.
    fn pick(&self, hold: Duration) -> Option<usize> {
        let (i, s) = self
            .srcs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.head.is_some())
            .min_by_key(|(_, s)| (s.clock, s.rank))?;
        let blocked = self
            .srcs
            .iter()
            .any(|o| !o.ended && o.head.is_none() && o.clock < s.clock && o.last_new.elapsed() < hold);
        (!blocked).then_some(i)
    }
}

fn lock(m: &Mutex<Model>) -> std::sync::MutexGuard<'_, Model> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Follow the journal until `stop`; returns when stopped.
pub fn run(
    opts: TailOptions,
    model: Arc<Mutex<Model>>,
    mut on_batch: BatchHook,
    notify: Arc<dyn Fn() + Send + Sync>,
    stop: Arc<AtomicBool>,
) {
    let mut m = Merge { srcs: Vec::new(), last_scan: None };
    while !stop.load(Ordering::Relaxed) {
        m.scan(&model, &opts.dir, false);
        m.fill(&model);
        let mut applied = 0;
        {
            let mut g = lock(&model);
            while applied < opts.batch {
                let Some(i) = m.pick(opts.hold) else { break };
                let s = &mut m.srcs[i];
                let Some(r) = s.head.take() else { break };
                g.apply(&s.reader.name, r.seq, r.ts, &r.msg);
                applied += 1;
                // Refill this stream's head at once (its clock decides the next pick).
                match s.reader.next() {
                    Ok(Some(n)) => {
                        s.clock = s.clock.max(n.ts);
                        s.last_new = Instant::now();
                        s.head = Some(n);
                    }
                    Ok(None) if s.reader.closed() => {
                        s.ended = true;
                        g.end_stream(&s.reader.name);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        s.ended = true;
                        g.note_error(format!("{e:#}"));
                    }
                }
            }
            if applied > 0 {
                g.last_record_at = Some(Instant::now());
                g.refresh_health();
                on_batch(&mut g);
            }
        }
        m.confirm_end(&model, &opts.dir);
        // Prices held back by the gate go out when due, and all of them once the run is finished.
        let flushed = {
            let mut g = lock(&model);
            let finished = g.stats.finished();
            g.flush_prices(finished)
        };
        if applied > 0 || flushed {
            notify();
        } else {
            std::thread::sleep(opts.idle);
        }
    }
}

/// Apply every record the journal holds now (no waiting for quiet streams beyond their end):
/// for tests and one-shot reads of a finished journal.
pub fn read_all(dir: &std::path::Path, model: &Mutex<Model>) {
    let mut m = Merge { srcs: Vec::new(), last_scan: None };
    m.scan(model, dir, true);
    loop {
        m.fill(model);
        let mut g = lock(model);
        let Some(i) = m.pick(Duration::ZERO) else { break };
        let s = &mut m.srcs[i];
        let Some(r) = s.head.take() else { break };
        g.apply(&s.reader.name, r.seq, r.ts, &r.msg);
    }
    m.confirm_end(model, dir);
    lock(model).flush_prices(true);
    lock(model).refresh_health();
}
