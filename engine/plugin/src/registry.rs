//! From `[[strategy.plugins]]` entries to strategies: a plugin file (`path`) or a strategy linked
//! in (`builtin`, the registry below), behind the same guard, so the two are interchangeable.

use crate::{load, NativeStrategy, PluginError, PluginStrategy};
use alphapulse_strategy::{Board, PluginEntry, Strategy, StrategyConfig, StrategyHost};
use alphapulse_types::InstrumentTable;
use std::sync::Arc;

/// The strategies linked in, by `builtin` name: the built-in agents (their `params` are their
/// `[strategy.<agent>]` keys; see `agents`), the example plugins as rlibs, and `board` (a slow
/// agent's publications, see `crate::board`).
pub const BUILTINS: &[&str] =
    &["ema_cross", "imbalance", "ml", "technical", "microprice", "momentum", "board"];

/// The strategy of one entry (`name`, `params`, `budget_ns` from it) for the instruments of `table`.
pub fn strategy_from(entry: &PluginEntry, table: &InstrumentTable) -> Result<Box<dyn Strategy>, PluginError> {
    strategy_from_with(entry, table, None)
}

/// [`strategy_from`], with the slow agents' board that `builtin = "board"` entries read.
pub fn strategy_from_with(
    entry: &PluginEntry,
    table: &InstrumentTable,
    board: Option<&Arc<Board>>,
) -> Result<Box<dyn Strategy>, PluginError> {
    let symbols: Vec<&str> = table.iter().map(|i| i.symbol.as_str()).collect();
    let params: Vec<(&str, &str)> = entry.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (name, budget) = (entry.name.as_str(), entry.budget_ns);
    if let Some(path) = &entry.path {
        let plugin = load(path)?;
        return Ok(Box::new(PluginStrategy::new(&plugin, name, &params, &symbols, budget)?));
    }
    let builtin = entry.builtin.as_deref().unwrap_or("");
    if builtin == crate::board::BOARD {
        return crate::board::board_agent(entry, board);
    }
    if let Some(agent) = crate::agents::agent(builtin, name, &entry.params, table.len())? {
        if budget > 0 {
            return Err(PluginError::Create {
                name: name.into(),
                message: format!(
                    "`budget_ns` times SDK strategies; the built-in agent `{builtin}` is not timed"
                ),
            });
        }
        return Ok(agent);
    }
    Ok(match builtin {
        "microprice" => {
            Box::new(NativeStrategy::<ap_microprice::MicroPrice>::new(name, &params, &symbols, budget)?)
        }
        "momentum" => {
            Box::new(NativeStrategy::<ap_momentum::Momentum>::new(name, &params, &symbols, budget)?)
        }
        other => {
            return Err(PluginError::UnknownBuiltin {
                name: name.into(),
                builtin: other.into(),
                known: BUILTINS.join(", "),
            })
        }
    })
}

/// Add every `[[strategy.plugins]]` entry of `cfg` to `host`, in order, each with its weight
/// (its own, else `aggregator.weights` by name); returns their indices in the host.
pub fn add_configured(
    host: &mut StrategyHost,
    cfg: &StrategyConfig,
    table: &InstrumentTable,
) -> Result<Vec<usize>, PluginError> {
    add_configured_with(host, cfg, table, None)
}

/// [`add_configured`], with the slow agents' board (see `crate::board::board_for`) that
/// `builtin = "board"` entries read.
pub fn add_configured_with(
    host: &mut StrategyHost,
    cfg: &StrategyConfig,
    table: &InstrumentTable,
    board: Option<&Arc<Board>>,
) -> Result<Vec<usize>, PluginError> {
    cfg.validate()?;
    let mut added = Vec::with_capacity(cfg.plugins.len());
    for entry in &cfg.plugins {
        let s = strategy_from_with(entry, table, board)?;
        added.push(host.add_strategy(s, cfg.plugin_weight(entry))?);
    }
    Ok(added)
}
