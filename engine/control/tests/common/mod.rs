//! Shared by the control tests: a mock handler that records what reaches it, temp folders, a
//! server on its own thread.
#![allow(dead_code)]

use alphapulse_control::{
    Audit, Command, CommandError, ControlConfig, ControlServer, ErrorKind, Handler, Peer, ServerHandle,
};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the mock saw: handled commands (uid, command) and audit lines (uid, raw, error kind).
#[derive(Default)]
pub struct Seen {
    pub handled: Vec<(u32, Command)>,
    pub audits: Vec<(u32, String, Option<ErrorKind>)>,
}

/// Answers `{"cmd": "<Debug of the command>", "conn": n}`; `set-limit X bad` fails,
/// `strategies load /panic` panics.
pub struct Mock {
    pub seen: Arc<Mutex<Seen>>,
}

impl Handler for Mock {
    fn handle(&mut self, peer: &Peer, command: &Command) -> Result<Value, CommandError> {
        self.seen.lock().unwrap().handled.push((peer.uid, command.clone()));
        if *command == (Command::StrategiesLoad { path: "/panic".into() }) {
            panic!("mock handler told to panic");
        }
        if let Command::SetLimit { value, .. } = command {
            if value == "bad" {
                return Err(CommandError::failed(format!("limit value `{value}` is not a number")));
            }
        }
        Ok(json!({"cmd": format!("{command:?}"), "conn": peer.conn}))
    }
    fn audit(&mut self, a: &Audit<'_>) {
        let kind = a.response.error.as_ref().map(|e| e.kind);
        self.seen.lock().unwrap().audits.push((a.peer.uid, a.raw.to_string(), kind));
    }
}

static N: AtomicUsize = AtomicUsize::new(0);

/// A new folder under /tmp (mode 0755 so other uids can traverse it); removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = PathBuf::from(format!("/tmp/apctl-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        TempDir(p)
    }
    /// `<dir>/sock/control.sock`: the socket's own folder is made by the server.
    pub fn socket(&self) -> PathBuf {
        self.0.join("sock").join("control.sock")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A config whose socket lives in `dir`.
pub fn config(dir: &TempDir) -> ControlConfig {
    ControlConfig { socket: Some(dir.socket()), ..ControlConfig::default() }
}

/// Bind and spawn with a fresh mock.
pub fn start(
    config: &ControlConfig,
) -> (ServerHandle<Mock>, Arc<Mutex<Seen>>, Arc<alphapulse_control::Counters>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let server = ControlServer::bind(config).unwrap();
    let counters = server.counters();
    let handle = server.spawn(Mock { seen: Arc::clone(&seen) }).unwrap();
    (handle, seen, counters)
}

/// The error kind of a response (None: ok).
pub fn kind(r: &alphapulse_control::Response) -> Option<ErrorKind> {
    r.error.as_ref().map(|e| e.kind)
}
