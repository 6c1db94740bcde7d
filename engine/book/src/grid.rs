//! The dense window of one book side: `n` consecutive ticks starting at tick index `lo`, each with a
//! quantity slot, plus a two-level bitmap (one bit per tick, one summary bit per 64-tick word) that
//! finds the best, worst and next level with a few `leading_zeros`/`trailing_zeros`.
//!
//! Quantities live in a ring indexed by `tick & (n - 1)`, so moving the window never moves them; the
//! bitmap is kept in window order (bit `o` is tick `lo + o`) and is shifted by whole words when the
//! window moves (`lo` is always a multiple of 64). Offsets (`o`) below are positions in the window.

use alphapulse_types::{Price, Qty};

/// Smallest window, in ticks (the recentering margin, `n / 8`, must cover the 64-tick alignment).
pub(crate) const MIN_WINDOW: usize = 512;
/// Largest window, in ticks (8 MiB of quantities per side).
pub(crate) const MAX_WINDOW: usize = 1 << 20;

#[derive(Clone, Debug)]
pub(crate) struct Grid {
    /// Tick size in raw price units (> 0).
    pub tick: i64,
    /// `tick = odd << shift`: [`Grid::tick_of`] divides by multiplying (see [`ExactDiv`]).
    div: ExactDiv,
    /// Window length in ticks (a power of two in `MIN_WINDOW..=MAX_WINDOW`).
    pub n: usize,
    /// Tick index of window offset 0; a multiple of 64, at most `i64::MAX - n + 1`.
    pub lo: i64,
    /// Levels in the window.
    pub count: usize,
    /// Raw quantity of tick `t` at `qty[t & (n - 1)]`; meaningful only where the bit is set.
    /// Filled with a non-zero value at construction so every page is faulted in then (a zero
    /// fill may become a lazily-mapped `calloc`, faulting pages on the hot path later).
    qty: Vec<i64>,
    /// Bit `o` set when tick `lo + o` has a level.
    bits: Vec<u64>,
    /// Bit `w` set when `bits[w] != 0`.
    summary: Vec<u64>,
}

/// Exact division by a fixed divisor `d = odd << shift` without a divide instruction (a 64-bit
/// `idiv` costs tens of cycles, and every level of every depth update asks for its tick): `x` is
/// a multiple of `d` iff its low `shift` bits are zero and `(x >> shift) * odd⁻¹ (mod 2⁶⁴)` is at
/// most `u64::MAX / odd` — multiplying by the inverse of an odd number is a bijection that maps
/// the multiples of `odd` onto `0..=u64::MAX / odd` — and that product is then the quotient.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExactDiv {
    shift: u32,
    /// The inverse of the odd part of `d` modulo 2⁶⁴.
    inv: u64,
    /// `u64::MAX / odd`.
    lim: u64,
}

impl ExactDiv {
    /// For `d > 0`.
    pub(crate) fn new(d: i64) -> Self {
        assert!(d > 0, "a divisor must be positive");
        let shift = d.trailing_zeros();
        let odd = (d as u64) >> shift;
        // Newton's iteration doubles the correct low bits each step: 3 bits (odd * odd ≡ 1 mod 8)
        // → 6 → 12 → 24 → 48 → 96.
        let mut inv = odd;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inv)));
        }
        debug_assert_eq!(odd.wrapping_mul(inv), 1);
        ExactDiv { shift, inv, lim: u64::MAX / odd }
    }

    /// `x / d` when `d` divides `x`, else `None`.
    #[inline(always)]
    pub(crate) fn exact(self, x: u64) -> Option<u64> {
        if x & ((1u64 << self.shift) - 1) != 0 {
            return None;
        }
        let q = (x >> self.shift).wrapping_mul(self.inv);
        (q <= self.lim).then_some(q)
    }
}

impl Grid {
    /// A window of `n` ticks (rounded up to a power of two and clamped) for tick size `tick` (> 0).
    pub fn new(tick: i64, n: usize) -> Grid {
        let n = n.clamp(MIN_WINDOW, MAX_WINDOW).next_power_of_two();
        let words = n / 64;
        Grid {
            tick,
            div: ExactDiv::new(tick),
            n,
            lo: 0,
            count: 0,
            qty: vec![-1; n],
            bits: alphapulse_types::mem::prefaulted(words),
            summary: alphapulse_types::mem::prefaulted(words.div_ceil(64)),
        }
    }

