//! One side of the book: the dense window ([`Grid`], for on-grid prices near the best) and a bounded
//! sorted fallback array for every other level (far from the best, or off the tick grid), with the
//! capacity policy applied to their union and the best level cached.
//!
//! Invariant: an on-grid price inside the window lives in the window, never in the fallback, so the
//! two hold disjoint prices and every lookup has one place to look.

use crate::grid::Grid;
use alphapulse_types::{Price, Qty};
use std::cmp::Ordering;

#[derive(Debug)]
pub(crate) struct Ladder {
    pub bid: bool,
    pub cap: usize,
    /// Levels held (window + fallback), at most `cap`.
    pub len: usize,
    /// The best level, kept current by every change.
    pub best: Option<(Price, Qty)>,
    /// Levels outside the window, sorted worst first (best last); capacity `cap`.
    pub fb: Vec<(Price, Qty)>,
    /// The dense window (`None`: sorted-array mode, everything in `fb`).
    pub grid: Option<Grid>,
    /// Window moves.
    pub recenters: u64,
}

/// A clone keeps the full preallocation (a derived `Vec` clone would reserve only its length, and
/// the clone would then allocate on the hot path as it fills).
impl Clone for Ladder {
    fn clone(&self) -> Self {
        let mut fb = Vec::with_capacity(self.cap);
        fb.extend_from_slice(&self.fb);
        Ladder { fb, grid: self.grid.clone(), ..*self }
    }
}

/// Where a new level goes.
#[derive(Clone, Copy)]
enum Slot {
    Window(usize),
    /// Insert position in `fb`.
    Fallback(usize),
}

impl Ladder {
    pub fn new(cap: usize, bid: bool, grid: Option<Grid>) -> Self {
        Ladder { bid, cap, len: 0, best: None, fb: Vec::with_capacity(cap), grid, recenters: 0 }
    }

    /// True when `a` is a better price than `b` on this side.
    #[inline(always)]
    pub fn better(&self, a: Price, b: Price) -> bool {
        if self.bid {
            a > b
        } else {
            a < b
        }
    }

    /// Order of the fallback array: worse before better.
    #[inline(always)]
    fn order(&self, a: Price, b: Price) -> Ordering {
        if self.bid {
            a.cmp(&b)
        } else {
            b.cmp(&a)
        }
    }

    #[inline]
    pub fn fb_find(&self, px: Price) -> Result<usize, usize> {
        self.fb.binary_search_by(|l| self.order(l.0, px))
    }

    /// Quantity at `px` (zero if no level).
    #[inline]
    pub fn qty_at(&self, px: Price) -> Qty {
        if let Some(g) = &self.grid {
            if let Some(o) = g.offset_of(px) {
                return if g.has(o) { g.get(o) } else { Qty::ZERO };
            }
        }
        self.fb_find(px).map_or(Qty::ZERO, |i| self.fb[i].1)
    }

    /// Best level of the window.
    #[inline]
    fn window_best(&self) -> Option<(Price, Qty)> {
        let g = self.grid.as_ref()?;
        let o = if self.bid { g.prev(g.n) } else { g.next(0) }?;
        Some((g.price(o), g.get(o)))
    }

    /// Remove every level.
    pub fn clear(&mut self) {
        self.fb.clear();
        if let Some(g) = &mut self.grid {
            g.clear();
        }
        self.len = 0;
        self.best = None;
    }

    /// Set the quantity at `px` (zero removes). Returns true if the update overflowed (a level
    /// dropped or ignored because the side is full).
    #[inline]
    pub fn set(&mut self, px: Price, qty: Qty) -> bool {
        if let Some(g) = &self.grid {
            if let Some(t) = g.tick_of(px) {
                let mut at = g.offset(t);
                if at.is_none() && !qty.is_zero() && self.wants_window(t) {
                    self.recenter(t);
                    at = self.grid.as_ref().and_then(|g| g.offset(t));
                }
                if let Some(o) = at {
                    return self.set_window(o, px, qty);
                }
            }
        }
        match self.fb_find(px) {
            Ok(i) => {
                if qty.is_zero() {
                    self.fb.remove(i);
                    self.removed(px);
                } else {
                    self.fb[i].1 = qty;
                    self.updated(px, qty);
                }
                false
            }
            Err(_) if qty.is_zero() => false,
            Err(i) => self.insert(px, qty, Slot::Fallback(i)),
        }
    }

    #[inline]
    fn set_window(&mut self, o: usize, px: Price, qty: Qty) -> bool {
        let Some(g) = self.grid.as_mut() else { return false };
        if g.has(o) {
            if qty.is_zero() {
                g.del(o);
                self.removed(px);
            } else {
                g.set_qty(o, qty);
                self.updated(px, qty);
            }
            false
        } else if qty.is_zero() {
            false
        } else {
            self.insert(px, qty, Slot::Window(o))
        }
    }

    /// Insert a new level (not present), applying the capacity policy.
    #[inline]
    fn insert(&mut self, px: Price, qty: Qty, mut slot: Slot) -> bool {
        let full = self.len >= self.cap;
        if full {
            let Some((worst, in_fb)) = self.worst() else { return true };
            if !self.better(px, worst) {
                return true; // worse than the worst level we keep
            }
            if in_fb {
                self.fb.remove(0);
                if let Slot::Fallback(i) = &mut slot {
                    *i -= 1; // the new level is better than fb[0], so i >= 1
                }
            } else if let Some(o) = self.grid.as_ref().and_then(|g| g.offset_of(worst)) {
                if let Some(g) = self.grid.as_mut() {
                    g.del(o);
                }
            }
            self.removed(worst);
        }
        match slot {
            Slot::Window(o) => {
                if let Some(g) = self.grid.as_mut() {
                    g.put(o, qty);
                }
            }
            Slot::Fallback(i) => self.fb.insert(i, (px, qty)),
        }
        self.len += 1;
        if self.best.is_none_or(|b| self.better(px, b.0)) {
            self.best = Some((px, qty));
        }
        full
    }

    #[inline(always)]
    fn updated(&mut self, px: Price, qty: Qty) {
        if let Some(b) = &mut self.best {
            if b.0 == px {
                b.1 = qty;
            }
        }
    }

    /// Bookkeeping after a level at `px` was taken out of the window or the fallback.
    #[inline(always)]
    fn removed(&mut self, px: Price) {
        self.len -= 1;
        if self.best.is_some_and(|b| b.0 == px) {
            self.best = self.find_best();
        }
    }

    fn find_best(&self) -> Option<(Price, Qty)> {
        match (self.window_best(), self.fb.last().copied()) {
            (Some(w), Some(f)) => Some(if self.better(f.0, w.0) { f } else { w }),
            (w, f) => w.or(f),
        }
    }

    /// The worst level's price, and true if it is in the fallback.
    fn worst(&self) -> Option<(Price, bool)> {
        let w = self.grid.as_ref().and_then(|g| {
            let o = if self.bid { g.next(0) } else { g.prev(g.n) }?;
            Some(g.price(o))
        });
        match (w, self.fb.first()) {
            (Some(w), Some(f)) => Some(if self.better(w, f.0) { (f.0, true) } else { (w, false) }),
            (Some(w), None) => Some((w, false)),
            (None, f) => f.map(|f| (f.0, true)),
        }
    }
}
