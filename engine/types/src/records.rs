//! Payloads of the journal-only messages: [`Msg::Signal`], [`Msg::OrderState`] and
//! [`Msg::Position`]. They never travel on a ring: an actor emits them through
//! `Ctx::journal` (crate `alphapulse_runtime`) so that its journal stream records facts that are
//! not chain messages — a strategy's signal, an order's state transition, a position after a fill.
//! They are ordinary [`Msg`] variants (same 64-byte layout, same codec) so the journal, its readers
//! and the replay need nothing else.
//!
//! [`Msg`]: crate::Msg
//! [`Msg::Signal`]: crate::Msg::Signal
//! [`Msg::OrderState`]: crate::Msg::OrderState
//! [`Msg::Position`]: crate::Msg::Position

use crate::{InstrumentId, Money, OrderId, Price, Qty};

/// One strategy's signal as the strategy host handed it to its aggregator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SignalRecord {
    /// When the host handled the event (its clock).
    pub ts: u64,
    /// The event time the signal refers to (the `local_ts` of the market event that produced it).
    pub origin_ts: u64,
    pub inst: InstrumentId,
    /// Direction and strength in basis points, clamped to `-10_000..=10_000` (positive = buy).
    pub score: i32,
    /// The strategy's index in its host (call order: the host's `AgentStats` order).
    pub agent: u16,
    pub _pad: [u8; 6],
}

/// Number of order states: `from`/`to` of an [`OrderTransition`] are below it. The states and their
/// numbers are `alphapulse_oms::OrderState` (which asserts it has exactly this many).
pub const ORDER_STATES: u8 = 12;
/// Number of lifecycle events: [`OrderTransition::event`] is below it. The events and their
/// numbers are `alphapulse_oms::LifecycleEvent` (which asserts it has exactly this many).
pub const LIFECYCLE_EVENTS: u8 = 11;

/// One order lifecycle transition applied (or refused) by the order manager.
///
/// `from`, `to` and `event` are the `u8` values of `alphapulse_oms::OrderState` and
/// `alphapulse_oms::LifecycleEvent` (this crate does not depend on the order manager; the mapping
/// lives there, with `OrderState::from_u8` and `LifecycleEvent::from_u8`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct OrderTransition {
    /// `OrderId(0)` for an intent that risk rejected (no order was created).
    pub order_id: OrderId,
    /// The intent the record came from (unique per run: identifies rejected intents too).
    pub intent_id: u64,
    pub ts: u64,
    pub inst: InstrumentId,
    pub from: u8,
    /// Equal to `from` when `refused` is 1.
    pub to: u8,
    pub event: u8,
    /// 1: the transition table refused `event` in state `from`; the order did not change.
    pub refused: u8,
}

/// An instrument's position and PnL after a fill (risk's portfolio, average-cost method).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct PositionRecord {
    pub inst: InstrumentId,
    pub _pad: u32,
    /// Signed position (positive = long).
    pub qty: Qty,
    /// Average entry price of the open position (0 when flat).
    pub avg_px: Price,
    /// PnL realized in this instrument so far (fees not included).
    pub realized: Money,
    /// `qty × (mark − avg_px)` for this instrument.
    pub unrealized: Money,
    /// Portfolio-wide `cash + Σ position × mark` (every instrument, fees paid).
    pub equity: Money,
    pub ts: u64,
}

const _: () = assert!(core::mem::size_of::<SignalRecord>() == 32);
const _: () = assert!(core::mem::size_of::<OrderTransition>() == 32);
const _: () = assert!(core::mem::size_of::<PositionRecord>() == 56);