    /// Tick index of `px` when it lies on the grid.
    #[inline(always)]
    pub fn tick_of(&self, px: Price) -> Option<i64> {
        let raw = px.raw();
        if raw >= 0 {
            return self.div.exact(raw as u64).map(|q| q as i64);
        }
        // Negative prices (never from a venue): `tick > 0`, so neither operation can overflow.
        (raw % self.tick == 0).then_some(raw / self.tick)
    }

    /// Window offset of tick `t`, if inside the window.
    #[inline(always)]
    pub fn offset(&self, t: i64) -> Option<usize> {
        let o = t.checked_sub(self.lo)?;
        (0..self.n as i64).contains(&o).then_some(o as usize)
    }

    /// Window offset of `px`, if on the grid and inside the window.
    #[inline(always)]
    pub fn offset_of(&self, px: Price) -> Option<usize> {
        self.offset(self.tick_of(px)?)
    }

    #[inline(always)]
    fn slot(&self, o: usize) -> usize {
        (self.lo as usize).wrapping_add(o) & (self.n - 1)
    }

    /// Price of offset `o` (exact for any offset holding a level, which came from a real price).
    #[inline(always)]
    pub fn price(&self, o: usize) -> Price {
        Price(self.lo.wrapping_add(o as i64).wrapping_mul(self.tick))
    }

    #[inline(always)]
    pub fn has(&self, o: usize) -> bool {
        self.bits[o >> 6] & (1 << (o & 63)) != 0
    }

    #[inline(always)]
    pub fn get(&self, o: usize) -> Qty {
        Qty(self.qty[self.slot(o)])
    }

    /// Set the quantity of a present level.
    #[inline(always)]
    pub fn set_qty(&mut self, o: usize, q: Qty) {
        let s = self.slot(o);
        self.qty[s] = q.raw();
    }

    /// Add a level at an empty offset.
    #[inline(always)]
    pub fn put(&mut self, o: usize, q: Qty) {
        self.set_qty(o, q);
        let w = o >> 6;
        self.bits[w] |= 1 << (o & 63);
        self.summary[w >> 6] |= 1 << (w & 63);
        self.count += 1;
    }

    /// Remove the level at a present offset.
    #[inline(always)]
    pub fn del(&mut self, o: usize) {
        let w = o >> 6;
        self.bits[w] &= !(1 << (o & 63));
        if self.bits[w] == 0 {
            self.summary[w >> 6] &= !(1 << (w & 63));
        }
        self.count -= 1;
    }

    /// Remove every level (keeps the window position).
    pub fn clear(&mut self) {
        self.bits.fill(0);
        self.summary.fill(0);
        self.count = 0;
    }

    /// Highest offset `< end` holding a level.
    #[inline]
    pub fn prev(&self, end: usize) -> Option<usize> {
        let o = end.checked_sub(1)?;
        let w = o >> 6;
        let m = self.bits[w] & (u64::MAX >> (63 - (o & 63)));
        let w = if m != 0 { w } else { self.prev_word(w)? };
        let m = if m != 0 { m } else { self.bits[w] };
        Some((w << 6) | (63 - m.leading_zeros() as usize))
    }

    /// Lowest offset `>= start` holding a level.
    #[inline]
    pub fn next(&self, start: usize) -> Option<usize> {
        if start >= self.n {
            return None;
        }
        let w = start >> 6;
        let m = self.bits[w] & (u64::MAX << (start & 63));
        let w = if m != 0 { w } else { self.next_word(w + 1)? };
        let m = if m != 0 { m } else { self.bits[w] };
        Some((w << 6) | m.trailing_zeros() as usize)
    }

    /// Highest non-empty word `< w`.
    fn prev_word(&self, w: usize) -> Option<usize> {
        let x = w.checked_sub(1)?;
        let mut s = x >> 6;
        let mut m = self.summary[s] & (u64::MAX >> (63 - (x & 63)));
        loop {
            if m != 0 {
                return Some((s << 6) | (63 - m.leading_zeros() as usize));
            }
            s = s.checked_sub(1)?;
            m = self.summary[s];
        }
    }

