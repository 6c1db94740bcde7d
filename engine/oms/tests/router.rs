//! RouterActor scenarios with a VecOutbox, and a property test over random report sequences.

use alphapulse_oms::{next, LifecycleEvent as E, OrderState as S, RouterActor, RouterConfig};
use alphapulse_runtime::VecOutbox;
use alphapulse_types::*;
use proptest::prelude::*;

const A: InstrumentId = InstrumentId(0);
const TTL: u64 = 1_000;

struct T {
    r: RouterActor,
    out: VecOutbox,
    /// The last intent id decided (the aggregator's sequence; strategy 0 here).
    seq: u64,
}

fn decision(id: u64, verdict: Verdict, side: Side, qty: i64, tif: Tif) -> Msg {
    Msg::Decision(Intent {
        intent_id: id,
        px: Price::from_units(100),
        qty: Qty(qty),
        origin_ts: 42,
        ts: 0,
        inst: A,
        strategy: StrategyId(3),
        side,
        tif,
        verdict,
        ..Default::default()
    })
}

impl T {
    fn new(max_orders: u32) -> Self {
        T {
            r: RouterActor::new(RouterConfig { max_orders, order_ttl_ns: TTL }, 2).unwrap(),
            out: VecOutbox::default(),
            seq: 0,
        }
    }
    fn send(&mut self, m: Msg, now: u64) {
        self.out.deliver(&mut self.r, &m, now);
    }
    /// A decision on the next intent (ids 1, 2, … over every decision, approved or not).
    fn decide(&mut self, verdict: Verdict, side: Side, qty: i64, now: u64) {
        self.decide_tif(verdict, side, qty, Tif::Gtc, now);
    }
    fn decide_tif(&mut self, verdict: Verdict, side: Side, qty: i64, tif: Tif, now: u64) {
        self.seq += 1;
        self.send(decision(self.seq, verdict, side, qty, tif), now);
    }
    fn exec(&mut self, id: u64, kind: ExecKind, side: Side, qty: i64, now: u64) {
        let r = ExecReport {
            order_id: OrderId(id),
            inst: A,
            kind,
            side,
            px: Price::from_units(100),
            qty: Qty(qty),
            ts: now,
            ..Default::default()
        };
        self.send(Msg::Exec(r), now);
        assert_eq!(self.out.up.last(), Some(&Msg::Exec(r)), "forwarded up");
    }
    fn state(&self, id: u64) -> S {
        self.r.order(OrderId(id)).unwrap().state
    }
    fn quote(&mut self, now: u64) {
        let q = Msg::Quote(Quote { inst: A, local_ts: now, ..Default::default() });
        let before = self.out.down.len();
        self.send(q, now);
        assert_eq!(self.out.down.get(before), Some(&q), "market data forwarded before any cancels it causes");
    }
}

#[test]
fn decision_sends_new_and_accept_places() {
    let mut t = T::new(8);
    t.decide(Verdict::Approved, Side::Buy, 500, 10);
    let Some(Msg::New(n)) = t.out.down.last().copied() else { panic!("no new order") };
    assert_eq!(
        (n.order_id, n.qty, n.origin_ts, n.ts, n.strategy),
        (OrderId(1), Qty(500), 42, 10, StrategyId(3))
    );
    assert_eq!(t.state(1), S::OrderCreation);
    t.exec(1, ExecKind::Accepted, Side::Buy, 0, 11);
    assert_eq!(t.state(1), S::OrderPlaced);
    assert_eq!(t.r.order(OrderId(1)).unwrap().placed_ts, 11);
    let s = t.r.stats();
    assert_eq!((s.decisions, s.created, s.placed, s.invalid_transitions), (1, 1, 1, 0));
}

