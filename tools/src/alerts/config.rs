//! The `[alerts]` table: rules, channels and the default cool-down, validated with errors that
//! name the key at fault (`alerts.rules[2].threshold`).
//!
//! ```toml
//! [alerts]
//! cooldown = 300.0          # seconds between two firings of one rule (a rule may set its own)
//! queue = 1024              # alerts waiting for the channels' sender thread; more are dropped
//!
//! [alerts.channels]
//! ca_file = ""              # PEM: extra roots for https webhooks and STARTTLS
//!
//! [alerts.channels.log]
//! enabled = true
//! file = ""                 # empty: stderr
//!
//! [alerts.channels.webhook]
//! url = ""                  # empty: no webhook; http:// or https://
//! auth_header = ""          # the Authorization header's value (secret; or auth_header_env)
//! auth_header_env = "ALPHAPULSE_WEBHOOK_AUTH"
//! timeout_ms = 2000
//! retries = 2
//!
//! [alerts.channels.email]
//! host = ""                 # empty: no email
//! port = 587
//! starttls = true
//! from = "alphapulse@localhost"
//! to = []
//! username = ""
//! password = ""             # secret; or password_env
//! password_env = "ALPHAPULSE_SMTP_PASSWORD"
//! timeout_ms = 5000
//!
//! [[alerts.rules]]
//! name = "BTC above 100k"
//! kind = "price_above"      # price_below, drawdown_above, reject_rate_above,
//!                           # tick_to_trade_p99_above, feed_state, health_change, persist_lag_above
//! symbol = "BTCUSDT"
//! threshold = 100000.0
//! severity = "warning"      # info, warning, critical
//! channels = ["log", "webhook"]   # default: every enabled channel
//! ```
//!
//! Keys per kind: `price_above`/`price_below`: `symbol`, `threshold` (a price);
//! `drawdown_above`: `threshold` (a fraction of peak equity, 0..1); `reject_rate_above`:
//! `threshold` (rejects / decisions, 0..1), `window` (seconds, default 60), `min_count`
//! (decisions in the window before it may fire, default 20); `tick_to_trade_p99_above`:
//! `threshold` (µs); `feed_state`: `symbol` (absent: any symbol), `states` (of `disconnected`,
//! `stale`, `resyncing`; default all three); `health_change`: `to` (absent: any change; else the
//! state at or beyond which it fires: `warning`, `degraded`, `critical`, `emergency_stop`);
//! `persist_lag_above`: `threshold`, `unit` (`records` or `seconds`).

use serde::{Deserialize, Serialize};

use super::AlertError;

/// The `[alerts]` table.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Default cool-down, seconds: a rule fires again no sooner than this after it last fired.
    pub cooldown: f64,
    /// Capacity of the queue to the channels' sender thread (alerts beyond it are dropped and
    /// counted; `observe` never waits).
    pub queue: usize,
    pub channels: ChannelsConfig,
    pub rules: Vec<RuleSpec>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig { cooldown: 300.0, queue: 1024, channels: ChannelsConfig::default(), rules: Vec::new() }
    }
}

/// `[alerts.channels]`: where alerts go besides the journal.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelsConfig {
    /// A PEM file of extra root certificates trusted by the webhook (https) and email (STARTTLS)
    /// channels besides the webpki roots (a private CA); empty: none.
    pub ca_file: String,
    pub log: LogChannel,
    pub webhook: WebhookChannel,
    pub email: EmailChannel,
}

/// `[alerts.channels.log]`: one line per alert.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogChannel {
    pub enabled: bool,
    /// Append to this file; empty: stderr.
    pub file: String,
}

impl Default for LogChannel {
    fn default() -> Self {
        LogChannel { enabled: true, file: String::new() }
    }
}

/// `[alerts.channels.webhook]`: an HTTP POST of the alert as JSON.
#[derive(Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookChannel {
    /// Empty: no webhook.
    pub url: String,
    /// The `Authorization` header's value. Secret: never serialized, logged or journaled.
    #[serde(skip_serializing)]
    pub auth_header: String,
    /// Environment variable read for the header when `auth_header` is empty.
    pub auth_header_env: String,
    pub timeout_ms: u64,
    /// Further attempts after a failed one (connection error, timeout or a non-2xx status).
    pub retries: u32,
}

impl Default for WebhookChannel {
    fn default() -> Self {
        WebhookChannel {
            url: String::new(),
            auth_header: String::new(),
            auth_header_env: "ALPHAPULSE_WEBHOOK_AUTH".into(),
            timeout_ms: 2000,
            retries: 2,
        }
    }
}

