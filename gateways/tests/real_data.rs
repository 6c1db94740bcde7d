//! The simulator over the real BTCUSDT capture (2024-08-08, through the real feed handler: quotes,
//! trades and depth levels): a few hundred orders of every kind keep every invariant, allocate
//! nothing, and replay identically. Skips when the shared data directory is absent.

mod common;
#[path = "common/counting.rs"]
mod counting;

use alphapulse_gateways::sim::{SimConfig, SimGateway};
use alphapulse_types::*;
use common::drive::{self, PreOut};

const INST: InstrumentId = InstrumentId(0);

fn btcusdt() -> InstrumentTable {
    let mut t = InstrumentTable::new();
    t.add(Instrument {
        id: INST,
        symbol: "BTCUSDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick: Price::parse(b"0.01").unwrap(),
        lot: Qty::parse(b"0.00001").unwrap(),
        min_qty: Qty::parse(b"0.00001").unwrap(),
        min_notional: Money::from_units(5),
    })
    .unwrap();
    t
}

/// Interleave deterministic pseudo-random orders and cancels with the market events.
fn with_orders(market: &[Msg], every: usize) -> Vec<Msg> {
    let mut out = Vec::with_capacity(market.len() + 2 * market.len() / every + 1);
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let tick = 1_000_000i64; // 0.01
    let (mut bid, mut ask) = (Price::ZERO, Price::ZERO);
    let mut id = 0u64;
    let mut last_ts = 0;
    for (i, m) in market.iter().enumerate() {
        out.push(*m);
        last_ts = m.event_ts();
        if let Msg::Quote(q) = m {
            (bid, ask) = (q.bid_px, q.ask_px);
        }
        if i % every != every - 1 || bid.is_zero() {
            continue;
        }
        let r = next();
        id += 1;
        let side = if r & 1 == 0 { Side::Buy } else { Side::Sell };
        let ord_type = if r % 10 < 2 { OrdType::Market } else { OrdType::Limit };
        let tif = match (r >> 8) % 20 {
            0..=11 => Tif::Gtc,
            12..=16 => Tif::Ioc,
            _ => Tif::Fok,
        };
        let k = ((r >> 16) % 9) as i64 - 3; // -3..=5 ticks toward the other side
        let px = match (ord_type, side) {
            (OrdType::Market, _) => Price::ZERO,
            (_, Side::Buy) => Price::from_raw(bid.raw() + k * tick),
            (_, Side::Sell) => Price::from_raw(ask.raw() - k * tick),
        };
        let qty = Qty::from_raw(((r >> 24) % 100 + 1) as i64 * 10_000); // 0.0001 ..= 0.01 BTC
        let ts = m.event_ts();
        out.push(Msg::New(OrderNew {
            order_id: OrderId(id),
            px,
            qty,
            origin_ts: ts,
            ts,
            inst: INST,
            strategy: StrategyId(1),
            side,
            ord_type,
            tif,
            trigger: Default::default(),
            _pad: [0; 6],
        }));
        if (r >> 32) % 3 == 0 {
            let target = id.saturating_sub((r >> 40) % 20).max(1);
            out.push(Msg::Cancel(OrderCancel {
                order_id: OrderId(target),
                origin_ts: ts,
                ts,
                inst: INST,
                strategy: StrategyId(1),
                _pad: [0; 2],
            }));
        }
    }
    out.push(Msg::Eos(EndOfStream { ts: last_ts }));
    out
}

