//! [`FeedActor`]: the replay as an `alphapulse_runtime::Actor`, and its options/config.

use crate::replay::Replay;
use crate::stats::FeedStats;
use crate::sync::ReplaySink;
use crate::FeedError;
use alphapulse_book::Book;
use alphapulse_runtime::{Actor, Books, Ctx, Kinds, Poll, Source};
use alphapulse_types::{Depth, EndOfStream, InstrumentId, InstrumentTable, Msg, Price, PxQty, Qty};
use std::any::Any;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The feed's TOML table (embedded in the lead's config).
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Levels kept per book side (Binance snapshots have at most 5000).
    pub book_levels: usize,
    /// Depth events buffered per instrument while waiting for a snapshot (oldest dropped beyond).
    pub max_buffered_depth_events: usize,
    /// Levels (of those events) buffered per instrument.
    pub max_buffered_levels: usize,
    /// Longest input line; longer lines are skipped and counted.
    pub max_line_bytes: usize,
    /// Levels per side one frame may carry (beyond: dropped, counted); at least `book_levels`.
    pub max_frame_levels: usize,
    /// Frames between two progress stores.
    pub progress_every_frames: u64,
    /// Largest forward step of the receive time from the previous accepted line of the same source
    /// (ns); a line further ahead is malformed (`bad_timestamp`). Largest step measured in the real
    /// captures: 0.34 s (binance spot/USD-M), 1.3 s (cryptofeed ws), 5.9 s (cryptofeed http, between
    /// snapshots); default 60 s.
    pub max_recv_jump_forward_ns: u64,
    /// Largest backward step of the receive time from the previous accepted line of the same source
    /// (ns). None measured in the real captures (receive times never decrease); default 1 s.
    pub max_recv_jump_back_ns: u64,
    /// Largest distance between a frame's exchange times (`E`, `T`) and its receive time (ns).
    /// Measured: receive − exchange time from −1.28 s to +0.08 s (the capturing clocks ran about a
    /// second behind Binance's); default 10 s.
    pub max_exchange_skew_ns: u64,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            book_levels: 5000,
            max_buffered_depth_events: 1024,
            max_buffered_levels: 65_536,
            max_line_bytes: 1 << 20,
            max_frame_levels: 5000,
            progress_every_frames: 4096,
            max_recv_jump_forward_ns: 60_000_000_000,
            max_recv_jump_back_ns: 1_000_000_000,
            max_exchange_skew_ns: 10_000_000_000,
        }
    }
}

impl FeedConfig {
    /// Check every key; errors name the key.
    pub fn validate(&self) -> Result<(), FeedError> {
        let bad = |key, problem: &str| Err(FeedError::Config { key, problem: problem.into() });
        if self.book_levels == 0 || self.book_levels > 1_000_000 {
            return bad("book_levels", "must be in 1..=1000000");
        }
        if self.max_buffered_depth_events == 0 {
            return bad("max_buffered_depth_events", "must be positive");
        }
        if self.max_buffered_levels == 0 {
            return bad("max_buffered_levels", "must be positive");
        }
        if self.max_line_bytes < 4096 || self.max_line_bytes > 1 << 30 {
            return bad("max_line_bytes", "must be in 4096..=1073741824");
        }
        if self.max_frame_levels == 0 {
            return bad("max_frame_levels", "must be positive");
        }
        if self.progress_every_frames == 0 {
            return bad("progress_every_frames", "must be positive");
        }
        if self.max_recv_jump_forward_ns == 0 {
            return bad("max_recv_jump_forward_ns", "must be positive");
        }
        if self.max_exchange_skew_ns == 0 {
            return bad("max_exchange_skew_ns", "must be positive");
        }
        Ok(())
    }
}

/// Options of a [`FeedActor`]: the config plus run-time handles.
#[derive(Clone, Debug, Default)]
pub struct FeedOptions {
    pub book_levels: usize,
    pub max_buffered_depth_events: usize,
    pub max_buffered_levels: usize,
    pub max_line_bytes: usize,
    pub max_frame_levels: usize,
    pub progress_every_frames: u64,
    pub max_recv_jump_forward_ns: u64,
    pub max_recv_jump_back_ns: u64,
    pub max_exchange_skew_ns: u64,
    /// Input bytes consumed (compressed for gzip), stored with `Relaxed` every
    /// `progress_every_frames` frames and at the end; compare with [`FeedActor::total_input_bytes`].
    pub progress: Option<Arc<AtomicU64>>,
}

