//! The journal encoding of [`Msg`]: 64 bytes, little-endian, written field by field (never a
//! memory copy), so the bytes do not depend on the compiler's layout or the machine's endianness.
//!
//! # Format, version 3 ([`CODEC_VERSION`]) — a file format: never change it in place
//!
//! Version 3 (issue 9) replaced kind 3, one changed book level per record (`Level`), by one record
//! per depth update: the 64-byte `Depth` header, then its levels, [`LEVEL_LEN`] bytes each (price,
//! quantity; bids first, then asks: [`encode_levels`], [`decode_levels`]). The header's `at` word
//! (a runtime store index) is always zero in a record. Version 3 also changed the `ExecReport`: the
//! strategy id (bytes 44..46 in version 2) is gone (it is the high 16 bits of the order id), the
//! four enum bytes moved to 44..48, and bytes 48..56 hold risk's net position after the report
//! (`position`); `VenueReject` gained 5..=7 (refused before the venue). Order ids are
//! `strategy << 48 | intent sequence`. A
//! version-2 journal is refused ("unknown message version 2 (this build reads 3)"): re-run the
//! backtest to journal it again.
//!
//! Version 3 also added one byte: the `trigger` of `Intent`/`Decision` (payload byte 52) and
//! of `New` (`OrderNew`, payload byte 49), the [`Trigger`] discriminant (0 none, 1 quote, 2 trade,
//! 3 depth) where version 2 had a zero padding byte. Version 2 (issue 8) changed the `Quote`'s
//! sixth word (bytes 48..56) to its `update_id` (the venue's order-book update id) where version 1
//! had an exchange time. Nothing else moved. Readers accept only their own version: an older
//! journal is refused with "unknown message version 2 (this build reads 3)" naming the file and
//! offset; re-run the backtest to journal it again.
//!
//! Byte 0 is the tag ([`Msg::kind`]), bytes 1..8 are zero, the payload starts at byte 8 and its
//! fields follow in declaration order at their natural alignment (the offsets of the `#[repr(C)]`
//! structs in [`crate::msg`]); every padding byte, `_pad` fields included, and every byte after
//! the payload is zero. Prices, quantities and money are their raw `i64` (1e-8 units), ids their
//! integer, enums their `u8` discriminant. [`Msg::decode`] is strict: an unknown tag, an enum byte
//! that is not a discriminant, or a non-zero padding byte is an error, so every accepted buffer
//! re-encodes to the same bytes.
//!
//! Each payload's fields are listed once, in `wire!`: encoding, strict decoding and
//! [`Msg::visit_fields`] (the fields by name with typed values, for the journal tools' export and
//! tail) all come from that list.
//!
//! Kinds (journal record type; 0 and 20.. are not messages):
//!
//! | kind | message | | kind | message |
//! |---|---|---|---|---|
//! | 1 | `Quote` | | 8 | `Cancel` (`OrderCancel`) |
//! | 2 | `Trade` | | 9 | `Exec` (`ExecReport`) |
//! | 3 | `Depth` (header; levels follow) | | 10 | `Control` |
//! | 4 | `Book` (`BookStatus`) | | 11 | `Eos` (`EndOfStream`) |
//! | 5 | `Intent` | | 12 | `Signal` (`SignalRecord`), journal-only |
//! | 6 | `Decision` (`Intent`) | | 13 | `OrderState` (`OrderTransition`), journal-only |
//! | 7 | `New` (`OrderNew`) | | 14 | `Position` (`PositionRecord`), journal-only |
//! | | | | 15 | `FeedEvent` (`FeedEventRecord`), journal-only |
//! | | | | 16 | `Command` (`CommandRecord`), journal-only |
//! | | | | 17 | `Strategy` (`StrategyEventRecord`), journal-only |
//! | | | | 18 | `Alert` (`AlertRecord`), journal-only |
//! | | | | 19 | `Aggregate` (`AggregateRecord`), journal-only |
//!
//! Kinds 12..=14 were added to version 1 without changing kinds 1..=11 (a reader that predates them
//! reports them as unknown tags). Their checked values: `OrderTransition::from`/`to` below
//! [`ORDER_STATES`], `event` below [`LIFECYCLE_EVENTS`], `refused` 0 or 1 (and `to == from` when
//! it is 1); `SignalRecord::score` and the position's numbers are plain integers. Kind 15 (a live
//! feed's state change) was added to version 3 the same way; its `event` and `reason` are checked
//! enums. Kinds 16..=19 were added to version 3 the same way (19: the aggregator's decisions, whose
//! `outcome` is a checked enum).
//!
//! ```
//! use alphapulse_types::{EndOfStream, Msg, ENCODED_LEN};
//! let m = Msg::Eos(EndOfStream { ts: 42 });
//! let mut buf = [0u8; ENCODED_LEN];
//! m.encode(&mut buf);
//! assert_eq!(buf[0], 11);
//! assert_eq!(Msg::decode(&buf), Ok(m));
//! ```

