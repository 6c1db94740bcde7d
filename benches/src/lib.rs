//! Criterion micro-benchmarks of AlphaPulse's hot-path steps, on real frames of the repo's BTCUSDT
//! capture (`feeds/testdata/btcusdt_20240808.gz`), never synthetic JSON. Results live in
//! `latency-reports/micro-benches.md`; run them with `cargo bench -p alphapulse-benches`.
//!
//! This library is the benches' shared setup, none of it is timed:
//! - [`capture`]: decompress the sample once, classify every line with the feed's own parser, pick
//!   representative frames (by kind, by depth level count, nearest the middle of the capture), and
//!   write subsets to temporary capture files for replay benches;
//! - [`flow`]: real engine state and messages derived from the capture: the book as it stood just
//!   before a frame, the feed's message stream, a strategy host warmed on it and the first real
//!   intent it made, the decision and the order the rest of the chain made from it;
//! - [`CountingOutbox`]: an outbox that counts and discards (no allocation per message), with a
//!   level store a source writes its depth updates' levels into;
//! - [`config`]: the short criterion settings every bench uses (2-core machine).
//!
//! One file per area under `benches/`: `parse`, `book`, `strategy`, `risk`, `oms`, `gateway`,
//! `ring`, `chain`, `journal`.
#![forbid(unsafe_code)]

pub mod capture;
pub mod flow;

use alphapulse_runtime::{Flow, LevelStore, Outbox, Port, VecOutbox};
use alphapulse_types::Msg;
use criterion::Criterion;
use std::time::Duration;

/// Criterion settings for the micro-benches: 1 s warm-up, 3 s measurement, 100 samples.
pub fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

/// An outbox that only counts (each message goes through `black_box` so it is not optimised out).
/// A source writes the levels of its depth updates into its level store (allocated once, with
/// room for 2^20 levels); [`CountingOutbox::end_poll`] empties it after each poll, as the runtime
/// does when a thread has nothing queued.
#[derive(Debug, Default)]
pub struct CountingOutbox {
    pub down: u64,
    pub up: u64,
    /// Levels of the depth updates sent down.
    pub levels: u64,
    /// Owns the level store: `LevelStore` can be emptied only from inside the runtime crate, and
    /// `VecOutbox::clear` is its one public way to do it (its message `Vec`s stay empty here).
    store: VecOutbox,
}

impl CountingOutbox {
    /// Empty the level store after a poll (no allocation).
    #[inline]
    pub fn end_poll(&mut self) {
        self.store.clear();
    }
}

impl Outbox for CountingOutbox {
    #[inline]
    fn send(&mut self, port: Port, msg: Msg) -> Flow {
        std::hint::black_box(&msg);
        if let Msg::Depth(d) = &msg {
            self.levels += d.len() as u64;
        }
        match port {
            Port::Down => self.down += 1,
            Port::Up => self.up += 1,
        }
        Flow::Sent
    }
    #[inline]
    fn level_store(&mut self) -> Option<&mut LevelStore> {
        Some(&mut self.store.levels)
    }
}
