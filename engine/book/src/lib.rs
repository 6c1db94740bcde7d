//! Bounded L2 order book on the fixed-point price grid.
//!
//! Each side keeps at most `capacity` levels, allocated at construction; no operation allocates
//! afterwards. When a side is full, a new level better than the worst one evicts the worst, and one
//! worse than the worst is ignored; both are counted in [`Book::overflows`] (levels that far out
//! are, as Binance says of levels beyond its snapshot, unknown until they change).
//!
//! Layout ([`Book::with_grid`], the fast one): per side a dense window of ticks around the best
//! price — a quantity per tick and a bitmap to find the best and next levels — so an update
//! anywhere in the window is O(1) however deep it lands, plus a bounded sorted array for levels
//! outside the window or off the tick grid. The window follows the best price (bounded,
//! allocation-free moves). [`Book::with_capacity`] keeps only the sorted array (best at the end),
//! for books whose tick size is unknown. Both give identical results.
//!
//! - `grid.rs`: the window (ring of quantities, two-level bitmap, moves);
//! - `ladder.rs`: one side, window + fallback, capacity policy, cached best;
//! - `recenter.rs`: when and how the window moves;
//! - `iter.rs`: best-first iteration merging window and fallback.
//!
//! ```
//! use alphapulse_book::Book;
//! use alphapulse_types::{Price, Qty, Side};
//! let mut b = Book::with_grid(1000, Price::from_units(1));
//! b.set(Side::Buy, Price::from_units(100), Qty::from_units(2));
//! b.set(Side::Sell, Price::from_units(101), Qty::from_units(1));
//! assert_eq!(b.best_bid(), Some((Price::from_units(100), Qty::from_units(2))));
//! b.set(Side::Buy, Price::from_units(100), Qty::ZERO); // qty 0 removes the level
//! assert_eq!(b.best_bid(), None);
//! ```
#![forbid(unsafe_code)]

mod changes;
mod grid;
mod iter;
mod ladder;
mod recenter;

pub use changes::{BookLevels, Changes};
pub use iter::Levels;

use alphapulse_types::{Price, Qty, Side};
use grid::Grid;
use ladder::Ladder;

/// Largest default window: 65,536 ticks (512 KiB of quantities per side). On the BTCUSDT capture
/// (5,000 levels kept, 0.01 tick) about 95 % of level updates land inside such a window.
pub const DEFAULT_MAX_WINDOW: usize = 1 << 16;

/// A bounded two-sided price-level book with the venue's update id.
#[derive(Clone, Debug)]
pub struct Book {
    bids: Ladder,
    asks: Ladder,
    update_id: u64,
    overflows: u64,
}

impl Book {
    /// A book keeping at most `levels_per_side` levels on each side, allocated now, as sorted
    /// arrays only (for an unknown tick size; [`Book::with_grid`] is faster).
    pub fn with_capacity(levels_per_side: usize) -> Self {
        Self::build(levels_per_side, None)
    }

    /// A book keeping at most `levels_per_side` levels on each side for prices on a grid of
    /// `tick` (the instrument's tick size), with a dense window per side of
    /// `16 × levels_per_side` ticks rounded up to a power of two, clamped to
    /// 512..=[`DEFAULT_MAX_WINDOW`]. Prices off the grid still work (kept in the sorted array).
    /// A non-positive `tick` gives the sorted-array book of [`Book::with_capacity`].
    pub fn with_grid(levels_per_side: usize, tick: Price) -> Self {
        let window = levels_per_side.saturating_mul(16).min(DEFAULT_MAX_WINDOW);
        Self::with_grid_window(levels_per_side, tick, window)
    }

    /// As [`Book::with_grid`] with a window of `window_ticks` ticks per side (rounded up to a
    /// power of two, clamped to 512..=1,048,576).
    pub fn with_grid_window(levels_per_side: usize, tick: Price, window_ticks: usize) -> Self {
        let grid = (tick.raw() > 0).then(|| Grid::new(tick.raw(), window_ticks));
        Self::build(levels_per_side, grid)
    }

    fn build(levels_per_side: usize, grid: Option<Grid>) -> Self {
        let cap = levels_per_side.max(1);
        Book {
            bids: Ladder::new(cap, true, grid.clone()),
            asks: Ladder::new(cap, false, grid),
            update_id: 0,
            overflows: 0,
        }
    }

