//! The simulator's own view of one instrument's market: an [`alphapulse_book::Book`] built from
//! depth updates and patched by `Quote`s, plus the taking logic that walks it.
//!
//! **Newer data wins.** Depth levels and quotes come on different streams, so they can arrive out
//! of order. Both carry the venue's order-book update id (`Depth::update_id`: the depth event's
//! final id; `Quote::update_id`: the bookTicker's `u`, the same sequence on Binance), and the view
//! keeps the id of the last quote and of the last depth level it applied:
//! - a quote whose id is below the last depth update's is stale: ignored (counted);
//! - a depth level whose update id is ≤ the last quote's, at or better than that quote's price on
//!   its side (a bid ≥ the quote's bid, an ask ≤ its ask), is older than what the quote says about
//!   the top of the book: ignored (counted). Levels behind the quote's prices apply.
//!
//! An id of 0 (unknown: a source without ids, or hand-built test messages) never makes anything
//! stale; such data applies in arrival order. Clearing the view (a gap) forgets the ids.

use alphapulse_book::Book;
use alphapulse_types::{Price, PxQty, Qty, Quote, Side};

/// The market as the matching engine sees it for one instrument.
#[derive(Debug)]
pub(crate) struct View {
    pub book: Book,
    /// False after `BookStatus::Gap` until `BookStatus::Synced`: the book is empty and no order is
    /// matched against it.
    pub usable: bool,
    /// Update id and prices of the last quote applied (0: none).
    quote_id: u64,
    quote_bid: Price,
    quote_ask: Price,
    /// Highest update id of the depth levels applied (0: none).
    depth_id: u64,
}

/// True when a taker on `side` with limit `limit` may trade at `px`.
#[inline(always)]
pub(crate) fn within(side: Side, px: Price, limit: Option<Price>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => px <= l,
        (Side::Sell, Some(l)) => px >= l,
    }
}

impl View {
    /// A view keeping `levels` per side of an instrument whose tick size is `tick`.
    pub fn new(levels: usize, tick: Price) -> Self {
        View {
            book: Book::with_grid(levels, tick),
            usable: true,
            quote_id: 0,
            quote_bid: Price::ZERO,
            quote_ask: Price::ZERO,
            depth_id: 0,
        }
    }

    /// Empty the book and forget the update ids (a gap; or the whole book follows).
    pub fn clear(&mut self) {
        self.book.clear();
        self.quote_id = 0;
        self.depth_id = 0;
    }

    /// Apply a depth level (absolute quantity, 0 removes) unless a newer quote covers its price
    /// (see the module docs). Returns false when it was ignored as stale. Ignored while unusable.
    #[inline]
    pub fn apply_level(&mut self, side: Side, l: PxQty, update_id: u64) -> bool {
        if !self.usable {
            return true;
        }
        if update_id != 0 && update_id <= self.quote_id {
            let covered = match side {
                Side::Buy => self.quote_bid.raw() > 0 && l.px >= self.quote_bid,
                Side::Sell => self.quote_ask.raw() > 0 && l.px <= self.quote_ask,
            };
            if covered {
                return false;
            }
        }
        self.book.set(side, l.px, l.qty);
        self.depth_id = self.depth_id.max(update_id);
        true
    }

    /// Patch the book with a fresher best bid/offer: drop asks below the quote's ask and bids above
    /// its bid, then set the quantities at the quote's prices. A side with a non-positive price is
    /// left alone. Returns false (nothing changed) for a quote older than the last depth update
    /// (see the module docs). Ignored while unusable.
    pub fn apply_quote(&mut self, q: &Quote) -> bool {
        if !self.usable {
            return true;
        }
        if q.update_id != 0 && q.update_id < self.depth_id {
            return false;
        }
        if q.update_id != 0 {
            self.quote_id = q.update_id;
            self.quote_bid = q.bid_px;
            self.quote_ask = q.ask_px;
        }
        if q.ask_px.raw() > 0 {
            while let Some((p, _)) = self.book.best_ask() {
                if p >= q.ask_px {
                    break;
                }
                self.book.set(Side::Sell, p, Qty::ZERO);
            }
            self.book.set(Side::Sell, q.ask_px, q.ask_qty.max(Qty::ZERO));
        }
        if q.bid_px.raw() > 0 {
            while let Some((p, _)) = self.book.best_bid() {
                if p <= q.bid_px {
                    break;
                }
                self.book.set(Side::Buy, p, Qty::ZERO);
            }
            self.book.set(Side::Buy, q.bid_px, q.bid_qty.max(Qty::ZERO));
        }
        true
    }

    /// Quantity displayed on the side opposite to `side` at prices a `side` order at `px` would
    /// trade with (asks ≤ px for a buy, bids ≥ px for a sell): the market crossing a resting order.
    pub fn crossing(&self, side: Side, px: Price) -> Qty {
        let mut sum = Qty::ZERO;
        for (p, q) in self.book.levels(side.opposite()) {
            if !within(side, p, Some(px)) {
                break;
            }
            sum = sum.saturating_add(q.max(Qty::ZERO));
        }
        sum
    }

