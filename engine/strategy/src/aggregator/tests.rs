use super::*;
use crate::MarketState;
use alphapulse_types::{Money, Quote};
use proptest::prelude::*;

pub(super) const I: InstrumentId = InstrumentId(0);
pub(super) const SEC: u64 = 1_000_000_000;

pub(super) fn table() -> InstrumentTable {
    let mut t = InstrumentTable::new();
    t.add(Instrument {
        id: I,
        symbol: "BTCUSDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick: Price::parse(b"0.01").unwrap(),
        lot: Qty::parse(b"0.00001").unwrap(),
        min_qty: Qty::parse(b"0.00001").unwrap(),
        min_notional: Money::from_units(10),
    })
    .unwrap();
    t
}

pub(super) fn view() -> MarketState {
    let mut v = MarketState::new(1, 10);
    v.apply_quote(&Quote {
        inst: I,
        bid_px: Price::parse(b"60000.00").unwrap(),
        bid_qty: Qty::from_units(1),
        ask_px: Price::parse(b"60000.01").unwrap(),
        ask_qty: Qty::from_units(1),
        ..Default::default()
    });
    v
}

pub(super) fn cfg() -> AggregatorConfig {
    AggregatorConfig {
        signal_ttl_ns: 5 * SEC,
        entry_threshold_bps: 4_000,
        order_qty: Qty::parse(b"0.001").unwrap(),
        max_position: Qty::parse(b"0.0025").unwrap(),
        min_interval_ns: 2 * SEC,
        intent_timeout_ns: SEC,
        ..Default::default()
    }
}

pub(super) fn agg(c: &AggregatorConfig, weights: &[u32]) -> Aggregator {
    let mut a = Aggregator::new(c, &table()).unwrap();
    for &w in weights {
        a.add_agent(w).unwrap();
    }
    a
}

pub(super) fn sig(score: i32, ts: u64) -> Signal {
    Signal { inst: I, score, ts }
}

/// A report for `it`'s order, stamped with risk's position `pos` (raw).
pub(super) fn exec(it: &Intent, kind: ExecKind, qty: &str, pos: i64) -> ExecReport {
    ExecReport {
        order_id: it.order_id(),
        inst: I,
        kind,
        side: it.side,
        qty: Qty::parse(qty.as_bytes()).unwrap(),
        position: Qty::from_raw(pos),
        ..Default::default()
    }
}

/// `it` refused before the venue for `reason`.
pub(super) fn refused(it: &Intent, reason: VenueReject) -> ExecReport {
    ExecReport { reason, ..exec(it, ExecKind::Rejected, "0", 0) }
}

/// Feed a signal and evaluate at its time.
pub(super) fn step(a: &mut Aggregator, v: &MarketState, agent: usize, score: i32, ts: u64) -> Option<Intent> {
    a.on_signal(agent, sig(score, ts));
    let inst = a.take_dirty()?;
    assert_eq!(a.take_dirty(), None, "an instrument is dirty once");
    a.evaluate(inst, ts, ts + 7, &v.view(None))
}

