//! Payload of the journal-only [`crate::Msg::Alert`] (kind 18): one alert fired, resolved or
//! acknowledged, as the slow path's alert engine (`alphapulse_tools::alerts`) journals it in the
//! `alerts` stream of a run's journal folder. Fixed size, no free text: a rule's name and message
//! live in the alert engine's config; the record carries the rule's id and the numbers.

use crate::InstrumentId;

/// The kind of rule that raised an alert ([`AlertRecord::rule_kind`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AlertRuleKind {
    /// A symbol's last trade price crossed above the threshold.
    #[default]
    PriceAbove = 0,
    /// A symbol's last trade price crossed below the threshold.
    PriceBelow = 1,
    /// Equity below its peak by more than a fraction.
    DrawdownAbove = 2,
    /// Risk rejects over decisions in a window above a fraction.
    RejectRateAbove = 3,
    /// Tick-to-trade p99 above a number of microseconds.
    TickToTradeP99Above = 4,
    /// A symbol's feed disconnected, stale or resyncing.
    FeedState = 5,
    /// The health state changed (or reached a level).
    HealthChange = 6,
    /// The persist process behind the journal by records or seconds.
    PersistLagAbove = 7,
}

impl AlertRuleKind {
    /// The stable `snake_case` name (config `kind`, journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            AlertRuleKind::PriceAbove => "price_above",
            AlertRuleKind::PriceBelow => "price_below",
            AlertRuleKind::DrawdownAbove => "drawdown_above",
            AlertRuleKind::RejectRateAbove => "reject_rate_above",
            AlertRuleKind::TickToTradeP99Above => "tick_to_trade_p99_above",
            AlertRuleKind::FeedState => "feed_state",
            AlertRuleKind::HealthChange => "health_change",
            AlertRuleKind::PersistLagAbove => "persist_lag_above",
        }
    }
}

/// How bad an alert is ([`AlertRecord::severity`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum AlertSeverity {
    #[default]
    Info = 0,
    Warning = 1,
    Critical = 2,
}

impl AlertSeverity {
    /// The stable `snake_case` name.
    pub const fn name(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        }
    }
}

/// What happened to an alert ([`AlertRecord::state`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AlertState {
    /// The rule's condition became true.
    #[default]
    Fired = 0,
    /// The condition became false again.
    Resolved = 1,
    /// An operator acknowledged it (`by` says who).
    Acknowledged = 2,
}

impl AlertState {
    /// The stable `snake_case` name.
    pub const fn name(self) -> &'static str {
        match self {
            AlertState::Fired => "fired",
            AlertState::Resolved => "resolved",
            AlertState::Acknowledged => "acknowledged",
        }
    }
}

/// One alert event (journal-only [`crate::Msg::Alert`], the `alerts` stream).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct AlertRecord {
    /// Journal time the rule was evaluated at (the facts' clock, ns since the Unix epoch); for an
    /// acknowledgement, the wall clock.
    pub ts: u64,
    /// The alert's id (1, 2, … per alert engine; fired, resolved and acknowledged share it).
    pub alert_id: u64,
    /// The observed value, scaled by 1e8 (`crate::SCALE`): a price, a fraction, microseconds,
    /// records or seconds as the rule kind says; for `feed_state` and `health_change`, the state's
    /// number (feed: 0 synced, 1 resyncing, 2 reconnecting, 3 stale; health: 0 healthy,
    /// 1 warning, 2 degraded, 3 critical, 4 halted) times 1e8.
    pub value: i64,
    /// The rule's threshold on the same scale.
    pub threshold: i64,
    /// The rule's id in the alert engine.
    pub rule_id: u32,
    /// The symbol's instrument (`InstrumentId(u32::MAX)` when the rule has none).
    pub inst: InstrumentId,
    /// Who acknowledged it: the uid when the acknowledger is a number, else the FNV-1a hash of
    /// its name; 0 otherwise.
    pub by: u32,
    pub rule_kind: AlertRuleKind,
    pub severity: AlertSeverity,
    pub state: AlertState,
    pub _pad: u8,
}

const _: () = assert!(core::mem::size_of::<AlertRecord>() == 48);
