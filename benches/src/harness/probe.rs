//! Wrapper actors that measure the chain without changing what it does.
//!
//! Every wrapper keeps its actor's name, declares the kinds it handles and consumes (so the runtime
//! forwards around a wrapper exactly as around the bare actor), hands `handle` and its source's
//! `poll` to the real actor with the thread's depth levels, and passes everything the actor sends
//! on unchanged (bar the ingress stamps). Time stamps:
//! - [`Ingress`] (around the `FeedActor`): reads the harness clock when it polls a frame and writes
//!   that time into the `local_ts` of every market message the frame produced (quotes, trades, depth
//!   update headers, book status; and into `Eos`), so
//!   `origin_ts` of the intents and orders it causes is the frame's ingress time. Paced, it holds
//!   each frame until its intended send time and stamps the *intended* time (coordinated omission).
//!   The stamp's two low bits carry the kind of frame ([`trigger_of`]): a stamp is at most 3 ns
//!   early, far below the clock's resolution of what is measured.
//! - [`Tap`] (around strategy, risk, router): keeps the stamps the actors themselves write
//!   (`Intent.ts` = strategy time, `Decision.ts` = risk time, `OrderNew.ts` = router time, each the
//!   actor's `ctx.now()`), in preallocated records, joined after the pass.
//! - [`GatewayProbe`] (around the `SimGateway`): reads the harness clock right after the sim's
//!   `handle` of a `New` has encoded the order into its wire buffer.
//!
//! Clocks: the chain runs on clones of the harness clock (`run_with_clock`), so every stamp shares
//! one base. Each wrapper still checks that over its first [`CALIBRATION_CALLS`] calls (the largest
//! `ctx.now() − harness now` seen, clamped at 0: an actor's reading precedes the wrapper's) and the
//! join subtracts it, so a clock with another base would show up as a non-zero offset in the report.
//! Records are preallocated; a full table is counted, never grown.

use crate::harness::hist::Trigger;
use alphapulse_runtime::{Actor, Books, Clock, Ctx, Flow, Kinds, LevelStore, Outbox, Poll, Port, Source};
use alphapulse_shm::alloc_count::allocations_in;
use alphapulse_types::Msg;
use std::any::Any;

/// Calls over which a wrapper estimates its actor's clock offset.
pub const CALIBRATION_CALLS: u32 = 4096;

/// Clock offset estimation and allocation counting shared by the wrappers.
#[derive(Debug)]
pub struct Meter {
    clock: Clock,
    calib_left: u32,
    offset: i64,
    /// Heap allocations seen inside the wrapped actor's calls (only with counting on).
    pub allocs: u64,
    count_allocs: bool,
}

impl Meter {
    /// `clock` must be a clone of the pass's harness clock (same base for every wrapper).
    pub fn new(clock: Clock, count_allocs: bool) -> Meter {
        Meter { clock, calib_left: CALIBRATION_CALLS, offset: i64::MIN, allocs: 0, count_allocs }
    }
    /// Harness time now (ns since the Unix epoch, the runtime's own clock code).
    #[inline(always)]
    pub fn now(&mut self) -> u64 {
        self.clock.read()
    }
    /// Still within the first [`CALIBRATION_CALLS`] calls (reading the actor's time costs a clock
    /// read the actor itself might not make).
    #[inline(always)]
    fn calibrating(&self) -> bool {
        self.calib_left > 0
    }
    #[inline(always)]
    fn calibrate(&mut self, actor_now: u64) {
        if self.calib_left > 0 {
            self.calib_left -= 1;
            let h = self.clock.read();
            self.offset = self.offset.max(actor_now as i64 - h as i64);
        }
    }
    /// The actor clock's offset from the harness clock (ns; 0 if never calibrated, and never
    /// negative: with one base the actor's reading comes first, so only a later base shows).
    pub fn offset(&self) -> i64 {
        self.offset.max(0)
    }
    /// An actor-clock stamp on the harness clock.
    pub fn to_harness(&self, actor_ts: u64) -> u64 {
        (actor_ts as i64 - self.offset()) as u64
    }
    #[inline(always)]
    fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        if self.count_allocs {
            let (r, n) = allocations_in(f);
            self.allocs += n;
            r
        } else {
            f()
        }
    }
}

