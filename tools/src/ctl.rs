//! `alphapulse ctl [--socket PATH] [--config FILE] [--json] [--timeout MS] <command> [args…]`:
//! one request to a running engine's control socket (`alphapulse_control`), its answer as tables
//! for people (`render`) or the raw response line with `--json`, and an exit code that tells
//! refused, failed and unreachable apart.

mod render;

use alphapulse_control::{Client, Command, ControlConfig, ErrorKind, Response};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Exit code: the command was applied / answered.
pub const EXIT_OK: u8 = 0;
/// Exit code: bad usage (arguments, config file, a request the server could not read).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: refused (our uid may not connect, or its level is too low for the command).
pub const EXIT_REFUSED: u8 = 3;
/// Exit code: the engine could not apply the command (failed, no acknowledgement in time, busy).
pub const EXIT_FAILED: u8 = 4;
/// Exit code: no engine reached (no socket, connection refused, no answer in time).
pub const EXIT_UNREACHABLE: u8 = 5;

fn after_help() -> String {
    format!(
        "Commands (level needed: read-only < operator < admin):\n{}\n\
         Exit codes: 0 ok, 2 bad usage (or a request the engine could not read), 3 refused (uid not \
         allowed, or level too low), 4 the command failed (not applied, not acknowledged in time, \
         engine busy), 5 unreachable (no socket, connection refused, no answer within --timeout).\n\n\
         Socket: --socket, else [control].socket of --config, else \
         $XDG_RUNTIME_DIR/alphapulse/control.sock, else /tmp/alphapulse-<uid>/control.sock.\n\
         Example: alphapulse ctl set-limit max_order_qty 0.5; alphapulse ctl --json positions",
        alphapulse_control::command::table_text()
    )
}

#[derive(clap::Args, Debug)]
#[command(after_help = after_help())]
pub struct Args {
    /// The engine's control socket.
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Read the socket path from this config file's [control] table.
    #[arg(long, value_name = "FILE", conflicts_with = "socket")]
    pub config: Option<PathBuf>,
    /// Print the raw JSON response line instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Give up waiting for the answer after this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout: u64,
    /// The command and its arguments, e.g. `status`, `cancel-all BTCUSDT`, `strategies enable ema`.
    /// Options may come anywhere; a value starting with `-` other than a number goes after `--`.
    #[arg(required = true, num_args = 1.., allow_negative_numbers = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Run one command; the exit code says how it went (see [`EXIT_OK`] and the others).
pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let code = run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    Ok(ExitCode::from(code))
}

/// The whole command with its output streams given, for tests.
pub fn run(args: &Args, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> u8 {
    let (cmd, rest) = match args.command.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => return usage(err, "no command given; `alphapulse ctl --help` lists them"),
    };
    // Checked here first: a typo never reaches the engine.
    let command = match Command::parse(cmd, rest) {
        Ok(c) => c,
        Err(e) => return usage(err, &e.to_string()),
    };
    let socket = match socket_path(args) {
        Ok(p) => p,
        Err(e) => return usage(err, &e),
    };
    let timeout = Duration::from_millis(args.timeout.max(1));
    let mut client = match Client::connect(&socket, timeout) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e} (is the engine running with its control socket there?)");
            return EXIT_UNREACHABLE;
        }
    };
    let response = match client.request(cmd, rest) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_UNREACHABLE;
        }
    };
    if args.json {
        let _ = write!(out, "{}", client.last_line());
    }
    report(&response, command.spec().name, args.json, out, err)
}

fn report(
    r: &Response,
    name: &str,
    json: bool,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> u8 {
    if let Some(e) = &r.error {
        let kind =
            serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let _ = writeln!(err, "error: {kind}: {}", e.message);
        return match e.kind {
            ErrorKind::Refused => EXIT_REFUSED,
            ErrorKind::BadRequest | ErrorKind::UnknownCommand | ErrorKind::TooLarge => EXIT_USAGE,
            ErrorKind::Failed | ErrorKind::Timeout | ErrorKind::Unavailable => EXIT_FAILED,
        };
    }
    if !json {
        let result = r.result.clone().unwrap_or(serde_json::Value::Null);
        let _ = write!(out, "{}", render::render(name, &result));
    }
    EXIT_OK
}

fn usage(err: &mut dyn std::io::Write, message: &str) -> u8 {
    let _ = writeln!(err, "error: {message}");
    EXIT_USAGE
}

/// `--socket`, else `[control].socket` of `--config`, else the default.
fn socket_path(args: &Args) -> Result<PathBuf, String> {
    if let Some(p) = &args.socket {
        return Ok(p.clone());
    }
    match &args.config {
        Some(file) => Ok(config_socket(file)?.socket_path()),
        None => Ok(alphapulse_control::config::default_socket_path()),
    }
}

/// The `[control]` table of a config file (other tables are not looked at).
fn config_socket(file: &Path) -> Result<ControlConfig, String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("cannot read config {}: {e}", file.display()))?;
    let value: toml::Value = toml::from_str(&text).map_err(|e| format!("config {}: {e}", file.display()))?;
    match value.get("control") {
        None => Ok(ControlConfig::default()),
        Some(table) => {
            table.clone().try_into().map_err(|e| format!("config {}: [control]: {e}", file.display()))
        }
    }
}
