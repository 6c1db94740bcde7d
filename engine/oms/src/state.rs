//! The order lifecycle as a pure transition table.
//!
//! ```text
//! SignalGenerated ─Validate─► RiskValidation ─Approve─► Approved ─Create─► OrderCreation
//!                                            └Reject──► Rejected
//! OrderCreation ─Accept─► OrderPlaced            OrderCreation ─Fail─► Failed
//! OrderPlaced ─PartialFill─► PartiallyFilled ─PartialFill─► PartiallyFilled
//! OrderPlaced | PartiallyFilled ─Fill─► Filled
//! OrderPlaced | PartiallyFilled ─Cancel─► Cancelled        OrderPlaced ─Fail─► Failed
//! Filled | Cancelled ─OpenPosition─► PositionOpen ─ClosePosition─► PositionClosed
//! ```
//!
//! Positions: an order whose fills are done (`Filled`, or `Cancelled` with its filled part kept)
//! moves to `PositionOpen` if it filled anything (the router only sends `OpenPosition` then); it
//! moves to `PositionClosed` when the instrument's net position is next exactly zero (at once if
//! it already is). An order that filled nothing ends at `Rejected`, `Failed` or `Cancelled`.
//! `OrderCreation ─Fail─►` covers a venue refusal before acceptance (and an order that could not
//! be created). Every other (state, event) pair is refused with [`InvalidTransition`].

use thiserror::Error;

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OrderState {
    #[default]
    SignalGenerated = 0,
    RiskValidation = 1,
    Approved = 2,
    Rejected = 3,
    OrderCreation = 4,
    OrderPlaced = 5,
    PartiallyFilled = 6,
    Filled = 7,
    Cancelled = 8,
    Failed = 9,
    PositionOpen = 10,
    PositionClosed = 11,
}

/// Number of states.
pub const N_STATES: usize = 12;

// The journal's `Msg::OrderState` stores states and events as `u8` below these bounds.
const _: () = assert!(N_STATES == alphapulse_types::ORDER_STATES as usize);
const _: () = assert!(N_EVENTS == alphapulse_types::LIFECYCLE_EVENTS as usize);

impl OrderState {
    /// Every state, in tag order.
    pub const ALL: [OrderState; N_STATES] = [
        OrderState::SignalGenerated,
        OrderState::RiskValidation,
        OrderState::Approved,
        OrderState::Rejected,
        OrderState::OrderCreation,
        OrderState::OrderPlaced,
        OrderState::PartiallyFilled,
        OrderState::Filled,
        OrderState::Cancelled,
        OrderState::Failed,
        OrderState::PositionOpen,
        OrderState::PositionClosed,
    ];
    /// The state numbered `v` (its `as u8`; the journal's `OrderTransition::from`/`to`).
    pub const fn from_u8(v: u8) -> Option<OrderState> {
        if (v as usize) < N_STATES {
            Some(Self::ALL[v as usize])
        } else {
            None
        }
    }
    /// Stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            OrderState::SignalGenerated => "signal_generated",
            OrderState::RiskValidation => "risk_validation",
            OrderState::Approved => "approved",
            OrderState::Rejected => "rejected",
            OrderState::OrderCreation => "order_creation",
            OrderState::OrderPlaced => "order_placed",
            OrderState::PartiallyFilled => "partially_filled",
            OrderState::Filled => "filled",
            OrderState::Cancelled => "cancelled",
            OrderState::Failed => "failed",
            OrderState::PositionOpen => "position_open",
            OrderState::PositionClosed => "position_closed",
        }
    }
    /// Working at the venue (or about to be): a cancel or a fill may still come.
    pub const fn is_working(self) -> bool {
        matches!(self, OrderState::OrderCreation | OrderState::OrderPlaced | OrderState::PartiallyFilled)
    }
    /// Order management is over: only the position steps may still follow.
    pub const fn is_done(self) -> bool {
        matches!(
            self,
            OrderState::Rejected
                | OrderState::Filled
                | OrderState::Cancelled
                | OrderState::Failed
                | OrderState::PositionOpen
                | OrderState::PositionClosed
        )
    }
}