#[test]
fn weighting_threshold_and_ttl() {
    let v = view();
    let mut a = agg(&cfg(), &[2, 1]);
    assert_eq!(step(&mut a, &v, 0, 3_000, SEC), None, "3000 < 4000");
    assert_eq!(a.combined(I, SEC), Some(3_000));
    assert_eq!(step(&mut a, &v, 1, -6_000, SEC), None);
    assert_eq!(a.combined(I, SEC), Some(0), "(2·3000 − 6000) / 3");
    a.on_signal(0, sig(9_000, 2 * SEC));
    assert_eq!(a.combined(I, 2 * SEC), Some(4_000), "(18000 − 6000) / 3");
    assert_eq!(a.combined(I, 6 * SEC), Some(9_000), "the −6000 from t=1s expired at 6s");
    assert_eq!(a.combined(I, 7 * SEC), None, "all expired");
    let it = a.evaluate(I, 2 * SEC, 2 * SEC + 5, &v.view(None)).unwrap();
    // Confidence: 4000 × agreement (2·9000 of 2·9000 + 6000: ¾) × freshness ((2·1 + 1·⅘)/3 =
    // 0.9333, in whole bps): 2799.
    assert_eq!((it.side, it.confidence, it.intent_id), (Side::Buy, 2_799, 1));
    assert_eq!(it.order_id(), OrderId::compose(StrategyId(0), 1).unwrap());
    assert_eq!((it.origin_ts, it.ts, it.strategy), (2 * SEC, 2 * SEC + 5, StrategyId(0)));
    assert_eq!((it.px, it.qty), (Price::parse(b"60000.01").unwrap(), Qty::parse(b"0.001").unwrap()));
    assert_eq!(
        (it.ord_type, it.tif, it.verdict),
        (OrdType::Limit, Tif::Ioc, alphapulse_types::Verdict::Approved)
    );
    // Out-of-range scores are clamped; weight 0 agents are ignored; bad instruments are counted.
    let mut a = agg(&cfg(), &[0, 1]);
    a.on_signal(0, sig(10_000, 0));
    a.on_signal(1, sig(-50_000, 0));
    assert_eq!(a.combined(I, 0), Some(-10_000));
    a.on_signal(1, Signal { inst: InstrumentId(9), score: 1, ts: 0 });
    a.on_signal(5, sig(1, 0));
    assert_eq!(a.stats().signals_ignored, 2);
}

#[test]
fn cooldown_outstanding_and_timeout() {
    let v = view();
    let mut a = agg(&cfg(), &[1]);
    let first = step(&mut a, &v, 0, 5_000, 10 * SEC).unwrap();
    // Outstanding (no report yet) blocks even after the cooldown …
    assert_eq!(step(&mut a, &v, 0, 5_000, 10 * SEC + SEC / 2), None);
    assert_eq!(a.stats().suppressed_outstanding, 1);
    // … until the timeout declares it dead; then the cooldown (2 s) still applies.
    assert_eq!(step(&mut a, &v, 0, 5_000, 11 * SEC), None);
    assert_eq!((a.stats().intents_timed_out, a.stats().suppressed_cooldown), (1, 1));
    let second = step(&mut a, &v, 0, 5_000, 12 * SEC).unwrap();
    assert_eq!(second.intent_id, first.intent_id + 1);
    // Accepted: a working order has no timeout; cancel ends it.
    a.on_exec(&exec(&second, ExecKind::Accepted, "0", 0));
    assert_eq!(step(&mut a, &v, 0, 5_000, 20 * SEC), None);
    assert!(a.has_outstanding(I));
    // A late report of the timed-out first intent does not end the second.
    a.on_exec(&exec(&first, ExecKind::Cancelled, "0", 0));
    assert!(a.has_outstanding(I));
    a.on_exec(&exec(&second, ExecKind::Cancelled, "0", 0));
    let third = step(&mut a, &v, 0, 5_000, 20 * SEC).unwrap();
    // Reports of another strategy id (its id's high bits) are ignored, even with the same sequence.
    let foreign = OrderId::compose(StrategyId(3), OrderId(third.intent_id).seq()).unwrap();
    a.on_exec(&ExecReport { order_id: foreign, ..exec(&third, ExecKind::Rejected, "0", 0) });
    assert!(a.has_outstanding(I));
}