#[test]
fn partial_then_fill_opens_then_closes_position() {
    let mut t = T::new(8);
    t.decide(Verdict::Approved, Side::Buy, 500, 10);
    t.exec(1, ExecKind::Accepted, Side::Buy, 0, 11);
    t.exec(1, ExecKind::Fill, Side::Buy, 200, 12);
    assert_eq!(t.state(1), S::PartiallyFilled);
    assert_eq!(t.r.order(OrderId(1)).unwrap().leaves(), Qty(300));
    t.exec(1, ExecKind::Fill, Side::Buy, 100, 13);
    assert_eq!(t.state(1), S::PartiallyFilled);
    t.exec(1, ExecKind::Fill, Side::Buy, 200, 14);
    let rec = *t.r.order(OrderId(1)).unwrap();
    assert_eq!(
        (rec.state, rec.filled, rec.fill_count, rec.leaves(), rec.done_ts),
        (S::PositionOpen, Qty(500), 3, Qty(0), 14)
    );
    assert_eq!(rec.avg_fill_px(), Price::from_units(100));
    // Sell 500 back: that order closes the position, so both end PositionClosed.
    t.decide(Verdict::Approved, Side::Sell, 500, 20);
    t.exec(2, ExecKind::Fill, Side::Sell, 500, 21); // fill before accept: acceptance implied
    assert_eq!((t.state(1), t.state(2)), (S::PositionClosed, S::PositionClosed));
    let s = t.r.stats();
    assert_eq!((s.fills, s.filled_qty, s.filled, s.partially_filled), (4, 1000, 2, 1));
    assert_eq!((s.implied_accepts, s.positions_opened, s.positions_closed), (1, 2, 2));
    assert_eq!(s.invalid_transitions, 0);
    assert_eq!(t.r.net_position(A), 0);
}

#[test]
fn cancel_with_and_without_fills() {
    let mut t = T::new(8);
    t.decide(Verdict::Approved, Side::Buy, 500, 10);
    t.exec(1, ExecKind::Accepted, Side::Buy, 0, 11);
    t.exec(1, ExecKind::Cancelled, Side::Buy, 0, 12);
    assert_eq!(t.state(1), S::Cancelled, "nothing filled: ends cancelled");
    t.decide(Verdict::Approved, Side::Buy, 500, 20);
    t.exec(2, ExecKind::Accepted, Side::Buy, 0, 21);
    t.exec(2, ExecKind::Fill, Side::Buy, 100, 22);
    t.exec(2, ExecKind::Cancelled, Side::Buy, 0, 23);
    assert_eq!(t.state(2), S::PositionOpen, "the filled part stays as a position");
    t.exec(2, ExecKind::Fill, Side::Buy, 1, 24); // late fill after the cancel: refused, counted
    assert_eq!(t.r.stats().invalid_count(S::PositionOpen, E::PartialFill), 1);
    assert_eq!(t.r.order(OrderId(2)).unwrap().filled, Qty(101), "the fill is still recorded");
    assert_eq!(t.r.stats().cancelled, 2);
}

#[test]
fn venue_reject_fails_and_risk_reject_is_recorded() {
    let mut t = T::new(8);
    t.decide(Verdict::MaxPosition, Side::Buy, 500, 5);
    assert!(t.out.down.is_empty(), "no order for a rejected intent");
    let rej = t.r.orders().next().copied().unwrap();
    assert_eq!((rej.state, rej.verdict, rej.order_id), (S::Rejected, Verdict::MaxPosition, OrderId(0)));
    assert!(t.out.up.is_empty(), "risk sends its own refusal up");
    t.decide(Verdict::Approved, Side::Buy, 500, 10);
    let Some(Msg::New(n)) = t.out.down.last().copied() else { panic!() };
    assert_eq!(n.order_id, OrderId(2), "the order id is the intent's: the router allocates none");
    t.send(
        Msg::Exec(ExecReport {
            order_id: OrderId(2),
            kind: ExecKind::Rejected,
            reason: VenueReject::NoLiquidity,
            inst: A,
            ..Default::default()
        }),
        11,
    );
    let rec = t.r.order(OrderId(2)).unwrap();
    assert_eq!((rec.state, rec.reject_reason), (S::Failed, VenueReject::NoLiquidity));
    t.exec(2, ExecKind::Accepted, Side::Buy, 0, 12);
    assert_eq!(t.r.stats().invalid_count(S::Failed, E::Accept), 1);
    let s = t.r.stats();
    assert_eq!((s.rejected_by_risk, s.failed, s.created), (1, 1, 1));
}

