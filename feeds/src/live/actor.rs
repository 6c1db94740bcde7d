//! [`LiveFeedActor`]: the live feed as a runtime actor — first on its thread, polled by the
//! runtime, lending its books like the replay's `FeedActor`. Time comes from an injected
//! [`WallClock`] (the receive times it stamps), never from the chain's clock, so the chain can run on
//! event time (paper trading: the same results as a backtest of the recording) or on the TSC.
//!
//! It stops when its stop flag is raised (SIGINT/SIGTERM in `alphapulse run`): connections are
//! closed, the disconnections journaled, and `Msg::Eos` sent down so the chain drains and reports.
//! [`LiveStatus`] publishes a few counters with relaxed atomics for a status line on another
//! thread (stored every `STATUS_EVERY` polls: never a cost per frame).

use super::feed::{LiveFeed, SymbolSync};
use super::io::Net;
use crate::actor::CtxSink;
use crate::FeedStats;
use alphapulse_runtime::{Actor, Books, Ctx, Kinds, Poll, Source};
use alphapulse_types::{EndOfStream, FeedEvent, InstrumentId, Msg};
use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

/// Nanoseconds since the Unix epoch, read where the feed needs the time.
pub trait WallClock: Send + 'static {
    fn now(&mut self) -> u64;
}

/// The TSC through `quanta`, anchored once to the system clock: the runtime's live clock.
pub struct TscClock(alphapulse_runtime::Clock);

impl Default for TscClock {
    fn default() -> Self {
        TscClock(alphapulse_runtime::Clock::new(alphapulse_runtime::ClockKind::Tsc))
    }
}

impl WallClock for TscClock {
    #[inline]
    fn now(&mut self) -> u64 {
        self.0.read()
    }
}

/// Counters a status line reads from another thread.
#[derive(Debug, Default)]
pub struct LiveStatus {
    pub frames: AtomicU64,
    pub messages_emitted: AtomicU64,
    pub open_connections: AtomicU64,
    /// Symbols whose book is synced (or, without a depth stream, whose connection is open).
    pub symbols_synced: AtomicU64,
    pub symbols: AtomicU64,
    pub reconnects: AtomicU64,
    pub gaps: AtomicU64,
    pub duplicates: AtomicU64,
    pub malformed: AtomicU64,
    /// Receive time of the last frame (ns since the Unix epoch).
    pub last_frame_ts: AtomicU64,
    /// Per configured symbol, in config order: its instrument and its [`SymbolSync`] (as `u8`).
    pub sync: Box<[(InstrumentId, AtomicU8)]>,
}

impl LiveStatus {
    /// Each symbol's instrument and where its sync stands, as last published.
    pub fn symbol_sync(&self) -> impl Iterator<Item = (InstrumentId, SymbolSync)> + '_ {
        self.sync.iter().map(|(i, s)| (*i, SymbolSync::from_u8(s.load(Ordering::Relaxed))))
    }
}

/// Polls between two stores of [`LiveStatus`].
const STATUS_EVERY: u32 = 4096;

/// The live feed actor (see the module doc).
pub struct LiveFeedActor<N: Net> {
    feed: LiveFeed<N>,
    clock: Box<dyn WallClock>,
    stop: Arc<AtomicBool>,
    status: Arc<LiveStatus>,
    since_status: u32,
    done: bool,
}

impl<N: Net> LiveFeedActor<N>
where
    N: Send + 'static,
    N::Ws: Send,
    N::Http: Send,
{
    /// The actor around `feed`, reading time from `clock`, stopping when `stop` is raised.
    pub fn new(feed: LiveFeed<N>, clock: Box<dyn WallClock>, stop: Arc<AtomicBool>) -> Self {
        let sync = feed.symbol_sync().map(|(i, _)| (i, AtomicU8::new(0))).collect();
        let status = Arc::new(LiveStatus { sync, ..Default::default() });
        LiveFeedActor { feed, clock, stop, status, since_status: 0, done: false }
    }
    /// The counters a status line reads.
    pub fn status(&self) -> Arc<LiveStatus> {
        self.status.clone()
    }
    /// The feed (books, counters).
    pub fn feed(&self) -> &LiveFeed<N> {
        &self.feed
    }
    /// Frame counters.
    pub fn stats(&self) -> &FeedStats {
        self.feed.feed_stats()
    }

    fn publish(&self) {
        let s = &self.status;
        let f = self.feed.feed_stats();
        let l = self.feed.stats();
        s.frames.store(f.frames, Ordering::Relaxed);
        s.messages_emitted.store(f.emitted.iter().sum(), Ordering::Relaxed);
        s.open_connections.store(self.feed.open_connections() as u64, Ordering::Relaxed);
        let (mut n, mut synced) = (0, 0);
        for ((_, state), (_, slot)) in self.feed.symbol_sync().zip(s.sync.iter()) {
            n += 1;
            synced += u64::from(state == SymbolSync::Synced);
            slot.store(state as u8, Ordering::Relaxed);
        }
        s.symbols.store(n, Ordering::Relaxed);
        s.symbols_synced.store(synced, Ordering::Relaxed);
        s.reconnects.store(l.count(FeedEvent::Connecting).saturating_sub(1), Ordering::Relaxed);
        s.gaps.store(f.gaps, Ordering::Relaxed);
        s.duplicates.store(f.duplicates, Ordering::Relaxed);
        s.malformed.store(f.malformed_total(), Ordering::Relaxed);
        s.last_frame_ts.store(self.feed.last_local_ts(), Ordering::Relaxed);
    }
}

impl<N: Net + Send + 'static> Actor for LiveFeedActor<N>
where
    N::Ws: Send,
    N::Http: Send,
{
    fn name(&self) -> &'static str {
        "feed"
    }
    /// First on the chain; takes no input.
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }
    fn handle(&mut self, _msg: &Msg, _ctx: &mut Ctx<'_>) {}
    fn source(&mut self) -> Option<&mut dyn Source> {
        Some(self)
    }
    /// Lends its books like the replay's feed: each poll emits at most one depth update.
    fn books(&self) -> Option<&dyn Books> {
        Some(self.feed.decoder())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl<N: Net + Send + 'static> Source for LiveFeedActor<N>
where
    N::Ws: Send,
    N::Http: Send,
{
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.done {
            return Poll::Done;
        }
        let now = self.clock.now();
        self.since_status += 1;
        if self.since_status >= STATUS_EVERY {
            self.since_status = 0;
            self.publish();
        }
        if self.stop.load(Ordering::Relaxed) {
            self.feed.stop(now, &mut CtxSink(ctx));
            self.done = true;
            self.publish();
            let ts = self.feed.last_local_ts().max(1);
            let _ = ctx.down(Msg::Eos(EndOfStream { ts }));
            return Poll::Done;
        }
        if self.feed.poll(now, &mut CtxSink(ctx)) {
            Poll::Busy
        } else {
            Poll::Idle
        }
    }
}
