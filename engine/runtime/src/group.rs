//! One thread's share of the chain and its scheduling loop.
//!
//! The scheduling rule is what makes a backtest identical in every placement: after every message,
//! the thread picks the most downstream actor that has input, taking its feedback (`Up`) input
//! before its `Down` input, and handles one message; actors with an external source are polled only
//! when nothing at all is queued on the thread. So every external event (a frame from a capture, a
//! message arriving from an upstream thread) is processed to quiescence — with all the orders and
//! execution reports it causes — before the next one is looked at. A thread that receives its input
//! from an upstream thread sees the same sequence whether that upstream actor shares its thread or
//! not, provided the upstream side does not depend on the timing of feedback (true of a feed).

use crate::actor::LevelStore;
use crate::control::{Board, Replies, ThreadControl, CHECK_EVERY, PUBLISH_EVERY};
use crate::link::{LinkStats, SendError};
use crate::wires::{Store, Wires};
use crate::{Actor, Ctx, IdleStrategy, Poll, Port, RuntimeError};
use alphapulse_types::{CtlStatus, Msg};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Where a thread's actors read from and write to (indexed by local position `0..n`). Generic over
/// the actor type: a chain of one concrete type (an enum of the known actors, say) compiles to
/// direct calls; `Box<dyn Actor>` gives dynamic dispatch (plugins, tests).
pub(crate) struct Group<A: Actor> {
    /// The message being handled (see `step`).
    pub(crate) current: Msg,
    /// The run's clock when it is live (TSC): every actor's clock is a clone of it, so one reading
    /// serves them all. `None` on event time, where each actor keeps its own time.
    pub(crate) live_clock: Option<crate::Clock>,
    pub(crate) index: usize,
    pub(crate) names: Vec<&'static str>,
    pub(crate) actors: Vec<A>,
    /// Local positions of the actors with a source, downstream first (the only ones polled).
    pub(crate) sources: Vec<usize>,
    /// For each actor, the nearest source upstream on this thread that lends its books.
    pub(crate) lenders: Vec<Option<usize>>,
    pub(crate) wires: Wires,
    /// The thread's depth levels (see [`LevelStore`]).
    pub(crate) store: LevelStore,
    /// Names of the neighbours (for error messages): (upstream, downstream).
    pub(crate) neighbours: Vec<(&'static str, &'static str)>,
    pub(crate) finished: Vec<bool>,
    pub(crate) idle: IdleStrategy,
    /// The operator's way in, when the run has a control plane (see [`crate::control`]).
    pub(crate) control: Option<ThreadControl>,
    pub(crate) board: Option<Arc<Board>>,
    /// Chain position of local actor 0.
    pub(crate) first: usize,
    /// Messages each local actor handled.
    pub(crate) handled: Vec<u64>,
    /// Busy turns, for the control plane's cadence.
    pub(crate) ticks: u32,
}

/// Shared flags between threads.
pub(crate) struct Flags {
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) abort: Arc<AtomicBool>,
    /// `done[i]`: thread i has finished and sends nothing more.
    pub(crate) done: Arc<Vec<AtomicBool>>,
}

impl<A: Actor> Group<A> {
    /// Run until every actor here has finished and the next thread downstream is done.
    pub(crate) fn run(&mut self, flags: &Flags) -> Result<(), RuntimeError> {
        // Each actor reads the books of the nearest actor before it on this thread that lends
        // any; told first whether it is lent some, an actor then says whether it lends its own.
        let mut lender = None;
        for (j, a) in self.actors.iter_mut().enumerate() {
            self.lenders[j] = lender;
            a.lent_books(lender.is_some());
            if a.books().is_some() {
                lender = Some(j);
            }
        }
        let result = self.run_inner(flags);
        if result.is_err() {
            flags.abort.store(true, Ordering::Release);
        }
        flags.done[self.index].store(true, Ordering::Release);
        self.publish();
        if let Some(b) = &self.board {
            b.threads[self.index].done.store(true, Ordering::Release);
        }
        result
    }

