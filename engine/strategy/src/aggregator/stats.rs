//! [`AggregatorStats`]: the aggregator's counters.

/// Counters of the aggregator (all monotonic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AggregatorStats {
    pub intents: u64,
    pub suppressed_halted: u64,
    /// Intents the operator's `flatten` made (also counted in `intents`).
    pub flatten_intents: u64,
    pub suppressed_outstanding: u64,
    pub suppressed_cooldown: u64,
    pub suppressed_no_market: u64,
    pub suppressed_position_cap: u64,
    /// Below the instrument's minimums: `suppressed_below_min_qty + suppressed_below_min_notional`.
    pub suppressed_too_small: u64,
    /// Under `LOT_SIZE.minQty` (or zero after rounding to the lot).
    pub suppressed_below_min_qty: u64,
    /// Quantity valid but `qty × limit price` under `MIN_NOTIONAL`.
    pub suppressed_below_min_notional: u64,
    /// Intents whose size was raised to the instrument's minimum (`min_order = "raise"`).
    pub raised_to_minimum: u64,
    /// Intents declared dead after `intent_timeout_ns` without a report.
    pub intents_timed_out: u64,
    /// Intents refused before the venue and freed at once by their `Rejected` report:
    /// `refused_by_risk + refused_by_router`.
    pub intents_refused: u64,
    /// Of `intents_refused`: refused by risk (`VenueReject::RiskRefused`).
    pub refused_by_risk: u64,
    /// Of `intents_refused`: refused by the order manager (table full, duplicate id).
    pub refused_by_router: u64,
    /// Intents not made because the strategy's 48-bit intent sequence is used up (not reachable
    /// in practice: 2.8e14 intents).
    pub ids_exhausted: u64,
    /// Signals for an instrument outside the table, or from an unknown strategy index (ignored).
    pub signals_ignored: u64,
    /// Fill reports seen (the position itself is risk's, read from the reports).
    pub fills: u64,
    /// Of `intents`: made on one strategy's conviction alone (`solo_entry_bps`), the combined
    /// score being below the entry threshold.
    pub solo_intents: u64,
    /// Decisions held back because risk refused the instrument's last intent less than
    /// `confidence.risk_backoff_ns` before.
    pub suppressed_risk_backoff: u64,
    /// Decisions under `confidence.min_confidence_bps`.
    pub suppressed_low_confidence: u64,
    /// Signals that went stale (older than their strategy's time to live) before another
    /// replaced them, over every strategy (per strategy: [`super::Aggregator::expired_signals`]).
    pub signals_expired: u64,
}
