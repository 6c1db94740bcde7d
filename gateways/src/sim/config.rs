//! [`SimConfig`] (the `[gateway.sim]` table of the run config) and [`SimError`].

use thiserror::Error;

/// Largest order table / pending queue the simulator preallocates.
pub const MAX_CAPACITY: usize = 1 << 20;
/// Largest latency accepted (one minute): keeps timestamp arithmetic far from overflow.
pub const MAX_LATENCY_NS: u64 = 60_000_000_000;

/// Settings of the simulated exchange.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// One-way latency gateway → matching engine: an order or cancel sent at `t` reaches the
    /// engine at `t + order_latency_ns`.
    pub order_latency_ns: u64,
    /// Latency matching engine → gateway: a report of what the venue did at `t` carries
    /// `ts = t + response_latency_ns` and is sent up only when event time reaches `ts`.
    pub response_latency_ns: u64,
    /// Maker fee in parts per million of notional (negative = rebate).
    pub maker_fee_ppm: i64,
    /// Taker fee in parts per million of notional (negative = rebate).
    pub taker_fee_ppm: i64,
    /// Capacity of the order table (resting GTC orders); full → `Rejected(TooManyOrders)`.
    pub max_orders: usize,
    /// Most new orders in flight between gateway and engine; one more → `Rejected(TooManyOrders)`
    /// at the gateway. Cancels may use as much room again (the queue holds `2 × max_pending`), so
    /// a burst of orders never locks out cancels.
    pub max_pending: usize,
    /// Most execution reports waiting for their delivery time (`ts`) at once; when full, the
    /// oldest is sent early and counted (`SimStats::report_queue_overflows`).
    pub max_reports: usize,
}

impl Default for SimConfig {
    /// Binance spot's base fee (0.1 % = 1000 ppm both sides) and a 1 ms one-way latency.
    fn default() -> Self {
        SimConfig {
            order_latency_ns: 1_000_000,
            response_latency_ns: 1_000_000,
            maker_fee_ppm: 1_000,
            taker_fee_ppm: 1_000,
            max_orders: 4_096,
            max_pending: 4_096,
            max_reports: 16_384,
        }
    }
}

impl SimConfig {
    /// Check every key; the error names the key and the problem.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |key: &'static str, problem: &'static str| Err(SimError::Config { key, problem });
        if self.order_latency_ns > MAX_LATENCY_NS {
            return bad("order_latency_ns", "must be at most 60_000_000_000 (one minute)");
        }
        if self.response_latency_ns > MAX_LATENCY_NS {
            return bad("response_latency_ns", "must be at most 60_000_000_000 (one minute)");
        }
        if !(-1_000_000..=1_000_000).contains(&self.maker_fee_ppm) {
            return bad("maker_fee_ppm", "must be within -1_000_000..=1_000_000");
        }
        if !(-1_000_000..=1_000_000).contains(&self.taker_fee_ppm) {
            return bad("taker_fee_ppm", "must be within -1_000_000..=1_000_000");
        }
        if self.max_orders == 0 || self.max_orders > MAX_CAPACITY {
            return bad("max_orders", "must be within 1..=1_048_576");
        }
        if self.max_pending == 0 || self.max_pending > MAX_CAPACITY {
            return bad("max_pending", "must be within 1..=1_048_576");
        }
        if self.max_reports == 0 || self.max_reports > MAX_CAPACITY {
            return bad("max_reports", "must be within 1..=1_048_576");
        }
        Ok(())
    }
}

/// Why a [`super::SimGateway`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SimError {
    /// A config key is out of range.
    #[error("gateway.sim.{key}: {problem}")]
    Config { key: &'static str, problem: &'static str },
    /// The instrument table is empty.
    #[error("the simulated exchange needs at least one instrument")]
    NoInstruments,
    /// `book_levels` was zero.
    #[error("book_levels must be at least 1")]
    NoBookLevels,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_toml_parses() {
        SimConfig::default().validate().unwrap();
        let c: SimConfig = toml::from_str("order_latency_ns = 5\nmaker_fee_ppm = -100\n").unwrap();
        assert_eq!(c.order_latency_ns, 5);
        assert_eq!(c.maker_fee_ppm, -100);
        assert_eq!(c.max_orders, SimConfig::default().max_orders);
        assert!(toml::from_str::<SimConfig>("bogus = 1").is_err());
    }

    #[test]
    fn errors_name_the_key() {
        let c = SimConfig { max_orders: 0, ..SimConfig::default() };
        let e = c.validate().unwrap_err();
        assert_eq!(e.to_string(), "gateway.sim.max_orders: must be within 1..=1_048_576");
        let c = SimConfig { taker_fee_ppm: 2_000_000, ..SimConfig::default() };
        assert!(c.validate().unwrap_err().to_string().contains("taker_fee_ppm"));
        let c = SimConfig { order_latency_ns: u64::MAX, ..SimConfig::default() };
        assert!(c.validate().unwrap_err().to_string().contains("order_latency_ns"));
    }
}
