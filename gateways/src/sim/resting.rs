//! What market events do to resting orders: the queue model. It must never be kinder than the
//! market: an order fills only by quantity that the recorded market could have sent it.
//!
//! All fills here are maker fills at the order's own price, stamped with the event's time plus
//! the response latency. Orders are visited in arrival order (not price priority), and quantity
//! one event gives to an order is not given again to a later one.
//!
//! **Queue position.** An order that rests gets `queue_ahead` = the quantity displayed at its
//! price on its side when it reached the engine (everyone there was first). It only shrinks:
//! - a **trade at the order's price** by the other side (a sell hitting our bid) consumes
//!   `queue_ahead` first; only the rest of the trade's quantity can reach the order;
//! - a **book change** (a `Quote`, or the last `Level` of a depth update) that displays less at
//!   the order's price than `queue_ahead` lowers it to that: orders ahead were cancelled or filled
//!   (we assume cancels come from ahead of us — optimistic, the usual simple queue model; the
//!   probabilistic models of e.g. hftbacktest would put part of them behind us). Quantity joining
//!   the level queues behind us and never moves us back.
//!
//! **Trade through the price** (a sell printing below a resting buy, a buy printing above a
//! resting sell): the aggressor swept our level, so nothing is ahead of us any more
//! (`queue_ahead` = 0) and the trade's quantity — which the market gave to worse prices — would
//! have reached us first: the order fills by at most that quantity (less what older orders of
//! ours took from the same trade). A tiny print through a large order fills a tiny part.
//! Trades by our own side (a buy printing below our buy) never fill us.
//!
//! **The market crossing the order** (after a book change the opposite best reaches the order's
//! price: ask ≤ a resting buy, bid ≥ a resting sell): on the venue those sellers would have traded
//! with us as takers, at our price. The order fills, as a maker at its own price, by at most the
//! opposite quantity displayed at or better than its price *that it has not seen before*: the
//! simulator remembers that quantity per order (`cross_seen`, taken when the order arrives —
//! before it takes as a taker — and after every book change) because the feed keeps showing
//! sellers we would have consumed; only an increase is new supply. The rest keeps resting.
//! Crossing fills do not consume the view.
//!
//! While an instrument's book is unusable (after `BookStatus::Gap`) its resting orders wait: no
//! fills of any kind. An order that rested while the book was unusable takes its `queue_ahead`
//! from the first event after the book is usable again, with `cross_seen` = 0: whatever crosses
//! it then would have traded with it (as the taker's counterpart, or as our taking at arrival —
//! we fill at our own price, never the better one shown).

use super::gateway::{positive, split, SimGateway};
use alphapulse_runtime::Ctx;
use alphapulse_types::{Liquidity, Qty, Side, Trade};

/// Why a maker fill happened (for the stats).
#[derive(Clone, Copy)]
enum Cause {
    Trade,
    Crossing,
}

impl SimGateway {
    /// Fill the `pos`-th resting order by `qty` at its price; returns true if it was removed.
    fn maker_fill(&mut self, pos: usize, qty: Qty, act: u64, cause: Cause, ctx: &mut Ctx<'_>) -> bool {
        let Some(w) = self.table.nth_mut(pos) else { return false };
        let qty = qty.min(w.leaves);
        if !positive(qty) {
            return false;
        }
        w.leaves -= qty;
        let (order, done) = (w.order, !positive(w.leaves));
        match cause {
            Cause::Trade => self.stats.maker_fills_by_trades += 1,
            Cause::Crossing => self.stats.maker_fills_by_crossing += 1,
        }
        let q = &mut self.outgoing;
        self.tariff.fill(&mut self.stats, q, ctx, &order, order.px, qty, Liquidity::Maker, act);
        if done {
            self.stats.filled_orders += 1;
            self.table.remove_nth(pos);
        }
        done
    }

    /// The first look at a book for an order that rested while it was unusable.
    fn learn_queue(&mut self, inst: usize, pos: usize, ctx: &Ctx<'_>) {
        let (view, base) = split(&mut self.views[inst], &self.pre, inst, ctx.books());
        if let Some(w) = self.table.nth_mut(pos) {
            if !w.queue_known {
                w.queue_ahead = view.qty_at(&base, w.order.side, w.order.px);
                w.cross_seen = Qty::ZERO;
                w.queue_known = true;
            }
        }
    }

    pub(crate) fn on_trade(&mut self, inst: usize, t: &Trade, ctx: &mut Ctx<'_>) {
        if !self.views[inst].usable {
            return;
        }
        let mut used = Qty::ZERO; // quantity of this trade already given to our orders
        let mut pos = 0;
        while let Some(w) = self.table.nth_mut(pos) {
            if w.order.inst.index() != inst {
                pos += 1;
                continue;
            }
            self.learn_queue(inst, pos, ctx);
            let Some(w) = self.table.nth_mut(pos) else { break };
            let px = w.order.px;
            let other_side = t.aggressor != w.order.side;
            let through = match w.order.side {
                Side::Buy => t.px < px,
                Side::Sell => t.px > px,
            };
            let reach = if !other_side {
                Qty::ZERO
            } else if through {
                w.queue_ahead = Qty::ZERO;
                t.qty
            } else if t.px == px {
                let consumed = w.queue_ahead.min(t.qty);
                w.queue_ahead -= consumed;
                t.qty.saturating_sub(consumed)
            } else {
                Qty::ZERO
            };
            let fill = reach.saturating_sub(used).min(w.leaves).max(Qty::ZERO);
            used = used.saturating_add(fill);
            if !(positive(fill) && self.maker_fill(pos, fill, t.local_ts, Cause::Trade, ctx)) {
                pos += 1;
            }
        }
    }

    pub(crate) fn on_book_change(&mut self, inst: usize, ts: u64, ctx: &mut Ctx<'_>) {
        if !self.views[inst].usable {
            return;
        }
        let mut used = Qty::ZERO; // new crossing quantity already given to our orders
        let mut pos = 0;
        while let Some(w) = self.table.nth_mut(pos) {
            if w.order.inst.index() != inst {
                pos += 1;
                continue;
            }
            self.learn_queue(inst, pos, ctx);
            let (view, base) = split(&mut self.views[inst], &self.pre, inst, ctx.books());
            let Some(w) = self.table.nth_mut(pos) else { break };
            let shown = view.qty_at(&base, w.order.side, w.order.px);
            w.queue_ahead = w.queue_ahead.min(shown);
            let crossing = view.crossing(&base, w.order.side, w.order.px);
            let new = crossing.saturating_sub(w.cross_seen).max(Qty::ZERO);
            w.cross_seen = crossing;
            let fill = new.saturating_sub(used).min(w.leaves).max(Qty::ZERO);
            used = used.saturating_add(fill);
            if !(positive(fill) && self.maker_fill(pos, fill, ts, Cause::Crossing, ctx)) {
                pos += 1;
            }
        }
    }
}
