//! The alert engine: evaluates every rule over each [`Facts`] snapshot, de-duplicates (a
//! condition that stays true fires once and resolves when it turns false), applies cool-downs
//! (a rule's condition fires again no sooner than its cool-down after it last fired; one still
//! true when the cool-down ends fires then), journals every event and hands it to the channels'
//! sender thread without waiting.
//!
//! Time is the facts' clock (`now_ns`, journal time), so a replayed journal raises the same
//! alerts as the live run; an acknowledgement is stamped with the wall clock.

use std::collections::HashMap;

use alphapulse_types::{AlertRecord, AlertRuleKind, AlertSeverity, AlertState, InstrumentId, SCALE};
use serde::{Deserialize, Serialize};

use super::channels::{ChannelStats, Sender};
use super::config::{AlertsConfig, Channel, RuleKind, RuleSpec, Severity};
use super::journal::AlertJournal;
use super::rules::{evaluate, Check, RuleMemory};
use super::{AlertError, Facts};
use crate::journal::fmt_ts;

/// Alerts kept in memory ([`Engine::alerts`]); the oldest resolved ones go first.
pub const MAX_ALERTS: usize = 10_000;

/// An alert's latest event.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Fired,
    Resolved,
    Acknowledged,
}

/// One alert: fired by a rule's condition, resolved when it no longer holds, acknowledged by an
/// operator (JSON fields as named here).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Alert {
    pub id: u64,
    pub rule_id: u32,
    pub rule_name: String,
    pub kind: RuleKind,
    pub severity: Severity,
    /// The latest event.
    pub state: AlertStatus,
    /// The condition still holds (not resolved).
    pub active: bool,
    /// The symbol it is about, if any.
    pub symbol: Option<String>,
    /// The value observed when it fired and the threshold (a price, a fraction, µs, records or
    /// seconds as the kind says; for `feed_state` and `health_change` the state's number).
    pub value: f64,
    pub threshold: f64,
    /// The value observed when it resolved.
    pub resolved_value: Option<f64>,
    pub message: String,
    /// When it fired, and its latest event (ns since the epoch, and as UTC).
    pub fired_ns: u64,
    pub fired_utc: String,
    pub updated_ns: u64,
    pub resolved_ns: Option<u64>,
    pub acknowledged_ns: Option<u64>,
    pub acknowledged_by: Option<String>,
}

/// A rule as the API shows it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct RuleView {
    pub id: u32,
    pub spec: RuleSpec,
    /// Alerts of this rule currently active.
    pub active: usize,
    /// Times it fired, and when it last did.
    pub fired: u64,
    pub last_fired_ns: Option<u64>,
    /// Firings held back by the cool-down.
    pub suppressed: u64,
}

/// Per condition key (symbol) of a rule.
#[derive(Debug, Default)]
struct Instance {
    /// The active alert's id.
    active: Option<u64>,
    last_fired_ns: Option<u64>,
}

struct Rule {
    id: u32,
    spec: RuleSpec,
    memory: RuleMemory,
    instances: HashMap<String, Instance>,
    fired: u64,
    last_fired_ns: Option<u64>,
    suppressed: u64,
}

impl Rule {
    fn new(id: u32, spec: RuleSpec) -> Rule {
        Rule {
            id,
            spec,
            memory: RuleMemory::default(),
            instances: HashMap::new(),
            fired: 0,
            last_fired_ns: None,
            suppressed: 0,
        }
    }
    fn view(&self) -> RuleView {
        RuleView {
            id: self.id,
            spec: self.spec.clone(),
            active: self.instances.values().filter(|i| i.active.is_some()).count(),
            fired: self.fired,
            last_fired_ns: self.last_fired_ns,
            suppressed: self.suppressed,
        }
    }
}

/// The alert engine (see the module docs).
pub struct Engine {
    cooldown_ns: u64,
    rules: Vec<Rule>,
    alerts: Vec<Alert>,
    next_alert: u64,
    next_rule: u32,
    /// The clock of the latest snapshot.
    now_ns: u64,
    journal: Option<AlertJournal>,
    sender: Option<Sender>,
    /// Channels an alert of a rule without its own list goes to.
    default_channels: Vec<Channel>,
}

fn secs_ns(s: f64) -> u64 {
    (s * 1e9).round() as u64
}

fn scaled(v: f64) -> i64 {
    let x = (v * SCALE as f64).round();
    if x.is_nan() {
        0
    } else {
        x as i64 // saturating
    }
}

impl Engine {
    /// An engine with the rules of `cfg` (validated), journaling to `journal` if given, with the
    /// channels' sender thread started when any channel is configured.
    pub fn new(cfg: &AlertsConfig, journal: Option<AlertJournal>) -> Result<Engine, AlertError> {
        cfg.validate()?;
        let default_channels: Vec<Channel> = [Channel::Log, Channel::Webhook, Channel::Email]
            .into_iter()
            .filter(|c| cfg.channels.enabled(*c))
            .collect();
        let sender =
            if default_channels.is_empty() { None } else { Some(Sender::start(&cfg.channels, cfg.queue)?) };
        let rules: Vec<Rule> =
            cfg.rules.iter().enumerate().map(|(i, s)| Rule::new(i as u32 + 1, s.clone())).collect();
        Ok(Engine {
            cooldown_ns: secs_ns(cfg.cooldown),
            next_rule: rules.len() as u32 + 1,
            rules,
            alerts: Vec::new(),
            next_alert: 1,
            now_ns: 0,
            journal,
            sender,
            default_channels,
        })
    }

