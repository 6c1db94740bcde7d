//! [`OrderRecord`]: what the order manager knows about one order.

use crate::OrderState;
use alphapulse_types::{
    InstrumentId, Intent, Money, OrdType, OrderCancel, OrderId, Price, Qty, Side, StrategyId, Tif, Trigger,
    VenueReject, Verdict,
};

/// One order (or one rejected intent) in the order table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderRecord {
    /// `OrderId(0)` for an intent that risk rejected (no order was created).
    pub order_id: OrderId,
    pub intent_id: u64,
    pub inst: InstrumentId,
    pub strategy: StrategyId,
    pub side: Side,
    pub ord_type: OrdType,
    pub tif: Tif,
    pub px: Price,
    /// Order quantity.
    pub qty: Qty,
    /// Cumulative filled quantity: the sum of every fill report's quantity.
    pub filled: Qty,
    /// Fill reports received.
    pub fill_count: u32,
    /// Σ fill price × fill qty (saturating).
    pub fill_notional: Money,
    pub state: OrderState,
    /// Risk's verdict on the intent.
    pub verdict: Verdict,
    /// The venue's reason when it refused the order.
    pub reject_reason: VenueReject,
    /// A cancel was sent (TTL expiry); the venue's answer decides the state.
    pub cancel_requested: bool,
    /// Tick-to-trade origin of the intent.
    pub origin_ts: u64,
    /// The kind of market event that caused the intent.
    pub trigger: Trigger,
    /// When the decision reached the order manager (and the new order went out).
    pub created_ts: u64,
    /// When the venue accepted it (0 if never).
    pub placed_ts: u64,
    /// When its fills were done (Filled/Cancelled/Failed; 0 while working).
    pub done_ts: u64,
}

impl OrderRecord {
    /// Mark the order as being cancelled and return the cancel to send at `now`.
    pub fn cancel(&mut self, now: u64) -> OrderCancel {
        self.cancel_requested = true;
        OrderCancel {
            order_id: self.order_id,
            origin_ts: self.origin_ts,
            ts: now,
            inst: self.inst,
            strategy: self.strategy,
            ..Default::default()
        }
    }

    /// A fresh record for a decision, in `SignalGenerated`.
    pub fn from_decision(d: &Intent, now: u64) -> Self {
        OrderRecord {
            intent_id: d.intent_id,
            inst: d.inst,
            strategy: d.strategy,
            side: d.side,
            ord_type: d.ord_type,
            tif: d.tif,
            px: d.px,
            qty: d.qty,
            verdict: d.verdict,
            origin_ts: d.origin_ts,
            trigger: d.trigger,
            created_ts: now,
            ..Default::default()
        }
    }
    /// Quantity still open: order quantity minus fills (never negative).
    pub fn leaves(&self) -> Qty {
        Qty((self.qty.raw() - self.filled.raw()).max(0))
    }
    /// Average fill price (0 before any fill), truncated.
    pub fn avg_fill_px(&self) -> Price {
        if self.filled.raw() <= 0 {
            return Price::ZERO;
        }
        let w = self.fill_notional.raw() as i128 * alphapulse_types::SCALE as i128;
        Price((w / self.filled.raw() as i128) as i64)
    }
}