#[test]
fn ttl_cancel_fires_at_the_right_event_time() {
    let mut t = T::new(8);
    t.decide(Verdict::Approved, Side::Buy, 500, 100); // GTC: expires at 100 + TTL
    t.decide_tif(Verdict::Approved, Side::Buy, 500, Tif::Ioc, 150); // IOC: never by TTL
    t.decide(Verdict::Approved, Side::Buy, 500, 300);
    t.exec(1, ExecKind::Accepted, Side::Buy, 0, 101);
    t.exec(3, ExecKind::Accepted, Side::Buy, 0, 301);
    t.out.clear();
    t.quote(100 + TTL - 1);
    assert_eq!(t.out.down.len(), 1, "not yet");
    t.quote(100 + TTL);
    assert_eq!(t.out.down.len(), 3);
    let Msg::Cancel(c) = t.out.down[2] else { panic!("the quote first, then the cancel it caused") };
    assert_eq!((c.order_id, c.ts, c.origin_ts, c.inst), (OrderId(1), 100 + TTL, 42, A));
    assert!(t.r.order(OrderId(1)).unwrap().cancel_requested);
    t.quote(100 + TTL + 50);
    assert_eq!(t.out.down.len(), 4, "a cancel is sent once");
    // Order 3 fills before its TTL: no cancel for it later.
    t.exec(3, ExecKind::Fill, Side::Buy, 500, 400);
    t.quote(300 + TTL + 10);
    assert_eq!(t.r.stats().ttl_cancels, 1);
    t.exec(1, ExecKind::Cancelled, Side::Buy, 0, 100 + TTL + 60);
    assert_eq!(t.state(1), S::Cancelled);
}

#[test]
fn table_full_fails_without_sending_and_recycles_retired() {
    let mut t = T::new(2);
    t.decide(Verdict::Approved, Side::Buy, 500, 1);
    t.decide(Verdict::Approved, Side::Buy, 500, 2);
    t.out.clear();
    t.decide(Verdict::Approved, Side::Buy, 500, 3); // both slots working: full
    assert!(t.out.down.is_empty(), "no order sent");
    let Some(Msg::Exec(r)) = t.out.up.last().copied() else { panic!("risk must hear of it") };
    assert_eq!((r.order_id, r.kind, r.reason), (OrderId(3), ExecKind::Rejected, VenueReject::OrderTableFull));
    assert!(r.reason.is_before_venue());
    t.decide(Verdict::RateLimit, Side::Buy, 500, 4);
    assert_eq!((t.r.stats().table_full, t.r.stats().failed, t.r.stats().rejected_by_risk), (2, 1, 1));
    // Order 1 ends (cancelled, no fills): its slot is recycled for intent 5's order.
    t.exec(1, ExecKind::Cancelled, Side::Buy, 0, 5);
    t.decide(Verdict::Approved, Side::Buy, 500, 6);
    assert!(matches!(t.out.down.last(), Some(Msg::New(n)) if n.order_id == OrderId(5)));
    assert!(t.r.order(OrderId(1)).is_none(), "recycled");
    assert_eq!(t.state(5), S::OrderCreation);
    assert_eq!(t.r.len(), 2);
}

#[test]
fn duplicate_or_zero_id_is_refused_before_the_venue() {
    let mut t = T::new(4);
    t.decide(Verdict::Approved, Side::Buy, 500, 1);
    t.out.clear();
    for id in [1, 0] {
        t.send(decision(id, Verdict::Approved, Side::Sell, 300, Tif::Gtc), 2);
        assert!(t.out.down.is_empty(), "no second order under id {id}");
        let Some(Msg::Exec(r)) = t.out.up.last().copied() else { panic!("refusal goes up") };
        assert_eq!(
            (r.order_id, r.kind, r.reason, r.side),
            (OrderId(id), ExecKind::Rejected, VenueReject::DuplicateId, Side::Sell)
        );
    }
    let rec = t.r.order(OrderId(1)).unwrap();
    assert_eq!(
        (rec.state, rec.qty, rec.side),
        (S::OrderCreation, Qty(500), Side::Buy),
        "the held order is untouched"
    );
    let s = t.r.stats();
    assert_eq!((s.duplicate_ids, s.failed, s.created, s.decisions), (2, 2, 1, 3));
    // Ids carry their strategy: another strategy's sequence 1 is a different order.
    let other = OrderId::compose(StrategyId(7), 1).unwrap();
    t.send(decision(other.0, Verdict::Approved, Side::Buy, 100, Tif::Gtc), 3);
    assert!(matches!(t.out.down.last(), Some(Msg::New(n)) if n.order_id == other));
}

