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
//! - [`CountingOutbox`]: an outbox that counts and discards (no allocation per message);
//! - [`config`]: the short criterion settings every bench uses (2-core machine).
//!
//! One file per area under `benches/`: `parse`, `book`, `strategy`, `risk`, `oms`, `gateway`,
//! `ring`, `chain`.
#![forbid(unsafe_code)]

pub mod capture;
pub mod flow;

use alphapulse_runtime::{Outbox, Port};
use alphapulse_types::Msg;
use criterion::Criterion;
use std::time::Duration;

/// Criterion settings for the micro-benches: 1 s warm-up, 3 s measurement, 100 samples.
pub fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

/// An outbox that only counts (each message goes through `black_box` so it is not optimised out).
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingOutbox {
    pub down: u64,
    pub up: u64,
}

impl Outbox for CountingOutbox {
    #[inline]
    fn send(&mut self, port: Port, msg: Msg) {
        std::hint::black_box(&msg);
        match port {
            Port::Down => self.down += 1,
            Port::Up => self.up += 1,
        }
    }
}
