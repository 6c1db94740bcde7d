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
//! Conventions every actor keeps, so that order is causal all along the chain:
//! - market events (`Quote`, `Trade`, `Level`, `Book`), `Control` and `Eos` are forwarded `Down`
//!   after the actor has handled them (the last actor drops them);
//! - `Exec` reports are forwarded `Up` after handling (the first actor drops them);
//! - `Eos` is forwarded once the actor has flushed everything it still had to send.
//!
//! Besides its two neighbours an actor has a third output, its **journal** ([`Ctx::journal`]):
//! facts that are not chain messages — a strategy's signals (`Msg::Signal`), an order's state
//! transitions (`Msg::OrderState`), a position after a fill (`Msg::Position`) — go to the actor's
//! own journal stream and to no neighbour. Without a journal they are dropped (one branch, no
//! encoding). Only journal-only kinds ([`Msg::is_journal_only`]) are sent there; what an actor
//! sends Down or Up is journaled by the runtime already (see `crate::journal`).

use crate::Clock;
use alphapulse_types::Msg;
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

/// Where an actor's output goes. The runtime provides it; tests can use [`VecOutbox`].
pub trait Outbox {
    /// Send `msg` to the neighbour on `port`. Never fails from the actor's point of view: a full
    /// link is handled by the link's overflow policy (counted; see `crate::link`).
    fn send(&mut self, port: Port, msg: Msg);

    /// Append `msg` to the actor's own journal stream; it goes to no neighbour. The default drops
    /// it (an outbox with no journal, e.g. a benchmark's or a unit test's counting sink).
    #[inline(always)]
    fn journal(&mut self, _msg: Msg) {}
}

/// What an actor gets while handling a message: the time and its outbox.
pub struct Ctx<'a> {
    /// The time, once known (0: not read yet from `clock`).
    now: Cell<u64>,
    /// A live clock read on the first [`Ctx::now`] (a TSC read costs tens of cycles, and most
    /// messages — book levels passing through — never ask for the time).
    clock: Option<&'a Clock>,
    out: &'a mut dyn Outbox,
}

impl<'a> Ctx<'a> {
    /// `now` comes from the placement's clock: event time in a backtest, the TSC live.
    #[inline(always)]
    pub fn new(now: u64, out: &'a mut dyn Outbox) -> Self {
        Ctx { now: Cell::new(now), clock: None, out }
    }
    /// The time is read from `clock` when first asked for, then stays fixed for this call.
    #[inline(always)]
    pub fn lazy(clock: &'a Clock, out: &'a mut dyn Outbox) -> Self {
        Ctx { now: Cell::new(0), clock: Some(clock), out }
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
    pub fn send(&mut self, port: Port, msg: Msg) {
        self.out.send(port, msg)
    }
    /// Send toward the gateway.
    #[inline(always)]
    pub fn down(&mut self, msg: Msg) {
        self.out.send(Port::Down, msg)
    }
    /// Send toward the feed.
    #[inline(always)]
    pub fn up(&mut self, msg: Msg) {
        self.out.send(Port::Up, msg)
    }
    /// Journal `msg` (a journal-only kind: `Signal`, `OrderState`, `Position`) in this actor's
    /// stream without sending it to any neighbour; dropped when the run is not journaled.
    #[inline(always)]
    pub fn journal(&mut self, msg: Msg) {
        self.out.journal(msg)
    }
}

/// What [`Actor::poll`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poll {
    /// Did some work (the runtime will drain what it produced, then poll again).
    Busy,
    /// Nothing to do now.
    Idle,
    /// The source is exhausted; the actor has sent `Msg::Eos` down.
    Done,
}

/// A single-threaded actor. See the module docs for the forwarding conventions.
pub trait Actor: Send + 'static {
    /// Short stable name (placement config, reports).
    fn name(&self) -> &'static str;

    /// Handle one message from a neighbour.
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>);

    /// Pull from an external source (a capture file, a socket). The runtime calls it only when
    /// this actor and every actor downstream of it on the same thread have nothing queued, so
    /// each external event is fully processed before the next: that is what makes a backtest
    /// give the same result in every placement. Actors without a source keep the default.
    fn poll(&mut self, _ctx: &mut Ctx<'_>) -> Poll {
        Poll::Idle
    }

    /// Kinds this actor only forwards `Down`, unchanged, the moment it gets them — no state change,
    /// no other output, no use of the time — as a bit mask over [`Msg::kind_index`]
    /// (`1 << kind_index`). The runtime may then hand such a message straight to the next actor on
    /// the same thread without calling [`Actor::handle`]; every actor sees the same input sequence
    /// either way (see the runtime's `wires` module). `Eos` is never passed through. Default: none.
    /// A wrapper around another actor must return the inner actor's mask (or 0).
    fn passes_down(&self) -> u32 {
        0
    }

    /// For reading an actor's final state after a run (downcast to the concrete type).
    fn as_any(&self) -> &dyn Any;
}

/// An outbox that collects into `Vec`s (one per port, and what was journaled): for unit tests and
/// start-up code, not hot paths.
#[derive(Default, Debug)]
pub struct VecOutbox {
    pub down: Vec<Msg>,
    pub up: Vec<Msg>,
    /// What the actor sent to [`Ctx::journal`].
    pub journal: Vec<Msg>,
}

impl Outbox for VecOutbox {
    fn send(&mut self, port: Port, msg: Msg) {
        match port {
            Port::Down => self.down.push(msg),
            Port::Up => self.up.push(msg),
        }
    }
    fn journal(&mut self, msg: Msg) {
        self.journal.push(msg);
    }
}

impl VecOutbox {
    /// Handle `msg` in `actor` at time `now`, collecting its output here.
    pub fn handle<A: Actor + ?Sized>(&mut self, actor: &mut A, msg: &Msg, now: u64) {
        let mut ctx = Ctx::new(now, self);
        actor.handle(msg, &mut ctx);
    }
    /// Poll `actor` at time `now`, collecting its output here.
    pub fn poll<A: Actor + ?Sized>(&mut self, actor: &mut A, now: u64) -> Poll {
        let mut ctx = Ctx::new(now, self);
        actor.poll(&mut ctx)
    }
    pub fn clear(&mut self) {
        self.down.clear();
        self.up.clear();
        self.journal.clear();
    }
}
