//! Hand-built message sequences through the simulated exchange.

mod common;
use alphapulse_gateways::sim::{decode_order, SimConfig, SimGateway};
use alphapulse_types::fixed::apply_ppm;
use alphapulse_types::*;
use common::*;
use ExecKind::*;

/// asks 101 x1, 102 x2; bids 100 x5 (one depth update).
fn book(h: &mut Harness, ts: u64) {
    assert!(h.depth(ts, &[("100", "5")], &[("101", "1"), ("102", "2")]).is_empty());
}

#[test]
fn market_buy_walks_two_levels_with_taker_fees() {
    let mut h = Harness::new(cfg(100, 10));
    book(&mut h, 900);
    assert!(h.send(market(1, 1_000, Side::Buy, Tif::Gtc, "2")).is_empty());
    // Any market event at >= 1_100 activates it; its reports, stamped 1_110, go up at 1_110.
    assert!(h.send(trade(1_100, Side::Buy, "105", "1")).is_empty());
    assert_eq!(h.gw.reports_in_flight(), 3);
    let rs = h.send(tick(1_110));
    assert_eq!(
        kinds(&rs),
        [(Accepted, Price::ZERO, Qty::ZERO), (Fill, p("101"), q("1")), (Fill, p("102"), q("1"))]
    );
    assert!(rs.iter().all(|r| r.ts == 1_110 && r.order_id == OrderId(1)));
    assert_eq!(rs[1].fee, p_money("0.101")); // 101 × 1 × 1000 ppm
    assert_eq!(rs[2].fee, p_money("0.102"));
    assert!(rs[1..].iter().all(|r| r.liquidity == Liquidity::Taker && r.side == Side::Buy));
    // The taken liquidity is gone from the view until the feed refreshes it.
    assert_eq!(h.gw.book(INST).unwrap().best_ask(), Some((p("102"), q("1"))));
    h.send(market(2, 1_200, Side::Buy, Tif::Ioc, "3"));
    let rs = h.send(eos(1_250));
    assert_eq!(
        kinds(&rs),
        [(Accepted, Price::ZERO, Qty::ZERO), (Fill, p("102"), q("1")), (Cancelled, Price::ZERO, Qty::ZERO)]
    );
    assert_eq!(rs[0].ts, 1_310);
    let s = h.gw.stats();
    assert_eq!((s.fills, s.taker_fills, s.maker_fills, s.filled_orders, s.cancelled), (3, 3, 0, 1, 1));
    assert_eq!(s.volume, q("3"));
    assert_eq!(s.fees, p_money("0.305"));
    // An empty side: market orders are rejected for lack of liquidity.
    h.send(market(3, 1_300, Side::Buy, Tif::Ioc, "1"));
    let rs = h.send(eos(1_400));
    assert_eq!((rs.len(), rs[0].kind, rs[0].reason), (1, Rejected, VenueReject::NoLiquidity));
}

fn p_money(s: &str) -> Money {
    Money::parse(s.as_bytes()).unwrap()
}

#[test]
fn ioc_partial_fill_then_cancelled_remainder() {
    let mut h = Harness::new(cfg(0, 0));
    book(&mut h, 0);
    h.send(limit(1, 10, Side::Buy, Tif::Ioc, "101.5", "3"));
    let rs = h.send(eos(20));
    assert_eq!(
        kinds(&rs),
        [(Accepted, p("101.5"), Qty::ZERO), (Fill, p("101"), q("1")), (Cancelled, p("101.5"), Qty::ZERO)]
    );
    assert_eq!(h.gw.open_orders(), 0);
    // A sell IOC priced above the bid takes nothing: accepted then cancelled.
    h.send(limit(2, 30, Side::Sell, Tif::Ioc, "100.01", "1"));
    assert_eq!(h.send(eos(40)).iter().map(|r| r.kind).collect::<Vec<_>>(), [Accepted, Cancelled]);
}

