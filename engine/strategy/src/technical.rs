//! [`TechnicalAgent`]: MACD, Bollinger bands, ATR and VWAP deviation over multi-timeframe bars
//! built from trades.
//!
//! Every trade goes into [`MultiBars`] (one bar series per configured interval, exchange time;
//! see [`crate::bars`]). When a trade closes the bar of interval `k`, that bar updates interval
//! `k`'s indicators: [`Macd`] (`macd_fast`, `macd_slow`, `macd_signal`), [`Bollinger`]
//! (`bollinger_period`, `bollinger_k_milli`), [`WilderAtr`] (`atr_period`) and [`RollingVwap`]
//! (`vwap_bars`). Once all of them have a value and a previous close exists, the interval is
//! **warm** and its bar gets four components, each clamped to ±[`MAX_SCORE`]:
//!
//! | component | rule (all integer, `ATR` of this interval) | reads as |
//! |---|---|---|
//! | MACD | `hist / ATR / (macd_full_atr_permille / 1000) × 10 000` | trend: histogram above its signal → buy |
//! | Bollinger | `(5 000 − %b) × 2` (%b in bps: 0 at the lower band, 10 000 at the upper; 5 000 when σ = 0) | reversion: at the lower band +10 000, at the upper −10 000 |
//! | VWAP | `−deviation_ppm / vwap_full_ppm × 10 000` (close vs the VWAP of the last `vwap_bars` bars) | reversion: below the VWAP → buy |
//! | move | `(close − prev close) / ATR / (move_full_atr_permille / 1000) × 10 000` | momentum of the last bar, in ATRs |
//!
//! With ATR = 0 (no range at all) the MACD and move components are 0. The interval's score is
//! the weighted mean `Σ wᵢ·cᵢ / Σ wᵢ` (`weight_macd`, `weight_bollinger`, `weight_vwap`,
//! `weight_move`). On a trade that closed at least one bar, the agent emits (for the trade's
//! instrument, at its `local_ts`) the plain mean of the latest scores of every warm interval,
//! 0 when `|mean| < min_abs_score`; nothing before some interval is warm. Quotes are not used.

use crate::bars::{Added, Bar, BarsSetupError, MultiBars, MAX_BARS_KEPT, MAX_INTERVALS};
use crate::indicators::div_round;
use crate::indicators_bars::{
    deviation_ppm, Bollinger, BollingerValue, Macd, MacdValue, RollingVwap, WilderAtr,
};
use crate::{MarketView, Signal, Strategy, StrategyError, MAX_SCORE};
use alphapulse_types::{InstrumentId, Quote, Trade};

const MS: u64 = 1_000_000;
/// Longest bar interval accepted: one week.
const MAX_INTERVAL_MS: u64 = 7 * 86_400_000;
/// Longest indicator period or window accepted, in bars.
const MAX_PERIOD: u32 = 10_000;

/// Configuration of [`TechnicalAgent`] (`[strategy.technical]`); see the module docs for the
/// scoring rules.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TechnicalConfig {
    /// Build this agent (`false` switches it off without removing its table).
    pub enabled: bool,
    /// Bar intervals in ms, increasing, each a multiple of the first (at most 8); one number is
    /// one interval.
    #[serde(deserialize_with = "one_or_many")]
    pub intervals_ms: Vec<u64>,
    /// Closed bars kept per instrument × interval (history for readers; indicators keep their own).
    pub bars_kept: usize,
    pub macd_fast: u32,
    pub macd_slow: u32,
    pub macd_signal: u32,
    /// Bollinger window, bars.
    pub bollinger_period: u32,
    /// Band half-width in thousandths of σ (2 000 = 2σ).
    pub bollinger_k_milli: u32,
    /// Wilder ATR period, bars.
    pub atr_period: u32,
    /// VWAP window, bars.
    pub vwap_bars: u32,
    pub weight_macd: u32,
    pub weight_bollinger: u32,
    pub weight_vwap: u32,
    pub weight_move: u32,
    /// The MACD histogram, in thousandths of the ATR, that scores a full ±10 000.
    pub macd_full_atr_permille: u32,
    /// The close's deviation from the VWAP, ppm, that scores a full ∓10 000.
    pub vwap_full_ppm: u32,
    /// The last bar's close-to-close move, in thousandths of the ATR, that scores a full ±10 000.
    pub move_full_atr_permille: u32,
    /// Dead band: a combined |score| below this emits 0.
    pub min_abs_score: u32,
}