/// What a live feed's connection or an instrument's book went through ([`FeedEventRecord::event`]).
/// Every state change of a live feed is journaled as one [`crate::Msg::FeedEvent`] and counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FeedEvent {
    /// A connection attempt started (`detail`: the attempt number since the last success).
    #[default]
    Connecting = 0,
    /// The WebSocket is open and its streams requested.
    Connected = 1,
    /// The connection ended (`reason` says why).
    Disconnected = 2,
    /// Waiting before the next attempt (`detail`: the delay in ms).
    BackingOff = 3,
    /// The server refused the upgrade (`detail`: HTTP status; 429/418 also start a wait).
    ConnectRefused = 4,
    /// The budget of connection attempts per window is spent (`detail`: ms until the next one).
    ConnectBudgetSpent = 5,
    /// No market data for the stall timeout while the socket stayed open.
    Stalled = 6,
    /// The server announced `serverShutdown`.
    ServerShutdown = 7,
    /// A replacement connection was opened before the old one must go (24 h limit, shutdown).
    RolloverStarted = 8,
    /// The replacement caught up; the old connection was closed.
    RolloverDone = 9,
    /// A REST depth snapshot was requested (`detail`: its request weight).
    SnapshotRequested = 10,
    /// A snapshot arrived (`detail`: its `lastUpdateId`).
    SnapshotReceived = 11,
    /// A snapshot request failed (`detail`: HTTP status, 0 for a transport error).
    SnapshotFailed = 12,
    /// HTTP 429: requests back off (`detail`: ms until they resume).
    RateLimited = 13,
    /// HTTP 418: the IP is banned; requests stop (`detail`: ms until they resume).
    Banned = 14,
    /// The instrument's book was cleared to resync (a reconnect, or the feed's own refusal).
    Resync = 15,
    /// A SUBSCRIBE message was sent (`detail`: its id).
    SubscribeSent = 16,
    /// The server acknowledged a SUBSCRIBE (`detail`: its id).
    SubscribeAcked = 17,
    /// The server answered a control message with an error (`detail`: its id).
    SubscribeRefused = 18,
}

impl FeedEvent {
    pub const COUNT: usize = 19;
    pub const ALL: [FeedEvent; FeedEvent::COUNT] = [
        FeedEvent::Connecting,
        FeedEvent::Connected,
        FeedEvent::Disconnected,
        FeedEvent::BackingOff,
        FeedEvent::ConnectRefused,
        FeedEvent::ConnectBudgetSpent,
        FeedEvent::Stalled,
        FeedEvent::ServerShutdown,
        FeedEvent::RolloverStarted,
        FeedEvent::RolloverDone,
        FeedEvent::SnapshotRequested,
        FeedEvent::SnapshotReceived,
        FeedEvent::SnapshotFailed,
        FeedEvent::RateLimited,
        FeedEvent::Banned,
        FeedEvent::Resync,
        FeedEvent::SubscribeSent,
        FeedEvent::SubscribeAcked,
        FeedEvent::SubscribeRefused,
    ];
    /// Stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            FeedEvent::Connecting => "connecting",
            FeedEvent::Connected => "connected",
            FeedEvent::Disconnected => "disconnected",
            FeedEvent::BackingOff => "backing_off",
            FeedEvent::ConnectRefused => "connect_refused",
            FeedEvent::ConnectBudgetSpent => "connect_budget_spent",
            FeedEvent::Stalled => "stalled",
            FeedEvent::ServerShutdown => "server_shutdown",
            FeedEvent::RolloverStarted => "rollover_started",
            FeedEvent::RolloverDone => "rollover_done",
            FeedEvent::SnapshotRequested => "snapshot_requested",
            FeedEvent::SnapshotReceived => "snapshot_received",
            FeedEvent::SnapshotFailed => "snapshot_failed",
            FeedEvent::RateLimited => "rate_limited",
            FeedEvent::Banned => "banned",
            FeedEvent::Resync => "resync",
            FeedEvent::SubscribeSent => "subscribe_sent",
            FeedEvent::SubscribeAcked => "subscribe_acked",
            FeedEvent::SubscribeRefused => "subscribe_refused",
        }
    }
}

