//! One thread's rings, clocks and journal streams, and the outbox its actors write to.
//!
//! **Choosing the next input.** Local actor `j`'s inputs rank `2j + 1` (feedback, `Up`) and `2j`
//! (`Down`); the scheduler takes the highest-ranked input that holds a message. For the local rings
//! that rank is their bit in `pending` (set on push, cleared when a pop empties the ring), so the
//! choice is one `leading_zeros`; the cross-thread inputs are the highest (`Up` into the last actor)
//! and the lowest (`Down` into actor 0) ranks, polled before and after the mask.
//!
//! **Pass-through.** An actor may declare kinds it only forwards Down ([`crate::Actor::passes_down`]).
//! When a message of such a kind is sent to it on this thread while both its input rings are empty,
//! the message goes straight on to the next actor (its event clock still advances and the skipped
//! link still counts it). That gives every actor the same input sequence as the hop would: the
//! sender is being handled, so (most downstream first) nothing downstream of it holds input, and
//! the skipped actor would have forwarded the message before anything downstream could send it
//! feedback. The last local actor is never skipped (its output leaves the thread or the chain).

use crate::journal::ActorJournal;
use crate::link::{LinkStats, LocalRing, Out, SendError};
use crate::{Clock, Outbox, Port};
use alphapulse_types::Msg;
use rtrb::Consumer;

/// The same-thread part: rings, pending mask, clocks and pass-through masks of the local actors.
pub(crate) struct Locals {
    pub(crate) pending: u64,
    /// `down[k]`: local actor k → k+1 (`n − 1` rings).
    pub(crate) down: Vec<LocalRing>,
    /// `up[k]`: local actor k+1 → k (`n − 1` rings).
    pub(crate) up: Vec<LocalRing>,
    /// One per local actor (clones of the run's clock).
    pub(crate) clocks: Vec<Clock>,
    /// [`crate::Actor::passes_down`] of each local actor (never `Eos`).
    pub(crate) passes: Vec<u32>,
    /// Union of `passes`: 0 turns the pass-through check off.
    pub(crate) passes_any: u32,
}

impl Locals {
    /// Rings of `capacity` for `n` local actors with the given pass-through masks.
    pub(crate) fn new(capacity: usize, clocks: Vec<Clock>, passes: Vec<u32>) -> Self {
        let n = clocks.len();
        let eos = 1u32 << Msg::Eos(Default::default()).kind_index();
        let passes: Vec<u32> = passes.into_iter().map(|p| p & !eos).collect();
        Locals {
            pending: 0,
            // Ranks: `Up` into local actor k is 2k + 1, `Down` into k + 1 is 2k + 2.
            down: (0..n - 1).map(|k| LocalRing::new(capacity, 1 << (2 * k + 2))).collect(),
            up: (0..n - 1).map(|k| LocalRing::new(capacity, 1 << (2 * k + 1))).collect(),
            clocks,
            passes_any: passes.iter().fold(0, |a, p| a | p),
            passes,
        }
    }

    /// The next local message by rank, into `out`, and the actor it is for.
    #[inline(always)]
    fn pop_into(&mut self, out: &mut Msg) -> Option<usize> {
        if self.pending == 0 {
            return None;
        }
        let rank = 63 - self.pending.leading_zeros() as usize;
        let j = rank / 2;
        let ring = if rank % 2 == 1 { &mut self.up[j] } else { &mut self.down[j - 1] };
        if !ring.pop_into(out) {
            return None;
        }
        if ring.is_empty() {
            self.pending &= !ring.bit;
        }
        Some(j)
    }

    /// Send `msg` from local actor `j` to local actor `j + 1`, past pass-through actors.
    #[inline(always)]
    fn push_down(&mut self, j: usize, msg: Msg) -> Result<(), SendError> {
        let mut k = j + 1;
        if self.passes_any != 0 {
            let bit = 1u32 << msg.kind_index();
            let last = self.down.len();
            while k < last
                && self.passes[k] & bit != 0
                && self.down[k - 1].is_empty()
                && self.up[k].is_empty()
            {
                self.clocks[k].observe(&msg);
                self.down[k - 1].stats.sent += 1;
                k += 1;
            }
        }
        let ring = &mut self.down[k - 1];
        self.pending |= ring.bit;
        ring.push(msg)
    }