/// What happened to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum LifecycleEvent {
    /// Handed to risk.
    Validate = 0,
    Approve = 1,
    Reject = 2,
    /// Order id allocated and the new order sent.
    Create = 3,
    /// The venue accepted it.
    Accept = 4,
    /// A fill that leaves something open.
    PartialFill = 5,
    /// The fill that completes the order.
    Fill = 6,
    /// The venue cancelled it (on request, IOC/FOK rest, expiry).
    Cancel = 7,
    /// The venue refused it, or it could not be created.
    Fail = 8,
    /// Its fills are done and it filled something.
    OpenPosition = 9,
    /// The instrument's net position returned to zero.
    ClosePosition = 10,
}

/// Number of events.
pub const N_EVENTS: usize = 11;

impl LifecycleEvent {
    /// Every event, in tag order.
    pub const ALL: [LifecycleEvent; N_EVENTS] = [
        LifecycleEvent::Validate,
        LifecycleEvent::Approve,
        LifecycleEvent::Reject,
        LifecycleEvent::Create,
        LifecycleEvent::Accept,
        LifecycleEvent::PartialFill,
        LifecycleEvent::Fill,
        LifecycleEvent::Cancel,
        LifecycleEvent::Fail,
        LifecycleEvent::OpenPosition,
        LifecycleEvent::ClosePosition,
    ];
    /// The event numbered `v` (its `as u8`; the journal's `OrderTransition::event`).
    pub const fn from_u8(v: u8) -> Option<LifecycleEvent> {
        if (v as usize) < N_EVENTS {
            Some(Self::ALL[v as usize])
        } else {
            None
        }
    }
    /// Stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            LifecycleEvent::Validate => "validate",
            LifecycleEvent::Approve => "approve",
            LifecycleEvent::Reject => "reject",
            LifecycleEvent::Create => "create",
            LifecycleEvent::Accept => "accept",
            LifecycleEvent::PartialFill => "partial_fill",
            LifecycleEvent::Fill => "fill",
            LifecycleEvent::Cancel => "cancel",
            LifecycleEvent::Fail => "fail",
            LifecycleEvent::OpenPosition => "open_position",
            LifecycleEvent::ClosePosition => "close_position",
        }
    }
}

/// A (state, event) pair that is not in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("invalid order transition: {event:?} in state {state:?}")]
pub struct InvalidTransition {
    pub state: OrderState,
    pub event: LifecycleEvent,
}

/// The transition table: the next state, or the refusal.
#[inline]
pub const fn next(state: OrderState, event: LifecycleEvent) -> Result<OrderState, InvalidTransition> {
    use LifecycleEvent as E;
    use OrderState as S;
    Ok(match (state, event) {
        (S::SignalGenerated, E::Validate) => S::RiskValidation,
        (S::RiskValidation, E::Approve) => S::Approved,
        (S::RiskValidation, E::Reject) => S::Rejected,
        (S::Approved, E::Create) => S::OrderCreation,
        (S::OrderCreation, E::Accept) => S::OrderPlaced,
        (S::OrderCreation, E::Fail) => S::Failed,
        (S::OrderPlaced, E::PartialFill) => S::PartiallyFilled,
        (S::OrderPlaced, E::Fill) => S::Filled,
        (S::OrderPlaced, E::Cancel) => S::Cancelled,
        (S::OrderPlaced, E::Fail) => S::Failed,
        (S::PartiallyFilled, E::PartialFill) => S::PartiallyFilled,
        (S::PartiallyFilled, E::Fill) => S::Filled,
        (S::PartiallyFilled, E::Cancel) => S::Cancelled,
        (S::Filled, E::OpenPosition) => S::PositionOpen,
        (S::Cancelled, E::OpenPosition) => S::PositionOpen,
        (S::PositionOpen, E::ClosePosition) => S::PositionClosed,
        _ => return Err(InvalidTransition { state, event }),
    })
}
