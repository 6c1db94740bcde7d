//! Journaling every actor's output: one `alphapulse_shm` stream per actor at `<dir>/<actor name>/`.
//!
//! **What is journaled**: every message an actor *sends* through its [`crate::Ctx`], Down or Up,
//! including those that fall off either end of the chain. Forwards are the runtime's (see
//! [`crate::actor`]), never an actor's send, so they are not journaled again: each fact is
//! journaled once: the feed's stream holds the market data,
//! the strategy's the intents, risk's the decisions, the router's the orders and cancels, the
//! gateway's the execution reports. Everything a source emits from `poll` is journaled.
//! What an actor sends to its **journal port** ([`crate::Ctx::journal`]: signals, order state
//! transitions, positions) is appended to its stream and sent nowhere else.
//!
//! **Record**: type = [`Msg::kind`] (1..=14), version = [`CODEC_VERSION`] (3), timestamp =
//! [`Msg::event_ts`], payload = the 64-byte [`Msg::encode`] encoding — for a depth update followed
//! by its levels (16 bytes each, bids then asks: one record per update) — written in place with
//! `Writer::append_with` after the message was accepted by the link: no allocation, no syscall
//! (except a segment roll's `rename`, and `Durability::EveryRecords` msyncs, which are the
//! configuration's explicit choice).
//!
//! **Errors** on the hot path are counted per stream and the first one is kept for the report;
//! the run goes on — except for a **full disk**, where [`JournalSpec::on_full`] decides.
//!
//! **Full disk**: segments are allocated on disk (`posix_fallocate`) before they are mapped, so a
//! full disk is an error when the upkeep thread (or, if it fell behind, the writer at a roll)
//! prepares a segment — never a fault on a write. With [`OnFull::Stop`] (the default) the run
//! stops cleanly at the first such failure (the upkeep thread prepares a segment ahead, so
//! usually nothing is lost yet) and every stream is closed with an end record of status
//! `DiskFull`, so `journal stat`, `export` and `--from-journal` see the journal is incomplete.
//! With [`OnFull::Continue`] the run goes on unjournaled: a stream that cannot roll writes its
//! `DiskFull` end record in the room each segment keeps for it, and refuses (counts) later appends.
//!
//! **Close**: at the end of the run each stream gets its end record (status `Clean`, or
//! `DiskFull` as above), which tells readers the stream is complete; a stream without one had a
//! writer that is still running or crashed.
//!
//! **Upkeep**: a slow thread (`ap-journal`) prepares each stream's next segment (create and
//! pre-fault, so a roll only renames), unmaps finished ones and applies retention every second;
//! `Durability::EveryMillis` gets one `alphapulse_shm::Flusher` per stream. All stop at the end of the run.

use alphapulse_shm::{
    EndStatus, Flusher, JournalError, Preparer, Retention, StreamConfig, Writer, WriterStats,
};
use alphapulse_types::{encode_levels, Depth, Msg, PxQty, CODEC_VERSION, ENCODED_LEN, LEVEL_LEN};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where and how to journal a run: one stream per actor at `<dir>/<actor name>/`. An existing
/// stream is reopened (crash recovery) and appended to.
#[derive(Clone, Debug)]
pub struct JournalSpec {
    pub dir: PathBuf,
    pub stream: StreamConfig,
    /// What to do when the journal's disk is full.
    pub on_full: OnFull,
}

/// What a run does when its journal's disk is full (`[journal] on_full`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFull {
    /// Stop the run cleanly and mark every stream `DiskFull` (the default: the journal is the
    /// run's record — what was decided, sent and filled — and a desk does not trade without its
    /// audit trail; a backtest whose journal silently stops cannot be replayed or checked).
    #[default]
    Stop,
    /// Keep running unjournaled; the streams that could not roll end with a `DiskFull` record.
    Continue,
}

/// Shared between the streams, the upkeep thread and the run: did the disk fill up?
#[derive(Default)]
pub(crate) struct FullState {
    /// Set when a segment could not be allocated (NoSpace).
    pub(crate) full: AtomicBool,
    /// The first such error, for the report.
    pub(crate) first: Mutex<Option<String>>,
}