    /// Quantity a taker on `side` could take now, up to `want`, within `limit`.
    pub fn available(&self, side: Side, limit: Option<Price>, want: Qty) -> Qty {
        let mut sum = Qty::ZERO;
        for (px, q) in self.book.levels(side.opposite()) {
            if sum >= want || !within(side, px, limit) {
                break;
            }
            sum = sum.saturating_add(q.max(Qty::ZERO));
        }
        sum.min(want)
    }

    /// Take up to `want` from the opposite side, best level first, within `limit`, consuming the
    /// displayed quantity in this view; `on_fill(px, qty)` per level touched. Returns the quantity
    /// taken.
    pub fn take(
        &mut self,
        side: Side,
        limit: Option<Price>,
        want: Qty,
        mut on_fill: impl FnMut(Price, Qty),
    ) -> Qty {
        let opp = side.opposite();
        let mut rem = want;
        while rem.raw() > 0 {
            let Some((px, q)) = self.book.best(opp) else { break };
            if !within(side, px, limit) {
                break;
            }
            if q.raw() <= 0 {
                self.book.set(opp, px, Qty::ZERO); // cannot come from the feed; never loop on it
                continue;
            }
            let f = q.min(rem);
            self.book.set(opp, px, q - f);
            rem -= f;
            on_fill(px, f);
        }
        want - rem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(u: i64) -> Price {
        Price::from_units(u)
    }
    fn q(u: i64) -> Qty {
        Qty::from_units(u)
    }

    #[test]
    fn quote_patches_stale_levels() {
        let mut v = View::new(16, Price(1));
        for (s, px, qty) in
            [(Side::Sell, 101, 1), (Side::Sell, 102, 2), (Side::Buy, 100, 3), (Side::Buy, 99, 4)]
        {
            v.book.set(s, p(px), q(qty));
        }
        // The ask moved up to 102 (101 gone), the bid to 99 (100 gone).
        v.apply_quote(&Quote {
            bid_px: p(99),
            bid_qty: q(5),
            ask_px: p(102),
            ask_qty: q(7),
            ..Quote::default()
        });
        assert_eq!(v.book.best_ask(), Some((p(102), q(7))));
        assert_eq!(v.book.best_bid(), Some((p(99), q(5))));
        assert_eq!(v.book.len(Side::Sell), 1);
    }

    #[test]
    fn older_data_never_overrides_newer() {
        let mut v = View::new(16, Price(1));
        let lv = |v: &mut View, side, px, qty, id| v.apply_level(side, PxQty::new(p(px), q(qty)), id);
        let qt = |bid, ask, id| Quote {
            bid_px: p(bid),
            bid_qty: q(1),
            ask_px: p(ask),
            ask_qty: q(1),
            update_id: id,
            ..Quote::default()
        };
        assert!(lv(&mut v, Side::Sell, 101, 1, 10));
        assert!(lv(&mut v, Side::Buy, 99, 1, 10));
        // A newer quote: the ask moved up to 102 (101 gone).
        assert!(v.apply_quote(&qt(99, 102, 12)));
        assert_eq!(v.book.best_ask(), Some((p(102), q(1))));
        // An older depth update brings 101 back: ignored; one behind the quote applies.
        assert!(!lv(&mut v, Side::Sell, 101, 3, 11));
        assert!(!lv(&mut v, Side::Sell, 102, 3, 11), "the quote's own price: the quote is newer");
        assert!(lv(&mut v, Side::Sell, 103, 3, 11));
        assert_eq!(v.book.best_ask(), Some((p(102), q(1))));
        // A newer depth update wins; a quote older than it is ignored.
        assert!(lv(&mut v, Side::Sell, 101, 2, 13));
        assert_eq!(v.book.best_ask(), Some((p(101), q(2))));
        assert!(!v.apply_quote(&qt(99, 103, 12)));
        assert_eq!(v.book.best_ask(), Some((p(101), q(2))));
        // Unknown ids (0) apply in arrival order.
        assert!(v.apply_quote(&qt(99, 104, 0)));
        assert_eq!(v.book.best_ask(), Some((p(104), q(1))));
        assert_eq!(v.crossing(Side::Buy, p(104)), q(1));
        assert_eq!(v.crossing(Side::Sell, p(98)), q(1));
        assert_eq!(v.crossing(Side::Buy, p(103)), Qty::ZERO);
    }

    #[test]
    fn take_walks_levels_and_consumes() {
        let mut v = View::new(16, Price(1));
        v.book.set(Side::Sell, p(101), q(1));
        v.book.set(Side::Sell, p(102), q(2));
        v.book.set(Side::Sell, p(104), q(5));
        assert_eq!(v.available(Side::Buy, Some(p(103)), q(10)), q(3));
        let mut fills = Vec::new();
        let got = v.take(Side::Buy, Some(p(103)), q(2), |px, f| fills.push((px, f)));
        assert_eq!(got, q(2));
        assert_eq!(fills, vec![(p(101), q(1)), (p(102), q(1))]);
        assert_eq!(v.book.best_ask(), Some((p(102), q(1))));
        assert_eq!(v.take(Side::Sell, None, q(1), |_, _| {}), Qty::ZERO);
    }
}