impl std::fmt::Debug for WebhookChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookChannel")
            .field("url", &self.url)
            .field("auth_header", &if self.auth_header.is_empty() { "" } else { "<redacted>" })
            .field("auth_header_env", &self.auth_header_env)
            .field("timeout_ms", &self.timeout_ms)
            .field("retries", &self.retries)
            .finish()
    }
}

/// `[alerts.channels.email]`: a mail over SMTP.
#[derive(Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EmailChannel {
    /// Empty: no email.
    pub host: String,
    pub port: u16,
    /// Upgrade the connection with STARTTLS (required when set: refused if the server lacks it).
    pub starttls: bool,
    pub from: String,
    pub to: Vec<String>,
    /// AUTH PLAIN when not empty (only over TLS).
    pub username: String,
    /// Secret: never serialized, logged or journaled.
    #[serde(skip_serializing)]
    pub password: String,
    /// Environment variable read for the password when `password` is empty.
    pub password_env: String,
    pub timeout_ms: u64,
}

impl Default for EmailChannel {
    fn default() -> Self {
        EmailChannel {
            host: String::new(),
            port: 587,
            starttls: true,
            from: "alphapulse@localhost".into(),
            to: Vec::new(),
            username: String::new(),
            password: String::new(),
            password_env: "ALPHAPULSE_SMTP_PASSWORD".into(),
            timeout_ms: 5000,
        }
    }
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("starttls", &self.starttls)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("username", &self.username)
            .field("password", &if self.password.is_empty() { "" } else { "<redacted>" })
            .field("password_env", &self.password_env)
            .finish()
    }
}

/// What a rule tests.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    PriceAbove,
    PriceBelow,
    DrawdownAbove,
    RejectRateAbove,
    TickToTradeP99Above,
    FeedState,
    HealthChange,
    PersistLagAbove,
}

/// How bad an alert of a rule is.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    #[default]
    Warning,
    Critical,
}

/// A channel an alert is sent to.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Log,
    Webhook,
    Email,
}

/// A feed condition of a `feed_state` rule.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FeedCondition {
    /// The feed lost its connection (`reconnecting`).
    Disconnected,
    Stale,
    Resyncing,
}

/// The unit of a `persist_lag_above` threshold.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LagUnit {
    #[default]
    Records,
    Seconds,
}

/// One rule, as in config and as the API creates or updates it (JSON fields as the TOML keys).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    pub kind: RuleKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// `reject_rate_above`: window in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<f64>,
    /// `reject_rate_above`: decisions in the window before it may fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u64>,
    /// `feed_state`: the conditions that fire (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<FeedCondition>,
    /// `health_change`: the state at or beyond which it fires (absent: any change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `persist_lag_above`: what the threshold counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<LagUnit>,
    #[serde(default)]
    pub severity: Severity,
    /// Seconds; absent: `[alerts] cooldown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<f64>,
    /// Absent or empty: every enabled channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Health states in order of badness; `health_change.to` names one of the last four.
pub const HEALTH_ORDER: [&str; 7] =
    ["initializing", "health_check", "healthy", "warning", "degraded", "critical", "emergency_stop"];

/// The badness of a health state name as `status` prints it (`Healthy`, `EmergencyStop`,
/// `emergency_stop`): 0 up to healthy, then 1..=4; None for an unknown name.
pub fn health_level(name: &str) -> Option<u8> {
    let snake: String = name
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let sep = (c.is_ascii_uppercase() && i > 0).then_some('_');
            sep.into_iter().chain(std::iter::once(c.to_ascii_lowercase()))
        })
        .collect();
    let i = HEALTH_ORDER.iter().position(|h| *h == snake)?;
    Some(i.saturating_sub(2) as u8)
}

fn bad(key: String, why: impl Into<String>) -> AlertError {
    AlertError::Config { key, reason: why.into() }
}

