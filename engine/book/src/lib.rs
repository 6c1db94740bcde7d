//! Bounded L2 order book on the fixed-point price grid.
//!
//! Each side keeps at most `capacity` levels, allocated at construction; no operation allocates
//! afterwards. Levels are kept sorted with the best price at the end of the array, so the common
//! updates near the top move few elements. When a side is full, a new level better than the worst
//! one evicts the worst, and one worse than the worst is ignored; both are counted in
//! [`Book::overflows`] (levels that far out are, as Binance says of levels beyond its snapshot,
//! unknown until they change).
//!
//! ```
//! use alphapulse_book::Book;
//! use alphapulse_types::{Price, Qty, Side};
//! let mut b = Book::with_capacity(1000);
//! b.set(Side::Buy, Price::from_units(100), Qty::from_units(2));
//! b.set(Side::Sell, Price::from_units(101), Qty::from_units(1));
//! assert_eq!(b.best_bid(), Some((Price::from_units(100), Qty::from_units(2))));
//! b.set(Side::Buy, Price::from_units(100), Qty::ZERO); // qty 0 removes the level
//! assert_eq!(b.best_bid(), None);
//! ```
#![forbid(unsafe_code)]

use alphapulse_types::{Price, Qty, Side};

/// One side of the book: sorted so that the best level is last.
#[derive(Debug)]
struct Ladder {
    /// Ascending for bids, descending for asks (best at the end).
    levels: Vec<(Price, Qty)>,
    cap: usize,
    bid: bool,
}

/// A clone keeps the full preallocation (a derived `Vec` clone would reserve only its length, and
/// the clone would then allocate on the hot path as it fills).
impl Clone for Ladder {
    fn clone(&self) -> Self {
        let mut levels = Vec::with_capacity(self.cap);
        levels.extend_from_slice(&self.levels);
        Ladder { levels, cap: self.cap, bid: self.bid }
    }
}

impl Ladder {
    fn new(cap: usize, bid: bool) -> Self {
        Ladder { levels: Vec::with_capacity(cap), cap, bid }
    }

    /// Position of `px` in the sorted array: Ok(index) if present, Err(insert index) if not.
    #[inline]
    fn find(&self, px: Price) -> Result<usize, usize> {
        // Search from the top: most updates are near the best price.
        if self.bid {
            self.levels.binary_search_by(|l| l.0.cmp(&px))
        } else {
            self.levels.binary_search_by(|l| px.cmp(&l.0))
        }
    }

    /// Returns true if the update overflowed (a level dropped or ignored).
    #[inline]
    fn set(&mut self, px: Price, qty: Qty) -> bool {
        match self.find(px) {
            Ok(i) => {
                if qty.is_zero() {
                    self.levels.remove(i);
                } else {
                    self.levels[i].1 = qty;
                }
                false
            }
            Err(i) => {
                if qty.is_zero() {
                    return false;
                }
                if self.levels.len() < self.cap {
                    self.levels.insert(i, (px, qty));
                    false
                } else if i == 0 {
                    true // worse than the worst level we keep
                } else {
                    self.levels.remove(0); // evict the worst, keep the better new one
                    self.levels.insert(i - 1, (px, qty));
                    true
                }
            }
        }
    }

    #[inline(always)]
    fn best(&self) -> Option<(Price, Qty)> {
        self.levels.last().copied()
    }
}

/// A bounded two-sided price-level book with the venue's update id.
#[derive(Clone, Debug)]
pub struct Book {
    bids: Ladder,
    asks: Ladder,
    update_id: u64,
    overflows: u64,
}

impl Book {
    /// A book keeping at most `levels_per_side` levels on each side, allocated now.
    pub fn with_capacity(levels_per_side: usize) -> Self {
        let cap = levels_per_side.max(1);
        Book { bids: Ladder::new(cap, true), asks: Ladder::new(cap, false), update_id: 0, overflows: 0 }
    }

    /// Levels per side this book keeps.
    pub fn capacity(&self) -> usize {
        self.bids.cap
    }

