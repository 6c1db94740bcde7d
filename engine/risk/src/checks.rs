//! The pre-trade checks. [`check`] is a pure function of the limits, a [`RiskView`] of the actor's
//! state and the intent; it runs the checks in a fixed order and returns the first failure's
//! [`Verdict`] (or `Approved`). Integer math only: notional and bps products in `i128`.
//!
//! Order: `Halted` → `InstrumentRules` → `NoMarket` → `MaxOrderQty` → `MaxOrderNotional` →
//! `MaxPosition` → `PriceBand` → `RateLimit` → `MaxOpenOrders`.

use crate::Limits;
use alphapulse_types::{notional, Instrument, Intent, OrdType, Price, Qty, Side, Verdict};

/// What the checks need to know about the actor's state for one intent.
#[derive(Clone, Copy, Debug)]
pub struct RiskView<'a> {
    /// Kill switch engaged.
    pub halted: bool,
    /// The intent's instrument (`None`: unknown id, refused as `InstrumentRules`).
    pub instrument: Option<&'a Instrument>,
    /// Mid of the latest two-sided quote (`None`: no market yet, or the book reported a gap).
    pub mid: Option<Price>,
    /// Signed position in the instrument.
    pub position: Qty,
    /// Unfilled quantity of open orders on the intent's side (non-negative).
    pub open_same_side: Qty,
    /// Orders approved and not yet terminal.
    pub open_orders: u32,
    /// The rate window allows one more approval now ([`crate::RateWindow::allows`]).
    pub rate_ok: bool,
}

/// Run every check in order; the first failure decides.
#[inline]
pub fn check(limits: &Limits, view: &RiskView<'_>, it: &Intent) -> Verdict {
    if view.halted {
        return Verdict::Halted;
    }
    let Some(inst) = view.instrument else {
        return Verdict::InstrumentRules;
    };
    if !instrument_rules_ok(inst, view.mid, it) {
        return Verdict::InstrumentRules;
    }
    let Some(mid) = view.mid else {
        return Verdict::NoMarket;
    };
    if it.qty > limits.max_order_qty {
        return Verdict::MaxOrderQty;
    }
    let px = effective_px(it, mid);
    if notional(px, it.qty) > limits.max_order_notional {
        return Verdict::MaxOrderNotional;
    }
    if !position_ok(limits, view, it) {
        return Verdict::MaxPosition;
    }
    if it.ord_type == OrdType::Limit && !in_band(it.side, it.px, mid, limits.price_band_bps) {
        return Verdict::PriceBand;
    }
    if !view.rate_ok {
        return Verdict::RateLimit;
    }
    if view.open_orders >= limits.max_open_orders {
        return Verdict::MaxOpenOrders;
    }
    Verdict::Approved
}

/// The price notional is computed at: the limit price, or the mid for market orders.
#[inline(always)]
pub fn effective_px(it: &Intent, mid: Price) -> Price {
    match it.ord_type {
        OrdType::Limit => it.px,
        OrdType::Market => mid,
    }
}

/// Tick/lot grid and minimums. Limit orders: [`Instrument::order_valid`] at the limit price.
/// Market orders have no price: the quantity must be valid and, once there is a mid, the notional
/// at the mid must reach the minimum (the mid itself need not lie on the tick grid); with no mid
/// the notional part is left to `NoMarket`, which comes next.
#[inline]
pub fn instrument_rules_ok(inst: &Instrument, mid: Option<Price>, it: &Intent) -> bool {
    match it.ord_type {
        OrdType::Limit => inst.order_valid(it.px, it.qty),
        OrdType::Market => {
            inst.qty_valid(it.qty) && mid.is_none_or(|m| notional(m, it.qty) >= inst.min_notional)
        }
    }
}

/// `|position + side × (open same-side qty + qty)| <= max_position`.
#[inline]
pub fn position_ok(limits: &Limits, view: &RiskView<'_>, it: &Intent) -> bool {
    let add = view.open_same_side.raw() as i128 + it.qty.raw() as i128;
    let projected = view.position.raw() as i128 + it.side.sign() as i128 * add;
    projected.abs() <= limits.max_position.raw() as i128
}

/// Buys at most `mid × (1 + bps/1e4)`, sells at least `mid × (1 − bps/1e4)`.
#[inline]
pub fn in_band(side: Side, px: Price, mid: Price, bps: u32) -> bool {
    let p = px.raw() as i128 * 10_000;
    let m = mid.raw() as i128;
    match side {
        Side::Buy => p <= m * (10_000 + bps as i128),
        Side::Sell => p >= m * (10_000 - bps as i128),
    }
}