#[test]
fn forwards_and_drops() {
    let mut t = T::new(4);
    for m in [Msg::Control(Control::default()), Msg::Eos(EndOfStream { ts: 9 }), Msg::Trade(Trade::default())]
    {
        t.send(m, 1);
        assert_eq!(t.out.down.last(), Some(&m));
    }
    let n = t.out.down.len();
    t.send(Msg::Intent(Intent::default()), 2);
    t.send(Msg::New(OrderNew::default()), 2);
    assert_eq!((t.out.down.len(), t.r.stats().unexpected), (n, 2));
    t.exec(77, ExecKind::Fill, Side::Sell, 5, 3);
    assert_eq!((t.r.stats().unknown_order, t.r.net_position(A)), (1, -5));
}

/// The journaled transitions as (order id, from, to, event, refused).
fn transitions(out: &VecOutbox) -> Vec<(u64, S, S, E, bool)> {
    out.journal
        .iter()
        .map(|m| {
            let Msg::OrderState(t) = m else { panic!("the router journals transitions only: {m:?}") };
            let st = |v| S::from_u8(v).unwrap();
            (t.order_id.0, st(t.from), st(t.to), E::from_u8(t.event).unwrap(), t.refused == 1)
        })
        .collect()
}

#[test]
fn every_transition_is_journaled_in_order() {
    let mut t = T::new(8);
    t.decide(Verdict::MaxPosition, Side::Buy, 500, 5);
    t.decide(Verdict::Approved, Side::Buy, 500, 10);
    t.exec(2, ExecKind::Fill, Side::Buy, 200, 12); // acceptance implied
    t.exec(2, ExecKind::Fill, Side::Buy, 300, 13);
    t.exec(2, ExecKind::Accepted, Side::Buy, 0, 14); // late: refused, journaled flagged
    t.decide(Verdict::Approved, Side::Sell, 500, 20);
    t.exec(3, ExecKind::Fill, Side::Sell, 500, 21); // flat: both positions close
    let want = vec![
        (0, S::SignalGenerated, S::RiskValidation, E::Validate, false),
        (0, S::RiskValidation, S::Rejected, E::Reject, false),
        (2, S::SignalGenerated, S::RiskValidation, E::Validate, false),
        (2, S::RiskValidation, S::Approved, E::Approve, false),
        (2, S::Approved, S::OrderCreation, E::Create, false),
        (2, S::OrderCreation, S::OrderPlaced, E::Accept, false),
        (2, S::OrderPlaced, S::PartiallyFilled, E::PartialFill, false),
        (2, S::PartiallyFilled, S::Filled, E::Fill, false),
        (2, S::Filled, S::PositionOpen, E::OpenPosition, false),
        (2, S::PositionOpen, S::PositionOpen, E::Accept, true),
        (3, S::SignalGenerated, S::RiskValidation, E::Validate, false),
        (3, S::RiskValidation, S::Approved, E::Approve, false),
        (3, S::Approved, S::OrderCreation, E::Create, false),
        (3, S::OrderCreation, S::OrderPlaced, E::Accept, false),
        (3, S::OrderPlaced, S::Filled, E::Fill, false),
        (3, S::Filled, S::PositionOpen, E::OpenPosition, false),
        (3, S::PositionOpen, S::PositionClosed, E::ClosePosition, false),
        (2, S::PositionOpen, S::PositionClosed, E::ClosePosition, false),
    ];
    assert_eq!(transitions(&t.out), want);
    let ts: Vec<u64> = t.out.journal.iter().map(|m| m.event_ts()).collect();
    assert_eq!(&ts[..3], &[5, 5, 10]);
    assert_eq!(ts.last(), Some(&21));
    let Msg::OrderState(first) = t.out.journal[0] else { unreachable!() };
    assert_eq!((first.intent_id, first.inst), (1, A), "rejected intents are told apart by intent id");
    assert!(t.out.down.iter().chain(&t.out.up).all(|m| !m.is_journal_only()));
    assert_eq!(t.r.stats().invalid_transitions, 1);
}

