//! [`StrategyConfig`]: the `[strategy]` table of the engine's config file.
//!
//! ```toml
//! [strategy.ema_cross]        # omit for defaults; `enabled = false` switches an agent off
//! fast_period = 10
//! [strategy.imbalance]
//! threshold_bps = 6000
//! [strategy.aggregator]
//! entry_threshold_bps = 4000
//! solo_entry_bps = { ema_cross = 6000 }
//! order_qty = "0.001"
//! weights = { ema_cross = 2, imbalance = 1 }
//! ```

use crate::{AggregatorConfig, EmaCrossConfig, ImbalanceConfig, StrategyError};

/// Configuration of the [`crate::StrategyHost`]: the built-in agents (`None` or `enabled = false`
/// switches one off) and the aggregator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyConfig {
    pub ema_cross: Option<EmaCrossConfig>,
    pub imbalance: Option<ImbalanceConfig>,
    pub aggregator: AggregatorConfig,
}

impl Default for StrategyConfig {
    /// Both built-in agents on, with their defaults.
    fn default() -> Self {
        StrategyConfig {
            ema_cross: Some(EmaCrossConfig::default()),
            imbalance: Some(ImbalanceConfig::default()),
            aggregator: AggregatorConfig::default(),
        }
    }
}

impl StrategyConfig {
    /// Validate every part; errors name the key.
    pub fn validate(&self) -> Result<(), StrategyError> {
        if let Some(c) = &self.ema_cross {
            c.validate()?;
        }
        if let Some(c) = &self.imbalance {
            c.validate()?;
        }
        self.aggregator.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_toml_with_defaults_and_rejects_unknown_keys() {
        let c: StrategyConfig = toml::from_str(
            "[ema_cross]\nfast_period = 5\n[imbalance]\nenabled = false\n[aggregator]\norder_qty = \"0.002\"\nstyle = \"passive\"\nweights = { imbalance = 3 }\n",
        )
        .unwrap();
        assert_eq!(c.ema_cross.as_ref().unwrap().fast_period, 5);
        assert_eq!(c.ema_cross.as_ref().unwrap().slow_period, EmaCrossConfig::default().slow_period);
        assert!(!c.imbalance.as_ref().unwrap().enabled);
        assert_eq!(c.aggregator.order_qty, alphapulse_types::Qty::from_raw(200_000));
        assert_eq!(c.aggregator.style, crate::OrderStyle::Passive);
        assert_eq!((c.aggregator.weight_of("imbalance"), c.aggregator.weight_of("ema_cross")), (3, 1));
        assert!(c.validate().is_ok());
        let empty: StrategyConfig = toml::from_str("").unwrap();
        assert_eq!(empty, StrategyConfig::default());
        assert!(toml::from_str::<StrategyConfig>("[aggregator]\nentry_threshold = 1\n").is_err());
        let bad: StrategyConfig = toml::from_str("[aggregator]\nmax_position = 0\n").unwrap();
        assert!(bad.validate().unwrap_err().to_string().contains("aggregator.max_position"));
        // Conviction alone: ema_cross by default; a map of names to 1..=10000 bps.
        assert_eq!(empty.aggregator.solo_entry_of("ema_cross"), crate::DEFAULT_EMA_SOLO_BPS);
        assert_eq!(empty.aggregator.solo_entry_of("imbalance"), 0);
        let off: StrategyConfig = toml::from_str("[aggregator]\nsolo_entry_bps = {}\n").unwrap();
        assert_eq!(off.aggregator.solo_entry_of("ema_cross"), 0);
        let bad: StrategyConfig =
            toml::from_str("[aggregator]\nsolo_entry_bps = { ema_cross = 0 }\n").unwrap();
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("aggregator.solo_entry_bps") && e.contains("`ema_cross` = 0"), "{e}");
    }
}
