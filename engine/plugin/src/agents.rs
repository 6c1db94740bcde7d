//! The built-in agents (`ema_cross`, `imbalance`, `technical`, `ml`) as `[[strategy.plugins]]`
//! entries (`builtin = "ema_cross"`), so a built-in agent and a plugin are interchangeable in config:
//! the entry's `params` are the agent's `[strategy.<agent>]` keys (numbers and booleans, checked by
//! the agent's own config; a list of numbers is written with commas, `intervals_ms = "1000,10000"`),
//! and the strategy runs under the entry's `name`. The ML agent's params are its model spec (file,
//! input/output names and shapes, features, thresholds: see `alphapulse_ml::spec`), strings checked
//! by `ModelSpec::from_params`.

use crate::PluginError;
use alphapulse_strategy::{
    EmaCrossAgent, EmaCrossConfig, Fault, ImbalanceAgent, ImbalanceConfig, MarketView, Signal, Strategy,
    StrategyHealth, TechnicalAgent, TechnicalConfig,
};
use alphapulse_types::{Depth, ExecReport, InstrumentId, PxQty, Quote, Trade};
use std::collections::BTreeMap;

/// A built-in agent's config from an entry's `params` (defaults for the keys not given).
fn config<C: serde::de::DeserializeOwned>(
    name: &str,
    params: &BTreeMap<String, String>,
) -> Result<C, PluginError> {
    let bad = |message: String| PluginError::Create { name: name.into(), message };
    let mut text = String::new();
    for (k, v) in params {
        // Every key of these configs is a number, a boolean or a list of numbers (written with
        // commas): nothing else is written through.
        let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let plain = v == "true" || v == "false" || number(v);
        let list = v.contains(',') && v.split(',').all(number);
        let key_ok = !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !(plain || list) || !key_ok {
            return Err(bad(format!(
                "parameter `{k}` = `{v}`: expected a whole number, true/false or numbers separated by commas"
            )));
        }
        if list {
            text.push_str(&format!("{k} = [{v}]\n"));
        } else {
            text.push_str(&format!("{k} = {v}\n"));
        }
    }
    toml::from_str(&text).map_err(|e| bad(format!("parameters: {}", e.message())))
}

/// The built-in agent `builtin` for `n` instruments, under `name`.
pub(crate) fn agent(
    builtin: &str,
    name: &str,
    params: &BTreeMap<String, String>,
    n: usize,
) -> Result<Option<Box<dyn Strategy>>, PluginError> {
    let made = |e: alphapulse_strategy::StrategyError| PluginError::Create {
        name: name.into(),
        message: e.to_string(),
    };
    let inner: Box<dyn Strategy> = match builtin {
        EmaCrossAgent::NAME => {
            let c: EmaCrossConfig = config(name, params)?;
            c.validate().map_err(made)?;
            Box::new(EmaCrossAgent::new(&c, n).map_err(made)?)
        }
        ImbalanceAgent::NAME => {
            let c: ImbalanceConfig = config(name, params)?;
            c.validate().map_err(made)?;
            Box::new(ImbalanceAgent::new(&c).map_err(made)?)
        }
        alphapulse_ml::MlAgent::NAME => {
            let ml =
                |e: alphapulse_ml::MlError| PluginError::Create { name: name.into(), message: e.to_string() };
            let spec = alphapulse_ml::ModelSpec::from_params(params).map_err(ml)?;
            Box::new(alphapulse_ml::MlAgent::new(&spec, n).map_err(ml)?)
        }
        TechnicalAgent::NAME => {
            let c: TechnicalConfig = config(name, params)?;
            c.validate().map_err(made)?;
            Box::new(TechnicalAgent::new(&c, n).map_err(made)?)
        }
        _ => return Ok(None),
    };
    Ok(Some(Box::new(Named { name: name.to_string(), inner })))
}

/// A strategy under another name (an entry's `name`, for the host's stats and weights).
struct Named {
    name: String,
    inner: Box<dyn Strategy>,
}

impl Strategy for Named {
    fn name(&self) -> &str {
        &self.name
    }
    fn on_quote(&mut self, q: &Quote, v: &MarketView) -> Option<Signal> {
        self.inner.on_quote(q, v)
    }
    fn on_trade(&mut self, t: &Trade, v: &MarketView) -> Option<Signal> {
        self.inner.on_trade(t, v)
    }
    fn on_book(&mut self, inst: InstrumentId, v: &MarketView) -> Option<Signal> {
        self.inner.on_book(inst, v)
    }
    fn on_depth(&mut self, d: &Depth, bids: &[PxQty], asks: &[PxQty], v: &MarketView) -> Option<Signal> {
        self.inner.on_depth(d, bids, asks, v)
    }
    fn on_exec(&mut self, r: &ExecReport) {
        self.inner.on_exec(r)
    }
    fn set_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        self.inner.set_param(key, value)
    }
    fn can_fault(&self) -> bool {
        self.inner.can_fault()
    }
    fn take_fault(&mut self) -> Option<Fault> {
        self.inner.take_fault()
    }
    fn health(&self) -> Option<StrategyHealth> {
        self.inner.health()
    }
}