#[test]
fn state_and_event_numbers_round_trip() {
    for s in S::ALL {
        assert_eq!(S::from_u8(s as u8), Some(s));
    }
    for e in E::ALL {
        assert_eq!(E::from_u8(e as u8), Some(e));
    }
    assert_eq!((S::from_u8(ORDER_STATES), E::from_u8(LIFECYCLE_EVENTS)), (None, None));
    assert_eq!((E::PartialFill.name(), S::PositionOpen.name()), ("partial_fill", "position_open"));
}

#[derive(Clone, Debug)]
enum Op {
    Decide(bool, Side, i64, bool),
    Exec(u64, ExecKind, i64),
    Tick(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (prop::bool::weighted(0.8), prop::sample::select(vec![Side::Buy, Side::Sell]), 1i64..10, any::<bool>())
            .prop_map(|(a, s, q, gtc)| Op::Decide(a, s, q, gtc)),
        3 => (1u64..12, prop::sample::select(vec![ExecKind::Accepted, ExecKind::Fill, ExecKind::Fill, ExecKind::Cancelled, ExecKind::Rejected]), 1i64..6)
            .prop_map(|(id, k, q)| Op::Exec(id, k, q)),
        1 => (0u64..800).prop_map(Op::Tick),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random decisions, reports (in any order, for any id) and clock ticks: nothing panics,
    /// refusals are all counted, and every record's state agrees with its quantities.
    #[test]
    fn random_reports_keep_records_consistent(ops in prop::collection::vec(op(), 1..120), cap in 2u32..6) {
        let mut t = T::new(cap);
        let mut now = 0;
        let mut fills_of = std::collections::HashMap::<u64, i64>::new();
        let mut net = 0i64;
        let mut late = std::collections::HashSet::<u64>::new();
        for o in ops {
            now += 1;
            match o {
                Op::Decide(ok, side, q, gtc) => {
                    let v = if ok { Verdict::Approved } else { Verdict::MaxOrderQty };
                    t.send(decision(now, v, side, q, if gtc { Tif::Gtc } else { Tif::Ioc }), now);
                }
                Op::Exec(id, kind, q) => {
                    let side = t.r.order(OrderId(id)).map_or(Side::Buy, |r| r.side);
                    let state = t.r.order(OrderId(id)).map(|r| r.state);
                    let before = t.r.stats().invalid_transitions;
                    if kind == ExecKind::Fill {
                        net += side.sign() * q;
                        if state.is_some() { *fills_of.entry(id).or_default() += q; }
                    }
                    t.exec(id, kind, side, q, now);
                    // A fill for an order whose fills are done is refused (counted once) but
                    // still recorded on it: the venue says it happened.
                    if kind == ExecKind::Fill && state.is_some_and(|s| s.is_done()) {
                        late.insert(id);
                        prop_assert_eq!(t.r.stats().invalid_transitions, before + 1);
                    }
                }
                Op::Tick(dt) => { now += dt; t.quote(now); }
            }
            let s = t.r.stats().clone();
            prop_assert_eq!(s.invalid_transitions, s.invalid.iter().flatten().sum::<u64>());
            // The journal replays to the table: per intent, each transition starts where the last
            // ended and is the table's (refused ones change nothing and are all counted).
            let mut last = std::collections::HashMap::<u64, S>::new();
            let mut refused = 0;
            for m in &t.out.journal {
                let Msg::OrderState(j) = m else { prop_assert!(false, "{:?}", m); continue };
                let (from, to, ev) = (S::from_u8(j.from).unwrap(), S::from_u8(j.to).unwrap(), E::from_u8(j.event).unwrap());
                prop_assert_eq!(from, last.get(&j.intent_id).copied().unwrap_or(S::SignalGenerated));
                if j.refused == 1 {
                    refused += 1;
                    prop_assert!(next(from, ev).is_err() && to == from);
                } else {
                    prop_assert_eq!(next(from, ev), Ok(to));
                }
                last.insert(j.intent_id, to);
            }
            prop_assert_eq!(refused, s.invalid_transitions);
            for r in t.r.orders() {
                prop_assert_eq!(last.get(&r.intent_id), Some(&r.state));
            }
            prop_assert_eq!(t.r.net_position(A), net);
            let news = t.out.down.iter().filter(|m| matches!(m, Msg::New(_))).count() as u64;
            prop_assert_eq!(news, s.created);
            prop_assert!(t.r.len() <= cap as usize);
            for r in t.r.orders() {
                let f = r.filled.raw();
                if r.order_id.0 != 0 {
                    // Fills recorded on a record equal the fills sent for its id (records are
                    // only recycled once retired, and ids are never reused).
                    prop_assert_eq!(f, fills_of.get(&r.order_id.0).copied().unwrap_or(0));
                }
                if late.contains(&r.order_id.0) {
                    continue;
                }
                match r.state {
                    S::OrderCreation | S::OrderPlaced | S::Failed => prop_assert_eq!(f, 0),
                    S::PartiallyFilled => prop_assert!(f > 0 && f < r.qty.raw()),
                    S::Filled => prop_assert!(false, "Filled always moves on to PositionOpen"),
                    S::PositionOpen | S::PositionClosed => prop_assert!(f > 0),
                    S::Rejected => prop_assert_eq!(r.order_id.0, 0),
                    S::Cancelled => {}
                    S::SignalGenerated | S::RiskValidation | S::Approved => prop_assert!(false, "transient state left in table"),
                }
                if r.state == S::PositionOpen {
                    prop_assert!(net != 0, "flat instrument with an open position record");
                }
            }
        }
    }
}

/// The trigger of a decision (the kind of market event that caused its intent) travels into the
/// order sent down and the order's record; orders and fills are counted by trigger, and a risk
/// rejection creates no order (not counted).
#[test]
fn trigger_travels_from_decision_to_order_and_counts_fills() {
    let mut t = T::new(8);
    let with = |m: Msg, trigger: Trigger| match m {
        Msg::Decision(d) => Msg::Decision(Intent { trigger, ..d }),
        _ => unreachable!(),
    };
    let kinds = [Trigger::Quote, Trigger::Depth, Trigger::Quote, Trigger::Trade];
    for (k, &trigger) in kinds.iter().enumerate() {
        let now = 10 + k as u64;
        t.send(with(decision(k as u64 + 1, Verdict::Approved, Side::Buy, 100, Tif::Ioc), trigger), now);
        let Some(Msg::New(n)) = t.out.down.last().copied() else { panic!("no new order") };
        assert_eq!((n.order_id, n.trigger, n.origin_ts), (OrderId(k as u64 + 1), trigger, 42));
        assert_eq!(t.r.order(n.order_id).unwrap().trigger, trigger);
    }
    t.send(with(decision(20, Verdict::PriceBand, Side::Buy, 100, Tif::Ioc), Trigger::Depth), 20);
    let s = t.r.stats();
    assert_eq!(s.created_by_trigger, [0, 2, 1, 1], "none, quote, trade, depth");
    assert_eq!(s.created_by_trigger.iter().sum::<u64>(), s.created);
    // Two fills of the first (quote) order, one of the second (depth); a report for an unknown id
    // is not counted by trigger.
    t.exec(1, ExecKind::Fill, Side::Buy, 40, 30);
    t.exec(1, ExecKind::Fill, Side::Buy, 60, 31);
    t.exec(2, ExecKind::Fill, Side::Buy, 100, 32);
    t.exec(99, ExecKind::Fill, Side::Buy, 100, 33);
    let s = t.r.stats();
    assert_eq!(s.fills_by_trigger, [0, 2, 0, 1]);
    assert_eq!((s.fills, s.unknown_order), (4, 1));
}
