//! The simulator's errors: what `start` refuses, and why.

use std::path::PathBuf;

/// Why the simulator could not start (bad captures, bad config, sockets).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A capture file could not be opened or read (missing, unreadable, not gzip).
    #[error("capture {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS or the gzip reader said.
        source: std::io::Error,
    },
    /// A capture file holds a line that is not `<ns> <frame>` with a Binance frame.
    #[error("capture {path} line {line}: not a capture record: {why}")]
    NotCapture {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        why: String,
    },
    /// A symbol's captures have no REST snapshot line, so no book can be served.
    #[error("symbol {0}: no REST depth snapshot in its captures (the day's first file has one)")]
    NoSnapshot(String),
    /// The same symbol was given for both venues (their stream names would collide).
    #[error("symbol {0} is captured for both spot and USD-M; run one simulator per venue")]
    SymbolOnBothVenues(String),
    /// Nothing to serve.
    #[error("no capture files given")]
    NoCaptures,
    /// A configuration value is out of range.
    #[error("bad config: {0}")]
    Config(String),
    /// A listener could not be bound.
    #[error("bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The `--exchange-info` file could not be read or is not JSON.
    #[error("exchange info {path}: {why}")]
    ExchangeInfo {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        why: String,
    },
    /// A thread could not be spawned.
    #[error("spawn thread: {0}")]
    Spawn(std::io::Error),
}
