//! Property tests: random market / order / cancel sequences keep every invariant.

mod common;
use alphapulse_gateways::sim::SimConfig;
use alphapulse_types::*;
use common::check::Checker;
use common::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// One depth update: (side, tick, lots) per level.
    Depth(Vec<(Side, i64, i64)>),
    Quote {
        bid: i64,
        ask_gap: i64,
        bq: i64,
        aq: i64,
    },
    Trade {
        aggressor: Side,
        tick: i64,
        lots: i64,
    },
    Status(BookState),
    New {
        side: Side,
        market: bool,
        tif: Tif,
        tick: i64,
        lots: i64,
    },
    Cancel {
        back: usize,
    },
    CancelUnknown,
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}
fn tif() -> impl Strategy<Value = Tif> {
    prop_oneof![Just(Tif::Gtc), Just(Tif::Ioc), Just(Tif::Fok)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::collection::vec((side(), -10i64..10, 0i64..6), 1..5).prop_map(Op::Depth),
        3 => (-10i64..10, 1i64..4, 0i64..6, 0i64..6).prop_map(|(bid, ask_gap, bq, aq)| Op::Quote { bid, ask_gap, bq, aq }),
        3 => (side(), -10i64..10, 1i64..8).prop_map(|(aggressor, tick, lots)| Op::Trade { aggressor, tick, lots }),
        1 => prop_oneof![Just(BookState::Gap), Just(BookState::Synced)].prop_map(Op::Status),
        4 => (side(), prop::bool::weighted(0.2), tif(), -10i64..10, 1i64..12)
            .prop_map(|(side, market, tif, tick, lots)| Op::New { side, market, tif, tick, lots }),
        2 => (0usize..8).prop_map(|back| Op::Cancel { back }),
        1 => Just(Op::CancelUnknown),
    ]
}

/// 100.00 + tick × 0.01 (the book lives around 100).
fn px(tick: i64) -> Price {
    Price::from_raw(100 * SCALE + tick * 1_000_000)
}
/// lots of 0.1
fn lots(n: i64) -> Qty {
    Qty::from_raw(n * 10_000_000)
}

/// The volume the market could have sent each resting order (the bound of the queue model):
/// trades by the other side at or through its price, and new opposite quantity displayed at or
/// better than its price, from the time it reached the engine. Ignores the queue ahead, so it is
/// looser than the model.
#[derive(Default)]
struct Reach {
    orders: std::collections::BTreeMap<u64, Reached>,
}

/// (order, arrival, allowed so far, crossing quantity at the last look, (ts, allowed) history,
/// filled)
type Reached = (OrderNew, u64, Qty, Qty, Vec<(u64, Qty)>, Qty);

impl Reach {
    fn sent(&mut self, o: &OrderNew, arrive: u64) {
        if o.ord_type == OrdType::Limit && o.tif == Tif::Gtc {
            self.orders.insert(o.order_id.0, (*o, arrive, Qty::ZERO, Qty::ZERO, Vec::new(), Qty::ZERO));
        }
    }
    fn market(&mut self, m: &Msg, book: alphapulse_gateways::sim::SimBook<'_>) {
        let ts = m.event_ts();
        for (o, arrive, allowed, shown, hist, _) in self.orders.values_mut() {
            if *arrive > ts {
                continue;
            }
            let reaches = |px: Price| match o.side {
                Side::Buy => px <= o.px,
                Side::Sell => px >= o.px,
            };
            if let Msg::Trade(t) = m {
                if t.aggressor != o.side && reaches(t.px) {
                    *allowed += t.qty;
                }
            }
            let mut now = Qty::ZERO;
            for (px, q) in book.levels(o.side.opposite()) {
                if !reaches(px) {
                    break;
                }
                now += q;
            }
            if now > *shown {
                *allowed += now - *shown;
            }
            *shown = now;
            hist.push((ts, *allowed));
        }
    }
    fn report(&mut self, r: &ExecReport, resp: u64) -> Result<(), TestCaseError> {
        if r.kind != ExecKind::Fill || r.liquidity != Liquidity::Maker {
            return Ok(());
        }
        let (o, _, _, _, hist, filled) =
            self.orders.get_mut(&r.order_id.0).expect("maker fill of a GTC limit");
        *filled += r.qty;
        let act = r.ts - resp;
        let bound = hist.iter().rev().find(|(ts, _)| *ts <= act).map_or(Qty::ZERO, |e| e.1);
        prop_assert!(
            *filled <= bound,
            "order {:?} filled {} but only {} could have reached it",
            o,
            filled,
            bound
        );
        Ok(())
    }
}

