//! The report: per ticker the period, buy-and-hold and, per agent, the signal's shape, hit rate
//! and IC per horizon and the daily backtest; and [`evaluate_signals`], which lines a signal
//! series up with the opens (signal at day `i`'s close, trade at open `i + 1`).

use super::daily::{backtest, Sizing, Stats};
use super::stats::{forward_returns, hit_rate, ic, HitRate, Ic};
use alphapulse_agents::Date;
use serde::Serialize;

/// Everything `alphapulse evaluate` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The equities folder read.
    pub data: String,
    /// The period asked for (`None`: the whole price file).
    pub from: Option<String>,
    pub to: Option<String>,
    pub horizons: Vec<usize>,
    pub cost_bps: f64,
    pub sizing: Sizing,
    /// `time-series (one ticker)` or `time-series per ticker`: the IC correlates one ticker's
    /// signal with its own forward returns across days, not across tickers.
    pub ic_kind: String,
    pub tickers: Vec<TickerReport>,
    /// Caveats that apply to every figure.
    pub notes: Vec<String>,
}

/// One ticker.
#[derive(Clone, Debug, Serialize)]
pub struct TickerReport {
    pub ticker: String,
    pub prices: String,
    /// The SEC files read for this ticker and what they cover.
    pub inputs: Vec<String>,
    /// First and last trading day inside the period, and their number.
    pub first_date: String,
    pub last_date: String,
    pub days: usize,
    pub first_open: f64,
    pub last_open: f64,
    /// Long from the first open to the last, one entry cost.
    pub buy_and_hold: Stats,
    pub agents: Vec<AgentReport>,
    /// Agents not evaluated here, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub agent: String,
    pub why: String,
}

/// One agent on one ticker.
#[derive(Clone, Debug, Serialize)]
pub struct AgentReport {
    pub agent: String,
    pub signal: SignalSummary,
    pub horizons: Vec<HorizonReport>,
    pub backtest: Stats,
}

/// The shape of a signal series: slow agents change rarely.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalSummary {
    /// Trading days evaluated.
    pub days: usize,
    /// Days the agent had an opinion, and of those the non-zero, long and short ones.
    pub with_signal: usize,
    pub nonzero: usize,
    pub long: usize,
    pub short: usize,
    /// Distinct score values, and days whose score differs from the day before.
    pub distinct_scores: usize,
    pub changes: usize,
    /// Days whose position under `Sizing::Sign` (long, flat, short) differs from the day before.
    pub sign_changes: usize,
    /// Distinct filing/event dates the signals rest on, and the range of scores.
    pub distinct_as_of: usize,
    pub first_as_of: Option<String>,
    pub last_as_of: Option<String>,
    pub min_score: Option<i32>,
    pub max_score: Option<i32>,
    pub mean_score: Option<f64>,
}

/// Hit rate and IC at one horizon (trading days from the next open).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HorizonReport {
    pub horizon: usize,
    pub hit: HitRate,
    pub ic: Ic,
}

/// Summarises `signals` (`(score, as_of)` per day, `None` when the agent is silent).
pub fn summarise(signals: &[Option<(i32, Date)>]) -> SignalSummary {
    let scores: Vec<i32> = signals.iter().flatten().map(|s| s.0).collect();
    let mut distinct = scores.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let mut as_of: Vec<Date> = signals.iter().flatten().map(|s| s.1).collect();
    as_of.sort_unstable();
    as_of.dedup();
    let changes = signals.windows(2).filter(|w| w[0].map(|s| s.0) != w[1].map(|s| s.0)).count();
    let sign = |s: &Option<(i32, Date)>| s.map_or(0, |s| s.0.signum());
    let sign_changes = signals.windows(2).filter(|w| sign(&w[0]) != sign(&w[1])).count();
    SignalSummary {
        days: signals.len(),
        with_signal: scores.len(),
        nonzero: scores.iter().filter(|s| **s != 0).count(),
        long: scores.iter().filter(|s| **s > 0).count(),
        short: scores.iter().filter(|s| **s < 0).count(),
        distinct_scores: distinct.len(),
        changes,
        sign_changes,
        distinct_as_of: as_of.len(),
        first_as_of: as_of.first().map(Date::to_string),
        last_as_of: as_of.last().map(Date::to_string),
        min_score: scores.iter().min().copied(),
        max_score: scores.iter().max().copied(),
        mean_score: (!scores.is_empty())
            .then(|| scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64),
    }
}

