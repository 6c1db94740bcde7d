//! `alphapulse ctl`, every command, end to end against a running engine: `alphapulse backtest
//! --control` on the replay feed (the repo's real sample, paced) and `alphapulse run` (paper
//! trading) on the local exchange simulator serving the same capture. After the last `halt` no
//! order leaves the router (checked in the journal), every command is in the `control` stream,
//! and SIGTERM ends the run with its report.

#[path = "../../engine/plugin/tests/common/build.rs"]
mod build;
mod common;
use alphapulse_exsim::{SimConfig, Speed};
use alphapulse_shm::Reader;
use alphapulse_types::{CommandOutcome, Msg, OperatorCommand, ENCODED_LEN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-ctl-engine-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// `alphapulse ctl --socket SOCK ARGS…`: (exit code, stdout, stderr).
fn ctl(sock: &Path, args: &[&str]) -> (i32, String, String) {
    let o = common::bin().arg("ctl").arg("--socket").arg(sock).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), common::out(&o), common::err(&o))
}

/// `ctl --json`: the response's result, or panic with what came back.
fn json_ok(sock: &Path, args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let (code, out, err) = ctl(sock, &a);
    assert_eq!(code, 0, "ctl {args:?}: {out}{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    v["result"].clone()
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn records(dir: &Path) -> Vec<Msg> {
    let mut r = Reader::open(dir).unwrap();
    let mut v = Vec::new();
    while let Some(x) = r.next().unwrap() {
        v.push(Msg::decode(&x.payload[..ENCODED_LEN.min(x.payload.len())]).unwrap());
    }
    v
}

/// `alphapulse ARGS… --json --quiet --control-socket SOCK --journal JOURNAL`, once its socket
/// is there.
fn engine(args: &[&str], sock: &Path, journal: &Path) -> Child {
    let child = common::bin()
        .args(args)
        .args(["--json", "--quiet"])
        .arg("--control-socket")
        .arg(sock)
        .arg("--journal")
        .arg(journal)
        .current_dir(alphapulse_shm::test_scratch::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the control socket", || sock.exists());
    child
}

/// Until `positions` shows a fill.
fn wait_for_fills(sock: &Path) {
    wait_for("the first fills", || {
        let (code, out, _) = ctl(sock, &["--json", "positions"]);
        let v: Value = serde_json::from_str(out.trim()).unwrap_or_default();
        code == 0 && v["result"]["portfolio"]["fills"].as_u64() > Some(0)
    });
}

/// SIGTERM, then the run's exit and output.
fn stop(child: Child) -> std::process::Output {
    let st = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    child.wait_with_output().unwrap()
}

/// Every command against the engine behind `sock` (trading, with fills): tables and `--json`,
/// exit codes, and the halt's router acknowledgement time.
fn every_command(sock: &Path) -> u64 {
    // Reads, as tables for people.
    let (code, out, err) = ctl(sock, &["status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("health") && out.contains("router"), "{out}");
    for c in [
        &["limits"][..],
        &["positions"],
        &["orders"],
        &["pnl"],
        &["latency"],
        &["strategies", "list"],
        &["help"],
    ] {
        let (code, out, err) = ctl(sock, c);
        assert_eq!(code, 0, "ctl {c:?}: {out}{err}");
        assert!(!out.trim().is_empty(), "ctl {c:?} printed nothing");
    }
    let limits = json_ok(sock, &["limits"]);
    assert!(limits["limits"].as_array().unwrap().iter().any(|l| l["name"] == "max_order_qty"));
    let strategies = json_ok(sock, &["strategies", "list"]);
    assert!(strategies["strategies"].as_array().unwrap().iter().any(|s| s["name"] == "imbalance"));
    // Changes, refused values (exit 4 with the reason), unknown commands (exit 2, never sent).
    let set = json_ok(sock, &["set-limit", "max_order_qty", "0.5"]);
    assert_eq!((set["new"].as_str(), set["applied"].as_bool()), (Some("0.5"), Some(true)), "{set}");
    let (code, _, err) = ctl(sock, &["set-limit", "max_order_qty", "-1"]);
    assert!(code == 4 && err.contains("max_order_qty"), "{code} {err}");
    let (code, _, err) = ctl(sock, &["set-limit", "nope", "1"]);
    assert!(code == 4 && err.contains("unknown limit"), "{code} {err}");
    let (code, _, _) = ctl(sock, &["frobnicate"]);
    assert_eq!(code, 2);
    json_ok(sock, &["strategies", "disable", "imbalance"]);
    assert_eq!(
        json_ok(sock, &["strategies", "list"])["strategies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "imbalance")
            .unwrap()["enabled"],
        false
    );
    json_ok(sock, &["strategies", "enable", "imbalance"]);
    let (code, _, err) = ctl(sock, &["strategies", "set", "imbalance", "threshold_bps", "5000"]);
    assert_eq!(code, 4, "a built-in agent takes no live parameters yet: {err}");
    let (code, _, err) = ctl(sock, &["strategies", "load", "/nonexistent/libx.so"]);
    assert_eq!(code, 4, "{err}");
    // A plugin loaded into the running engine, one of its parameters set live.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let micro = build::plugin_file(build::plugin_dir(&root, false), "ap_microprice");
    let l = json_ok(sock, &["strategies", "load", micro.to_str().unwrap()]);
    assert_eq!((l["applied"].as_bool(), l["name"].as_str()), (Some(true), Some("microprice")), "{l}");
    let set = json_ok(sock, &["strategies", "set", "microprice", "min_change_bps", "800"]);
    assert_eq!(set["applied"], true, "{set}");
    let (code, _, err) = ctl(sock, &["strategies", "set", "microprice", "min_change_bps", "-5"]);
    assert!(code == 4 && err.contains("min_change_bps"), "{err}");
    let listed = json_ok(sock, &["strategies", "list"]);
    assert!(listed["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "microprice" && s["enabled"] == true));
    let c = json_ok(sock, &["cancel-all", "BTCUSDT"]);
    assert_eq!(c["applied"], true, "{c}");
    let (code, _, err) = ctl(sock, &["cancel-all", "NOPEUSDT"]);
    assert!(code == 4 && err.contains("unknown symbol"), "{err}");
    json_ok(sock, &["halt"]);
    let (code, _, err) = ctl(sock, &["flatten"]);
    assert!(code == 4 && err.contains("resume"), "flatten is refused while halted: {err}");
    json_ok(sock, &["resume"]);
    let f = json_ok(sock, &["flatten"]);
    assert!(f["orders"].as_u64().unwrap() <= 1, "{f}");
    // The last halt: every actor acknowledges, with its time.
    std::thread::sleep(Duration::from_millis(300));
    let h = json_ok(sock, &["halt"]);
    let acks = h["acks"].as_array().unwrap();
    assert_eq!(acks.len(), 3, "{h}");
    let status = json_ok(sock, &["status"]);
    assert_eq!(status["health"]["state"], "EmergencyStop", "{status}");
    assert_eq!(status["halted"], true);
    acks[2]["at_ns"].as_u64().unwrap()
}

/// After the halt the router sent no order; every command is journaled with our uid.
fn check_journal(journal: &Path, halted_at: u64) {
    let news: Vec<u64> = records(&journal.join("router"))
        .iter()
        .filter_map(|m| if let Msg::New(n) = m { Some(n.ts) } else { None })
        .collect();
    assert!(!news.is_empty(), "the engine traded before the halt");
    assert!(news.iter().all(|&t| t <= halted_at), "an order left the router after the halt");
    let commands: Vec<_> = records(&journal.join("control"))
        .into_iter()
        .filter_map(|m| if let Msg::Command(c) = m { Some(c) } else { None })
        .collect();
    let uid = our_uid();
    assert!(commands.iter().all(|c| c.uid == uid && c.level == 3), "our uid, admin");
    let count = |cmd, outcome| commands.iter().filter(|c| c.command == cmd && c.outcome == outcome).count();
    assert_eq!(count(OperatorCommand::Halt, CommandOutcome::Ok), 2);
    assert_eq!(count(OperatorCommand::Flatten, CommandOutcome::Failed), 1);
    assert_eq!(count(OperatorCommand::SetLimit, CommandOutcome::Failed), 2);
    assert_eq!(count(OperatorCommand::Help, CommandOutcome::Ok), 1);
    assert!(commands.iter().any(|c| c.command == OperatorCommand::SetLimit && c.value == 50_000_000));
}

fn our_uid() -> u32 {
    // The owner of a file we just made is our uid.
    use std::os::unix::fs::MetadataExt;
    let p = tmp("uid-probe");
    std::fs::write(&p, b"").unwrap();
    std::fs::metadata(&p).unwrap().uid()
}

#[test]
fn every_command_against_a_paced_backtest_with_control() {
    let sock = tmp("bt.sock");
    let journal = tmp("bt-journal");
    let child = engine(&["backtest", "--control", "--pace", "20"], &sock, &journal);
    wait_for_fills(&sock);
    let halted_at = every_command(&sock);
    // The replay goes on after the halt: orders stay refused.
    std::thread::sleep(Duration::from_secs(1));
    let out = stop(child);
    assert!(out.status.success(), "{}", common::err(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["orders_sent"].as_u64().unwrap() > 0);
    assert!(!sock.exists(), "the socket file is removed at the end");
    check_journal(&journal, halted_at);
    // No engine: unreachable.
    assert_eq!(ctl(&sock, &["status"]).0, 5);
}

#[test]
fn every_command_against_paper_trading_on_the_exchange_simulator() {
    let mut sc = SimConfig::new(vec![alphapulse_feeds::testdata::sample_capture()]);
    sc.speed = Speed::Paced(20.0);
    sc.wait_for_clients = 1;
    let h = alphapulse_exsim::start(sc).unwrap();
    let cfg = tmp("paper.toml");
    let text = format!(
        "[live]\nws_url = \"ws://{}\"\nrest_url = \"http://{}\"\nsymbols = [\"btcusdt\"]\n\n\
         [feed]\nmax_exchange_skew_ns = 3600000000000\n",
        h.ws_addr(),
        h.http_addr()
    );
    std::fs::write(&cfg, text).unwrap();
    let sock = tmp("paper.sock");
    let journal = tmp("paper-journal");
    let child = engine(&["run", "--config", cfg.to_str().unwrap()], &sock, &journal);
    // The feed syncs: status shows the symbol synced and the engine healthy.
    wait_for("a synced, healthy feed", || {
        let (code, out, _) = ctl(&sock, &["--json", "status"]);
        let v: Value = serde_json::from_str(out.trim()).unwrap_or_default();
        code == 0
            && v["result"]["feeds"][0]["state"] == "synced"
            && ["Healthy", "Warning"].contains(&v["result"]["health"]["state"].as_str().unwrap_or(""))
    });
    wait_for_fills(&sock);
    let halted_at = every_command(&sock);
    // Let the feed run on after the halt: orders stay refused.
    std::thread::sleep(Duration::from_secs(1));
    let out = stop(child);
    assert!(out.status.success(), "{}", common::err(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["source"], "live");
    check_journal(&journal, halted_at);
    h.shutdown();
}