impl FullState {
    #[cold]
    fn note(&self, e: &JournalError, stop: Option<&AtomicBool>) {
        if !matches!(e, JournalError::NoSpace { .. }) {
            return;
        }
        if !self.full.swap(true, Ordering::AcqRel) {
            if let Ok(mut f) = self.first.lock() {
                f.get_or_insert_with(|| e.to_string());
            }
        }
        if let Some(s) = stop {
            s.store(true, Ordering::Release);
        }
    }
}

/// One actor's stream while the run lasts.
pub(crate) struct ActorJournal {
    writer: Writer,
    records: u64,
    errors: u64,
    first_error: Option<JournalError>,
    full: Arc<FullState>,
    /// The run's stop flag, when `on_full` is `Stop`.
    stop_on_full: Option<Arc<AtomicBool>>,
}

impl ActorJournal {
    /// Appends `msg` as one record (hot path: see the module docs); a depth update's levels,
    /// read from `levels` (the thread's level store), follow its header in the same record.
    #[inline]
    pub(crate) fn append(&mut self, msg: &Msg, levels: &[PxQty]) {
        let r = match msg {
            Msg::Depth(d) => {
                let (b, a) = crate::actor::levels_in(levels, d);
                let n = b.len() + a.len();
                self.writer.append_with(
                    msg.kind(),
                    CODEC_VERSION,
                    msg.event_ts(),
                    ENCODED_LEN + n * LEVEL_LEN,
                    |buf| {
                        let (head, rest) = buf.split_at_mut(ENCODED_LEN);
                        if let Ok(h) = <&mut [u8; ENCODED_LEN]>::try_from(head) {
                            // The header as journaled counts the levels that are really there.
                            let d = Depth { bids: b.len() as u32, asks: a.len() as u32, ..*d };
                            Msg::Depth(d).encode(h);
                        }
                        let (rb, ra) = rest.split_at_mut(b.len() * LEVEL_LEN);
                        encode_levels(b, rb);
                        encode_levels(a, ra);
                    },
                )
            }
            _ => self.writer.append_with(msg.kind(), CODEC_VERSION, msg.event_ts(), ENCODED_LEN, |b| {
                if let Ok(buf) = <&mut [u8; ENCODED_LEN]>::try_from(b) {
                    msg.encode(buf);
                }
            }),
        };
        match r {
            Ok(_) => self.records += 1,
            Err(e) => self.error(e),
        }
    }

    #[cold]
    fn error(&mut self, e: JournalError) {
        self.full.note(&e, self.stop_on_full.as_deref());
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e);
        }
    }
}

/// One actor's stream after the run.
#[derive(Debug)]
pub struct JournalReport {
    pub actor: &'static str,
    /// The stream folder.
    pub dir: PathBuf,
    /// Records this run appended.
    pub records: u64,
    /// Appends that failed (the message was still delivered).
    pub errors: u64,
    /// The first failure (file and offset where it applies).
    pub first_error: Option<JournalError>,
    /// Sequence the next append would get (= records in the stream if it started empty).
    pub next_seq: u64,
    /// Rolls, inline preparations (upkeep too slow), msyncs, refused appends.
    pub stats: WriterStats,
    /// How the stream was closed: `Clean`, or `DiskFull`/`Failed` (incomplete). None if even the
    /// end record could not be written (see `first_error`).
    pub end: Option<EndStatus>,
}

