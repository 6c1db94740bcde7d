//! Buffett agent: quality and moat. Four sub-scores in −1…1, each with its reason:
//! - ROE consistency: share of fiscal years with ROE above 15 % (years with equity ≤ 0 count as
//!   failing: returns on a negative base are not a moat);
//! - leverage: latest long-term debt / equity (0 → +1, 1 → 0, 2 or more → −1);
//! - margin stability: standard deviation of the operating margin (0 → +1, 5 pp → 0, 10 pp → −1;
//!   −1 when the mean margin is negative);
//! - owner earnings (net income + D&A − capex): −1 if negative, else their yearly growth over
//!   the span (+10 % a year or more → +1).
//!
//! Uses up to the last `years` fiscal years known at the date; needs at least three.

use crate::fundamental::{pct, unit, FundamentalAgent};
use crate::ratios::Ratios;
use crate::{AgentSignal, Date};

/// A sub-score and why.
#[derive(Clone, Debug, PartialEq)]
pub struct SubScore {
    pub name: &'static str,
    pub score: f64,
    pub reason: String,
}

/// The Buffett agent; it reads the fundamental agent's facts.
#[derive(Debug)]
pub struct BuffettAgent {
    pub fundamentals: FundamentalAgent,
    /// Fiscal years looked at (the latest ones).
    pub years: usize,
}

impl BuffettAgent {
    pub fn new(fundamentals: FundamentalAgent) -> BuffettAgent {
        BuffettAgent { fundamentals, years: 10 }
    }

    /// The four sub-scores at the end of `date`, and the latest filing date used.
    pub fn sub_scores(&self, ticker: &str, date: Date) -> Option<(Vec<SubScore>, Date)> {
        let hist = self.fundamentals.fiscal_years(ticker, date);
        let hist: Vec<Ratios> = hist.into_iter().rev().take(self.years).rev().collect();
        if hist.len() < 3 {
            return None;
        }
        let span = format!("{}…{}", hist[0].label, hist[hist.len() - 1].label);
        let filed = hist.iter().map(|r| r.filed).max()?;
        let mut out = Vec::new();
        let roes: Vec<Option<f64>> = hist.iter().map(|r| r.roe).collect();
        let pass = roes.iter().filter(|r| r.is_some_and(|v| v > 0.15)).count();
        let f = pass as f64 / roes.len() as f64;
        let negative = roes.iter().filter(|r| r.is_none()).count();
        out.push(SubScore {
            name: "roe",
            score: 2.0 * f - 1.0,
            reason: format!(
                "ROE above 15 % in {pass} of {} fiscal years ({span}; {negative} without a positive equity)",
                roes.len()
            ),
        });
        let last = &hist[hist.len() - 1];
        let lev = match last.debt_to_equity {
            Some(de) => SubScore {
                name: "leverage",
                score: unit(-de, -1.0, 1.0),
                reason: format!(
                    "{} long-term debt / equity {de:.2}{}",
                    last.label,
                    if last.debt_reported { "" } else { " (no debt concept reported)" }
                ),
            },
            None => SubScore {
                name: "leverage",
                score: -1.0,
                reason: format!("{}: equity not positive", last.label),
            },
        };
        out.push(lev);
        let m: Vec<f64> = hist.iter().filter_map(|r| r.operating_margin).collect();
        if m.len() >= 3 {
            let mean = m.iter().sum::<f64>() / m.len() as f64;
            let sd = (m.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m.len() - 1) as f64).sqrt();
            let s = if mean < 0.0 { -1.0 } else { unit(-sd, -0.05, 0.05) };
            let reason = format!(
                "operating margin mean {} with standard deviation {:.1} pp over {} years",
                pct(mean),
                sd * 100.0,
                m.len()
            );
            out.push(SubScore { name: "margins", score: s, reason });
        }
        let oe: Vec<(String, f64)> =
            hist.iter().filter_map(|r| Some((r.label.clone(), r.owner_earnings?))).collect();
        if let (Some(first), Some(latest)) = (oe.first(), oe.last()) {
            let n = (oe.len() - 1) as f64;
            let (s, reason) = if latest.1 <= 0.0 {
                (-1.0, format!("owner earnings negative in {}: {:.2} bn", latest.0, latest.1 / 1e9))
            } else if first.1 > 0.0 && n > 0.0 {
                let g = (latest.1 / first.1).powf(1.0 / n) - 1.0;
                (
                    unit(g, 0.0, 0.10),
                    format!(
                        "owner earnings {:.2} bn in {}, growing {} a year since {}",
                        latest.1 / 1e9,
                        latest.0,
                        pct(g),
                        first.0
                    ),
                )
            } else {
                (
                    0.5,
                    format!(
                        "owner earnings positive in {} ({:.2} bn) after a non-positive start",
                        latest.0,
                        latest.1 / 1e9
                    ),
                )
            };
            out.push(SubScore { name: "owner_earnings", score: s, reason });
        }
        Some((out, filed))
    }

    /// The signal at the end of `date`: the mean of the sub-scores, reasons per sub-score.
    pub fn signal_at(&self, ticker: &str, date: Date) -> Option<AgentSignal> {
        let (subs, filed) = self.sub_scores(ticker, date)?;
        let mean = subs.iter().map(|s| s.score).sum::<f64>() / subs.len() as f64;
        let reasons = subs.iter().map(|s| format!("{} {:+.2}: {}", s.name, s.score, s.reason)).collect();
        Some(AgentSignal::from_unit(mean, filed, reasons))
    }
}
