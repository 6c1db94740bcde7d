//! Orders from the router's stream (`order_new`, then each `order_state` transition) and their
//! fills from risk's execution reports; the router's counters (sent, filled, partially filled,
//! cancelled, venue rejects) counted from the same transitions the router counts them on.

use super::shapes::{Order, Transition};
use alphapulse_oms::{LifecycleEvent, OrderState};
use alphapulse_types::{ExecReport, OrderNew, OrderTransition};
use std::collections::{HashMap, VecDeque};

/// Orders kept (the oldest finished ones go first).
pub const ORDERS_KEPT: usize = 50_000;
/// Transitions kept per order.
const TRANSITIONS_KEPT: usize = 32;

/// The router's counters, as the backtest report names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderCounts {
    pub sent: u64,
    pub filled: u64,
    pub partially_filled: u64,
    pub cancelled: u64,
    pub cancelled_after_partial: u64,
    pub venue_rejected: u64,
}

impl OrderCounts {
    /// Sent and not yet finished (filled, cancelled or rejected).
    pub fn open(&self) -> u64 {
        self.sent.saturating_sub(self.filled + self.cancelled + self.venue_rejected)
    }
}

#[derive(Debug, Default)]
pub struct OrderBook {
    orders: HashMap<u64, Order>,
    /// Order ids, oldest first.
    order: VecDeque<u64>,
    fill_notional: HashMap<u64, f64>,
    pub counts: OrderCounts,
}

fn name_of(v: u8, f: fn(u8) -> Option<&'static str>) -> String {
    f(v).map_or_else(|| v.to_string(), str::to_string)
}

fn state_name(v: u8) -> String {
    name_of(v, |n| OrderState::from_u8(n).map(OrderState::name))
}

impl OrderBook {
    pub fn on_new(&mut self, n: &OrderNew, symbol: &str) -> &Order {
        self.counts.sent += 1;
        let id = n.order_id.0;
        let o = Order {
            order_id: id,
            intent_id: id,
            strategy: n.strategy.0,
            symbol: symbol.to_string(),
            inst: n.inst.0,
            side: n.side.name().into(),
            ord_type: n.ord_type.name().into(),
            tif: n.tif.name().into(),
            trigger: n.trigger.name().into(),
            price: n.px.to_f64(),
            price_raw: n.px.raw(),
            qty: n.qty.to_f64(),
            qty_raw: n.qty.raw(),
            state: "order_creation".into(),
            open: true,
            created_ns: n.ts,
            created: crate::report::utc_ms(n.ts),
            updated_ns: n.ts,
            ..Default::default()
        };
        if self.orders.insert(id, o).is_none() {
            self.order.push_back(id);
        }
        self.evict();
        &self.orders[&id]
    }

    fn evict(&mut self) {
        while self.order.len() > ORDERS_KEPT {
            // The oldest finished order goes; if every kept order is open, the oldest one.
            let i = self.order.iter().position(|id| self.orders.get(id).is_none_or(|o| !o.open)).unwrap_or(0);
            if let Some(id) = self.order.remove(i) {
                self.orders.remove(&id);
                self.fill_notional.remove(&id);
            }
        }
    }

    /// Apply one transition; returns the order when it is one the view keeps.
    pub fn on_transition(&mut self, t: &OrderTransition, ts: u64) -> Option<&Order> {
        let event = LifecycleEvent::from_u8(t.event);
        let from = OrderState::from_u8(t.from);
        if t.refused == 0 {
            match event {
                Some(LifecycleEvent::Fill) => self.counts.filled += 1,
                Some(LifecycleEvent::PartialFill) if from == Some(OrderState::OrderPlaced) => {
                    self.counts.partially_filled += 1
                }
                Some(LifecycleEvent::Cancel) => {
                    self.counts.cancelled += 1;
                    self.counts.cancelled_after_partial += (from == Some(OrderState::PartiallyFilled)) as u64;
                }
                Some(LifecycleEvent::Fail) => self.counts.venue_rejected += 1,
                _ => {}
            }
        }
        let o = self.orders.get_mut(&t.order_id.0)?;
        o.transitions.push(Transition {
            ts_ns: ts,
            from: state_name(t.from),
            to: state_name(t.to),
            event: name_of(t.event, |n| LifecycleEvent::from_u8(n).map(LifecycleEvent::name)),
            refused: t.refused != 0,
        });
        if o.transitions.len() > TRANSITIONS_KEPT {
            o.transitions.remove(0);
        }
        o.updated_ns = ts;
        if t.refused == 0 {
            o.state = state_name(t.to);
            let outcome = match event {
                Some(LifecycleEvent::Fill) => Some("filled"),
                Some(LifecycleEvent::Cancel) if from == Some(OrderState::PartiallyFilled) => {
                    Some("partially_filled_then_cancelled")
                }
                Some(LifecycleEvent::Cancel) => Some("cancelled"),
                Some(LifecycleEvent::Fail) => Some("rejected"),
                _ => None,
            };
            if let Some(out) = outcome {
                o.outcome = Some(out.into());
                o.open = false;
            }
        }
        Some(o)
    }

    /// A fill report (risk's stream) for one of the orders.
    pub fn on_fill(&mut self, r: &ExecReport) {
        let Some(o) = self.orders.get_mut(&r.order_id.0) else { return };
        o.filled_qty_raw = o.filled_qty_raw.saturating_add(r.qty.raw());
        o.filled_qty = alphapulse_types::Qty(o.filled_qty_raw).to_f64();
        o.fees += r.fee.to_f64();
        let n = self.fill_notional.entry(r.order_id.0).or_default();
        *n += r.px.to_f64() * r.qty.to_f64();
        if o.filled_qty > 0.0 {
            o.avg_fill_price = Some(*n / o.filled_qty);
        }
    }

    /// Kept orders, newest first, filtered by `open` (None: all).
    pub fn list(&self, open: Option<bool>, limit: usize) -> Vec<Order> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.orders.get(id))
            .filter(|o| open.is_none_or(|want| o.open == want))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn kept(&self) -> usize {
        self.orders.len()
    }
}
