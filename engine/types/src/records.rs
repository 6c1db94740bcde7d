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
