//! RiskActor through its messages: one targeted test per verdict, forwarding, stats, and the
//! order-id contract with the router (open orders released by Cancelled/Rejected/full fills).

use alphapulse_risk::{RiskActor, RiskConfig};
use alphapulse_runtime::{Actor, VecOutbox};
use alphapulse_types::*;

const A: InstrumentId = InstrumentId(0);

fn p(s: &str) -> Price {
    Price::parse(s.as_bytes()).unwrap()
}
fn q(s: &str) -> Qty {
    Qty::parse(s.as_bytes()).unwrap()
}

fn table() -> InstrumentTable {
    let mut t = InstrumentTable::new();
    t.add(Instrument {
        id: A,
        symbol: "BTCUSDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick: p("0.01"),
        lot: q("0.001"),
        min_qty: q("0.002"),
        min_notional: Money::from_units(5),
    })
    .unwrap();
    t
}

fn cfg() -> RiskConfig {
    RiskConfig {
        max_order_qty: q("1"),
        max_order_notional: Money::from_units(150),
        max_position: q("2"),
        price_band_bps: 100,
        max_orders_per_sec: 100,
        max_open_orders: 100,
        halted: false,
        initial_cash: Money::from_units(10_000),
    }
}

struct T {
    r: RiskActor,
    out: VecOutbox,
    now: u64,
    /// Sequence of the next intent (strategy 0: the order id is the sequence).
    seq: u64,
}

impl T {
    fn new(c: RiskConfig) -> Self {
        T { r: RiskActor::new(c, &table()).unwrap(), out: VecOutbox::default(), now: 1_000, seq: 1 }
    }
    fn send(&mut self, m: Msg) {
        self.now += 1;
        self.out.deliver(&mut self.r, &m, self.now);
    }
    /// Quote bid/ask for A.
    fn quote(&mut self, bid: &str, ask: &str) {
        self.send(Msg::Quote(Quote { inst: A, bid_px: p(bid), ask_px: p(ask), ..Default::default() }));
    }
    fn intent(&mut self, side: Side, ord_type: OrdType, px: &str, qty: &str) -> Verdict {
        let id = self.seq;
        self.seq += 1;
        let it = Intent {
            intent_id: id,
            inst: A,
            side,
            ord_type,
            px: p(px),
            qty: q(qty),
            origin_ts: 77,
            ..Default::default()
        };
        let ups = self.out.up.len();
        self.send(Msg::Intent(it));
        let v = match self.out.down.last() {
            Some(Msg::Decision(d)) => {
                assert_eq!((d.intent_id, d.origin_ts, d.ts), (id, 77, self.now));
                d.verdict
            }
            other => panic!("expected a decision, got {other:?}"),
        };
        // A refusal comes back up at once, under the intent's id, with risk's position.
        let want = (v != Verdict::Approved).then(|| {
            Msg::Exec(ExecReport {
                order_id: OrderId(id),
                px: it.px,
                ts: self.now,
                inst: A,
                kind: ExecKind::Rejected,
                side,
                reason: VenueReject::RiskRefused,
                position: self.r.portfolio().position(A),
                ..Default::default()
            })
        });
        assert_eq!(self.out.up.get(ups).copied(), want, "{v:?}");
        assert_eq!(self.out.up.len(), ups + want.is_some() as usize);
        v
    }
    fn buy(&mut self, px: &str, qty: &str) -> Verdict {
        self.intent(Side::Buy, OrdType::Limit, px, qty)
    }
    fn exec(&mut self, id: u64, kind: ExecKind, side: Side, px: &str, qty: &str) {
        let r = ExecReport {
            order_id: OrderId(id),
            inst: A,
            kind,
            side,
            px: p(px),
            qty: q(qty),
            ts: self.now,
            ..Default::default()
        };
        self.send(Msg::Exec(r));
        let stamped = ExecReport { position: self.r.portfolio().position(A), ..r };
        assert_eq!(self.out.up.last(), Some(&Msg::Exec(stamped)), "exec sent up with risk's position");
    }
}

#[test]
fn halted_by_config_and_by_control() {
    let mut t = T::new(RiskConfig { halted: true, ..cfg() });
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "0.1"), Verdict::Halted);
    t.send(Msg::Control(Control { cmd: ControlCmd::Resume, ..Default::default() }));
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved);
    t.send(Msg::Control(Control { cmd: ControlCmd::Halt, ..Default::default() }));
    assert!(matches!(t.out.down.last(), Some(Msg::Control(_))), "control forwarded down");
    assert_eq!(t.buy("100", "0.1"), Verdict::Halted);
    assert_eq!((t.r.stats().halts, t.r.stats().resumes), (1, 1));
    assert_eq!(t.r.stats().rejected_by(Verdict::Halted), 2);
}

