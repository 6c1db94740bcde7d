//! The `[control]` table of the engine's config: where the socket lives, who may do what, limits.
//! Every error names its key (`control.…`).

use crate::command::Level;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

/// `[control]`. Example:
///
/// ```toml
/// [control]
/// socket = "/run/alphapulse/control.sock"   # default: see ControlConfig::socket_path
/// users = { "1000" = "operator", "1001" = "read-only", "0" = "none" }
/// group = 1002                              # members of gid 1002 may connect (socket 0660)
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControlConfig {
    /// The socket's path (absolute). Default: `$XDG_RUNTIME_DIR/alphapulse/control.sock` when
    /// `XDG_RUNTIME_DIR` is set, else `/tmp/alphapulse-<uid>/control.sock`.
    pub socket: Option<PathBuf>,
    /// uid (as a string key) → `admin`, `operator`, `read-only` or `none`. The engine's own uid
    /// is `admin` unless listed; every uid not listed is refused.
    pub users: BTreeMap<String, String>,
    /// A gid whose members may connect: the socket is then mode 0660 with that group and its
    /// directory 0710 (default: none, socket 0600, directory 0700).
    pub group: Option<u32>,
    /// Connections served at once; one more gets an `unavailable` error and is closed.
    pub max_clients: usize,
    /// Longest request line in bytes, `\n` excluded (longer: `too_large`).
    pub max_request_bytes: usize,
    /// Largest response in bytes; a bigger one is replaced by a `failed` error.
    pub max_response_bytes: usize,
    /// A connection with nothing to do for this long is closed; one whose answer the client has
    /// not read by then is dropped (counted).
    pub idle_timeout_ms: u64,
    /// A request line must be finished within this long of its first byte (else `timeout`).
    pub request_timeout_ms: u64,
    /// How long the engine's handler waits for actors to acknowledge a command.
    pub ack_timeout_ms: u64,
}

impl Default for ControlConfig {
    fn default() -> Self {
        ControlConfig {
            socket: None,
            users: BTreeMap::new(),
            group: None,
            max_clients: 128,
            max_request_bytes: 4096,
            max_response_bytes: 1 << 20,
            idle_timeout_ms: 600_000,
            request_timeout_ms: 10_000,
            ack_timeout_ms: 2_000,
        }
    }
}

/// A `[control]` key with a bad value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("config key `{key}`: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError { key: key.into(), message: message.into() }
}

/// The longest path a Unix socket address holds (`sun_path`, NUL excluded).
const MAX_SOCKET_PATH: usize = 107;

impl ControlConfig {
    /// The socket path: the configured one, else the default described at [`ControlConfig::socket`].
    pub fn socket_path(&self) -> PathBuf {
        match &self.socket {
            Some(p) => p.clone(),
            None => default_socket_path(),
        }
    }

    /// Check every key; the uid → level map with our own uid's default applied (`None`: refused).
    pub fn validate(&self) -> Result<HashMap<u32, Option<Level>>, ConfigError> {
        let path = self.socket_path();
        if !path.is_absolute() {
            return Err(invalid("control.socket", format!("`{}` must be an absolute path", path.display())));
        }
        if path.as_os_str().len() > MAX_SOCKET_PATH {
            let n = path.as_os_str().len();
            return Err(invalid(
                "control.socket",
                format!("`{}` is {n} bytes; at most {MAX_SOCKET_PATH}", path.display()),
            ));
        }
        if path.file_name().is_none() || path.parent().is_none() {
            return Err(invalid("control.socket", format!("`{}` names no file", path.display())));
        }
        let mut users = HashMap::new();
        for (uid, level) in &self.users {
            let key = format!("control.users.\"{uid}\"");
            let uid: u32 = uid.parse().map_err(|_| invalid(&key, "the key must be a numeric uid"))?;
            let level = match level.as_str() {
                "admin" => Some(Level::Admin),
                "operator" => Some(Level::Operator),
                "read-only" => Some(Level::ReadOnly),
                "none" => None,
                other => {
                    return Err(invalid(&key, format!("`{other}` is not admin, operator, read-only or none")))
                }
            };
            users.insert(uid, level);
        }
        users.entry(own_uid()).or_insert(Some(Level::Admin));
        for (key, v, min) in [
            ("control.max_clients", self.max_clients as u64, 1),
            ("control.max_request_bytes", self.max_request_bytes as u64, 64),
            ("control.max_response_bytes", self.max_response_bytes as u64, 1024),
            ("control.idle_timeout_ms", self.idle_timeout_ms, 10),
            ("control.request_timeout_ms", self.request_timeout_ms, 10),
            ("control.ack_timeout_ms", self.ack_timeout_ms, 1),
        ] {
            if v < min {
                return Err(invalid(key, format!("{v} is below the minimum, {min}")));
            }
        }
        if self.max_request_bytes > 1 << 20 {
            return Err(invalid("control.max_request_bytes", "at most 1048576"));
        }
        if self.max_clients > 4096 {
            return Err(invalid("control.max_clients", "at most 4096"));
        }
        Ok(users)
    }

    /// `ack_timeout_ms` as a duration (for the handler).
    pub fn ack_timeout(&self) -> Duration {
        Duration::from_millis(self.ack_timeout_ms)
    }
}

/// Our real uid.
pub fn own_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// `$XDG_RUNTIME_DIR/alphapulse/control.sock`, else `/tmp/alphapulse-<uid>/control.sock`.
pub fn default_socket_path() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d).join("alphapulse").join("control.sock"),
        _ => PathBuf::from(format!("/tmp/alphapulse-{}", own_uid())).join("control.sock"),
    }
}
