//! [`RouterConfig`] (the `[router]` table of the run config) and its validation.

use thiserror::Error;

/// Largest order table.
pub const MAX_ORDERS_CAP: u32 = 1 << 22;

/// Why a router config was refused; names the key and the problem.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RouterError {
    #[error("router.{key}: {problem}")]
    InvalidConfig { key: &'static str, problem: String },
}

/// ```toml
/// [router]
/// max_orders = 4096            # order table capacity (records are recycled oldest-retired first)
/// order_ttl_ns = 5000000000    # cancel resting GTC limit orders older than this; 0 = never
/// ```
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterConfig {
    pub max_orders: u32,
    pub order_ttl_ns: u64,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig { max_orders: 4096, order_ttl_ns: 5_000_000_000 }
    }
}

impl RouterConfig {
    pub fn validate(&self) -> Result<(), RouterError> {
        if self.max_orders == 0 || self.max_orders > MAX_ORDERS_CAP {
            return Err(RouterError::InvalidConfig {
                key: "max_orders",
                problem: format!("must be in 1..={MAX_ORDERS_CAP} (got {})", self.max_orders),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let c: RouterConfig = toml::from_str("max_orders = 16\norder_ttl_ns = 0").unwrap();
        assert_eq!((c.max_orders, c.order_ttl_ns), (16, 0));
        c.validate().unwrap();
        assert!(toml::from_str::<RouterConfig>("ttl = 1").is_err());
        let e = RouterConfig { max_orders: 0, ..Default::default() }.validate().unwrap_err();
        assert!(e.to_string().starts_with("router.max_orders: must be in 1..="), "{e}");
        RouterConfig::default().validate().unwrap();
    }
}