/// Evaluates one signal series against the opens of the same days (`open.len() =
/// signals.len()`, at least 2): hit rate and IC per horizon on returns from open `i + 1` to open
/// `i + 1 + h` (inside these days only), and the backtest whose position on the interval from open
/// `k` to open `k + 1` comes from day `k − 1`'s signal (flat on the first interval).
pub fn evaluate_signals(
    agent: &str,
    open: &[f64],
    signals: &[Option<(i32, Date)>],
    horizons: &[usize],
    cost_bps: f64,
    sizing: Sizing,
) -> Option<AgentReport> {
    if open.len() != signals.len() || open.len() < 2 {
        return None;
    }
    let scores: Vec<Option<i32>> = signals.iter().map(|s| s.map(|s| s.0)).collect();
    let horizons = horizons
        .iter()
        .map(|&h| {
            let fwd = forward_returns(open, h);
            HorizonReport { horizon: h, hit: hit_rate(&scores, &fwd), ic: ic(&scores, &fwd) }
        })
        .collect();
    let positions: Vec<f64> =
        std::iter::once(0.0).chain(scores[..scores.len() - 2].iter().map(|s| sizing.position(*s))).collect();
    Some(AgentReport {
        agent: agent.to_string(),
        signal: summarise(signals),
        horizons,
        backtest: backtest(open, &positions, cost_bps)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i32) -> Date {
        Date(16_000 + n)
    }

    #[test]
    fn signals_line_up_with_the_next_open() {
        // 6 days; the signal says long on day 1 (close), short on day 3.
        let open = [100.0, 100.0, 110.0, 121.0, 108.9, 108.9];
        let sig = [None, Some((5_000, day(1))), Some((5_000, day(1))), Some((-2_000, day(3))), None, None];
        let r = evaluate_signals("t", &open, &sig, &[1], 0.0, Sizing::Sign).expect("report");
        // Forward 1-day returns from open i+1: day1 → 110→121 (+10 %), day2 → 121→108.9 (−10 %),
        // day3 → 108.9→108.9 (0: a miss). Hits: day 1 only.
        let h = &r.horizons[0];
        assert_eq!((h.hit.n, h.hit.hits), (3, 1));
        // Position per interval k (open k → k+1) = sign of day k−1: 0, 0, +1, +1, −1.
        // Returns: 0, 0, +10 %, −10 %, 0 → 1.1 × 0.9 − 1.
        assert!((r.backtest.total_return - (1.1 * 0.9 - 1.0)).abs() < 1e-12, "{:?}", r.backtest);
        assert_eq!(r.backtest.trades, 2);
        assert!((r.backtest.exposure - 0.6).abs() < 1e-12);
        // IC over days with a signal and a forward return: (5000, .1), (5000, −.1), (−2000, 0).
        assert_eq!(r.horizons[0].ic.n, 3);
        let s = &r.signal;
        assert_eq!(
            (s.days, s.with_signal, s.long, s.short, s.distinct_scores, s.changes),
            (6, 3, 2, 1, 2, 3)
        );
        // Signs: 0, +, +, −, 0, 0.
        assert_eq!(s.sign_changes, 3);
        assert_eq!((s.distinct_as_of, s.min_score, s.max_score), (2, Some(-2_000), Some(5_000)));
        assert_eq!(s.first_as_of.as_deref(), Some(day(1).to_string().as_str()));
    }

    #[test]
    fn a_late_signal_cannot_earn_an_earlier_move() {
        // The price jumps between opens 1 and 2; a signal first seen at day 1's close trades at
        // open 2, after the jump, and earns nothing.
        let open = [100.0, 100.0, 150.0, 150.0];
        let sig = [None, Some((10_000, day(1))), Some((10_000, day(1))), Some((10_000, day(1)))];
        let r = evaluate_signals("t", &open, &sig, &[1], 0.0, Sizing::Sign).expect("report");
        assert_eq!(r.backtest.total_return, 0.0);
        let early = [Some((10_000, day(0))), None, None, None];
        let r = evaluate_signals("t", &open, &early, &[1], 0.0, Sizing::Sign).expect("report");
        assert!((r.backtest.total_return - 0.5).abs() < 1e-12);
        assert_eq!(r.horizons[0].hit.hits, 1);
    }

    #[test]
    fn lengths_must_match() {
        assert!(evaluate_signals("t", &[1.0, 2.0], &[None], &[1], 0.0, Sizing::Sign).is_none());
        assert!(evaluate_signals("t", &[1.0], &[None], &[1], 0.0, Sizing::Sign).is_none());
    }
}
