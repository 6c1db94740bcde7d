//! The actor contract. An actor is a synchronous state machine: it owns its state, handles one
//! [`Msg`] at a time and emits messages through its [`Ctx`]. It never locks, blocks, allocates or
//! formats after start. Where it runs (which thread, which core) and how time is read are decided
//! by the runtime, so the same actor code runs in backtest, paper and live placements.
//!
//! Actors sit on a chain, each with an upstream and a downstream neighbour:
//!
//! ```text
//!   feed ─► agents ─► risk ─► router ─► gateway        (Port::Down: market data, intents, orders)
//!   feed ◄─ agents ◄─ risk ◄─ router ◄─ gateway        (Port::Up: execution reports)
//! ```
//!
//! **The runtime forwards.** An actor declares the kinds it handles ([`Actor::handles`]) and, of
//! those, the ones it consumes ([`Actor::consumes`]). Everything else goes on in its direction
//! (`Exec` up, every other kind down) without the actor being called; a handled kind that is not
//! consumed is forwarded by the runtime *before* the actor handles it (so a market event reaches the
//! next actor before any intent or order made from it), except `Eos`, forwarded *after* the actor
//! handled it (its last output goes first). What an actor sends through its [`Ctx`] is therefore
//! always a new message (journaled as its own; forwards are not), never a copy of its input.
//!
//! **Depth updates** travel as one [`Msg::Depth`] header; its levels sit in the thread's level
//! store, read with [`Ctx::depth_levels`] and written by a source with [`Ctx::send_depth`]; the
//! runtime carries them across threads (a companion ring) and into the journal (one record).
//!
//! Besides its two neighbours an actor has a third output, its **journal** ([`Ctx::journal`]):
//! facts that are not chain messages — a strategy's signals (`Msg::Signal`), an order's state
//! transitions (`Msg::OrderState`), a position after a fill (`Msg::Position`) — go to the actor's
//! own journal stream and to no neighbour. Without a journal they are dropped (one branch, no
//! encoding). Only journal-only kinds ([`Msg::is_journal_only`]) are sent there; what an actor
//! sends Down or Up is journaled by the runtime already (see `crate::journal`).

use crate::control::Replies;
use crate::Clock;
use alphapulse_book::Book;
use alphapulse_types::{CtlReq, CtlStatus, Depth, InstrumentId, Kinds, Msg, PxQty, Qty};
use std::any::Any;
use std::cell::Cell;

/// Which neighbour a message goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Port {
    /// Toward the gateway.
    Down = 0,
    /// Toward the feed.
    Up = 1,
}

/// What became of a message an actor sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// On its way.
    Sent,
    /// Accepted, but the link to the next thread is full: the message waits in the link's bounded
    /// spill and the thread takes no new input until it drains. A source should stop producing
    /// (return [`Poll::Busy`]) and continue at its next poll.
    Full,
}

/// The depth levels of a thread: every depth update's levels, written once (by the source on the
/// thread, or by the runtime from the companion ring of the link from the thread upstream) and
/// read by every actor of the thread through [`Ctx::depth_levels`]. Bounded: allocated at start,
/// emptied whenever the thread has nothing queued; a write beyond its capacity is refused and
/// counted (the run then fails with `RuntimeError::LevelStoreFull`).
#[derive(Debug)]
pub struct LevelStore {
    buf: Box<[PxQty]>,
    len: usize,
    /// Levels refused because the store was full.
    pub(crate) refused: u64,
}

impl LevelStore {
    /// A store of `capacity` levels (start-up: allocates).
    pub fn new(capacity: usize) -> Self {
        LevelStore { buf: vec![PxQty::default(); capacity.max(1)].into_boxed_slice(), len: 0, refused: 0 }
    }
    /// The levels written since the store was last emptied.
    #[inline(always)]
    pub fn as_slice(&self) -> &[PxQty] {
        &self.buf[..self.len]
    }
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
    /// Levels refused because the store was full.
    pub fn refused(&self) -> u64 {
        self.refused
    }
    #[inline(always)]
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
    /// Append `l`; false (counted) when full.
    #[inline(always)]
    pub fn push(&mut self, l: PxQty) -> bool {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = l;
                self.len += 1;
                true
            }
            None => {
                self.refused += 1;
                false
            }
        }
    }
    /// The free tail, to copy `n` levels into (then [`LevelStore::commit`]).
    #[inline(always)]
    pub(crate) fn tail_mut(&mut self, n: usize) -> Option<&mut [PxQty]> {
        self.buf.get_mut(self.len..self.len + n)
    }
    #[inline(always)]
    pub(crate) fn commit(&mut self, n: usize) {
        self.len += n;
    }
    /// The levels of `d` in this store: (bids, asks). Empty slices if `d` does not point into it.
    #[inline(always)]
    pub fn levels_of(&self, d: &Depth) -> (&[PxQty], &[PxQty]) {
        levels_in(self.as_slice(), d)
    }
}

