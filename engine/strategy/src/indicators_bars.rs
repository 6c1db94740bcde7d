//! Bar indicators in integer fixed point: [`Macd`], [`Bollinger`] bands, Wilder's [`WilderAtr`]
//! and the [`RollingVwap`] with its deviation.
//!
//! Inputs are raw prices and quantities (the engine's 1e-8 units); outputs are `i128` with
//! [`FRAC_BITS`] fractional bits below the raw unit ("scaled"), like [`FixedEma::scaled`], unless
//! a unit is named (bps, ppm). Each returns `None` until it has seen enough bars. Windows are
//! allocated at construction; updates never allocate. No floating point.

use crate::indicators::{div_round, FixedEma, FRAC_BITS};

const ONE: i128 = 1 << FRAC_BITS;

/// A raw value on the scaled grid.
#[inline(always)]
fn scale(x: i64) -> i128 {
    (x as i128) << FRAC_BITS
}

/// One MACD reading (scaled): `macd = EMA_fast − EMA_slow`, `signal = EMA_signal(macd)`,
/// `hist = macd − signal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacdValue {
    pub macd: i128,
    pub signal: i128,
    pub hist: i128,
}

/// MACD of the closes: fast and slow [`FixedEma`]s (seeded with the first close) and a signal
/// EMA of their difference, fed from the `slow`-th close on (seeded with the first MACD value).
/// Ready from close number `slow + signal − 1`.
#[derive(Clone, Copy, Debug)]
pub struct Macd {
    fast: FixedEma,
    slow: FixedEma,
    signal: FixedEma,
    slow_period: u32,
    warmup: u32,
    seen: u32,
}

impl Macd {
    /// MACD(`fast`, `slow`, `signal`) in bars (each at least 1).
    pub fn new(fast: u32, slow: u32, signal: u32) -> Self {
        let (slow_period, signal_period) = (slow.max(1), signal.max(1));
        Macd {
            fast: FixedEma::with_period(fast.max(1)),
            slow: FixedEma::with_period(slow_period),
            signal: FixedEma::with_period(signal_period),
            slow_period,
            warmup: slow_period + signal_period - 1,
            seen: 0,
        }
    }

    /// Closes needed before [`Macd::update`] returns a value.
    pub fn warmup(&self) -> u32 {
        self.warmup
    }

    /// Feed one close.
    #[inline]
    pub fn update(&mut self, close: i64) -> Option<MacdValue> {
        self.fast.update(close);
        self.slow.update(close);
        self.seen = self.seen.saturating_add(1);
        if self.seen < self.slow_period {
            return None;
        }
        let macd = self.fast.scaled() - self.slow.scaled();
        self.signal.update_scaled(macd);
        if self.seen < self.warmup {
            return None;
        }
        let signal = self.signal.scaled();
        Some(MacdValue { macd, signal, hist: macd - signal })
    }
}

/// One Bollinger reading (scaled): the mean of the window, its population standard deviation
/// σ, and `mean ± k·σ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BollingerValue {
    pub mean: i128,
    pub sigma: i128,
    pub upper: i128,
    pub lower: i128,
}

impl BollingerValue {
    /// %b of `close` in basis points: 0 at the lower band, 10 000 at the upper (beyond them
    /// outside the bands); 5 000 when σ = 0 (the bands meet at the mean).
    #[inline]
    pub fn percent_b_bps(&self, close: i64) -> i64 {
        let width = self.upper - self.lower;
        if width <= 0 {
            return 5_000;
        }
        let r = div_round((scale(close) - self.lower).saturating_mul(10_000), width);
        r.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }
}

/// Bollinger bands over the last `period` closes, `k = k_milli / 1000` standard deviations.
///
/// σ is exact up to the last bit kept: with `S = Σx` and `d_i = N·x_i − S` (exact integers),
/// `σ = sqrt(Σd_i² / N) / N`, taken with an integer square root ([`u128::isqrt`]) on as many
/// fractional bits (up to [`FRAC_BITS`]) as `i128` has room for. A constant window gives σ = 0.
#[derive(Clone, Debug)]
pub struct Bollinger {
    window: Vec<i64>,
    head: usize,
    len: usize,
    k_milli: u32,
}

impl Bollinger {
    /// Bands over `period` closes (at least 2), `k_milli / 1000` σ wide on each side.
    pub fn new(period: usize, k_milli: u32) -> Self {
        Bollinger { window: vec![0; period.max(2)], head: 0, len: 0, k_milli }
    }

