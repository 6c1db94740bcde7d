//! Alerts on the slow path: rules from config evaluated over [`Facts`] (what the dashboard's view
//! of the journal knows at one moment), producing journaled alert events with de-duplication and a
//! cool-down, sent to the configured channels.
//!
//! - [`facts`]: the inputs a rule can test, filled by whoever reads the journal (the dashboard).
//! - [`config`]: the `[alerts]` table ([`AlertsConfig`], [`RuleSpec`]), validated with errors
//!   naming the key.
//! - [`rules`]: one rule's evaluation over a snapshot (crosses, windows, previous states).
//! - [`engine`]: [`Engine`]: de-duplication, cool-downs, acknowledgements, the rule set the API
//!   edits; journals each event and hands it to the channels.
//! - [`journal`]: [`AlertJournal`], the `alerts` stream of a run's journal folder (`Msg::Alert`,
//!   kind 18; `alphapulse journal tail DIR --stream alerts` shows it).
//! - [`channels`]: the sender thread and its bounded queue; [`http`] (webhook: a small HTTP/1.1
//!   client) and [`smtp`] (a small SMTP client), TLS for both by rustls ([`tls`]).
//!
//! ```
//! use alphapulse_tools::alerts::{AlertsConfig, Engine, Facts, RuleKind, RuleSpec};
//! let mut cfg: AlertsConfig = toml::from_str(r#"
//!     cooldown = 0.0
//!     [channels.log]
//!     enabled = false
//!     [[rules]]
//!     name = "btc up"
//!     kind = "price_above"
//!     symbol = "BTCUSDT"
//!     threshold = 100.0
//! "#).unwrap();
//! let mut engine = Engine::new(&cfg, None).unwrap();
//! let mut f = Facts { now_ns: 1, ..Default::default() };
//! f.last_price.insert("BTCUSDT".into(), 99.0);
//! assert!(engine.observe(&f).is_empty());
//! f.last_price.insert("BTCUSDT".into(), 101.0);
//! f.now_ns = 2;
//! let fired = engine.observe(&f);
//! assert_eq!((fired.len(), fired[0].rule_name.as_str()), (1, "btc up"));
//! ```

pub mod channels;
pub mod config;
pub mod engine;
pub mod facts;
pub mod http;
pub mod journal;
pub mod rules;
pub mod smtp;
pub mod tls;

pub use config::{
    AlertsConfig, Channel, ChannelsConfig, FeedCondition, LagUnit, RuleKind, RuleSpec, Severity,
};
pub use engine::{Alert, AlertStatus, Engine, RuleView};
pub use facts::{Facts, FeedState, PersistLag};
pub use journal::AlertJournal;

/// What the alert engine refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// A config key (or an API rule's field, `rule.threshold`) is wrong.
    #[error("{key}: {reason}")]
    Config { key: String, reason: String },
    #[error("no alert rule with id {0}")]
    NoRule(u32),
    #[error("no alert with id {0}")]
    NoAlert(u64),
    /// The `alerts` stream could not be opened.
    #[error("alerts journal {path}: {reason}")]
    Journal { path: std::path::PathBuf, reason: String },
    /// A channel could not be set up (its log file, its sender thread).
    #[error("alert channel {channel}: {reason}")]
    Channel { channel: &'static str, reason: String },
}
