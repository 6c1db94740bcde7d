//! Activist / event agent: filings from the submissions history turned into dated events, each
//! acting from the next trading day after its `filingDate` (the acceptance time's zone is
//! unreliable), decaying with a half-life; the score is the decayed sum, clamped.
//!
//! The weights are hand-set priors, not fitted: an 8-K says which items it covers, not whether
//! the news is good, so results (2.02) and "other events" (8.01) carry no direction by default and
//! only show in the reasons. Override them in [`EventConfig`].

use crate::prices::PriceSeries;
use crate::sec::submissions::{Filing, Submissions};
use crate::{AgentSignal, Date};
use std::collections::HashMap;

/// Event weights and decay.
#[derive(Clone, Debug, PartialEq)]
pub struct EventConfig {
    /// Days for an event's weight to halve.
    pub half_life_days: f64,
    /// Events older than this many half-lives are dropped.
    pub horizon_half_lives: f64,
    /// `(event key, weight in −1…1)`; keys are 8-K item codes (`"5.02"`), `"425"`, `"13D"`, `"13G"`.
    pub weights: Vec<(String, f64)>,
}

impl Default for EventConfig {
    fn default() -> Self {
        let w = [
            ("1.01", 0.2),   // entry into a material definitive agreement
            ("1.02", -0.2),  // termination of one
            ("2.02", 0.0),   // results of operations: direction unknown from the form
            ("2.03", -0.1),  // a new direct financial obligation
            ("2.05", -0.2),  // exit or disposal costs
            ("2.06", -0.3),  // material impairments
            ("3.01", -0.5),  // delisting notice
            ("4.01", -0.2),  // change of accountant
            ("4.02", -0.6),  // non-reliance on past statements (restatement)
            ("5.02", -0.15), // departure / appointment of officers or directors
            ("8.01", 0.0),   // other events
            ("425", 0.1),    // business-combination communication
            ("13D", 0.4),    // activist stake (Schedule 13D and amendments)
            ("13G", 0.05),   // passive stake above 5 % (Schedule 13G and amendments)
        ];
        EventConfig {
            half_life_days: 10.0,
            horizon_half_lives: 6.0,
            weights: w.iter().map(|(k, v)| ((*k).to_string(), *v)).collect(),
        }
    }
}

/// One dated event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// `8-K 5.02`, `425`, `13D` (from `SC 13D/A`), …
    pub key: String,
    pub form: String,
    pub filed: Date,
    /// First trading day it may act on.
    pub acts_from: Date,
    pub weight: f64,
}

/// The event key of a form, if it is one of the stake forms or Form 425.
pub fn form_key(form: &str) -> Option<&'static str> {
    let f = form.trim().to_ascii_uppercase();
    let base = f.strip_suffix("/A").unwrap_or(&f);
    match base {
        "SC 13D" | "SCHEDULE 13D" => Some("13D"),
        "SC 13G" | "SCHEDULE 13G" => Some("13G"),
        "425" => Some("425"),
        _ => None,
    }
}

/// The events of one filing: one per 8-K item, or one for a stake form / 425.
pub fn events_of(f: &Filing, cfg: &EventConfig, acts_from: Date) -> Vec<Event> {
    let weight = |k: &str| cfg.weights.iter().find(|(key, _)| key == k).map(|(_, w)| *w);
    let is_8k = f.form.trim().eq_ignore_ascii_case("8-K") || f.form.trim().eq_ignore_ascii_case("8-K/A");
    let mut out = Vec::new();
    if is_8k {
        for item in &f.items {
            if let Some(w) = weight(item) {
                out.push(Event {
                    key: format!("8-K {item}"),
                    form: f.form.clone(),
                    filed: f.filing_date,
                    acts_from,
                    weight: w,
                });
            }
        }
    } else if let Some(k) = form_key(&f.form) {
        if let Some(w) = weight(k) {
            out.push(Event {
                key: k.to_string(),
                form: f.form.clone(),
                filed: f.filing_date,
                acts_from,
                weight: w,
            });
        }
    }
    out
}

/// The first weekday after `d` (no holiday calendar: used when no price series is given).
pub fn next_weekday(d: Date) -> Date {
    let mut n = d.add_days(1);
    while n.weekday() >= 5 {
        n = n.add_days(1);
    }
    n
}

/// The event agent over several tickers' filing histories.
#[derive(Debug, Default)]
pub struct ActivistAgent {
    pub config: EventConfig,
    events: HashMap<String, Vec<Event>>,
}

impl ActivistAgent {
    pub fn new(config: EventConfig) -> ActivistAgent {
        ActivistAgent { config, events: HashMap::new() }
    }

    /// Adds a ticker's filings; `calendar` (its price series) gives the next trading day, else
    /// the next weekday.
    pub fn add(&mut self, ticker: &str, subs: &Submissions, calendar: Option<&PriceSeries>) {
        let mut ev: Vec<Event> = subs
            .filings
            .iter()
            .flat_map(|f| {
                let next = calendar
                    .and_then(|c| c.next_trading_day(f.filing_date))
                    .unwrap_or_else(|| next_weekday(f.filing_date));
                events_of(f, &self.config, next)
            })
            .collect();
        ev.sort_by_key(|e| e.acts_from);
        self.events.insert(ticker.to_ascii_uppercase(), ev);
    }

    /// All events of `ticker`, oldest first.
    pub fn events(&self, ticker: &str) -> &[Event] {
        self.events.get(&ticker.to_ascii_uppercase()).map_or(&[], Vec::as_slice)
    }

    /// The signal on `date`: events with `acts_from ≤ date` inside the horizon. `None` when no
    /// directional event is live.
    pub fn signal_at(&self, ticker: &str, date: Date) -> Option<AgentSignal> {
        let hl = self.config.half_life_days.max(0.1);
        let horizon = hl * self.config.horizon_half_lives;
        let live = self
            .events(ticker)
            .iter()
            .filter(|e| e.acts_from <= date && f64::from(e.acts_from.days_until(date)) <= horizon);
        let mut sum = 0.0;
        let mut as_of = None;
        let mut reasons = Vec::new();
        for e in live {
            let age = f64::from(e.acts_from.days_until(date));
            let w = e.weight * 0.5f64.powf(age / hl);
            reasons.push(format!(
                "{} ({}) filed {}, acting from {}: weight {:+.2} decayed to {w:+.3}",
                e.key, e.form, e.filed, e.acts_from, e.weight
            ));
            if e.weight != 0.0 {
                sum += w;
                as_of = as_of.max(Some(e.filed));
            }
        }
        Some(AgentSignal::from_unit(sum, as_of?, reasons))
    }
}
