//! Slow-path agents over SEC filings, daily prices and dated text (issue 13, item 2): fundamental,
//! value, Buffett, activist/event and sentiment. They never run on a hot thread; floats are fine here. Each agent
//! answers [`signal_at`](fundamental::FundamentalAgent::signal_at)`(ticker, date)` with an
//! [`AgentSignal`]: a score on the engine's signal scale (±10 000 bps, as
//! `alphapulse_strategy::Signal`), the date of the filing or event it rests on (so staleness is
//! visible), and the reasons in words.
//!
//! No look-ahead: at a date `D` an agent sees only facts with `filed ≤ D`, filings with
//! `filingDate ≤ D` acting from the next trading day, and closes on or before `D`.
//!
//! - [`sec`]: loaders (company facts, submissions, Schedule 13D/13G XML) with edge validation.
//! - [`pit`]: point-in-time facts (latest `filed ≤ D` per period; annual, trailing, instants;
//!   concept fallback chains in [`concepts`]); [`splits`]: the split table.
//! - [`ratios`]: per fiscal year and trailing-four-quarter ratios.
//! - [`prices`]: daily price series (kaggle and stocknet CSV).
//! - [`fundamental`], [`value`], [`buffett`], [`activist`]: the agents.
//! - [`sentiment`]: tweets / JSONL texts scored by the ONNX sentiment model, aggregated per ticker
//!   over a trailing window (texts dated after the query time never count), with a `SlowAgent`
//!   adapter.
//! - [`Date`], [`LoadError`], [`Refusal`].
//!
//! ```
//! use alphapulse_agents::{concepts, pit::{Period, Pit}, sec::facts::CompanyFacts, Date};
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/aapl_companyfacts_fy2008.cassette.yaml");
//! let facts = CompanyFacts::load(path.as_ref()).unwrap();
//! let d = |s| Date::parse_iso(s).unwrap();
//! let fy2008 = Period { start: Some(d("2007-09-30")), end: d("2008-09-27") };
//! let net_income = |at| Pit::new(&facts, d(at)).usd(concepts::NET_INCOME, fy2008).map(|v| v.val);
//! // The 10-K of 2009-10-27 said 4,834 M; the 10-K/A of 2010-01-25 restated it to 6,119 M.
//! assert_eq!(net_income("2010-01-24"), Some(4_834e6));
//! assert_eq!(net_income("2010-01-25"), Some(6_119e6));
//! ```
#![forbid(unsafe_code)]

pub mod activist;
pub mod buffett;
pub mod concepts;
mod date;
mod error;
pub mod fundamental;
pub mod pit;
pub mod prices;
pub mod ratios;
pub mod sec;
pub mod sentiment;
pub mod splits;
pub mod value;

pub use date::Date;
pub use error::{LoadError, Refusal};

/// Largest magnitude of a score: the engine's `MAX_SCORE` (+10 000 bps = full-strength buy).
pub const MAX_SCORE: i32 = 10_000;

/// One agent's opinion on one ticker at one date.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentSignal {
    /// −10 000 (strong sell) … +10 000 (strong buy) bps.
    pub score: i32,
    /// The filing or event date the signal rests on (the latest one used).
    pub as_of: Date,
    /// Why, one line per component.
    pub reasons: Vec<String>,
}

impl AgentSignal {
    /// A signal with `score` (a fraction in −1…1, clamped) scaled to bps.
    pub fn from_unit(score: f64, as_of: Date, reasons: Vec<String>) -> AgentSignal {
        let s = if score.is_finite() { score.clamp(-1.0, 1.0) } else { 0.0 };
        AgentSignal { score: (s * f64::from(MAX_SCORE)).round() as i32, as_of, reasons }
    }

    /// `as_of` as the engine's timestamp: nanoseconds since the Unix epoch at 00:00 UTC.
    pub fn as_of_ns(&self) -> u64 {
        u64::try_from(self.as_of.unix_seconds()).map_or(0, |s| s.saturating_mul(1_000_000_000))
    }
}

#[cfg(test)]
mod tests {
    /// The agents are read from slow threads: they must be shareable.
    #[test]
    fn agents_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::fundamental::FundamentalAgent>();
        check::<crate::value::ValueAgent>();
        check::<crate::buffett::BuffettAgent>();
        check::<crate::activist::ActivistAgent>();
        check::<crate::sentiment::SentimentAgent>();
        check::<crate::AgentSignal>();
    }
}