#[test]
fn real_capture_keeps_invariants_without_allocating() {
    let Some(data) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let path = data.join("binance-spot/btcusdt_20240808.gz");
    let replayed = alphapulse_feeds::testdata::replay_messages(&[path], &btcusdt()).unwrap();
    let mut market = replayed.msgs.clone();
    market.retain(|m| !matches!(m, Msg::Eos(_))); // `with_orders` ends the stream itself
    assert!(market.len() > 30_000, "expected the whole capture, got {}", market.len());
    let msgs = with_orders(&market, 100);
    let cfg = SimConfig {
        order_latency_ns: 2_000_000,
        response_latency_ns: 1_000_000,
        maker_fee_ppm: 750,
        taker_fee_ppm: 1_000,
        max_orders: 256,
        max_pending: 64,
        max_reports: 4_096,
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mut gw = SimGateway::new(cfg.clone(), &btcusdt(), 1_000).unwrap();
        let mut out = PreOut { up: Vec::with_capacity(msgs.len()), cur: 0, down: 0, overflow: 0 };
        let allocs = counting::allocations_in(|| drive::run(&mut gw, &msgs, &replayed.levels, &mut out));
        assert_eq!(allocs, 0, "the gateway allocated on the hot path");
        let chk = drive::check(&gw, &msgs, &out);
        runs.push((gw, out.up, chk));
    }
    assert_eq!(runs[0].1, runs[1].1, "the same input gives the same reports");
    let (gw, reports, chk) = &runs[0];
    let s = gw.stats();
    let orders = msgs.iter().filter(|m| matches!(m, Msg::New(_))).count();
    println!(
        "real BTCUSDT: {} market events, {} orders, {} cancels; {} reports; accepted {}, rejected {:?} \
         (none/no_liq/unknown/too_many/invalid), cancelled {}, cancel rejects {}",
        market.len(),
        orders,
        s.cancels_received,
        reports.len(),
        s.accepted,
        s.rejected,
        s.cancelled,
        s.cancel_rejects
    );
    println!(
        "fills {} (maker {}, taker {}), filled orders {}, volume {} BTC, notional {} USDT, fees {} USDT, \
         open at end {}, tick-to-encode max {} ns",
        s.fills,
        s.maker_fills,
        s.taker_fills,
        s.filled_orders,
        s.volume,
        s.notional,
        s.fees,
        gw.open_orders(),
        s.tick_to_encode_max_ns
    );
    assert!(orders >= 300, "a few hundred orders");
    assert_eq!(s.orders_received as usize, orders);
    assert!(s.maker_fills > 0 && s.taker_fills > 0, "both queue fills and taker fills happen on real data");
    assert!(s.cancelled > 0 && s.rejected_for(VenueReject::NoLiquidity) > 0);
    assert_eq!(chk.fills, s.fills);
    // Every fill is within 1 % of the market (no runaway prices from stale levels).
    let first =
        market.iter().find_map(|m| if let Msg::Quote(q) = m { Some(q.bid_px) } else { None }).unwrap();
    for (_, m) in reports {
        if let Msg::Exec(r) = m {
            if r.kind == ExecKind::Fill {
                assert!((r.px.raw() - first.raw()).abs() < first.raw() / 100, "fill at {}", r.px);
            }
        }
    }
}

/// Runs without the shared data: a synthetic random-walk market, same orders, same checks.
#[test]
fn synthetic_stream_allocates_nothing() {
    assert_eq!(counting::allocations_in(|| drop(std::hint::black_box(vec![1u8; 8]))), 1, "counter works");
    let mut market = Vec::new();
    let mut mid = 6_000_000i64; // in ticks of 0.01
    let mut x = 7u64;
    for i in 0..20_000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let ts = 1_000_000_000 + i * 1_000_000;
        if x >> 62 == 0 {
            let aggressor = if x & 1 == 0 { Side::Buy } else { Side::Sell };
            let px = if aggressor == Side::Buy { mid + 1 } else { mid };
            market.push(Msg::Trade(Trade {
                inst: INST,
                aggressor,
                px: Price::from_raw(px * 1_000_000),
                qty: Qty::from_raw(((x >> 20) % 50 + 1) as i64 * 10_000),
                local_ts: ts,
                ..Trade::default()
            }));
        } else {
            mid += ((x >> 40) % 3) as i64 - 1;
            market.push(Msg::Quote(Quote {
                inst: INST,
                bid_px: Price::from_raw(mid * 1_000_000),
                bid_qty: Qty::from_raw(((x >> 8) % 300 + 1) as i64 * 10_000),
                ask_px: Price::from_raw((mid + 1) * 1_000_000),
                ask_qty: Qty::from_raw(((x >> 16) % 300 + 1) as i64 * 10_000),
                local_ts: ts,
                ..Quote::default()
            }));
        }
    }
    let msgs = with_orders(&market, 40);
    let mut gw =
        SimGateway::new(SimConfig { max_orders: 16, max_pending: 4, ..SimConfig::default() }, &btcusdt(), 50)
            .unwrap();
    let mut out = PreOut { up: Vec::with_capacity(msgs.len()), cur: 0, down: 0, overflow: 0 };
    assert_eq!(counting::allocations_in(|| drive::run(&mut gw, &msgs, &[], &mut out)), 0);
    drive::check(&gw, &msgs, &out);
    let s = gw.stats();
    assert!(s.maker_fills > 0 && s.taker_fills > 0 && s.rejected_total() > 0, "{s:?}");
}
