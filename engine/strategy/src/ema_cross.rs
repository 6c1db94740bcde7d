//! [`EmaCrossAgent`]: fast/slow EMA crossover of the mid price, filtered by Wilder's RSI.
//!
//! The mid of each quote is sampled on a grid of `sample_ns` of event time (`local_ts`): the
//! first quote at or after a grid point is the sample (a quiet period spanning several grid
//! points gives one sample, not several). Each sample updates a fast and a slow [`FixedEma`] and a
//! [`WilderRsi`]. Once warm (`slow_period` samples and a ready RSI) every sample emits a signal:
//!
//! - `gap = (fast − slow) / slow` (relative, exact in `i128`);
//! - `|gap| < min_gap_ppm` → score 0 (no trend: an explicit neutral);
//! - else `score = gap / full_scale_gap_ppm × 10 000`, clamped to ±10 000 (sign = which EMA is on
//!   top, i.e. the direction of the last crossover);
//! - RSI veto: a buy (score > 0) while RSI > `rsi_overbought`, or a sell while RSI <
//!   `rsi_oversold`, becomes score 0.

use crate::indicators::{FixedEma, WilderRsi};
use crate::view::two_sided;
use crate::{MarketView, Signal, Strategy, StrategyError};
use alphapulse_types::{fixed::mid, Quote};

/// Configuration of [`EmaCrossAgent`] (`[strategy.ema_cross]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmaCrossConfig {
    /// Build this agent (`false` switches it off without removing its table).
    pub enabled: bool,
    /// Period of the fast EMA, in samples (alpha = 2 / (period + 1)).
    pub fast_period: u32,
    /// Period of the slow EMA, in samples; must be above `fast_period`.
    pub slow_period: u32,
    /// Sampling interval of the mid, in ns of event time.
    pub sample_ns: u64,
    /// Wilder RSI period, in samples.
    pub rsi_period: u32,
    /// No buy signal while RSI is above this (RSI points, 0–100).
    pub rsi_overbought: u32,
    /// No sell signal while RSI is below this (RSI points, 0–100).
    pub rsi_oversold: u32,
    /// Dead band: an EMA gap below this (parts per million of the slow EMA) scores 0.
    pub min_gap_ppm: u32,
    /// The EMA gap (ppm of the slow EMA) that scores a full ±10 000.
    pub full_scale_gap_ppm: u32,
}

impl Default for EmaCrossConfig {
    /// Tuned for BTCUSDT-like markets: 1 s samples, 10 s / 60 s EMAs, a gap of 0.2 bps to count
    /// and 2 bps for full strength.
    fn default() -> Self {
        EmaCrossConfig {
            enabled: true,
            fast_period: 10,
            slow_period: 60,
            sample_ns: 1_000_000_000,
            rsi_period: 14,
            rsi_overbought: 70,
            rsi_oversold: 30,
            min_gap_ppm: 20,
            full_scale_gap_ppm: 200,
        }
    }
}

impl EmaCrossConfig {
    /// Check every key; errors name the key (under `ema_cross.`).
    pub fn validate(&self) -> Result<(), StrategyError> {
        let e = StrategyError::config;
        if self.fast_period == 0 {
            return Err(e("ema_cross.fast_period", "must be at least 1"));
        }
        if self.slow_period <= self.fast_period {
            return Err(StrategyError::config(
                "ema_cross.slow_period",
                format!("must be above fast_period ({})", self.fast_period),
            ));
        }
        if self.slow_period > 1_000_000 {
            return Err(e("ema_cross.slow_period", "must be at most 1000000"));
        }
        if self.sample_ns == 0 {
            return Err(e("ema_cross.sample_ns", "must be positive"));
        }
        if !(2..=1_000_000).contains(&self.rsi_period) {
            return Err(e("ema_cross.rsi_period", "must be in 2..=1000000"));
        }
        if self.rsi_overbought > 100 {
            return Err(e("ema_cross.rsi_overbought", "must be at most 100"));
        }
        if self.rsi_oversold >= self.rsi_overbought {
            return Err(e("ema_cross.rsi_oversold", "must be below rsi_overbought"));
        }
        if self.full_scale_gap_ppm == 0 {
            return Err(e("ema_cross.full_scale_gap_ppm", "must be positive"));
        }
        if self.min_gap_ppm > self.full_scale_gap_ppm {
            return Err(e("ema_cross.min_gap_ppm", "must not exceed full_scale_gap_ppm"));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug)]
struct InstState {
    fast: FixedEma,
    slow: FixedEma,
    rsi: WilderRsi,
    samples: u32,
    next_sample: u64,
}

/// EMA crossover agent with an RSI filter; see the module docs.
#[derive(Clone, Debug)]
pub struct EmaCrossAgent {
    cfg: EmaCrossConfig,
    warmup: u32,
    insts: Vec<InstState>,
    vetoed: u64,
}

impl EmaCrossAgent {
    /// Stable name (key of its aggregator weight).
    pub const NAME: &'static str = "ema_cross";

    /// An agent for `instruments` instruments (state preallocated per instrument).
    pub fn new(cfg: &EmaCrossConfig, instruments: usize) -> Result<Self, StrategyError> {
        cfg.validate()?;
        let s = InstState {
            fast: FixedEma::with_period(cfg.fast_period),
            slow: FixedEma::with_period(cfg.slow_period),
            rsi: WilderRsi::new(cfg.rsi_period),
            samples: 0,
            next_sample: 0,
        };
        let warmup = cfg.slow_period.max(cfg.rsi_period + 1);
        Ok(EmaCrossAgent { cfg: cfg.clone(), warmup, insts: vec![s; instruments], vetoed: 0 })
    }

