//! [`AggregatorConfig`]: how signals become order intents (`[strategy.aggregator]`).

use crate::StrategyError;
use alphapulse_types::Qty;
use std::collections::BTreeMap;

/// Largest weight one strategy may have in the aggregate.
pub const MAX_WEIGHT: u32 = 1_000_000;

/// The default `solo_entry_bps` of `ema_cross`.
pub const DEFAULT_EMA_SOLO_BPS: u32 = 6_000;

/// How intents are priced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStyle {
    /// IOC limit at the opposite best, `slippage_ticks` ticks through it.
    #[default]
    Aggressive,
    /// GTC limit at the own-side best (joins the queue).
    Passive,
}

/// What to do with an order whose size is under the instrument's minimums (`LOT_SIZE.minQty`, or
/// `MIN_NOTIONAL` at the limit price): the venue would refuse it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MinOrder {
    /// Raise it to the instrument's smallest valid order (the least lot multiple meeting both
    /// minimums at the limit price), if the position cap leaves room for that; else drop it.
    /// `order_qty` then sizes instruments where it is valid, and instruments where it is too small
    /// (ETHUSDT with 0.001) trade their minimum.
    #[default]
    Raise,
    /// Drop it (counted as `below_min_qty` or `below_min_notional`).
    Drop,
}

/// Configuration of the [`crate::Aggregator`]. Times are ns of event time.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AggregatorConfig {
    /// Strategy id stamped on intents (and matched on execution reports).
    pub strategy_id: u16,
    /// Integer weight per strategy name; strategies not listed weigh 1, weight 0 ignores one.
    pub weights: BTreeMap<String, u32>,
    /// How long a signal stays live.
    pub signal_ttl_ns: u64,
    /// How long a signal stays live, per strategy name, for those not to use `signal_ttl_ns`:
    /// a slow agent's signal is dated by what it refers to (a filing days old), e.g.
    /// `signal_ttl_ns_by = { fundamental = 7776000000000000 }` (90 days).
    pub signal_ttl_ns_by: BTreeMap<String, u64>,
    /// |combined score| (bps) needed for an intent.
    pub entry_threshold_bps: u32,
    /// Conviction alone (per strategy name, bps; strategies not listed: never alone): a strategy's
    /// signal made by the market event being handled, with |score| at or above its value here,
    /// is enough for an intent in its direction on that event, even when the combined score is
    /// below `entry_threshold_bps`, unless the combined score points the other way. So the
    /// technical agent's strong trend signal trades on the quote that formed it instead of
    /// waiting for the book agent to agree. Every other check (cooldown, outstanding intent,
    /// position cap, size) still applies.
    pub solo_entry_bps: BTreeMap<String, u32>,
    /// Order quantity (rounded down to the instrument lot).
    pub order_qty: Qty,
    /// When true the quantity is `order_qty × confidence / 10 000` (rounded down to the lot).
    pub scale_by_confidence: bool,
    /// Cap on |net position| per instrument, from the fills the aggregator sees; intents are
    /// clipped to it, reducing intents are always allowed.
    pub max_position: Qty,
    /// Minimum time between two intents of one instrument.
    pub min_interval_ns: u64,
    /// An intent with no execution report after this long is considered dead (risk rejected
    /// it, which the strategy never hears about). An accepted order stays outstanding until a
    /// terminal report (fill in full, cancel, reject).
    pub intent_timeout_ns: u64,
    /// Aggressive (IOC through the spread) or passive (GTC at own best).
    pub style: OrderStyle,
    /// Ticks beyond the opposite best for aggressive orders.
    pub slippage_ticks: u32,
    /// An order under the instrument's minimum quantity or notional: `raise` it to the minimum
    /// (within `max_position`) or `drop` it.
    pub min_order: MinOrder,
    /// `[strategy.aggregator.confidence]`: accuracy tracking, learned weights, the confidence
    /// floor and the back-off after a risk refusal (see `aggregator::confidence`).
    pub confidence: super::ConfidenceConfig,
}

