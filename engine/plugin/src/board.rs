//! `builtin = "board"` entries: a slow agent's [`BoardAgent`] on the agents thread.
//!
//! ```toml
//! [[strategy.plugins]]
//! name = "fundamental"      # the aggregator's weight and TTL keys (signal_ttl_ns_by)
//! builtin = "board"         # passes on what the slow agent publishes on the board
//! params = { agent = "fundamental" }   # the slow agent (board row); default: the entry's name
//! ```
//!
//! The board has one row per such entry ([`board_for`]); whoever runs the slow agents (a
//! [`alphapulse_strategy::SlowRunner`], live or stepped by a backtest) publishes on the same
//! `Arc<Board>`, by the slow agent's name. The concrete slow agents live outside this crate.

use crate::PluginError;
use alphapulse_strategy::{Board, BoardAgent, PluginEntry, Strategy, StrategyConfig};
use std::sync::Arc;

/// The builtin name of these entries.
pub const BOARD: &str = BoardAgent::NAME;

/// The slow agent (board row) an entry reads: `params.agent`, else its name. Errors name any
/// other parameter.
fn row_name(entry: &PluginEntry) -> Result<&str, PluginError> {
    if let Some(k) = entry.params.keys().find(|k| k.as_str() != "agent") {
        return Err(PluginError::Create {
            name: entry.name.clone(),
            message: format!(
                "builtin `board` takes only the parameter `agent` (the slow agent's name), not `{k}`"
            ),
        });
    }
    let row = entry.params.get("agent").map_or(entry.name.as_str(), String::as_str);
    if row.is_empty() {
        return Err(PluginError::Create {
            name: entry.name.clone(),
            message: "parameter `agent` is empty".into(),
        });
    }
    Ok(row)
}

/// The board for the `builtin = "board"` entries of `cfg` (one row per slow agent they name, in
/// order), `None` when there are none. Construction time.
pub fn board_for(cfg: &StrategyConfig, instruments: usize) -> Result<Option<Arc<Board>>, PluginError> {
    let mut rows: Vec<&str> = Vec::new();
    for e in cfg.plugins.iter().filter(|e| e.builtin.as_deref() == Some(BOARD)) {
        let row = row_name(e)?;
        if rows.contains(&row) {
            return Err(PluginError::Create {
                name: e.name.clone(),
                message: format!("slow agent `{row}` is read by two `board` entries"),
            });
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let board = Board::new(&rows, instruments)
        .map_err(|e| PluginError::Create { name: "board".into(), message: e.to_string() })?;
    Ok(Some(Arc::new(board)))
}

/// The [`BoardAgent`] of a `builtin = "board"` entry, reading `board`.
pub(crate) fn board_agent(
    entry: &PluginEntry,
    board: Option<&Arc<Board>>,
) -> Result<Box<dyn Strategy>, PluginError> {
    let bad = |message: String| PluginError::Create { name: entry.name.clone(), message };
    let row = row_name(entry)?;
    let board = board.ok_or_else(|| {
        bad("builtin `board` needs the slow-agent board: make it with `board_for` and add the entries with `add_configured_with`".into())
    })?;
    let k = board.agent_index(row).ok_or_else(|| {
        bad(format!("slow agent `{row}` has no row on the board (rows: {})", board.agents().join(", ")))
    })?;
    if entry.budget_ns > 0 {
        return Err(bad("`budget_ns` times SDK strategies; the built-in agent `board` is not timed".into()));
    }
    let agent =
        BoardAgent::new(&entry.name, board.clone(), k).ok_or_else(|| bad(format!("no board row {k}")))?;
    Ok(Box::new(agent))
}
