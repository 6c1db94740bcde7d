//! Order manager: the order lifecycle state machine and the router actor
//! (feed → agents → risk → **router** → gateway; execution reports come back through it).
//!
//! - [`state`]: [`OrderState`], [`LifecycleEvent`] and the pure transition table [`next`];
//! - [`record`]: [`OrderRecord`], one order's quantities, fills, state and times;
//! - [`router`]: [`RouterActor`], decisions → orders, execution reports → lifecycle, TTL cancels,
//!   net positions → `PositionOpen`/`PositionClosed`;
//! - [`config`]: [`RouterConfig`] (the `[router]` table), [`RouterError`];
//! - [`control`]: the operator's commands (halt, cancel-all, orders);
//! - [`stats`] — [`RouterStats`];
//! - `table` (private): the bounded order table, its id index (an `alphapulse_types::IdMap`) and
//!   intrusive lists.
//!
//! ```
//! use alphapulse_oms::{next, LifecycleEvent, OrderState};
//! assert_eq!(next(OrderState::OrderPlaced, LifecycleEvent::Fill), Ok(OrderState::Filled));
//! assert!(next(OrderState::Filled, LifecycleEvent::Cancel).is_err());
//! ```
#![forbid(unsafe_code)]

pub mod config;
pub mod control;
pub mod record;
pub mod router;
pub mod state;
pub mod stats;
mod table;

pub use config::{RouterConfig, RouterError};
pub use record::OrderRecord;
pub use router::RouterActor;
pub use state::{next, InvalidTransition, LifecycleEvent, OrderState, N_EVENTS, N_STATES};
pub use stats::{RouterStats, TRIGGERS};
