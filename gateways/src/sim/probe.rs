//! [`MarketProbe`]: the simulator's market logic for one instrument outside the actor, for tests
//! that compare it with a reference model (not part of the stable API). It runs the same code as
//! the gateway: over a book of its own, or over a book it lends itself as the feed would (applied
//! first, recording what each level replaced).

use super::view::{PreImage, View};
use alphapulse_book::Book;
use alphapulse_types::{Price, PxQty, Qty, Quote, Side};

/// One instrument's market as the simulator sees it (see the [module docs](self)).
#[doc(hidden)]
#[derive(Debug)]
pub struct MarketProbe {
    view: View,
    pre: PreImage,
    /// The lender's book (when testing lent books).
    lender: Option<Book>,
    replaced: (Vec<Qty>, Vec<Qty>),
}

impl MarketProbe {
    /// Over its own book of `levels` per side (the simulator on a thread of its own).
    pub fn own(levels: usize, tick: Price) -> Self {
        MarketProbe {
            view: View::new(levels, tick),
            pre: PreImage::new(levels),
            lender: None,
            replaced: (Vec::new(), Vec::new()),
        }
    }

    /// Over a lent book of `levels` per side (the simulator on the feed's thread).
    pub fn lent(levels: usize, tick: Price) -> Self {
        let mut view = View::new(levels, tick);
        view.own = None;
        MarketProbe {
            view,
            pre: PreImage::new(levels),
            lender: Some(Book::with_grid(levels, tick)),
            replaced: (Vec::with_capacity(levels), Vec::with_capacity(levels)),
        }
    }

    /// Tidy the patch after every quote and depth update (not only when a side is half full), so
    /// that a test exercises it.
    pub fn tidy_always(mut self) -> Self {
        self.view.patch.tidy_at = 0;
        self
    }

    /// True when it keeps a book of its own.
    pub fn keeps_own_book(&self) -> bool {
        self.view.own.is_some()
    }

    /// A depth update: the lender (if any) applies it first, as the feed does; then `before` runs
    /// on the market as it was before the update (what requests due at the update see); then the
    /// simulator applies the levels. Returns `before`'s result and the levels ignored as stale.
    pub fn depth<R>(
        &mut self,
        bids: &[PxQty],
        asks: &[PxQty],
        update_id: u64,
        before: impl FnOnce(&mut MarketProbe) -> R,
    ) -> (R, u64) {
        if let Some(b) = &mut self.lender {
            self.replaced.0.clear();
            self.replaced.1.clear();
            for (side, lv, out) in
                [(Side::Buy, bids, &mut self.replaced.0), (Side::Sell, asks, &mut self.replaced.1)]
            {
                for l in lv {
                    out.push(b.qty_at(side, l.px));
                    b.set(side, l.px, l.qty);
                }
            }
            b.set_update_id(update_id);
            assert!(self.pre.set(0, (bids, asks), (&self.replaced.0, &self.replaced.1)));
        }
        let r = before(self);
        self.pre.clear();
        let replaced = self.lender.as_ref().map(|_| (&self.replaced.0[..], &self.replaced.1[..]));
        let stale =
            self.view.apply_depth(self.lender.as_ref(), replaced, &self.pre, 0, (bids, asks), update_id);
        (r, stale)
    }

    /// A quote; false if ignored as stale.
    pub fn quote(&mut self, q: &Quote) -> bool {
        self.view.apply_quote(self.lender.as_ref(), &self.pre, 0, q)
    }

    /// A gap: everything is forgotten (the lender clears its book too, as the feed does, keeping
    /// what it discarded); `before` runs first on the market as it was (what requests due at the
    /// gap see).
    pub fn clear<R>(&mut self, before: impl FnOnce(&mut MarketProbe) -> R) -> R {
        if let Some(b) = &mut self.lender {
            let bids: Vec<_> = b.levels(Side::Buy).collect();
            let asks: Vec<_> = b.levels(Side::Sell).collect();
            b.clear();
            assert!(self.pre.set_book(0, &bids, &asks));
        }
        let r = before(self);
        self.pre.clear();
        self.view.clear();
        r
    }

    /// Levels of `side` as the simulator sees them, best first.
    pub fn levels(&mut self, side: Side) -> Vec<(Price, Qty)> {
        let (patch, base) = self.view.split(self.lender.as_ref(), &self.pre, 0);
        patch.levels(base, side).collect()
    }

    /// See the gateway's taker logic: fills (price, quantity) and the quantity taken.
    pub fn take(&mut self, side: Side, limit: Option<Price>, want: Qty) -> (Vec<(Price, Qty)>, Qty) {
        let mut fills = Vec::new();
        let (patch, base) = self.view.split(self.lender.as_ref(), &self.pre, 0);
        let got = patch.take(&base, side, limit, want, |px, q| fills.push((px, q)));
        (fills, got)
    }

    /// Quantity crossing a `side` order at `px`.
    pub fn crossing(&mut self, side: Side, px: Price) -> Qty {
        let (patch, base) = self.view.split(self.lender.as_ref(), &self.pre, 0);
        patch.crossing(&base, side, px)
    }

    /// Quantity a `side` taker could take within `limit`, up to `want`.
    pub fn available(&mut self, side: Side, limit: Option<Price>, want: Qty) -> Qty {
        let (patch, base) = self.view.split(self.lender.as_ref(), &self.pre, 0);
        patch.available(&base, side, limit, want)
    }

    /// Quantity shown at `px` on `side`.
    pub fn qty_at(&mut self, side: Side, px: Price) -> Qty {
        let (patch, base) = self.view.split(self.lender.as_ref(), &self.pre, 0);
        patch.qty_at(&base, side, px)
    }

    /// Overrides dropped because a side of the patch was full.
    pub fn overflows(&self) -> u64 {
        self.view.patch.overflows
    }
}
