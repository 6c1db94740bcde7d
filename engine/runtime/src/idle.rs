//! What a thread does when none of its actors has work.

use std::time::Duration;

/// Idle strategy of a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum IdleStrategy {
    /// Spin with a CPU hint: lowest latency, burns the core (the live default on a pinned core).
    BusySpin,
    /// Spin `spins` times, then yield the core to the OS scheduler once.
    SpinThenYield { spins: u32 },
    /// Park the thread for `micros` microseconds (lowest CPU use, highest wake-up latency).
    Park { micros: u32 },
}

impl Default for IdleStrategy {
    fn default() -> Self {
        IdleStrategy::SpinThenYield { spins: 1000 }
    }
}

/// Per-thread idle state: counts consecutive idle rounds.
#[derive(Debug, Default)]
pub struct Idler {
    rounds: u32,
}

impl Idler {
    /// Called after a round with no work.
    #[inline]
    pub fn idle(&mut self, s: IdleStrategy) {
        match s {
            IdleStrategy::BusySpin => std::hint::spin_loop(),
            IdleStrategy::SpinThenYield { spins } => {
                self.rounds += 1;
                if self.rounds >= spins {
                    self.rounds = 0;
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
            IdleStrategy::Park { micros } => std::thread::park_timeout(Duration::from_micros(micros as u64)),
        }
    }
    /// Called after a round that did work.
    #[inline(always)]
    pub fn busy(&mut self) {
        self.rounds = 0;
    }
}