use crate::aggregate_record::*;
use crate::alert_record::*;
use crate::msg::*;
use crate::records::*;
use crate::{InstrumentId, Money, OrderId, Price, Qty, StrategyId};
use thiserror::Error;

/// Bytes of one encoded message.
pub const ENCODED_LEN: usize = 64;
/// Version of this encoding (the journal record's version field).
pub const CODEC_VERSION: u16 = 3;
/// Where the payload starts.
const PAYLOAD: usize = 8;

/// Why bytes are not an encoded [`Msg`].
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("encoded message is {0} bytes, expected {ENCODED_LEN}")]
    Length(usize),
    #[error("unknown message tag {0}")]
    UnknownTag(u8),
    #[error("{msg}: invalid {field} value {value}")]
    InvalidEnum { msg: &'static str, field: &'static str, value: u8 },
    #[error("{msg}: non-zero padding byte at offset {offset}")]
    NonZeroPadding { msg: &'static str, offset: usize },
}

/// Writes fields at increasing offsets, aligning each to its size.
struct W<'a> {
    b: &'a mut [u8; ENCODED_LEN],
    at: usize,
}

impl W<'_> {
    #[inline(always)]
    fn put<const N: usize>(&mut self, v: [u8; N]) {
        self.at = self.at.next_multiple_of(N);
        self.b[self.at..self.at + N].copy_from_slice(&v);
        self.at += N;
    }
    fn u8(&mut self, v: u8) {
        self.put([v]);
    }
    fn u16(&mut self, v: u16) {
        self.put(v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.put(v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.put(v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.put(v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.put(v.to_le_bytes());
    }
}

/// Reads fields at increasing offsets; checks that every skipped byte is zero.
struct R<'a> {
    b: &'a [u8],
    at: usize,
    msg: &'static str,
}

impl R<'_> {
    #[inline(always)]
    fn get<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.zeros_to(self.at.next_multiple_of(N))?;
        let mut v = [0u8; N];
        v.copy_from_slice(&self.b[self.at..self.at + N]);
        self.at += N;
        Ok(v)
    }
    fn zeros_to(&mut self, end: usize) -> Result<(), DecodeError> {
        while self.at < end {
            if self.b[self.at] != 0 {
                return Err(DecodeError::NonZeroPadding { msg: self.msg, offset: self.at });
            }
            self.at += 1;
        }
        Ok(())
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.get::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        self.get().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.get().map(u32::from_le_bytes)
    }
    fn i32(&mut self) -> Result<i32, DecodeError> {
        self.get().map(i32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        self.get().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        self.get().map(i64::from_le_bytes)
    }
    fn enum_u8<T>(&mut self, field: &'static str, f: fn(u8) -> Option<T>) -> Result<T, DecodeError> {
        let value = self.u8()?;
        f(value).ok_or(DecodeError::InvalidEnum { msg: self.msg, field, value })
    }
}

macro_rules! from_u8 {
    ($t:ident { $($v:ident),* }) => {
        impl $t {
            /// The variant with this discriminant, if any.
            pub const fn from_u8(v: u8) -> Option<$t> {
                $(if v == $t::$v as u8 { return Some($t::$v); })*
                None
            }
        }
    };
}
from_u8!(Side { Buy, Sell });
from_u8!(OrdType { Limit, Market });
from_u8!(Tif { Gtc, Ioc, Fok });
from_u8!(Verdict {
    Approved,
    MaxOrderQty,
    MaxOrderNotional,
    MaxPosition,
    PriceBand,
    RateLimit,
    MaxOpenOrders,
    Halted,
    InstrumentRules,
    NoMarket
});
from_u8!(BookState { Synced, Gap });
from_u8!(ExecKind { Accepted, Fill, Cancelled, Rejected, CancelRejected });
from_u8!(Liquidity { None, Maker, Taker });
from_u8!(VenueReject {
    None,
    NoLiquidity,
    UnknownOrder,
    TooManyOrders,
    Invalid,
    RiskRefused,
    OrderTableFull,
    DuplicateId,
    Halted
});
from_u8!(ControlCmd { Halt, Resume, CancelAll });
from_u8!(Trigger { None, Quote, Trade, Depth });
from_u8!(FeedEvent {
    Connecting,
    Connected,
    Disconnected,
    BackingOff,
    ConnectRefused,
    ConnectBudgetSpent,
    Stalled,
    ServerShutdown,
    RolloverStarted,
    RolloverDone,
    SnapshotRequested,
    SnapshotReceived,
    SnapshotFailed,
    RateLimited,
    Banned,
    Resync,
    SubscribeSent,
    SubscribeAcked,
    SubscribeRefused
});
from_u8!(FeedReason {
    None,
    PeerClosed,
    ServerClose,
    Protocol,
    Io,
    Stalled,
    Rollover,
    Stopped,
    Resolve,
    Timeout,
    HttpStatus,
    Gap,
    Reconnect,
    ServerShutdown
});
from_u8!(OperatorCommand {
    Unknown,
    Help,
    Status,
    Halt,
    Resume,
    Flatten,
    CancelAll,
    Limits,
    SetLimit,
    Positions,
    Orders,
    Pnl,
    Latency,
    StrategiesList,
    StrategyEnable,
    StrategyDisable,
    StrategyLoad,
    StrategySet
});
from_u8!(CommandOutcome { Ok, Refused, Failed, BadRequest, UnknownCommand, Unavailable });
from_u8!(StrategyEvent { Faulted, Disabled, Enabled, ParamSet, Loaded });
from_u8!(AlertRuleKind {
    PriceAbove,
    PriceBelow,
    DrawdownAbove,
    RejectRateAbove,
    TickToTradeP99Above,
    FeedState,
    HealthChange,
    PersistLagAbove
});
from_u8!(AlertSeverity { Info, Warning, Critical });
from_u8!(AlertState { Fired, Resolved, Acknowledged });
from_u8!(AggregateOutcome {
    Sent,
    Halted,
    Outstanding,
    Cooldown,
    NoMarket,
    PositionCap,
    TooSmall,
    LowConfidence,
    RiskBackoff,
    IdsExhausted
});

/// A value's place in the encoding: written at its natural alignment ([`W`]), read back strictly
/// ([`R`]). Implemented for the field types and, through [`wire!`], for every payload, so each
/// payload's fields are listed once, for both directions.
trait Wire: Sized {
    fn put(&self, w: &mut W);
    /// Read the value of the field named `field` (named in errors).
    fn get(r: &mut R, field: &'static str) -> Result<Self, DecodeError>;
}

/// Integers as themselves, ids and fixed-point numbers as their raw integer.
macro_rules! wire_int {
    ($($t:ty => $w:ident / $r:ident, $to:expr, $from:expr;)*) => {$(
        impl Wire for $t {
            #[inline(always)]
            fn put(&self, w: &mut W) {
                w.$w($to(*self));
            }
            #[inline(always)]
            fn get(r: &mut R, _: &'static str) -> Result<Self, DecodeError> {
                r.$r().map($from)
            }
        }
    )*};
}
wire_int! {
    u8 => u8 / u8, |v| v, |v| v;
    u16 => u16 / u16, |v| v, |v| v;
    u32 => u32 / u32, |v| v, |v| v;
    i32 => i32 / i32, |v| v, |v| v;
    u64 => u64 / u64, |v| v, |v| v;
    i64 => i64 / i64, |v| v, |v| v;
    InstrumentId => u32 / u32, |v: InstrumentId| v.0, InstrumentId;
    StrategyId => u16 / u16, |v: StrategyId| v.0, StrategyId;
    OrderId => u64 / u64, |v: OrderId| v.0, OrderId;
    Price => i64 / i64, |v: Price| v.raw(), Price::from_raw;
    Qty => i64 / i64, |v: Qty| v.raw(), Qty::from_raw;
    Money => i64 / i64, |v: Money| v.raw(), Money::from_raw;
}

/// Enums as their `u8` discriminant; decoding refuses a byte that is not one.
macro_rules! wire_enum {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            #[inline(always)]
            fn put(&self, w: &mut W) {
                w.u8(*self as u8);
            }
            #[inline(always)]
            fn get(r: &mut R, field: &'static str) -> Result<Self, DecodeError> {
                r.enum_u8(field, <$t>::from_u8)
            }
        }
    )*};
}
/// Every enum type of the payloads' fields, listed once: the codec ([`Wire`]), the field visitor
/// and the tests' reader of printed values each apply their macro to it.
macro_rules! payload_enums {
    ($m:ident) => {
        $m!(
            Side,
            OrdType,
            Tif,
            Verdict,
            BookState,
            ExecKind,
            Liquidity,
            VenueReject,
            ControlCmd,
            Trigger,
            FeedEvent,
            FeedReason,
            OperatorCommand,
            CommandOutcome,
            StrategyEvent,
            AlertRuleKind,
            AlertSeverity,
            AlertState,
            AggregateOutcome
        );
    };
}
payload_enums!(wire_enum);

