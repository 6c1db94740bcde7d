//! Errors of the feed crate (start-up only: the hot path counts problems in [`crate::FeedStats`]).

use std::path::PathBuf;
use thiserror::Error;

/// Why a feed could not be opened or configured.
#[derive(Debug, Error)]
pub enum FeedError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: cannot tell the capture format ({why})")]
    UnknownFormat { path: PathBuf, why: &'static str },
    #[error("{path}: exchangeInfo: {problem}")]
    ExchangeInfo { path: PathBuf, problem: String },
    #[error("instrument table: {0}")]
    Instrument(#[from] alphapulse_types::InstrumentError),
    #[error("no input files")]
    NoInput,
    #[error("config key `{key}`: {problem}")]
    Config { key: &'static str, problem: String },
}
