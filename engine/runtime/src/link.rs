//! Links: one ring per direction between neighbouring actors, with an explicit, counted overflow
//! policy. Between threads the ring is an rtrb SPSC ring ([`Out`] / `rtrb::Consumer`); a full ring
//! makes the producer wait (counted in `full_waits`), except market data under
//! [`MarketOverflow::Drop`], which is dropped and counted (conflation for live feeds; never in a
//! backtest). Between two actors on the same thread the ring is a [`LocalRing`]: the same bounded
//! FIFO without atomics (producer and consumer are one thread). On one thread a full ring cannot
//! drain while its producer runs, so it is a [`crate::RuntimeError::RingOverflow`], never a silent
//! loss.

use alphapulse_types::Msg;
use rtrb::{Consumer, Producer, PushError, RingBuffer};

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
    /// Times the producer found the ring full and waited.
    pub full_waits: u64,
    /// Market events dropped under [`MarketOverflow::Drop`].
    pub dropped: u64,
}

/// Producer end of a link between threads.
pub(crate) struct Out {
    prod: Producer<Msg>,
    policy: MarketOverflow,
    pub(crate) stats: LinkStats,
}

/// Outcome of a send that could not complete.
pub(crate) enum SendError {
    /// Same-thread ring full (it cannot drain while its producer runs).
    Overflow,
    /// The consumer thread is gone.
    Abandoned,
}

impl Out {
    #[inline]
    pub(crate) fn send(&mut self, msg: Msg) -> Result<(), SendError> {
        match self.prod.push(msg) {
            Ok(()) => {
                self.stats.sent += 1;
                Ok(())
            }
            Err(PushError::Full(msg)) => self.full(msg),
        }
    }

    #[cold]
    fn full(&mut self, mut msg: Msg) -> Result<(), SendError> {
        if msg.is_market() && self.policy == MarketOverflow::Drop {
            self.stats.dropped += 1;
            return Ok(());
        }
        self.stats.full_waits += 1;
        loop {
            if self.prod.is_abandoned() {
                return Err(SendError::Abandoned);
            }
            std::hint::spin_loop();
            match self.prod.push(msg) {
                Ok(()) => {
                    self.stats.sent += 1;
                    return Ok(());
                }
                Err(PushError::Full(m)) => msg = m,
            }
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.prod.buffer().capacity()
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

/// Create a link of `capacity` messages between two threads.
pub(crate) fn link(capacity: usize, policy: MarketOverflow) -> (Out, Consumer<Msg>) {
    let (prod, cons) = RingBuffer::new(capacity);
    (Out { prod, policy, stats: LinkStats::default() }, cons)
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