/// The levels of `d` in `store`: (bids, asks); empty if `d` does not point into `store`.
#[inline(always)]
pub fn levels_in<'s>(store: &'s [PxQty], d: &Depth) -> (&'s [PxQty], &'s [PxQty]) {
    let at = d.at as usize;
    match store.get(at..at + d.len()) {
        Some(l) => l.split_at(d.bids as usize),
        None => (&[], &[]),
    }
}

/// Where an actor's output goes. The runtime provides it; tests can use [`VecOutbox`].
pub trait Outbox {
    /// Send `msg` to the neighbour on `port`. Nothing is lost: a full link to another thread keeps
    /// the message in its spill and says so ([`Flow::Full`]); a same-thread ring that overflows
    /// fails the run (see `crate::link`).
    fn send(&mut self, port: Port, msg: Msg) -> Flow;

    /// Append `msg` to the actor's own journal stream; it goes to no neighbour. The default drops
    /// it (an outbox with no journal, e.g. a benchmark's or a unit test's counting sink).
    #[inline(always)]
    fn journal(&mut self, _msg: Msg) {}

    /// The level store a source writes a depth update's levels into (`None` while handling a
    /// message: only sources create depth updates).
    fn level_store(&mut self) -> Option<&mut LevelStore> {
        None
    }
}

/// Levels of both sides of a book (bids, asks), best first.
pub use alphapulse_book::BookLevels;

/// Books an actor lends, read-only, to the actors after it on its thread (see [`Actor::books`]).
pub trait Books {
    /// The book of `inst` as of the message being handled, if the lender keeps one.
    fn book(&self, inst: InstrumentId) -> Option<&Book>;

    /// What the levels of `inst`'s depth update being handled replaced in its book: per side, the
    /// quantity the book held at each level's price just before the lender set it, in the order of
    /// [`Ctx::depth_levels`]. A lent book is already at the state after the update; with these an
    /// actor can still see the book as it was before it. `None` when the lender does not record
    /// them (default).
    fn replaced(&self, _inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        None
    }

    /// While `inst`'s `BookStatus::Gap` is handled: the levels (bids, asks; best first) its book
    /// held when the gap discarded it (the lent book is already empty). `None` when the lender
    /// does not keep them (default).
    fn discarded(&self, _inst: InstrumentId) -> Option<BookLevels<'_>> {
        None
    }
}

/// What an actor gets while handling a message: the time, the thread's depth levels, the books
/// lent on its thread, and its outbox.
pub struct Ctx<'a> {
    /// The time, once known (0: not read yet from `clock`).
    now: Cell<u64>,
    /// A live clock read on the first [`Ctx::now`] (a TSC read costs tens of cycles, and most
    /// messages never ask for the time).
    clock: Option<&'a Clock>,
    levels: &'a [PxQty],
    books: Option<&'a dyn Books>,
    out: &'a mut dyn Outbox,
}