/// A payload's encoding from its field list, in declaration order. The fields after `zero` are
/// never written (their bytes stay zero) and decode as their default; the alignment of the field
/// after them, or the check that the buffer ends in zeros, refuses a non-zero byte there. The
/// compiler checks the list is complete (decoding builds the struct from it); the offset tests in
/// `codec_tests.rs` check its order.
///
/// The same list gives the payload's `visit_fields` (the tools' view of a record, never the hot
/// path): every listed field in order, by its name, or by the name after `as` where the journal
/// tools show it under another one; the `zero` fields are not visited.
macro_rules! wire {
    ($($t:ident { $($f:ident $(as $n:ident)?),* } zero { $($z:ident),* };)*) => {$(
        impl Wire for $t {
            #[inline(always)]
            fn put(&self, w: &mut W) {
                $(Wire::put(&self.$f, w);)*
            }
            #[inline(always)]
            fn get(r: &mut R, _: &'static str) -> Result<Self, DecodeError> {
                Ok($t { $($f: Wire::get(r, stringify!($f))?,)* $($z: Default::default(),)* })
            }
        }
        impl $t {
            /// Hands each journaled field, in codec order, to `v`: its name (the export's, see
            /// [`Msg::visit_fields`]) and its typed value.
            pub fn visit_fields(&self, v: &mut impl FieldVisitor) {
                $(v.field(field_name!($f $(as $n)?), ToField::to_field(&self.$f));)*
            }
            /// The payload from its visited values as printed, in order (tests: printing a visit
            /// loses nothing).
            #[cfg(test)]
            fn from_printed<'a>(it: &mut impl Iterator<Item = &'a str>) -> Option<Self> {
                Some($t { $($f: tests::Printed::from_printed(it.next()?)?,)* $($z: Default::default(),)* })
            }
        }
    )*};
}
/// A field's visited name: its own, or the one after `as`.
macro_rules! field_name {
    ($f:ident) => {
        stringify!($f)
    };
    ($f:ident as $n:ident) => {
        stringify!($n)
    };
}
wire! {
    Quote { inst, bid_px, bid_qty, ask_px, ask_qty, update_id, local_ts } zero { _pad };
    Trade { inst, aggressor, px, qty, trade_id, exch_ts, local_ts } zero { _pad };
    // `at` is the handling thread's store index: never journaled.
    Depth { inst, bids, asks, update_id, exch_ts, local_ts, best_bid, best_ask } zero { at };
    BookStatus { inst, state, update_id, exch_ts, local_ts } zero { _pad };
    Intent {
        intent_id, px, qty, origin_ts, ts, inst, strategy, confidence, side, ord_type, tif, verdict, trigger
    } zero { _pad };
    OrderNew { order_id, px, qty, origin_ts, ts, inst, strategy, side, ord_type, tif, trigger } zero { _pad };
    OrderCancel { order_id, origin_ts, ts, inst, strategy } zero { _pad };
    // Renamed where the tools' rows already have a column of that name (`kind`, `seq`) or where
    // the bare name is ambiguous (`from`, `to`).
    ExecReport { order_id, px, qty, fee, ts, inst, kind as exec_kind, side, liquidity, reason, position } zero {};
    Control { seq as control_seq, ts, cmd } zero { _pad };
    EndOfStream { ts } zero {};
    SignalRecord { ts, origin_ts, inst, score, agent } zero { _pad };
    OrderTransition { order_id, intent_id, ts, inst, from as from_state, to as to_state, event, refused } zero {};
    PositionRecord { inst, qty, avg_px, realized, unrealized, equity, ts } zero { _pad };
    FeedEventRecord { ts, detail, inst, conn, event as feed_event, reason } zero {};
    CommandRecord { ts, seq as command_seq, value, result, uid, inst, index, command, outcome, level } zero { _pad };
    StrategyEventRecord { ts, calls, overruns, worst_call_ns, agent, event as strategy_event } zero { _pad };
    AlertRecord { ts, alert_id, value, threshold, rule_id, inst, by, rule_kind, severity, state } zero { _pad };
    AggregateRecord {
        ts, origin_ts, intent_id, agents, inst, combined, confidence, agreement, accuracy, freshness, outcome, solo
    } zero { _pad };
}