    /// Samples an instrument needs before the agent emits for it.
    pub fn warmup_samples(&self) -> u32 {
        self.warmup
    }

    /// Signals turned to neutral by the RSI filter.
    pub fn rsi_vetoes(&self) -> u64 {
        self.vetoed
    }

    fn score(&mut self, s: &InstState) -> i64 {
        let slow = s.slow.scaled();
        if slow <= 0 {
            return 0;
        }
        let gap = s.fast.scaled() - slow;
        let gap_ppm_x_slow = gap.saturating_mul(1_000_000);
        if gap_ppm_x_slow.abs() < slow.saturating_mul(self.cfg.min_gap_ppm as i128) {
            return 0;
        }
        let score =
            gap_ppm_x_slow.saturating_mul(10_000) / slow.saturating_mul(self.cfg.full_scale_gap_ppm as i128);
        let score = score.clamp(-10_000, 10_000) as i64;
        let rsi = s.rsi.value();
        if (score > 0 && rsi > self.cfg.rsi_overbought * 100)
            || (score < 0 && rsi < self.cfg.rsi_oversold * 100)
        {
            self.vetoed += 1;
            return 0;
        }
        score
    }
}

impl Strategy for EmaCrossAgent {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn on_quote(&mut self, q: &Quote, _view: &MarketView) -> Option<Signal> {
        if !two_sided(q) {
            return None;
        }
        let sample_ns = self.cfg.sample_ns;
        let s = self.insts.get_mut(q.inst.index())?;
        if s.samples > 0 && q.local_ts < s.next_sample {
            return None;
        }
        s.next_sample = (q.local_ts - q.local_ts % sample_ns).saturating_add(sample_ns);
        let m = mid(q.bid_px, q.ask_px).raw();
        s.fast.update(m);
        s.slow.update(m);
        s.rsi.update(m);
        s.samples = s.samples.saturating_add(1);
        if s.samples < self.warmup {
            return None;
        }
        let snapshot = *s;
        let score = self.score(&snapshot);
        Some(Signal::new(q.inst, score, q.local_ts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MarketState;
    use alphapulse_types::{InstrumentId, Price};

    fn quote(mid_units: i64, ts: u64) -> Quote {
        Quote {
            inst: InstrumentId(0),
            bid_px: Price::from_raw(mid_units * 100_000_000 - 1_000_000),
            ask_px: Price::from_raw(mid_units * 100_000_000 + 1_000_000),
            local_ts: ts,
            ..Default::default()
        }
    }

    fn cfg() -> EmaCrossConfig {
        EmaCrossConfig { fast_period: 3, slow_period: 6, sample_ns: 10, rsi_period: 4, ..Default::default() }
    }

    #[test]
    fn warms_up_samples_on_grid_then_follows_trend() {
        let state = MarketState::new(1, 1);
        let view = state.view(None);
        let mut a = EmaCrossAgent::new(&cfg(), 1).unwrap();
        assert_eq!(a.warmup_samples(), 6);
        let mut out = Vec::new();
        // 100 quotes 1 ns apart: one sample per 10 ns → 10 samples, the first 5 silent.
        for t in 0..100u64 {
            out.push(a.on_quote(&quote(1000, t), &view));
        }
        let signals: Vec<_> = out.iter().flatten().collect();
        assert_eq!(signals.len(), 5);
        assert!(signals.iter().all(|s| s.score == 0), "flat market is neutral");
        // A steady up-trend that keeps RSI high: buy vetoed by RSI (> 70).
        let mut last = None;
        for k in 1..30i64 {
            last = a.on_quote(&quote(1000 + k, 100 + 10 * k as u64), &view);
        }
        assert_eq!(last.unwrap().score, 0);
        assert!(a.rsi_vetoes() > 0);
        // A choppy up-trend (two up, one down) keeps RSI moderate: fast above slow → buy.
        let mut a = EmaCrossAgent::new(&EmaCrossConfig { rsi_overbought: 90, ..cfg() }, 1).unwrap();
        let mut px = 1000i64;
        let mut last = None;
        for k in 0..60u64 {
            px += if k % 3 == 2 { -1 } else { 2 };
            last = a.on_quote(&quote(px, 10 * k), &view);
        }
        let s = last.unwrap();
        assert!(s.score > 0, "{s:?}");
        assert_eq!(s.ts, 590);
    }

    #[test]
    fn down_trend_sells_and_unknown_or_one_sided_quotes_are_ignored() {
        let state = MarketState::new(1, 1);
        let view = state.view(None);
        let c = EmaCrossConfig { rsi_oversold: 5, ..cfg() };
        let mut a = EmaCrossAgent::new(&c, 1).unwrap();
        let mut px = 10_000i64;
        let mut last = None;
        for k in 0..60u64 {
            px -= if k % 3 == 2 { -10 } else { 20 };
            last = a.on_quote(&quote(px, 10 * k), &view);
        }
        assert_eq!(last.unwrap().score, -10_000, "a 1500 ppm EMA gap is full strength");
        let mut q = quote(1, 10_000);
        q.inst = InstrumentId(3);
        assert_eq!(a.on_quote(&q, &view), None);
        let mut q = quote(1, 20_000);
        q.ask_px = Price::ZERO;
        assert_eq!(a.on_quote(&q, &view), None);
    }

    #[test]
    fn validate_names_keys() {
        assert!(EmaCrossConfig::default().validate().is_ok());
        let bad = EmaCrossConfig { slow_period: 5, fast_period: 5, ..Default::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("ema_cross.slow_period"));
        let bad = EmaCrossConfig { rsi_oversold: 80, ..Default::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("ema_cross.rsi_oversold"));
        let bad = EmaCrossConfig { sample_ns: 0, ..Default::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("sample_ns"));
    }
}
