//! What market events do to resting orders (the queue model). All fills here are maker fills at
//! the order's own price, reported at the event's time plus the response latency. Orders are
//! visited in arrival order, so when one event fills several, the older order fills first.
//!
//! - **Trade at the order's price**, aggressor on the other side (a sell hitting our bid): the
//!   trade first consumes `queue_ahead`; what exceeds it fills the order, less what older orders of
//!   ours already took from the same trade (our orders queue behind each other).
//! - **Trade through the order's price** (a print below a resting buy, above a resting sell): the
//!   whole level was swept, so the order fills completely, whatever the print's quantity.
//! - **Book change** (a `Quote`, or the last `Level` of a depth update): `queue_ahead` drops to the
//!   displayed quantity at the order's price if that is smaller (orders ahead cancelled or were
//!   filled), and an order that the opposite best now reaches (ask ≤ resting buy, bid ≥ resting
//!   sell) fills completely as a maker at its own price: the market moved through it.
//! - While an instrument's book is unusable (after `BookStatus::Gap`) its resting orders wait: no
//!   fills of any kind. An order that rested while the book was unusable takes its `queue_ahead`
//!   from the first book change after the book is usable again.

use super::gateway::{positive, SimGateway};
use alphapulse_runtime::Ctx;
use alphapulse_types::{Liquidity, Qty, Side, Trade};

impl SimGateway {
    /// Fill the `pos`-th resting order by `qty` at its price; returns true if it was removed.
    fn maker_fill(&mut self, pos: usize, qty: Qty, act: u64, ctx: &mut Ctx<'_>) -> bool {
        let Some(w) = self.table.nth_mut(pos) else { return false };
        let qty = qty.min(w.leaves);
        if !positive(qty) {
            return false;
        }
        w.leaves -= qty;
        let (order, done) = (w.order, !positive(w.leaves));
        self.tariff.fill(&mut self.stats, ctx, &order, order.px, qty, Liquidity::Maker, act);
        if done {
            self.stats.filled_orders += 1;
            self.table.remove_nth(pos);
        }
        done
    }

    pub(crate) fn on_trade(&mut self, inst: usize, t: &Trade, ctx: &mut Ctx<'_>) {
        if !self.views[inst].usable {
            return;
        }
        let mut used = Qty::ZERO; // quantity of this trade already given to our orders via the queue
        let mut pos = 0;
        while let Some(w) = self.table.nth_mut(pos) {
            if w.order.inst.index() != inst {
                pos += 1;
                continue;
            }
            if !w.queue_known {
                w.queue_ahead = self.views[inst].book.qty_at(w.order.side, w.order.px);
                w.queue_known = true;
            }
            let px = w.order.px;
            let through = match w.order.side {
                Side::Buy => t.px < px,
                Side::Sell => t.px > px,
            };
            let fill = if through {
                w.leaves
            } else if t.px == px && t.aggressor != w.order.side {
                let consumed = w.queue_ahead.min(t.qty);
                w.queue_ahead -= consumed;
                let excess = t.qty.saturating_sub(consumed).saturating_sub(used);
                let f = excess.min(w.leaves).max(Qty::ZERO);
                used = used.saturating_add(f);
                f
            } else {
                Qty::ZERO
            };
            if !(positive(fill) && self.maker_fill(pos, fill, t.local_ts, ctx)) {
                pos += 1;
            }
        }
    }

    pub(crate) fn on_book_change(&mut self, inst: usize, ts: u64, ctx: &mut Ctx<'_>) {
        let view = &self.views[inst];
        if !view.usable {
            return;
        }
        let (best_bid, best_ask) = (view.book.best_bid(), view.book.best_ask());
        let mut pos = 0;
        while let Some(w) = self.table.nth_mut(pos) {
            if w.order.inst.index() != inst {
                pos += 1;
                continue;
            }
            let shown = self.views[inst].book.qty_at(w.order.side, w.order.px);
            w.queue_ahead = if w.queue_known { w.queue_ahead.min(shown) } else { shown };
            w.queue_known = true;
            let crossed = match w.order.side {
                Side::Buy => matches!(best_ask, Some((a, _)) if a <= w.order.px),
                Side::Sell => matches!(best_bid, Some((b, _)) if b >= w.order.px),
            };
            let leaves = w.leaves;
            if !(crossed && self.maker_fill(pos, leaves, ts, ctx)) {
                pos += 1;
            }
        }
    }
}