impl FeedOptions {
    /// Options from a validated config, without a progress counter.
    pub fn from_config(c: &FeedConfig) -> Self {
        FeedOptions {
            book_levels: c.book_levels,
            max_buffered_depth_events: c.max_buffered_depth_events,
            max_buffered_levels: c.max_buffered_levels,
            max_line_bytes: c.max_line_bytes,
            max_frame_levels: c.max_frame_levels,
            progress_every_frames: c.progress_every_frames,
            max_recv_jump_forward_ns: c.max_recv_jump_forward_ns,
            max_recv_jump_back_ns: c.max_recv_jump_back_ns,
            max_exchange_skew_ns: c.max_exchange_skew_ns,
            progress: None,
        }
    }
    /// The defaults of [`FeedConfig`].
    pub fn defaults() -> Self {
        Self::from_config(&FeedConfig::default())
    }
    pub(crate) fn validate(&self) -> Result<(), FeedError> {
        FeedConfig {
            book_levels: self.book_levels,
            max_buffered_depth_events: self.max_buffered_depth_events,
            max_buffered_levels: self.max_buffered_levels,
            max_line_bytes: self.max_line_bytes,
            max_frame_levels: self.max_frame_levels,
            progress_every_frames: self.progress_every_frames,
            max_recv_jump_forward_ns: self.max_recv_jump_forward_ns,
            max_recv_jump_back_ns: self.max_recv_jump_back_ns,
            max_exchange_skew_ns: self.max_exchange_skew_ns,
        }
        .validate()
    }
}

/// Sends through the actor's context.
pub(crate) struct CtxSink<'c, 'a>(pub(crate) &'c mut Ctx<'a>);

impl ReplaySink for CtxSink<'_, '_> {
    #[inline]
    fn emit(&mut self, msg: Msg) {
        // A full link is the runtime's business: it polls no source until the link drains.
        let _ = self.0.down(msg);
    }
    #[inline]
    fn emit_depth(&mut self, d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        let px = |&(p, q): &(Price, Qty)| PxQty::new(p, q);
        let _ = self.0.send_depth(d, bids.iter().map(px), asks.iter().map(px));
    }
    #[inline]
    fn journal(&mut self, msg: Msg) {
        self.0.journal(msg);
    }
}

/// The replay feed actor: each `poll` processes one frame and sends its market messages down.
pub struct FeedActor {
    replay: Replay,
    progress: Option<Arc<AtomicU64>>,
    progress_every: u64,
    since_progress: u64,
    done: bool,
    /// Replay at N× the capture's pace (wall clock), when set.
    pace: Option<Pace>,
    /// Hold end-of-stream back at the end of the data until this flag is raised (an operator
    /// inspects the final state over the control socket meanwhile).
    hold: Option<Arc<AtomicBool>>,
    /// The hold flag was raised before the end of the data: the replay ended there.
    stopped_early: bool,
}

/// Replay pacing: the capture's receive times, scaled by `speed`, against the wall clock.
#[derive(Clone, Copy, Debug)]
struct Pace {
    speed: f64,
    /// Wall clock and capture time of the first frame.
    start: Option<(std::time::Instant, u64)>,
    /// No frame before this instant.
    wait_until: Option<std::time::Instant>,
}

impl FeedActor {
    /// Replay at `speed` × the capture's pace (receive times against the wall clock; 1.0 = as
    /// captured) instead of as fast as possible: a replay an operator can steer as it runs. The
    /// feed then reads the wall clock once per frame (vDSO, no syscall).
    pub fn set_pace(&mut self, speed: f64) {
        self.pace =
            (speed > 0.0 && speed.is_finite()).then_some(Pace { speed, start: None, wait_until: None });
    }

    /// At the end of the data, send no end-of-stream (the chain stays up, idle) until `until` is
    /// raised; raised before the end, the replay ends there (end-of-stream at once: the rest of
    /// the data is not read, as when an operator stops a paper run).
    pub fn hold_at_end(&mut self, until: Arc<AtomicBool>) {
        self.hold = Some(until);
    }

    /// True if the replay was stopped (see [`FeedActor::hold_at_end`]) before the end of the data.
    pub fn stopped_early(&self) -> bool {
        self.stopped_early
    }

