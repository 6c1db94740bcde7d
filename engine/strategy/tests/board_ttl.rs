//! A slow signal through the host: a [`BoardAgent`] passes a publication dated days before the
//! market event on; with a per-strategy time to live (`signal_ttl_ns_by`) it counts in the
//! aggregate until it is that old, then it is retired and counted as expired (once); without one,
//! the 3 s default drops it on arrival. The override is validated, naming the key.

use alphapulse_runtime::VecOutbox;
use alphapulse_strategy::{Board, BoardAgent, MarketView, Signal, Strategy, StrategyConfig, StrategyHost};
use alphapulse_types::{InstrumentId, InstrumentTable, Msg, Price, Qty, Quote};
use std::sync::Arc;

const SEC: u64 = 1_000_000_000;
const DAY: u64 = 86_400 * SEC;
/// The capture's era (2024-08-08), as event time.
const T0: u64 = 1_723_075_200 * SEC;

/// Signals 0 on every quote: keeps the instrument evaluated (weight 0: it never moves the score).
struct Pulse;
impl Strategy for Pulse {
    fn name(&self) -> &str {
        "pulse"
    }
    fn on_quote(&mut self, q: &Quote, _v: &MarketView) -> Option<Signal> {
        Some(Signal::new(q.inst, 0, q.local_ts))
    }
}

fn table() -> InstrumentTable {
    alphapulse_feeds::sample_instruments()
}

fn quote(inst: InstrumentId, ts: u64) -> Msg {
    Msg::Quote(Quote {
        inst,
        bid_px: Price::from_units(60_000),
        bid_qty: Qty::from_units(1),
        ask_px: Price::from_units(60_001),
        ask_qty: Qty::from_units(1),
        local_ts: ts,
        ..Default::default()
    })
}

struct Run {
    intents: usize,
    expired: u64,
    expired_total: u64,
    fresh_after: Vec<bool>,
}

/// A filing-dated signal (+8000 bps, dated T0) and quotes from T0 + 5 days, one a day for 10 days.
fn run(ttl_by: Option<u64>) -> Run {
    let table = table();
    let inst = table.id_of("BTCUSDT").expect("BTCUSDT");
    let mut text = String::from(
        "[aggregator]\nweights = { fundamental = 1, pulse = 0 }\nsolo_entry_bps = {}\nmin_interval_ns = 1\n",
    );
    if let Some(t) = ttl_by {
        text.push_str(&format!("signal_ttl_ns_by = {{ fundamental = {t} }}\n"));
    }
    let mut cfg: StrategyConfig = toml::from_str(&text).unwrap();
    cfg.ema_cross = None;
    cfg.imbalance = None;
    let board = Arc::new(Board::new(&["fundamental"], table.len()).unwrap());
    let mut host = StrategyHost::new(&cfg, &table, 100).unwrap();
    let f =
        host.add_strategy(Box::new(BoardAgent::new("fundamental", board.clone(), 0).unwrap()), 1).unwrap();
    host.add_strategy(Box::new(Pulse), 0).unwrap();
    board.publish(0, inst, 8_000, T0).unwrap();
    let mut out = VecOutbox::default();
    let (mut intents, mut fresh_after) = (0, Vec::new());
    for day in 5..15 {
        let ts = T0 + day * DAY;
        out.handle(&mut host, &quote(inst, ts), ts);
        intents += out.down.iter().filter(|m| matches!(m, Msg::Intent(_))).count();
        out.clear();
        fresh_after.push(host.aggregator().is_fresh(f, inst, ts));
    }
    assert_eq!(host.stats().agents[f].signals, 1, "one publication, passed on once");
    Run {
        intents,
        expired: host.aggregator().expired_signals(f),
        expired_total: host.stats().aggregator.signals_expired,
        fresh_after,
    }
}

#[test]
fn a_per_strategy_ttl_keeps_a_slow_signal_live_until_it_is_that_old() {
    // 8 days: live on days 5, 6, 7; stale from day 8 (age 8 days = the TTL).
    let r = run(Some(8 * DAY));
    assert_eq!(r.fresh_after, [true, true, true, false, false, false, false, false, false, false]);
    assert!(r.intents >= 1, "the live slow signal (+8000) is past the entry threshold");
    assert_eq!((r.expired, r.expired_total), (1, 1), "retired once, when first found stale");
}

#[test]
fn without_an_override_the_default_ttl_drops_it_on_arrival() {
    let r = run(None);
    assert_eq!(r.fresh_after, [false; 10]);
    assert_eq!((r.intents, r.expired, r.expired_total), (0, 1, 1));
}

#[test]
fn the_override_is_validated_naming_the_key() {
    let cfg: StrategyConfig =
        toml::from_str("[aggregator]\nsignal_ttl_ns_by = { fundamental = 0 }\n").unwrap();
    let e = cfg.validate().unwrap_err().to_string();
    assert!(e.contains("aggregator.signal_ttl_ns_by") && e.contains("`fundamental` = 0"), "{e}");
    let e = StrategyHost::new(&cfg, &table(), 10).err().unwrap().to_string();
    assert!(e.contains("aggregator.signal_ttl_ns_by"), "{e}");
    assert!(toml::from_str::<StrategyConfig>("[aggregator]\nsignal_ttl_ns_by = { f = -1 }\n").is_err());
    let ok: StrategyConfig =
        toml::from_str("[aggregator]\nsignal_ttl_ns_by = { f = 7776000000000000 }\n").unwrap();
    assert_eq!(ok.aggregator.signal_ttl_of("f"), 7_776_000_000_000_000);
    assert_eq!(ok.aggregator.signal_ttl_of("g"), ok.aggregator.signal_ttl_ns);
}