    /// Evaluates every enabled rule at `facts`; returns the alerts newly fired or resolved (as
    /// they are after this snapshot), each journaled and queued for its channels.
    pub fn observe(&mut self, facts: &Facts) -> Vec<Alert> {
        self.now_ns = self.now_ns.max(facts.now_ns);
        let now = facts.now_ns;
        let mut out = Vec::new();
        for r in 0..self.rules.len() {
            if !self.rules[r].spec.enabled {
                continue;
            }
            let checks = {
                let rule = &mut self.rules[r];
                evaluate(&rule.spec, &mut rule.memory, facts)
            };
            for c in checks {
                if let Some(a) = self.step(r, c, now) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// One condition of rule `r` at `now`: fire, resolve, or nothing.
    fn step(&mut self, r: usize, c: Check, now: u64) -> Option<Alert> {
        let cooldown = self.rules[r].spec.cooldown.map_or(self.cooldown_ns, secs_ns);
        let rule = &mut self.rules[r];
        let inst = rule.instances.entry(c.key.clone()).or_default();
        match (c.holds, inst.active) {
            (true, None) => {
                if inst.last_fired_ns.is_some_and(|t| now.saturating_sub(t) < cooldown) {
                    rule.suppressed += 1;
                    return None;
                }
                let id = self.next_alert;
                self.next_alert += 1;
                inst.active = Some(id);
                inst.last_fired_ns = Some(now);
                rule.fired += 1;
                rule.last_fired_ns = Some(now);
                let symbol = c.symbol.clone();
                let alert = Alert {
                    id,
                    rule_id: rule.id,
                    rule_name: rule.spec.name.clone(),
                    kind: rule.spec.kind,
                    severity: rule.spec.severity,
                    state: AlertStatus::Fired,
                    active: true,
                    symbol,
                    value: c.value,
                    threshold: c.threshold,
                    resolved_value: None,
                    message: format!("{}: {}", rule.spec.name, c.what),
                    fired_ns: now,
                    fired_utc: fmt_ts(now),
                    updated_ns: now,
                    resolved_ns: None,
                    acknowledged_ns: None,
                    acknowledged_by: None,
                };
                self.push(alert.clone());
                self.emit(&alert, r, 0);
                Some(alert)
            }
            (false, Some(id)) => {
                inst.active = None;
                let a = self.alerts.iter_mut().rev().find(|a| a.id == id)?;
                a.state = AlertStatus::Resolved;
                a.active = false;
                a.resolved_value = Some(c.value);
                a.updated_ns = now;
                a.resolved_ns = Some(now);
                let alert = a.clone();
                self.emit(&alert, r, 0);
                Some(alert)
            }
            _ => None,
        }
    }

    fn push(&mut self, a: Alert) {
        if self.alerts.len() >= MAX_ALERTS {
            let at = self.alerts.iter().position(|a| !a.active).unwrap_or(0);
            self.alerts.remove(at);
        }
        self.alerts.push(a);
    }

    /// Journal `a`'s latest event and queue it for rule `r`'s channels.
    fn emit(&mut self, a: &Alert, r: usize, by: u32) {
        if let Some(j) = self.journal.as_mut() {
            let inst = a.symbol.as_deref().map_or(InstrumentId(u32::MAX), |s| j.instrument(s));
            j.record(record(a, inst, by));
        }
        if let Some(s) = self.sender.as_ref() {
            let spec = &self.rules[r].spec;
            let channels =
                if spec.channels.is_empty() { self.default_channels.clone() } else { spec.channels.clone() };
            s.send(a, channels);
        }
    }

    /// Every alert kept (fired, resolved, acknowledged), oldest first.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// The rules, in id order.
    pub fn rules(&self) -> Vec<RuleView> {
        self.rules.iter().map(Rule::view).collect()
    }

    /// Adds a rule (validated; names are unique).
    pub fn create_rule(&mut self, spec: RuleSpec) -> Result<RuleView, AlertError> {
        self.check_spec(&spec, None)?;
        let id = self.next_rule;
        self.next_rule += 1;
        self.rules.push(Rule::new(id, spec));
        Ok(self.rules[self.rules.len() - 1].view())
    }

    /// Replaces rule `id`'s spec; its history starts again, and its active alerts are resolved.
    pub fn update_rule(&mut self, id: u32, spec: RuleSpec) -> Result<RuleView, AlertError> {
        let r = self.rules.iter().position(|r| r.id == id).ok_or(AlertError::NoRule(id))?;
        self.check_spec(&spec, Some(id))?;
        let active: Vec<u64> = self.rules[r].instances.values().filter_map(|i| i.active).collect();
        for aid in active {
            if let Some(a) = self.alerts.iter_mut().find(|a| a.id == aid) {
                a.state = AlertStatus::Resolved;
                a.active = false;
                a.updated_ns = self.now_ns;
                a.resolved_ns = Some(self.now_ns);
                let a = a.clone();
                self.emit(&a, r, 0);
            }
        }
        let rule = &mut self.rules[r];
        let (fired, last, suppressed) = (rule.fired, rule.last_fired_ns, rule.suppressed);
        *rule = Rule { fired, last_fired_ns: last, suppressed, ..Rule::new(id, spec) };
        Ok(rule.view())
    }

    fn check_spec(&self, spec: &RuleSpec, id: Option<u32>) -> Result<(), AlertError> {
        spec.validate("rule")?;
        if self.rules.iter().any(|r| Some(r.id) != id && r.spec.name == spec.name) {
            return Err(AlertError::Config {
                key: "rule.name".into(),
                reason: format!("`{}` names another rule", spec.name),
            });
        }
        for c in &spec.channels {
            if !self.default_channels.contains(c) {
                return Err(AlertError::Config {
                    key: "rule.channels".into(),
                    reason: format!("channel `{c:?}` is not configured"),
                });
            }
        }
        Ok(())
    }

    /// Marks alert `alert_id` acknowledged by `by` (a user name or uid; at most 64 characters, no
    /// control characters). Acknowledging it again changes nothing.
    pub fn acknowledge(&mut self, alert_id: u64, by: &str) -> Result<Alert, AlertError> {
        if by.is_empty() || by.chars().count() > 64 || by.chars().any(char::is_control) {
            return Err(AlertError::Config {
                key: "by".into(),
                reason: "1 to 64 characters, no control characters".into(),
            });
        }
        let a = self.alerts.iter_mut().find(|a| a.id == alert_id).ok_or(AlertError::NoAlert(alert_id))?;
        if a.acknowledged_ns.is_some() {
            return Ok(a.clone());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        a.state = AlertStatus::Acknowledged;
        a.updated_ns = now;
        a.acknowledged_ns = Some(now);
        a.acknowledged_by = Some(by.to_string());
        let a = a.clone();
        let r = self.rules.iter().position(|r| r.id == a.rule_id).unwrap_or(0);
        if !self.rules.is_empty() {
            self.emit(&a, r, who(by));
        }
        Ok(a)
    }

    /// The channels' counters (queued, dropped because the queue was full, sent, failed).
    pub fn channel_stats(&self) -> ChannelStats {
        self.sender.as_ref().map(Sender::stats).unwrap_or_default()
    }

    /// Records written to and failed on the `alerts` stream, and the first error.
    pub fn journal_stats(&self) -> Option<(u64, u64, Option<String>)> {
        self.journal.as_ref().map(|j| (j.written, j.failed, j.first_error.clone()))
    }

    /// Stops the sender thread after it has sent what is queued (each send bounded by its
    /// timeout), and closes the journal stream.
    pub fn shutdown(mut self) -> Result<ChannelStats, AlertError> {
        let stats = self.sender.take().map(Sender::finish).unwrap_or_default();
        if let Some(j) = self.journal.take() {
            j.close()?;
        }
        Ok(stats)
    }
}

/// The record's `by`: a numeric acknowledger as its uid, else the FNV-1a hash of the name.
fn who(by: &str) -> u32 {
    by.parse::<u32>().unwrap_or_else(|_| {
        by.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
    })
}

fn record(a: &Alert, inst: InstrumentId, by: u32) -> AlertRecord {
    AlertRecord {
        ts: a.updated_ns,
        alert_id: a.id,
        value: scaled(if a.state == AlertStatus::Resolved {
            a.resolved_value.unwrap_or(a.value)
        } else {
            a.value
        }),
        threshold: scaled(a.threshold),
        rule_id: a.rule_id,
        inst,
        by,
        rule_kind: match a.kind {
            RuleKind::PriceAbove => AlertRuleKind::PriceAbove,
            RuleKind::PriceBelow => AlertRuleKind::PriceBelow,
            RuleKind::DrawdownAbove => AlertRuleKind::DrawdownAbove,
            RuleKind::RejectRateAbove => AlertRuleKind::RejectRateAbove,
            RuleKind::TickToTradeP99Above => AlertRuleKind::TickToTradeP99Above,
            RuleKind::FeedState => AlertRuleKind::FeedState,
            RuleKind::HealthChange => AlertRuleKind::HealthChange,
            RuleKind::PersistLagAbove => AlertRuleKind::PersistLagAbove,
        },
        severity: match a.severity {
            Severity::Info => AlertSeverity::Info,
            Severity::Warning => AlertSeverity::Warning,
            Severity::Critical => AlertSeverity::Critical,
        },
        state: match a.state {
            AlertStatus::Fired => AlertState::Fired,
            AlertStatus::Resolved => AlertState::Resolved,
            AlertStatus::Acknowledged => AlertState::Acknowledged,
        },
        _pad: 0,
    }
}
