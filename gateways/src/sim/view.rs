//! The simulator's own view of one instrument's market: an [`alphapulse_book::Book`] built from
//! `Level` events and patched by `Quote`s, plus the taking logic that walks it.

use alphapulse_book::Book;
use alphapulse_types::{Level, Price, Qty, Quote, Side};

/// The market as the matching engine sees it for one instrument.
#[derive(Debug)]
pub(crate) struct View {
    pub book: Book,
    /// False after `BookStatus::Gap` until `BookStatus::Synced`: the book is empty and no order is
    /// matched against it.
    pub usable: bool,
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
        View { book: Book::with_grid(levels, tick), usable: true }
    }

    /// Apply a depth level (absolute quantity, 0 removes). Ignored while unusable.
    #[inline]
    pub fn apply_level(&mut self, l: &Level) {
        if self.usable {
            self.book.set(l.side, l.px, l.qty);
        }
    }

    /// Patch the book with a fresher best bid/offer: drop asks below the quote's ask and bids above
    /// its bid, then set the quantities at the quote's prices. A side with a non-positive price is
    /// left alone. Ignored while unusable.
    pub fn apply_quote(&mut self, q: &Quote) {
        if !self.usable {
            return;
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
