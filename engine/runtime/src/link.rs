//! Links: one rtrb SPSC ring per direction between neighbouring actors, with an explicit, counted
//! overflow policy. Between threads a full ring makes the producer wait (counted in `full_waits`),
//! except market data under [`MarketOverflow::Drop`], which is dropped and counted (conflation for
//! live feeds; never in a backtest). On one thread a full ring cannot drain while its producer
//! runs, so it is a [`crate::RuntimeError::RingOverflow`], never a silent loss.

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

/// Producer end of a link.
pub(crate) struct Out {
    prod: Producer<Msg>,
    cross_thread: bool,
    policy: MarketOverflow,
    pub(crate) stats: LinkStats,
}

/// Outcome of a send that could not complete.
pub(crate) enum SendError {
    /// Same-thread ring full.
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
        if !self.cross_thread {
            return Err(SendError::Overflow);
        }
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

/// Create a link of `capacity` messages.
pub(crate) fn link(capacity: usize, cross_thread: bool, policy: MarketOverflow) -> (Out, Consumer<Msg>) {
    let (prod, cons) = RingBuffer::new(capacity);
    (Out { prod, cross_thread, policy, stats: LinkStats::default() }, cons)
}