impl<'a> Ctx<'a> {
    /// `now` comes from the placement's clock: event time in a backtest, the TSC live.
    #[inline(always)]
    pub fn new(now: u64, out: &'a mut dyn Outbox) -> Self {
        Ctx { now: Cell::new(now), clock: None, levels: &[], books: None, out }
    }
    /// The time is read from `clock` when first asked for, then stays fixed for this call.
    #[inline(always)]
    pub fn lazy(clock: &'a Clock, out: &'a mut dyn Outbox) -> Self {
        Ctx { now: Cell::new(0), clock: Some(clock), levels: &[], books: None, out }
    }
    /// With the thread's depth levels (what [`Ctx::depth_levels`] reads).
    #[inline(always)]
    pub fn with_levels(mut self, levels: &'a [PxQty]) -> Self {
        self.levels = levels;
        self
    }
    /// Current time in nanoseconds from the injected clock (the same value for the whole call).
    #[inline(always)]
    pub fn now(&self) -> u64 {
        let n = self.now.get();
        match self.clock {
            Some(c) if n == 0 => {
                let t = c.peek();
                self.now.set(t);
                t
            }
            _ => n,
        }
    }
    #[inline(always)]
    pub fn send(&mut self, port: Port, msg: Msg) -> Flow {
        self.out.send(port, msg)
    }
    /// Send toward the gateway.
    #[inline(always)]
    pub fn down(&mut self, msg: Msg) -> Flow {
        self.out.send(Port::Down, msg)
    }
    /// Send toward the feed.
    #[inline(always)]
    pub fn up(&mut self, msg: Msg) -> Flow {
        self.out.send(Port::Up, msg)
    }
    /// Journal `msg` (a journal-only kind: `Signal`, `OrderState`, `Position`) in this actor's
    /// stream without sending it to any neighbour; dropped when the run is not journaled.
    #[inline(always)]
    pub fn journal(&mut self, msg: Msg) {
        self.out.journal(msg)
    }
    /// With the books an actor upstream on this thread lends (what [`Ctx::books`] returns).
    #[inline(always)]
    pub fn with_books(mut self, books: Option<&'a dyn Books>) -> Self {
        self.books = books;
        self
    }
    /// The books lent by an actor upstream on this thread (the feed's), at the state of the
    /// message being handled; `None` when no actor on the thread lends any (the actor then keeps
    /// what it needs from the `Depth` messages).
    #[inline(always)]
    pub fn books(&self) -> Option<&'a dyn Books> {
        self.books
    }
    /// The thread's depth levels this call reads (see [`Ctx::depth_levels`]).
    #[inline(always)]
    pub fn levels(&self) -> &'a [PxQty] {
        self.levels
    }
    /// The levels of the depth update `d` being handled: (bids, asks), in the order the feed
    /// applied them.
    #[inline(always)]
    pub fn depth_levels(&self, d: &Depth) -> (&[PxQty], &[PxQty]) {
        levels_in(self.levels, d)
    }
    /// Send a depth update down (sources only): its levels go into the thread's level store once,
    /// `d.bids`/`d.asks`/`d.at` are set from them, then the header is sent. Levels beyond the
    /// store's capacity are refused and counted, and fail the run
    /// (`RuntimeError::LevelStoreFull`); the header still goes, with the levels that fitted.
    #[inline]
    pub fn send_depth(
        &mut self,
        mut d: Depth,
        bids: impl IntoIterator<Item = PxQty>,
        asks: impl IntoIterator<Item = PxQty>,
    ) -> Flow {
        let Some(store) = self.out.level_store() else {
            debug_assert!(false, "send_depth outside a poll");
            return Flow::Sent;
        };
        let at = store.len();
        for l in bids {
            store.push(l);
        }
        let mid = store.len();
        for l in asks {
            store.push(l);
        }
        d.at = at as u32;
        d.bids = (mid - at) as u32;
        d.asks = (store.len() - mid) as u32;
        self.out.send(Port::Down, Msg::Depth(d))
    }
}

/// A `Ctx` is itself an outbox, so a wrapper (a benchmark probe, a test tap) can hand an inner
/// actor a `Ctx` of its own whose outbox forwards to the outer one: depth updates a wrapped source
/// sends still land in the thread's level store (pass the levels on with
/// `Ctx::new(outer.now(), &mut tap).with_levels(outer.levels())`).
impl Outbox for Ctx<'_> {
    #[inline(always)]
    fn send(&mut self, port: Port, msg: Msg) -> Flow {
        self.out.send(port, msg)
    }
    #[inline(always)]
    fn journal(&mut self, msg: Msg) {
        self.out.journal(msg)
    }
    #[inline(always)]
    fn level_store(&mut self) -> Option<&mut LevelStore> {
        self.out.level_store()
    }
}

