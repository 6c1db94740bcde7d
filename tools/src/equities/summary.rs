//! The equities backtest's figures over days: from the equity at each day's close, the daily
//! returns and their total and annualised return, volatility, Sharpe (rf = 0, 252 days a year)
//! and maximum drawdown, defined as `alphapulse evaluate`'s backtest defines them.

use serde::Serialize;

/// Trading days in a year.
pub const YEAR: f64 = 252.0;

/// Figures over the days of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DailyFigures {
    pub first_date: String,
    pub last_date: String,
    /// Daily returns: trading days (the first from the starting cash to its close).
    pub days: usize,
    pub start_equity: f64,
    pub end_equity: f64,
    /// end / start − 1.
    pub total_return: f64,
    /// `(1 + total)^(252 / days) − 1`.
    pub annual_return: f64,
    /// Sample standard deviation of the daily returns × √252.
    pub annual_volatility: f64,
    /// Mean / standard deviation of the daily returns × √252; `None` when they never vary.
    pub sharpe: Option<f64>,
    /// Largest fall from a running peak of equity, as a positive fraction.
    pub max_drawdown: f64,
}

/// The figures of a run that started with `start_equity` and ended days with `equity`
/// (`(date, equity)` in order). `None` with no day.
pub fn figures(start_equity: f64, equity: &[(String, f64)]) -> Option<DailyFigures> {
    let (first, last) = (equity.first()?, equity.last()?);
    if start_equity.is_nan() || start_equity <= 0.0 {
        return None;
    }
    // The first day counts from the starting cash.
    let mut prev = start_equity;
    let (mut peak, mut max_dd) = (start_equity, 0.0f64);
    let mut rets = Vec::with_capacity(equity.len());
    for (_, e) in equity {
        rets.push(if prev > 0.0 { e / prev - 1.0 } else { 0.0 });
        prev = *e;
        peak = peak.max(*e);
        if peak > 0.0 {
            max_dd = max_dd.max(1.0 - e / peak);
        }
    }
    let n = rets.len();
    let total = last.1 / start_equity - 1.0;
    let mean = if n > 0 { rets.iter().sum::<f64>() / n as f64 } else { 0.0 };
    let var = if n > 1 { rets.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
    let sd = var.sqrt();
    Some(DailyFigures {
        first_date: first.0.clone(),
        last_date: last.0.clone(),
        days: n,
        start_equity,
        end_equity: last.1,
        total_return: total,
        annual_return: if n > 0 { (1.0 + total).max(0.0).powf(YEAR / n as f64) - 1.0 } else { 0.0 },
        annual_volatility: sd * YEAR.sqrt(),
        sharpe: (sd > 1e-15).then(|| mean / sd * YEAR.sqrt()),
        max_drawdown: max_dd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        let eq: Vec<(String, f64)> = [("d0", 100.0), ("d1", 110.0), ("d2", 99.0), ("d3", 118.8)]
            .map(|(d, e)| (d.to_string(), e))
            .to_vec();
        let f = figures(100.0, &eq).expect("figures");
        let r: [f64; 4] = [0.0, 0.1, -0.1, 0.2];
        let mean = r.iter().sum::<f64>() / 4.0;
        let sd = (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
        assert_eq!(f.days, 4);
        assert!((f.total_return - 0.188).abs() < 1e-12);
        assert!((f.annual_volatility - sd * YEAR.sqrt()).abs() < 1e-12);
        assert!((f.sharpe.expect("sharpe") - mean / sd * YEAR.sqrt()).abs() < 1e-12);
        assert!((f.max_drawdown - 0.1).abs() < 1e-12);
        assert!(figures(100.0, &[]).is_none());
        let flat = figures(100.0, &[("a".into(), 100.0), ("b".into(), 100.0)]).expect("figures");
        assert_eq!((flat.sharpe, flat.total_return, flat.max_drawdown), (None, 0.0, 0.0));
    }
}
