//! A control socket served by a mock engine, to try `alphapulse ctl` or `socat` by hand:
//!
//! ```text
//! cargo run -p alphapulse-control --example mock_engine -- /tmp/ap-mock/control.sock &
//! alphapulse ctl --socket /tmp/ap-mock/control.sock positions
//! socat - UNIX-CONNECT:/tmp/ap-mock/control.sock      # then type {"id":1,"cmd":"help"}
//! ```
//!
//! Serves until killed (SIGINT/SIGTERM end the process; the next bind replaces the stale socket).

use alphapulse_control::{Command, CommandError, ControlConfig, ControlServer, Handler, Peer};
use serde_json::{json, Value};
use std::sync::atomic::AtomicBool;

struct Mock;

impl Handler for Mock {
    fn handle(&mut self, peer: &Peer, command: &Command) -> Result<Value, CommandError> {
        Ok(match command {
            Command::Positions => json!({"positions": [
                {"symbol": "BTCUSDT", "qty": "0.5", "avg_price": "61000.25", "realized": "12.5", "unrealized": "-3.1"}
            ], "cash": "9000", "equity": "10016.4"}),
            Command::Status => json!({"health": {"state": "Healthy", "reason": ""}, "halted": false,
                "actors": [{"name": "risk", "thread": 0, "handled": 42, "queue_depth": 0, "lag_ns": 150}],
                "feeds": [{"symbol": "BTCUSDT", "state": "Synced"}]}),
            other => json!({"applied": true, "acks": [{"actor": "risk", "at_ns": 1}],
                "detail": format!("{other:?} from uid {}", peer.uid)}),
        })
    }
    fn audit(&mut self, a: &alphapulse_control::Audit<'_>) {
        eprintln!("audit: uid {} {:?} -> {}", a.peer.uid, a.raw, a.response.to_line().trim_end());
    }
}

fn main() -> Result<(), alphapulse_control::ControlError> {
    let socket = std::env::args_os().nth(1).map(Into::into);
    let config = ControlConfig { socket, ..ControlConfig::default() };
    let mut server = ControlServer::bind(&config)?;
    eprintln!("serving on {}", server.path().display());
    server.run(&mut Mock, &AtomicBool::new(false))
}
