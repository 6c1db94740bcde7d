//! Links: one ring per direction between neighbouring actors, with an explicit, counted overflow
//! policy. Between threads the ring is an rtrb SPSC ring ([`Out`] / [`In`]), with a companion ring
//! of depth levels on Down links; a full ring is reported to the sender and its message kept in a
//! bounded spill (counted in `full_waits`), except quotes and trades under
//! [`MarketOverflow::Drop`], which are dropped and counted (conflation for live feeds; never in a
//! backtest). Between two actors on the same thread the ring is a [`LocalRing`]: the same bounded
//! FIFO without atomics (producer and consumer are one thread). On one thread a full ring cannot
//! drain while its producer runs, so it is a [`crate::RuntimeError::RingOverflow`], never a silent
//! loss.

use crate::actor::LevelStore;
use crate::Flow;
use alphapulse_types::{Msg, PxQty};
use rtrb::{Consumer, Producer, RingBuffer};
use std::collections::VecDeque;

/// What a full link between threads does with market data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarketOverflow {
    /// Wait for room (backtests: nothing may be lost).
    #[default]
    Block,
    /// Drop the newest market event and count it (live: stale data is worth less than latency).
    Drop,
}

/// Counters of one link, kept by its producer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub sent: u64,
    /// Messages that found the ring full and went to the spill (the sender was told).
    pub full_waits: u64,
    /// Market events dropped under [`MarketOverflow::Drop`].
    pub dropped: u64,
}

/// Producer end of a link between threads: the message ring, the companion ring of depth levels
/// (Down links), and a bounded spill for what did not fit.
///
/// **Full is reported, not waited out.** When the ring (or, for a depth update, the level ring)
/// has no room, the message — with a copy of its levels — goes to the spill and the sender is
/// told ([`crate::Flow::Full`]); from then on everything goes through the spill, in order, until it
/// drains. The thread takes no new input meanwhile (see `crate::group`), so the spill stays small:
/// one input's worth of output. A spill that fills up too is a `RingOverflow` error.
pub(crate) struct Out {
    prod: Producer<Msg>,
    /// Levels of depth updates, written (and published) before their header.
    levels: Option<Producer<PxQty>>,
    spill: VecDeque<Msg>,
    spill_levels: VecDeque<PxQty>,
    policy: MarketOverflow,
    pub(crate) stats: LinkStats,
}

/// Outcome of a send that could not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SendError {
    /// Same-thread ring full (it cannot drain while its producer runs), or a link's spill full.
    Overflow,
    /// The consumer thread is gone.
    Abandoned,
    /// A depth update's levels were not in the sender's level store.
    LevelsMissing,
}

impl Out {
    /// Send `msg`; a depth update's levels are read from `store`.
    #[inline]
    pub(crate) fn send(&mut self, msg: Msg, store: &[PxQty]) -> Result<Flow, SendError> {
        if self.spill.is_empty() && self.try_write(&msg, store)? {
            self.stats.sent += 1;
            return Ok(Flow::Sent);
        }
        self.full(msg, store)
    }

    /// Write `msg` (and its levels) to the rings if both have room.
    #[inline(always)]
    fn try_write(&mut self, msg: &Msg, store: &[PxQty]) -> Result<bool, SendError> {
        if self.prod.is_full() {
            return Ok(false);
        }
        if let Msg::Depth(d) = msg {
            let (b, a) = crate::actor::levels_in(store, d);
            if b.len() + a.len() != d.len() {
                return Err(SendError::LevelsMissing);
            }
            if !d.is_empty() && !write_levels(self.levels.as_mut(), b, a) {
                return Ok(false);
            }
        }
        let _ = self.prod.push(*msg);
        Ok(true)
    }