/// A bounded record table: pushes past the capacity are counted, not stored.
#[derive(Debug)]
pub struct Records<T> {
    pub items: Vec<T>,
    pub overflow: u64,
}

impl<T: Copy + Default> Records<T> {
    /// `n` records, their pages mapped now: a first touch of a page while measuring would cost a
    /// page fault inside the measured hop.
    pub fn with_capacity(n: usize) -> Self {
        let mut items = alphapulse_types::mem::prefaulted(n);
        items.clear();
        Records { items, overflow: 0 }
    }
    #[inline(always)]
    fn push(&mut self, v: T) {
        if self.items.len() < self.items.capacity() {
            self.items.push(v);
        } else {
            self.overflow += 1;
        }
    }
}

/// When the feed sends each frame.
#[derive(Clone, Debug)]
pub enum Pace {
    /// Frame after frame.
    Free,
    /// Frame i at `start + i × interval_ns`.
    Interval { interval_ns: f64 },
    /// Frame i at `start + offsets_ns[i]` (the capture's receive times, relative and sped up).
    Offsets { offsets_ns: Vec<u64> },
}

/// Rewrites the time stamps of what the feed sends: the ingress time with the frame kind in its
/// two low bits (see [`trigger_of`]). The levels of a depth update go straight into the thread's
/// level store (the feed writes them there before it sends the header).
struct Restamp<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    ts: u64,
}

impl Outbox for Restamp<'_, '_> {
    #[inline(always)]
    fn send(&mut self, port: Port, mut msg: Msg) -> Flow {
        let ts = self.ts & !3;
        match &mut msg {
            Msg::Quote(m) => m.local_ts = ts | 1,
            Msg::Depth(m) => m.local_ts = ts | 2,
            Msg::Book(m) => m.local_ts = ts | 2,
            Msg::Trade(m) => m.local_ts = ts | 3,
            Msg::Eos(m) => m.ts = ts,
            _ => {}
        }
        self.ctx.send(port, msg)
    }
    #[inline(always)]
    fn journal(&mut self, msg: Msg) {
        self.ctx.journal(msg)
    }
    #[inline(always)]
    fn level_store(&mut self) -> Option<&mut LevelStore> {
        self.ctx.level_store()
    }
}

/// The kind of frame an ingress stamp (an order's `origin_ts`) came from.
pub fn trigger_of(origin_ts: u64) -> Option<Trigger> {
    match origin_ts & 3 {
        1 => Some(Trigger::BookTicker),
        2 => Some(Trigger::Depth),
        3 => Some(Trigger::Trade),
        _ => None,
    }
}

/// A source that can read its next input ahead of the poll that processes it.
pub trait Prefetch {
    fn prefetch(&mut self);
    /// Input frames read so far (a poll that replays a buffered depth event reads none).
    fn frames_read(&self) -> u64;
}

impl Prefetch for alphapulse_feeds::FeedActor {
    fn prefetch(&mut self) {
        alphapulse_feeds::FeedActor::prefetch(self);
    }
    fn frames_read(&self) -> u64 {
        self.stats().frames
    }
}

/// The feed wrapper: ingress stamps, pacing, the run's deadline. Before it reads the clock it
/// lets the feed read its next line ([`Prefetch`]): a frame's latency starts with the frame in
/// memory, as a live socket hands over a whole frame; finding the line is not counted.
pub struct Ingress<A: Actor + Prefetch> {
    pub inner: A,
    pub meter: Meter,
    pace: Pace,
    /// Harness time after which the feed ends the pass (sends `Eos`).
    deadline: u64,
    start: u64,
    /// Frames polled.
    pub frames: u64,
    /// Frames taken more than 1 µs after their intended send time (paced modes).
    pub late: u64,
    /// Largest delay between a frame's intended and actual send time (ns).
    pub max_lag_ns: u64,
    /// The pass ended at the deadline rather than at the end of the capture.
    pub cut_at_deadline: bool,
    /// Frames of warm-up: orders whose frame came before frame `warmup_frames` are not measured.
    warmup_frames: u64,
    /// Ingress stamp of the first measured frame (`u64::MAX` while warming up).
    pub measured_from: u64,
    done: bool,
}