#[test]
fn instrument_rules() {
    let mut t = T::new(cfg());
    t.quote("100", "100.02");
    assert_eq!(t.buy("100.005", "0.1"), Verdict::InstrumentRules, "off tick");
    assert_eq!(t.buy("100", "0.1005"), Verdict::InstrumentRules, "off lot");
    assert_eq!(t.buy("100", "0.001"), Verdict::InstrumentRules, "below min qty");
    assert_eq!(t.buy("100", "0.049"), Verdict::InstrumentRules, "4.90 < 5 min notional");
    assert_eq!(t.buy("100", "0.05"), Verdict::Approved, "exactly min notional");
    assert_eq!(
        t.intent(Side::Buy, OrdType::Market, "0", "0.049"),
        Verdict::InstrumentRules,
        "market at mark"
    );
    assert_eq!(t.intent(Side::Buy, OrdType::Market, "0", "0.05"), Verdict::Approved);
    let it = Intent { inst: InstrumentId(7), px: p("100"), qty: q("0.1"), ..Default::default() };
    t.send(Msg::Intent(it));
    assert!(matches!(t.out.down.last(), Some(Msg::Decision(d)) if d.verdict == Verdict::InstrumentRules));
    assert_eq!(t.r.stats().rejected_by(Verdict::InstrumentRules), 6);
}

#[test]
fn no_market_until_two_sided_and_after_gap() {
    let mut t = T::new(cfg());
    assert_eq!(t.buy("100", "0.1"), Verdict::NoMarket);
    assert_eq!(t.intent(Side::Sell, OrdType::Market, "0", "0.1"), Verdict::NoMarket);
    t.quote("100", "0");
    assert_eq!(t.buy("100", "0.1"), Verdict::NoMarket, "one-sided quote");
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved);
    t.send(Msg::Book(BookStatus { inst: A, state: BookState::Gap, ..Default::default() }));
    assert_eq!(t.buy("100", "0.1"), Verdict::NoMarket);
    assert_eq!(t.r.portfolio().mark(A), Some(p("100.01")), "portfolio keeps its mark");
    // Quotes go on while the book resyncs; still no order until the book is synced again.
    t.quote("100.10", "100.12");
    assert!(t.r.is_resyncing(A));
    assert_eq!(t.buy("100.1", "0.1"), Verdict::NoMarket, "no order on a resyncing book");
    assert_eq!(t.r.portfolio().mark(A), Some(p("100.11")), "marks follow the quotes");
    t.send(Msg::Book(BookStatus { inst: A, state: BookState::Synced, ..Default::default() }));
    assert!(!t.r.is_resyncing(A));
    assert_eq!(t.buy("100.1", "0.1"), Verdict::Approved, "synced again: the last quote's mid");
}

#[test]
fn max_order_qty_and_notional() {
    let mut t = T::new(RiskConfig { max_order_notional: Money::from_units(1_000), ..cfg() });
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "1"), Verdict::Approved, "exactly the max qty");
    assert_eq!(t.buy("100", "1.001"), Verdict::MaxOrderQty);
    let mut t = T::new(cfg()); // notional max 150
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "1.5"), Verdict::MaxOrderQty, "qty is checked before notional");
    assert_eq!(t.buy("100", "0.9"), Verdict::Approved);
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "150", "1"), Verdict::Approved, "150 = max");
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "150.01", "1"), Verdict::MaxOrderNotional);
    t.quote("200", "200.02");
    // Market notional at the mark 200.01: 0.75 × 200.01 = 150.0075 > 150.
    assert_eq!(t.intent(Side::Buy, OrdType::Market, "0", "0.75"), Verdict::MaxOrderNotional);
    assert_eq!(t.intent(Side::Buy, OrdType::Market, "0", "0.749"), Verdict::Approved);
}

