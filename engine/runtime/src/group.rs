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
use crate::link::{LinkStats, Out, SendError};
use crate::{Actor, Clock, Ctx, IdleStrategy, Outbox, Poll, Port, RuntimeError};
use alphapulse_types::Msg;
use rtrb::Consumer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Producer ends an actor writes to, with a slot for the first error and the queue counters of
/// same-thread consumers (so the scheduler need not poll empty rings).
struct ActorOutbox<'a> {
    down: Option<&'a mut Out>,
    up: Option<&'a mut Out>,
    down_queued: Option<&'a mut u32>,
    up_queued: Option<&'a mut u32>,
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
        let (out, queued) = match port {
            Port::Down => (self.down.as_deref_mut(), self.down_queued.as_deref_mut()),
            Port::Up => (self.up.as_deref_mut(), self.up_queued.as_deref_mut()),
        };
        match out {
            Some(o) => match o.send(msg) {
                Ok(()) => {
                    if let Some(q) = queued {
                        *q += 1;
                    }
                    self.record(&msg);
                }
                Err(e) => {
                    if self.error.is_none() {
                        *self.error = Some((port, e));
                    }
                }
            },
            // Past either end of the chain: forwarding conventions send things here; count them.
            None => {
                *self.dropped_at_ends += 1;
                self.record(&msg);
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

/// Where a thread's actors read from and write to (indexed by local position).
pub(crate) struct Group {
    pub(crate) index: usize,
    pub(crate) names: Vec<&'static str>,
    pub(crate) actors: Vec<Box<dyn Actor>>,
    pub(crate) clocks: Vec<Clock>,
    pub(crate) down_in: Vec<Option<Consumer<Msg>>>,
    pub(crate) up_in: Vec<Option<Consumer<Msg>>>,
    pub(crate) down_out: Vec<Option<Out>>,
    pub(crate) up_out: Vec<Option<Out>>,
    /// Messages queued in `down_in[j]` / `up_in[j]` when that link stays on this thread (counted by
    /// the producer's outbox); links from other threads are always polled.
    pub(crate) down_queued: Vec<u32>,
    pub(crate) up_queued: Vec<u32>,
    pub(crate) down_cross: Vec<bool>,
    pub(crate) up_cross: Vec<bool>,
    /// Names of the neighbours (for error messages): (upstream, downstream).
    pub(crate) neighbours: Vec<(&'static str, &'static str)>,
    pub(crate) finished: Vec<bool>,
    pub(crate) idle: IdleStrategy,
    pub(crate) dropped_at_ends: u64,
    /// One journal stream per local actor when the run is journaled (else empty).
    pub(crate) journals: Vec<Option<ActorJournal>>,
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
        for j in (0..self.actors.len()).rev() {
            if let Some(msg) = Self::take(&mut self.up_in[j], &mut self.up_queued[j], self.up_cross[j]) {
                self.deliver(j, msg)?;
                return Ok(true);
            }
            if let Some(msg) = Self::take(&mut self.down_in[j], &mut self.down_queued[j], self.down_cross[j])
            {
                self.deliver(j, msg)?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Pop from an input ring: same-thread rings only when their counter says something is there.
    #[inline(always)]
    fn take(ring: &mut Option<Consumer<Msg>>, queued: &mut u32, cross: bool) -> Option<Msg> {
        if !cross && *queued == 0 {
            return None;
        }
        let msg = ring.as_mut()?.pop().ok()?;
        if !cross {
            *queued -= 1;
        }
        Some(msg)
    }

    /// The outbox of local actor `j`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn outbox<'a>(
        j: usize,
        down_out: &'a mut [Option<Out>],
        up_out: &'a mut [Option<Out>],
        down_queued: &'a mut [u32],
        up_queued: &'a mut [u32],
        error: &'a mut Option<(Port, SendError)>,
        dropped_at_ends: &'a mut u64,
        journals: &'a mut [Option<ActorJournal>],
        input: Option<&'a Msg>,
    ) -> ActorOutbox<'a> {
        // A same-thread consumer is the next/previous local actor; its counter is bumped on send.
        let n = down_queued.len();
        let down_queued = if j + 1 < n { down_queued.get_mut(j + 1) } else { None };
        let up_queued = if j > 0 { up_queued.get_mut(j - 1) } else { None };
        ActorOutbox {
            down: down_out[j].as_mut(),
            up: up_out[j].as_mut(),
            down_queued,
            up_queued,
            error,
            dropped_at_ends,
            journal: journals.get_mut(j).and_then(|x| x.as_mut()),
            input,
        }
    }

    #[inline]
    fn deliver(&mut self, j: usize, msg: Msg) -> Result<(), RuntimeError> {
        if matches!(msg, Msg::Eos(_)) {
            self.finished[j] = true;
        }
        let now = self.clocks[j].at_message(&msg);
        let mut error = None;
        let mut ob = Self::outbox(
            j,
            &mut self.down_out,
            &mut self.up_out,
            &mut self.down_queued,
            &mut self.up_queued,
            &mut error,
            &mut self.dropped_at_ends,
            &mut self.journals,
            Some(&msg),
        );
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
            let mut ob = Self::outbox(
                j,
                &mut self.down_out,
                &mut self.up_out,
                &mut self.down_queued,
                &mut self.up_queued,
                &mut error,
                &mut self.dropped_at_ends,
                &mut self.journals,
                None,
            );
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
        let (from, to, cap) = match port {
            Port::Down => (self.names[j], down, self.down_out[j].as_ref().map_or(0, |o| o.capacity())),
            Port::Up => (self.names[j], up, self.up_out[j].as_ref().map_or(0, |o| o.capacity())),
        };
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
            if let Some(o) = &self.down_out[j] {
                v.push((self.names[j], down, o.stats));
            }
            if let Some(o) = &self.up_out[j] {
                v.push((self.names[j], up, o.stats));
            }
        }
        v
    }
}