    /// Remove every level and reset the update id (keeps the allocation).
    pub fn clear(&mut self) {
        self.bids.levels.clear();
        self.asks.levels.clear();
        self.update_id = 0;
    }

    /// Set the absolute quantity at `px` on `side`; zero removes the level (removing an unknown
    /// level is a no-op, as Binance documents).
    #[inline]
    pub fn set(&mut self, side: Side, px: Price, qty: Qty) {
        let over = match side {
            Side::Buy => self.bids.set(px, qty),
            Side::Sell => self.asks.set(px, qty),
        };
        self.overflows += over as u64;
    }

    #[inline(always)]
    pub fn best_bid(&self) -> Option<(Price, Qty)> {
        self.bids.best()
    }
    #[inline(always)]
    pub fn best_ask(&self) -> Option<(Price, Qty)> {
        self.asks.best()
    }
    /// Best level of `side`.
    #[inline(always)]
    pub fn best(&self, side: Side) -> Option<(Price, Qty)> {
        match side {
            Side::Buy => self.best_bid(),
            Side::Sell => self.best_ask(),
        }
    }

    /// Quantity displayed at `px` on `side` (zero if no level).
    #[inline]
    pub fn qty_at(&self, side: Side, px: Price) -> Qty {
        let l = self.ladder(side);
        match l.find(px) {
            Ok(i) => l.levels[i].1,
            Err(_) => Qty::ZERO,
        }
    }

    /// Levels of `side` from the best outward.
    #[inline]
    pub fn levels(&self, side: Side) -> impl Iterator<Item = (Price, Qty)> + '_ {
        self.ladder(side).levels.iter().rev().copied()
    }

    /// Total quantity of the best `n` levels of `side`.
    #[inline]
    pub fn depth_qty(&self, side: Side, n: usize) -> Qty {
        let mut sum = Qty::ZERO;
        for (_, q) in self.levels(side).take(n) {
            sum += q;
        }
        sum
    }

    /// Number of levels on `side`.
    #[inline(always)]
    pub fn len(&self, side: Side) -> usize {
        self.ladder(side).levels.len()
    }
    /// True when both sides are empty.
    pub fn is_empty(&self) -> bool {
        self.bids.levels.is_empty() && self.asks.levels.is_empty()
    }

    /// True when the best bid is at or above the best ask.
    #[inline]
    pub fn is_crossed(&self) -> bool {
        matches!((self.best_bid(), self.best_ask()), (Some(b), Some(a)) if b.0 >= a.0)
    }

    /// The venue update id the book reflects.
    #[inline(always)]
    pub fn update_id(&self) -> u64 {
        self.update_id
    }
    #[inline(always)]
    pub fn set_update_id(&mut self, id: u64) {
        self.update_id = id;
    }

    /// Levels dropped or ignored because a side was full.
    pub fn overflows(&self) -> u64 {
        self.overflows
    }

    #[inline(always)]
    fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
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
    fn a_clone_keeps_its_capacity() {
        let b = Book::with_capacity(1000);
        let c = b.clone();
        assert!(c.bids.levels.capacity() >= 1000 && c.asks.levels.capacity() >= 1000);
    }

    #[test]
    fn keeps_best_levels_and_counts_overflow() {
        let mut b = Book::with_capacity(2);
        b.set(Side::Buy, p(10), q(1));
        b.set(Side::Buy, p(12), q(1));
        b.set(Side::Buy, p(11), q(1)); // evicts 10
        assert_eq!(b.levels(Side::Buy).map(|l| l.0).collect::<Vec<_>>(), vec![p(12), p(11)]);
        b.set(Side::Buy, p(9), q(1)); // worse than worst: ignored
        assert_eq!(b.overflows(), 2);
        b.set(Side::Sell, p(14), q(3));
        b.set(Side::Sell, p(13), q(2));
        assert_eq!(b.best_ask(), Some((p(13), q(2))));
        assert_eq!(b.depth_qty(Side::Sell, 5), q(5));
        assert_eq!(b.qty_at(Side::Sell, p(14)), q(3));
        assert!(!b.is_crossed());
        b.set(Side::Buy, p(13), q(1));
        assert!(b.is_crossed());
    }
}