fn run(ops: &[(u64, Op)], cfg: SimConfig) -> Result<(), TestCaseError> {
    let mut h = Harness::new(cfg.clone());
    let mut chk = Checker::default();
    let mut reach = Reach::default();
    let mut ts = 1_000u64;
    let mut next_id = 1u64;
    for (dt, op) in ops {
        ts += dt;
        let msg = match *op {
            Op::Depth(_) => Msg::Depth(Depth { inst: INST, local_ts: ts, ..Depth::default() }),
            Op::Quote { bid, ask_gap, bq, aq } => Msg::Quote(Quote {
                inst: INST,
                bid_px: px(bid),
                bid_qty: lots(bq),
                ask_px: px(bid + ask_gap),
                ask_qty: lots(aq),
                local_ts: ts,
                ..Quote::default()
            }),
            Op::Trade { aggressor, tick, lots: n } => Msg::Trade(Trade {
                inst: INST,
                aggressor,
                px: px(tick),
                qty: lots(n),
                local_ts: ts,
                ..Trade::default()
            }),
            Op::Status(state) => status(ts, state),
            Op::New { side, market, tif, tick, lots: n } => {
                let o = OrderNew {
                    order_id: OrderId(next_id),
                    px: if market { Price::ZERO } else { px(tick) },
                    qty: lots(n),
                    origin_ts: ts,
                    ts,
                    inst: INST,
                    strategy: StrategyId(3),
                    side,
                    ord_type: if market { OrdType::Market } else { OrdType::Limit },
                    tif,
                    trigger: Default::default(),
                    _pad: [0; 6],
                };
                next_id += 1;
                chk.sent(&o);
                reach.sent(&o, ts + cfg.order_latency_ns);
                Msg::New(o)
            }
            Op::Cancel { back } => cancel(next_id.saturating_sub(1 + back as u64).max(1), ts),
            Op::CancelUnknown => cancel(1_000_000 + next_id, ts),
        };
        // Reports go up when event time reaches their stamp: while any message is handled, never
        // before their time.
        let reports = match (msg, op) {
            (Msg::Depth(d), Op::Depth(levels)) => {
                let of = |s: Side| {
                    levels
                        .iter()
                        .filter(|l| l.0 == s)
                        .map(|&(_, t, n)| PxQty { px: px(t), qty: lots(n) })
                        .collect::<Vec<_>>()
                };
                h.send_depth(d, &of(Side::Buy), &of(Side::Sell), ts)
            }
            _ => h.send(msg),
        };
        if msg.is_market() {
            reach.market(&msg, h.gw.book(INST).unwrap());
        }
        for r in reports {
            prop_assert!(r.ts <= ts, "report stamped {} sent at {}", r.ts, ts);
            chk.report(&cfg, &r);
            reach.report(&r, cfg.response_latency_ns)?;
        }
        prop_assert!(h.gw.open_orders() <= cfg.max_orders);
        prop_assert!(h.gw.in_flight() <= 2 * cfg.max_pending);
    }
    for r in h.send(eos(ts + 1)) {
        chk.report(&cfg, &r);
        reach.report(&r, cfg.response_latency_ns)?;
    }
    prop_assert_eq!(h.gw.reports_in_flight(), 0);
    prop_assert_eq!(h.gw.stats().report_queue_overflows, 0);
    prop_assert_eq!(h.gw.in_flight(), 0);
    chk.finish(&h.gw);
    Ok(())
}

