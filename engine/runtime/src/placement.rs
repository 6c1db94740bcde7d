//! Placement: which actors run on which thread, pinned to which core, with which idle strategy and
//! clock. Threads hold contiguous runs of the chain. Read from the `[placement]` table of the
//! config, validated before anything starts.
//!
//! ```toml
//! [placement]
//! threads = [["feed"], ["agents", "risk", "router", "gateway"]]
//! cores = [0, 1]          # optional: pin thread i to core cores[i]
//! idle = { kind = "spin-then-yield", spins = 1000 }
//! ring_capacity = 16384   # messages per link
//! level_capacity = 131072 # depth levels per thread's level store and per companion ring
//! ```

use crate::{ClockKind, IdleStrategy, MarketOverflow, RuntimeError};

/// Default messages per link. A depth update is one message whatever its size (its levels travel
/// beside it: see [`DEFAULT_LEVEL_CAPACITY`]), so this does not depend on the book's depth.
pub const DEFAULT_RING_CAPACITY: usize = 16_384;
/// Default depth levels a thread's level store (and each companion ring of levels between
/// threads) holds: what one input may produce — a 5000-level snapshot (10,000 levels) plus the
/// 65,536 levels a feed buffers by default while it waits for it — with room to spare (2 MiB).
pub const DEFAULT_LEVEL_CAPACITY: usize = 1 << 17;
/// Smallest and largest `level_capacity` (16 bytes per level).
pub const MIN_LEVEL_CAPACITY: usize = 1024;
pub const MAX_LEVEL_CAPACITY: usize = 1 << 24;
/// Smallest `ring_capacity`.
pub const MIN_RING_CAPACITY: usize = 64;
/// Largest `ring_capacity`: 2^20 messages of 64 bytes = 64 MiB per ring, allocated and written
/// at start. A chain of five actors has 8 rings (one per direction between neighbours), so this
/// bound keeps the rings under 512 MiB; 2^32 failed to allocate and 2^26 (4 GiB per ring) got
/// the process killed by the kernel.
pub const MAX_RING_CAPACITY: usize = 1 << 20;

/// A placement as written in the config.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlacementConfig {
    /// Actor names per thread, in chain order. Empty: every actor on one thread.
    pub threads: Vec<Vec<String>>,
    /// Core id per thread (same length as `threads`), or empty for no pinning.
    pub cores: Vec<usize>,
    pub idle: IdleStrategy,
    pub clock: ClockKind,
    pub ring_capacity: usize,
    /// What a full link between threads does with market data (`block` or `drop`).
    pub market_overflow: MarketOverflow,
    /// Depth levels per thread's level store and per companion ring between threads (a power of
    /// two); it must hold every level one input can produce (see [`DEFAULT_LEVEL_CAPACITY`]).
    pub level_capacity: usize,
}

impl Default for PlacementConfig {
    fn default() -> Self {
        PlacementConfig {
            threads: Vec::new(),
            cores: Vec::new(),
            idle: IdleStrategy::default(),
            clock: ClockKind::Event,
            ring_capacity: DEFAULT_RING_CAPACITY,
            market_overflow: MarketOverflow::Block,
            level_capacity: DEFAULT_LEVEL_CAPACITY,
        }
    }
}

impl PlacementConfig {
    /// Every actor on the calling thread.
    pub fn one_thread() -> Self {
        Self::default()
    }

    /// `names[..split]` on one thread and the rest on another.
    pub fn two_threads(names: &[&str], split: usize) -> Self {
        PlacementConfig {
            threads: vec![
                names[..split].iter().map(|s| s.to_string()).collect(),
                names[split..].iter().map(|s| s.to_string()).collect(),
            ],
            ..Self::default()
        }
    }

