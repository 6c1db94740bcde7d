//! Integer indicators: a fixed-point exponential moving average and Wilder's RSI.
//!
//! Both keep their state in `i128` with [`FRAC_BITS`] extra fractional bits below the input's own
//! unit (a price's 1e-8), so the rounding error of one update is 2^-32 of 1e-8 and never
//! accumulates into anything a price or a threshold can see. No floating point.

/// Fractional bits kept below the input unit.
pub const FRAC_BITS: u32 = 32;

/// `a / b` rounded half away from zero (`b > 0`).
#[inline(always)]
pub(crate) fn div_round(a: i128, b: i128) -> i128 {
    if a >= 0 {
        (a + b / 2) / b
    } else {
        (a - b / 2) / b
    }
}

/// Exponential moving average with a rational smoothing factor `alpha = num / den`:
/// `ema += alpha × (x − ema)`, seeded with the first input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedEma {
    acc: i128,
    num: i128,
    den: i128,
    seeded: bool,
}

impl FixedEma {
    /// An EMA with `alpha = num / den`; `num` is clamped into `1..=den` and `den` to at least 1.
    pub fn new(num: u32, den: u32) -> Self {
        let den = den.max(1) as i128;
        let num = (num as i128).clamp(1, den);
        FixedEma { acc: 0, num, den, seeded: false }
    }

    /// The conventional EMA of `period` samples: `alpha = 2 / (period + 1)`.
    pub fn with_period(period: u32) -> Self {
        Self::new(2, period.saturating_add(1))
    }

    /// Feed one sample.
    #[inline]
    pub fn update(&mut self, x: i64) {
        self.update_scaled((x as i128) << FRAC_BITS);
    }

    /// Feed one sample already scaled by [`FRAC_BITS`] (e.g. a difference of two
    /// [`FixedEma::scaled`] values), so nothing is rounded away on the way in.
    #[inline]
    pub fn update_scaled(&mut self, xs: i128) {
        if self.seeded {
            let step = (xs - self.acc).saturating_mul(self.num);
            self.acc += div_round(step, self.den);
        } else {
            self.acc = xs;
            self.seeded = true;
        }
    }

    /// True once a sample has been fed.
    #[inline(always)]
    pub fn is_seeded(&self) -> bool {
        self.seeded
    }

    /// The average in input units, rounded to nearest.
    #[inline]
    pub fn value(&self) -> i64 {
        div_round(self.acc, 1i128 << FRAC_BITS) as i64
    }

    /// The average with [`FRAC_BITS`] fractional bits (for exact comparisons and ratios).
    #[inline(always)]
    pub fn scaled(&self) -> i128 {
        self.acc
    }
}

/// Wilder's relative strength index over `period` changes of the input, in basis points of the
/// 0–100 scale (`7_053` is RSI 70.53).
///
/// The first average gain/loss is the simple mean of the first `period` changes; after that
/// `avg = (avg × (period − 1) + x) / period`. A flat input (no gains, no losses) reads 50.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WilderRsi {
    period: u32,
    prev: Option<i64>,
    changes: u32,
    avg_gain: i128,
    avg_loss: i128,
}

impl WilderRsi {
    /// An RSI over `period` changes (at least 1).
    pub fn new(period: u32) -> Self {
        WilderRsi { period: period.max(1), prev: None, changes: 0, avg_gain: 0, avg_loss: 0 }
    }

    /// Feed one sample; returns the RSI once `period` changes have been seen.
    #[inline]
    pub fn update(&mut self, x: i64) -> Option<u32> {
        let prev = self.prev.replace(x)?;
        let d = (x as i128) - (prev as i128);
        let (g, l) = if d > 0 { (d << FRAC_BITS, 0) } else { (0, (-d) << FRAC_BITS) };
        let p = self.period as i128;
        if self.changes < self.period {
            // Seeding: accumulate sums, divide once at the end.
            self.avg_gain += g;
            self.avg_loss += l;
            self.changes += 1;
            if self.changes < self.period {
                return None;
            }
            self.avg_gain = div_round(self.avg_gain, p);
            self.avg_loss = div_round(self.avg_loss, p);
        } else {
            self.avg_gain = div_round(self.avg_gain * (p - 1) + g, p);
            self.avg_loss = div_round(self.avg_loss * (p - 1) + l, p);
        }
        Some(self.value())
    }

    /// True once the RSI has a value.
    #[inline(always)]
    pub fn is_ready(&self) -> bool {
        self.changes >= self.period
    }

    /// The current RSI in basis points (`5_000` before it is ready or on a flat input).
    #[inline]
    pub fn value(&self) -> u32 {
        let total = self.avg_gain + self.avg_loss;
        if !self.is_ready() || total == 0 {
            return 5_000;
        }
        div_round(self.avg_gain * 10_000, total) as u32
    }
}

#[cfg(test)]
#[path = "indicators_tests.rs"]
mod tests;