/// What [`Source::poll`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poll {
    /// Did some work (the runtime will drain what it produced, then poll again).
    Busy,
    /// Nothing to do now.
    Idle,
    /// The source is exhausted; the actor has sent `Msg::Eos` down.
    Done,
}

/// A single-threaded actor. See the module docs for what the runtime forwards.
pub trait Actor: Send + 'static {
    /// Short stable name (placement config, reports).
    fn name(&self) -> &'static str;

    /// The kinds this actor handles; the runtime forwards the others past it without calling it
    /// (its event clock still advances). Asked once, at start.
    fn handles(&self) -> Kinds;

    /// Of the kinds it handles, those the actor consumes: the runtime does not forward them.
    /// Asked once, at start. Default: none (everything handled is also forwarded).
    fn consumes(&self) -> Kinds {
        Kinds::NONE
    }

    /// Handle one message of a kind in [`Actor::handles`].
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>);

    /// The actor's external source (a capture file, a socket), if it has one: the runtime polls
    /// only actors that have one. Asked once at start to tell sources apart, then at every poll.
    fn source(&mut self) -> Option<&mut dyn Source> {
        None
    }

    /// The books this actor keeps and lends, read-only, to the actors after it on its thread
    /// ([`Ctx::books`]), asked once at start after [`Actor::lent_books`] (and then per message).
    /// They must be at the state of the message being handled downstream: a source emits at most
    /// one `Depth` per poll; an actor that keeps books from the `Depth` messages it handles lends
    /// them as they are (the runtime runs a message through every later actor of the thread before
    /// the next message from upstream reaches it).
    fn books(&self) -> Option<&dyn Books> {
        None
    }

    /// Told once at start, on the actor's thread, before any message: whether an actor upstream on
    /// its thread lends its books ([`Ctx::books`]). An actor that keeps books of its own from the
    /// `Depth` messages may then free them. Default: nothing.
    fn lent_books(&mut self, _lent: bool) {}

    /// An operator's command for this actor, delivered on its thread between messages through
    /// the thread's control ring (see [`crate::control`]): apply it, answer rows into `replies`,
    /// and return the status the runtime sends back as the final reply. Messages the command
    /// causes (cancels, say) go out through `ctx` like any others. Must not allocate or block.
    /// Default: the actor takes no commands.
    fn control(&mut self, _req: &CtlReq, _ctx: &mut Ctx<'_>, _replies: &mut Replies<'_>) -> CtlStatus {
        CtlStatus::Unsupported
    }

    /// For reading an actor's final state after a run (downcast to the concrete type).
    fn as_any(&self) -> &dyn Any;
}

/// An actor's external source.
pub trait Source {
    /// Pull from the source. The runtime calls it only when nothing is queued on the thread and no
    /// link out of it is full, so each external event is fully processed before the next: that is
    /// what makes a backtest give the same result in every placement.
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll;
}

impl<A: Actor + ?Sized> Actor for Box<A> {
    #[inline(always)]
    fn name(&self) -> &'static str {
        (**self).name()
    }
    #[inline(always)]
    fn handles(&self) -> Kinds {
        (**self).handles()
    }
    #[inline(always)]
    fn consumes(&self) -> Kinds {
        (**self).consumes()
    }
    #[inline(always)]
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        (**self).handle(msg, ctx)
    }
    #[inline(always)]
    fn source(&mut self) -> Option<&mut dyn Source> {
        (**self).source()
    }
    #[inline(always)]
    fn books(&self) -> Option<&dyn Books> {
        (**self).books()
    }
    fn lent_books(&mut self, lent: bool) {
        (**self).lent_books(lent)
    }
    fn control(&mut self, req: &CtlReq, ctx: &mut Ctx<'_>, replies: &mut Replies<'_>) -> CtlStatus {
        (**self).control(req, ctx, replies)
    }
    #[inline(always)]
    fn as_any(&self) -> &dyn Any {
        (**self).as_any()
    }
}