    fn run_inner(&mut self, flags: &Flags) -> Result<(), RuntimeError> {
        let mut idler = crate::idle::Idler::default();
        let next_done = flags.done.get(self.index + 1);
        loop {
            if self.wires.blocked() {
                self.wires.flush().map_err(|e| self.send_error(self.actors.len() - 1, e))?;
            }
            if self.step()? || self.poll_sources()? {
                idler.busy();
                if self.control.is_some() {
                    self.ticks = self.ticks.wrapping_add(1);
                    if self.ticks & (CHECK_EVERY - 1) == 0 {
                        if self.ticks & (PUBLISH_EVERY - 1) == 0 {
                            self.publish();
                        }
                        self.serve_control()?;
                    }
                }
                // A busy chain must stop too (the journal's disk filled up, say): one relaxed load
                // of a line nobody writes until then.
                if flags.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                continue;
            }
            let all_finished = !self.wires.blocked() && self.finished.iter().all(|&f| f);
            let downstream_done = next_done.is_none_or(|d| d.load(Ordering::Acquire));
            if all_finished && downstream_done {
                // The downstream thread may have sent feedback just before it finished.
                if self.step()? {
                    continue;
                }
                return Ok(());
            }
            if flags.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if flags.abort.load(Ordering::Acquire) {
                return Err(RuntimeError::Aborted(self.index));
            }
            if self.control.is_some() {
                self.publish();
                if let Some(b) = &self.board {
                    b.threads[self.index].idle_turns.fetch_add(1, Ordering::Relaxed);
                }
                if self.serve_control()? {
                    continue;
                }
            }
            idler.idle(self.idle);
        }
    }

    /// Handle (or forward) one message at the most downstream actor with input; false if nothing
    /// is queued.
    #[inline]
    fn step(&mut self) -> Result<bool, RuntimeError> {
        // The message is copied once, from its ring slot into `current`, and handled by reference
        // (returning it in an `Option` made the compiler copy it in overlapping pieces: measured
        // store-forwarding stalls, three per message).
        let j = match self.wires.take_into(&mut self.current, &mut self.store) {
            Ok(Some(j)) => j,
            Ok(None) => return Ok(false),
            Err(e) => return Err(self.link_error(e)),
        };
        let msg = &self.current;
        let eos = matches!(msg, Msg::Eos(_));
        if eos {
            self.finished[j] = true;
        }
        let levels = self.store.as_slice();
        let l = &mut self.wires.routes.locals;
        if !l.handles[j].contains(msg) {
            l.clocks[j].observe(msg);
            return match self.wires.routes.forward(j, msg, levels) {
                Ok(_) => Ok(true),
                Err(e) => Err(self.send_error(j, e)),
            };
        }
        let forward = l.forwards[j].contains(msg);
        if forward && !eos {
            if let Err(e) = self.wires.routes.forward(j, msg, levels) {
                return Err(self.send_error(j, e));
            }
        }
        let mut error = None;
        let (upstream, rest) = self.actors.split_at_mut(j);
        let books = self.lenders[j].and_then(|k| upstream[k].books());
        let actor = &mut rest[0];
        match &self.live_clock {
            // Live: the TSC is read only if the actor asks for the time (see `Ctx::lazy`).
            Some(clock) => {
                let mut ob = self.wires.outbox(j, &mut error, Store::Read(levels));
                actor.handle(msg, &mut Ctx::lazy(clock, &mut ob).with_levels(levels).with_books(books));
            }
            None => {
                let now = self.wires.routes.locals.clocks[j].at_message(msg);
                let mut ob = self.wires.outbox(j, &mut error, Store::Read(levels));
                actor.handle(msg, &mut Ctx::new(now, &mut ob).with_levels(levels).with_books(books));
            }
        }
        if let Some(e) = error {
            return Err(self.send_error(j, e));
        }
        self.handled[j] += 1;
        if forward && eos {
            if let Err(e) = self.wires.routes.forward(j, msg, levels) {
                return Err(self.send_error(j, e));
            }
        }
        Ok(true)
    }