/// One field's value, typed, for the journal tools ([`Msg::visit_fields`]): integers and ids as
/// integers, prices, quantities and money as their exact decimal types, enums by their stable
/// `snake_case` name (`name()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// An unsigned integer, an id or a timestamp (ns).
    Unsigned(u64),
    Signed(i64),
    Price(Price),
    Qty(Qty),
    Money(Money),
    /// An enum by name.
    Name(&'static str),
}

impl core::fmt::Display for FieldValue {
    /// Integers in decimal, prices, quantities and money as exact decimals, names as themselves.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FieldValue::Unsigned(v) => write!(f, "{v}"),
            FieldValue::Signed(v) => write!(f, "{v}"),
            FieldValue::Price(v) => write!(f, "{v}"),
            FieldValue::Qty(v) => write!(f, "{v}"),
            FieldValue::Money(v) => write!(f, "{v}"),
            FieldValue::Name(v) => f.write_str(v),
        }
    }
}

/// Receives the fields of [`Msg::visit_fields`]. Any `FnMut(&'static str, FieldValue)` is one.
pub trait FieldVisitor {
    fn field(&mut self, name: &'static str, value: FieldValue);
}

impl<F: FnMut(&'static str, FieldValue)> FieldVisitor for F {
    fn field(&mut self, name: &'static str, value: FieldValue) {
        self(name, value)
    }
}

/// A field type's [`FieldValue`].
trait ToField {
    fn to_field(&self) -> FieldValue;
}

macro_rules! to_field {
    ($($t:ty => $v:ident, $f:expr;)*) => {$(
        impl ToField for $t {
            fn to_field(&self) -> FieldValue {
                FieldValue::$v($f(*self))
            }
        }
    )*};
}
to_field! {
    u8 => Unsigned, u64::from;
    u16 => Unsigned, u64::from;
    u32 => Unsigned, u64::from;
    u64 => Unsigned, |v| v;
    i32 => Signed, i64::from;
    i64 => Signed, |v| v;
    InstrumentId => Unsigned, |v: InstrumentId| u64::from(v.0);
    StrategyId => Unsigned, |v: StrategyId| u64::from(v.0);
    OrderId => Unsigned, |v: OrderId| v.0;
    Price => Price, |v| v;
    Qty => Qty, |v| v;
    Money => Money, |v| v;
}
macro_rules! name_field {
    ($($t:ty),*) => {$(
        impl ToField for $t {
            fn to_field(&self) -> FieldValue {
                FieldValue::Name(self.name())
            }
        }
    )*};
}
payload_enums!(name_field);

/// The checks of an order transition's numbers (states and events of another crate, stored as
/// numbers; see the module docs).
fn check_transition(t: OrderTransition, msg: &'static str) -> Result<OrderTransition, DecodeError> {
    let bad = |field, value| Err(DecodeError::InvalidEnum { msg, field, value });
    if t.from >= ORDER_STATES {
        return bad("from", t.from);
    }
    if t.to >= ORDER_STATES {
        return bad("to", t.to);
    }
    if t.event >= LIFECYCLE_EVENTS {
        return bad("event", t.event);
    }
    if t.refused > 1 || (t.refused == 1 && t.to != t.from) {
        // A refused transition leaves the order where it was.
        return bad("refused", t.refused);
    }
    Ok(t)
}

impl Msg {
    /// The stable kind number (the tag; the journal record type). See the module docs' table.
    #[inline(always)]
    pub const fn kind(&self) -> u16 {
        self.kind_index() as u16 + 1
    }