#[test]
fn refused_intent_is_freed_at_once() {
    let v = view();
    // Cooldown 0.1 s, timeout 5 s: without the refusal report the next intent waits 5 s.
    // No back-off after a risk refusal here (see `confidence_tests.rs` for it).
    let mut c = AggregatorConfig { min_interval_ns: SEC / 10, intent_timeout_ns: 5 * SEC, ..cfg() };
    c.confidence.risk_backoff_ns = 0;
    let mut a = agg(&c, &[1]);
    let first = step(&mut a, &v, 0, 5_000, SEC).unwrap();
    assert_eq!(step(&mut a, &v, 0, 5_000, SEC + SEC / 5), None, "outstanding");
    a.on_exec(&refused(&first, VenueReject::RiskRefused));
    assert!(!a.has_outstanding(I), "freed by the report itself, not by a later check");
    let second = step(&mut a, &v, 0, 5_000, SEC + SEC / 5).unwrap();
    a.on_exec(&refused(&second, VenueReject::OrderTableFull));
    let third = step(&mut a, &v, 0, 5_000, SEC + 2 * SEC / 5).unwrap();
    // A venue's refusal ends the intent too, but it is not a refusal before the venue.
    a.on_exec(&refused(&third, VenueReject::TooManyOrders));
    assert!(step(&mut a, &v, 0, 5_000, SEC + 3 * SEC / 5).is_some());
    let s = a.stats();
    assert_eq!((s.intents, s.intents_refused, s.refused_by_risk, s.refused_by_router), (4, 2, 1, 1));
    assert_eq!((s.intents_timed_out, s.suppressed_outstanding), (0, 1));
}

#[test]
fn position_cap_clips_and_allows_reducing() {
    let v = view();
    let mut a = agg(&cfg(), &[1]);
    let mut t = 0;
    let mut buy = |a: &mut Aggregator| {
        t += 10 * SEC;
        let it = step(a, &v, 0, 6_000, t);
        if let Some(it) = it {
            let pos = a.position(I).raw() + it.qty.raw();
            a.on_exec(&ExecReport { qty: it.qty, ..exec(&it, ExecKind::Fill, "0", pos) });
        }
        it.map(|i| i.qty)
    };
    assert_eq!(buy(&mut a), Some(Qty::parse(b"0.001").unwrap()));
    assert_eq!(buy(&mut a), Some(Qty::parse(b"0.001").unwrap()));
    assert_eq!(buy(&mut a), Some(Qty::parse(b"0.0005").unwrap()), "clipped to the cap");
    assert_eq!(a.position(I), Qty::parse(b"0.0025").unwrap());
    assert_eq!(buy(&mut a), None);
    assert_eq!(a.stats().suppressed_position_cap, 1);
    let sell = step(&mut a, &v, 0, -6_000, 100 * SEC).unwrap();
    assert_eq!(
        (sell.side, sell.qty, sell.px),
        (Side::Sell, Qty::parse(b"0.001").unwrap(), Price::parse(b"60000").unwrap())
    );
    // Partial fills add up before the intent ends.
    a.on_exec(&exec(&sell, ExecKind::Fill, "0.0004", 210_000));
    assert!(a.has_outstanding(I));
    a.on_exec(&exec(&sell, ExecKind::Fill, "0.0006", 150_000));
    assert!(!a.has_outstanding(I));
    assert_eq!(a.position(I), Qty::parse(b"0.0015").unwrap());
    assert_eq!(a.stats().fills, 5);
    // The position is risk's stamp, not a sum of fills: a report of this strategy moves it.
    a.on_exec(&exec(&sell, ExecKind::CancelRejected, "0", -40_000));
    assert_eq!(a.position(I), Qty::from_raw(-40_000));
}

#[test]
fn pricing_sizing_halt_and_no_market() {
    let v = view();
    let c = AggregatorConfig {
        style: OrderStyle::Aggressive,
        slippage_ticks: 3,
        scale_by_confidence: true,
        ..cfg()
    };
    let mut a = agg(&c, &[1]);
    let it = step(&mut a, &v, 0, -5_000, SEC).unwrap();
    assert_eq!((it.px, it.qty), (Price::parse(b"59999.97").unwrap(), Qty::parse(b"0.0005").unwrap()));
    let c = AggregatorConfig { style: OrderStyle::Passive, ..cfg() };
    let mut a = agg(&c, &[1]);
    let it = step(&mut a, &v, 0, -5_000, SEC).unwrap();
    assert_eq!((it.px, it.tif), (Price::parse(b"60000.01").unwrap(), Tif::Gtc));
    let mut a = agg(&cfg(), &[1]);
    a.set_halted(true);
    assert_eq!(step(&mut a, &v, 0, 5_000, SEC), None);
    a.set_halted(false);
    assert_eq!(step(&mut a, &MarketState::new(1, 1), 0, 5_000, SEC), None);
    let c = AggregatorConfig {
        order_qty: Qty::parse(b"0.0001").unwrap(), // 6 USDT < 10
        min_order: MinOrder::Drop,
        ..cfg()
    };
    let mut small = agg(&c, &[1]);
    assert_eq!(step(&mut small, &v, 0, 5_000, SEC), None);
    let s = a.stats();
    assert_eq!((s.suppressed_halted, s.suppressed_no_market, s.intents), (1, 1, 0));
    let s = small.stats();
    assert_eq!(
        (s.suppressed_too_small, s.suppressed_below_min_notional, s.suppressed_below_min_qty),
        (1, 1, 0)
    );
}

