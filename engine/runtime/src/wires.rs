//! One thread's rings, clocks and journal streams, the outbox its actors write to, and the
//! forwarding the runtime does for them.
//!
//! **Choosing the next input.** Local actor `j`'s inputs rank `2j + 1` (feedback, `Up`) and `2j`
//! (`Down`); the scheduler takes the highest-ranked input that holds a message. For the local rings
//! that rank is their bit in `pending` (set on push, cleared when a pop empties the ring), so the
//! choice is one `leading_zeros`; the cross-thread inputs are the highest (`Up` into the last actor)
//! and the lowest (`Down` into actor 0) ranks, polled before and after the mask.
//!
//! **Forwarding.** A message goes on in its direction (`Exec` up, everything else down) past every
//! actor that does not handle its kind ([`crate::Actor::handles`]). When nothing is queued at such
//! an actor or downstream of it, the message skips it at once (its event clock still advances and
//! the skipped link still counts it); otherwise it queues behind that actor's input and is
//! forwarded when its turn comes. Either way every actor sees the same sequence as if each hop
//! were taken: the skipped actor would have passed the message on before anything downstream
//! could send it feedback. (Only the first message of a handle or poll finds everything
//! downstream empty; a later one that skipped on the strength of the actor's own rings alone
//! could overtake the feedback the earlier one causes.)
//! `Eos` is never skipped (each actor marks itself finished when it passes). Feedback goes up
//! only as far as an actor that takes it: past the first actor that handles `Up` kinds, nothing
//! is built (no ring, no thread link) and nothing is sent.

use crate::actor::LevelStore;
use crate::journal::ActorJournal;
use crate::link::{In, LinkStats, LocalRing, Out, SendError};
use crate::{Clock, Flow, Outbox, Port};
use alphapulse_types::{Kinds, Msg, PxQty};

/// The same-thread part: rings, pending mask, clocks and the kinds each local actor handles.
pub(crate) struct Locals {
    pub(crate) pending: u64,
    /// `down[k]`: local actor k → k+1 (`n − 1` rings).
    pub(crate) down: Vec<LocalRing>,
    /// `up[k]`: local actor k+1 → k (`n − 1` rings).
    pub(crate) up: Vec<LocalRing>,
    /// One per local actor (clones of the run's clock).
    pub(crate) clocks: Vec<Clock>,
    /// [`crate::Actor::handles`] of each local actor.
    pub(crate) handles: Vec<Kinds>,
    /// Handled kinds the runtime forwards (handled and not consumed).
    pub(crate) forwards: Vec<Kinds>,
    /// `up_wanted[j]`: some actor upstream of local actor j (on this thread or an earlier one)
    /// handles `Up` kinds: feedback from j has somewhere to go.
    pub(crate) up_wanted: Vec<bool>,
}

/// Per local actor: what it handles and consumes, and whether feedback from it is wanted.
pub(crate) struct ActorKinds {
    pub(crate) handles: Kinds,
    pub(crate) consumes: Kinds,
    pub(crate) up_wanted: bool,
}