#[test]
fn fok_is_all_or_nothing() {
    let mut h = Harness::new(cfg(0, 0));
    book(&mut h, 0);
    h.send(limit(1, 10, Side::Buy, Tif::Fok, "102", "3.5"));
    let rs = h.send(eos(20));
    assert_eq!(rs.len(), 1);
    assert_eq!((rs[0].kind, rs[0].reason, rs[0].qty), (Rejected, VenueReject::NoLiquidity, Qty::ZERO));
    assert_eq!(h.gw.book(INST).unwrap().depth_qty(Side::Sell, 5), q("3"), "a killed FOK takes nothing");
    h.send(limit(2, 30, Side::Buy, Tif::Fok, "102", "3"));
    let rs = h.send(eos(40));
    assert_eq!(
        kinds(&rs),
        [(Accepted, p("102"), Qty::ZERO), (Fill, p("101"), q("1")), (Fill, p("102"), q("2"))]
    );
    assert_eq!(h.gw.stats().rejected_for(VenueReject::NoLiquidity), 1);
}

#[test]
fn gtc_rests_behind_queue_and_fills_from_trades() {
    let mut h = Harness::new(cfg(0, 5));
    book(&mut h, 0);
    h.send(limit(1, 10, Side::Buy, Tif::Gtc, "100", "2"));
    // Activates the order (queue ahead 5; `Accepted` stamped 15 goes up now), then consumes 4.
    let rs = h.send(trade(20, Side::Sell, "100", "4"));
    assert_eq!(kinds(&rs), [(Accepted, p("100"), Qty::ZERO)]);
    assert_eq!(h.gw.open_orders(), 1);
    assert!(h.send(trade(30, Side::Buy, "100", "9")).is_empty(), "a buy-aggressor print does not hit bids");
    assert!(h.send(trade(40, Side::Sell, "100", "1.5")).is_empty()); // 1 left ahead, 0.5 fills us at 45
    let rs = h.send(tick(45));
    assert_eq!(kinds(&rs), [(Fill, p("100"), q("0.5"))]);
    assert_eq!((rs[0].liquidity, rs[0].ts), (Liquidity::Maker, 45));
    assert_eq!(rs[0].fee, apply_ppm(notional(p("100"), q("0.5")), -100));
    assert!(rs[0].fee < Money::ZERO, "maker rebate");
    h.send(trade(50, Side::Sell, "100", "7"));
    let rs = h.send(tick(55));
    assert_eq!(kinds(&rs), [(Fill, p("100"), q("1.5"))]);
    assert_eq!(h.gw.open_orders(), 0);
    assert_eq!(h.gw.stats().filled_orders, 1);
}

#[test]
fn older_resting_order_fills_first_from_one_trade() {
    let mut h = Harness::new(cfg(0, 0));
    book(&mut h, 0);
    h.send(limit(1, 10, Side::Buy, Tif::Gtc, "100", "1"));
    h.send(limit(2, 10, Side::Buy, Tif::Gtc, "100", "1"));
    let rs = h.send(trade(20, Side::Sell, "100", "6")); // 5 ahead of both; 1 left over
    let fills: Vec<_> = rs.iter().filter(|r| r.kind == Fill).map(|r| (r.order_id, r.qty)).collect();
    assert_eq!(fills, [(OrderId(1), q("1"))]);
    let rs = h.send(trade(30, Side::Sell, "100", "1"));
    assert_eq!(kinds(&rs), [(Fill, p("100"), q("1"))]);
    assert_eq!(rs[0].order_id, OrderId(2));
}

