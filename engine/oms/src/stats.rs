//! [`RouterStats`]: what the router counted.

use crate::state::{LifecycleEvent, OrderState, N_EVENTS, N_STATES};

/// Number of [`alphapulse_types::Trigger`] kinds (the length of the by-trigger counters).
pub const TRIGGERS: usize = alphapulse_types::Trigger::ALL.len();

/// Counters kept by [`crate::RouterActor`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterStats {
    /// Decisions received from risk.
    pub decisions: u64,
    /// Approved decisions refused because the operator halted trading.
    pub halted_refused: u64,
    /// Cancels the operator asked for (`halt`, `cancel-all`) or a strategy's fault caused.
    pub operator_cancels: u64,
    /// `Control` `CancelAll` commands from the strategy host (a strategy faulted).
    pub fault_cancel_requests: u64,
    /// Decisions risk rejected.
    pub rejected_by_risk: u64,
    /// Orders created (new order sent down).
    pub created: u64,
    /// Orders the venue accepted (including acceptance implied by a first fill or cancel).
    pub placed: u64,
    /// Orders that got a first partial fill (ever: most of them go on to fill completely; see
    /// [`RouterStats::cancelled_after_partial`] for the final state).
    pub partially_filled: u64,
    /// Orders completely filled.
    pub filled: u64,
    /// Orders that ended cancelled (on request, TTL, IOC remainder, expiry), whether or not they
    /// had filled part first.
    pub cancelled: u64,
    /// Of `cancelled`: orders that had filled part before (final state "partially filled, then
    /// cancelled or expired").
    pub cancelled_after_partial: u64,
    /// Orders sent that the venue refused (final state "rejected"); unlike `failed`, without the
    /// approved orders never sent for lack of table room.
    pub venue_rejected: u64,
    /// Cancel requests the venue refused (the order was already done); no state change.
    pub cancel_rejects: u64,
    /// Orders refused by the venue, or approved but not created (no table room, duplicate id).
    pub failed: u64,
    /// Orders created, by the kind of market event that caused their intent (indexed by
    /// `Trigger as usize`: none, quote, trade, depth); they add up to `created`.
    pub created_by_trigger: [u64; TRIGGERS],
    /// Fill reports of orders in the table, by their trigger (as `created_by_trigger`); they add
    /// up to `fills` minus the fills of unknown orders.
    pub fills_by_trigger: [u64; TRIGGERS],
    /// Fill reports and their total quantity (raw 1e-8 units).
    pub fills: u64,
    pub filled_qty: i128,
    /// Refused transitions, total and per (from state, event): an invalid pair has no target.
    pub invalid_transitions: u64,
    pub invalid: [[u64; N_EVENTS]; N_STATES],
    /// Decisions that found no free or recyclable record.
    pub table_full: u64,
    /// Order ids the id index refused for want of room (it has one entry per record, so this
    /// stays 0; such an order is sent, but its reports count as `unknown_order`).
    pub index_full: u64,
    /// Approved decisions whose order id was 0 or still held by the table: refused, not sent.
    pub duplicate_ids: u64,
    /// Cancels sent for resting orders older than the TTL.
    pub ttl_cancels: u64,
    /// Fills or cancels that arrived before the venue's acceptance (acceptance implied).
    pub implied_accepts: u64,
    /// Fills beyond the order quantity.
    pub overfills: u64,
    /// Reports for an order id not in the table (never created, or its record was recycled).
    pub unknown_order: u64,
    /// Fill reports for an instrument id beyond the configured count (position not tracked).
    pub unknown_instrument: u64,
    pub positions_opened: u64,
    pub positions_closed: u64,
    /// `PositionOpen` records recycled before their position closed.
    pub position_records_evicted: u64,
    /// Messages that do not belong on the router's input (intents, orders): dropped.
    pub unexpected: u64,
}

impl RouterStats {
    /// Refusals of `event` in `state`.
    pub fn invalid_count(&self, state: OrderState, event: LifecycleEvent) -> u64 {
        self.invalid[state as usize][event as usize]
    }
}