#[test]
fn max_position_counts_fills_and_open_same_side() {
    let mut t = T::new(RiskConfig { max_order_notional: Money::from_units(1_000), ..cfg() });
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "1"), Verdict::Approved); // order 1, open buy 1
    t.exec(1, ExecKind::Accepted, Side::Buy, "100", "0");
    t.exec(1, ExecKind::Fill, Side::Buy, "100", "1"); // position 1, nothing open
    assert_eq!(t.r.portfolio().position(A), q("1"));
    assert_eq!(t.r.stats().open_orders, 0);
    assert_eq!(t.buy("100", "0.6"), Verdict::Approved); // order 2, open buy 0.6
    assert_eq!(t.buy("100", "0.5"), Verdict::MaxPosition, "1 + 0.6 + 0.5 > 2");
    assert_eq!(t.buy("100", "0.4"), Verdict::Approved, "1 + 0.6 + 0.4 = 2");
    // Sells are measured against open sells only: -1 + ... from a long of 1.
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "100", "1"), Verdict::Approved);
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "100", "1"), Verdict::Approved, "1 - 2 = -1");
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "100", "1"), Verdict::Approved, "1 - 3 = -2");
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "100", "0.05"), Verdict::MaxPosition);
    // Cancelling order 2 (open buy 0.6) frees room on the buy side.
    t.exec(2, ExecKind::Cancelled, Side::Buy, "100", "0");
    assert_eq!(t.buy("100", "0.6"), Verdict::Approved);
}

#[test]
fn price_band_edges() {
    let mut t = T::new(RiskConfig { max_order_notional: Money::from_units(1_000), ..cfg() });
    t.quote("99.99", "100.01"); // mid 100, band 1 %: buys up to 101, sells down to 99
    assert_eq!(t.buy("101", "0.1"), Verdict::Approved);
    assert_eq!(t.buy("101.01", "0.1"), Verdict::PriceBand);
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "99", "0.1"), Verdict::Approved);
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "98.99", "0.1"), Verdict::PriceBand);
    // Passive prices far from the mid are fine; market orders have no band.
    assert_eq!(t.buy("50", "0.1"), Verdict::Approved);
    assert_eq!(t.intent(Side::Sell, OrdType::Limit, "150", "0.1"), Verdict::Approved);
    assert_eq!(t.intent(Side::Buy, OrdType::Market, "0", "0.1"), Verdict::Approved);
}

#[test]
fn rate_limit_is_a_sliding_second_of_approvals() {
    let mut t = T::new(RiskConfig { max_orders_per_sec: 2, ..cfg() });
    t.quote("100", "100.02");
    let t0 = t.now + 1;
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved);
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved);
    assert_eq!(t.buy("100", "0.1"), Verdict::RateLimit);
    assert_eq!(t.buy("100.005", "0.1"), Verdict::InstrumentRules, "earlier checks win");
    t.now = t0 + 1_000_000_000 - 2; // next message at t0 + 1 s - 1: first approval still inside
    assert_eq!(t.buy("100", "0.1"), Verdict::RateLimit);
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved, "t0 + 1 s: first approval left the window");
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved, "t0 + 1 s + 1: the second one left too");
    assert_eq!(t.buy("100", "0.1"), Verdict::RateLimit, "rejects never entered the window");
    assert_eq!(t.r.stats().rejected_by(Verdict::RateLimit), 3);
}

#[test]
fn max_open_orders_released_by_terminal_reports() {
    let mut t = T::new(RiskConfig { max_open_orders: 2, ..cfg() });
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved); // order 1
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved); // order 2
    assert_eq!(t.buy("100", "0.1"), Verdict::MaxOpenOrders);
    t.exec(1, ExecKind::Accepted, Side::Buy, "100", "0");
    assert_eq!(t.buy("100", "0.1"), Verdict::MaxOpenOrders, "accepted is not terminal");
    t.exec(1, ExecKind::Fill, Side::Buy, "100", "0.05");
    assert_eq!(t.buy("100", "0.1"), Verdict::MaxOpenOrders, "partial fill is not terminal");
    t.exec(1, ExecKind::Fill, Side::Buy, "100", "0.05");
    assert_eq!(t.r.stats().open_orders, 1);
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved); // intent 6: order 6
    t.exec(2, ExecKind::Rejected, Side::Buy, "100", "0");
    t.exec(6, ExecKind::Cancelled, Side::Buy, "100", "0");
    assert_eq!(t.r.stats().open_orders, 0);
    t.exec(6, ExecKind::Cancelled, Side::Buy, "100", "0");
    assert_eq!(t.r.stats().exec_unknown_order, 1);
    let s = *t.r.stats();
    assert_eq!((s.intents, s.approved, s.rejected_total()), (6, 3, 3));
    assert_eq!(s.rejected_by(Verdict::MaxOpenOrders), 3);
    assert_eq!(s.open_refused, 0, "the open-order table has room up to the limit");
    assert_eq!(t.r.portfolio().position(A), q("0.1"));
}

