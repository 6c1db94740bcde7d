//! The tick-to-trade harness behind `src/bin/tick_to_trade.rs` (issue 5, items 2–5).
//!
//! It replays a real capture through the live chain (`feed → strategy → risk → router → sim_gateway`)
//! on real pinned threads with the TSC clock, and measures, for every tick that produced an order, the
//! time from the frame's ingress to the order's bytes being encoded at the gateway, end to end and per
//! hop, in HDR histograms.
//!
//! - [`args`]: the command line (placement, mode, duration, data, runs, output);
//! - [`data`]: the capture decompressed once into plain files on a memory file system (frames in
//!   memory: no gzip, no disk on the hot path) and the capture's own timing for paced replays;
//! - [`probe`]: the wrapper actors that stamp ingress (and pace the feed), tap every hop's time stamp
//!   and read the clock once the gateway has encoded an order; preallocated records, no allocation;
//! - [`chain`]: the trading config, the placements (refusing ones the machine has no cores for), one
//!   pass of the capture (the probed actors as one enum, so the runtime's calls are direct) and the
//!   join of the probes' records into per-hop latencies, split by the order's trigger kind
//!   (bookTicker, depth, trade);
//! - [`hist`]: the latency histograms, percentiles and the `.hgrm` percentile distribution format;
//! - [`machine`]: CPU model, kernel, commit, context switches (/proc) and CPU steal (/proc/stat);
//! - [`report`], [`svg`]: `summary.md`, `figures.json`, the `.hgrm` files, the percentile plot, the
//!   comparison with the design targets and the index in `latency-reports/README.md`.

pub mod args;
pub mod chain;
pub mod data;
pub mod hist;
pub mod machine;
pub mod probe;
pub mod report;
pub mod svg;