impl<A: Actor + Prefetch> Ingress<A> {
    pub fn new(inner: A, meter: Meter, pace: Pace, deadline: u64, warmup_frames: u64) -> Self {
        Ingress {
            inner,
            meter,
            pace,
            deadline,
            start: 0,
            frames: 0,
            late: 0,
            max_lag_ns: 0,
            cut_at_deadline: false,
            warmup_frames,
            measured_from: if warmup_frames == 0 { 0 } else { u64::MAX },
            done: false,
        }
    }
    #[inline(always)]
    fn intended(&self, now: u64) -> u64 {
        match &self.pace {
            Pace::Free => now,
            Pace::Interval { interval_ns } => self.start + (self.frames as f64 * interval_ns) as u64,
            Pace::Offsets { offsets_ns } => {
                let i = (self.frames as usize).min(offsets_ns.len().saturating_sub(1));
                self.start + offsets_ns.get(i).copied().unwrap_or(0)
            }
        }
    }
}

impl<A: Actor + Prefetch> Actor for Ingress<A> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn handles(&self) -> Kinds {
        self.inner.handles()
    }
    fn consumes(&self) -> Kinds {
        self.inner.consumes()
    }
    fn books(&self) -> Option<&dyn Books> {
        self.inner.books()
    }
    fn lent_books(&mut self, lent: bool) {
        self.inner.lent_books(lent)
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        let inner = &mut self.inner;
        self.meter.run(|| inner.handle(msg, ctx));
    }
    /// The wrapper is the source (it paces and stamps the inner one's polls), if the feed has one.
    fn source(&mut self) -> Option<&mut dyn Source> {
        if self.inner.source().is_some() {
            Some(self)
        } else {
            None
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl<A: Actor + Prefetch> Source for Ingress<A> {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.done {
            return Poll::Done;
        }
        self.inner.prefetch();
        let now = self.meter.now();
        if self.start == 0 {
            self.start = now;
        }
        if now >= self.deadline {
            self.done = true;
            self.cut_at_deadline = true;
            ctx.down(Msg::Eos(alphapulse_types::EndOfStream { ts: now }));
            return Poll::Done;
        }
        let intended = self.intended(now);
        if now < intended {
            return Poll::Idle;
        }
        let lag = now - intended;
        if lag > 1_000 {
            self.late += 1;
        }
        self.max_lag_ns = self.max_lag_ns.max(lag);
        if self.frames == self.warmup_frames && self.measured_from == u64::MAX {
            self.measured_from = intended & !3;
        }
        // The time and the levels before `ctx` is lent to the restamping outbox.
        let (actor_now, levels) = (ctx.now(), ctx.levels());
        let Some(source) = self.inner.source() else {
            self.done = true;
            return Poll::Done;
        };
        let mut restamp = Restamp { ctx, ts: intended };
        let r = self.meter.run(|| source.poll(&mut Ctx::new(actor_now, &mut restamp).with_levels(levels)));
        match r {
            // A frame read takes the next pace slot; a poll that replayed a depth event buffered
            // before a snapshot (one per poll, see `alphapulse_feeds::sync`) takes none.
            Poll::Busy => self.frames = self.inner.frames_read(),
            Poll::Done => self.done = true,
            Poll::Idle => {}
        }
        r
    }
}

/// Which hop a [`Tap`] watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    Strategy,
    Risk,
    Router,
}

/// One hop's stamps: `(key, upstream ts, this actor's ts, link)`: risk: (intent id, Intent.ts,
/// Decision.ts, 0); router: (order id, Decision.ts, OrderNew.ts, intent id). Actor clocks.
pub type HopRecord = [u64; 4];

/// Captures the message this hop emits for the one it handles.
struct Catch<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    hop: Hop,
    got: Option<(u64, u64)>,
}

impl Outbox for Catch<'_, '_> {
    #[inline(always)]
    fn send(&mut self, port: Port, msg: Msg) -> Flow {
        match (self.hop, &msg) {
            (Hop::Risk, Msg::Decision(d)) => self.got = Some((d.intent_id, d.ts)),
            (Hop::Router, Msg::New(o)) => self.got = Some((o.order_id.0, o.ts)),
            _ => {}
        }
        self.ctx.send(port, msg)
    }
    #[inline(always)]
    fn journal(&mut self, msg: Msg) {
        self.ctx.journal(msg)
    }
    #[inline(always)]
    fn level_store(&mut self) -> Option<&mut LevelStore> {
        self.ctx.level_store()
    }
}