    /// Feed one close; the bands once `period` closes are in the window.
    pub fn update(&mut self, close: i64) -> Option<BollingerValue> {
        let n = self.window.len();
        self.window[self.head] = close;
        self.head = (self.head + 1) % n;
        self.len = (self.len + 1).min(n);
        if self.len < n {
            return None;
        }
        let nn = n as i128;
        let sum: i128 = self.window.iter().map(|&x| x as i128).sum();
        let ss: u128 = self
            .window
            .iter()
            .map(|&x| {
                let d = (nn * x as i128 - sum).unsigned_abs();
                d.saturating_mul(d)
            })
            .fold(0u128, |a, b| a.saturating_add(b));
        // σ·2^F = sqrt(ss·2^2g / N)·2^(F−g) / N, g as large as room allows.
        let g = ((ss.leading_zeros().saturating_sub(2)) / 2).min(FRAC_BITS);
        let root = ((ss << (2 * g)) / n as u128).isqrt();
        let sigma = ((root << (FRAC_BITS - g)) / n as u128) as i128;
        let mean = div_round(sum << FRAC_BITS, nn);
        let band = div_round(sigma * self.k_milli as i128, 1_000);
        Some(BollingerValue { mean, sigma, upper: mean + band, lower: mean - band })
    }
}

/// Wilder's average true range (scaled). True range: `high − low` for the first bar, then
/// `max(high − low, |high − prev_close|, |low − prev_close|)`. The first ATR is the mean of the
/// first `period` true ranges, then `atr = (atr·(period − 1) + tr) / period`.
#[derive(Clone, Copy, Debug)]
pub struct WilderAtr {
    period: u32,
    prev_close: Option<i64>,
    count: u32,
    acc: i128,
}

impl WilderAtr {
    /// ATR over `period` bars (at least 1).
    pub fn new(period: u32) -> Self {
        WilderAtr { period: period.max(1), prev_close: None, count: 0, acc: 0 }
    }

    /// Feed one bar; the ATR once `period` bars have been seen.
    #[inline]
    pub fn update(&mut self, high: i64, low: i64, close: i64) -> Option<i128> {
        let (h, l) = (high as i128, low as i128);
        let mut tr = h - l;
        if let Some(pc) = self.prev_close.replace(close) {
            let pc = pc as i128;
            tr = tr.max((h - pc).abs()).max((l - pc).abs());
        }
        let tr = tr << FRAC_BITS;
        let p = self.period as i128;
        if self.count < self.period {
            self.acc += tr;
            self.count += 1;
            if self.count < self.period {
                return None;
            }
            self.acc = div_round(self.acc, p);
        } else {
            self.acc = div_round(self.acc * (p - 1) + tr, p);
        }
        Some(self.acc)
    }
}

/// The VWAP of the last `bars` bars: `Σ notional / Σ volume` (scaled), from each bar's
/// notional (Σ px.raw × qty.raw) and volume (raw); running sums, a fixed window.
#[derive(Clone, Debug)]
pub struct RollingVwap {
    notional: Vec<i128>,
    volume: Vec<i64>,
    head: usize,
    len: usize,
    sum_notional: i128,
    sum_volume: i128,
}

impl RollingVwap {
    /// A VWAP over `bars` bars (at least 1).
    pub fn new(bars: usize) -> Self {
        let n = bars.max(1);
        RollingVwap {
            notional: vec![0; n],
            volume: vec![0; n],
            head: 0,
            len: 0,
            sum_notional: 0,
            sum_volume: 0,
        }
    }

    /// Feed one bar; the VWAP once the window is full and holds some volume.
    pub fn update(&mut self, notional_raw: i128, volume_raw: i64) -> Option<i128> {
        let n = self.notional.len();
        // Saturating: no real window comes near i128's range, and the hot path never panics.
        if self.len == n {
            self.sum_notional = self.sum_notional.saturating_sub(self.notional[self.head]);
            self.sum_volume = self.sum_volume.saturating_sub(self.volume[self.head] as i128);
        } else {
            self.len += 1;
        }
        self.notional[self.head] = notional_raw;
        self.volume[self.head] = volume_raw;
        self.sum_notional = self.sum_notional.saturating_add(notional_raw);
        self.sum_volume = self.sum_volume.saturating_add(volume_raw as i128);
        self.head = (self.head + 1) % n;
        if self.len < n || self.sum_volume <= 0 {
            return None;
        }
        // Whole part and remainder separately: Σ notional · 2^F could overflow.
        let (q, r) = (self.sum_notional / self.sum_volume, self.sum_notional % self.sum_volume);
        Some((q << FRAC_BITS) + div_round(r << FRAC_BITS, self.sum_volume))
    }
}

/// `(price − vwap) / vwap` in parts per million (100 ppm = 1 bp), both scaled; `None` for a
/// VWAP that is not positive.
#[inline]
pub fn deviation_ppm(price: i128, vwap: i128) -> Option<i64> {
    (vwap > 0).then(|| div_round((price - vwap).saturating_mul(1_000_000), vwap) as i64)
}

/// A scaled value in raw units, rounded to nearest.
#[inline]
pub fn unscale(x: i128) -> i64 {
    div_round(x, ONE) as i64
}

#[cfg(test)]
#[path = "indicators_bars_tests.rs"]
mod tests;
