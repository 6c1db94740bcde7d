//! A daily long/flat/short backtest on opens: the position decided at day `k − 1`'s close is held
//! from open `k` to open `k + 1`; each change of position pays `cost_bps` per unit changed (a flip
//! from long to short pays twice), taken off equity at that open. Returns are simple, compounded; no interest on cash
//! (rf = 0).

use serde::Serialize;

/// Trading days in a year, for annualising.
pub const YEAR: f64 = 252.0;

/// How a score becomes a position.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sizing {
    /// +1 long, −1 short, 0 flat (no signal or a zero score).
    Sign,
    /// score / 10 000, clipped to −1…1.
    Scaled,
}

impl Sizing {
    /// The position for a score (`None`: no signal → flat).
    pub fn position(self, score: Option<i32>) -> f64 {
        let Some(s) = score else { return 0.0 };
        match self {
            Sizing::Sign => f64::from(s.signum()),
            Sizing::Scaled => (f64::from(s) / f64::from(alphapulse_agents::MAX_SCORE)).clamp(-1.0, 1.0),
        }
    }
}

/// What a backtest made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Open-to-open intervals (trading days − 1).
    pub days: usize,
    /// Final equity / initial − 1, after costs.
    pub total_return: f64,
    /// `(1 + total)^(252 / days) − 1`.
    pub annual_return: f64,
    /// Sample standard deviation of the daily returns × √252.
    pub annual_volatility: f64,
    /// Mean / standard deviation of the daily returns × √252; `None` when they never vary.
    pub sharpe: Option<f64>,
    /// Largest fall from a running peak of equity, as a positive fraction.
    pub max_drawdown: f64,
    /// Days on which the position changed.
    pub trades: usize,
    /// Σ |change of position| (a flip counts 2).
    pub turnover: f64,
    /// Share of days with a non-zero position.
    pub exposure: f64,
    /// Mean |position|.
    pub mean_abs_position: f64,
}

/// Runs `positions[k]` (held from `open[k]` to `open[k + 1]`; so `positions.len() =
/// open.len() − 1`) with `cost_bps` per unit of position change. `None` when there is no interval
/// or the lengths disagree.
pub fn backtest(open: &[f64], positions: &[f64], cost_bps: f64) -> Option<Stats> {
    let n = positions.len();
    if n == 0 || open.len() != n + 1 || open.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return None;
    }
    let cost = cost_bps / 10_000.0;
    let (mut equity, mut peak, mut max_dd) = (1.0f64, 1.0f64, 0.0f64);
    let (mut prev, mut trades, mut turnover, mut exposed, mut abs_pos) = (0.0, 0, 0.0, 0, 0.0);
    let mut rets = Vec::with_capacity(n);
    for (k, &pos) in positions.iter().enumerate() {
        let change = (pos - prev).abs();
        if change > 0.0 {
            trades += 1;
            turnover += change;
        }
        exposed += usize::from(pos != 0.0);
        abs_pos += pos.abs();
        // The cost comes off equity at the open, before the day's move.
        let r = (1.0 - cost * change) * (1.0 + pos * (open[k + 1] / open[k] - 1.0)) - 1.0;
        rets.push(r);
        equity *= 1.0 + r;
        peak = peak.max(equity);
        max_dd = max_dd.max(1.0 - equity / peak);
        prev = pos;
    }
    let mean = rets.iter().sum::<f64>() / n as f64;
    let var = if n > 1 { rets.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
    let sd = var.sqrt();
    Some(Stats {
        days: n,
        total_return: equity - 1.0,
        annual_return: equity.max(0.0).powf(YEAR / n as f64) - 1.0,
        annual_volatility: sd * YEAR.sqrt(),
        sharpe: (sd > 1e-15).then(|| mean / sd * YEAR.sqrt()),
        max_drawdown: max_dd,
        trades,
        turnover,
        exposure: exposed as f64 / n as f64,
        mean_abs_position: abs_pos / n as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn five_days_by_hand() {
        // Opens of 5 days: 4 intervals with returns +10 %, −10 %, +20 %, −5 %.
        let open = [100.0, 110.0, 99.0, 118.8, 112.86];
        // Long, long, short, flat; 10 bps per unit changed: 1 (enter), 0, 2 (flip), 1 (exit).
        let pos = [1.0, 1.0, -1.0, 0.0];
        let s = backtest(&open, &pos, 10.0).expect("stats");
        let r = [1.10 * 0.999 - 1.0, -0.10, 0.80 * 0.998 - 1.0, -0.001];
        let eq: f64 = r.iter().map(|x| 1.0 + x).product();
        assert!(near(s.total_return, eq - 1.0), "{} vs {}", s.total_return, eq - 1.0);
        let mean = r.iter().sum::<f64>() / 4.0;
        let sd = (r.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / 3.0).sqrt();
        assert!(near(s.annual_volatility, sd * 252f64.sqrt()));
        assert!(near(s.sharpe.expect("sharpe"), mean / sd * 252f64.sqrt()));
        // Peak 1.1 × 0.999 after day 1; trough at the end.
        assert!(near(s.max_drawdown, 1.0 - eq / (1.1 * 0.999)), "{}", s.max_drawdown);
        assert_eq!((s.trades, s.days), (3, 4));
        assert!(near(s.turnover, 4.0) && near(s.exposure, 0.75) && near(s.mean_abs_position, 0.75));
        assert!(near(s.annual_return, eq.powf(252.0 / 4.0) - 1.0));
    }

    #[test]
    fn buy_and_hold_is_last_over_first_less_one_entry() {
        let open = [50.0, 55.0, 40.0, 60.0];
        let s = backtest(&open, &[1.0; 3], 5.0).expect("stats");
        assert!(near(s.total_return, (60.0 / 50.0) * (1.0 - 0.0005) - 1.0));
        assert_eq!(s.trades, 1);
        // Peak 55 × (1 − .0005), trough 40 × (1 − .0005): drawdown 1 − 40/55.
        assert!(near(s.max_drawdown, 1.0 - 40.0 / 55.0));
        let free = backtest(&open, &[1.0; 3], 0.0).expect("stats");
        assert!(near(free.total_return, 0.2));
    }

    #[test]
    fn flat_has_no_sharpe_and_bad_input_is_refused() {
        let s = backtest(&[1.0, 2.0, 3.0], &[0.0, 0.0], 5.0).expect("stats");
        assert_eq!((s.total_return, s.sharpe, s.trades, s.max_drawdown), (0.0, None, 0, 0.0));
        assert!(backtest(&[1.0], &[], 5.0).is_none());
        assert!(backtest(&[1.0, 2.0], &[1.0, 1.0], 5.0).is_none());
        assert!(backtest(&[1.0, 0.0, 2.0], &[1.0, 1.0], 5.0).is_none());
    }

    #[test]
    fn sizing() {
        assert_eq!(Sizing::Sign.position(Some(-3)), -1.0);
        assert_eq!(Sizing::Sign.position(Some(0)), 0.0);
        assert_eq!(Sizing::Sign.position(None), 0.0);
        assert_eq!(Sizing::Scaled.position(Some(2_500)), 0.25);
        assert_eq!(Sizing::Scaled.position(Some(-20_000)), -1.0);
    }
}