    #[cold]
    fn full(&mut self, msg: Msg, store: &[PxQty]) -> Result<Flow, SendError> {
        if self.prod.is_abandoned() {
            return Err(SendError::Abandoned);
        }
        if matches!(msg, Msg::Quote(_) | Msg::Trade(_)) && self.policy == MarketOverflow::Drop {
            self.stats.dropped += 1;
            return Ok(Flow::Full);
        }
        self.stats.full_waits += 1;
        if self.spill.len() == self.spill.capacity() {
            return Err(SendError::Overflow);
        }
        if let Msg::Depth(d) = msg {
            let (b, a) = crate::actor::levels_in(store, &d);
            if b.len() + a.len() != d.len() {
                return Err(SendError::LevelsMissing);
            }
            if self.spill_levels.capacity() - self.spill_levels.len() < d.len() {
                return Err(SendError::Overflow);
            }
            self.spill_levels.extend(b.iter().chain(a));
        }
        self.spill.push_back(msg);
        Ok(Flow::Full)
    }

    /// Move what the spill holds to the rings while they have room; true when the spill is empty.
    pub(crate) fn flush(&mut self) -> Result<bool, SendError> {
        while let Some(&msg) = self.spill.front() {
            if self.prod.is_full() {
                break;
            }
            if let Msg::Depth(d) = msg {
                let n = d.len();
                if n > 0 {
                    let (a, b) = self.spill_levels.as_slices();
                    let (x, y) = if a.len() >= n { (&a[..n], &[][..]) } else { (a, &b[..n - a.len()]) };
                    if !write_levels(self.levels.as_mut(), x, y) {
                        break;
                    }
                    self.spill_levels.drain(..n);
                }
            }
            let _ = self.prod.push(msg);
            self.spill.pop_front();
            self.stats.sent += 1;
        }
        if !self.spill.is_empty() && self.prod.is_abandoned() {
            return Err(SendError::Abandoned);
        }
        Ok(self.spill.is_empty())
    }

    /// True while messages wait in the spill.
    #[inline(always)]
    pub(crate) fn blocked(&self) -> bool {
        !self.spill.is_empty()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.prod.buffer().capacity()
    }
}

/// Publish `a` then `b` as one chunk of the level ring; false (nothing written) without room.
#[inline(always)]
fn write_levels(p: Option<&mut Producer<PxQty>>, a: &[PxQty], b: &[PxQty]) -> bool {
    let Some(p) = p else { return false };
    let n = a.len() + b.len();
    match p.write_chunk_uninit(n) {
        Ok(chunk) => {
            chunk.fill_from_iter(a.iter().chain(b).copied());
            true
        }
        Err(_) => false,
    }
}

/// Consumer end of a link between threads.
pub(crate) struct In {
    pub(crate) msgs: Consumer<Msg>,
    /// Down links: the levels of depth updates, read when their header is taken.
    pub(crate) levels: Option<Consumer<PxQty>>,
}

impl In {
    /// Take the next message into `out`; a depth update's levels are appended to `store` and its
    /// `at` set to them. Errors when a header's levels are missing (a broken producer) or do not
    /// fit the store.
    #[inline(always)]
    pub(crate) fn pop_into(&mut self, out: &mut Msg, store: &mut LevelStore) -> Result<bool, SendError> {
        let Ok(m) = self.msgs.pop() else { return Ok(false) };
        *out = m;
        if let Msg::Depth(d) = out {
            let n = d.len();
            d.at = store.len() as u32;
            if n > 0 {
                let lv = self.levels.as_mut().ok_or(SendError::LevelsMissing)?;
                let chunk = lv.read_chunk(n).map_err(|_| SendError::LevelsMissing)?;
                let dst = store.tail_mut(n).ok_or(SendError::Overflow)?;
                let (a, b) = chunk.as_slices();
                dst[..a.len()].copy_from_slice(a);
                dst[a.len()..].copy_from_slice(b);
                chunk.commit_all();
                store.commit(n);
            }
        }
        Ok(true)
    }
}

/// A bounded FIFO between two actors of one thread: a preallocated power-of-two array, no atomics;
/// it restarts at slot 0 whenever it runs empty.
pub(crate) struct LocalRing {
    /// The ring's bit in its thread's pending mask (set while it holds messages; see `group`).
    pub(crate) bit: u64,
    buf: Box<[Msg]>,
    mask: usize,
    /// Next slot to read; `tail − head` messages are queued (both wrap).
    head: usize,
    tail: usize,
    pub(crate) stats: LinkStats,
}

