//! Property test: every risk limit rejects what it should and nothing else.
//!
//! Random instrument rules, limits, state (kill switch, mid, position, open same-side quantity,
//! open orders, recent approval times) and intents; the verdict of `check` (with the state's rate
//! window built by the real `RateWindow`) must equal an independent reference written straight
//! from the rules. Also asserts that every verdict was produced many times (the generator reaches
//! each check) and prints the tally.

use alphapulse_risk::{check, Limits, RateWindow, RiskView, WINDOW_NS};
use alphapulse_types::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;

#[derive(Clone, Debug)]
struct Case {
    tick: i64,
    lot: i64,
    min_qty_lots: i64,
    min_notional_pct: i64,
    known_inst: bool,
    halted: bool,
    mid: Option<i64>,
    market: bool,
    side: Side,
    lots: i64,
    qty_off: i64,
    band_off_bps: i64,
    px_off: i64,
    max_qty_pct: i64,
    max_notional_pct: i64,
    max_pos_pct: i64,
    pos_pct: i64,
    open_pct: i64,
    band_bps: u32,
    rate_max: u32,
    gaps: Vec<u64>,
    open_orders: u32,
    max_open: u32,
}

/// `band_off_bps` value meaning "exactly at the band edge".
const EDGE: i64 = i64::MIN;

/// A limit as a percentage of the order's size: often exactly at it.
fn pct() -> impl Strategy<Value = i64> {
    prop_oneof![3 => 60i64..400, 1 => Just(100)]
}

fn case() -> impl Strategy<Value = Case> {
    let a = (
        prop::sample::select(vec![1i64, 10_000, 1_000_000]),
        prop::sample::select(vec![1i64, 1_000, 100_000]),
        0i64..4,
        0i64..160,
        prop::bool::weighted(0.97),
        prop::bool::weighted(0.05),
        prop::option::weighted(0.93, (10_000i64..10_000_000).prop_map(|m| m * 10_000)),
        prop::bool::weighted(0.25),
        prop::sample::select(vec![Side::Buy, Side::Sell]),
        0i64..60,
        prop::sample::select(vec![0i64, 0, 0, 0, 0, 0, 0, 0, 1, 7]),
    );
    let b = (
        prop_oneof![-300i64..300, Just(EDGE)],
        prop::sample::select(vec![0i64, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, -1]),
        pct(),
        pct(),
        prop_oneof![100i64..2_000, Just(100)],
        -1_500i64..1_500,
        0i64..400,
        1u32..300,
        1u32..5,
        prop::collection::vec(prop_oneof![0u64..1_500_000_000, Just(WINDOW_NS), Just(WINDOW_NS - 1)], 0..8),
        0u32..6,
        1u32..7,
    );
    (a, b).prop_map(|(a, b)| Case {
        tick: a.0,
        lot: a.1,
        min_qty_lots: a.2,
        min_notional_pct: a.3,
        known_inst: a.4,
        halted: a.5,
        mid: a.6,
        market: a.7,
        side: a.8,
        lots: a.9,
        qty_off: a.10,
        band_off_bps: b.0,
        px_off: b.1,
        max_qty_pct: b.2,
        max_notional_pct: b.3,
        max_pos_pct: b.4,
        pos_pct: b.5,
        open_pct: b.6,
        band_bps: b.7,
        rate_max: b.8,
        gaps: b.9,
        open_orders: b.10,
        max_open: b.11,
    })
}

/// Everything the case stands for, built into the engine's types.
struct Built {
    inst: Instrument,
    limits: Limits,
    intent: Intent,
    position: Qty,
    open_same: Qty,
    times: Vec<u64>,
    now: u64,
}

fn build(c: &Case) -> Built {
    let qty = c.lots * c.lot + c.qty_off;
    let typical_px = c.mid.unwrap_or(10_000_000_000);
    let typical_notional = (typical_px as i128 * qty.max(c.lot) as i128 / 100_000_000) as i64;
    let inst = Instrument {
        id: InstrumentId(0),
        symbol: "X".into(),
        base: "B".into(),
        quote: "Q".into(),
        tick: Price(c.tick),
        lot: Qty(c.lot),
        min_qty: Qty(c.min_qty_lots * c.lot),
        min_notional: Money(typical_notional * c.min_notional_pct / 100),
    };
    let px = if c.band_off_bps == EDGE {
        // Exactly on the band's edge (mids are multiples of 1e4, so this is exact), then nudged.
        let edge = typical_px * c.band_bps as i64 / 10_000;
        match c.side {
            Side::Buy => typical_px + edge + c.px_off,
            Side::Sell => typical_px - edge + c.px_off,
        }
    } else {
        let raw_px = typical_px + typical_px * c.band_off_bps / 10_000;
        raw_px - raw_px % c.tick + c.px_off
    };
    let base_qty = qty.max(c.lot) as i128;
    let pct = |p: i64| (base_qty * p as i128 / 100) as i64;
    let limits = Limits {
        max_order_qty: Qty(pct(c.max_qty_pct)),
        max_order_notional: Money(typical_notional * c.max_notional_pct / 100),
        max_position: Qty(pct(c.max_pos_pct)),
        price_band_bps: c.band_bps,
        max_orders_per_sec: c.rate_max,
        max_open_orders: c.max_open,
    };
    let now = 5_000_000_000u64;
    // Recent approval times: now minus the generated ages, oldest first.
    let mut times: Vec<u64> = c.gaps.iter().map(|age| now - age).collect();
    times.sort_unstable();
    let intent = Intent {
        px: if c.market { Price::ZERO } else { Price(px) },
        qty: Qty(qty),
        inst: InstrumentId(0),
        side: c.side,
        ord_type: if c.market { OrdType::Market } else { OrdType::Limit },
        ..Default::default()
    };
    Built { inst, limits, intent, position: Qty(pct(c.pos_pct)), open_same: Qty(pct(c.open_pct)), times, now }
}