#[test]
fn trade_through_and_crossing_book_fill_only_what_could_reach_the_order() {
    let mut h = Harness::new(cfg(0, 0));
    book(&mut h, 0);
    h.send(limit(1, 10, Side::Buy, Tif::Gtc, "100", "2"));
    h.send(limit(2, 10, Side::Sell, Tif::Gtc, "103", "1"));
    // A tiny print through our bid: the level was swept, but only 0.001 went below it.
    let rs = h.send(trade(20, Side::Sell, "99.99", "0.001"));
    assert_eq!(kinds(&rs[2..]), [(Fill, p("100"), q("0.001"))]);
    assert_eq!(rs[2].liquidity, Liquidity::Maker);
    // Nothing is ahead of us any more: a print at our price reaches us directly.
    let rs = h.send(trade(25, Side::Sell, "100", "0.5"));
    assert_eq!(kinds(&rs), [(Fill, p("100"), q("0.5"))]);
    // The bid rises to 103.5 x 0.4, above our 103 ask: we fill what is shown, the rest rests.
    let rs = h.send(quote(30, "103.5", "0.4", "104", "1"));
    assert_eq!(kinds(&rs), [(Fill, p("103"), q("0.4"))]);
    assert_eq!((rs[0].side, rs[0].liquidity), (Side::Sell, Liquidity::Maker));
    // The same bid shown again is no new supply; more of it is.
    assert!(h.send(quote(31, "103.5", "0.4", "104", "1")).is_empty());
    let rs = h.send(quote(32, "103.5", "0.5", "104", "1"));
    assert_eq!(kinds(&rs), [(Fill, p("103"), q("0.1"))]);
    assert_eq!(h.gw.open_orders(), 2);
    let s = h.gw.stats();
    assert_eq!((s.maker_fills_by_trades, s.maker_fills_by_crossing), (2, 2));
}

#[test]
fn a_gtc_that_took_at_arrival_does_not_fill_again_from_the_same_sellers() {
    let mut h = Harness::new(cfg(0, 0));
    book(&mut h, 0); // asks 101 x1, 102 x2
    h.send(limit(1, 10, Side::Buy, Tif::Gtc, "101", "3"));
    let rs = h.send(tick(20));
    assert_eq!(kinds(&rs), [(Accepted, p("101"), Qty::ZERO), (Fill, p("101"), q("1"))]);
    // The feed shows the ask we took again (it does not know): nothing new, no maker fill.
    assert!(h.level(30, Side::Sell, "101", "1").is_empty());
    // A new seller joins at 101: that would have traded with us.
    let rs = h.level(40, Side::Sell, "101", "1.5");
    assert_eq!(kinds(&rs), [(Fill, p("101"), q("0.5"))]);
    assert_eq!(rs[0].liquidity, Liquidity::Maker);
}

#[test]
fn level_decrease_shrinks_queue_ahead() {
    let mut h = Harness::new(cfg(0, 0));
    book(&mut h, 0);
    h.send(limit(1, 10, Side::Buy, Tif::Gtc, "100", "2"));
    h.level(20, Side::Buy, "100", "1"); // 5 → 1 displayed: at most 1 ahead of us
    h.level(25, Side::Buy, "100", "9"); // orders joining behind do not move us back
    let rs = h.send(trade(30, Side::Sell, "100", "2"));
    assert_eq!(kinds(&rs), [(Fill, p("100"), q("1"))]);
}

#[test]
fn cancel_resting_then_cancel_again_is_unknown() {
    let mut h = Harness::new(cfg(100, 10));
    book(&mut h, 0);
    h.send(limit(1, 1_000, Side::Sell, Tif::Gtc, "105", "1"));
    h.send(cancel(1, 1_050));
    let rs = h.send(quote(1_150, "100", "5", "101", "1"));
    assert_eq!(kinds(&rs), [(Accepted, p("105"), Qty::ZERO)]);
    assert_eq!(rs[0].ts, 1_110);
    assert!(h.send(tick(1_159)).is_empty(), "the cancel's report is stamped 1_160");
    let rs = h.send(tick(1_160));
    assert_eq!((kinds(&rs), rs[0].ts), (vec![(Cancelled, p("105"), Qty::ZERO)], 1_160));
    assert_eq!(h.gw.open_orders(), 0);
    h.send(cancel(1, 1_200));
    h.send(cancel(77, 1_200));
    let rs = h.send(eos(1_300));
    assert_eq!(rs.len(), 2);
    assert!(rs.iter().all(|r| r.kind == ExecKind::CancelRejected
        && r.reason == VenueReject::UnknownOrder
        && r.ts == 1_310));
    assert_eq!((rs[0].order_id, rs[1].order_id), (OrderId(1), OrderId(77)));
    let s = h.gw.stats();
    assert_eq!((s.cancels_received, s.cancel_rejects, s.cancelled, s.rejected_total()), (3, 2, 1, 0));
}

