//! The `exsim` binary: help, bad input (exit 2 naming the problem), the JSON address line,
//! and a clean stop on SIGTERM with the stats on stderr.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const EXE: &str = env!("CARGO_BIN_EXE_exsim");

#[test]
fn help_exits_0_and_explains() {
    let out = Command::new(EXE).arg("--help").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["--capture", "--speed", "--loop", "--faults", "/_sim/fault", "drop_depth"] {
        assert!(help.contains(word), "help mentions {word}");
    }
}

#[test]
fn missing_capture_and_bad_flags_exit_2() {
    let out = Command::new(EXE).args(["--capture", "/nonexistent/btcusdt_x.gz"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/btcusdt_x.gz"));
    let sample = common::sample();
    let out =
        Command::new(EXE).arg("--capture").arg(&sample).args(["--speed", "fast"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(EXE)
        .arg("--capture")
        .arg(&sample)
        .args(["--faults", "every=1s,kinds=boom"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("boom"));
    let not_capture = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(EXE).args(["--capture", not_capture]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "not a gzip capture");
}

#[test]
fn prints_the_address_line_serves_and_stops_on_sigterm() {
    let mut child = Command::new(EXE)
        .arg("--capture")
        .arg(common::sample())
        .args(["--speed", "max", "--faults", "every=1s,kinds=stall,seed=3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address line");
    let v = common::json(&line);
    let http: std::net::SocketAddr = v["http"].as_str().expect("http").parse().expect("addr");
    let _ws: std::net::SocketAddr = v["ws"].as_str().expect("ws").parse().expect("addr");
    assert_eq!(common::get(http, "/api/v3/ping").0, 200);
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(term.success());
    let status = child.wait().expect("exits");
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("\"frames_replayed\""), "stats summary on stderr: {err}");
}
