//! Value agent: intrinsic value by discounted free cash flow, and earnings yield against a hurdle
//! rate, both against the market value from the daily closes → margin of safety → score.
//!
//! Market value = close × shares outstanding, the share count (as reported when filed) scaled by
//! the splits between its filing date and the price series' last date (the series is
//! split-adjusted through it; see [`crate::splits`]).

use crate::concepts as c;
use crate::fundamental::{pct, unit};
use crate::pit::Pit;
use crate::prices::PriceSeries;
use crate::sec::facts::CompanyFacts;
use crate::splits::share_factor;
use crate::{ratios, AgentSignal, Date};
use std::collections::HashMap;
use std::sync::Arc;

/// DCF and hurdle parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueConfig {
    /// Yearly growth of free cash flow over the explicit horizon.
    pub growth: f64,
    /// Years of explicit growth.
    pub years: u32,
    /// Discount rate (cost of equity).
    pub discount: f64,
    /// Growth after the horizon (Gordon terminal value); must stay below `discount`.
    pub terminal_growth: f64,
    /// Earnings yield that merely pays for the risk.
    pub hurdle: f64,
    /// Margin of safety that earns the full +1 (and its negative the full −1).
    pub full_margin: f64,
    /// Weight of the DCF margin of safety against the earnings yield (0…1).
    pub dcf_weight: f64,
}

impl Default for ValueConfig {
    fn default() -> Self {
        ValueConfig {
            growth: 0.05,
            years: 10,
            discount: 0.09,
            terminal_growth: 0.025,
            hurdle: 0.06,
            full_margin: 0.5,
            dcf_weight: 0.7,
        }
    }
}

/// Present value of `fcf0` grown at `growth` for `years`, plus a terminal value.
pub fn dcf(cfg: &ValueConfig, fcf0: f64) -> f64 {
    let mut pv = 0.0;
    let mut f = fcf0;
    let mut disc = 1.0;
    for _ in 0..cfg.years {
        f *= 1.0 + cfg.growth;
        disc *= 1.0 + cfg.discount;
        pv += f / disc;
    }
    let spread = (cfg.discount - cfg.terminal_growth).max(0.005);
    pv + f * (1.0 + cfg.terminal_growth) / spread / disc
}

/// The value agent over facts and prices of several tickers.
#[derive(Debug, Default)]
pub struct ValueAgent {
    pub config: ValueConfig,
    data: HashMap<String, (Arc<CompanyFacts>, Arc<PriceSeries>)>,
}

/// What the value agent found, before scoring.
#[derive(Clone, Debug, PartialEq)]
pub struct Valuation {
    pub price_date: Date,
    pub close: f64,
    /// Split-adjusted to the series.
    pub shares: f64,
    pub market_cap: f64,
    /// The window the cash flow and earnings come from (`TTM to …`, or `FY…` when the trailing
    /// figure is missing).
    pub window: String,
    pub fcf: f64,
    pub intrinsic: f64,
    pub margin_of_safety: f64,
    pub earnings_yield: f64,
    pub filed: Date,
}

impl ValueAgent {
    pub fn new(config: ValueConfig) -> ValueAgent {
        ValueAgent { config, data: HashMap::new() }
    }

    /// Adds (or replaces) a ticker's facts and daily prices.
    pub fn add(
        &mut self,
        ticker: &str,
        facts: impl Into<Arc<CompanyFacts>>,
        prices: impl Into<Arc<PriceSeries>>,
    ) {
        self.data.insert(ticker.to_ascii_uppercase(), (facts.into(), prices.into()));
    }

    /// The valuation at the end of `date`.
    pub fn valuation(&self, ticker: &str, date: Date) -> Option<Valuation> {
        let (facts, prices) = self.data.get(&ticker.to_ascii_uppercase())?;
        let pit = Pit::new(facts, date);
        let mut chain = c::NET_INCOME.to_vec();
        chain.extend_from_slice(c::REVENUE);
        let last = *pit.annual_periods(&chain).last()?;
        let r = ratios::trailing(&pit, last);
        let (price_date, close) = prices.close_at(date)?;
        let (_, sh) = pit
            .latest_instant(&c::SHARES[..1], "shares")
            .or_else(|| pit.value(&c::SHARES[1..], "shares", last).map(|v| (last.end, v)))?;
        let shares = sh.val * share_factor(ticker, sh.filed, prices.adjusted_through());
        let market_cap = close * shares;
        // A 10-Q may lack one of the year-to-date figures: fall back to the fiscal year.
        let fy = (r.fcf.is_none() || r.net_income.is_none()).then(|| ratios::annual(&pit, last, None));
        let (window, fcf, net_income) = match (&fy, r.fcf, r.net_income) {
            (None, Some(f), Some(n)) => (format!("TTM to {}", r.end), f, n),
            (Some(a), _, _) => (a.label.clone(), a.fcf?, a.net_income?),
            _ => return None,
        };
        let filed = fy.as_ref().map_or(r.filed, |a| a.filed).max(sh.filed);
        let net_cash = r.cash.unwrap_or(0.0) - r.debt;
        let intrinsic = if fcf > 0.0 { dcf(&self.config, fcf) + net_cash } else { net_cash };
        let margin_of_safety = if intrinsic > 0.0 { (intrinsic - market_cap) / intrinsic } else { -1.0 };
        let earnings_yield = net_income / market_cap;
        Some(Valuation {
            price_date,
            close,
            shares,
            market_cap,
            window,
            fcf,
            intrinsic,
            margin_of_safety,
            earnings_yield,
            filed,
        })
    }

    /// The signal at the end of `date`.
    pub fn signal_at(&self, ticker: &str, date: Date) -> Option<AgentSignal> {
        let v = self.valuation(ticker, date)?;
        let cfg = &self.config;
        let m = unit(v.margin_of_safety, 0.0, cfg.full_margin);
        let e = unit(v.earnings_yield, cfg.hurdle, cfg.hurdle);
        let w = cfg.dcf_weight.clamp(0.0, 1.0);
        let b = 1e9;
        let reasons = vec![
            format!("close {:.2} on {} × {:.0} M shares = market value {:.1} bn", v.close, v.price_date, v.shares / 1e6, v.market_cap / b),
            format!(
                "DCF of {} FCF {:.1} bn (growth {}, {} y, discount {}, terminal {}) plus net cash = {:.1} bn: margin of safety {} ({m:+.2})",
                v.window,
                v.fcf / b,
                pct(cfg.growth),
                cfg.years,
                pct(cfg.discount),
                pct(cfg.terminal_growth),
                v.intrinsic / b,
                pct(v.margin_of_safety)
            ),
            format!("earnings yield {} against hurdle {} ({e:+.2})", pct(v.earnings_yield), pct(cfg.hurdle)),
        ];
        Some(AgentSignal::from_unit(w * m + (1.0 - w) * e, v.filed, reasons))
    }
}