    #[inline(always)]
    fn push_up(&mut self, j: usize, msg: Msg) -> Result<(), SendError> {
        let ring = &mut self.up[j - 1];
        self.pending |= ring.bit;
        ring.push(msg)
    }
}

/// The rings of one thread, its journal streams and its counters.
pub(crate) struct Wires {
    pub(crate) locals: Locals,
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
    fn n(&self) -> usize {
        self.locals.down.len() + 1
    }

    /// The next message to handle, into `out`, and the local actor it is for: the highest-ranked
    /// input.
    #[inline(always)]
    pub(crate) fn take_into(&mut self, out: &mut Msg) -> Option<usize> {
        if pop_cross(&mut self.up_in_cross, out) {
            return Some(self.locals.down.len());
        }
        if let Some(j) = self.locals.pop_into(out) {
            return Some(j);
        }
        pop_cross(&mut self.down_in_cross, out).then_some(0)
    }

    /// The outbox of local actor `j`.
    #[inline(always)]
    pub(crate) fn outbox<'a>(
        &'a mut self,
        j: usize,
        error: &'a mut Option<(Port, SendError)>,
        input: Option<&'a Msg>,
    ) -> ActorOutbox<'a> {
        let n = self.n();
        ActorOutbox {
            j,
            down_cross: if j + 1 == n { self.down_out_cross.as_mut() } else { None },
            up_cross: if j == 0 { self.up_out_cross.as_mut() } else { None },
            n,
            locals: &mut self.locals,
            error,
            dropped_at_ends: &mut self.dropped_at_ends,
            journal: self.journals.get_mut(j).and_then(|x| x.as_mut()),
            input,
        }
    }

    /// Capacity of actor `j`'s ring on `port` (for error messages).
    pub(crate) fn capacity(&self, j: usize, port: Port) -> usize {
        let n = self.n();
        match port {
            Port::Down if j + 1 < n => self.locals.down[j].capacity(),
            Port::Down => self.down_out_cross.as_ref().map_or(0, |o| o.capacity()),
            Port::Up if j > 0 => self.locals.up[j - 1].capacity(),
            Port::Up => self.up_out_cross.as_ref().map_or(0, |o| o.capacity()),
        }
    }

    /// Counters of actor `j`'s outgoing links: (down, up), `None` past the ends.
    pub(crate) fn stats(&self, j: usize) -> (Option<LinkStats>, Option<LinkStats>) {
        let n = self.n();
        let down = if j + 1 < n {
            Some(self.locals.down[j].stats)
        } else {
            self.down_out_cross.as_ref().map(|o| o.stats)
        };
        let up = if j > 0 {
            Some(self.locals.up[j - 1].stats)
        } else {
            self.up_out_cross.as_ref().map(|o| o.stats)
        };
        (down, up)
    }
}

#[inline(always)]
fn pop_cross(c: &mut Option<Consumer<Msg>>, out: &mut Msg) -> bool {
    match c.as_mut().map(|c| c.pop()) {
        Some(Ok(m)) => {
            *out = m;
            true
        }
        _ => false,
    }
}

/// What an actor writes to while it handles a message or is polled.
pub(crate) struct ActorOutbox<'a> {
    j: usize,
    n: usize,
    locals: &'a mut Locals,
    /// Only for the last / first local actor, when a thread lies beyond.
    down_cross: Option<&'a mut Out>,
    up_cross: Option<&'a mut Out>,
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
        let sent = match port {
            Port::Down if self.j + 1 < self.n => self.locals.push_down(self.j, msg),
            Port::Up if self.j > 0 => self.locals.push_up(self.j, msg),
            Port::Down => send_out(self.down_cross.as_deref_mut(), self.dropped_at_ends, msg),
            Port::Up => send_out(self.up_cross.as_deref_mut(), self.dropped_at_ends, msg),
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

/// To another thread, or past either end of the chain (forwarding conventions send things there:
/// counted).
#[inline(always)]
fn send_out(out: Option<&mut Out>, dropped_at_ends: &mut u64, msg: Msg) -> Result<(), SendError> {
    match out {
        Some(o) => o.send(msg),
        None => {
            *dropped_at_ends += 1;
            Ok(())
        }
    }
}
