//! Test helpers: an instrument table, message builders and a harness that collects reports.
#![allow(dead_code)]

pub mod check;
pub mod drive;
use alphapulse_gateways::sim::{SimConfig, SimGateway};
use alphapulse_runtime::VecOutbox;
use alphapulse_types::*;

pub const INST: InstrumentId = InstrumentId(0);

/// Price / quantity from a decimal string.
pub fn p(s: &str) -> Price {
    Price::parse(s.as_bytes()).unwrap()
}
pub fn q(s: &str) -> Qty {
    Qty::parse(s.as_bytes()).unwrap()
}

/// BTCUSDT-like grid without minimum notional (tick 0.01, lot 0.00001).
pub fn table() -> InstrumentTable {
    let mut t = InstrumentTable::new();
    t.add(Instrument {
        id: INST,
        symbol: "BTCUSDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick: p("0.01"),
        lot: q("0.00001"),
        min_qty: q("0.00001"),
        min_notional: Money::ZERO,
    })
    .unwrap();
    t
}

pub fn cfg(lat: u64, resp: u64) -> SimConfig {
    SimConfig {
        order_latency_ns: lat,
        response_latency_ns: resp,
        maker_fee_ppm: -100,
        taker_fee_ppm: 1_000,
        max_orders: 8,
        max_pending: 8,
        max_reports: 64,
    }
}

pub struct Harness {
    pub gw: SimGateway,
    pub out: VecOutbox,
}

impl Harness {
    pub fn new(cfg: SimConfig) -> Self {
        Harness { gw: SimGateway::new(cfg, &table(), 64).unwrap(), out: VecOutbox::default() }
    }
    /// Handle `msg` at its event time; returns the reports it produced (and checks nothing went Down).
    pub fn send(&mut self, msg: Msg) -> Vec<ExecReport> {
        self.send_at(msg, msg.event_ts())
    }
    pub fn send_at(&mut self, msg: Msg, now: u64) -> Vec<ExecReport> {
        self.out.clear();
        self.handle(msg, now)
    }
    /// One depth update at `ts` with these (price, qty) levels; returns the reports it produced.
    pub fn depth(&mut self, ts: u64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> Vec<ExecReport> {
        let levels = |s: &[(&str, &str)]| {
            s.iter().map(|&(px, qty)| PxQty { px: p(px), qty: q(qty) }).collect::<Vec<_>>()
        };
        let d = Depth { inst: INST, exch_ts: ts, local_ts: ts, ..Depth::default() };
        self.send_depth(d, &levels(bids), &levels(asks), ts)
    }
    /// The depth update `d` with these levels, handled at `now`; returns the reports it produced.
    pub fn send_depth(&mut self, d: Depth, bids: &[PxQty], asks: &[PxQty], now: u64) -> Vec<ExecReport> {
        self.out.clear();
        let msg = self.out.depth(d, bids, asks);
        self.handle(msg, now)
    }
    /// One level at `ts` (a depth update of one level on `side`).
    pub fn level(&mut self, ts: u64, side: Side, px: &str, qty: &str) -> Vec<ExecReport> {
        match side {
            Side::Buy => self.depth(ts, &[(px, qty)], &[]),
            Side::Sell => self.depth(ts, &[], &[(px, qty)]),
        }
    }
    fn handle(&mut self, msg: Msg, now: u64) -> Vec<ExecReport> {
        self.out.handle(&mut self.gw, &msg, now);
        assert!(self.out.down.is_empty(), "the gateway is last: it must not send Down");
        self.out
            .up
            .iter()
            .map(|m| match m {
                Msg::Exec(r) => *r,
                other => panic!("unexpected {other:?} sent Up"),
            })
            .collect()
    }
}

pub fn quote(ts: u64, bid: &str, bq: &str, ask: &str, aq: &str) -> Msg {
    Msg::Quote(Quote {
        inst: INST,
        bid_px: p(bid),
        bid_qty: q(bq),
        ask_px: p(ask),
        ask_qty: q(aq),
        local_ts: ts,
        ..Quote::default()
    })
}

pub fn trade(ts: u64, aggressor: Side, px: &str, qty: &str) -> Msg {
    Msg::Trade(Trade {
        inst: INST,
        aggressor,
        px: p(px),
        qty: q(qty),
        exch_ts: ts,
        local_ts: ts,
        ..Trade::default()
    })
}

pub fn status(ts: u64, state: BookState) -> Msg {
    Msg::Book(BookStatus { inst: INST, state, exch_ts: ts, local_ts: ts, ..BookStatus::default() })
}

/// A market event that changes nothing (`Synced` on a usable book): lets event time pass.
pub fn tick(ts: u64) -> Msg {
    status(ts, BookState::Synced)
}

pub fn order(id: u64, ts: u64, side: Side, ord_type: OrdType, tif: Tif, px: &str, qty: &str) -> OrderNew {
    OrderNew {
        order_id: OrderId(id),
        px: if px.is_empty() { Price::ZERO } else { p(px) },
        qty: q(qty),
        origin_ts: ts.saturating_sub(7),
        ts,
        inst: INST,
        strategy: StrategyId(3),
        side,
        ord_type,
        tif,
        trigger: Default::default(),
        _pad: [0; 6],
    }
}

pub fn limit(id: u64, ts: u64, side: Side, tif: Tif, px: &str, qty: &str) -> Msg {
    Msg::New(order(id, ts, side, OrdType::Limit, tif, px, qty))
}

pub fn market(id: u64, ts: u64, side: Side, tif: Tif, qty: &str) -> Msg {
    Msg::New(order(id, ts, side, OrdType::Market, tif, "", qty))
}

pub fn cancel(id: u64, ts: u64) -> Msg {
    Msg::Cancel(OrderCancel {
        order_id: OrderId(id),
        origin_ts: ts,
        ts,
        inst: INST,
        strategy: StrategyId(3),
        _pad: [0; 2],
    })
}

pub fn eos(ts: u64) -> Msg {
    Msg::Eos(EndOfStream { ts })
}

/// (kind, px, qty) of each report, for compact assertions.
pub fn kinds(rs: &[ExecReport]) -> Vec<(ExecKind, Price, Qty)> {
    rs.iter().map(|r| (r.kind, r.px, r.qty)).collect()
}