#[test]
fn small_orders_are_raised_to_the_instrument_minimum_within_the_cap() {
    let v = view();
    // 0.0001 BTC at 60000.01 is 6 USDT: raised to the least lot multiple worth ≥ 10 USDT.
    let c = AggregatorConfig { order_qty: Qty::parse(b"0.0001").unwrap(), ..cfg() };
    let mut a = agg(&c, &[1]);
    let it = step(&mut a, &v, 0, 5_000, SEC).unwrap();
    assert_eq!(
        it.qty,
        Qty::parse(b"0.00017").unwrap(),
        "0.00017 × 60000.01 = 10.2 ≥ 10 > 0.00016 × 60000.01"
    );
    assert!(table().get(I).unwrap().order_valid(it.px, it.qty));
    assert_eq!(a.stats().raised_to_minimum, 1);
    // A cap below the minimum order: dropped as a position-cap suppression, never sent undersized.
    let c = AggregatorConfig {
        order_qty: Qty::parse(b"0.0001").unwrap(),
        max_position: Qty::parse(b"0.0001").unwrap(),
        ..cfg()
    };
    let mut a = agg(&c, &[1]);
    assert_eq!(step(&mut a, &v, 0, 5_000, SEC), None);
    assert_eq!((a.stats().suppressed_position_cap, a.stats().raised_to_minimum), (1, 0));
    // Below the minimum quantity (not the notional): counted as such.
    let mut inst = table().get(I).unwrap().clone();
    inst.min_qty = Qty::parse(b"0.01").unwrap();
    let mut t = InstrumentTable::new();
    t.add(inst).unwrap();
    let c = AggregatorConfig { min_order: MinOrder::Drop, ..cfg() };
    let mut a = Aggregator::new(&c, &t).unwrap();
    a.add_agent(1).unwrap();
    assert_eq!(step(&mut a, &v, 0, 5_000, SEC), None);
    assert_eq!((a.stats().suppressed_below_min_qty, a.stats().suppressed_below_min_notional), (1, 0));
}

#[derive(Clone, Debug)]
enum Op {
    Signal { agent: usize, score: i32, dt: u64 },
    FillAll,
    FillPart(u8),
    Cancel,
    Accept,
    ForeignFill { buy: bool, lots: i64 },
    Refuse(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, -10_000i32..=10_000, 0u64..3 * SEC).prop_map(|(agent, score, dt)| Op::Signal { agent, score, dt }),
        1 => Just(Op::FillAll),
        1 => (1u8..100).prop_map(Op::FillPart),
        1 => Just(Op::Cancel),
        1 => Just(Op::Accept),
        1 => (any::<bool>(), 1i64..300).prop_map(|(buy, lots)| Op::ForeignFill { buy, lots }),
        1 => (5u8..=7).prop_map(Op::Refuse),
    ]
}

