//! The reference model for the property test `patch_over_book_matches_the_patched_book`: the
//! simulator's view as it was before it read the feed's lent book (a copy of `view.rs` at that
//! time, kept unchanged).
//!
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
pub struct View {
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
pub fn within(side: Side, px: Price, limit: Option<Price>) -> bool {
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