impl Default for TechnicalConfig {
    /// 1 s, 10 s and 60 s bars; MACD(12, 26, 9), 20-bar 2σ bands, ATR 14, a 20-bar VWAP.
    fn default() -> Self {
        TechnicalConfig {
            enabled: true,
            intervals_ms: vec![1_000, 10_000, 60_000],
            bars_kept: 64,
            macd_fast: 12,
            macd_slow: 26,
            macd_signal: 9,
            bollinger_period: 20,
            bollinger_k_milli: 2_000,
            atr_period: 14,
            vwap_bars: 20,
            weight_macd: 3,
            weight_bollinger: 2,
            weight_vwap: 2,
            weight_move: 1,
            macd_full_atr_permille: 250,
            vwap_full_ppm: 1_000,
            move_full_atr_permille: 1_000,
            min_abs_score: 1_000,
        }
    }
}

impl TechnicalConfig {
    /// Check every key; errors name the key (under `technical.`).
    pub fn validate(&self) -> Result<(), StrategyError> {
        let e = StrategyError::config;
        let iv = &self.intervals_ms;
        if iv.is_empty() || iv.len() > MAX_INTERVALS {
            return Err(e("technical.intervals_ms", format!("give 1 to {MAX_INTERVALS} intervals")));
        }
        if iv.iter().any(|&i| i == 0 || i > MAX_INTERVAL_MS) {
            return Err(e("technical.intervals_ms", format!("each must be in 1..={MAX_INTERVAL_MS} ms")));
        }
        if iv.windows(2).any(|w| w[0] >= w[1]) || iv.iter().any(|i| i % iv[0] != 0) {
            return Err(e(
                "technical.intervals_ms",
                format!("{iv:?}: must be increasing, each a multiple of the first"),
            ));
        }
        if !(1..=MAX_BARS_KEPT).contains(&self.bars_kept) {
            return Err(e("technical.bars_kept", format!("must be in 1..={MAX_BARS_KEPT}")));
        }
        let periods: [(&'static str, u32, u32); 7] = [
            ("technical.macd_fast", self.macd_fast, 1),
            ("technical.macd_slow", self.macd_slow, 2),
            ("technical.macd_signal", self.macd_signal, 1),
            ("technical.bollinger_period", self.bollinger_period, 2),
            ("technical.atr_period", self.atr_period, 1),
            ("technical.vwap_bars", self.vwap_bars, 1),
            ("technical.bollinger_k_milli", self.bollinger_k_milli, 1),
        ];
        for (key, v, lo) in periods {
            if !(lo..=MAX_PERIOD).contains(&v) {
                return Err(e(key, format!("{v} is outside {lo}..={MAX_PERIOD}")));
            }
        }
        if self.macd_slow <= self.macd_fast {
            return Err(e("technical.macd_slow", format!("must be above macd_fast ({})", self.macd_fast)));
        }
        let weights: [(&'static str, u32); 4] = [
            ("technical.weight_macd", self.weight_macd),
            ("technical.weight_bollinger", self.weight_bollinger),
            ("technical.weight_vwap", self.weight_vwap),
            ("technical.weight_move", self.weight_move),
        ];
        if let Some((key, w)) = weights.iter().find(|(_, w)| *w > 1_000) {
            return Err(e(key, format!("{w} is above 1000")));
        }
        if weights.iter().all(|(_, w)| *w == 0) {
            return Err(e(
                "technical.weight_macd",
                "the four weights (weight_*) must not all be 0".to_string(),
            ));
        }
        let full: [(&'static str, u32); 3] = [
            ("technical.macd_full_atr_permille", self.macd_full_atr_permille),
            ("technical.vwap_full_ppm", self.vwap_full_ppm),
            ("technical.move_full_atr_permille", self.move_full_atr_permille),
        ];
        for (key, v) in full {
            if !(1..=1_000_000).contains(&v) {
                return Err(e(key, format!("{v} is outside 1..=1000000")));
            }
        }
        if self.min_abs_score > MAX_SCORE as u32 {
            return Err(e("technical.min_abs_score", format!("must be at most {MAX_SCORE}")));
        }
        Ok(())
    }
}

/// `intervals_ms = 1000` or `intervals_ms = [1000, 10000]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(u64),
        Many(Vec<u64>),
    }
    let v = <OneOrMany as serde::Deserialize>::deserialize(d)
        .map_err(|_| serde::de::Error::custom("expected a number of ms or a list of them"))?;
    Ok(match v {
        OneOrMany::One(x) => vec![x],
        OneOrMany::Many(v) => v,
    })
}

/// What interval `k` read at its last closed bar (all scaled values as in
/// [`crate::indicators_bars`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TechnicalReading {
    /// The bar that produced it.
    pub bar: Bar,
    pub macd: MacdValue,
    pub bollinger: BollingerValue,
    pub atr: i128,
    pub vwap: i128,
    pub vwap_dev_ppm: i64,
    pub percent_b_bps: i64,
    /// The MACD, Bollinger, VWAP and move components, each in ±10 000.
    pub components: [i64; 4],
    /// Their weighted mean.
    pub score: i64,
}