    /// Resolve against the chain's actor names: thread i runs chain positions `groups[i]`.
    pub fn resolve(&self, chain: &[&str]) -> Result<Placement, RuntimeError> {
        let bad = |m: String| RuntimeError::Placement(m);
        if !self.ring_capacity.is_power_of_two()
            || !(MIN_RING_CAPACITY..=MAX_RING_CAPACITY).contains(&self.ring_capacity)
        {
            return Err(bad(format!(
                "placement.ring_capacity: {} must be a power of two in {MIN_RING_CAPACITY}..={MAX_RING_CAPACITY} \
                 (messages of 64 bytes per ring)",
                self.ring_capacity
            )));
        }
        if !self.level_capacity.is_power_of_two()
            || !(MIN_LEVEL_CAPACITY..=MAX_LEVEL_CAPACITY).contains(&self.level_capacity)
        {
            return Err(bad(format!(
                "placement.level_capacity: {} must be a power of two in {MIN_LEVEL_CAPACITY}..={MAX_LEVEL_CAPACITY} \
                 (depth levels of 16 bytes per thread's store and per link between threads)",
                self.level_capacity
            )));
        }
        let groups: Vec<(usize, usize)> = if self.threads.is_empty() {
            vec![(0, chain.len())]
        } else {
            let mut groups = Vec::new();
            let mut next = 0;
            for (t, names) in self.threads.iter().enumerate() {
                if names.is_empty() {
                    return Err(bad(format!("placement.threads[{t}] is empty")));
                }
                let start = next;
                for n in names {
                    match chain.get(next) {
                        Some(want) if want == n => next += 1,
                        Some(want) => {
                            return Err(bad(format!(
                                "placement.threads[{t}]: expected `{want}` next in the chain {chain:?}, found `{n}` \
                                 (threads hold contiguous runs of the chain, in order)"
                            )))
                        }
                        None => return Err(bad(format!("placement.threads[{t}]: `{n}` is not in the chain {chain:?}"))),
                    }
                }
                groups.push((start, next));
            }
            if next != chain.len() {
                return Err(bad(format!("placement.threads: actors {:?} are on no thread", &chain[next..])));
            }
            groups
        };
        let cores = if self.cores.is_empty() {
            vec![None; groups.len()]
        } else if self.cores.len() != groups.len() {
            return Err(bad(format!(
                "placement.cores has {} entries for {} threads",
                self.cores.len(),
                groups.len()
            )));
        } else {
            let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
            for (i, &c) in self.cores.iter().enumerate() {
                if c >= n {
                    return Err(bad(format!("placement.cores[{i}] = {c}: this machine has cores 0..{n}")));
                }
                if self.cores[..i].contains(&c) {
                    return Err(bad(format!("placement.cores[{i}] = {c}: core used twice")));
                }
            }
            self.cores.iter().map(|&c| Some(c)).collect()
        };
        Ok(Placement {
            threads: groups
                .into_iter()
                .zip(cores)
                .map(|((s, e), core)| ThreadSpec { start: s, end: e, core })
                .collect(),
            idle: self.idle,
            clock: self.clock,
            ring_capacity: self.ring_capacity,
            market_overflow: self.market_overflow,
            level_capacity: self.level_capacity,
        })
    }
}

/// One thread of a resolved placement: chain positions `start..end`, optionally pinned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadSpec {
    pub start: usize,
    pub end: usize,
    pub core: Option<usize>,
}

/// A validated placement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub threads: Vec<ThreadSpec>,
    pub idle: IdleStrategy,
    pub clock: ClockKind,
    pub ring_capacity: usize,
    pub market_overflow: MarketOverflow,
    pub level_capacity: usize,
}

impl Placement {
    /// Chain positions after which a thread boundary falls.
    pub fn cuts(&self) -> impl Iterator<Item = usize> + '_ {
        self.threads.iter().skip(1).map(|t| t.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const CHAIN: [&str; 5] = ["feed", "agents", "risk", "router", "gateway"];

    #[test]
    fn resolves_and_refuses() {
        let p = PlacementConfig::one_thread().resolve(&CHAIN).unwrap();
        assert_eq!(p.threads, vec![ThreadSpec { start: 0, end: 5, core: None }]);
        let p = PlacementConfig::two_threads(&CHAIN, 1).resolve(&CHAIN).unwrap();
        assert_eq!(p.cuts().collect::<Vec<_>>(), vec![1]);
        let mut c = PlacementConfig::two_threads(&CHAIN, 1);
        c.threads[1].swap(0, 1);
        assert!(c.resolve(&CHAIN).unwrap_err().to_string().contains("expected `agents`"));
        let mut c = PlacementConfig::two_threads(&CHAIN, 1);
        c.threads[1].pop();
        assert!(c.resolve(&CHAIN).unwrap_err().to_string().contains("on no thread"));
        let mut c = PlacementConfig::two_threads(&CHAIN, 1);
        c.cores = vec![0, 999];
        assert!(c.resolve(&CHAIN).unwrap_err().to_string().contains("cores[1] = 999"));
        c.cores = vec![0];
        assert!(c.resolve(&CHAIN).is_err());
        let c = PlacementConfig { ring_capacity: 100, ..Default::default() };
        assert!(c.resolve(&CHAIN).is_err());
        // Too large to allocate: refused by name before anything is allocated.
        for cap in [MAX_RING_CAPACITY * 2, 1 << 26, 1 << 32] {
            let c = PlacementConfig { ring_capacity: cap, ..Default::default() };
            let e = c.resolve(&CHAIN).unwrap_err().to_string();
            assert!(
                e.contains("placement.ring_capacity") && e.contains(&MAX_RING_CAPACITY.to_string()),
                "{e}"
            );
        }
        let c = PlacementConfig { ring_capacity: MAX_RING_CAPACITY, ..Default::default() };
        assert!(c.resolve(&CHAIN).is_ok());
    }
}