    /// Lowest non-empty word `>= w`.
    fn next_word(&self, w: usize) -> Option<usize> {
        if w >= self.bits.len() {
            return None;
        }
        let mut s = w >> 6;
        let mut m = self.summary[s] & (u64::MAX << (w & 63));
        loop {
            if m != 0 {
                return Some((s << 6) | m.trailing_zeros() as usize);
            }
            s += 1;
            m = *self.summary.get(s)?;
        }
    }

    /// A window start (aligned, in range) putting tick `r` at offset about `at`.
    pub fn start_for(&self, r: i64, at: usize) -> i64 {
        let lo = (r as i128 - at as i128).div_euclid(64) * 64;
        lo.clamp(i64::MIN as i128, i64::MAX as i128 - self.n as i128 + 1) as i64
    }

    /// Move the window to start at `new_lo` (from [`Self::start_for`]). Levels that leave it are
    /// passed to `out` (prices ascending if `ascending`, else descending) and removed.
    pub fn move_to(&mut self, new_lo: i64, ascending: bool, mut out: impl FnMut(Price, Qty)) {
        let d = new_lo as i128 - self.lo as i128;
        let n = self.n as i128;
        let (a, b) = match d {
            _ if d.abs() >= n => (0, self.n),
            _ if d >= 0 => (0, d as usize),
            _ => ((n + d) as usize, self.n),
        };
        let mut left = 0;
        if ascending {
            let mut o = self.next(a);
            while let Some(x) = o.filter(|&x| x < b) {
                out(self.price(x), self.get(x));
                left += 1;
                o = self.next(x + 1);
            }
        } else {
            let mut o = self.prev(b);
            while let Some(x) = o.filter(|&x| x >= a) {
                out(self.price(x), self.get(x));
                left += 1;
                o = self.prev(x);
            }
        }
        self.count -= left;
        let words = self.bits.len();
        let dw = (d.unsigned_abs() / 64).min(words as u128) as usize;
        if d >= 0 {
            self.bits.copy_within(dw.., 0);
            self.bits[words - dw..].fill(0);
        } else {
            self.bits.copy_within(..words - dw, dw);
            self.bits[..dw].fill(0);
        }
        self.summary.fill(0);
        for (w, &x) in self.bits.iter().enumerate() {
            self.summary[w >> 6] |= ((x != 0) as u64) << (w & 63);
        }
        self.lo = new_lo;
    }
}

#[cfg(test)]
mod tests {
    use super::ExactDiv;
    use proptest::prelude::*;

    fn check(d: i64, x: u64) {
        let want = x.is_multiple_of(d as u64).then_some(x / d as u64);
        assert_eq!(ExactDiv::new(d).exact(x), want, "{x} / {d}");
    }

    #[test]
    fn exact_division_at_the_edges() {
        for d in [1, 2, 3, 5, 7, 64, 100, 1_000_000, 10_000_000_000, i64::MAX, 1 << 62] {
            for x in [0, 1, d as u64 - 1, d as u64, d as u64 + 1, 2 * d as u64, u64::MAX, u64::MAX - 1] {
                check(d, x);
            }
            let top = (i64::MAX as u64 / d as u64) * d as u64;
            check(d, top);
            check(d, top - 1);
        }
    }

    proptest! {
        #[test]
        fn exact_division_matches_the_remainder(d in 1i64..=i64::MAX, q in any::<u64>(), r in 0u64..3) {
            // Multiples (and near-misses) of `d`, and arbitrary values.
            check(d, q.wrapping_mul(d as u64).wrapping_add(r));
            check(d, q);
        }
        #[test]
        fn exact_division_by_real_tick_sizes(e in 0u32..=17, m in prop::sample::select(vec![1i64, 2, 5, 25]), q in 0u64..1 << 40) {
            let d = m * 10i64.pow(e);
            let q = q % (i64::MAX as u64 / d as u64); // prices are i64
            check(d, q * d as u64);
            check(d, q * d as u64 + 1);
        }
    }
}