#[derive(Clone, Debug)]
struct Frame {
    macd: Macd,
    boll: Bollinger,
    atr: WilderAtr,
    vwap: RollingVwap,
    prev_close: Option<i64>,
    reading: Option<TechnicalReading>,
}

/// The technical agent; see the module docs.
#[derive(Clone, Debug)]
pub struct TechnicalAgent {
    cfg: TechnicalConfig,
    bars: MultiBars,
    /// `inst × intervals` frames.
    frames: Vec<Frame>,
    weights: [i128; 4],
}

impl TechnicalAgent {
    /// Stable name (key of its aggregator weight).
    pub const NAME: &'static str = "technical";

    /// An agent for `instruments` instruments (every window preallocated).
    pub fn new(cfg: &TechnicalConfig, instruments: usize) -> Result<Self, StrategyError> {
        cfg.validate()?;
        let ns: Vec<u64> = cfg.intervals_ms.iter().map(|ms| ms * MS).collect();
        let bars = MultiBars::new(instruments, &ns, cfg.bars_kept).map_err(|e| match e {
            BarsSetupError::Capacity => StrategyError::config("technical.bars_kept", "out of range"),
            _ => StrategyError::config("technical.intervals_ms", "refused by the bar builder"),
        })?;
        let frame = Frame {
            macd: Macd::new(cfg.macd_fast, cfg.macd_slow, cfg.macd_signal),
            boll: Bollinger::new(cfg.bollinger_period as usize, cfg.bollinger_k_milli),
            atr: WilderAtr::new(cfg.atr_period),
            vwap: RollingVwap::new(cfg.vwap_bars as usize),
            prev_close: None,
            reading: None,
        };
        let weights =
            [cfg.weight_macd, cfg.weight_bollinger, cfg.weight_vwap, cfg.weight_move].map(i128::from);
        Ok(TechnicalAgent { cfg: cfg.clone(), bars, frames: vec![frame; instruments * ns.len()], weights })
    }

    /// The bars built so far.
    pub fn bars(&self) -> &MultiBars {
        &self.bars
    }

    /// What interval index `k` of `inst` read at its last closed bar, once warm.
    pub fn reading(&self, inst: InstrumentId, k: usize) -> Option<&TechnicalReading> {
        let n = self.cfg.intervals_ms.len();
        if k >= n {
            return None;
        }
        self.frames.get(inst.index() * n + k)?.reading.as_ref()
    }