/// The wrapper of strategy, risk and router.
pub struct Tap<A: Actor> {
    pub inner: A,
    pub meter: Meter,
    pub hop: Hop,
    pub records: Records<HopRecord>,
}

impl<A: Actor> Tap<A> {
    pub fn new(inner: A, meter: Meter, hop: Hop, capacity: usize) -> Self {
        let capacity = if hop == Hop::Strategy { 0 } else { capacity };
        Tap { inner, meter, hop, records: Records::with_capacity(capacity) }
    }
}

impl<A: Actor> Actor for Tap<A> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn handles(&self) -> Kinds {
        self.inner.handles()
    }
    fn consumes(&self) -> Kinds {
        self.inner.consumes()
    }
    fn books(&self) -> Option<&dyn Books> {
        self.inner.books()
    }
    fn lent_books(&mut self, lent: bool) {
        self.inner.lent_books(lent)
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        self.inner.source()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        if self.meter.calibrating() {
            self.meter.calibrate(ctx.now());
        }
        let upstream = match (self.hop, msg) {
            (Hop::Risk, Msg::Intent(i)) => Some((i.ts, 0)),
            (Hop::Router, Msg::Decision(d)) => Some((d.ts, d.intent_id)),
            _ => None,
        };
        let inner = &mut self.inner;
        let Some((up_ts, link)) = upstream else {
            self.meter.run(|| inner.handle(msg, ctx));
            return;
        };
        // The time and the levels before `ctx` is lent to the catching outbox.
        let (now, levels, books) = (ctx.now(), ctx.levels(), ctx.books());
        let mut catch = Catch { ctx, hop: self.hop, got: None };
        self.meter
            .run(|| inner.handle(msg, &mut Ctx::new(now, &mut catch).with_levels(levels).with_books(books)));
        if let Some((key, ts)) = catch.got {
            self.records.push([key, up_ts, ts, link]);
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One encoded order: (order id, origin_ts, OrderNew.ts (router clock), encoded (harness clock),
/// `OrderNew::trigger` as its `u8`).
pub type EncodeRecord = [u64; 5];

/// The gateway wrapper: reads the clock once the sim has encoded an order.
pub struct GatewayProbe {
    pub inner: alphapulse_gateways::sim::SimGateway,
    pub meter: Meter,
    pub records: Records<EncodeRecord>,
}

impl GatewayProbe {
    pub fn new(inner: alphapulse_gateways::sim::SimGateway, meter: Meter, capacity: usize) -> Self {
        GatewayProbe { inner, meter, records: Records::with_capacity(capacity) }
    }
}

impl Actor for GatewayProbe {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn handles(&self) -> Kinds {
        self.inner.handles()
    }
    fn consumes(&self) -> Kinds {
        self.inner.consumes()
    }
    fn books(&self) -> Option<&dyn Books> {
        self.inner.books()
    }
    fn lent_books(&mut self, lent: bool) {
        self.inner.lent_books(lent)
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        self.inner.source()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        if self.meter.calibrating() {
            self.meter.calibrate(ctx.now());
        }
        let before = self.inner.stats().encoded;
        let inner = &mut self.inner;
        self.meter.run(|| inner.handle(msg, ctx));
        if let Msg::New(o) = msg {
            let encoded = self.meter.now();
            if self.inner.stats().encoded != before {
                self.records.push([o.order_id.0, o.origin_ts, o.ts, encoded, o.trigger as u64]);
            }
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_feeds::testdata::{replay_messages, sample_capture, Replayed};
    use alphapulse_feeds::{sample_instruments, FeedActor, FeedOptions};
    use alphapulse_runtime::{ClockKind, VecOutbox};

    fn meter() -> Meter {
        Meter::new(Clock::new(ClockKind::Tsc), false)
    }

    /// The market messages of a frame carry the ingress stamp with the frame's kind in the two low
    /// bits; everything else the feed sends (the depth updates' levels above all) is unchanged.
    #[test]
    fn ingress_stamps_what_the_feed_sends_and_keeps_its_levels() {
        let path = sample_capture();
        let table = sample_instruments();
        let want = replay_messages(std::slice::from_ref(&path), &table).expect("replay");
        let feed = FeedActor::open(&[path], &table, FeedOptions::defaults()).expect("open");
        let (handles, consumes) = (feed.handles(), feed.consumes());
        let mut ingress = Ingress::new(feed, meter(), Pace::Free, u64::MAX, 0);
        assert_eq!((ingress.handles(), ingress.consumes()), (handles, consumes));
        assert!(ingress.source().is_some(), "the wrapped feed is still a source");

        // As `replay_messages` collects, so the level indices compare.
        let mut out = VecOutbox::default();
        let mut got = Replayed::default();
        loop {
            let p = out.poll(&mut ingress, 0);
            got.take_from(&mut out);
            if p == Poll::Done {
                break;
            }
        }
        assert_eq!(ingress.frames, ingress.inner.stats().frames);
        assert_eq!(got.msgs.len(), want.msgs.len());
        assert_eq!(got.levels, want.levels);
        let mut depths = 0;
        for (g, w) in got.msgs.iter().zip(&want.msgs) {
            let (mut g, mut w) = (*g, *w);
            let bits = match (&mut g, &mut w) {
                (Msg::Quote(a), Msg::Quote(b)) => {
                    Some(std::mem::take(&mut a.local_ts) & 3 == 1 && b.local_ts > 0)
                }
                (Msg::Trade(a), Msg::Trade(b)) => {
                    Some(std::mem::take(&mut a.local_ts) & 3 == 3 && b.local_ts > 0)
                }
                (Msg::Book(a), Msg::Book(b)) => {
                    Some(std::mem::take(&mut a.local_ts) & 3 == 2 && b.local_ts > 0)
                }
                (Msg::Depth(a), Msg::Depth(b)) => {
                    depths += 1;
                    assert_eq!(got.levels_of(a), want.levels_of(b));
                    Some(std::mem::take(&mut a.local_ts) & 3 == 2 && b.local_ts > 0)
                }
                (Msg::Eos(a), Msg::Eos(_)) => Some(std::mem::take(&mut a.ts) & 3 == 0),
                _ => None,
            };
            assert_eq!(bits, Some(true), "stamp of {g:?}");
            match &mut w {
                Msg::Quote(b) => b.local_ts = 0,
                Msg::Trade(b) => b.local_ts = 0,
                Msg::Book(b) => b.local_ts = 0,
                Msg::Depth(b) => b.local_ts = 0,
                Msg::Eos(b) => b.ts = 0,
                _ => {}
            }
            assert_eq!(g, w);
        }
        assert!(depths > 1_000, "{depths} depth updates");
    }

    /// The runtime forwards around a wrapper exactly as around its bare actor.
    #[test]
    fn wrappers_declare_what_their_actor_handles_and_consumes() {
        let cfg = alphapulse_tools::config::Config::default();
        let table = sample_instruments();
        let strategy = || alphapulse_strategy::StrategyHost::new(&cfg.strategy, &table, 100).expect("host");
        let risk = || alphapulse_risk::RiskActor::new(cfg.risk.clone(), &table).expect("risk");
        let router = || alphapulse_oms::RouterActor::new(cfg.router.clone(), table.len()).expect("router");
        let sim = || alphapulse_gateways::sim::SimGateway::new(cfg.sim.clone(), &table, 100).expect("sim");
        fn same<A: Actor, B: Actor>(mut bare: A, mut wrapped: B) {
            assert_eq!(bare.name(), wrapped.name());
            assert_eq!(
                (bare.handles(), bare.consumes()),
                (wrapped.handles(), wrapped.consumes()),
                "{}",
                bare.name()
            );
            assert_eq!(bare.source().is_some(), wrapped.source().is_some(), "{}", bare.name());
        }
        same(strategy(), Tap::new(strategy(), meter(), Hop::Strategy, 8));
        same(risk(), Tap::new(risk(), meter(), Hop::Risk, 8));
        same(router(), Tap::new(router(), meter(), Hop::Router, 8));
        same(sim(), GatewayProbe::new(sim(), meter(), 8));
    }
}
