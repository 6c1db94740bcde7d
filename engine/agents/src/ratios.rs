//! Ratios per fiscal year and for the trailing four quarters, from point-in-time facts.
//!
//! Definitions (the tests recompute them from the raw JSON by hand):
//! - margins: gross profit (else revenue − cost of revenue), operating income, net income over revenue;
//! - ROE: net income / stockholders' equity at the period end (none when equity ≤ 0);
//! - ROIC: operating income × (1 − tax rate) / (equity + long-term debt), tax rate = income tax /
//!   pre-tax income clamped to 0…35 % (21 % when either is missing);
//! - debt to equity: long-term debt / equity (a filer reporting no long-term debt concept has 0);
//! - free cash flow: operating cash flow − capital expenditure; owner earnings: net income +
//!   depreciation and amortisation − capital expenditure;
//! - growth: year over year (annual: against the previous fiscal year; trailing: the year-to-date
//!   against the same period a year before).

use crate::concepts as c;
use crate::pit::{Period, Pit, Value};
use crate::Date;

/// The figures of one window (a fiscal year or the trailing four quarters).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ratios {
    /// `FY2017` or `TTM`.
    pub label: String,
    /// Last day of the window.
    pub end: Date,
    /// Latest filing date among the facts used.
    pub filed: Date,
    pub revenue: Option<f64>,
    pub net_income: Option<f64>,
    pub equity: Option<f64>,
    pub debt: f64,
    pub debt_reported: bool,
    pub cash: Option<f64>,
    pub gross_margin: Option<f64>,
    pub operating_margin: Option<f64>,
    pub net_margin: Option<f64>,
    pub roe: Option<f64>,
    pub roic: Option<f64>,
    pub debt_to_equity: Option<f64>,
    pub fcf: Option<f64>,
    pub owner_earnings: Option<f64>,
    pub revenue_growth: Option<f64>,
    pub earnings_growth: Option<f64>,
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

fn growth(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(n), Some(b)) if b != 0.0 => Some((n - b) / b.abs()),
        _ => None,
    }
}

/// Computes a window's ratios; `flow` gives a flow concept's value over the window, the balance
/// sheet is read at `end`.
fn compute(
    pit: &Pit<'_>,
    label: String,
    end: Date,
    flow: &dyn Fn(&[&'static str]) -> Option<Value>,
) -> Ratios {
    let mut filed = Date(i32::MIN);
    let mut take = |v: Option<Value>| {
        v.map(|v| {
            filed = filed.max(v.filed);
            v.val
        })
    };
    let revenue = take(flow(c::REVENUE));
    let gross = take(flow(c::GROSS_PROFIT)).or_else(|| Some(revenue? - take(flow(c::COST_OF_REVENUE))?));
    let op = take(flow(c::OPERATING_INCOME));
    let ni = take(flow(c::NET_INCOME));
    let tax = take(flow(c::INCOME_TAX));
    let pretax = take(flow(c::PRETAX_INCOME));
    let cfo = take(flow(c::OPERATING_CASH_FLOW));
    let capex = take(flow(c::CAPEX));
    let da = take(flow(c::DEPRECIATION));
    let equity = take(pit.instant(c::EQUITY, "USD", end));
    let debt_v = take(pit.instant(c::LONG_TERM_DEBT, "USD", end));
    let cash = take(pit.instant(c::CASH, "USD", end));
    let debt = debt_v.unwrap_or(0.0);
    let pos_equity = equity.filter(|e| *e > 0.0);
    let tax_rate = ratio(tax, pretax.filter(|p| *p > 0.0)).map_or(0.21, |t| t.clamp(0.0, 0.35));
    let invested = pos_equity.map(|e| e + debt).filter(|v| *v > 0.0);
    Ratios {
        label,
        end,
        filed,
        revenue,
        net_income: ni,
        equity,
        debt,
        debt_reported: debt_v.is_some(),
        cash,
        gross_margin: ratio(gross, revenue),
        operating_margin: ratio(op, revenue),
        net_margin: ratio(ni, revenue),
        roe: ratio(ni, pos_equity),
        roic: ratio(op.map(|o| o * (1.0 - tax_rate)), invested),
        debt_to_equity: ratio(Some(debt), pos_equity),
        fcf: cfo.zip(capex).map(|(a, b)| a - b),
        owner_earnings: ni.zip(da).zip(capex).map(|((n, d), k)| n + d - k),
        revenue_growth: None,
        earnings_growth: None,
    }
}

/// Ratios of the fiscal year `p`, with growth against `prev` (the fiscal year before).
pub fn annual(pit: &Pit<'_>, p: Period, prev: Option<Period>) -> Ratios {
    let (y, _, _) = p.end.ymd();
    let mut r = compute(pit, format!("FY{y}"), p.end, &|ch| pit.usd(ch, p));
    if let Some(q) = prev.filter(|q| (330..=400).contains(&q.end.days_until(p.end))) {
        r.revenue_growth = growth(r.revenue, pit.usd(c::REVENUE, q).map(|v| v.val));
        r.earnings_growth = growth(r.net_income, pit.usd(c::NET_INCOME, q).map(|v| v.val));
    }
    r
}

/// Every fiscal year known at `pit.as_of`, oldest first.
pub fn history(pit: &Pit<'_>) -> Vec<Ratios> {
    let mut chain: Vec<&'static str> = c::NET_INCOME.to_vec();
    chain.extend_from_slice(c::REVENUE);
    let periods = pit.annual_periods(&chain);
    periods.iter().enumerate().map(|(i, &p)| annual(pit, p, i.checked_sub(1).map(|j| periods[j]))).collect()
}

/// Ratios of the trailing four quarters after the fiscal year `p`.
pub fn trailing(pit: &Pit<'_>, p: Period) -> Ratios {
    let ytd = pit.ytd_after(c::NET_INCOME, p).or_else(|| pit.ytd_after(c::REVENUE, p));
    let Some((yp, _)) = ytd else {
        let mut chain: Vec<&'static str> = c::NET_INCOME.to_vec();
        chain.extend_from_slice(c::REVENUE);
        let prev = pit.annual_periods(&chain).into_iter().rfind(|q| q.end < p.end);
        let mut r = annual(pit, p, prev);
        r.label = "TTM".into();
        return r;
    };
    let flow = |ch: &[&'static str]| pit.trailing_at(ch, p, yp);
    let mut r = compute(pit, "TTM".into(), yp.end, &flow);
    let yoy = |ch: &[&'static str]| {
        let now = pit.usd(ch, yp).map(|v| v.val);
        growth(now, pit.prior_ytd(ch, p, yp).map(|v| v.val))
    };
    r.revenue_growth = yoy(c::REVENUE);
    r.earnings_growth = yoy(c::NET_INCOME);
    r
}
