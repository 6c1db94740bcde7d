//! `alphapulse ctl` against a real control socket served in this process by a mock engine: exit
//! codes 0/2/3/4/5, tables for people and `--json` for scripts, `--config`, `--help`.

use alphapulse_control::{
    Command, CommandError, ControlConfig, ControlServer, Handler, Peer, ServerHandle, COMMANDS,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Engine;

impl Handler for Engine {
    fn handle(&mut self, _peer: &Peer, command: &Command) -> Result<Value, CommandError> {
        match command {
            Command::Positions => Ok(json!({"positions": [
                {"symbol": "BTCUSDT", "qty": "0.5", "avg_price": "61000.25", "realized": "12.5", "unrealized": "-3.1"},
                {"symbol": "ETHUSDT", "qty": "-2", "avg_price": "3000", "realized": "0", "unrealized": "7"}
            ], "cash": "9000", "equity": "10016.4"})),
            Command::Status => Ok(json!({"health": {"state": "Healthy", "reason": ""}, "halted": false,
                "actors": [{"name": "risk", "thread": 0, "handled": 42, "queue_depth": 0, "lag_ns": 150}],
                "feeds": [{"symbol": "BTCUSDT", "state": "Synced"}]})),
            Command::SetLimit { name, value } if value.parse::<f64>().is_err() => {
                Err(CommandError::failed(format!("limit {name}: `{value}` is not a number")))
            }
            Command::Flatten => Err(CommandError::timeout("router did not acknowledge within 2000 ms")),
            other => Ok(
                json!({"applied": true, "acks": [{"actor": "risk", "at_ns": 1}], "detail": format!("{other:?}")}),
            ),
        }
    }
}

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let p = alphapulse_shm::test_scratch::root().join(format!("ap-ctl-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn socket(&self) -> PathBuf {
        self.0.join("sock/control.sock")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn serve(dir: &Dir, users: &[(&str, &str)]) -> ServerHandle<Engine> {
    let users: BTreeMap<String, String> = users.iter().map(|(u, l)| (u.to_string(), l.to_string())).collect();
    let config = ControlConfig { socket: Some(dir.socket()), users, ..ControlConfig::default() };
    ControlServer::bind(&config).unwrap().spawn(Engine).unwrap()
}

fn ctl(socket: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_alphapulse"))
        .arg("ctl")
        .arg("--socket")
        .arg(socket)
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn ok_as_a_table_and_as_json() {
    let dir = Dir::new("ok");
    let server = serve(&dir, &[]);
    let o = ctl(&dir.socket(), &["positions"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("  SYMBOL   QTY  AVG_PRICE  REALIZED  UNREALIZED\n"), "{out}");
    assert!(out.contains("  BTCUSDT  0.5  61000.25   12.5      -3.1\n"), "{out}");
    assert!(out.contains("equity  10016.4"), "{out}");

    let o = ctl(&dir.socket(), &["--json", "positions"]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 1, "one raw line: {out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["id"], 1);
    assert_eq!(v["result"]["positions"][1]["symbol"], "ETHUSDT");

    let o = ctl(&dir.socket(), &["status"]);
    let out = text(&o.stdout);
    assert!(
        out.contains(
            "  NAME  THREAD  HANDLED  QUEUE_DEPTH  LAG_NS\n  risk       0       42            0     150"
        ),
        "{out}"
    );
    // Options after the command, and help from the server listing every command.
    let o = ctl(&dir.socket(), &["help", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["result"]["commands"].as_array().unwrap().len(), COMMANDS.len());
    let o = ctl(&dir.socket(), &["strategies", "enable", "ema"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("StrategiesEnable"), "{}", text(&o.stdout));
    server.stop().unwrap();
}

#[test]
fn refused_failed_and_usage_have_their_codes() {
    let dir = Dir::new("codes");
    let me = alphapulse_control::config::own_uid().to_string();
    let server = serve(&dir, &[(&me, "read-only")]);
    let o = ctl(&dir.socket(), &["halt"]);
    assert_eq!(o.status.code(), Some(3), "refused: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("refused: `halt` needs level operator"), "{}", text(&o.stderr));
    let o = ctl(&dir.socket(), &["--json", "halt"]);
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "refused");
    server.stop().unwrap();

    let dir = Dir::new("codes2");
    let server = serve(&dir, &[]);
    let o = ctl(&dir.socket(), &["set-limit", "max_order_qty", "lots"]);
    assert_eq!(o.status.code(), Some(4), "failed: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("failed: limit max_order_qty: `lots` is not a number"));
    let o = ctl(&dir.socket(), &["flatten"]);
    assert_eq!(o.status.code(), Some(4), "not acknowledged: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("timeout"));
    let o = ctl(&dir.socket(), &["set-limit", "max_order_qty", "-0.5"]);
    assert_eq!(o.status.code(), Some(0), "a negative number is a value: {}", text(&o.stderr));
    server.stop().unwrap();

    // Usage errors are found before connecting: exit 2 even with no engine.
    let nowhere = dir.0.join("nowhere.sock");
    for args in [&["launch"][..], &["set-limit", "x"], &["cancel-all", "A", "B"], &["strategies"]] {
        let o = ctl(&nowhere, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
    }
}

#[test]
fn unreachable_is_5() {
    let dir = Dir::new("unreachable");
    // No socket file.
    let o = ctl(&dir.0.join("none.sock"), &["status"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(text(&o.stderr).contains("none.sock"), "{}", text(&o.stderr));
    // A stale socket file: connection refused.
    let stale = dir.0.join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert_eq!(ctl(&stale, &["status"]).status.code(), Some(5));
    // Something listens but never answers: --timeout.
    let mute = dir.0.join("mute.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&mute).unwrap();
    let o = ctl(&mute, &["--timeout", "200", "status"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(text(&o.stderr).contains("within 200 ms"), "{}", text(&o.stderr));
}

#[test]
fn socket_from_config_file() {
    let dir = Dir::new("config");
    let server = serve(&dir, &[]);
    let file = dir.0.join("engine.toml");
    std::fs::write(
        &file,
        format!("[risk]\nwhatever = 1\n\n[control]\nsocket = \"{}\"\n", dir.socket().display()),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_alphapulse"))
        .args(["ctl", "--config"])
        .arg(&file)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    std::fs::write(&file, "[control]\nsockets = \"/x\"\n").unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_alphapulse"))
        .args(["ctl", "--config"])
        .arg(&file)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("sockets"), "names the bad key: {}", text(&o.stderr));
    server.stop().unwrap();
}

#[test]
fn help_lists_every_command_with_its_level_and_the_exit_codes() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_alphapulse"))
        .args(["ctl", "--help"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    for c in COMMANDS {
        let row =
            out.lines().find(|l| l.trim_start().starts_with(&format!("{} ", c.name)) && l.contains(c.help));
        let row = row.unwrap_or_else(|| panic!("{} missing from --help:\n{out}", c.name));
        assert!(row.contains(c.level.as_str()), "{row}");
    }
    for code in ["3 refused", "4 the command failed", "5 unreachable"] {
        assert!(out.contains(code), "{code}");
    }
}
