//! Drives the [`StrategyHost`] with real Binance BTCUSDT `bookTicker` and `trade` frames from
//! /work/shared/data (skipped when absent), with a naive fill-everything exchange feeding
//! execution reports back, and checks that the default configuration trades, but not on every
//! tick, without allocating on the hot path.
//!
//! The market data comes from the real feed handler (quotes, trades and depth levels).

use alphapulse_runtime::{Actor, Ctx, Flow, Kinds, Outbox, Port};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_strategy::{StrategyConfig, StrategyHost};
use alphapulse_types::*;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// An outbox that keeps only what the test needs, in preallocated storage.
#[derive(Default)]
struct Tally {
    down: u64,
    up: u64,
    intents: [Option<Intent>; 4],
    n_intents: usize,
    /// Journaled signals, per agent index.
    signals: [u64; 4],
}

impl Outbox for Tally {
    fn send(&mut self, port: Port, msg: Msg) -> Flow {
        match (port, msg) {
            (Port::Down, Msg::Intent(i)) if self.n_intents < self.intents.len() => {
                self.intents[self.n_intents] = Some(i);
                self.n_intents += 1;
            }
            (Port::Down, _) => self.down += 1,
            (Port::Up, _) => self.up += 1,
        }
        Flow::Sent
    }
    fn journal(&mut self, msg: Msg) {
        if let Msg::Signal(s) = msg {
            self.signals[s.agent as usize] += 1;
        }
    }
}

#[test]
fn btcusdt_capture_trades_sparingly_without_allocating() {
    let Some(data) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let dir = data.join("binance-spot");
    let first = dir.join("btcusdt_20240808.gz");
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
    let (mut depths, mut passed) = (0u64, 0u64);
    let (mut first_ts, mut last_ts) = (None, 0u64);
    let mut max_abs_pos = 0i64;
    let mut net = 0i64;
    let mut allocs = 0u64;
    let files = [first, dir.join("btcusdt_20240809.gz")];
    // The real feed: quotes, trades and depth updates (their levels in `market.levels`).
    let market = alphapulse_feeds::testdata::replay_messages(&files, &table).unwrap();
    // The runtime forwards every market event and Eos past the host (it consumes nothing, and
    // does not handle Eos); the host's own output is only its intents.
    let (handles, consumes) = (host.handles(), host.consumes());
    assert_eq!(handles, Kinds::MARKET | Kinds::EXEC | Kinds::CONTROL);
    assert_eq!(consumes, Kinds::NONE);
    {
        for &msg in &market.msgs {
            match msg {
                Msg::Quote(_) => quotes += 1,
                Msg::Trade(_) => trades += 1,
                Msg::Depth(_) => depths += 1,
                _ => {}
            }
            if !handles.contains(&msg) {
                passed += 1; // the runtime passes it on without calling the host (Eos)
                continue;
            }
            let ts = msg.event_ts();
            first_ts.get_or_insert(ts);
            last_ts = ts;
            let (_, n) = allocations_in(|| {
                {
                    let mut ctx = Ctx::new(ts, &mut out).with_levels(&market.levels);
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
                        // Risk's part: the net position, stamped on the report going up.
                        net += i.side.sign() * qty.raw();
                        let r = ExecReport {
                            order_id: i.order_id(),
                            inst,
                            position: Qty::from_raw(net),
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
    println!(
        "replayed {quotes} quotes, {trades} trades, {depths} depth updates ({} levels) over {minutes:.1} min",
        market.levels.len()
    );
    for ag in s.agents {
        println!("signals {}: {} (weight {})", ag.name, ag.signals, ag.weight);
    }
    println!(
        "intents {} (buy {buys}, sell {sells}); suppressed: cooldown {}, position cap {}, outstanding {}, no market {}, too small {}, halted {}; max |position| {}; hot-path allocations {allocs}",
        a.intents, a.suppressed_cooldown, a.suppressed_position_cap, a.suppressed_outstanding,
        a.suppressed_no_market, a.suppressed_too_small, a.suppressed_halted, Qty::from_raw(max_abs_pos),
    );
    assert_eq!(allocs, 0, "the host allocated on the hot path");
    assert!(depths > 0 && !market.levels.is_empty(), "the feed sent depth updates");
    assert_eq!(passed, 1, "only the final Eos passes the host unhandled");
    assert_eq!((out.up, out.down), (0, 0), "the host sends nothing but intents (the runtime forwards)");
    assert!(s.agents.iter().all(|g| g.signals > 0), "every agent produced signals");
    let counted: Vec<u64> = s.agents.iter().map(|g| g.signals).collect();
    assert_eq!(&out.signals[..counted.len()], &counted[..], "every signal was journaled");
    assert!(a.intents >= 10, "too few intents: {}", a.intents);
    assert!(
        a.intents * 50 < quotes,
        "emitting on (nearly) every tick: {} intents for {quotes} quotes",
        a.intents
    );
    assert!(buys > 0 && sells > 0, "one-sided trading");
    assert!(max_abs_pos <= cfg.aggregator.max_position.raw());
}