#[test]
fn order_is_not_active_before_a_market_event_at_arrival_time() {
    let mut h = Harness::new(cfg(500, 20));
    book(&mut h, 0);
    h.send(limit(1, 1_000, Side::Buy, Tif::Ioc, "101", "1"));
    assert!(h.send(trade(1_499, Side::Buy, "101", "1")).is_empty());
    assert_eq!(h.gw.in_flight(), 1);
    // Reached the engine at 1_500; its reports are stamped 1_520 and reach the router then.
    assert!(h.send(trade(1_500, Side::Buy, "101", "1")).is_empty());
    assert!(h.send(tick(1_519)).is_empty());
    let rs = h.send(tick(1_520));
    assert_eq!(kinds(&rs), [(Accepted, p("101"), Qty::ZERO), (Fill, p("101"), q("1"))]);
    assert!(rs.iter().all(|r| r.ts == 1_520));
    // It saw the book as it was before the event at 2_500 was applied.
    h.send(limit(2, 2_000, Side::Buy, Tif::Ioc, "102", "1"));
    h.level(2_500, Side::Sell, "102", "0");
    let rs = h.send(tick(2_600));
    assert_eq!(kinds(&rs)[1], (Fill, p("102"), q("1")));
    // Eos processes what is still in flight.
    h.send(limit(3, 3_000, Side::Buy, Tif::Gtc, "99", "1"));
    let rs = h.send(eos(3_001));
    assert_eq!((rs.len(), rs[0].kind, rs[0].ts), (1, Accepted, 3_520));
    assert!(h.gw.is_finished());
    assert_eq!(h.gw.in_flight(), 0);
}

#[test]
fn book_gap_clears_the_view_and_orders_wait() {
    let mut h = Harness::new(cfg(0, 0));
    book(&mut h, 0);
    h.send(limit(1, 10, Side::Buy, Tif::Gtc, "100", "1"));
    h.send(status(20, BookState::Gap));
    assert!(h.gw.book(INST).unwrap().is_empty());
    h.level(25, Side::Sell, "99", "1"); // ignored while the book is unusable
    assert!(h.gw.book(INST).unwrap().is_empty());
    assert!(h.send(trade(26, Side::Sell, "98", "1")).is_empty(), "resting orders wait during a gap");
    h.send(market(2, 30, Side::Buy, Tif::Ioc, "1"));
    h.send(limit(3, 30, Side::Buy, Tif::Fok, "200", "1"));
    h.send(limit(4, 30, Side::Buy, Tif::Ioc, "200", "1"));
    h.send(limit(5, 30, Side::Buy, Tif::Gtc, "200", "1"));
    let rs = h.send(trade(40, Side::Sell, "98", "1"));
    let got: Vec<_> = rs.iter().map(|r| (r.order_id.0, r.kind, r.reason)).collect();
    assert_eq!(
        got,
        [
            (2, Rejected, VenueReject::NoLiquidity),
            (3, Rejected, VenueReject::NoLiquidity),
            (4, Accepted, VenueReject::None),
            (4, Cancelled, VenueReject::None),
            (5, Accepted, VenueReject::None),
        ]
    );
    assert_eq!(h.gw.open_orders(), 2);
    // Resync: the book comes back; the ask at 150 is below order 5's 200 and fills it as a maker.
    h.send(status(50, BookState::Synced));
    let rs = h.depth(50, &[("100", "3")], &[("150", "1")]);
    assert_eq!(kinds(&rs), [(Fill, p("200"), q("1"))]);
    assert_eq!(rs[0].order_id, OrderId(5));
    let rs = h.send(trade(60, Side::Sell, "100", "4")); // order 1's queue is now the 3 shown
    assert_eq!(kinds(&rs), [(Fill, p("100"), q("1"))]);
    assert_eq!(h.gw.stats().book_gaps, 1);
}