/// The rules, written out plainly and independently of the crate.
fn reference(c: &Case, b: &Built) -> Verdict {
    let it = &b.intent;
    let (px, qty) = (it.px.0 as i128, it.qty.0 as i128);
    let mid = c.mid.map(|m| m as i128);
    if c.halted {
        return Verdict::Halted;
    }
    if !c.known_inst {
        return Verdict::InstrumentRules;
    }
    let qty_ok = qty > 0 && qty >= b.inst.min_qty.0 as i128 && qty % b.inst.lot.0 as i128 == 0;
    let min_notional = b.inst.min_notional.0 as i128;
    let rules_ok = if c.market {
        qty_ok && mid.is_none_or(|m| m * qty / 100_000_000 >= min_notional)
    } else {
        qty_ok && px > 0 && px % b.inst.tick.0 as i128 == 0 && px * qty / 100_000_000 >= min_notional
    };
    if !rules_ok {
        return Verdict::InstrumentRules;
    }
    let Some(mid) = mid else { return Verdict::NoMarket };
    if qty > b.limits.max_order_qty.0 as i128 {
        return Verdict::MaxOrderQty;
    }
    let exec_px = if c.market { mid } else { px };
    if exec_px * qty / 100_000_000 > b.limits.max_order_notional.0 as i128 {
        return Verdict::MaxOrderNotional;
    }
    let (pos, open) = (b.position.0 as i128, b.open_same.0 as i128);
    let after = match c.side {
        Side::Buy => pos + open + qty,
        Side::Sell => pos - open - qty,
    };
    if after > b.limits.max_position.0 as i128 || -after > b.limits.max_position.0 as i128 {
        return Verdict::MaxPosition;
    }
    if !c.market {
        let through = match c.side {
            Side::Buy => px - mid,
            Side::Sell => mid - px,
        };
        if through * 10_000 > mid * c.band_bps as i128 {
            return Verdict::PriceBand;
        }
    }
    let in_window = b.times.iter().filter(|&&t| t <= b.now && b.now - t < WINDOW_NS).count();
    if in_window >= c.rate_max as usize {
        return Verdict::RateLimit;
    }
    if c.open_orders >= c.max_open {
        return Verdict::MaxOpenOrders;
    }
    Verdict::Approved
}

#[test]
fn every_limit_rejects_what_it_should_and_nothing_else() {
    let tally = RefCell::new([0u64; 10]);
    let mut runner =
        TestRunner::new(Config { cases: 20_000, failure_persistence: None, ..Config::default() });
    runner
        .run(&case(), |c| {
            let b = build(&c);
            let mut rate = RateWindow::new(c.rate_max);
            for &t in &b.times {
                rate.record(t);
            }
            let view = RiskView {
                halted: c.halted,
                instrument: c.known_inst.then_some(&b.inst),
                mid: c.mid.map(Price),
                position: b.position,
                open_same_side: b.open_same,
                open_orders: c.open_orders,
                rate_ok: rate.allows(b.now),
            };
            let got = check(&b.limits, &view, &b.intent);
            prop_assert_eq!(got, reference(&c, &b));
            tally.borrow_mut()[got as usize] += 1;
            Ok(())
        })
        .unwrap();
    let tally = tally.into_inner();
    let names: Vec<String> =
        (0..10u8).map(|i| format!("{}={}", verdict_of(i).name(), tally[i as usize])).collect();
    println!("verdict tally over 20000 cases: {}", names.join(" "));
    for (i, n) in tally.iter().enumerate() {
        assert!(*n >= 100, "verdict {} reached only {n} times", verdict_of(i as u8).name());
    }
}

fn verdict_of(i: u8) -> Verdict {
    if i == 0 {
        Verdict::Approved
    } else {
        Verdict::REJECTS[i as usize - 1]
    }
}