proptest! {
    /// No intent pushes |position| beyond the cap (unless it reduces |position|), and no two
    /// intents of one instrument come within `min_interval_ns`.
    #[test]
    fn never_breaches_cap_or_cooldown(
        ops in proptest::collection::vec(op(), 1..400),
        scale in any::<bool>(),
        cap_lots in 1i64..500,
        qty_lots in 1i64..300,
    ) {
        let c = AggregatorConfig {
            entry_threshold_bps: 2_000,
            order_qty: Qty::from_raw(qty_lots * 1_000),
            max_position: Qty::from_raw(cap_lots * 1_000),
            scale_by_confidence: scale,
            ..cfg()
        };
        let mut a = agg(&c, &[1, 2, 3]);
        let v = view();
        let mut t = SEC;
        let mut last: Option<(u64, Intent)> = None;
        let mut open: Option<(Intent, i64)> = None; // intent, filled
        let mut pos = 0i64; // risk's position, stamped on every report
        let mut ids = std::collections::HashSet::new();
        let mut refusals = 0;
        for op in ops {
            match op {
                Op::Signal { agent, score, dt } => {
                    t += dt;
                    if let Some(it) = step(&mut a, &v, agent, score, t) {
                        let pos = a.position(I).raw();
                        let after = pos + it.side.sign() * it.qty.raw();
                        prop_assert!(after.abs() <= c.max_position.raw() || after.abs() < pos.abs(),
                            "pos {} + {:?} {} breaches cap {}", pos, it.side, it.qty.raw(), c.max_position.raw());
                        if let Some((lt, _)) = last {
                            prop_assert!(t - lt >= c.min_interval_ns);
                        }
                        prop_assert!(it.qty.raw() > 0 && it.qty.raw() % 1_000 == 0);
                        prop_assert!(ids.insert(it.intent_id), "ids are unique");
                        prop_assert_eq!(OrderId(it.intent_id).strategy(), a.strategy_id());
                        last = Some((t, it));
                        open = Some((it, 0));
                    }
                }
                Op::FillAll | Op::FillPart(_) => {
                    if let Some((it, filled)) = open.as_mut() {
                        let rest = it.qty.raw() - *filled;
                        let q = match op { Op::FillPart(p) => (rest * p as i64 / 100).max(1), _ => rest };
                        *filled += q;
                        pos += it.side.sign() * q;
                        a.on_exec(&ExecReport { qty: Qty::from_raw(q), ..exec(it, ExecKind::Fill, "0", pos) });
                        if *filled >= it.qty.raw() { open = None; }
                    }
                }
                Op::Cancel => {
                    if let Some((it, _)) = open.take() { a.on_exec(&exec(&it, ExecKind::Cancelled, "0", pos)); }
                }
                Op::Accept => {
                    if let Some((it, _)) = open { a.on_exec(&exec(&it, ExecKind::Accepted, "0", pos)); }
                }
                Op::ForeignFill { buy, lots } => {
                    // Fills the aggregator did not ask for (e.g. of a timed-out intent, id 0 here).
                    let side = if buy { Side::Buy } else { Side::Sell };
                    pos += side.sign() * lots * 1_000;
                    let it = Intent { side, ..Default::default() };
                    let before = a.has_outstanding(I);
                    a.on_exec(&ExecReport { qty: Qty::from_raw(lots * 1_000), ..exec(&it, ExecKind::Fill, "0", pos) });
                    prop_assert_eq!(a.has_outstanding(I), before, "a foreign fill ends nothing");
                }
                Op::Refuse(r) => {
                    if let Some((it, filled)) = open.take() {
                        if filled == 0 {
                            let reason = VenueReject::from_u8(r).unwrap();
                            // Counted when it frees the intent (not when it had timed out already).
                            refusals += a.has_outstanding(I) as u64;
                            a.on_exec(&ExecReport { position: Qty::from_raw(pos), ..refused(&it, reason) });
                            prop_assert!(!a.has_outstanding(I), "a refused intent is freed at once");
                        } else {
                            open = Some((it, filled));
                        }
                    }
                }
            }
            prop_assert_eq!(a.position(I).raw(), pos, "the position is risk's latest stamp");
        }
        prop_assert_eq!(a.stats().intents_refused, refusals);
    }
}