    /// The name of kind `kind` (`"quote"`, …), if it is one.
    pub const fn kind_name_of(kind: u16) -> Option<&'static str> {
        if kind >= 1 && kind as usize <= MSG_KINDS {
            Some(Self::NAMES[kind as usize - 1])
        } else {
            None
        }
    }

    /// Hands each journaled field of the payload to `v`, in codec order (the order of the
    /// payload struct), from the same field list as [`Msg::encode`] and [`Msg::decode`]: its name
    /// and its typed value. Not visited: the zero padding and the `Depth`'s `at` (never journaled),
    /// a depth update's levels (they follow the header: [`decode_levels`]). Names are the struct's
    /// field names except where the journal tools need another: `ExecReport::kind` is
    /// `exec_kind`, `Control::seq` is `control_seq`, `OrderTransition::from`/`to` are
    /// `from_state`/`to_state` (still numbers: the states are `alphapulse_oms`'s).
    ///
    /// For the tools (export, tail); the hot path never calls it.
    ///
    /// ```
    /// use alphapulse_types::{Control, ControlCmd, FieldValue, Msg};
    /// let m = Msg::Control(Control { seq: 3, ts: 9, cmd: ControlCmd::Resume, ..Default::default() });
    /// let mut f = Vec::new();
    /// m.visit_fields(&mut |name, value: FieldValue| f.push(format!("{name}={value}")));
    /// assert_eq!(f, ["control_seq=3", "ts=9", "cmd=resume"]);
    /// ```
    pub fn visit_fields(&self, v: &mut impl FieldVisitor) {
        match self {
            Msg::Quote(p) => p.visit_fields(v),
            Msg::Trade(p) => p.visit_fields(v),
            Msg::Depth(p) => p.visit_fields(v),
            Msg::Book(p) => p.visit_fields(v),
            Msg::Intent(p) | Msg::Decision(p) => p.visit_fields(v),
            Msg::New(p) => p.visit_fields(v),
            Msg::Cancel(p) => p.visit_fields(v),
            Msg::Exec(p) => p.visit_fields(v),
            Msg::Control(p) => p.visit_fields(v),
            Msg::Eos(p) => p.visit_fields(v),
            Msg::Signal(p) => p.visit_fields(v),
            Msg::OrderState(p) => p.visit_fields(v),
            Msg::Position(p) => p.visit_fields(v),
            Msg::FeedEvent(p) => p.visit_fields(v),
            Msg::Command(p) => p.visit_fields(v),
            Msg::Strategy(p) => p.visit_fields(v),
            Msg::Alert(p) => p.visit_fields(v),
            Msg::Aggregate(p) => p.visit_fields(v),
        }
    }