#[test]
fn forwarding_and_dropping() {
    let mut t = T::new(cfg());
    let (handles, consumes) = (t.r.handles(), t.r.consumes());
    // Market data and the end of stream go on down: risk reads quotes and book status but consumes
    // no market kind; trades and depth updates pass it without a call.
    let quote = Msg::Quote(Quote { inst: A, bid_px: p("100"), ask_px: p("100.02"), ..Default::default() });
    let trade = Msg::Trade(Trade { inst: A, ..Default::default() });
    let depth = Msg::Depth(Depth { inst: A, ..Default::default() });
    let eos = Msg::Eos(EndOfStream { ts: 5 });
    assert!(handles.contains(&quote) && !handles.contains(&trade) && !handles.contains(&depth));
    for m in [quote, trade, depth, eos] {
        assert!(!consumes.contains(&m), "{} must go on down", m.kind_name());
        t.send(m);
        assert_eq!(t.out.down.last(), Some(&m));
    }
    // Orders that did not come through risk's checks are handled, consumed and counted: they go no
    // further. Intents and execution reports are consumed (risk sends its own decision / report).
    let n = t.out.down.len();
    let strays = [
        Msg::New(OrderNew::default()),
        Msg::Cancel(OrderCancel::default()),
        Msg::Decision(Intent::default()),
    ];
    for m in strays {
        assert!(handles.contains(&m) && consumes.contains(&m), "{} must stop at risk", m.kind_name());
        t.send(m);
    }
    assert_eq!(t.out.down.len(), n, "orders that bypass the checks are dropped");
    assert_eq!(t.r.stats().unexpected, 3);
    for m in [Msg::Intent(Intent::default()), Msg::Exec(ExecReport::default())] {
        assert!(consumes.contains(&m), "{} is replaced by risk's own message", m.kind_name());
    }
    t.send(Msg::Quote(Quote { inst: InstrumentId(9), ..Default::default() }));
    assert_eq!(t.r.stats().unknown_instrument, 1);
    assert!(t.out.up.is_empty());
}

#[test]
fn every_fill_journals_the_instruments_position() {
    let mut t = T::new(cfg());
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "1"), Verdict::Approved);
    assert!(t.out.journal.is_empty(), "no position before a fill");
    t.exec(1, ExecKind::Accepted, Side::Buy, "100", "0");
    t.exec(1, ExecKind::Fill, Side::Buy, "100", "0.4");
    t.exec(1, ExecKind::Fill, Side::Buy, "101", "0.6");
    t.quote("103", "103"); // mark 103
    t.exec(2, ExecKind::Fill, Side::Sell, "104", "0.5"); // unknown order: still a fill
    t.exec(3, ExecKind::Fill, Side::Sell, "104", "0"); // refused by the portfolio: no record
    let got: Vec<PositionRecord> = t
        .out
        .journal
        .iter()
        .map(|m| match m {
            Msg::Position(r) => *r,
            other => panic!("risk journals positions only: {other:?}"),
        })
        .collect();
    assert_eq!(got.len(), 3);
    assert!(t.out.down.iter().chain(&t.out.up).all(|m| !m.is_journal_only()));
    assert_eq!((got[0].qty, got[0].avg_px, got[0].realized), (q("0.4"), p("100"), Money::ZERO));
    assert_eq!(got[0].unrealized, Money::from_raw(400_000), "0.4 × (100.01 − 100)");
    assert_eq!((got[1].qty, got[1].avg_px), (q("1"), p("100.6")));
    // Sold 0.5 at 104 against an average of 100.6: realized 1.7; 0.5 left, marked at 103.
    let last = got[2];
    assert_eq!((last.inst, last.qty, last.avg_px), (A, q("0.5"), p("100.6")));
    assert_eq!(
        (last.realized, last.unrealized),
        (Money::from_raw(170_000_000), Money::from_raw(120_000_000))
    );
    let pf = t.r.portfolio();
    assert_eq!((last.equity, last.ts), (pf.equity(), t.now - 1));
    assert_eq!(last, t.r.position_record(A, last.ts));
}