/// Any i64, or a value on the 0.01 grid anywhere in range (so orders pass validation and trade
/// at extreme prices and sizes).
fn wild() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        (i64::MIN / 1_000_000..i64::MAX / 1_000_000).prop_map(|k| k * 1_000_000),
        (1i64..20).prop_map(|k| k * 1_000_000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_invariants(
        ops in prop::collection::vec((0u64..60, op()), 0..200),
        lat in 0u64..100,
        resp in 0u64..50,
        maker in -500i64..500,
        taker in -100i64..2_000,
        max_orders in 1usize..6,
        max_pending in 1usize..6,
    ) {
        let cfg = SimConfig {
            order_latency_ns: lat, response_latency_ns: resp, maker_fee_ppm: maker, taker_fee_ppm: taker,
            max_orders, max_pending, max_reports: 64,
        };
        run(&ops, cfg)?;
    }

    /// Garbage fields (any instrument, price, quantity, enum mix, timestamps) never panic.
    #[test]
    fn arbitrary_messages_never_panic(
        raw in prop::collection::vec((0u8..6, any::<u32>(), wild(), wild(), any::<u64>(), any::<u64>(), 0u8..8), 0..150)
    ) {
        let mut h = Harness::new(cfg(3, 2));
        for (kind, inst, a, b, t, id, e) in raw {
            let inst = InstrumentId(inst % 3);
            let side = if e & 1 == 0 { Side::Buy } else { Side::Sell };
            let tif = [Tif::Gtc, Tif::Ioc, Tif::Fok][(e % 3) as usize];
            let msg = match kind {
                0 => {
                    let d = Depth { inst, local_ts: t, ..Depth::default() };
                    let l = [PxQty { px: Price::from_raw(a), qty: Qty::from_raw(b) }];
                    let (bids, asks): (&[PxQty], &[PxQty]) = if side == Side::Buy { (&l, &[]) } else { (&[], &l) };
                    h.send_depth(d, bids, asks, t);
                    prop_assert!(h.gw.open_orders() <= 8);
                    continue;
                }
                1 => Msg::Quote(Quote { inst, bid_px: Price::from_raw(a), bid_qty: Qty::from_raw(b), ask_px: Price::from_raw(b), ask_qty: Qty::from_raw(a), local_ts: t, ..Quote::default() }),
                2 => Msg::Trade(Trade { inst, aggressor: side, px: Price::from_raw(a), qty: Qty::from_raw(b), local_ts: t, ..Trade::default() }),
                3 => Msg::Book(BookStatus { inst, state: if e < 4 { BookState::Gap } else { BookState::Synced }, local_ts: t, ..BookStatus::default() }),
                4 => Msg::New(OrderNew { order_id: OrderId(id % 16), inst, px: Price::from_raw(a), qty: Qty::from_raw(b), ts: t, origin_ts: id, side, tif, ord_type: if e > 5 { OrdType::Market } else { OrdType::Limit }, ..OrderNew::default() }),
                _ => Msg::Cancel(OrderCancel { order_id: OrderId(id % 16), inst, ts: t, ..OrderCancel::default() }),
            };
            h.send_at(msg, t);
            prop_assert!(h.gw.open_orders() <= 8);
        }
        h.send_at(eos(u64::MAX), u64::MAX);
        prop_assert_eq!(h.gw.in_flight(), 0);
    }
}

#[path = "reference/view.rs"]
#[allow(dead_code)]
mod reference_view;

/// One operation on one instrument's market (see `patch_over_book_matches_the_patched_book`).
#[derive(Clone, Debug)]
enum MarketOp {
    /// A depth update (side, price, quantity per level) with its update id; a taker takes first
    /// (side, limit, want) from the market as it was before the update (a request due then).
    Depth(Vec<(Side, i64, i64)>, u64, Option<(Side, Option<i64>, i64)>),
    /// A quote: bid, ask (0: that side absent), their quantities, update id.
    Quote(i64, i64, i64, i64, u64),
    /// A taker: side, limit, want.
    Take(Side, Option<i64>, i64),
    /// A gap: everything forgotten; a taker takes first, from the market as it was.
    Clear(Option<(Side, Option<i64>, i64)>),
}

fn market_op() -> impl Strategy<Value = MarketOp> {
    let ids = prop_oneof![Just(0u64), 1u64..40];
    let taker = || (side(), prop::option::of(88i64..113), 0i64..12);
    prop_oneof![
        5 => (prop::collection::vec((side(), 90i64..111, 0i64..6), 0..12), ids.clone(), prop::option::of(taker()))
            .prop_map(|(l, id, t)| MarketOp::Depth(l, id, t)),
        4 => (prop_oneof![Just(0i64), 92i64..108], prop_oneof![Just(0i64), 93i64..109], 0i64..6, 0i64..6, ids)
            .prop_map(|(b, a, bq, aq, id)| MarketOp::Quote(b, a, bq, aq, id)),
        2 => taker().prop_map(|(s, l, w)| MarketOp::Take(s, l, w)),
        1 => prop::option::of(taker()).prop_map(MarketOp::Clear),
    ]
}

