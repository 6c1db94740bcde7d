//! The simulator's book view never lets older data override newer (issue 8, point 14): over real
//! captures (quotes, trades and depth levels through the real feed handler) the view is never
//! crossed (best bid ≥ best ask) after a book change — a quote, or a depth update. Before quotes carried their update id, an older depth update could bring back a price
//! a newer bookTicker had removed.

use alphapulse_gateways::sim::{SimConfig, SimGateway};
use alphapulse_runtime::{Actor, Ctx, VecOutbox};
use alphapulse_types::*;
use std::path::PathBuf;

fn table() -> InstrumentTable {
    let mut t = InstrumentTable::new();
    for (sym, base, tick, lot) in
        [("BTCUSDT", "BTC", "0.01", "0.00001"), ("ETHUSDT", "ETH", "0.01", "0.0001")]
    {
        t.add(Instrument {
            id: InstrumentId(t.len() as u32),
            symbol: sym.into(),
            base: base.into(),
            quote: "USDT".into(),
            tick: Price::parse(tick.as_bytes()).unwrap(),
            lot: Qty::parse(lot.as_bytes()).unwrap(),
            min_qty: Qty::parse(lot.as_bytes()).unwrap(),
            min_notional: Money::from_units(5),
        })
        .unwrap();
    }
    t
}

/// (book changes checked, crossed states seen) over `file`.
fn crossed_states(file: PathBuf) -> (u64, u64) {
    let table = table();
    let market = alphapulse_feeds::testdata::replay_messages(&[file], &table).unwrap();
    let mut gw = SimGateway::new(SimConfig::default(), &table, 5_000).unwrap();
    let mut out = VecOutbox::default();
    let (mut checked, mut crossed) = (0, 0);
    for m in &market.msgs {
        gw.handle(m, &mut Ctx::new(m.event_ts(), &mut out).with_levels(&market.levels));
        let inst = match m {
            Msg::Quote(q) => q.inst,
            Msg::Depth(d) => d.inst,
            _ => continue,
        };
        let book = gw.book(inst).unwrap();
        checked += 1;
        if let (Some((b, _)), Some((a, _))) = (book.best_bid(), book.best_ask()) {
            if b >= a {
                crossed += 1;
            }
        }
    }
    (checked, crossed)
}

/// Crossed states over `file`, printed.
fn count(file: PathBuf, what: &str) -> u64 {
    let (checked, crossed) = crossed_states(file);
    println!("{what}: {checked} book changes, {crossed} crossed states of the simulator's view");
    assert!(checked > 10_000, "the whole capture was replayed");
    crossed
}

fn assert_never_crossed(file: PathBuf, what: &str) {
    assert_eq!(count(file, what), 0, "{what}: older data overrode newer in the simulator's view");
}

#[test]
fn sample_view_is_never_crossed() {
    assert_never_crossed(alphapulse_feeds::testdata::sample_capture(), "sample");
}

#[test]
fn shared_captures_view_is_never_crossed() {
    let Some(d) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let files = ["btcusdt_20240808.gz", "btcusdt_20240809.gz", "ethusdt_20240808.gz", "ethusdt_20240809.gz"];
    let crossed: u64 = files.iter().map(|f| count(d.join("binance-spot").join(f), f)).sum();
    assert_eq!(crossed, 0, "older data overrode newer in the simulator's view");
}
