//! The command list, written once: [`COMMANDS`] (name, level, usage, one-line help) feeds the
//! server's `help`, the client's `--help` and the docs; [`Command::parse`] turns a request's `cmd`
//! and `args` into a [`Command`] with its arguments checked (counts and names; values stay strings
//! for the handler to validate, e.g. a limit's value).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a peer may do. `ReadOnly < Operator < Admin`: a level allows every command of its own
/// level and below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Reads only: status, limits, positions, orders, pnl, latency, strategies list, help.
    ReadOnly,
    /// Also steers trading: halt, resume, flatten, cancel-all, strategies enable/disable.
    Operator,
    /// Also changes configuration: set-limit, strategies load/set.
    Admin,
}

impl Level {
    /// The name used in config and on the wire: `read-only`, `operator`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::ReadOnly => "read-only",
            Level::Operator => "operator",
            Level::Admin => "admin",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the command table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CommandSpec {
    /// The command's words, e.g. `status` or `strategies enable`.
    pub name: &'static str,
    /// The lowest level allowed to run it.
    pub level: Level,
    /// Its arguments, e.g. `NAME VALUE`, `[SYMBOL]` (empty: none).
    pub usage: &'static str,
    /// One line of help.
    pub help: &'static str,
}

const fn spec(name: &'static str, level: Level, usage: &'static str, help: &'static str) -> CommandSpec {
    CommandSpec { name, level, usage, help }
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    spec("help", Level::ReadOnly, "", "list every command with its level"),
    spec("status", Level::ReadOnly, "", "engine health, actors, feeds and control counters"),
    spec("limits", Level::ReadOnly, "", "risk limits and their current values"),
    spec("positions", Level::ReadOnly, "", "positions per symbol and equity"),
    spec("orders", Level::ReadOnly, "", "open orders"),
    spec("pnl", Level::ReadOnly, "", "realized and unrealized PnL, fees, drawdown"),
    spec("latency", Level::ReadOnly, "", "latency percentiles per stage"),
    spec("strategies list", Level::ReadOnly, "", "strategies, enabled or not, and their parameters"),
    spec("halt", Level::Operator, "", "stop sending new orders (kill switch on)"),
    spec("resume", Level::Operator, "", "allow new orders again (kill switch off)"),
    spec("flatten", Level::Operator, "", "cancel open orders and close every position"),
    spec("cancel-all", Level::Operator, "[SYMBOL]", "cancel open orders, of one symbol or all"),
    spec("strategies enable", Level::Operator, "NAME", "let a strategy send intents again"),
    spec("strategies disable", Level::Operator, "NAME", "stop a strategy's intents"),
    spec("set-limit", Level::Admin, "NAME VALUE", "change a risk limit (see `limits`)"),
    spec("strategies load", Level::Admin, "PATH", "load a strategy plugin or config from PATH"),
    spec("strategies set", Level::Admin, "NAME KEY VALUE", "change a strategy parameter"),
];

/// A parsed, checked command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Status,
    Limits,
    Positions,
    Orders,
    Pnl,
    Latency,
    StrategiesList,
    Halt,
    Resume,
    Flatten,
    /// `cancel-all [SYMBOL]`: one symbol (upper-cased) or every one.
    CancelAll {
        symbol: Option<String>,
    },
    StrategiesEnable {
        name: String,
    },
    StrategiesDisable {
        name: String,
    },
    /// `set-limit NAME VALUE`: the value stays a string for the handler to validate.
    SetLimit {
        name: String,
        value: String,
    },
    StrategiesLoad {
        path: String,
    },
    StrategiesSet {
        name: String,
        key: String,
        value: String,
    },
}

/// Why a request's command was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No such command (the message names `help`).
    #[error("unknown command `{0}`; `help` lists every command")]
    Unknown(String),
    /// A known command with wrong arguments.
    #[error("{command}: {message} (usage: {})", usage_line(.command, .usage))]
    BadArgs { command: &'static str, usage: &'static str, message: String },
}

/// Longest name (strategy, limit, key) accepted.
const MAX_NAME: usize = 64;
/// Longest value or path accepted.
const MAX_VALUE: usize = 1024;

