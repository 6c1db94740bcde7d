//! `momentum`: short-horizon momentum over trade prices. Per instrument it keeps the last
//! `lookback` trade prices (a preallocated ring); once full, each trade's return over the window,
//! `r = (px − px_lookback_ago) / px_lookback_ago` in bps, gives the score: 0 (an explicit
//! neutral) while `|r| < threshold_bps`, else `10 000 · r / full_scale_bps`, clamped to ±10 000
//! (a rise is a buy).
//!
//! Parameters: `lookback` (trades, 1..=1000, default 20), `threshold_bps` (decimal, default
//! `"0.5"`), `full_scale_bps` (decimal, default `"5"`).
#![forbid(unsafe_code)]

use alphapulse_sdk::{export_strategy, signal, MarketView, Setup, Signal, Strategy, Trade};

/// Longest `lookback`.
pub const MAX_LOOKBACK: usize = 1_000;

/// The strategy; see the crate docs.
pub struct Momentum {
    lookback: usize,
    /// bps at 1e-8.
    threshold: i64,
    full_scale: i64,
    /// Per instrument: `lookback` prices, the next slot to write, and how many are held.
    rings: Vec<Ring>,
}

struct Ring {
    px: Vec<i64>,
    next: usize,
    len: usize,
}

impl Momentum {
    /// The score of a return from `from` to `to` (prices at 1e-8).
    pub fn score(&self, from: i64, to: i64) -> i32 {
        if from <= 0 {
            return 0;
        }
        // Return in bps at 1e-8: (to − from) · 1e4 · 1e8 / from.
        let r = (to as i128 - from as i128) * 1_000_000_000_000 / from as i128;
        if r.abs() < self.threshold as i128 {
            return 0;
        }
        (r * 10_000 / self.full_scale as i128).clamp(-10_000, 10_000) as i32
    }
}

impl Strategy for Momentum {
    const NAME: &'static str = "momentum";

    fn new(setup: &Setup<'_>) -> Result<Self, String> {
        setup.only(&["lookback", "threshold_bps", "full_scale_bps"])?;
        let lookback = setup.parse("lookback", 20usize)?;
        if !(1..=MAX_LOOKBACK).contains(&lookback) {
            return Err(format!("parameter `lookback`: {lookback} is outside 1..={MAX_LOOKBACK}"));
        }
        let threshold = setup.fixed("threshold_bps", 50_000_000)?;
        let full_scale = setup.fixed("full_scale_bps", 500_000_000)?;
        if threshold < 0 || full_scale <= 0 {
            return Err("parameters `threshold_bps` ≥ 0 and `full_scale_bps` > 0 are required".into());
        }
        let rings =
            (0..setup.instruments.len()).map(|_| Ring { px: vec![0; lookback], next: 0, len: 0 }).collect();
        Ok(Momentum { lookback, threshold, full_scale, rings })
    }

    fn on_trade(&mut self, t: &Trade, _view: &dyn MarketView) -> Option<Signal> {
        let n = self.lookback;
        let ring = self.rings.get_mut(t.inst as usize)?;
        // The oldest price held (lookback trades ago) is the one this trade replaces.
        let from = (ring.len == n).then(|| ring.px[ring.next]);
        ring.px[ring.next] = t.px;
        ring.next = (ring.next + 1) % n;
        ring.len = (ring.len + 1).min(n);
        let from = from?;
        Some(signal(t.inst, self.score(from, t.px) as i64, t.local_ts))
    }

    fn set_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        let v = alphapulse_sdk::parse_fixed(value)
            .ok_or_else(|| format!("parameter `{key}`: cannot read `{value}`"))?;
        match key {
            "threshold_bps" if v >= 0 => self.threshold = v,
            "full_scale_bps" if v > 0 => self.full_scale = v,
            "threshold_bps" | "full_scale_bps" => {
                return Err(format!("parameter `{key}`: `{value}` is out of range"))
            }
            _ => {
                return Err(format!(
                    "momentum: no settable parameter `{key}` (threshold_bps, full_scale_bps)"
                ))
            }
        }
        Ok(())
    }
}

export_strategy!(Momentum);

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_sdk::{Level, Quote, Side};

    struct NoView;
    impl MarketView for NoView {
        fn instruments(&self) -> u32 {
            1
        }
        fn quote(&self, _: u32) -> Option<Quote> {
            None
        }
        fn level(&self, _: u32, _: Side, _: u32) -> Option<Level> {
            None
        }
        fn depth(&self, _: u32, _: Side) -> u32 {
            0
        }
        fn last_trade(&self, _: u32) -> Option<Trade> {
            None
        }
        fn position(&self, _: u32) -> i64 {
            0
        }
    }

    const U: i64 = 100_000_000;

    fn mom(p: &[(&str, &str)]) -> Momentum {
        Momentum::new(&Setup { params: p, instruments: &["A", "B"] }).unwrap()
    }

    fn trade(inst: u32, px: i64, ts: u64) -> Trade {
        Trade { inst, px, local_ts: ts, ..Default::default() }
    }

    #[test]
    fn score_from_the_return_in_bps() {
        let m = mom(&[]);
        // 10 000 → 10 001: +1 bp; full scale 5 bps → 2000.
        assert_eq!(m.score(10_000 * U, 10_001 * U), 2_000);
        assert_eq!(m.score(10_000 * U, 9_999 * U), -2_000);
        // 0.4 bp < threshold 0.5 → neutral; 10 bps → clamped.
        assert_eq!(m.score(100_000 * U, 100_004 * U), 0);
        assert_eq!(m.score(10_000 * U, 10_010 * U), 10_000);
    }

    #[test]
    fn signals_once_the_window_is_full_per_instrument() {
        let mut m = mom(&[("lookback", "2")]);
        assert_eq!(m.on_trade(&trade(0, 10_000 * U, 1), &NoView), None);
        assert_eq!(m.on_trade(&trade(0, 10_000 * U, 2), &NoView), None);
        assert_eq!(m.on_trade(&trade(1, 50 * U, 3), &NoView), None, "instrument B has its own window");
        // Two trades ago: 10 000 → 10 001 = +1 bp → 2000.
        assert_eq!(
            m.on_trade(&trade(0, 10_001 * U, 4), &NoView),
            Some(Signal { inst: 0, score: 2_000, ts: 4 })
        );
        // Two ago is now 10 000 (ts 2) → 9 999: −1 bp.
        assert_eq!(m.on_trade(&trade(0, 9_999 * U, 5), &NoView).map(|s| s.score), Some(-2_000));
        assert_eq!(m.on_trade(&trade(7, U, 6), &NoView), None, "unknown instrument");
    }

    #[test]
    fn params_checked() {
        let e = Momentum::new(&Setup { params: &[("lookback", "0")], instruments: &[] }).err().unwrap();
        assert!(e.contains("`lookback`: 0"), "{e}");
        let mut m = mom(&[]);
        m.set_param("full_scale_bps", "1").unwrap();
        assert_eq!(m.score(10_000 * U, 10_001 * U), 10_000);
        assert!(m.set_param("full_scale_bps", "0").is_err());
        assert!(m.set_param("lookback", "3").is_err(), "the window is sized at construction");
    }
}