impl LocalRing {
    /// A ring of `capacity` messages (rounded up to a power of two) with pending-mask bit `bit`.
    pub(crate) fn new(capacity: usize, bit: u64) -> Self {
        let cap = capacity.max(1).next_power_of_two();
        let filler = Msg::Eos(alphapulse_types::EndOfStream::default());
        LocalRing {
            bit,
            buf: vec![filler; cap].into_boxed_slice(),
            mask: cap - 1,
            head: 0,
            tail: 0,
            stats: LinkStats::default(),
        }
    }
    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.head == self.tail
    }
    #[inline(always)]
    pub(crate) fn push(&mut self, msg: Msg) -> Result<(), SendError> {
        if self.tail.wrapping_sub(self.head) > self.mask {
            return Err(SendError::Overflow);
        }
        self.buf[self.tail & self.mask] = msg;
        self.tail = self.tail.wrapping_add(1);
        self.stats.sent += 1;
        Ok(())
    }
    /// The oldest message into `out`; false (and `out` untouched) when empty.
    #[inline(always)]
    pub(crate) fn pop_into(&mut self, out: &mut Msg) -> bool {
        if self.head == self.tail {
            return false;
        }
        *out = self.buf[self.head & self.mask];
        self.head = self.head.wrapping_add(1);
        if self.head == self.tail {
            // Empty: start again at slot 0. A ring drained after every few messages (the usual
            // case on one thread) then keeps writing the same few cache lines instead of a new one
            // per message across its whole buffer (16,384 × 64 B by default): in callgrind's cache
            // model that was one L1 write miss per message sent.
            self.head = 0;
            self.tail = 0;
        }
        true
    }
    #[cfg(test)]
    fn pop(&mut self) -> Option<Msg> {
        let mut m = Msg::Eos(Default::default());
        self.pop_into(&mut m).then_some(m)
    }
    pub(crate) fn capacity(&self) -> usize {
        self.buf.len()
    }
}

/// Create a link between two threads: `capacity` messages, and for a Down link a companion ring of
/// `levels` depth levels (0: none, an Up link). The spill holds as much again.
pub(crate) fn link(capacity: usize, levels: usize, policy: MarketOverflow) -> (Out, In) {
    let (prod, cons) = RingBuffer::new(capacity);
    let (lp, lc) = if levels > 0 {
        let (p, c) = RingBuffer::new(levels);
        (Some(p), Some(c))
    } else {
        (None, None)
    };
    let out = Out {
        prod,
        levels: lp,
        spill: VecDeque::with_capacity(capacity),
        spill_levels: VecDeque::with_capacity(levels),
        policy,
        stats: LinkStats::default(),
    };
    (out, In { msgs: cons, levels: lc })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_types::EndOfStream;

    fn eos(ts: u64) -> Msg {
        Msg::Eos(EndOfStream { ts })
    }

    #[test]
    fn local_ring_is_a_bounded_fifo_across_wraps() {
        let mut r = LocalRing::new(4, 1);
        assert_eq!(r.capacity(), 4);
        let mut next_in = 0;
        let mut next_out = 0;
        for round in 0..50 {
            // Fill to capacity, check the overflow, drain a varying amount.
            while r.push(eos(next_in)).is_ok() {
                next_in += 1;
            }
            assert_eq!(next_in - next_out, 4, "round {round}: holds exactly its capacity");
            for _ in 0..(round % 4) + 1 {
                assert_eq!(r.pop().map(|m| m.event_ts()), Some(next_out));
                next_out += 1;
            }
        }
        while let Some(m) = r.pop() {
            assert_eq!(m.event_ts(), next_out);
            next_out += 1;
        }
        assert!(r.pop().is_none());
        assert_eq!(next_out, next_in);
        assert_eq!(r.stats.sent, next_in);
    }
}
