//! Fundamental agent: margins, returns, leverage, cash generation and growth of the trailing four
//! quarters (the latest fiscal year when no quarter has been filed since), each mapped to −1…1
//! and averaged into a score.

use crate::pit::Pit;
use crate::ratios::{self, Ratios};
use crate::sec::facts::CompanyFacts;
use crate::{AgentSignal, Date};
use std::collections::HashMap;
use std::sync::Arc;

/// `(value − center) / scale`, clamped to −1…1.
pub(crate) fn unit(v: f64, center: f64, scale: f64) -> f64 {
    ((v - center) / scale).clamp(-1.0, 1.0)
}

pub(crate) fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// The fundamental agent over the company facts of several tickers.
#[derive(Debug, Default)]
pub struct FundamentalAgent {
    companies: HashMap<String, Arc<CompanyFacts>>,
}

impl FundamentalAgent {
    pub fn new() -> FundamentalAgent {
        FundamentalAgent::default()
    }

    /// Adds (or replaces) a ticker's facts (an `Arc` shares them with the other agents).
    pub fn add(&mut self, ticker: &str, facts: impl Into<Arc<CompanyFacts>>) {
        self.companies.insert(ticker.to_ascii_uppercase(), facts.into());
    }

    /// The facts of `ticker`.
    pub fn facts(&self, ticker: &str) -> Option<&CompanyFacts> {
        self.companies.get(&ticker.to_ascii_uppercase()).map(|f| &**f)
    }

    /// Ratios of every fiscal year known at `date`, oldest first.
    pub fn fiscal_years(&self, ticker: &str, date: Date) -> Vec<Ratios> {
        self.facts(ticker).map(|f| ratios::history(&Pit::new(f, date))).unwrap_or_default()
    }

    /// Ratios of the trailing four quarters known at `date`.
    pub fn trailing(&self, ticker: &str, date: Date) -> Option<Ratios> {
        let pit = Pit::new(self.facts(ticker)?, date);
        let mut chain = crate::concepts::NET_INCOME.to_vec();
        chain.extend_from_slice(crate::concepts::REVENUE);
        let last = *pit.annual_periods(&chain).last()?;
        Some(ratios::trailing(&pit, last))
    }

    /// The signal at the end of `date` (facts filed on or before `date`).
    pub fn signal_at(&self, ticker: &str, date: Date) -> Option<AgentSignal> {
        let r = self.trailing(ticker, date)?;
        score(&r)
    }
}

/// The score of one window's ratios: the mean of the components available.
pub fn score(r: &Ratios) -> Option<AgentSignal> {
    let mut parts: Vec<(f64, String)> = Vec::new();
    let mut add = |v: Option<f64>, center: f64, scale: f64, what: &str| {
        if let Some(v) = v {
            let s = unit(v, center, scale);
            parts.push((s, format!("{what} {} ({s:+.2})", pct(v))));
        }
    };
    add(r.gross_margin, 0.30, 0.20, "gross margin");
    add(r.operating_margin, 0.10, 0.15, "operating margin");
    add(r.net_margin, 0.05, 0.15, "net margin");
    add(r.roe, 0.10, 0.15, "ROE");
    add(r.roic, 0.08, 0.12, "ROIC");
    add(r.fcf.zip(r.revenue).filter(|(_, rev)| *rev > 0.0).map(|(f, rev)| f / rev), 0.0, 0.15, "FCF margin");
    add(r.revenue_growth, 0.0, 0.15, "revenue growth");
    add(r.earnings_growth, 0.0, 0.25, "earnings growth");
    if let Some(de) = r.debt_to_equity {
        let s = unit(-de, -1.0, 1.0);
        parts.push((s, format!("debt/equity {de:.2} ({s:+.2})")));
    } else if r.equity.is_some_and(|e| e <= 0.0) {
        parts.push((-1.0, "stockholders' equity not positive (-1.00)".into()));
    }
    if parts.is_empty() {
        return None;
    }
    let mean = parts.iter().map(|p| p.0).sum::<f64>() / parts.len() as f64;
    let mut reasons =
        vec![format!("{} to {}: mean of {} components {mean:+.3}", r.label, r.end, parts.len())];
    reasons.extend(parts.into_iter().map(|p| p.1));
    Some(AgentSignal::from_unit(mean, r.filed, reasons))
}
