//! [`RiskConfig`] (the `[risk]` table of the run config), its validation, and [`Limits`], the
//! limit values the checks read.

use alphapulse_types::{Money, Qty};
use thiserror::Error;

/// Largest `max_open_orders` (the open-order table is preallocated from it).
pub const MAX_OPEN_ORDERS_CAP: u32 = 1 << 20;
/// Largest `max_orders_per_sec` (the rate window is preallocated from it).
pub const MAX_ORDERS_PER_SEC_CAP: u32 = 1 << 20;

/// Why a risk config was refused; names the key and the problem.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RiskError {
    #[error("risk.{key}: {problem}")]
    InvalidConfig { key: &'static str, problem: String },
}

fn bad(key: &'static str, problem: impl Into<String>) -> RiskError {
    RiskError::InvalidConfig { key, problem: problem.into() }
}

/// Pre-trade limits and portfolio start. One set of limits applies to every instrument.
///
/// ```toml
/// [risk]
/// max_order_qty = "0.5"           # base units per order
/// max_order_notional = "50000"    # quote currency per order
/// max_position = "2"              # |position + open same-side qty + order qty|, per instrument
/// price_band_bps = 100            # limit price at most 1 % through the mid
/// max_orders_per_sec = 10         # approvals in any sliding second of event time
/// max_open_orders = 64            # approved and not yet terminal
/// halted = false                  # start with the kill switch engaged
/// initial_cash = "100000"         # quote currency (single quote currency per run)
/// ```
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    pub max_order_qty: Qty,
    pub max_order_notional: Money,
    pub max_position: Qty,
    pub price_band_bps: u32,
    pub max_orders_per_sec: u32,
    pub max_open_orders: u32,
    pub halted: bool,
    pub initial_cash: Money,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            max_order_qty: Qty::from_units(1),
            max_order_notional: Money::from_units(100_000),
            max_position: Qty::from_units(2),
            price_band_bps: 100,
            max_orders_per_sec: 10,
            max_open_orders: 64,
            halted: false,
            initial_cash: Money::from_units(100_000),
        }
    }
}

impl RiskConfig {
    /// Check every key; the first problem found is returned.
    pub fn validate(&self) -> Result<(), RiskError> {
        if self.max_order_qty.raw() <= 0 {
            return Err(bad("max_order_qty", format!("must be positive (got {})", self.max_order_qty)));
        }
        if self.max_order_notional.raw() <= 0 {
            return Err(bad(
                "max_order_notional",
                format!("must be positive (got {})", self.max_order_notional),
            ));
        }
        if self.max_position.raw() <= 0 {
            return Err(bad("max_position", format!("must be positive (got {})", self.max_position)));
        }
        if self.price_band_bps == 0 || self.price_band_bps > 10_000 {
            return Err(bad("price_band_bps", format!("must be in 1..=10000 (got {})", self.price_band_bps)));
        }
        if self.max_orders_per_sec == 0 || self.max_orders_per_sec > MAX_ORDERS_PER_SEC_CAP {
            return Err(bad(
                "max_orders_per_sec",
                format!("must be in 1..={MAX_ORDERS_PER_SEC_CAP} (got {})", self.max_orders_per_sec),
            ));
        }
        if self.max_open_orders == 0 || self.max_open_orders > MAX_OPEN_ORDERS_CAP {
            return Err(bad(
                "max_open_orders",
                format!("must be in 1..={MAX_OPEN_ORDERS_CAP} (got {})", self.max_open_orders),
            ));
        }
        if self.initial_cash.raw() < 0 {
            return Err(bad("initial_cash", format!("must not be negative (got {})", self.initial_cash)));
        }
        Ok(())
    }

    /// The limit values the checks read.
    pub fn limits(&self) -> Limits {
        Limits {
            max_order_qty: self.max_order_qty,
            max_order_notional: self.max_order_notional,
            max_position: self.max_position,
            price_band_bps: self.price_band_bps,
            max_orders_per_sec: self.max_orders_per_sec,
            max_open_orders: self.max_open_orders,
        }
    }
}

/// The limit values, as the checks read them (see [`crate::checks`]). Per-instrument limits
/// would become a `Vec<Limits>` indexed by instrument; today one set applies to all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_order_qty: Qty,
    pub max_order_notional: Money,
    pub max_position: Qty,
    pub price_band_bps: u32,
    pub max_orders_per_sec: u32,
    pub max_open_orders: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_toml_and_names_bad_keys() {
        let c: RiskConfig = toml::from_str("max_order_qty = \"0.5\"\nprice_band_bps = 25").unwrap();
        assert_eq!(c.max_order_qty, Qty::parse(b"0.5").unwrap());
        assert_eq!(c.price_band_bps, 25);
        assert_eq!(c.max_open_orders, RiskConfig::default().max_open_orders);
        c.validate().unwrap();
        assert!(toml::from_str::<RiskConfig>("max_qty = 1").is_err());
        let c = RiskConfig { max_open_orders: 0, ..Default::default() };
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("risk.max_open_orders: must be in 1..="), "{e}");
        let c = RiskConfig { price_band_bps: 10_001, ..Default::default() };
        assert!(c.validate().unwrap_err().to_string().contains("price_band_bps"));
        let c = RiskConfig { max_position: Qty::ZERO, ..Default::default() };
        assert!(c.validate().unwrap_err().to_string().contains("max_position"));
    }
}