impl RuleSpec {
    /// Checks the keys its kind needs (and refuses those it does not take); `at` is the rule's
    /// key (`alerts.rules[2]`, or `rule` for the API).
    pub fn validate(&self, at: &str) -> Result<(), AlertError> {
        let key = |k: &str| format!("{at}.{k}");
        if self.name.trim().is_empty() {
            return Err(bad(key("name"), "must not be empty"));
        }
        use RuleKind::*;
        let needs_symbol = matches!(self.kind, PriceAbove | PriceBelow);
        let takes_symbol = needs_symbol || self.kind == FeedState;
        match (&self.symbol, needs_symbol, takes_symbol) {
            (None, true, _) => return Err(bad(key("symbol"), "required for this kind")),
            (Some(_), _, false) => return Err(bad(key("symbol"), "not a key of this kind")),
            (Some(s), _, _) if s.trim().is_empty() => return Err(bad(key("symbol"), "must not be empty")),
            _ => {}
        }
        let takes_threshold = !matches!(self.kind, FeedState | HealthChange);
        match (self.threshold, takes_threshold) {
            (None, true) => return Err(bad(key("threshold"), "required for this kind")),
            (Some(_), false) => return Err(bad(key("threshold"), "not a key of this kind")),
            (Some(t), true) if !t.is_finite() || t < 0.0 => {
                return Err(bad(key("threshold"), format!("{t} is not a finite number >= 0")))
            }
            (Some(t), true) if matches!(self.kind, DrawdownAbove | RejectRateAbove) && t >= 1.0 => {
                return Err(bad(key("threshold"), format!("{t} is a fraction: must be below 1")))
            }
            (Some(t), true) if matches!(self.kind, PriceAbove | PriceBelow) && t <= 0.0 => {
                return Err(bad(key("threshold"), "a price must be above 0"))
            }
            _ => {}
        }
        let only = |present: bool, k: &str, kind: RuleKind| {
            if present && self.kind != kind {
                Err(bad(key(k), "not a key of this kind"))
            } else {
                Ok(())
            }
        };
        only(self.window.is_some(), "window", RejectRateAbove)?;
        only(self.min_count.is_some(), "min_count", RejectRateAbove)?;
        only(!self.states.is_empty(), "states", FeedState)?;
        only(self.to.is_some(), "to", HealthChange)?;
        only(self.unit.is_some(), "unit", PersistLagAbove)?;
        if let Some(w) = self.window {
            if !w.is_finite() || w <= 0.0 {
                return Err(bad(key("window"), format!("{w} is not a number of seconds above 0")));
            }
        }
        if let Some(to) = &self.to {
            if !matches!(health_level(to), Some(1..)) {
                return Err(bad(key("to"), format!("`{to}` is not one of {:?}", &HEALTH_ORDER[3..])));
            }
        }
        if let Some(c) = self.cooldown {
            if !c.is_finite() || c < 0.0 {
                return Err(bad(key("cooldown"), format!("{c} is not a number of seconds >= 0")));
            }
        }
        Ok(())
    }
}

impl AlertsConfig {
    /// Checks every key; the error names the first one at fault.
    pub fn validate(&self) -> Result<(), AlertError> {
        if !self.cooldown.is_finite() || self.cooldown < 0.0 {
            return Err(bad(
                "alerts.cooldown".into(),
                format!("{} is not a number of seconds >= 0", self.cooldown),
            ));
        }
        if self.queue == 0 {
            return Err(bad("alerts.queue".into(), "must be at least 1"));
        }
        let w = &self.channels.webhook;
        if !w.url.is_empty() {
            super::http::Url::parse(&w.url).map_err(|e| bad("alerts.channels.webhook.url".into(), e))?;
            if w.timeout_ms == 0 {
                return Err(bad("alerts.channels.webhook.timeout_ms".into(), "must be at least 1"));
            }
        }
        let e = &self.channels.email;
        if !e.host.is_empty() {
            if e.port == 0 {
                return Err(bad("alerts.channels.email.port".into(), "must not be 0"));
            }
            if e.to.is_empty() {
                return Err(bad("alerts.channels.email.to".into(), "needs at least one address"));
            }
            for (i, a) in e.to.iter().chain(std::iter::once(&e.from)).enumerate() {
                let k = if i == e.to.len() {
                    "alerts.channels.email.from".into()
                } else {
                    format!("alerts.channels.email.to[{i}]")
                };
                if !a.contains('@') || a.contains(['\r', '\n', '<', '>']) {
                    return Err(bad(k, format!("`{a}` is not a mail address")));
                }
            }
            if e.timeout_ms == 0 {
                return Err(bad("alerts.channels.email.timeout_ms".into(), "must be at least 1"));
            }
        }
        let mut names = std::collections::HashSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let at = format!("alerts.rules[{i}]");
            r.validate(&at)?;
            if !names.insert(r.name.as_str()) {
                return Err(bad(format!("{at}.name"), format!("`{}` names two rules", r.name)));
            }
            for c in &r.channels {
                if !self.channels.enabled(*c) {
                    return Err(bad(format!("{at}.channels"), format!("channel `{c:?}` is not configured")));
                }
            }
        }
        Ok(())
    }
}

impl ChannelsConfig {
    /// Whether `c` is configured (log: enabled; webhook: a url; email: a host).
    pub fn enabled(&self, c: Channel) -> bool {
        match c {
            Channel::Log => self.log.enabled,
            Channel::Webhook => !self.webhook.url.is_empty(),
            Channel::Email => !self.email.host.is_empty(),
        }
    }
}