#[test]
fn ids_are_the_intents_and_refusals_go_up_at_once() {
    let mut t = T::new(RiskConfig { max_order_notional: Money::from_units(1_000), ..cfg() });
    t.quote("100", "100.02");
    // Strategy 3's ids: risk keys open orders by them, predicting nothing.
    t.seq = OrderId::compose(StrategyId(3), 40).unwrap().0;
    assert_eq!(t.buy("100", "1"), Verdict::Approved);
    let id = t.seq - 1;
    assert_eq!(t.r.open_orders().remaining(OrderId(id)), Some(q("1")));
    t.exec(id, ExecKind::Fill, Side::Buy, "100", "0.4");
    let Some(Msg::Exec(up)) = t.out.up.last() else { panic!() };
    assert_eq!((up.position, up.strategy()), (q("0.4"), StrategyId(3)), "risk's position, stamped");
    // Refused: a report up (checked in T::intent) and nothing opened.
    assert_eq!(t.buy("100", "5"), Verdict::MaxOrderQty);
    assert_eq!(t.r.open_orders().remaining(OrderId(t.seq - 1)), None);
    // A second approval under an open id is counted; the order manager's DuplicateId refusal
    // leaves the open order alone, a plain rejection ends it.
    t.seq = id;
    assert_eq!(t.buy("100", "0.1"), Verdict::Approved);
    assert_eq!(t.r.stats().duplicate_ids, 1);
    let dup = ExecReport {
        order_id: OrderId(id),
        inst: A,
        kind: ExecKind::Rejected,
        reason: VenueReject::DuplicateId,
        ..Default::default()
    };
    t.send(Msg::Exec(dup));
    assert_eq!(t.r.open_orders().remaining(OrderId(id)), Some(q("0.6")));
    t.send(Msg::Exec(ExecReport { reason: VenueReject::OrderTableFull, ..dup }));
    assert_eq!(t.r.open_orders().remaining(OrderId(id)), None);
    let s = *t.r.stats();
    assert_eq!((s.refusals_sent, s.rejected_total(), s.exec_unknown_order), (1, 1, 0));
}

fn ctl(t: &mut T, op: CtlOp, index: usize, value: i64) -> alphapulse_runtime::Answer {
    let req = CtlReq { index: index as u16, value, ..CtlReq::new(1, op, 0) };
    t.out.control(&mut t.r, &req, t.now)
}

#[test]
fn the_operator_sets_and_reads_limits_and_positions_live() {
    use alphapulse_risk::{limit_index, LIMITS};
    let mut t = T::new(cfg());
    t.quote("100", "100.02");
    assert_eq!(t.buy("100", "0.9"), Verdict::Approved);
    // Lower the order size: the same order is refused from now on.
    let i = limit_index("max_order_qty").unwrap();
    assert_eq!(ctl(&mut t, CtlOp::SetLimit, i, q("0.5").raw()).status, CtlStatus::Ok);
    assert_eq!(t.buy("100", "0.9"), Verdict::MaxOrderQty);
    assert_eq!(t.buy("100", "0.5"), Verdict::Approved);
    // A bad value is refused with a reason, and changes nothing.
    let a = ctl(&mut t, CtlOp::SetLimit, i, 0);
    assert_eq!((a.status, a.text.as_str()), (CtlStatus::Failed, "must be positive"));
    let open = limit_index("max_open_orders").unwrap();
    let a = ctl(&mut t, CtlOp::SetLimit, open, 101);
    assert!(a.status == CtlStatus::Failed && a.text.contains("at start"), "{a:?}");
    // The table reads back every limit, the new one included.
    let rows = ctl(&mut t, CtlOp::Limits, 0, 0).rows;
    assert_eq!(rows.len(), LIMITS.len());
    assert_eq!(
        rows[i],
        (CtlRow::Limit { index: i as u16, value: q("0.5").raw() }, "max_order_qty".to_string())
    );
    // The rate limit lowered to 2 applies at once: two approvals already in this second.
    let rate = limit_index("max_orders_per_sec").unwrap();
    assert_eq!(ctl(&mut t, CtlOp::SetLimit, rate, 2).status, CtlStatus::Ok);
    assert_eq!(t.buy("100", "0.1"), Verdict::RateLimit);
    assert_eq!(t.r.stats().limit_changes, 2);
    // Positions: the instrument after a fill, then the portfolio.
    t.exec(1, ExecKind::Fill, Side::Buy, "100", "0.9");
    let rows = ctl(&mut t, CtlOp::Positions, 0, 0).rows;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (CtlRow::Position { qty, avg_price, .. }, sym) = &rows[0] else { panic!("{rows:?}") };
    assert_eq!((*qty, *avg_price, sym.as_str()), (q("0.9"), p("100"), "BTCUSDT"));
    let (CtlRow::Portfolio { fills, cash, .. }, _) = rows[1] else { panic!("{rows:?}") };
    assert_eq!((fills, cash), (1, Money::from_units(10_000 - 90).raw()));
    // The kill switch from the operator.
    assert_eq!(ctl(&mut t, CtlOp::Halt, 0, 0).status, CtlStatus::Ok);
    assert_eq!(t.buy("100", "0.1"), Verdict::Halted);
    assert_eq!(ctl(&mut t, CtlOp::Orders, 0, 0).status, CtlStatus::Unsupported);
}