impl Command {
    /// Parse `cmd` and its arguments. `strategies` takes its subcommand as the first argument
    /// (`{"cmd": "strategies", "args": ["enable", "ema"]}`); `cmd` may also be the two words.
    pub fn parse(cmd: &str, args: &[String]) -> Result<Command, ParseError> {
        let (name, args) = match cmd.split_once(' ') {
            Some(("strategies", rest)) => (format!("strategies {}", rest.trim()), args),
            _ if cmd == "strategies" => match args.split_first() {
                Some((sub, rest)) => (format!("strategies {sub}"), rest),
                None => ("strategies".to_string(), args),
            },
            _ => (cmd.to_string(), args),
        };
        let Some(spec) = COMMANDS.iter().find(|s| s.name == name) else {
            if name == "strategies" {
                let e = "needs a subcommand: list, enable, disable, load or set".to_string();
                return Err(ParseError::BadArgs {
                    command: "strategies", usage: "SUBCOMMAND …", message: e
                });
            }
            return Err(ParseError::Unknown(name));
        };
        let bad = |message: String| ParseError::BadArgs { command: spec.name, usage: spec.usage, message };
        let want = spec.usage.split_whitespace().filter(|w| !w.starts_with('[')).count();
        let optional = spec.usage.split_whitespace().filter(|w| w.starts_with('[')).count();
        if args.len() < want || args.len() > want + optional {
            let n = if optional > 0 { format!("{want} to {}", want + optional) } else { want.to_string() };
            return Err(bad(format!("takes {n} argument(s), got {}", args.len())));
        }
        let arg =
            |i: usize, what: &str| -> Result<String, ParseError> { check_name(&args[i], what).map_err(bad) };
        let value =
            |i: usize, what: &str| -> Result<String, ParseError> { check_value(&args[i], what).map_err(bad) };
        Ok(match spec.name {
            "help" => Command::Help,
            "status" => Command::Status,
            "limits" => Command::Limits,
            "positions" => Command::Positions,
            "orders" => Command::Orders,
            "pnl" => Command::Pnl,
            "latency" => Command::Latency,
            "strategies list" => Command::StrategiesList,
            "halt" => Command::Halt,
            "resume" => Command::Resume,
            "flatten" => Command::Flatten,
            "cancel-all" => Command::CancelAll {
                symbol: match args.first() {
                    Some(s) => Some(check_symbol(s).map_err(bad)?),
                    None => None,
                },
            },
            "strategies enable" => Command::StrategiesEnable { name: arg(0, "NAME")? },
            "strategies disable" => Command::StrategiesDisable { name: arg(0, "NAME")? },
            "set-limit" => Command::SetLimit { name: arg(0, "NAME")?, value: value(1, "VALUE")? },
            "strategies load" => Command::StrategiesLoad { path: value(0, "PATH")? },
            "strategies set" => Command::StrategiesSet {
                name: arg(0, "NAME")?,
                key: arg(1, "KEY")?,
                value: value(2, "VALUE")?,
            },
            other => return Err(ParseError::Unknown(other.to_string())),
        })
    }

    /// This command's row of [`COMMANDS`].
    pub fn spec(&self) -> &'static CommandSpec {
        let name = match self {
            Command::Help => "help",
            Command::Status => "status",
            Command::Limits => "limits",
            Command::Positions => "positions",
            Command::Orders => "orders",
            Command::Pnl => "pnl",
            Command::Latency => "latency",
            Command::StrategiesList => "strategies list",
            Command::Halt => "halt",
            Command::Resume => "resume",
            Command::Flatten => "flatten",
            Command::CancelAll { .. } => "cancel-all",
            Command::StrategiesEnable { .. } => "strategies enable",
            Command::StrategiesDisable { .. } => "strategies disable",
            Command::SetLimit { .. } => "set-limit",
            Command::StrategiesLoad { .. } => "strategies load",
            Command::StrategiesSet { .. } => "strategies set",
        };
        // Every variant's name is in the table (tests/commands.rs parses each row back).
        COMMANDS.iter().find(|s| s.name == name).unwrap_or(&COMMANDS[0])
    }

    /// The lowest level allowed to run it.
    pub fn level(&self) -> Level {
        self.spec().level
    }
}

fn usage_line(command: &str, usage: &str) -> String {
    if usage.is_empty() {
        command.to_string()
    } else {
        format!("{command} {usage}")
    }
}

/// A strategy, limit or parameter name: letters, digits, `_`, `-`, `.`; at most 64 bytes.
fn check_name(s: &str, what: &str) -> Result<String, String> {
    let ok = s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if s.is_empty() || s.len() > MAX_NAME || !ok {
        return Err(format!("{what} `{s}` must be 1 to {MAX_NAME} letters, digits, `_`, `-` or `.`"));
    }
    Ok(s.to_string())
}

/// A symbol: letters and digits, at most 32; upper-cased.
fn check_symbol(s: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("SYMBOL `{s}` must be 1 to 32 letters or digits"));
    }
    Ok(s.to_ascii_uppercase())
}

/// A value or path: non-empty, at most 1024 bytes, no control characters.
fn check_value(s: &str, what: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > MAX_VALUE || s.chars().any(char::is_control) {
        return Err(format!("{what} must be 1 to {MAX_VALUE} bytes without control characters"));
    }
    Ok(s.to_string())
}

/// The command table as aligned text (the client's `--help`, the docs).
pub fn table_text() -> String {
    let w = COMMANDS.iter().map(|s| s.name.len() + 1 + s.usage.len()).max().unwrap_or(0);
    let mut out = String::new();
    for s in COMMANDS {
        let words = if s.usage.is_empty() { s.name.to_string() } else { format!("{} {}", s.name, s.usage) };
        out.push_str(&format!("  {words:<w$}  {:<9}  {}\n", s.level.as_str(), s.help));
    }
    out
}