/// Opens one stream per actor (start-up; allocates).
pub(crate) fn open(
    spec: &JournalSpec,
    names: &[&'static str],
    full: &Arc<FullState>,
    stop: &Arc<AtomicBool>,
) -> Result<Vec<ActorJournal>, JournalError> {
    names
        .iter()
        .map(|n| {
            let writer = Writer::create_or_open(spec.dir.join(n), spec.stream.clone())?;
            Ok(ActorJournal {
                writer,
                records: 0,
                errors: 0,
                first_error: None,
                full: full.clone(),
                stop_on_full: (spec.on_full == OnFull::Stop).then(|| stop.clone()),
            })
        })
        .collect()
}

/// Closes a stream with its end record (`DiskFull` if the run's journal disk filled up; a final
/// msync unless the policy is `None`) and reports it.
pub(crate) fn close(actor: &'static str, mut j: ActorJournal) -> JournalReport {
    let next_seq = j.writer.next_seq();
    // Stopped by a full disk: every stream is a truncated record of the run. (Continuing, only the
    // streams that could not roll are incomplete, and they already ended with `DiskFull`.)
    let stopped = j.stop_on_full.is_some() && j.full.full.load(Ordering::Acquire);
    let status = if stopped { EndStatus::DiskFull } else { EndStatus::Clean };
    let end = match j.writer.close_with(status) {
        Ok(s) => Some(s),
        Err(e) => {
            j.error(e);
            j.writer.end()
        }
    };
    if let Some(e) = j.writer.take_sync_error() {
        j.errors += 1;
        let path = j.writer.dir().to_path_buf();
        j.first_error.get_or_insert(JournalError::Io { op: "msync", path, source: e });
    }
    JournalReport {
        actor,
        dir: j.writer.dir().to_path_buf(),
        records: j.records,
        errors: j.errors,
        first_error: j.first_error,
        next_seq,
        stats: j.writer.stats(),
        end,
    }
}

/// The slow thread that keeps the streams' next segments ready, plus the flushers.
pub(crate) struct Upkeep {
    stop: Arc<AtomicBool>,
    errors: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
    _flushers: Vec<Flusher>,
}

impl Upkeep {
    /// Starts the upkeep thread (and flushers) for these streams.
    pub(crate) fn start(
        journals: &[ActorJournal],
        spec: &JournalSpec,
        full: &Arc<FullState>,
        run_stop: &Arc<AtomicBool>,
    ) -> Result<Upkeep, JournalError> {
        let cfg = &spec.stream;
        let preparers: Vec<Preparer> = journals.iter().map(|j| j.writer.preparer()).collect();
        // Every stream's next segment is ready before the run starts: the first rolls come early
        // (a few milliseconds into a fast replay) and must not wait for the thread to get round.
        // A full disk here is the same as later: stop (nothing ran yet) or go on unjournaled.
        let stop_on_full = (spec.on_full == OnFull::Stop).then(|| run_stop.clone());
        for p in &preparers {
            if let Err(e) = p.prepare() {
                if !matches!(e, JournalError::NoSpace { .. }) {
                    return Err(e);
                }
                full.note(&e, stop_on_full.as_deref());
            }
        }
        let mut flushers = Vec::new();
        for j in journals {
            flushers.extend(j.writer.spawn_flusher()?);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let errors = Arc::new(AtomicU64::new(0));
        let (s, e, retention) = (stop.clone(), errors.clone(), cfg.retention.clone());
        let (full, on_full) = (full.clone(), stop_on_full);
        let handle = std::thread::Builder::new()
            .name("ap-journal".into())
            .spawn(move || upkeep_loop(&preparers, &retention, &s, &e, &full, on_full.as_deref()))
            .map_err(|e| JournalError::Io { op: "spawn journal upkeep", path: PathBuf::new(), source: e })?;
        Ok(Upkeep { stop, errors, handle: Some(handle), _flushers: flushers })
    }

    /// Stops the thread; returns the number of failed upkeep operations.
    pub(crate) fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Release);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            let _ = h.join();
        }
        self.errors.load(Ordering::Relaxed)
    }
}

impl Drop for Upkeep {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

/// Every millisecond: prepare next segments (a no-op, without allocating, while one is ready).
/// Every second, if a retention policy is set: delete old segments.
/// After a full disk, preparing is retried once a second only (each try is a few syscalls).
fn upkeep_loop(
    preparers: &[Preparer],
    retention: &Retention,
    stop: &AtomicBool,
    errors: &AtomicU64,
    full: &FullState,
    run_stop: Option<&AtomicBool>,
) {
    let has_retention = retention.max_segments.is_some() || retention.max_age_secs.is_some();
    let mut last_retention = Instant::now();
    let mut last_full: Option<Instant> = None;
    while !stop.load(Ordering::Acquire) {
        if last_full.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            for p in preparers {
                if let Err(e) = p.prepare() {
                    errors.fetch_add(1, Ordering::Relaxed);
                    if matches!(e, JournalError::NoSpace { .. }) {
                        full.note(&e, run_stop);
                        last_full = Some(Instant::now());
                    }
                }
            }
        }
        if has_retention && last_retention.elapsed() >= Duration::from_secs(1) {
            last_retention = Instant::now();
            for p in preparers {
                if p.enforce_retention(retention).is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        std::thread::park_timeout(Duration::from_millis(1));
    }
}
