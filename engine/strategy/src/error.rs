//! Errors of the strategy layer (configuration and construction only: the hot path counts, it
//! never fails).

use thiserror::Error;

/// Why a strategy configuration or host could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StrategyError {
    /// A configuration value is out of range; `key` is its dotted path in the config table.
    #[error("invalid config `{key}`: {problem}")]
    Config { key: &'static str, problem: String },
    /// The host needs at least one instrument.
    #[error("the instrument table is empty")]
    NoInstruments,
    /// `book_levels` must be at least 1.
    #[error("book_levels must be at least 1")]
    NoBookLevels,
    /// More strategies than the host supports.
    #[error("too many strategies (at most {max})")]
    TooManyStrategies { max: usize },
    /// A strategy weight above [`crate::MAX_WEIGHT`].
    #[error("strategy `{name}`: weight {weight} is above the maximum {max}")]
    Weight { name: String, weight: u32, max: u32 },
}

impl StrategyError {
    pub(crate) fn config(key: &'static str, problem: impl Into<String>) -> Self {
        StrategyError::Config { key, problem: problem.into() }
    }
}