    /// Levels per side this book keeps.
    pub fn capacity(&self) -> usize {
        self.bids.cap
    }

    /// Window length in ticks per side (0 for a sorted-array book).
    pub fn window_ticks(&self) -> usize {
        self.bids.grid.as_ref().map_or(0, |g| g.n)
    }

    /// Times a side's window moved to follow the best price (diagnostics).
    pub fn recenters(&self) -> u64 {
        self.bids.recenters + self.asks.recenters
    }

    /// Remove every level and reset the update id (keeps the allocation).
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
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

    /// Best bid (highest price) and its quantity.
    #[inline(always)]
    pub fn best_bid(&self) -> Option<(Price, Qty)> {
        self.bids.best
    }
    /// Best ask (lowest price) and its quantity.
    #[inline(always)]
    pub fn best_ask(&self) -> Option<(Price, Qty)> {
        self.asks.best
    }
    /// Best level of `side`.
    #[inline(always)]
    pub fn best(&self, side: Side) -> Option<(Price, Qty)> {
        self.ladder(side).best
    }

    /// Quantity displayed at `px` on `side` (zero if no level).
    #[inline]
    pub fn qty_at(&self, side: Side, px: Price) -> Qty {
        self.ladder(side).qty_at(px)
    }

    /// Levels of `side` from the best outward.
    #[inline]
    pub fn levels(&self, side: Side) -> impl Iterator<Item = (Price, Qty)> + '_ {
        Levels::new(self.ladder(side))
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
        self.ladder(side).len
    }
    /// True when both sides are empty.
    pub fn is_empty(&self) -> bool {
        self.bids.len == 0 && self.asks.len == 0
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
    /// Record the venue update id the book now reflects.
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
        assert!(c.bids.fb.capacity() >= 1000 && c.asks.fb.capacity() >= 1000);
        let g = Book::with_grid(1000, p(1)).clone();
        assert!(g.bids.fb.capacity() >= 1000 && g.asks.fb.capacity() >= 1000);
        assert_eq!(g.window_ticks(), 16384);
    }

    #[test]
    fn keeps_best_levels_and_counts_overflow() {
        for mut b in [Book::with_capacity(2), Book::with_grid(2, p(1)), Book::with_grid(2, Price(7))] {
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

    #[test]
    fn extreme_prices_do_not_panic() {
        let px = [i64::MIN, i64::MIN + 1, -1_000_000, -1, 0, 1, 1_000_000, i64::MAX - 1, i64::MAX];
        for mut b in
            [Book::with_capacity(4), Book::with_grid_window(4, Price(1), 512), Book::with_grid(4, Price(3))]
        {
            for (i, &x) in px.iter().chain(px.iter().rev()).enumerate() {
                for side in [Side::Buy, Side::Sell] {
                    b.set(side, Price(x), q(i as i64 % 3));
                    let _ = b.qty_at(side, Price(x));
                    assert!(b.levels(side).count() == b.len(side) && b.len(side) <= 4);
                }
            }
            let bids: Vec<_> = b.levels(Side::Buy).collect();
            assert!(bids.windows(2).all(|w| w[0].0 > w[1].0), "{bids:?}");
            let asks: Vec<_> = b.levels(Side::Sell).collect();
            assert!(asks.windows(2).all(|w| w[0].0 < w[1].0), "{asks:?}");
        }
    }

    #[test]
    fn window_follows_the_best_and_keeps_far_levels() {
        let mut b = Book::with_grid_window(100, p(1), 512);
        b.set(Side::Buy, p(1_000), q(1));
        b.set(Side::Buy, p(100), q(2)); // 900 ticks below: fallback
        for x in 1_001..3_000 {
            b.set(Side::Buy, p(x), q(3)); // the best climbs; the window follows
            b.set(Side::Buy, p(x - 1), Qty::ZERO);
        }
        assert!(b.recenters() >= 3, "{}", b.recenters());
        assert_eq!(b.best_bid(), Some((p(2_999), q(3))));
        assert_eq!(b.levels(Side::Buy).collect::<Vec<_>>(), vec![(p(2_999), q(3)), (p(100), q(2))]);
        b.set(Side::Buy, p(100), Qty::ZERO);
        b.set(Side::Buy, p(2_999), Qty::ZERO);
        assert!(b.is_empty());
    }
}