/// Conviction alone (`solo_entry_bps`): a strategy's fresh signal at or above its threshold makes
/// an intent below the entry threshold, in its own direction, unless the combined score opposes
/// it; a stale one does not; strategies without a threshold never trade alone.
#[test]
fn solo_entry_trades_a_fresh_strong_signal_alone() {
    let v = view();
    /// Record a signal without evaluating it.
    fn note(a: &mut Aggregator, agent: usize, score: i32, ts: u64) {
        a.on_signal(agent, sig(score, ts));
        while a.take_dirty().is_some() {}
    }
    // Agent 0 (weight 2) may trade alone from 6000; agent 1 (weight 1) never.
    let mut a = agg(&cfg(), &[2, 1]);
    a.set_solo_entry(0, 6_000);
    // Agent 1 live at −9000: with agent 0 at +7000 the combined is (14000 − 9000)/3 = 1666, below
    // 4000 but on agent 0's side: the fresh +7000 trades alone, its confidence from its own score
    // (scaled by agreement 14000/23000 and freshness (2·1 + 1·⅘)/3).
    note(&mut a, 1, -9_000, SEC);
    let it = step(&mut a, &v, 0, 7_000, 2 * SEC).expect("the fresh +7000 trades alone");
    assert_eq!(a.combined(I, 2 * SEC), Some(1_666));
    assert_eq!((it.side, it.confidence, it.origin_ts), (Side::Buy, 3_976, 2 * SEC));
    let d = a.take_decision().unwrap();
    assert_eq!((d.combined, d.solo, d.agents, d.intent_id), (7_000, 1, 0b11, it.intent_id));
    assert_eq!((a.stats().intents, a.stats().solo_intents), (1, 1));
    a.on_exec(&exec(&it, ExecKind::Cancelled, "0", 0));
    // Below its own threshold: nothing (combined (11000 − 9000)/3 = 666).
    assert_eq!(step(&mut a, &v, 0, 5_500, 5 * SEC), None);
    // The same +6000 against two strategies at −10000 (weights 1 and 2): the combined
    // (12000 − 30000)/5 = −3600 opposes it, so it does not trade alone.
    let mut b = agg(&cfg(), &[2, 1, 2]);
    b.set_solo_entry(0, 6_000);
    note(&mut b, 1, -10_000, 10 * SEC);
    note(&mut b, 2, -10_000, 10 * SEC);
    assert_eq!(step(&mut b, &v, 0, 6_000, 11 * SEC), None);
    assert_eq!(b.combined(I, 11 * SEC), Some(-3_600));
    assert_eq!((b.stats().intents, b.stats().solo_intents), (0, 0));
    // A strong signal trades alone only at the event that made it, not at a later one.
    let mut c = agg(&cfg(), &[2, 1]);
    c.set_solo_entry(0, 6_000);
    note(&mut c, 1, -9_000, 20 * SEC);
    note(&mut c, 0, 7_000, 21 * SEC);
    assert_eq!(c.solo_score(I, 21 * SEC), Some(7_000));
    assert_eq!(c.solo_score(I, 22 * SEC), None);
    assert_eq!(step(&mut c, &v, 1, -9_000, 22 * SEC), None, "+7000 from 21 s is not fresh at 22 s");
    // Every other check still applies: the cooldown holds back a fresh strong signal.
    let it = step(&mut c, &v, 0, 7_000, 23 * SEC).expect("a fresh strong signal");
    c.on_exec(&exec(&it, ExecKind::Cancelled, "0", 0));
    assert_eq!(step(&mut c, &v, 0, 7_000, 24 * SEC), None);
    assert_eq!((c.stats().suppressed_cooldown, c.stats().solo_intents), (1, 1));
    // Without a threshold (an agent added directly has none) it never trades alone.
    let mut d = agg(&cfg(), &[2, 1]);
    note(&mut d, 1, -9_000, 30 * SEC);
    assert_eq!(step(&mut d, &v, 0, 10_000, 31 * SEC), None, "combined (20000 − 9000)/3 = 3666");
    assert_eq!(d.solo_score(I, 31 * SEC), None);
}