impl Locals {
    /// Rings of `capacity` for the local actors described by `kinds`.
    pub(crate) fn new(capacity: usize, clocks: Vec<Clock>, kinds: &[ActorKinds]) -> Self {
        let n = clocks.len();
        Locals {
            pending: 0,
            // Ranks: `Up` into local actor k is 2k + 1, `Down` into k + 1 is 2k + 2.
            down: (0..n - 1).map(|k| LocalRing::new(capacity, 1 << (2 * k + 2))).collect(),
            up: (0..n - 1)
                .map(|k| LocalRing::new(if kinds[k + 1].up_wanted { capacity } else { 1 }, 1 << (2 * k + 1)))
                .collect(),
            clocks,
            handles: kinds.iter().map(|k| k.handles).collect(),
            forwards: kinds.iter().map(|k| k.handles.without(k.consumes)).collect(),
            up_wanted: kinds.iter().map(|k| k.up_wanted).collect(),
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

    /// True when nothing is queued at local actor `k` (not the first) or anywhere downstream of
    /// it (ranks `2k` and up): a message may skip it. Not only `k`'s own rings: when an earlier
    /// message of the same handle or poll waits downstream, its feedback could still reach `k`
    /// (and `k` send down on it) before this message would have passed `k` hop by hop.
    #[inline(always)]
    fn quiet_down(&self, k: usize) -> bool {
        self.pending >> (2 * k) == 0
    }
}

/// The rings of one thread, its journal streams and its counters.
pub(crate) struct Wires {
    pub(crate) routes: Routes,
    /// Into actor 0 from the thread upstream / into actor n−1 from the thread downstream.
    pub(crate) down_in_cross: Option<In>,
    pub(crate) up_in_cross: Option<In>,
    /// One journal stream per local actor when the run is journaled (else empty).
    pub(crate) journals: Vec<Option<ActorJournal>>,
}

/// Where messages go from the thread's actors: the local rings and the links out.
pub(crate) struct Routes {
    pub(crate) locals: Locals,
    /// From actor n−1 to the thread downstream / from actor 0 to the thread upstream.
    pub(crate) down_out_cross: Option<Out>,
    pub(crate) up_out_cross: Option<Out>,
    /// Messages an actor sent past either end of the chain (nobody there): counted.
    pub(crate) dropped_at_ends: u64,
}

impl Wires {
    #[inline(always)]
    pub(crate) fn blocked(&self) -> bool {
        self.routes.blocked()
    }

    /// Move spilled messages on; true when nothing is spilled any more.
    pub(crate) fn flush(&mut self) -> Result<bool, (Port, SendError)> {
        self.routes.flush()
    }

    /// The next message to handle, into `out`, and the local actor it is for: the highest-ranked
    /// input. Input from the thread upstream is taken only when nothing else is queued and no link
    /// out is full; the level store is emptied first and the update's levels read into it.
    #[inline(always)]
    pub(crate) fn take_into(
        &mut self,
        out: &mut Msg,
        store: &mut LevelStore,
    ) -> Result<Option<usize>, SendError> {
        if let Some(c) = self.up_in_cross.as_mut() {
            if c.pop_into(out, store)? {
                return Ok(Some(self.routes.locals.down.len()));
            }
        }
        if let Some(j) = self.routes.locals.pop_into(out) {
            return Ok(Some(j));
        }
        if self.routes.blocked() {
            return Ok(None);
        }
        match self.down_in_cross.as_mut() {
            Some(c) => {
                store.clear();
                Ok(c.pop_into(out, store)?.then_some(0))
            }
            None => Ok(None),
        }
    }

    /// The outbox of local actor `j`, writing depth levels into `store` (a source's poll) or only
    /// reading them (while handling a message).
    #[inline(always)]
    pub(crate) fn outbox<'a>(
        &'a mut self,
        j: usize,
        error: &'a mut Option<(Port, SendError)>,
        store: Store<'a>,
    ) -> ActorOutbox<'a> {
        let journal = self.journals.get_mut(j).and_then(|x| x.as_mut());
        ActorOutbox { j, routes: &mut self.routes, error, journal, store }
    }
}

impl Routes {
    #[inline(always)]
    fn n(&self) -> usize {
        self.locals.down.len() + 1
    }

    /// True while a link out of this thread holds a spill: take no new input.
    #[inline(always)]
    pub(crate) fn blocked(&self) -> bool {
        self.down_out_cross.as_ref().is_some_and(|o| o.blocked())
            || self.up_out_cross.as_ref().is_some_and(|o| o.blocked())
    }

    /// Move spilled messages on; true when nothing is spilled any more.
    pub(crate) fn flush(&mut self) -> Result<bool, (Port, SendError)> {
        let mut clear = true;
        if let Some(o) = self.down_out_cross.as_mut() {
            clear &= o.flush().map_err(|e| (Port::Down, e))?;
        }
        if let Some(o) = self.up_out_cross.as_mut() {
            clear &= o.flush().map_err(|e| (Port::Up, e))?;
        }
        Ok(clear)
    }

    /// Route `msg` on from local actor `j` in its direction (a forward: never journaled).
    #[inline(always)]
    pub(crate) fn forward(
        &mut self,
        j: usize,
        msg: &Msg,
        store: &[PxQty],
    ) -> Result<Flow, (Port, SendError)> {
        if Kinds::UP.contains(msg) {
            self.route_up(j, *msg, store, false).map_err(|e| (Port::Up, e))
        } else {
            self.route_down(j, *msg, store, false).map_err(|e| (Port::Down, e))
        }
    }

