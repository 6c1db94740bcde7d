//! Every command parses, reaches the handler with its arguments and comes back; `help` is the
//! server's own; bad arguments, handler failures and the audit trail.

mod common;

use alphapulse_control::{Client, Command, ErrorKind, Level, COMMANDS};
use common::{config, kind, start, TempDir};
use std::time::Duration;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Each row of the table parses back to a command whose spec is that row.
#[test]
fn table_and_enum_agree() {
    for spec in COMMANDS {
        let mut words = spec.name.split(' ');
        let cmd = words.next().unwrap();
        let mut args: Vec<String> = words.map(String::from).collect();
        for u in spec.usage.split_whitespace().filter(|u| !u.starts_with('[')) {
            args.push(if u == "PATH" { "/x/y.toml".into() } else { format!("a{}", u.len()) });
        }
        let parsed = Command::parse(cmd, &args).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        assert_eq!(parsed.spec().name, spec.name);
        assert_eq!(parsed.level(), spec.level);
    }
    let names: std::collections::HashSet<_> = COMMANDS.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), COMMANDS.len(), "a command is listed twice");
}

#[test]
fn levels_are_as_the_issue_says() {
    let level = |n: &str| COMMANDS.iter().find(|c| c.name == n).unwrap().level;
    for n in ["status", "limits", "positions", "orders", "pnl", "latency", "strategies list", "help"] {
        assert_eq!(level(n), Level::ReadOnly, "{n}");
    }
    for n in ["halt", "resume", "flatten", "cancel-all", "strategies enable", "strategies disable"] {
        assert_eq!(level(n), Level::Operator, "{n}");
    }
    for n in ["set-limit", "strategies load", "strategies set"] {
        assert_eq!(level(n), Level::Admin, "{n}");
    }
    assert!(Level::ReadOnly < Level::Operator && Level::Operator < Level::Admin);
}

#[test]
fn every_command_reaches_the_handler() {
    let dir = TempDir::new("every");
    let (server, seen, counters) = start(&config(&dir));
    let mut c = Client::connect(&dir.socket(), Duration::from_secs(5)).unwrap();
    let cases: Vec<(&str, Vec<String>, Command)> = vec![
        ("status", vec![], Command::Status),
        ("limits", vec![], Command::Limits),
        ("positions", vec![], Command::Positions),
        ("orders", vec![], Command::Orders),
        ("pnl", vec![], Command::Pnl),
        ("latency", vec![], Command::Latency),
        ("strategies", s(&["list"]), Command::StrategiesList),
        ("halt", vec![], Command::Halt),
        ("resume", vec![], Command::Resume),
        ("flatten", vec![], Command::Flatten),
        ("cancel-all", vec![], Command::CancelAll { symbol: None }),
        ("cancel-all", s(&["btcusdt"]), Command::CancelAll { symbol: Some("BTCUSDT".into()) }),
        ("strategies", s(&["enable", "ema_fast"]), Command::StrategiesEnable { name: "ema_fast".into() }),
        ("strategies disable", s(&["obi"]), Command::StrategiesDisable { name: "obi".into() }),
        (
            "set-limit",
            s(&["max_order_qty", "0.5"]),
            Command::SetLimit { name: "max_order_qty".into(), value: "0.5".into() },
        ),
        ("strategies", s(&["load", "/opt/s/x.so"]), Command::StrategiesLoad { path: "/opt/s/x.so".into() }),
        (
            "strategies",
            s(&["set", "ema", "fast", "12"]),
            Command::StrategiesSet { name: "ema".into(), key: "fast".into(), value: "12".into() },
        ),
    ];
    for (cmd, args, want) in &cases {
        let r = c.request(cmd, args).unwrap();
        assert!(r.ok, "{cmd} {args:?}: {r:?}");
        assert_eq!(r.result.as_ref().unwrap()["cmd"], format!("{want:?}"));
    }
    let got: Vec<Command> = seen.lock().unwrap().handled.iter().map(|(_, c)| c.clone()).collect();
    let want: Vec<Command> = cases.into_iter().map(|(_, _, c)| c).collect();
    assert_eq!(got, want);

    // help: from the table, not from the handler.
    let r = c.request("help", &[]).unwrap();
    let listed = r.result.unwrap()["commands"].as_array().unwrap().clone();
    assert_eq!(listed.len(), COMMANDS.len());
    for (row, spec) in listed.iter().zip(COMMANDS) {
        assert_eq!(row["name"], spec.name);
        assert_eq!(row["level"], spec.level.as_str());
    }
    assert_eq!(seen.lock().unwrap().handled.len(), want.len());
    drop(c);
    server.stop().unwrap();
    assert_eq!(counters.snapshot().requests, want.len() as u64 + 1);
}

#[test]
fn bad_arguments_failures_and_audit() {
    let dir = TempDir::new("badargs");
    let (server, seen, counters) = start(&config(&dir));
    let mut c = Client::connect(&dir.socket(), Duration::from_secs(5)).unwrap();
    for (cmd, args) in [
        ("set-limit", s(&["max_order_qty"])),
        ("cancel-all", s(&["BTCUSDT", "ETHUSDT"])),
        ("cancel-all", s(&["BTC-USDT"])),
        ("strategies", s(&["enable", "bad name!"])),
        ("strategies", vec![]),
        ("status", s(&["now"])),
        ("strategies set", s(&["ema", "fast", ""])),
    ] {
        let r = c.request(cmd, &args).unwrap();
        assert_eq!(kind(&r), Some(ErrorKind::BadRequest), "{cmd} {args:?}: {r:?}");
    }
    let r = c.request("strategies", &s(&["frobnicate"])).unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::UnknownCommand));
    let r = c.request("set-limit", &s(&["max_order_qty", "bad"])).unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::Failed));
    assert!(r.error.unwrap().message.contains("`bad`"));
    let r = c.request("status", &[]).unwrap();
    assert!(r.ok);
    drop(c);
    server.stop().unwrap();
    let seen = seen.lock().unwrap();
    // Only the failing set-limit and status reached the handler; all ten were audited.
    assert_eq!(seen.handled.len(), 2);
    assert_eq!(seen.audits.len(), 10);
    assert_eq!(seen.audits[8].2, Some(ErrorKind::Failed));
    assert!(seen.audits[8].1.contains("max_order_qty"));
    assert_eq!(seen.audits[9].2, None);
    assert_eq!(counters.snapshot().errors, 9);
}

#[test]
fn a_panicking_handler_fails_the_command_not_the_socket() {
    let dir = TempDir::new("panic");
    let (server, _seen, _) = start(&config(&dir));
    let mut c = Client::connect(&dir.socket(), Duration::from_secs(5)).unwrap();
    let r = c.request("strategies", &s(&["load", "/panic"])).unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::Failed), "{r:?}");
    assert!(r.error.unwrap().message.contains("panicked"));
    assert!(c.request("status", &[]).unwrap().ok);
    assert!(Client::connect(&dir.socket(), Duration::from_secs(5)).unwrap().request("pnl", &[]).unwrap().ok);
    server.stop().unwrap();
}
