//! The server's errors (binding, polling) and the handler's [`CommandError`].

use crate::config::ConfigError;
use crate::protocol::ErrorKind;
use std::path::PathBuf;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("control socket directory {path}: {message}")]
    Dir { path: PathBuf, message: String },
    #[error("another engine listens on {path}")]
    Live { path: PathBuf },
    #[error("{path} exists and is not a socket; remove it or choose another `control.socket`")]
    NotSocket { path: PathBuf },
    #[error("control socket {path}: {op}: {error}")]
    Io { path: PathBuf, op: &'static str, error: std::io::Error },
    #[error("control socket poll: {0}")]
    Poll(std::io::Error),
    #[error("control server thread panicked")]
    Panicked,
}

/// A command the handler could not apply: the response's error kind and message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CommandError {
    /// The engine could not apply it (bad value, unknown strategy, …).
    pub fn failed(message: impl Into<String>) -> Self {
        CommandError { kind: ErrorKind::Failed, message: message.into() }
    }
    /// An actor did not acknowledge in time.
    pub fn timeout(message: impl Into<String>) -> Self {
        CommandError { kind: ErrorKind::Timeout, message: message.into() }
    }
    /// The engine cannot take this command now (starting, stopping).
    pub fn unavailable(message: impl Into<String>) -> Self {
        CommandError { kind: ErrorKind::Unavailable, message: message.into() }
    }
}
