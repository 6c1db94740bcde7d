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

use crate::journal::ActorJournal;
use crate::link::{LinkStats, LocalRing, Out, SendError};
use crate::{Actor, Clock, Ctx, IdleStrategy, Outbox, Poll, Port, RuntimeError};
use alphapulse_types::Msg;
use rtrb::Consumer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Where one port of an actor leads.
enum Dest<'a> {
    /// The neighbour on this thread.
    Local(&'a mut LocalRing),
    /// The neighbour on another thread.
    Cross(&'a mut Out),
    /// Past either end of the chain.
    End,
}

/// What an actor writes to while it handles a message or is polled.
struct ActorOutbox<'a> {
    down: Dest<'a>,
    up: Dest<'a>,
    /// The thread's pending mask: a local push sets its ring's bit.
    pending: &'a mut u64,
    error: &'a mut Option<(Port, SendError)>,
    dropped_at_ends: &'a mut u64,
    /// The actor's journal stream, if the run is journaled.
    journal: Option<&'a mut ActorJournal>,
    /// The message being handled: re-sending it unchanged is a forward, not journaled.
    input: Option<&'a Msg>,
}

impl ActorOutbox<'_> {
    /// Journal what the actor emitted (see `crate::journal` for what counts as a forward).
    #[inline(always)]
    fn record(&mut self, msg: &Msg) {
        if let Some(j) = self.journal.as_deref_mut() {
            if self.input != Some(msg) {
                j.append(msg);
            }
        }
    }
}

impl Outbox for ActorOutbox<'_> {
    #[inline]
    fn send(&mut self, port: Port, msg: Msg) {
        let dest = match port {
            Port::Down => &mut self.down,
            Port::Up => &mut self.up,
        };
        let sent = match dest {
            Dest::Local(r) => {
                *self.pending |= r.bit;
                r.push(msg)
            }
            Dest::Cross(o) => o.send(msg),
            // Forwarding conventions send things past the ends: count them.
            Dest::End => {
                *self.dropped_at_ends += 1;
                Ok(())
            }
        };
        match sent {
            Ok(()) => self.record(&msg),
            Err(e) => {
                if self.error.is_none() {
                    *self.error = Some((port, e));
                }
            }
        }
    }

    /// The journal port: the actor's stream only, no neighbour; nothing without a journal.
    #[inline]
    fn journal(&mut self, msg: Msg) {
        if let Some(j) = self.journal.as_deref_mut() {
            j.append(&msg);
        }
    }
}

/// Where a thread's actors read from and write to (indexed by local position `0..n`).
pub(crate) struct Group {
    pub(crate) index: usize,
    pub(crate) names: Vec<&'static str>,
    pub(crate) actors: Vec<Box<dyn Actor>>,
    pub(crate) clocks: Vec<Clock>,
    pub(crate) wires: Wires,
    /// Names of the neighbours (for error messages): (upstream, downstream).
    pub(crate) neighbours: Vec<(&'static str, &'static str)>,
    pub(crate) finished: Vec<bool>,
    pub(crate) idle: IdleStrategy,
}

/// The rings of one thread, its journal streams and its counters.
///
/// Local actor `j`'s inputs rank `2j + 1` (feedback, `Up`) and `2j` (`Down`); the scheduler takes the
/// highest-ranked input that holds a message. For the local rings that rank is their bit in
/// `pending` (set on push, cleared when a pop empties the ring), so the choice is one
/// `leading_zeros`; the cross-thread inputs are the highest (`Up` into the last actor) and the lowest
/// (`Down` into actor 0) ranks, polled before and after the mask.
pub(crate) struct Wires {
    pub(crate) pending: u64,
    /// `down_local[k]`: local actor k → k+1 (`n − 1` rings).
    pub(crate) down_local: Vec<LocalRing>,
    /// `up_local[k]`: local actor k+1 → k (`n − 1` rings).
    pub(crate) up_local: Vec<LocalRing>,
    /// Into actor 0 from the thread upstream / into actor n−1 from the thread downstream.
    pub(crate) down_in_cross: Option<Consumer<Msg>>,
    pub(crate) up_in_cross: Option<Consumer<Msg>>,
    /// From actor n−1 to the thread downstream / from actor 0 to the thread upstream.
    pub(crate) down_out_cross: Option<Out>,
    pub(crate) up_out_cross: Option<Out>,
    pub(crate) dropped_at_ends: u64,
    /// One journal stream per local actor when the run is journaled (else empty).
    pub(crate) journals: Vec<Option<ActorJournal>>,
}

impl Wires {
    /// The next message to handle and the local actor it is for: the highest-ranked input.
    #[inline(always)]
    fn take(&mut self) -> Option<(usize, Msg)> {
        if let Some(m) = pop_cross(&mut self.up_in_cross) {
            return Some((self.down_local.len(), m));
        }
        if self.pending != 0 {
            let rank = 63 - self.pending.leading_zeros() as usize;
            let j = rank / 2;
            let ring = if rank % 2 == 1 { &mut self.up_local[j] } else { &mut self.down_local[j - 1] };
            let m = ring.pop();
            if ring.is_empty() {
                self.pending &= !ring.bit;
            }
            return m.map(|m| (j, m));
        }
        pop_cross(&mut self.down_in_cross).map(|m| (0, m))
    }