    /// Writes the version-3 encoding into `buf` (all 64 bytes; see the module docs).
    #[inline]
    pub fn encode(&self, buf: &mut [u8; ENCODED_LEN]) {
        *buf = [0; ENCODED_LEN];
        buf[0] = self.kind() as u8;
        let mut w = W { b: buf, at: PAYLOAD };
        match self {
            Msg::Quote(p) => p.put(&mut w),
            Msg::Trade(p) => p.put(&mut w),
            Msg::Depth(p) => p.put(&mut w),
            Msg::Book(p) => p.put(&mut w),
            Msg::Intent(p) | Msg::Decision(p) => p.put(&mut w),
            Msg::New(p) => p.put(&mut w),
            Msg::Cancel(p) => p.put(&mut w),
            Msg::Exec(p) => p.put(&mut w),
            Msg::Control(p) => p.put(&mut w),
            Msg::Eos(p) => p.put(&mut w),
            Msg::Signal(p) => p.put(&mut w),
            Msg::OrderState(p) => p.put(&mut w),
            Msg::Position(p) => p.put(&mut w),
            Msg::FeedEvent(p) => p.put(&mut w),
            Msg::Command(p) => p.put(&mut w),
            Msg::Strategy(p) => p.put(&mut w),
            Msg::Alert(p) => p.put(&mut w),
            Msg::Aggregate(p) => p.put(&mut w),
        }
    }

