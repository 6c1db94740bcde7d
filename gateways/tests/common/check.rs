//! Invariants every run of the simulator must keep, checked over the reports it sent.
#![allow(dead_code)]

use alphapulse_gateways::sim::{SimConfig, SimGateway};
use alphapulse_types::fixed::apply_ppm;
use alphapulse_types::*;
use std::collections::BTreeMap;

/// What one order saw.
#[derive(Default, Debug)]
pub struct Life {
    pub order: OrderNew,
    pub accepted: bool,
    pub filled: Qty,
    pub fills: u32,
    pub terminal: u32,
}

/// Tracks sent orders and checks each report as it comes.
#[derive(Default)]
pub struct Checker {
    pub orders: BTreeMap<u64, Life>,
    pub fee_sum: Money,
    pub fills: u64,
    pub cancel_rejects: u64,
}

impl Checker {
    pub fn sent(&mut self, o: &OrderNew) {
        let prev = self.orders.insert(o.order_id.0, Life { order: *o, ..Life::default() });
        assert!(prev.is_none(), "test sends unique ids");
    }

    /// Check one report; panics with a message on any violated invariant.
    pub fn report(&mut self, cfg: &SimConfig, r: &ExecReport) {
        if r.kind == ExecKind::CancelRejected {
            self.cancel_rejects += 1; // a refused cancel: not a state change of any order
            return;
        }
        let l = self.orders.get_mut(&r.order_id.0).expect("report for an order never sent");
        let o = l.order;
        assert_eq!(
            (r.inst, r.strategy(), r.side),
            (o.inst, o.order_id.strategy(), o.side),
            "report fields echo the order"
        );
        assert_eq!(l.terminal, 0, "report after the order's terminal report: {r:?}");
        match r.kind {
            ExecKind::Accepted => {
                assert!(!l.accepted && l.fills == 0, "Accepted must come first, once");
                l.accepted = true;
            }
            ExecKind::Fill => {
                assert!(l.accepted, "fill before Accepted");
                assert!(r.qty.raw() > 0, "empty fill");
                l.filled += r.qty;
                l.fills += 1;
                assert!(l.filled <= o.qty, "overfill: {} of {}", l.filled, o.qty);
                if o.ord_type == OrdType::Limit {
                    match o.side {
                        Side::Buy => assert!(r.px <= o.px, "buy filled at {} above limit {}", r.px, o.px),
                        Side::Sell => assert!(r.px >= o.px, "sell filled at {} below limit {}", r.px, o.px),
                    }
                }
                let ppm = match r.liquidity {
                    Liquidity::Maker => cfg.maker_fee_ppm,
                    Liquidity::Taker => cfg.taker_fee_ppm,
                    Liquidity::None => panic!("fill without liquidity flag"),
                };
                assert_eq!(r.fee, apply_ppm(notional(r.px, r.qty), ppm), "fee = ppm × notional");
                if r.liquidity == Liquidity::Maker {
                    assert_eq!(r.px, o.px, "maker fills at the order's price");
                }
                self.fee_sum += r.fee;
                self.fills += 1;
                if l.filled == o.qty {
                    l.terminal += 1;
                }
            }
            ExecKind::Cancelled => {
                assert!(l.accepted, "cancel of an order never accepted");
                assert!(l.filled < o.qty);
                if o.tif == Tif::Fok {
                    panic!("a FOK is never cancelled after acceptance: it fills in full");
                }
                l.terminal += 1;
            }
            ExecKind::CancelRejected => unreachable!("handled above"),
            ExecKind::Rejected => {
                assert!(!l.accepted, "Rejected after Accepted");
                assert_eq!(l.fills, 0);
                l.terminal += 1;
            }
        }
    }

    /// Checks at the end of a run (after `Eos`).
    pub fn finish(&self, gw: &SimGateway) {
        let mut open = 0;
        for l in self.orders.values() {
            assert!(l.terminal <= 1);
            if l.order.tif == Tif::Fok && l.fills > 0 {
                assert_eq!(l.filled, l.order.qty, "FOK is all or nothing");
            }
            if l.accepted && l.terminal == 0 {
                assert!(
                    l.order.tif == Tif::Gtc && l.order.ord_type == OrdType::Limit,
                    "only GTC limits rest"
                );
                open += 1;
            }
            if !l.accepted {
                assert_eq!(l.terminal, 1, "every order is answered by Eos: {:?}", l.order);
            }
        }
        assert_eq!(gw.open_orders(), open, "open orders = accepted and not done");
        assert!(gw.open_orders() <= gw.config().max_orders);
        let s = gw.stats();
        assert_eq!(s.fills, self.fills);
        assert_eq!(s.fees, self.fee_sum);
        assert_eq!(s.cancel_rejects, self.cancel_rejects);
        assert_eq!(s.orders_received as usize, self.orders.len());
        assert_eq!(s.accepted as usize, self.orders.values().filter(|l| l.accepted).count());
        assert_eq!(s.maker_fills + s.taker_fills, s.fills);
    }
}