/// Why a [`FeedEvent`] happened ([`FeedEventRecord::reason`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FeedReason {
    #[default]
    None = 0,
    /// The peer closed the TCP connection (EOF, reset).
    PeerClosed = 1,
    /// The server sent a close frame (`detail`: its code).
    ServerClose = 2,
    /// A WebSocket or TLS protocol violation, or a message over the size limit.
    Protocol = 3,
    /// An I/O or TLS error.
    Io = 4,
    /// No data for the stall timeout.
    Stalled = 5,
    /// Replaced by a newer connection (24 h limit or `serverShutdown`).
    Rollover = 6,
    /// The feed was stopped.
    Stopped = 7,
    /// The host name did not resolve.
    Resolve = 8,
    /// Connecting, TLS or the upgrade took longer than the connect timeout.
    Timeout = 9,
    /// The server refused the upgrade or the request with an HTTP status.
    HttpStatus = 10,
    /// A depth sequence gap (the symbol resyncs).
    Gap = 11,
    /// The connection carrying the symbol was lost (the symbol resyncs).
    Reconnect = 12,
    /// The server announced `serverShutdown`.
    ServerShutdown = 13,
}

impl FeedReason {
    pub const COUNT: usize = 14;
    /// Stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            FeedReason::None => "none",
            FeedReason::PeerClosed => "peer_closed",
            FeedReason::ServerClose => "server_close",
            FeedReason::Protocol => "protocol",
            FeedReason::Io => "io",
            FeedReason::Stalled => "stalled",
            FeedReason::Rollover => "rollover",
            FeedReason::Stopped => "stopped",
            FeedReason::Resolve => "resolve",
            FeedReason::Timeout => "timeout",
            FeedReason::HttpStatus => "http_status",
            FeedReason::Gap => "gap",
            FeedReason::Reconnect => "reconnect",
            FeedReason::ServerShutdown => "server_shutdown",
        }
    }
}

/// One live feed state change (journal-only [`crate::Msg::FeedEvent`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct FeedEventRecord {
    /// When it happened (the feed's clock, ns since the Unix epoch).
    pub ts: u64,
    /// The event's number: attempt, delay or wait in ms, HTTP status, update id (see [`FeedEvent`]).
    pub detail: u64,
    /// The instrument, for per-instrument events (snapshots, resyncs); `InstrumentId(u32::MAX)`
    /// for connection events.
    pub inst: InstrumentId,
    /// The connection's number in the feed (0-based; a replacement gets a new number).
    pub conn: u16,
    pub event: FeedEvent,
    pub reason: FeedReason,
}

const _: () = assert!(core::mem::size_of::<FeedEventRecord>() == 24);

/// An operator's command over the control socket ([`CommandRecord::command`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OperatorCommand {
    /// A request that named no known command (or did not parse).
    #[default]
    Unknown = 0,
    Help = 1,
    Status = 2,
    Halt = 3,
    Resume = 4,
    Flatten = 5,
    CancelAll = 6,
    Limits = 7,
    SetLimit = 8,
    Positions = 9,
    Orders = 10,
    Pnl = 11,
    Latency = 12,
    StrategiesList = 13,
    StrategyEnable = 14,
    StrategyDisable = 15,
    StrategyLoad = 16,
    StrategySet = 17,
}

impl OperatorCommand {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            OperatorCommand::Unknown => "unknown",
            OperatorCommand::Help => "help",
            OperatorCommand::Status => "status",
            OperatorCommand::Halt => "halt",
            OperatorCommand::Resume => "resume",
            OperatorCommand::Flatten => "flatten",
            OperatorCommand::CancelAll => "cancel_all",
            OperatorCommand::Limits => "limits",
            OperatorCommand::SetLimit => "set_limit",
            OperatorCommand::Positions => "positions",
            OperatorCommand::Orders => "orders",
            OperatorCommand::Pnl => "pnl",
            OperatorCommand::Latency => "latency",
            OperatorCommand::StrategiesList => "strategies_list",
            OperatorCommand::StrategyEnable => "strategy_enable",
            OperatorCommand::StrategyDisable => "strategy_disable",
            OperatorCommand::StrategyLoad => "strategy_load",
            OperatorCommand::StrategySet => "strategy_set",
        }
    }
}

