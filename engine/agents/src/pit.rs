//! Point-in-time facts: what was known at a date `D`. For each (concept, period) the fact with the
//! latest `filed ≤ D` wins, so a restatement replaces the original only from its own filing date,
//! and a fact filed after `D` is never seen.
//!
//! Periods are chosen by `start`/`end`, never by `fy` (which is the filing's fiscal year): an
//! annual period lasts 350–380 days; a trailing-four-quarter value is the last annual plus the
//! latest year-to-date period after it minus the same period a year before.

use crate::sec::facts::{CompanyFacts, Fact};
use crate::Date;

/// A value with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub val: f64,
    /// Filing date of the (latest) fact used.
    pub filed: Date,
    /// The concept of the chain that supplied it.
    pub concept: &'static str,
}

/// A reporting period: `start` is `None` for an instant (balance-sheet date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub start: Option<Date>,
    pub end: Date,
}

impl Period {
    pub fn days(&self) -> i32 {
        self.start.map_or(0, |s| s.days_until(self.end) + 1)
    }
    pub fn is_annual(&self) -> bool {
        (350..=380).contains(&self.days())
    }
}

/// The company facts as known at `as_of`.
#[derive(Clone, Copy, Debug)]
pub struct Pit<'a> {
    pub facts: &'a CompanyFacts,
    pub as_of: Date,
}

impl<'a> Pit<'a> {
    pub fn new(facts: &'a CompanyFacts, as_of: Date) -> Pit<'a> {
        Pit { facts, as_of }
    }

    /// The latest-filed fact (`filed ≤ as_of`) for exactly this period of one concept.
    pub fn fact(&self, concept: &str, unit: &str, p: Period) -> Option<&'a Fact> {
        let list = self.facts.get(concept, unit);
        let from = list.partition_point(|f| f.end < p.end);
        list[from..]
            .iter()
            .take_while(|f| f.end == p.end)
            .filter(|f| f.start == p.start && f.filed <= self.as_of)
            // Latest filing wins; on the same day, the later accession number.
            .max_by(|a, b| (a.filed, &a.accn).cmp(&(b.filed, &b.accn)))
    }

    /// The first concept of `chain` with a value for `p`.
    pub fn value(&self, chain: &[&'static str], unit: &str, p: Period) -> Option<Value> {
        chain
            .iter()
            .find_map(|&c| self.fact(c, unit, p).map(|f| Value { val: f.val, filed: f.filed, concept: c }))
    }

    /// A USD value for `p`.
    pub fn usd(&self, chain: &[&'static str], p: Period) -> Option<Value> {
        self.value(chain, "USD", p)
    }

    /// Annual periods known at `as_of` for any concept of `chain` (USD), oldest first.
    pub fn annual_periods(&self, chain: &[&'static str]) -> Vec<Period> {
        let mut out: Vec<Period> = chain
            .iter()
            .flat_map(|c| self.facts.get(c, "USD"))
            .filter(|f| f.filed <= self.as_of)
            .map(|f| Period { start: f.start, end: f.end })
            .filter(Period::is_annual)
            .collect();
        out.sort();
        out.dedup();
        // Two "annual" periods ending within a month of each other (a 52/53-week quirk or a
        // re-cut): keep the later-ending one.
        let mut kept: Vec<Period> = Vec::with_capacity(out.len());
        for p in out {
            match kept.last() {
                Some(last) if last.end.days_until(p.end) < 300 => {
                    let n = kept.len() - 1;
                    kept[n] = p;
                }
                _ => kept.push(p),
            }
        }
        kept
    }

    /// The balance-sheet value of `chain` at the instant `end`.
    pub fn instant(&self, chain: &[&'static str], unit: &str, end: Date) -> Option<Value> {
        self.value(chain, unit, Period { start: None, end })
    }

    /// The most recent instant value of `chain` with `end ≤ as_of` and `filed ≤ as_of`.
    pub fn latest_instant(&self, chain: &[&'static str], unit: &str) -> Option<(Date, Value)> {
        chain.iter().find_map(|&c| {
            let f = self
                .facts
                .get(c, unit)
                .iter()
                .filter(|f| f.start.is_none() && f.filed <= self.as_of)
                .max_by(|a, b| (a.end, a.filed, &a.accn).cmp(&(b.end, b.filed, &b.accn)))?;
            Some((f.end, Value { val: f.val, filed: f.filed, concept: c }))
        })
    }

    /// The latest year-to-date period of `chain` that begins right after `annual` ends (within
    /// 7 days) and is shorter than a year, with its value.
    pub fn ytd_after(&self, chain: &[&'static str], annual: Period) -> Option<(Period, Value)> {
        let next = annual.end.add_days(1);
        chain.iter().find_map(|&c| {
            let f = self
                .facts
                .get(c, "USD")
                .iter()
                .filter(|f| f.filed <= self.as_of && f.end > annual.end)
                .filter(|f| {
                    f.start.is_some_and(|s| (s.0 - next.0).abs() <= 7) && (80..340).contains(&f.days())
                })
                .max_by(|a, b| (a.end, a.filed, &a.accn).cmp(&(b.end, b.filed, &b.accn)))?;
            let p = Period { start: f.start, end: f.end };
            Some((p, Value { val: f.val, filed: f.filed, concept: c }))
        })
    }

    /// The period of the same length as `ytd` that starts when `annual` starts (the prior-year
    /// comparative a 10-Q carries), within 7 days.
    pub fn prior_ytd(&self, chain: &[&'static str], annual: Period, ytd: Period) -> Option<Value> {
        let start = annual.start?;
        chain.iter().find_map(|&c| {
            let f = self
                .facts
                .get(c, "USD")
                .iter()
                .filter(|f| f.filed <= self.as_of)
                .filter(|f| {
                    f.start.is_some_and(|s| (s.0 - start.0).abs() <= 7) && (f.days() - ytd.days()).abs() <= 7
                })
                .max_by(|a, b| (a.filed, &a.accn).cmp(&(b.filed, &b.accn)))?;
            Some(Value { val: f.val, filed: f.filed, concept: c })
        })
    }

    /// Trailing four quarters of a flow `chain` ending with the year-to-date period `ytd`:
    /// the annual + `ytd` − the same period a year before (each from the chain's first concept
    /// that has it).
    pub fn trailing_at(&self, chain: &[&'static str], annual: Period, ytd: Period) -> Option<Value> {
        let a = self.usd(chain, annual)?;
        let y = self.usd(chain, ytd)?;
        let prior = self.prior_ytd(chain, annual, ytd)?;
        let filed = a.filed.max(y.filed).max(prior.filed);
        Some(Value { val: a.val + y.val - prior.val, filed, concept: y.concept })
    }

    /// Trailing four quarters of a flow `chain` at `as_of` after the fiscal year `annual`, over
    /// the chain's latest year-to-date period (the annual alone when no quarter has been filed
    /// since). Returns the value and the end of the trailing window.
    pub fn trailing(&self, chain: &[&'static str], annual: Period) -> Option<(Date, Value)> {
        match self.ytd_after(chain, annual) {
            Some((p, _)) => Some((p.end, self.trailing_at(chain, annual, p)?)),
            None => Some((annual.end, self.usd(chain, annual)?)),
        }
    }
}