/// The reference (the simulator's patched own book, as it was) next to the patch over a book:
/// own book and lent book, each tidied only when half full (never here) and after every change.
fn check_patch_over_book(ops: &[MarketOp]) -> Result<(), TestCaseError> {
    use alphapulse_gateways::sim::MarketProbe;
    use reference_view::View as Reference;
    let u = Price::from_units;
    let l = Qty::from_units;
    let tick = u(1);
    let mut reference = Reference::new(1000, tick);
    let mut probes = [
        MarketProbe::own(1000, tick),
        MarketProbe::lent(1000, tick),
        MarketProbe::own(1000, tick).tidy_always(),
        MarketProbe::lent(1000, tick).tidy_always(),
    ];
    prop_assert!(probes[0].keeps_own_book() && !probes[1].keeps_own_book());
    for (step, op) in ops.iter().enumerate() {
        match op {
            MarketOp::Depth(levels, id, take) => {
                let of = |s: Side| {
                    levels
                        .iter()
                        .filter(|x| x.0 == s)
                        .map(|&(_, p, q)| PxQty::new(u(p), l(q)))
                        .collect::<Vec<_>>()
                };
                let (bids, asks) = (of(Side::Buy), of(Side::Sell));
                let take = take.map(|(s, lim, w)| (s, lim.map(u), l(w)));
                let want = take.map(|(s, lim, w)| {
                    let mut fills = Vec::new();
                    let got = reference.take(s, lim, w, |px, q| fills.push((px, q)));
                    (fills, got)
                });
                let mut stale = 0;
                for (side, lv) in [(Side::Buy, &bids), (Side::Sell, &asks)] {
                    for &x in lv.iter() {
                        stale += !reference.apply_level(side, x, *id) as u64;
                    }
                }
                reference.book.set_update_id(*id);
                for p in probes.iter_mut() {
                    let (got, st) = p.depth(&bids, &asks, *id, |p| take.map(|(s, lim, w)| p.take(s, lim, w)));
                    prop_assert_eq!(&got, &want, "step {}: take before the update", step);
                    prop_assert_eq!(st, stale, "step {}: stale levels", step);
                }
            }
            MarketOp::Quote(b, a, bq, aq, id) => {
                let q = Quote {
                    bid_px: u(*b),
                    bid_qty: l(*bq),
                    ask_px: u(*a),
                    ask_qty: l(*aq),
                    update_id: *id,
                    ..Quote::default()
                };
                let want = reference.apply_quote(&q);
                for p in probes.iter_mut() {
                    prop_assert_eq!(p.quote(&q), want, "step {}: quote", step);
                }
            }
            MarketOp::Take(s, lim, w) => {
                let (lim, w) = (lim.map(u), l(*w));
                let mut fills = Vec::new();
                let got = reference.take(*s, lim, w, |px, q| fills.push((px, q)));
                for p in probes.iter_mut() {
                    prop_assert_eq!(p.take(*s, lim, w), (fills.clone(), got), "step {}: take", step);
                }
            }
            MarketOp::Clear(take) => {
                let take = take.map(|(s, lim, w)| (s, lim.map(u), l(w)));
                let want = take.map(|(s, lim, w)| {
                    let mut fills = Vec::new();
                    let got = reference.take(s, lim, w, |px, q| fills.push((px, q)));
                    (fills, got)
                });
                reference.clear();
                for p in probes.iter_mut() {
                    let got = p.clear(|p| take.map(|(s, lim, w)| p.take(s, lim, w)));
                    prop_assert_eq!(&got, &want, "step {}: take before the gap", step);
                }
            }
        }
        for side in [Side::Buy, Side::Sell] {
            let want: Vec<_> = reference.book.levels(side).collect();
            for (k, p) in probes.iter_mut().enumerate() {
                prop_assert_eq!(
                    p.levels(side),
                    want.clone(),
                    "step {}: {:?} levels of probe {}",
                    step,
                    side,
                    k
                );
                for t in 88..113 {
                    let px = u(t);
                    prop_assert_eq!(p.qty_at(side, px), reference.book.qty_at(side, px));
                    prop_assert_eq!(
                        p.crossing(side, px),
                        reference.crossing(side, px),
                        "step {}: crossing",
                        step
                    );
                    for w in [1, 3, 100] {
                        let lim = Some(px);
                        prop_assert_eq!(p.available(side, lim, l(w)), reference.available(side, lim, l(w)));
                    }
                }
                prop_assert_eq!(p.available(side, None, l(100)), reference.available(side, None, l(100)));
                prop_assert_eq!(p.overflows(), 0);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// The simulator's patch over a depth book (its own, or the feed's lent one) shows exactly the
    /// market its patched own book showed: the same levels on both sides after every step, and the
    /// same fills, crossing and available quantities, whatever the order of depth levels (with
    /// update ids, 0 among them), quotes, takes (also before a depth update, on the book as it was)
    /// and gaps.
    #[test]
    fn patch_over_book_matches_the_patched_book(ops in prop::collection::vec(market_op(), 0..120)) {
        check_patch_over_book(&ops)?;
    }
}

/// A feed lending its book as `FeedActor` does: applied before the message goes down, with what
/// the last depth update replaced and what the last gap discarded.
struct Lender {
    book: alphapulse_book::Book,
    replaced: (Vec<Qty>, Vec<Qty>),
    discarded: (Levels, Levels),
}

type Levels = Vec<(Price, Qty)>;

impl alphapulse_runtime::Books for Lender {
    fn book(&self, inst: InstrumentId) -> Option<&alphapulse_book::Book> {
        (inst == INST).then_some(&self.book)
    }
    fn replaced(&self, _inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        Some((&self.replaced.0, &self.replaced.1))
    }
    fn discarded(&self, _inst: InstrumentId) -> Option<alphapulse_runtime::BookLevels<'_>> {
        Some((&self.discarded.0, &self.discarded.1))
    }
}

/// The same messages through a simulator keeping its own book and one reading a lent book: the
/// same reports and counters. The messages keep the feed's contract: no depth update between a
/// gap and the next `Synced`, a `Synced` only first or after a gap (the feed's book is then
/// empty), the snapshot in the lent book when the `Synced` is handled and sent right after it.
fn check_lent_and_own(ops: &[(u64, Op, u64)], cfg: SimConfig) -> Result<(), TestCaseError> {
    use alphapulse_gateways::sim::SimGateway;
    use alphapulse_runtime::{Actor, Ctx, VecOutbox};
    let table = table();
    let mut own = SimGateway::new(cfg.clone(), &table, 64).unwrap();
    let mut lent = SimGateway::new(cfg, &table, 64).unwrap();
    lent.lent_books(true);
    prop_assert!(own.keeps_own_books() && !lent.keeps_own_books());
    let mut feed = Lender {
        book: alphapulse_book::Book::with_grid(64, table.get(INST).unwrap().tick),
        replaced: (Vec::new(), Vec::new()),
        discarded: (Vec::new(), Vec::new()),
    };
    let (mut out_own, mut out_lent) = (VecOutbox::default(), VecOutbox::default());
    let (mut ts, mut next_id, mut in_gap, mut started) = (1_000u64, 1u64, false, false);
    for (dt, op, id) in ops {
        ts += dt;
        let mut levels = Vec::new();
        let mut snapshot = Vec::new();
        let msg = match *op {
            Op::Depth(ref lv) => {
                if in_gap {
                    continue;
                }
                started = true;
                feed.replaced.0.clear();
                feed.replaced.1.clear();
                for s in [Side::Buy, Side::Sell] {
                    for &(_, t, n) in lv.iter().filter(|l| l.0 == s) {
                        let l = PxQty::new(px(t), lots(n));
                        let r = if s == Side::Buy { &mut feed.replaced.0 } else { &mut feed.replaced.1 };
                        r.push(feed.book.qty_at(s, l.px));
                        feed.book.set(s, l.px, l.qty);
                        levels.push(l);
                    }
                }
                let bids = lv.iter().filter(|l| l.0 == Side::Buy).count() as u32;
                let d = Depth {
                    inst: INST,
                    local_ts: ts,
                    update_id: *id,
                    bids,
                    asks: levels.len() as u32 - bids,
                    ..Depth::default()
                };
                Msg::Depth(d)
            }
            Op::Quote { bid, ask_gap, bq, aq } => Msg::Quote(Quote {
                inst: INST,
                bid_px: px(bid),
                bid_qty: lots(bq),
                ask_px: px(bid + ask_gap),
                ask_qty: lots(aq),
                local_ts: ts,
                update_id: *id,
                ..Quote::default()
            }),
            Op::Trade { aggressor, tick, lots: n } => Msg::Trade(Trade {
                inst: INST,
                aggressor,
                px: px(tick),
                qty: lots(n),
                local_ts: ts,
                ..Trade::default()
            }),
            Op::Status(BookState::Gap) => {
                feed.discarded =
                    (feed.book.levels(Side::Buy).collect(), feed.book.levels(Side::Sell).collect());
                feed.book.clear();
                in_gap = true;
                status(ts, BookState::Gap)
            }
            Op::Status(BookState::Synced) => {
                if !(in_gap || (!started && feed.book.is_empty())) {
                    continue;
                }
                if !in_gap {
                    // The first snapshot (the simulator's view is usable: requests due see it).
                    let l = |t: i64| (px(t), lots(3));
                    feed.discarded = (vec![l(-1), l(-2)], vec![l(1), l(2)]);
                }
                in_gap = false;
                // As the feed: the snapshot (here: the book the gap discarded) is in the book
                // when `Synced` is handled, and goes down right after it as one depth update.
                feed.replaced =
                    (vec![Qty::ZERO; feed.discarded.0.len()], vec![Qty::ZERO; feed.discarded.1.len()]);
                for (s, lv) in [(Side::Buy, &feed.discarded.0), (Side::Sell, &feed.discarded.1)] {
                    for &(p, q) in lv.iter() {
                        feed.book.set(s, p, q);
                        snapshot.push(PxQty::new(p, q));
                    }
                }
                status(ts, BookState::Synced)
            }
            Op::New { side, market, tif, tick, lots: n } => {
                next_id += 1;
                Msg::New(OrderNew {
                    order_id: OrderId(next_id),
                    px: if market { Price::ZERO } else { px(tick) },
                    qty: lots(n),
                    origin_ts: ts,
                    ts,
                    inst: INST,
                    strategy: StrategyId(3),
                    side,
                    ord_type: if market { OrdType::Market } else { OrdType::Limit },
                    tif,
                    trigger: Default::default(),
                    _pad: [0; 6],
                })
            }
            Op::Cancel { back } => cancel(next_id.saturating_sub(back as u64).max(1), ts),
            Op::CancelUnknown => cancel(1_000_000 + next_id, ts),
        };
        out_own.clear();
        out_lent.clear();
        own.handle(&msg, &mut Ctx::new(ts, &mut out_own).with_levels(&levels));
        lent.handle(&msg, &mut Ctx::new(ts, &mut out_lent).with_levels(&levels).with_books(Some(&feed)));
        prop_assert_eq!(&out_own.up, &out_lent.up, "reports after {:?}", msg);
        if !snapshot.is_empty() {
            let bids = feed.discarded.0.len() as u32;
            let d = Depth {
                inst: INST,
                local_ts: ts,
                update_id: *id,
                bids,
                asks: snapshot.len() as u32 - bids,
                ..Depth::default()
            };
            let msg = Msg::Depth(d);
            out_own.clear();
            out_lent.clear();
            own.handle(&msg, &mut Ctx::new(ts, &mut out_own).with_levels(&snapshot));
            lent.handle(
                &msg,
                &mut Ctx::new(ts, &mut out_lent).with_levels(&snapshot).with_books(Some(&feed)),
            );
            prop_assert_eq!(&out_own.up, &out_lent.up, "reports after the snapshot {:?}", msg);
        }
    }
    let end = eos(ts + 1);
    out_own.clear();
    out_lent.clear();
    own.handle(&end, &mut Ctx::new(ts + 1, &mut out_own));
    lent.handle(&end, &mut Ctx::new(ts + 1, &mut out_lent).with_books(Some(&feed)));
    prop_assert_eq!(&out_own.up, &out_lent.up);
    prop_assert_eq!(format!("{:?}", own.stats()), format!("{:?}", lent.stats()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The simulator on the feed's thread (reading its lent book, laying what the book held
    /// before a depth update or a gap over it for the requests due then) and on a thread of its
    /// own (its own book) send the same reports and count the same.
    #[test]
    fn lent_and_own_books_give_the_same_reports(
        ops in prop::collection::vec((0u64..60, op(), prop_oneof![Just(0u64), 1u64..30]), 0..200),
        lat in 0u64..100,
        resp in 0u64..50,
    ) {
        let cfg = SimConfig { order_latency_ns: lat, response_latency_ns: resp, max_orders: 4, max_pending: 4, max_reports: 64, ..SimConfig::default() };
        check_lent_and_own(&ops, cfg)?;
    }
}