/// How an operator's command ended ([`CommandRecord::outcome`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CommandOutcome {
    /// Applied and acknowledged by every actor it concerns (or answered).
    #[default]
    Ok = 0,
    /// The peer's level does not allow it (or its uid is not allowed at all).
    Refused = 1,
    /// Valid, but it could not be applied (a bad value, an actor said no).
    Failed = 2,
    /// Not a valid request (malformed JSON, wrong arguments, too large).
    BadRequest = 3,
    /// No such command.
    UnknownCommand = 4,
    /// An actor did not acknowledge in time, or the run has ended.
    Unavailable = 5,
}

impl CommandOutcome {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            CommandOutcome::Ok => "ok",
            CommandOutcome::Refused => "refused",
            CommandOutcome::Failed => "failed",
            CommandOutcome::BadRequest => "bad_request",
            CommandOutcome::UnknownCommand => "unknown_command",
            CommandOutcome::Unavailable => "unavailable",
        }
    }
}

/// One operator command, who sent it and how it ended (journal-only [`crate::Msg::Command`], in
/// the `control` stream the control thread writes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct CommandRecord {
    /// When it was answered (wall clock, ns since the Unix epoch).
    pub ts: u64,
    /// The control thread's command number (1, 2, … per run).
    pub seq: u64,
    /// The command's numeric argument: a limit's new raw value (1e-8 for quantities and money).
    pub value: i64,
    /// What the answer counted: cancels or orders sent, rows returned.
    pub result: u64,
    /// The peer's uid (SO_PEERCRED).
    pub uid: u32,
    /// The instrument it named, or `InstrumentId(u32::MAX)`.
    pub inst: InstrumentId,
    /// The limit or strategy it named (index), or 0.
    pub index: u16,
    pub command: OperatorCommand,
    pub outcome: CommandOutcome,
    /// The peer's level: 0 none, 1 read-only, 2 operator, 3 admin.
    pub level: u8,
    pub _pad: [u8; 3],
}

const _: () = assert!(core::mem::size_of::<CommandRecord>() == 48);

/// What happened to a strategy ([`StrategyEventRecord::event`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StrategyEvent {
    /// It panicked (a plugin, or a built-in behind the same guard): disabled for good, its
    /// signals withdrawn, the host's working orders cancelled.
    #[default]
    Faulted = 0,
    /// The operator disabled it (`strategies disable`): its signals stop counting.
    Disabled = 1,
    /// The operator enabled it again.
    Enabled = 2,
    /// The operator set one of its parameters (`strategies set`).
    ParamSet = 3,
    /// The operator loaded it into the running engine (`strategies load`).
    Loaded = 4,
}

impl StrategyEvent {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            StrategyEvent::Faulted => "faulted",
            StrategyEvent::Disabled => "disabled",
            StrategyEvent::Enabled => "enabled",
            StrategyEvent::ParamSet => "param_set",
            StrategyEvent::Loaded => "loaded",
        }
    }
}

/// A strategy's state change (journal-only [`crate::Msg::Strategy`], the strategy host's stream),
/// with its health counters at that moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct StrategyEventRecord {
    pub ts: u64,
    /// Calls made into it so far.
    pub calls: u64,
    /// Calls over its time budget so far.
    pub overruns: u64,
    /// Its longest call measured, ns (0 without a budget).
    pub worst_call_ns: u64,
    /// Its index in the host (the `agent` of its `Signal` records).
    pub agent: u16,
    pub event: StrategyEvent,
    pub _pad: [u8; 5],
}

const _: () = assert!(core::mem::size_of::<StrategyEventRecord>() == 40);
