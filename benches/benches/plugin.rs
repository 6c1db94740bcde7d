//! One strategy call through a plugin (the cdylib, release build, loaded with `alphapulse_plugin`)
//! against the same strategy linked in (`NativeStrategy`, no FFI), both called as the host calls
//! them (`Box<dyn alphapulse_strategy::Strategy>`), on real events of the sample capture, with the
//! view of a strategy host warmed on the stream before them:
//!
//! - `plugin/microprice_on_quote/{native,plugin}`: the next of 1,024 real quotes, cyclically
//!   (`min_change_bps = 0`: every call returns a signal);
//! - `plugin/microprice_on_depth/{native,plugin}`: one real depth update with its levels; the
//!   strategy reads the book's best bid and ask through the view (through the C view table for
//!   the plugin);
//! - `plugin/momentum_on_trade/{native,plugin}`: the next of 1,024 real trades (lookback 20).
//!
//! The plugin cdylibs are built first, in release, with the cargo that runs the bench, into
//! `<target>/plugin-build` (see `engine/plugin/tests/common/build.rs`, shared with the tests).

#[path = "../../engine/plugin/tests/common/build.rs"]
mod build;

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_plugin::{load, NativeStrategy, PluginStrategy};
use alphapulse_strategy::Strategy;
use alphapulse_types::{Msg, Quote, Trade};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;

const WARM_QUOTES: usize = 5_000;
const WINDOW: usize = 1_024;

fn pair<T: alphapulse_sdk::Strategy>(
    krate: &str,
    params: &[(&str, &str)],
) -> [(&'static str, Box<dyn Strategy>); 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = build::plugin_dir(&root, true);
    let plugin = load(build::plugin_file(dir, krate)).expect("load the plugin");
    let (table, _) = flow::instruments();
    let symbols: Vec<&str> = table.iter().map(|i| i.symbol.as_str()).collect();
    [
        ("native", Box::new(NativeStrategy::<T>::new(T::NAME, params, &symbols, 0).expect("native"))),
        ("plugin", Box::new(PluginStrategy::new(&plugin, T::NAME, params, &symbols, 0).expect("plugin"))),
    ]
}

fn plugin(c: &mut Criterion) {
    let cap = Capture::sample();
    let stream = flow::market_stream(&cap.path);
    let (host, pos) = flow::warm_host(&stream, WARM_QUOTES);
    let quotes: Vec<Quote> = stream.msgs[pos..]
        .iter()
        .filter_map(|m| if let Msg::Quote(q) = m { Some(*q) } else { None })
        .take(WINDOW)
        .collect();
    let trades: Vec<Trade> = stream.msgs[pos..]
        .iter()
        .filter_map(|m| if let Msg::Trade(t) = m { Some(*t) } else { None })
        .take(WINDOW)
        .collect();
    assert_eq!((quotes.len(), trades.len()), (WINDOW, WINDOW), "the capture has enough quotes and trades");
    let (depth, at) = flow::depth_with(&stream, pos, 20);
    let depth_host = flow::host_before(&stream, at + 1);
    let (bids, asks) = stream.levels_of(&depth);
    eprintln!(
        "plugin/: view warmed on {pos} real messages; depth update at message {at} ({} bids + {} asks)",
        depth.bids, depth.asks
    );

    let mut g = c.benchmark_group("plugin");
    g.throughput(Throughput::Elements(1));
    let view = host.view();
    for (kind, mut s) in pair::<ap_microprice::MicroPrice>("ap_microprice", &[("min_change_bps", "0")]) {
        let mut i = 0;
        g.bench_function(format!("microprice_on_quote/{kind}"), |b| {
            b.iter(|| {
                i = (i + 1) % WINDOW;
                black_box(s.on_quote(black_box(&quotes[i]), &view))
            })
        });
    }
    let dview = depth_host.view();
    for (kind, mut s) in pair::<ap_microprice::MicroPrice>("ap_microprice", &[("min_change_bps", "0")]) {
        g.bench_function(format!("microprice_on_depth/{kind}"), |b| {
            b.iter(|| black_box(s.on_depth(black_box(&depth), bids, asks, &dview)))
        });
    }
    for (kind, mut s) in pair::<ap_momentum::Momentum>("ap_momentum", &[("lookback", "20")]) {
        let mut i = 0;
        g.bench_function(format!("momentum_on_trade/{kind}"), |b| {
            b.iter(|| {
                i = (i + 1) % WINDOW;
                black_box(s.on_trade(black_box(&trades[i]), &view))
            })
        });
    }
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = plugin }
criterion_main!(benches);
