//! [`StrategyConfig`]: the `[strategy]` table of the engine's config file.
//!
//! ```toml
//! [strategy.ema_cross]        # omit for defaults; `enabled = false` switches an agent off
//! fast_period = 10
//! [strategy.imbalance]
//! threshold_bps = 6000
//! [strategy.technical]       # off unless present; see `technical` for every key
//! intervals_ms = [1000, 10000, 60000]
//! [strategy.aggregator]
//! entry_threshold_bps = 4000
//! solo_entry_bps = { ema_cross = 6000 }
//! order_qty = "0.001"
//! weights = { ema_cross = 2, imbalance = 1 }
//!
//! [[strategy.plugins]]        # a strategy from a plugin file, or a built-in of the same name
//! name = "momentum"           # the aggregator's weights/solo_entry_bps keys use this name
//! path = "target/release/libap_momentum.so"   # or: builtin = "momentum"
//! weight = 1                  # optional: else `aggregator.weights` by name (default 1)
//! budget_ns = 20000           # time budget per call (0 = off)
//! params = { lookback = "20" }
//! ```
//!
//! The entries are resolved by `alphapulse_plugin::add_configured` (this crate does not load
//! plugins), after the built-in agents, in the order written.

use crate::{
    AggregatorConfig, EmaCrossAgent, EmaCrossConfig, ImbalanceAgent, ImbalanceConfig, StrategyError,
    TechnicalAgent, TechnicalConfig, MAX_WEIGHT,
};
use std::collections::BTreeMap;

/// Configuration of the [`crate::StrategyHost`]: the built-in agents (`None` or `enabled = false`
/// switches one off) and the aggregator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyConfig {
    pub ema_cross: Option<EmaCrossConfig>,
    pub imbalance: Option<ImbalanceConfig>,
    /// The technical agent: off unless its table is present (the defaults predate it).
    pub technical: Option<TechnicalConfig>,
    pub aggregator: AggregatorConfig,
    /// Strategies from plugins or the built-in registry (`[[strategy.plugins]]`).
    pub plugins: Vec<PluginEntry>,
}

/// One `[[strategy.plugins]]` entry: a strategy loaded from `path` or taken from the built-in
/// registry by `builtin` name (exactly one of the two): interchangeable.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PluginEntry {
    /// The strategy's name in this engine (aggregator keys, stats, journal); unique.
    pub name: String,
    /// A plugin file (`cdylib`).
    #[serde(default)]
    pub path: Option<String>,
    /// A strategy linked in (see `alphapulse_plugin::BUILTINS`).
    #[serde(default)]
    pub builtin: Option<String>,
    /// Aggregator weight; absent: `aggregator.weights` by name.
    #[serde(default)]
    pub weight: Option<u32>,
    /// Time budget per call in ns (0 = off): overruns are counted, never enforced.
    #[serde(default)]
    pub budget_ns: u64,
    /// Parameters, passed to the strategy as strings.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

impl Default for StrategyConfig {
    /// The `ema_cross` and `imbalance` agents on, with their defaults; `technical` off.
    fn default() -> Self {
        StrategyConfig {
            ema_cross: Some(EmaCrossConfig::default()),
            imbalance: Some(ImbalanceConfig::default()),
            technical: None,
            aggregator: AggregatorConfig::default(),
            plugins: Vec::new(),
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
        if let Some(c) = &self.technical {
            c.validate()?;
        }
        self.aggregator.validate()?;
        self.validate_plugins()
    }

    fn validate_plugins(&self) -> Result<(), StrategyError> {
        let mut names: Vec<&str> = Vec::new();
        if self.ema_cross.as_ref().is_some_and(|c| c.enabled) {
            names.push(EmaCrossAgent::NAME);
        }
        if self.imbalance.as_ref().is_some_and(|c| c.enabled) {
            names.push(ImbalanceAgent::NAME);
        }
        if self.technical.as_ref().is_some_and(|c| c.enabled) {
            names.push(TechnicalAgent::NAME);
        }
        for p in &self.plugins {
            let at = |problem: String| StrategyError::config("strategy.plugins", problem);
            if p.name.is_empty() || p.name.len() > 64 {
                return Err(at(format!("name `{}` must be 1 to 64 bytes", p.name)));
            }
            if names.contains(&p.name.as_str()) {
                return Err(at(format!("name `{}` is used twice", p.name)));
            }
            names.push(&p.name);
            if p.path.is_some() == p.builtin.is_some() {
                return Err(at(format!("`{}`: give exactly one of `path` and `builtin`", p.name)));
            }
            if let Some(w) = p.weight.filter(|w| *w > MAX_WEIGHT) {
                return Err(at(format!("`{}`: weight {w} is above {MAX_WEIGHT}", p.name)));
            }
        }
        Ok(())
    }

    /// The aggregator weight of plugin entry `p`: its own, else `aggregator.weights` by name.
    pub fn plugin_weight(&self, p: &PluginEntry) -> u32 {
        p.weight.unwrap_or_else(|| self.aggregator.weight_of(&p.name))
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

    #[test]
    fn plugin_entries_parse_and_are_checked() {
        let c: StrategyConfig = toml::from_str(
            "[aggregator]\nweights = { mom = 3 }\n[[plugins]]\nname = \"mom\"\nbuiltin = \"momentum\"\nbudget_ns = 500\nparams = { lookback = \"5\" }\n[[plugins]]\nname = \"mp\"\npath = \"x.so\"\nweight = 2\n",
        )
        .unwrap();
        assert!(c.validate().is_ok());
        assert_eq!(c.plugins.len(), 2);
        assert_eq!((c.plugins[0].budget_ns, c.plugins[0].params["lookback"].as_str()), (500, "5"));
        assert_eq!((c.plugin_weight(&c.plugins[0]), c.plugin_weight(&c.plugins[1])), (3, 2));
        let bad = |t: &str| toml::from_str::<StrategyConfig>(t).unwrap().validate().unwrap_err().to_string();
        let e = bad("[[plugins]]\nname = \"a\"\npath = \"x\"\nbuiltin = \"y\"\n");
        assert!(e.contains("strategy.plugins") && e.contains("exactly one"), "{e}");
        let e = bad("[[plugins]]\nname = \"imbalance\"\nbuiltin = \"y\"\n");
        assert!(e.contains("`imbalance` is used twice"), "{e}");
        let e = bad("[[plugins]]\nname = \"a\"\nbuiltin = \"y\"\nweight = 2000000\n");
        assert!(e.contains("weight 2000000"), "{e}");
        assert!(toml::from_str::<StrategyConfig>("[[plugins]]\nname = \"a\"\nbuiltin = \"y\"\nbudget = 1\n")
            .is_err());
    }
}