    /// Reads a version-3 encoding. Strict: see the module docs. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Msg, DecodeError> {
        if bytes.len() != ENCODED_LEN {
            return Err(DecodeError::Length(bytes.len()));
        }
        let tag = bytes[0];
        let Some(msg) = Msg::kind_name_of(tag as u16) else { return Err(DecodeError::UnknownTag(tag)) };
        let mut r = R { b: bytes, at: 1, msg };
        r.zeros_to(PAYLOAD)?;
        let r = &mut r;
        let m = match tag {
            1 => Msg::Quote(Wire::get(r, "")?),
            2 => Msg::Trade(Wire::get(r, "")?),
            3 => Msg::Depth(Wire::get(r, "")?),
            4 => Msg::Book(Wire::get(r, "")?),
            5 => Msg::Intent(Wire::get(r, "")?),
            6 => Msg::Decision(Wire::get(r, "")?),
            7 => Msg::New(Wire::get(r, "")?),
            8 => Msg::Cancel(Wire::get(r, "")?),
            9 => Msg::Exec(Wire::get(r, "")?),
            10 => Msg::Control(Wire::get(r, "")?),
            11 => Msg::Eos(Wire::get(r, "")?),
            12 => Msg::Signal(Wire::get(r, "")?),
            13 => Msg::OrderState(check_transition(Wire::get(r, "")?, msg)?),
            14 => Msg::Position(Wire::get(r, "")?),
            15 => Msg::FeedEvent(Wire::get(r, "")?),
            16 => Msg::Command(Wire::get(r, "")?),
            17 => Msg::Strategy(Wire::get(r, "")?),
            18 => Msg::Alert(Wire::get(r, "")?),
            _ => Msg::Aggregate(Wire::get(r, "")?),
        };
        r.zeros_to(ENCODED_LEN)?;
        Ok(m)
    }
}

/// Bytes of one encoded depth level ([`PxQty`]: price then quantity, raw `i64` little-endian).
pub const LEVEL_LEN: usize = 16;

/// Why the levels after a `Depth` header are not valid.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum LevelsError {
    #[error("depth levels are {got} bytes, the header announces {levels} levels ({want} bytes)")]
    Length { got: usize, levels: usize, want: usize },
    #[error("depth level {index}: price {px} is not positive")]
    Price { index: usize, px: i64 },
    #[error("depth level {index}: quantity {qty} is negative")]
    Quantity { index: usize, qty: i64 },
}

/// Writes `levels` into `out` ([`LEVEL_LEN`] bytes each; `out` must be exactly that long).
#[inline]
pub fn encode_levels(levels: &[PxQty], out: &mut [u8]) {
    debug_assert_eq!(out.len(), levels.len() * LEVEL_LEN);
    for (l, b) in levels.iter().zip(out.chunks_exact_mut(LEVEL_LEN)) {
        b[..8].copy_from_slice(&l.px.raw().to_le_bytes());
        b[8..].copy_from_slice(&l.qty.raw().to_le_bytes());
    }
}

/// Reads the `n` levels of a depth record from `bytes`, handing each to `f` in order. Strict: the
/// length must match, prices must be positive and quantities not negative (what the feed
/// accepts), so a damaged record is refused instead of patching a book with nonsense.
pub fn decode_levels(bytes: &[u8], n: usize, mut f: impl FnMut(PxQty)) -> Result<(), LevelsError> {
    if bytes.len() != n.saturating_mul(LEVEL_LEN) {
        return Err(LevelsError::Length { got: bytes.len(), levels: n, want: n.saturating_mul(LEVEL_LEN) });
    }
    for (index, b) in bytes.chunks_exact(LEVEL_LEN).enumerate() {
        let px = i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
        let qty = i64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
        if px <= 0 {
            return Err(LevelsError::Price { index, px });
        }
        if qty < 0 {
            return Err(LevelsError::Quantity { index, qty });
        }
        f(PxQty::new(Price::from_raw(px), Qty::from_raw(qty)));
    }
    Ok(())
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