    /// Poll the actors with a source, downstream first; true if one did work. Not while a link
    /// out of the thread is full (backpressure reaches the sources).
    fn poll_sources(&mut self) -> Result<bool, RuntimeError> {
        if self.wires.blocked() {
            return Ok(false);
        }
        for k in 0..self.sources.len() {
            let j = self.sources[k];
            if self.finished[j] {
                continue;
            }
            self.store.clear();
            let mut error = None;
            let r = {
                let actor = &mut self.actors[j];
                let Some(src) = actor.source() else { continue };
                match &self.live_clock {
                    Some(clock) => {
                        let mut ob = self.wires.outbox(j, &mut error, Store::Write(&mut self.store));
                        src.poll(&mut Ctx::lazy(clock, &mut ob))
                    }
                    None => {
                        let now = self.wires.routes.locals.clocks[j].read();
                        let mut ob = self.wires.outbox(j, &mut error, Store::Write(&mut self.store));
                        src.poll(&mut Ctx::new(now, &mut ob))
                    }
                }
            };
            if let Some(e) = error {
                return Err(self.send_error(j, e));
            }
            if self.store.refused() > 0 {
                return Err(RuntimeError::LevelStoreFull {
                    actor: self.names[j],
                    capacity: self.store.capacity(),
                });
            }
            match r {
                Poll::Idle => {}
                Poll::Busy => return Ok(true),
                Poll::Done => {
                    self.finished[j] = true;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Apply the operator's queued requests, each to the actor it names (not while a link out of
    /// the thread is full: a command may send orders). True if one was applied.
    #[cold]
    #[inline(never)]
    fn serve_control(&mut self) -> Result<bool, RuntimeError> {
        let Some(c) = self.control.as_mut() else { return Ok(false) };
        let mut served = false;
        while !self.wires.blocked() {
            let Ok(req) = c.requests.pop() else { break };
            served = true;
            let mut replies = Replies::new(&req, &mut c.replies);
            let Some(j) = (req.actor as usize).checked_sub(self.first).filter(|&j| j < self.actors.len())
            else {
                replies.finish(CtlStatus::Unsupported, 0);
                continue;
            };
            let levels = self.store.as_slice();
            let mut error = None;
            let (upstream, rest) = self.actors.split_at_mut(j);
            let books = self.lenders[j].and_then(|k| upstream[k].books());
            let actor = &mut rest[0];
            let (status, at) = match &self.live_clock {
                Some(clock) => {
                    let mut ob = self.wires.outbox(j, &mut error, Store::Read(levels));
                    let s =
                        actor.control(&req, &mut Ctx::lazy(clock, &mut ob).with_books(books), &mut replies);
                    (s, clock.peek())
                }
                None => {
                    let now = self.wires.routes.locals.clocks[j].peek();
                    let mut ob = self.wires.outbox(j, &mut error, Store::Read(levels));
                    let s = actor.control(&req, &mut Ctx::new(now, &mut ob).with_books(books), &mut replies);
                    (s, now)
                }
            };
            replies.finish(status, at);
            if let Some(b) = &self.board {
                b.threads[self.index].commands.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(e) = error {
                return Err(self.send_error(j, e));
            }
        }
        Ok(served)
    }

    /// Publish the thread's counters to the board (relaxed stores; see [`crate::control`]).
    #[cold]
    #[inline(never)]
    fn publish(&self) {
        let Some(b) = &self.board else { return };
        for (k, h) in self.handled.iter().enumerate() {
            let a = &b.actors[self.first + k];
            a.handled.store(*h, Ordering::Relaxed);
            if self.live_clock.is_none() {
                a.event_ts.store(self.wires.routes.locals.clocks[k].peek(), Ordering::Relaxed);
            }
        }
        let depth = self.wires.down_in_cross.as_ref().map_or(0, |i| i.msgs.slots());
        b.threads[self.index].inbound_depth.store(depth as u64, Ordering::Relaxed);
    }

    #[cold]
    fn link_error(&self, e: SendError) -> RuntimeError {
        match e {
            SendError::Abandoned => RuntimeError::Aborted(self.index),
            SendError::Overflow => {
                RuntimeError::LevelStoreFull { actor: self.names[0], capacity: self.store.capacity() }
            }
            SendError::LevelsMissing => RuntimeError::LevelsMissing { actor: self.names[0] },
        }
    }

    #[cold]
    fn send_error(&self, j: usize, (port, e): (Port, SendError)) -> RuntimeError {
        let (up, down) = self.neighbours[j];
        let to = match port {
            Port::Down => down,
            Port::Up => up,
        };
        let (from, cap) = (self.names[j], self.wires.routes.capacity(j, port));
        match e {
            SendError::Overflow => RuntimeError::RingOverflow { from, to, capacity: cap },
            SendError::Abandoned => RuntimeError::Aborted(self.index),
            SendError::LevelsMissing => RuntimeError::LevelsMissing { actor: from },
        }
    }

    /// Counters of the links this thread produces into: (from, to, stats).
    pub(crate) fn link_stats(&self) -> Vec<(&'static str, &'static str, LinkStats)> {
        let mut v = Vec::new();
        for j in 0..self.actors.len() {
            let (up, down) = self.neighbours[j];
            let (d, u) = self.wires.routes.stats(j);
            if let Some(s) = d {
                v.push((self.names[j], down, s));
            }
            if let Some(s) = u {
                v.push((self.names[j], up, s));
            }
        }
        v
    }
}