    /// True while the data is exhausted and end-of-stream is held back.
    pub fn is_holding(&self) -> bool {
        self.done && self.hold.is_some()
    }

    /// Open capture `files` (format detected from content; binance files with the same name prefix
    /// continue one stream; see [`crate::source`]) for the instruments of `instruments`.
    pub fn open(
        files: &[PathBuf],
        instruments: &InstrumentTable,
        opts: FeedOptions,
    ) -> Result<Self, FeedError> {
        let replay = Replay::open(files, instruments, &opts)?;
        Ok(FeedActor {
            replay,
            progress: opts.progress,
            progress_every: opts.progress_every_frames.max(1),
            since_progress: 0,
            done: false,
            pace: None,
            hold: None,
            stopped_early: false,
        })
    }
    /// Counters so far.
    pub fn stats(&self) -> &FeedStats {
        self.replay.stats()
    }
    /// The book of `inst` (empty unless synced).
    pub fn book(&self, inst: InstrumentId) -> Option<&Book> {
        self.replay.book(inst)
    }
    /// Sum of input file sizes, for a progress bar.
    pub fn total_input_bytes(&self) -> u64 {
        self.replay.total_input_bytes()
    }
    /// Read the next input line now (see [`Replay::prefetch`]): a latency harness calls it before
    /// taking a frame's ingress time, so reading the input is not counted as processing it.
    pub fn prefetch(&mut self) {
        self.replay.prefetch();
    }
    /// The replay underneath (books with sync state, consumed bytes).
    pub fn replay(&self) -> &Replay {
        &self.replay
    }
}

impl Actor for FeedActor {
    fn name(&self) -> &'static str {
        "feed"
    }

    /// The feed is first on the chain and takes no input: anything that reaches it goes on.
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }

    fn handle(&mut self, _msg: &Msg, _ctx: &mut Ctx<'_>) {}

    fn source(&mut self) -> Option<&mut dyn Source> {
        Some(self)
    }

    /// The feed lends its books to the actors after it on its thread: one book per instrument per
    /// thread. Every poll emits at most one depth update (see `crate::sync`), so a lent book is
    /// at the state of the update being handled.
    fn books(&self) -> Option<&dyn Books> {
        Some(self.replay.decoder())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Source for FeedActor {
    /// One frame per poll.
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.done {
            return match &self.hold {
                Some(h) if !h.load(Ordering::Relaxed) => Poll::Idle,
                Some(_) => {
                    self.hold = None;
                    let _ = ctx.down(Msg::Eos(EndOfStream { ts: self.replay.last_local_ts() }));
                    Poll::Done
                }
                None => Poll::Done,
            };
        }
        if self.hold.as_ref().is_some_and(|h| h.load(Ordering::Relaxed)) {
            // Stopped before the end of the data.
            self.done = true;
            self.hold = None;
            self.stopped_early = true;
            let _ = ctx.down(Msg::Eos(EndOfStream { ts: self.replay.last_local_ts() }));
            return Poll::Done;
        }
        if let Some(p) = &mut self.pace {
            if p.wait_until.is_some_and(|t| std::time::Instant::now() < t) {
                return Poll::Idle;
            }
        }
        if self.replay.step(&mut CtxSink(ctx)) {
            if let Some(p) = &mut self.pace {
                let ts = self.replay.last_local_ts();
                let (wall, first) = *p.start.get_or_insert((std::time::Instant::now(), ts));
                let due = std::time::Duration::from_secs_f64(ts.saturating_sub(first) as f64 / 1e9 / p.speed);
                p.wait_until = Some(wall + due);
            }
            self.since_progress += 1;
            if self.since_progress >= self.progress_every {
                self.since_progress = 0;
                if let Some(p) = &self.progress {
                    p.store(self.replay.consumed_bytes(), Ordering::Relaxed);
                }
            }
            return Poll::Busy;
        }
        self.done = true;
        if let Some(p) = &self.progress {
            p.store(self.replay.consumed_bytes(), Ordering::Relaxed);
        }
        if self.hold.is_some() {
            return Poll::Busy; // end-of-stream waits for the flag (see `hold_at_end`)
        }
        let _ = ctx.down(Msg::Eos(EndOfStream { ts: self.replay.last_local_ts() }));
        Poll::Done
    }
}
