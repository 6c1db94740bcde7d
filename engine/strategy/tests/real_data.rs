//! Drives the [`StrategyHost`] with real Binance BTCUSDT `bookTicker` and `trade` frames from
//! /work/shared/data (skipped when absent), with a naive fill-everything exchange feeding
//! execution reports back, and checks that the default configuration trades, but not on every
//! tick, without allocating on the hot path.
//!
//! A test-only reader: the real feed handler lives in another crate.

use alphapulse_runtime::{Actor, Ctx, Outbox, Port};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_strategy::{StrategyConfig, StrategyHost};
use alphapulse_types::*;
use std::io::BufRead;
use std::path::PathBuf;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn data_dir() -> PathBuf {
    match std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    }
}

/// The string value of `"key":"…"` in `s`.
fn str_field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":\"");
    let start = s.find(&pat)? + pat.len();
    Some(&s[start..start + s[start..].find('"')?])
}

/// One market event from a capture line, or `None` for other frames (depth, snapshot).
fn parse_line(line: &str, inst: InstrumentId) -> Option<Msg> {
    let (ts, frame) = line.split_once(' ')?;
    let local_ts: u64 = ts.parse().ok()?;
    let px = |k| str_field(frame, k).and_then(|v| Price::parse(v.as_bytes()).ok());
    let qty = |k| str_field(frame, k).and_then(|v| Qty::parse(v.as_bytes()).ok());
    if frame.contains("@bookTicker\"") {
        return Some(Msg::Quote(Quote {
            inst,
            bid_px: px("b")?,
            bid_qty: qty("B")?,
            ask_px: px("a")?,
            ask_qty: qty("A")?,
            local_ts,
            ..Default::default()
        }));
    }
    if frame.contains("@trade\"") {
        let aggressor = if frame.contains("\"m\":true") { Side::Sell } else { Side::Buy };
        return Some(Msg::Trade(Trade {
            inst,
            aggressor,
            px: px("p")?,
            qty: qty("q")?,
            local_ts,
            ..Default::default()
        }));
    }
    None
}

/// An outbox that keeps only what the test needs, in preallocated storage.
#[derive(Default)]
struct Tally {
    down: u64,
    up: u64,
    intents: [Option<Intent>; 4],
    n_intents: usize,
}

impl Outbox for Tally {
    fn send(&mut self, port: Port, msg: Msg) {
        match (port, msg) {
            (Port::Down, Msg::Intent(i)) if self.n_intents < self.intents.len() => {
                self.intents[self.n_intents] = Some(i);
                self.n_intents += 1;
            }
            (Port::Down, _) => self.down += 1,
            (Port::Up, _) => self.up += 1,
        }
    }
}

#[test]
fn btcusdt_capture_trades_sparingly_without_allocating() {
    let dir = data_dir().join("binance-spot");
    let first = dir.join("btcusdt_20240808.gz");
    if !first.exists() {
        println!("skipped: {} not found", first.display());
        return;
    }
    let mut table = InstrumentTable::new();
    let inst = table
        .add(Instrument {
            id: InstrumentId(0),
            symbol: "BTCUSDT".into(),
            base: "BTC".into(),
            quote: "USDT".into(),
            tick: Price::parse(b"0.01").unwrap(),
            lot: Qty::parse(b"0.00001").unwrap(),
            min_qty: Qty::parse(b"0.00001").unwrap(),
            min_notional: Money::from_units(10),
        })
        .unwrap();
    let cfg = StrategyConfig::default();
    let mut host = StrategyHost::new(&cfg, &table, 1000).unwrap();
    let mut out = Tally::default();
    let (mut quotes, mut trades, mut buys, mut sells) = (0u64, 0u64, 0u64, 0u64);
    let (mut first_ts, mut last_ts) = (None, 0u64);
    let mut max_abs_pos = 0i64;
    let mut allocs = 0u64;
    let files = [first, dir.join("btcusdt_20240809.gz")];
    for path in files.iter().filter(|p| p.exists()) {
        let f = std::fs::File::open(path).unwrap();
        let r = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        for line in r.lines() {
            let line = line.unwrap();
            let Some(msg) = parse_line(&line, inst) else { continue };
            match msg {
                Msg::Quote(_) => quotes += 1,
                _ => trades += 1,
            }
            let ts = msg.event_ts();
            first_ts.get_or_insert(ts);
            last_ts = ts;
            let (_, n) = allocations_in(|| {
                {
                    let mut ctx = Ctx::new(ts, &mut out);
                    host.handle(&msg, &mut ctx);
                }
                // The naive exchange: every intent is accepted and filled in full at its price.
                for k in 0..out.n_intents {
                    let Some(i) = out.intents[k].take() else { continue };
                    match i.side {
                        Side::Buy => buys += 1,
                        Side::Sell => sells += 1,
                    }
                    for kind in [ExecKind::Accepted, ExecKind::Fill] {
                        let qty = if kind == ExecKind::Fill { i.qty } else { Qty::ZERO };
                        let r = ExecReport {
                            inst,
                            strategy: i.strategy,
                            kind,
                            side: i.side,
                            px: i.px,
                            qty,
                            ts,
                            ..Default::default()
                        };
                        let mut ctx = Ctx::new(ts, &mut out);
                        host.handle(&Msg::Exec(r), &mut ctx);
                    }
                    max_abs_pos = max_abs_pos.max(host.aggregator().position(inst).raw().abs());
                }
                out.n_intents = 0;
            });
            allocs += n;
        }
    }
    let s = host.stats();
    let a = s.aggregator;
    let minutes = (last_ts - first_ts.unwrap()) as f64 / 60e9;
    println!("replayed {quotes} quotes, {trades} trades over {minutes:.1} min");
    for ag in s.agents {
        println!("signals {}: {} (weight {})", ag.name, ag.signals, ag.weight);
    }
    println!(
        "intents {} (buy {buys}, sell {sells}); suppressed: cooldown {}, position cap {}, outstanding {}, no market {}, too small {}, halted {}; max |position| {}; hot-path allocations {allocs}",
        a.intents, a.suppressed_cooldown, a.suppressed_position_cap, a.suppressed_outstanding,
        a.suppressed_no_market, a.suppressed_too_small, a.suppressed_halted, Qty::from_raw(max_abs_pos),
    );
    assert_eq!(allocs, 0, "the host allocated on the hot path");
    assert_eq!(out.up, a.fills * 2, "every exec report is forwarded up");
    assert_eq!(out.down, quotes + trades, "every market event is forwarded down");
    assert!(s.agents.iter().all(|g| g.signals > 0), "every agent produced signals");
    assert!(a.intents >= 10, "too few intents: {}", a.intents);
    assert!(
        a.intents * 50 < quotes,
        "emitting on (nearly) every tick: {} intents for {quotes} quotes",
        a.intents
    );
    assert!(buys > 0 && sells > 0, "one-sided trading");
    assert!(max_abs_pos <= cfg.aggregator.max_position.raw());
}