    /// The outbox of local actor `j`.
    #[inline(always)]
    fn outbox<'a>(
        &'a mut self,
        j: usize,
        error: &'a mut Option<(Port, SendError)>,
        input: Option<&'a Msg>,
    ) -> ActorOutbox<'a> {
        let n = self.down_local.len() + 1;
        let down = if j + 1 < n {
            Dest::Local(&mut self.down_local[j])
        } else {
            self.down_out_cross.as_mut().map_or(Dest::End, Dest::Cross)
        };
        let up = if j > 0 {
            Dest::Local(&mut self.up_local[j - 1])
        } else {
            self.up_out_cross.as_mut().map_or(Dest::End, Dest::Cross)
        };
        ActorOutbox {
            down,
            up,
            pending: &mut self.pending,
            error,
            dropped_at_ends: &mut self.dropped_at_ends,
            journal: self.journals.get_mut(j).and_then(|x| x.as_mut()),
            input,
        }
    }

    /// Capacity of actor `j`'s ring on `port` (for error messages).
    fn capacity(&self, j: usize, port: Port) -> usize {
        let n = self.down_local.len() + 1;
        match port {
            Port::Down if j + 1 < n => self.down_local[j].capacity(),
            Port::Down => self.down_out_cross.as_ref().map_or(0, |o| o.capacity()),
            Port::Up if j > 0 => self.up_local[j - 1].capacity(),
            Port::Up => self.up_out_cross.as_ref().map_or(0, |o| o.capacity()),
        }
    }

    /// Counters of actor `j`'s outgoing links: (down, up), `None` past the ends.
    fn stats(&self, j: usize) -> (Option<LinkStats>, Option<LinkStats>) {
        let n = self.down_local.len() + 1;
        let down = if j + 1 < n {
            Some(self.down_local[j].stats)
        } else {
            self.down_out_cross.as_ref().map(|o| o.stats)
        };
        let up = if j > 0 {
            Some(self.up_local[j - 1].stats)
        } else {
            self.up_out_cross.as_ref().map(|o| o.stats)
        };
        (down, up)
    }
}

#[inline(always)]
fn pop_cross(c: &mut Option<Consumer<Msg>>) -> Option<Msg> {
    c.as_mut()?.pop().ok()
}

/// Shared flags between threads.
pub(crate) struct Flags {
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) abort: Arc<AtomicBool>,
    /// `done[i]`: thread i has finished and sends nothing more.
    pub(crate) done: Arc<Vec<AtomicBool>>,
}

impl Group {
    /// Run until every actor here has finished and the next thread downstream is done.
    pub(crate) fn run(&mut self, flags: &Flags) -> Result<(), RuntimeError> {
        let result = self.run_inner(flags);
        if result.is_err() {
            flags.abort.store(true, Ordering::Release);
        }
        flags.done[self.index].store(true, Ordering::Release);
        result
    }

    fn run_inner(&mut self, flags: &Flags) -> Result<(), RuntimeError> {
        let mut idler = crate::idle::Idler::default();
        let next_done = flags.done.get(self.index + 1);
        loop {
            if self.step()? || self.poll_sources()? {
                idler.busy();
                continue;
            }
            let all_finished = self.finished.iter().all(|&f| f);
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
            idler.idle(self.idle);
        }
    }

    /// Handle one message at the most downstream actor with input; false if nothing is queued.
    #[inline]
    fn step(&mut self) -> Result<bool, RuntimeError> {
        match self.wires.take() {
            Some((j, msg)) => {
                self.deliver(j, msg)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    #[inline]
    fn deliver(&mut self, j: usize, msg: Msg) -> Result<(), RuntimeError> {
        if matches!(msg, Msg::Eos(_)) {
            self.finished[j] = true;
        }
        let now = self.clocks[j].at_message(&msg);
        let mut error = None;
        let mut ob = self.wires.outbox(j, &mut error, Some(&msg));
        self.actors[j].handle(&msg, &mut Ctx::new(now, &mut ob));
        match error {
            None => Ok(()),
            Some(e) => Err(self.send_error(j, e)),
        }
    }

    /// Poll actors with external sources, downstream first; true if one did work.
    fn poll_sources(&mut self) -> Result<bool, RuntimeError> {
        for j in (0..self.actors.len()).rev() {
            if self.finished[j] {
                continue;
            }
            let now = self.clocks[j].read();
            let mut error = None;
            let mut ob = self.wires.outbox(j, &mut error, None);
            let r = self.actors[j].poll(&mut Ctx::new(now, &mut ob));
            if let Some(e) = error {
                return Err(self.send_error(j, e));
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

    #[cold]
    fn send_error(&self, j: usize, (port, e): (Port, SendError)) -> RuntimeError {
        let (up, down) = self.neighbours[j];
        let to = match port {
            Port::Down => down,
            Port::Up => up,
        };
        let (from, cap) = (self.names[j], self.wires.capacity(j, port));
        match e {
            SendError::Overflow => RuntimeError::RingOverflow { from, to, capacity: cap },
            SendError::Abandoned => RuntimeError::Aborted(self.index),
        }
    }

    /// Counters of the links this thread produces into: (from, to, stats).
    pub(crate) fn link_stats(&self) -> Vec<(&'static str, &'static str, LinkStats)> {
        let mut v = Vec::new();
        for j in 0..self.actors.len() {
            let (up, down) = self.neighbours[j];
            let (d, u) = self.wires.stats(j);
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
