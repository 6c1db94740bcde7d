//! Shared by the tests: the plugin files, instruments, a host with configured strategies, and a
//! replay driver.
#![allow(dead_code)]

pub mod build;

use alphapulse_feeds::testdata::Replayed;
use alphapulse_plugin::add_configured;
use alphapulse_runtime::{Actor, VecOutbox};
use alphapulse_strategy::{PluginEntry, StrategyConfig, StrategyHost};
use alphapulse_types::{InstrumentTable, Msg, Price, Qty, Quote, SignalRecord};
use std::path::{Path, PathBuf};

/// A plugin file of the test build (`ap_microprice`, `ap_momentum`, `ap_faulty`).
pub fn plugin(krate: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    build::plugin_file(build::plugin_dir(&root, false), krate)
}

pub fn instruments() -> InstrumentTable {
    alphapulse_feeds::sample_instruments()
}

/// A `[[strategy.plugins]]` entry from TOML.
pub fn entry(toml_text: &str) -> PluginEntry {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("entry {toml_text}: {e}"))
}

/// A host with no built-in agents and `entries` configured.
pub fn host(entries: Vec<PluginEntry>) -> StrategyHost {
    let table = instruments();
    let cfg = StrategyConfig { ema_cross: None, imbalance: None, plugins: entries, ..Default::default() };
    let mut h = StrategyHost::new(&cfg, &table, 5000).expect("host");
    add_configured(&mut h, &cfg, &table).expect("configured strategies");
    h
}

/// Feed every message of `stream` to `host` as the runtime would; the signals it journaled and
/// the messages it sent down, in order.
pub fn drive(host: &mut StrategyHost, stream: &Replayed) -> (Vec<SignalRecord>, Vec<Msg>) {
    let mut out = VecOutbox::default();
    let (mut signals, mut down) = (Vec::new(), Vec::new());
    for m in &stream.msgs {
        if !host.handles().contains(m) {
            continue;
        }
        stream.handle_in(m, &mut out, host);
        signals
            .extend(out.journal.iter().filter_map(|j| if let Msg::Signal(s) = j { Some(*s) } else { None }));
        down.append(&mut out.down);
        out.clear();
    }
    (signals, down)
}

/// A two-sided quote of BTCUSDT (id 0 in the sample table) at `ts`, bid size `bid_qty` units.
pub fn quote(ts: u64, bid_qty: i64) -> Quote {
    let t = instruments();
    Quote {
        inst: t.id_of("BTCUSDT").expect("BTCUSDT"),
        bid_px: Price::from_units(60_000),
        bid_qty: Qty::from_units(bid_qty),
        ask_px: Price::from_units(60_001),
        ask_qty: Qty::from_units(1),
        local_ts: ts,
        ..Default::default()
    }
}