#[test]
fn validation_and_capacity_rejects() {
    let mut h = Harness::new(SimConfig { max_orders: 2, max_pending: 3, ..cfg(100, 10) });
    book(&mut h, 0);
    for (i, m) in [
        limit(1, 10, Side::Buy, Tif::Gtc, "100.001", "1"), // off the tick grid
        limit(2, 10, Side::Buy, Tif::Gtc, "100", "0"),
        limit(3, 10, Side::Buy, Tif::Gtc, "-1", "1"),
        limit(4, 10, Side::Buy, Tif::Gtc, "100", "0.000001"), // off the lot grid
        Msg::New(OrderNew {
            inst: InstrumentId(9),
            ..order(5, 10, Side::Buy, OrdType::Limit, Tif::Gtc, "100", "1")
        }),
    ]
    .into_iter()
    .enumerate()
    {
        let rs = h.send(m);
        assert_eq!(
            (rs.len(), rs[0].kind, rs[0].reason, rs[0].ts),
            (1, Rejected, VenueReject::Invalid, 10),
            "case {i}"
        );
    }
    // In-flight queue of 3: the fourth request is refused at the gateway.
    for id in 10..13 {
        assert!(h.send(limit(id, 20, Side::Buy, Tif::Gtc, "99", "1")).is_empty());
    }
    let rs = h.send(limit(13, 20, Side::Buy, Tif::Gtc, "99", "1"));
    assert_eq!((rs[0].kind, rs[0].reason, rs[0].ts), (Rejected, VenueReject::TooManyOrders, 20));
    // Order table of 2: the third resting order is refused by the venue; an IOC still trades.
    let rs = h.send(eos(200));
    let got: Vec<_> = rs.iter().map(|r| (r.order_id.0, r.kind, r.reason)).collect();
    assert_eq!(
        got,
        [
            (10, Accepted, VenueReject::None),
            (11, Accepted, VenueReject::None),
            (12, Rejected, VenueReject::TooManyOrders)
        ]
    );
    assert_eq!(rs[2].ts, 130);
    h.send(limit(10, 300, Side::Buy, Tif::Ioc, "101", "1")); // duplicate of a live id
    h.send(limit(14, 300, Side::Buy, Tif::Ioc, "101", "1"));
    let rs = h.send(eos(500));
    assert_eq!((rs[0].order_id.0, rs[0].reason), (10, VenueReject::Invalid));
    assert_eq!(rs[1..].iter().map(|r| r.kind).collect::<Vec<_>>(), [Accepted, Fill]);
    let s = h.gw.stats();
    assert_eq!((s.orders_received, s.accepted, s.pending_overflows), (11, 3, 1));
    assert_eq!(s.rejected_for(VenueReject::Invalid), 6);
    assert_eq!(s.rejected_for(VenueReject::TooManyOrders), 2);
    assert_eq!(s.max_open_orders, 2);
}

#[test]
fn encodes_each_sent_order_and_tracks_tick_to_encode() {
    let mut h = Harness::new(cfg(100, 10));
    let o = order(42, 1_000, Side::Sell, OrdType::Limit, Tif::Ioc, "101.25", "0.5");
    h.send_at(Msg::New(OrderNew { origin_ts: 900, ..o }), 1_003);
    let wire = decode_order(h.gw.last_encoded()).unwrap();
    assert_eq!(wire, OrderNew { origin_ts: 900, ts: 1_003, ..o });
    h.send_at(Msg::New(OrderNew { order_id: OrderId(43), origin_ts: 980, ..o }), 1_010);
    h.send_at(limit(44, 1_020, Side::Buy, Tif::Gtc, "0", "1"), 1_020); // rejected: not encoded
    let s = h.gw.stats();
    assert_eq!((s.encoded, s.last_encoded_ts, h.gw.last_encoded_ts()), (2, 1_010, 1_010));
    assert_eq!((s.tick_to_encode_min_ns, s.tick_to_encode_max_ns, s.tick_to_encode_sum_ns), (30, 103, 133));
}

#[test]
fn constructor_refuses_bad_setup() {
    let bad = SimConfig { max_pending: 0, ..SimConfig::default() };
    assert!(SimGateway::new(bad, &table(), 10).unwrap_err().to_string().contains("max_pending"));
    assert!(SimGateway::new(SimConfig::default(), &InstrumentTable::new(), 10).is_err());
    assert!(SimGateway::new(SimConfig::default(), &table(), 0).is_err());
}
