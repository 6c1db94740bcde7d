//! Slow agents: the [`SlowAgent`] trait and the [`SlowRunner`] that polls them off the hot path
//! and publishes their opinions on a [`crate::Board`].
//!
//! A slow agent (fundamentals from filings, value, filing events, news sentiment) may take
//! milliseconds or seconds per answer, read files, and allocate: it never runs on a hot thread.
//! The runner asks each agent, every `period_ns`, for its latest opinion on every instrument
//! ([`SlowAgent::signal`]) and publishes what it gets in the agent's row of the board, where a
//! [`crate::BoardAgent`] on the agents thread picks it up without locks.
//!
//! **Two clocks, one code.**
//! - *Live* ([`SlowRunner::spawn`]): one thread per agent, unpinned, at a lowered CPU priority
//!   (nice, per thread), asking "as of now" by the wall clock (Unix ns, the clock of live market
//!   events' `local_ts`). An agent that panics is caught (`catch_unwind`), counted and never asked
//!   again: its slots keep their last publication, which ages out in the aggregator (counted
//!   there as expired). An agent that stalls holds only its own thread: the hot thread never waits
//!   for a slow one, and [`SlowHandle::stop`] gives up on a thread that does not end in time
//!   (it is left detached, named in the report).
//! - *Backtest* ([`SlowRunner::step`]): no thread; the backtest loop calls `step(event_ts)` on its
//!   own thread before it hands each market event to the host, so the agents are asked "as of"
//!   event time, at event-time periods, in a fixed order: a replay publishes the same values at
//!   the same events every run, and its journal stays bit-identical. (A stalled agent would stall
//!   a backtest, as any step of a deterministic replay must complete.)
//!
//! An agent must not look ahead: asked as of `now_ns`, it answers with what it could know at
//! `now_ns`, and the time it returns (what the opinion refers to, e.g. a filing date) is at or
//! before `now_ns` (a later one is clamped to `now_ns` and counted).

mod runner;

pub use runner::{SlowHandle, SlowRunner, SlowRunnerConfig, SlowStats, StopReport};

use alphapulse_types::InstrumentId;
use thiserror::Error;

/// A slow agent, polled by a [`SlowRunner`].
pub trait SlowAgent: Send {
    /// Its name: the row of the board it publishes in (and, through a `BoardAgent` of the same
    /// name, the aggregator's weight and TTL keys).
    fn name(&self) -> &str;

    /// Its latest opinion on `inst` as of `now_ns` (Unix ns): a score in basis points
    /// (±10 000; positive = buy) and the time (ns) the opinion refers to, at or before `now_ns`.
    /// `None`: no opinion (nothing is published; a previous publication stays).
    fn signal(&mut self, inst: InstrumentId, now_ns: u64) -> Option<(i32, u64)>;
}

/// Why the runner refused something.
#[derive(Debug, Error)]
pub enum SlowError {
    #[error("slow agent `{name}` has no row on the board (its rows: {rows})")]
    NoRow { name: String, rows: String },
    #[error("slow agent `{0}` was added twice (one writer per board slot)")]
    Twice(String),
    #[error("slow.period_ns must be positive")]
    Period,
    #[error("slow.nice = {0}: must be in 0..=19")]
    Nice(i32),
    #[error("starting the thread of slow agent `{name}`: {source}")]
    Spawn { name: String, source: std::io::Error },
}