    /// Bars an interval needs before it is warm.
    pub fn warmup_bars(&self) -> u32 {
        let c = &self.cfg;
        (c.macd_slow + c.macd_signal - 1).max(c.bollinger_period).max(c.atr_period).max(c.vwap_bars).max(2)
    }

    fn close_bar(cfg: &TechnicalConfig, weights: &[i128; 4], f: &mut Frame, bar: &Bar) {
        let (h, l, c) = (bar.high.raw(), bar.low.raw(), bar.close.raw());
        let macd = f.macd.update(c);
        let boll = f.boll.update(c);
        let atr = f.atr.update(h, l, c);
        let vwap = f.vwap.update(bar.notional_raw, bar.volume.raw());
        let prev = f.prev_close.replace(c);
        let (Some(macd), Some(boll), Some(atr), Some(vwap), Some(prev)) = (macd, boll, atr, vwap, prev)
        else {
            return;
        };
        let full = MAX_SCORE as i128;
        let clamp = |x: i128| x.clamp(-full, full) as i64;
        let scaled_close = (c as i128) << crate::indicators::FRAC_BITS;
        let dev = deviation_ppm(scaled_close, vwap).unwrap_or(0);
        let pb = boll.percent_b_bps(c);
        let per_atr = |x: i128, full_permille: u32| {
            if atr <= 0 {
                0
            } else {
                clamp(div_round(x.saturating_mul(1_000 * full), atr.saturating_mul(full_permille as i128)))
            }
        };
        let moved = ((c - prev) as i128) << crate::indicators::FRAC_BITS;
        let components = [
            per_atr(macd.hist, cfg.macd_full_atr_permille),
            clamp((5_000 - pb as i128) * 2),
            // From the exact difference, not the rounded ppm (1 ppm is 10 points at 1000 ppm).
            if vwap > 0 {
                clamp(div_round(
                    (vwap - scaled_close).saturating_mul(1_000_000 * full),
                    vwap.saturating_mul(cfg.vwap_full_ppm as i128),
                ))
            } else {
                0
            },
            per_atr(moved, cfg.move_full_atr_permille),
        ];
        let sum_w: i128 = weights.iter().sum();
        let num: i128 = components.iter().zip(weights).map(|(c, w)| *c as i128 * w).sum();
        let score = div_round(num, sum_w) as i64;
        f.reading = Some(TechnicalReading {
            bar: *bar,
            macd,
            bollinger: boll,
            atr,
            vwap,
            vwap_dev_ppm: dev,
            percent_b_bps: pb,
            components,
            score,
        });
    }
}

impl Strategy for TechnicalAgent {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn on_quote(&mut self, _q: &Quote, _view: &MarketView) -> Option<Signal> {
        None
    }

    fn on_trade(&mut self, t: &Trade, _view: &MarketView) -> Option<Signal> {
        let Added::Added { closed } = self.bars.on_trade(t) else {
            return None;
        };
        if closed == 0 {
            return None;
        }
        let n = self.cfg.intervals_ms.len();
        let base = t.inst.index() * n;
        for k in 0..n {
            if closed & (1 << k) == 0 {
                continue;
            }
            let bar = *self.bars.closed(t.inst, k, 0)?;
            Self::close_bar(&self.cfg, &self.weights, &mut self.frames[base + k], &bar);
        }
        let (mut sum, mut warm) = (0i128, 0i128);
        for f in &self.frames[base..base + n] {
            if let Some(r) = &f.reading {
                sum += r.score as i128;
                warm += 1;
            }
        }
        if warm == 0 {
            return None;
        }
        let score = div_round(sum, warm) as i64;
        let score = if score.unsigned_abs() < self.cfg.min_abs_score as u64 { 0 } else { score };
        Some(Signal::new(t.inst, score, t.local_ts))
    }
}
