//! Leaf types of AlphaPulse. No I/O, no allocation on any path that a hot actor calls.
//!
//! - [`ids`]: dense numeric ids (`InstrumentId`, `VenueId`, `StrategyId`, `OrderId`), interned at start.
//! - [`fixed`]: `Price`, `Qty` and `Money`, all `i64` on one fixed scale of 1e-8 (Binance's own
//!   precision), with exact decimal parsing and overflow-free notional math in `i128`.
//! - [`msg`]: [`Msg`], the one fixed-size `Copy` message that every ring carries (64 bytes,
//!   asserted at compile time), and its payload structs.
//! - [`records`]: payloads of the journal-only messages (`Msg::Signal`, `Msg::OrderState`,
//!   `Msg::Position`): facts an actor journals that are not chain messages.
//! - `aggregate_record`: [`AggregateRecord`], the payload of `Msg::Aggregate` (kind 19), the
//!   aggregator's decisions with their confidence, inputs and outcome (journal-only).
//! - `alert_record`: [`AlertRecord`], the payload of `Msg::Alert` (kind 18), the slow path's
//!   alert events (journal-only).
//! - [`idmap`]: [`IdMap`], the bounded open-addressing `u64 → V` map of order ids (router, risk
//!   and the simulated exchange), allocated once.
//! - [`control`]: the operator's commands as a hot actor takes them ([`CtlReq`]) and answers them
//!   ([`CtlReply`]): fixed-size, delivered by the runtime's control rings.
//! - [`instrument`]: the instrument table (tick, lot, min notional) built at start.
//! - [`codec`]: the journal encoding of a `Msg` (64 little-endian bytes, version 3, strict decode),
//!   the stable kind numbers that are the journal's record types, and `Msg::visit_fields` (each
//!   payload's fields named and typed, from the same field list, for the journal tools).
//!
//! ```
//! use alphapulse_types::{Price, Qty, notional};
//! let px = Price::parse(b"61837.63000000").unwrap();
//! let qty = Qty::parse(b"0.02").unwrap();
//! assert_eq!(notional(px, qty).to_string(), "1236.7526");
//! ```
#![forbid(unsafe_code)]

mod aggregate_record;
mod alert_record;
mod civil;
pub mod codec;
pub mod control;
mod decimal;
pub use civil::civil_from_days;
pub use decimal::scaled_from_parts;
pub mod fixed;
pub mod idmap;
pub mod ids;
pub mod instrument;
pub mod mem;
pub mod msg;
pub mod records;

pub use aggregate_record::{AggregateOutcome, AggregateRecord};
pub use alert_record::{AlertRecord, AlertRuleKind, AlertSeverity, AlertState};
pub use codec::{
    decode_levels, encode_levels, DecodeError, FieldValue, FieldVisitor, LevelsError, CODEC_VERSION,
    ENCODED_LEN, LEVEL_LEN,
};
pub use control::{CtlOp, CtlReply, CtlReq, CtlRow, CtlStatus, CtlText, ALL_INSTRUMENTS, CTL_TEXT};
pub use fixed::{notional, FixedError, Money, Price, Qty, SCALE};
pub use idmap::{IdMap, IdMapFull};
pub use ids::{InstrumentId, OrderId, StrategyId, VenueId};
pub use instrument::{Instrument, InstrumentError, InstrumentTable};
pub use msg::*;
pub use records::*;
