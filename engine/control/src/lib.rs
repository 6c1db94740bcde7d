//! The engine's control socket, served off the hot path: a Unix domain socket that desk operators
//! reach with `alphapulse ctl` (or `socat`), newline-delimited JSON each way, every peer's uid read
//! with SO_PEERCRED and mapped to a [`Level`].
//!
//! Where things live:
//! - [`command`]: the one command table ([`COMMANDS`]: name, level, usage, help) and the parsed
//!   [`Command`] with its arguments checked;
//! - [`protocol`]: request and response lines, error kinds, and the result shape of every command
//!   (what the engine's handler fills in);
//! - [`config`]: the `[control]` table ([`ControlConfig`]);
//! - `socket`: creating the socket file safely (directory checks, stale/live socket, modes);
//! - [`server`]: the single-threaded mio loop ([`ControlServer`]); `conn`: one connection's
//!   bounded buffers and line framing;
//! - [`handler`]: the [`Handler`] the engine implements (apply a command, journal it), the
//!   [`Peer`] asking, the [`Audit`] record, the shared [`Counters`];
//! - [`client`]: a blocking [`Client`].
//!
//! ```no_run
//! use alphapulse_control::{Command, CommandError, ControlConfig, ControlServer, Handler, Peer};
//! struct Engine;
//! impl Handler for Engine {
//!     fn handle(&mut self, _peer: &Peer, cmd: &Command) -> Result<serde_json::Value, CommandError> {
//!         match cmd {
//!             Command::Status => Ok(serde_json::json!({"health": {"state": "Healthy", "reason": ""}})),
//!             _ => Err(CommandError::failed("not yet")),
//!         }
//!     }
//! }
//! let server = ControlServer::bind(&ControlConfig::default())?;
//! let running = server.spawn(Engine)?;
//! // … the engine runs …
//! running.stop()?;
//! # Ok::<(), alphapulse_control::ControlError>(())
//! ```
#![forbid(unsafe_code)]

pub mod client;
pub mod command;
pub mod config;
mod conn;
mod error;
pub mod handler;
pub mod protocol;
pub mod server;
mod socket;

pub use client::{Client, ClientError};
pub use command::{Command, CommandSpec, Level, ParseError, COMMANDS};
pub use config::{ConfigError, ControlConfig};
pub use error::{CommandError, ControlError};
pub use handler::{Audit, Counters, CountersSnapshot, Handler, Peer};
pub use protocol::{ErrorBody, ErrorKind, RawRequest, Response};
pub use server::{ControlServer, ServerHandle};