/// An outbox that collects into `Vec`s (one per port, and what was journaled), with its own level
/// store: for unit tests and start-up code, not hot paths. [`VecOutbox::handle`] shows what the
/// actor itself sent; [`VecOutbox::deliver`] adds what the runtime would forward.
#[derive(Debug)]
pub struct VecOutbox {
    pub down: Vec<Msg>,
    pub up: Vec<Msg>,
    /// What the actor sent to [`Ctx::journal`].
    pub journal: Vec<Msg>,
    /// Levels of the depth updates sent with [`Ctx::send_depth`] (read them with
    /// [`VecOutbox::levels_of`]).
    pub levels: LevelStore,
}

impl Default for VecOutbox {
    fn default() -> Self {
        VecOutbox { down: Vec::new(), up: Vec::new(), journal: Vec::new(), levels: LevelStore::new(1 << 20) }
    }
}

impl Outbox for VecOutbox {
    fn send(&mut self, port: Port, msg: Msg) -> Flow {
        match port {
            Port::Down => self.down.push(msg),
            Port::Up => self.up.push(msg),
        }
        Flow::Sent
    }
    fn journal(&mut self, msg: Msg) {
        self.journal.push(msg);
    }
    fn level_store(&mut self) -> Option<&mut LevelStore> {
        Some(&mut self.levels)
    }
}

impl VecOutbox {
    /// Handle `msg` in `actor` at time `now`, collecting its output here. A `Depth` message reads
    /// its levels from this outbox's store (see [`VecOutbox::depth`]).
    pub fn handle<A: Actor + ?Sized>(&mut self, actor: &mut A, msg: &Msg, now: u64) {
        let levels = std::mem::replace(&mut self.levels, LevelStore::new(1));
        {
            let mut ctx = Ctx::new(now, self).with_levels(levels.as_slice());
            actor.handle(msg, &mut ctx);
        }
        self.levels = levels;
    }
    /// Hand `msg` to `actor` as the runtime would (see the module docs): a kind it does not handle
    /// is only forwarded; a handled kind it does not consume is forwarded before it is handled
    /// (`Eos` after). `down` and `up` then show what the next actors would see, in order.
    pub fn deliver<A: Actor + ?Sized>(&mut self, actor: &mut A, msg: &Msg, now: u64) {
        let port = if Kinds::UP.contains(msg) { Port::Up } else { Port::Down };
        if !actor.handles().contains(msg) {
            self.send(port, *msg);
            return;
        }
        let forward = !actor.consumes().contains(msg);
        let eos = matches!(msg, Msg::Eos(_));
        if forward && !eos {
            self.send(port, *msg);
        }
        self.handle(actor, msg, now);
        if forward && eos {
            self.send(port, *msg);
        }
    }
    /// Put `bids` and `asks` into this outbox's level store and return `d` pointing at them (to
    /// hand to [`VecOutbox::handle`]).
    pub fn depth(&mut self, mut d: Depth, bids: &[PxQty], asks: &[PxQty]) -> Msg {
        d.at = self.levels.len() as u32;
        d.bids = bids.len() as u32;
        d.asks = asks.len() as u32;
        for &l in bids.iter().chain(asks) {
            assert!(self.levels.push(l), "VecOutbox level store full");
        }
        Msg::Depth(d)
    }
    /// The levels of a depth update in this outbox's store: (bids, asks).
    pub fn levels_of(&self, d: &Depth) -> (&[PxQty], &[PxQty]) {
        self.levels.levels_of(d)
    }
    /// Give `actor` the operator's request `req` at time `now` as a thread's control ring would
    /// (see [`crate::control`]), collecting what it sends here and returning its answer.
    pub fn control<A: Actor + ?Sized>(&mut self, actor: &mut A, req: &CtlReq, now: u64) -> crate::Answer {
        crate::control::answer_of(req, now, |replies| {
            let mut ctx = Ctx::new(now, self);
            actor.control(req, &mut ctx, replies)
        })
    }
    /// Poll `actor`'s source at time `now`, collecting its output here.
    pub fn poll<A: Actor + ?Sized>(&mut self, actor: &mut A, now: u64) -> Poll {
        let mut ctx = Ctx::new(now, self);
        match actor.source() {
            Some(s) => s.poll(&mut ctx),
            None => Poll::Idle,
        }
    }
    pub fn clear(&mut self) {
        self.down.clear();
        self.up.clear();
        self.journal.clear();
        self.levels.clear();
    }
}