impl Default for AggregatorConfig {
    /// BTCUSDT-like defaults: 0.001 BTC orders, ±0.005 BTC position, one intent per 2 s at most.
    fn default() -> Self {
        let weights = [("ema_cross".to_string(), 2), ("imbalance".to_string(), 1)].into_iter().collect();
        let solo_entry_bps = [("ema_cross".to_string(), DEFAULT_EMA_SOLO_BPS)].into_iter().collect();
        AggregatorConfig {
            strategy_id: 0,
            weights,
            signal_ttl_ns: 3_000_000_000,
            signal_ttl_ns_by: BTreeMap::new(),
            entry_threshold_bps: 4_000,
            solo_entry_bps,
            order_qty: Qty::from_raw(100_000),
            scale_by_confidence: false,
            max_position: Qty::from_raw(500_000),
            min_interval_ns: 2_000_000_000,
            intent_timeout_ns: 1_000_000_000,
            style: OrderStyle::Aggressive,
            slippage_ticks: 0,
            min_order: MinOrder::Raise,
            confidence: super::ConfidenceConfig::default(),
        }
    }
}

impl AggregatorConfig {
    /// The conviction that lets strategy `name` trade alone (`solo_entry_bps`; 0 when not listed:
    /// never alone).
    pub fn solo_entry_of(&self, name: &str) -> u32 {
        self.solo_entry_bps.get(name).copied().unwrap_or(0)
    }

    /// How long a signal of strategy `name` stays live (`signal_ttl_ns_by`, else `signal_ttl_ns`).
    pub fn signal_ttl_of(&self, name: &str) -> u64 {
        self.signal_ttl_ns_by.get(name).copied().unwrap_or(self.signal_ttl_ns)
    }

    /// The weight of strategy `name` (1 when not listed).
    pub fn weight_of(&self, name: &str) -> u32 {
        self.weights.get(name).copied().unwrap_or(1)
    }

    /// Check every key; errors name the key (under `aggregator.`).
    pub fn validate(&self) -> Result<(), StrategyError> {
        let e = StrategyError::config;
        for (name, &w) in &self.weights {
            if name.is_empty() {
                return Err(e("aggregator.weights", "empty strategy name"));
            }
            if w > MAX_WEIGHT {
                return Err(StrategyError::config(
                    "aggregator.weights",
                    format!("`{name}` = {w} is above {MAX_WEIGHT}"),
                ));
            }
        }
        for (name, &bps) in &self.solo_entry_bps {
            if name.is_empty() {
                return Err(e("aggregator.solo_entry_bps", "empty strategy name"));
            }
            if !(1..=10_000).contains(&bps) {
                return Err(StrategyError::config(
                    "aggregator.solo_entry_bps",
                    format!("`{name}` = {bps} is not in 1..=10000"),
                ));
            }
        }
        for (name, &ttl) in &self.signal_ttl_ns_by {
            if name.is_empty() {
                return Err(e("aggregator.signal_ttl_ns_by", "empty strategy name"));
            }
            if ttl == 0 {
                return Err(StrategyError::config(
                    "aggregator.signal_ttl_ns_by",
                    format!("`{name}` = 0: a time to live must be positive"),
                ));
            }
        }
        if self.signal_ttl_ns == 0 {
            return Err(e("aggregator.signal_ttl_ns", "must be positive"));
        }
        if !(1..=10_000).contains(&self.entry_threshold_bps) {
            return Err(e("aggregator.entry_threshold_bps", "must be in 1..=10000"));
        }
        if self.order_qty.raw() <= 0 {
            return Err(e("aggregator.order_qty", "must be positive"));
        }
        if self.max_position.raw() <= 0 {
            return Err(e("aggregator.max_position", "must be positive"));
        }
        if self.intent_timeout_ns == 0 {
            return Err(e("aggregator.intent_timeout_ns", "must be positive"));
        }
        if self.slippage_ticks > 1_000_000 {
            return Err(e("aggregator.slippage_ticks", "must be at most 1000000"));
        }
        self.confidence.validate()
    }
}
