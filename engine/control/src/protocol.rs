//! The wire protocol: one JSON object per line each way (`\n`-terminated, UTF-8), so `socat` is a
//! console: `socat - UNIX-CONNECT:$XDG_RUNTIME_DIR/alphapulse/control.sock`.
//!
//! # Requests
//!
//! ```text
//! {"id": 7, "cmd": "set-limit", "args": ["max_order_qty", "0.5"]}
//! {"id": "a", "cmd": "strategies", "args": ["enable", "ema"]}     ("strategies enable" also works)
//! {"cmd": "status"}                                                (no id: answered with "id": null)
//! ```
//!
//! `id` is a number or a string and is echoed in the response; `args` may be left out (none) and
//! its items may be strings, numbers or booleans (taken as their text). Other keys are refused.
//!
//! # Responses
//!
//! ```text
//! {"id": 7, "ok": true, "result": {…}}
//! {"id": 7, "ok": false, "error": {"kind": "refused", "message": "set-limit needs level admin; uid 1000 is operator"}}
//! ```
//!
//! Error kinds ([`ErrorKind`]): `refused` (level too low, or the uid is not allowed at all: one
//! error line, then the connection closes), `failed` (the engine could not apply it),
//! `bad_request` (not JSON, wrong shape, wrong arguments), `unknown_command` (names `help`),
//! `too_large` (a line over `max_request_bytes`; the rest of that line is discarded and the
//! connection stays usable), `timeout` (a request line not finished within `request_timeout_ms`,
//! then the connection closes; or, from the handler, no acknowledgement within `ack_timeout_ms`),
//! `unavailable` (too many clients, or the engine cannot take commands now).
//!
//! # Results, per command
//!
//! The server answers `help` itself; the engine's handler fills in the others in these shapes
//! (numbers as JSON numbers, prices, quantities and money as decimal strings; `alphapulse ctl`
//! renders the arrays as tables and other keys as `key: value`; an unknown shape is printed as
//! JSON):
//!
//! | command | result |
//! |---|---|
//! | `help` | `{"commands": [{"name", "level", "usage", "help"}]}` |
//! | `status` | `{"health": {"state": "Healthy", "reason": "…"}, "halted": bool, "uptime_s", "actors": [{"name", "thread", "handled", "queue_depth", "event_ts", "lag_ns"}], "feeds": [{"symbol", "state"}], "control": {"commands", "ok", "refused", "failed", "journaled", "journal_failures", "connections", "open", "requests", "errors", "dropped", "timeouts"}}` |
//! | `limits` | `{"limits": [{"name", "value", "unit", "help"}]}` |
//! | `positions` | `{"positions": [{"symbol", "qty", "avg_price", "realized", "unrealized", "mark"}], "portfolio": {"cash", "equity", "realized", "unrealized", "fees", "max_drawdown", "fills"}}` |
//! | `orders` | `{"orders": [{"id", "symbol", "side", "price", "qty", "filled", "state"}], "truncated": n}` |
//! | `pnl` | `{"cash", "equity", "realized", "unrealized", "fees", "max_drawdown", "fills", "by_symbol": [{"symbol", "realized", "unrealized"}]}` |
//! | `latency` | `{"clock": "event"\|"tsc", "stages": [{"name", "count", "p50_ns", "p99_ns", "p999_ns", "max_ns", "clock_backwards"}], "note"}` |
//! | `strategies list` | `{"strategies": [{"index", "name", "weight", "enabled", "faulted", "signals", "overruns"}]}` |
//! | `halt`, `resume`, `flatten`, `cancel-all`, `strategies enable\|disable\|set` | `{"applied": true, "acks": [{"actor", "at_ns"}]}` plus, where it applies, `"cancelled": n` (halt, cancel-all), `"orders": n` (flatten) |
//! | `set-limit` | `{"applied": true, "name", "old", "new", "acks": [{"actor", "at_ns"}]}` |
//!
//! The engine's side (what each command does to the running chain) is `alphapulse_tools::operate`.
//!
//! A command that changes state is answered once every actor it concerns acknowledged it (`acks`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What went wrong, on the wire as a snake_case string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Refused,
    Failed,
    BadRequest,
    UnknownCommand,
    TooLarge,
    Timeout,
    Unavailable,
}

/// An error response's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub kind: ErrorKind,
    pub message: String,
}

/// One response line, as the client reads it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The request's id (null when it had none or could not be read).
    #[serde(default)]
    pub id: Value,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl Response {
    /// A success.
    pub fn ok(id: Value, result: Value) -> Response {
        Response { id, ok: true, result: Some(result), error: None }
    }
    /// A failure.
    pub fn error(id: Value, kind: ErrorKind, message: impl Into<String>) -> Response {
        Response { id, ok: false, result: None, error: Some(ErrorBody { kind, message: message.into() }) }
    }
    /// The JSON line, `\n` included.
    pub fn to_line(&self) -> String {
        // A Response holds only strings, bools and JSON values: serialising cannot fail.
        let mut s = serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"ok\":false}"));
        s.push('\n');
        s
    }
}

/// A request read off the wire, before its command is parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRequest {
    pub id: Value,
    pub cmd: String,
    pub args: Vec<String>,
}

/// A request line that is not a request: the id when it could be read, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct BadRequest {
    pub id: Value,
    pub message: String,
}

impl RawRequest {
    /// Read one request line (without its `\n`).
    pub fn parse(line: &[u8]) -> Result<RawRequest, BadRequest> {
        let bad = |id: Value, message: String| BadRequest { id, message };
        let text = std::str::from_utf8(line).map_err(|e| bad(Value::Null, format!("not UTF-8: {e}")))?;
        let value: Value =
            serde_json::from_str(text).map_err(|e| bad(Value::Null, format!("not JSON: {e}")))?;
        let Value::Object(mut map) = value else {
            return Err(bad(
                Value::Null,
                "a request is a JSON object: {\"id\": 1, \"cmd\": \"status\"}".into(),
            ));
        };
        let id = map.remove("id").unwrap_or(Value::Null);
        if !matches!(id, Value::Null | Value::Number(_) | Value::String(_)) {
            return Err(bad(Value::Null, "`id` must be a number or a string".into()));
        }
        let cmd = match map.remove("cmd") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(bad(id, "`cmd` must be a string".into())),
            None => return Err(bad(id, "missing `cmd`; `help` lists every command".into())),
        };
        let args = match map.remove("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => match items.into_iter().map(arg_text).collect::<Option<Vec<_>>>() {
                Some(a) => a,
                None => return Err(bad(id, "`args` items must be strings, numbers or booleans".into())),
            },
            Some(_) => return Err(bad(id, "`args` must be an array".into())),
        };
        if let Some(key) = first_key(&map) {
            return Err(bad(id, format!("unknown key `{key}` (a request has `id`, `cmd`, `args`)")));
        }
        Ok(RawRequest { id, cmd, args })
    }

    /// The request as one JSON line, `\n` included (what the client sends).
    pub fn to_line(&self) -> String {
        let v = serde_json::json!({"id": self.id, "cmd": self.cmd, "args": self.args});
        let mut s = v.to_string();
        s.push('\n');
        s
    }
}

fn arg_text(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn first_key(map: &Map<String, Value>) -> Option<&str> {
    map.keys().next().map(String::as_str)
}
