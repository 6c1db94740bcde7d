//! What the engine implements and reads: the [`Handler`] (apply a command, journal it), the
//! [`Peer`] asking, the [`Audit`] record, and the server's shared [`Counters`].

use crate::command::{Command, Level};
use crate::error::CommandError;
use crate::protocol::Response;
use serde::Serialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Who is asking: read with SO_PEERCRED when the connection was accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Peer {
    /// A number per connection, from 1.
    pub conn: u64,
    pub uid: u32,
    pub gid: u32,
    pub pid: i32,
    /// From `control.users` (None: refused).
    pub level: Option<Level>,
}

/// One request and its answer, for the journal: every request, refused and malformed ones too,
/// and every refused connection (`raw` empty, no command).
#[derive(Debug)]
pub struct Audit<'a> {
    pub peer: &'a Peer,
    /// The request line as received (lossy UTF-8).
    pub raw: &'a str,
    /// The command, when the line parsed.
    pub command: Option<&'a Command>,
    pub response: &'a Response,
}

/// The engine side: applies commands and journals them. `help` never reaches `handle`.
pub trait Handler {
    /// Apply `command` (its level already checked) and return its result (shapes in
    /// [`crate::protocol`]); called on the server's thread.
    fn handle(&mut self, peer: &Peer, command: &Command) -> Result<Value, CommandError>;
    /// Journal a request, its peer and its outcome.
    fn audit(&mut self, _audit: &Audit<'_>) {}
}

/// The server's counters, readable from any thread (e.g. by the handler for `status`).
#[derive(Debug, Default)]
pub struct Counters {
    pub connections: AtomicU64,
    pub open: AtomicU64,
    pub requests: AtomicU64,
    pub refused: AtomicU64,
    pub errors: AtomicU64,
    pub dropped: AtomicU64,
    pub timeouts: AtomicU64,
}

/// A copy of [`Counters`], as `status` shows it under `control`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CountersSnapshot {
    /// Connections accepted.
    pub connections: u64,
    /// Connections open now.
    pub open: u64,
    /// Request lines answered (malformed ones included).
    pub requests: u64,
    /// Refused: a connection from a uid not allowed, or a command above the peer's level.
    pub refused: u64,
    /// Other error responses.
    pub errors: u64,
    /// Connections dropped: output not read within the idle timeout, or a broken socket.
    pub dropped: u64,
    /// Connections closed for idleness or an unfinished request.
    pub timeouts: u64,
}

impl Counters {
    pub fn snapshot(&self) -> CountersSnapshot {
        CountersSnapshot {
            connections: self.connections.load(Relaxed),
            open: self.open.load(Relaxed),
            requests: self.requests.load(Relaxed),
            refused: self.refused.load(Relaxed),
            errors: self.errors.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            timeouts: self.timeouts.load(Relaxed),
        }
    }
}
