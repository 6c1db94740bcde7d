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

use crate::link::{LinkStats, SendError};
use crate::wires::Wires;
use crate::{Actor, Ctx, IdleStrategy, Poll, Port, RuntimeError};
use alphapulse_types::Msg;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Where a thread's actors read from and write to (indexed by local position `0..n`).
pub(crate) struct Group {
    /// The message being handled (see `step`).
    pub(crate) current: Msg,
    /// The run's clock when it is live (TSC): every actor's clock is a clone of it, so one reading
    /// serves them all. `None` on event time, where each actor keeps its own time.
    pub(crate) live_clock: Option<crate::Clock>,
    pub(crate) index: usize,
    pub(crate) names: Vec<&'static str>,
    pub(crate) actors: Vec<Box<dyn Actor>>,
    pub(crate) wires: Wires,
    /// Names of the neighbours (for error messages): (upstream, downstream).
    pub(crate) neighbours: Vec<(&'static str, &'static str)>,
    pub(crate) finished: Vec<bool>,
    pub(crate) idle: IdleStrategy,
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
                // A busy chain must stop too (the journal's disk filled up, say): one relaxed load
                // of a line nobody writes until then.
                if flags.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
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
        // The message is copied once, from its ring slot into `current`, and handled by reference
        // (returning it in an `Option` made the compiler copy it in overlapping pieces: measured
        // store-forwarding stalls, three per message).
        let Some(j) = self.wires.take_into(&mut self.current) else {
            return Ok(false);
        };
        let msg = &self.current;
        if matches!(msg, Msg::Eos(_)) {
            self.finished[j] = true;
        }
        let mut error = None;
        match &self.live_clock {
            // Live: the TSC is read only if the actor asks for the time (see `Ctx::lazy`).
            Some(clock) => {
                let mut ob = self.wires.outbox(j, &mut error, Some(msg));
                self.actors[j].handle(msg, &mut Ctx::lazy(clock, &mut ob));
            }
            None => {
                let now = self.wires.locals.clocks[j].at_message(msg);
                let mut ob = self.wires.outbox(j, &mut error, Some(msg));
                self.actors[j].handle(msg, &mut Ctx::new(now, &mut ob));
            }
        }
        match error {
            None => Ok(true),
            Some(e) => Err(self.send_error(j, e)),
        }
    }

    /// Poll actors with external sources, downstream first; true if one did work.
    fn poll_sources(&mut self) -> Result<bool, RuntimeError> {
        for j in (0..self.actors.len()).rev() {
            if self.finished[j] {
                continue;
            }
            let now = self.wires.locals.clocks[j].read();
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