    /// Send `msg` from local actor `j` down: to the first actor after it that handles the kind or
    /// still holds input, else out of the thread (or past the chain's end: counted when `sent` by
    /// the actor itself).
    #[inline(always)]
    fn route_down(&mut self, j: usize, msg: Msg, store: &[PxQty], sent: bool) -> Result<Flow, SendError> {
        let n = self.n();
        let l = &mut self.locals;
        let mut k = j + 1;
        while k < n && !l.handles[k].contains(&msg) && !matches!(msg, Msg::Eos(_)) && l.quiet_down(k) {
            l.clocks[k].observe(&msg);
            l.down[k - 1].stats.sent += 1;
            k += 1;
        }
        if k < n {
            let ring = &mut l.down[k - 1];
            l.pending |= ring.bit;
            return ring.push(msg).map(|()| Flow::Sent);
        }
        match self.down_out_cross.as_mut() {
            Some(o) => o.send(msg, store),
            None => {
                self.dropped_at_ends += sent as u64;
                Ok(Flow::Sent)
            }
        }
    }

    /// Send `msg` from local actor `j` up, as far as an actor that takes feedback.
    #[inline(always)]
    fn route_up(&mut self, j: usize, msg: Msg, store: &[PxQty], sent: bool) -> Result<Flow, SendError> {
        let l = &mut self.locals;
        if !l.up_wanted[j] {
            self.dropped_at_ends += sent as u64;
            return Ok(Flow::Sent);
        }
        let mut k = j;
        while k > 0 {
            k -= 1;
            if l.handles[k].contains(&msg) || !l.up[k].is_empty() {
                let ring = &mut l.up[k];
                l.pending |= ring.bit;
                return ring.push(msg).map(|()| Flow::Sent);
            }
            l.clocks[k].observe(&msg);
            l.up[k].stats.sent += 1;
        }
        match self.up_out_cross.as_mut() {
            Some(o) => o.send(msg, store),
            None => {
                self.dropped_at_ends += sent as u64;
                Ok(Flow::Sent)
            }
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

    /// Counters of actor `j`'s outgoing links: (down, up), `None` past the ends or where no
    /// feedback goes.
    pub(crate) fn stats(&self, j: usize) -> (Option<LinkStats>, Option<LinkStats>) {
        let n = self.n();
        let down = if j + 1 < n {
            Some(self.locals.down[j].stats)
        } else {
            self.down_out_cross.as_ref().map(|o| o.stats)
        };
        let up = if !self.locals.up_wanted[j] {
            None
        } else if j > 0 {
            Some(self.locals.up[j - 1].stats)
        } else {
            self.up_out_cross.as_ref().map(|o| o.stats)
        };
        (down, up)
    }
}

/// The level store as an outbox sees it.
pub(crate) enum Store<'a> {
    /// While handling a message: the thread's levels, read-only.
    Read(&'a [PxQty]),
    /// While a source is polled: it writes depth updates' levels here.
    Write(&'a mut LevelStore),
}

impl Store<'_> {
    #[inline(always)]
    fn slice(&self) -> &[PxQty] {
        match self {
            Store::Read(s) => s,
            Store::Write(s) => s.as_slice(),
        }
    }
}

/// What an actor writes to while it handles a message or is polled.
pub(crate) struct ActorOutbox<'a> {
    j: usize,
    routes: &'a mut Routes,
    error: &'a mut Option<(Port, SendError)>,
    /// The actor's journal stream, if the run is journaled.
    journal: Option<&'a mut ActorJournal>,
    store: Store<'a>,
}

impl Outbox for ActorOutbox<'_> {
    /// Everything an actor sends is a new message (the runtime does the forwarding): journaled
    /// once the link took it.
    #[inline]
    fn send(&mut self, port: Port, msg: Msg) -> Flow {
        let store = self.store.slice();
        let sent = match port {
            Port::Down => self.routes.route_down(self.j, msg, store, true),
            Port::Up => self.routes.route_up(self.j, msg, store, true),
        };
        match sent {
            Ok(flow) => {
                if let Some(j) = self.journal.as_deref_mut() {
                    j.append(&msg, store);
                }
                flow
            }
            Err(e) => {
                if self.error.is_none() {
                    *self.error = Some((port, e));
                }
                Flow::Sent
            }
        }
    }

    /// The journal port: the actor's stream only, no neighbour; nothing without a journal.
    #[inline]
    fn journal(&mut self, msg: Msg) {
        if let Some(j) = self.journal.as_deref_mut() {
            j.append(&msg, &[]);
        }
    }

    #[inline(always)]
    fn level_store(&mut self) -> Option<&mut LevelStore> {
        match &mut self.store {
            Store::Write(s) => Some(s),
            Store::Read(_) => None,
        }
    }
}
