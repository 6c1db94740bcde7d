//! What the matching engine does when a request reaches it (at `act`, its arrival time).
//!
//! New orders:
//! - a duplicate of a live order id → `Rejected(Invalid)`;
//! - market orders take the opposite side level by level with no limit; an empty or unusable book
//!   → `Rejected(NoLiquidity)`; otherwise `Accepted`, the fills, and `Cancelled` for any rest (a
//!   market order never rests, whatever its time in force, except FOK below);
//! - FOK (limit or market): if the visible quantity within the limit is less than the order's →
//!   `Rejected(NoLiquidity)` and nothing else; otherwise `Accepted` and fills for the whole quantity;
//! - IOC limit: `Accepted`, the fills within the limit, `Cancelled` for the rest (also when nothing
//!   could be taken, e.g. on an unusable book);
//! - GTC limit: `Rejected(TooManyOrders)` if the order table is full (checked first, so a rejected
//!   order never partly fills); else `Accepted`, the fills within the limit, and the rest rests
//!   with `queue_ahead` = the displayed quantity at its price. On an unusable book it takes nothing
//!   and rests with its queue unknown until the book is usable again.
//!
//! Every taker fill is at the level's price with the taker fee, and consumes the level's displayed
//! quantity in the simulator's view (the feed restores it on its next update of that level: the
//! simulator does not model market impact).
//!
//! Cancels: a resting order → `Cancelled`; anything else (unknown, filled, already cancelled,
//! never rested) → `CancelRejected(UnknownOrder)` carrying the cancel's id, instrument and strategy.

use super::gateway::{positive, split, SimGateway};
use super::table::Working;
use alphapulse_runtime::Ctx;
use alphapulse_types::{Liquidity, OrdType, OrderCancel, OrderNew, Tif, VenueReject};

impl SimGateway {
    pub(crate) fn arrive_new(&mut self, o: &OrderNew, act: u64, ctx: &mut Ctx<'_>) {
        let t = self.tariff;
        let st = &mut self.stats;
        let q = &mut self.outgoing;
        if self.table.contains(o.order_id) {
            t.rejected(st, Some(q), ctx, o, VenueReject::Invalid, act);
            return;
        }
        let i = o.inst.index();
        let Some(view) = self.views.get_mut(i) else {
            t.rejected(st, Some(q), ctx, o, VenueReject::Invalid, act);
            return;
        };
        let usable = view.usable;
        let (view, base) = split(view, &self.pre, i, ctx.books());
        let market = o.ord_type == OrdType::Market;
        let limit = if market { None } else { Some(o.px) };
        let rests = !market && o.tif == Tif::Gtc;
        if market && (!usable || view.best(&base, o.side.opposite()).is_none()) {
            t.rejected(st, Some(q), ctx, o, VenueReject::NoLiquidity, act);
            return;
        }
        if o.tif == Tif::Fok && (!usable || view.available(&base, o.side, limit, o.qty) < o.qty) {
            t.rejected(st, Some(q), ctx, o, VenueReject::NoLiquidity, act);
            return;
        }
        if rests && self.table.is_full() {
            t.rejected(st, Some(q), ctx, o, VenueReject::TooManyOrders, act);
            return;
        }
        t.accepted(st, q, ctx, o, act);
        // What crosses the order's price now, before it takes: a later book change shows this
        // quantity again (the feed does not know we took it), and only quantity beyond it is new.
        let cross_seen =
            if usable { view.crossing(&base, o.side, o.px) } else { alphapulse_types::Qty::ZERO };
        let taken = if usable {
            view.take(&base, o.side, limit, o.qty, |px, f| {
                t.fill(st, q, ctx, o, px, f, Liquidity::Taker, act)
            })
        } else {
            alphapulse_types::Qty::ZERO
        };
        let leaves = o.qty - taken;
        if !positive(leaves) {
            st.filled_orders += 1;
            return;
        }
        if !rests {
            t.cancelled(st, q, ctx, o, act);
            return;
        }
        let queue_ahead = view.qty_at(&base, o.side, o.px);
        let w = Working { order: *o, leaves, queue_ahead, queue_known: usable, cross_seen };
        // Cannot fail: fullness and duplicates were checked above.
        if self.table.insert(w) {
            st.max_open_orders = st.max_open_orders.max(self.table.len() as u64);
        }
    }

    pub(crate) fn arrive_cancel(&mut self, c: &OrderCancel, act: u64, ctx: &mut Ctx<'_>) {
        match self.table.remove(c.order_id) {
            Some(w) => self.tariff.cancelled(&mut self.stats, &mut self.outgoing, ctx, &w.order, act),
            None => {
                let (q, r) = (Some(&mut self.outgoing), VenueReject::UnknownOrder);
                self.tariff.cancel_rejected(&mut self.stats, q, ctx, c.order_id, c.inst, c.strategy, r, act);
            }
        }
    }
}
