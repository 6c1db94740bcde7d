//! `alphapulse run` and `alphapulse record` as an operator meets them: help, refusals with exit 2,
//! and a recording from the exchange simulator (the real sample) that the backtest replays, with a
//! paper run stopped by SIGTERM that closes its journal and prints the report.

mod common;
use alphapulse_exsim::{SimConfig, Speed};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-live-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn config_for(h: &alphapulse_exsim::SimHandle, path: &Path) {
    let text = format!(
        "[live]\nws_url = \"ws://{}\"\nrest_url = \"http://{}\"\nsymbols = [\"btcusdt\"]\n\n\
         [feed]\nmax_exchange_skew_ns = 3600000000000\n",
        h.ws_addr(),
        h.http_addr()
    );
    std::fs::write(path, text).unwrap();
}

fn sim(speed: Speed) -> alphapulse_exsim::SimHandle {
    let mut sc = SimConfig::new(vec![alphapulse_feeds::testdata::sample_capture()]);
    sc.speed = speed;
    sc.wait_for_clients = 1;
    alphapulse_exsim::start(sc).unwrap()
}

#[test]
fn help_and_refusals() {
    for cmd in ["run", "record"] {
        let o = common::ap_in(&tmp("cwd"), &[cmd, "--help"]);
        assert!(o.status.success());
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("Exit codes") && out.contains("--duration"), "{out}");
    }
    // A bad URL in the config: exit 2, naming the key.
    let cfg = tmp("bad.toml");
    std::fs::write(&cfg, "[live]\nws_url = \"http://x\"\n").unwrap();
    let o = common::ap_in(&tmp("cwd"), &["run", "--config", cfg.to_str().unwrap(), "--no-journal"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::err(&o));
    assert!(common::err(&o).contains("ws_url"), "{}", common::err(&o));
    // A symbol not in the instrument table: exit 2.
    let o = common::ap_in(
        &tmp("cwd"),
        &["record", "--symbols", "nosuchusdt", "--out", tmp("r0").to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::err(&o));
    assert!(common::err(&o).contains("NOSUCHUSDT"), "{}", common::err(&o));
    // --symbols is required.
    let o = common::ap_in(&tmp("cwd"), &["record", "--out", tmp("r1").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn record_then_backtest_the_recording() {
    let h = sim(Speed::Max);
    let cfg = tmp("rec.toml");
    config_for(&h, &cfg);
    let out = tmp("rec");
    let o = common::ap_in(
        &tmp("cwd"),
        &[
            "record",
            "--symbols",
            "btcusdt",
            "--out",
            out.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--duration",
            "15",
            "-q",
        ],
    );
    let err = common::err(&o);
    println!("{err}");
    assert!(o.status.success(), "{err}");
    assert!(err.contains("recorded") && err.contains("btcusdt_"), "{err}");
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("btcusdt_")))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut args = vec!["backtest", "--json", "--no-journal", "--config", cfg.to_str().unwrap(), "--data"];
    args.extend(files.iter().map(String::as_str));
    let o = common::ap_in(&tmp("cwd"), &args);
    assert!(o.status.success(), "{}", common::err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    println!("backtest of the recording: frames {} gaps {} fills {}", v["frames"], v["gaps"], v["fills"]);
    assert_eq!(v["frames"].as_u64(), Some(41_249), "the whole sample and its snapshot were recorded");
    assert_eq!(v["gaps"].as_u64(), Some(0));
    assert_eq!(v["books"][0]["synced_at_end"], true);
    h.shutdown();
}

#[test]
fn a_paper_run_stops_cleanly_on_sigterm() {
    let h = sim(Speed::Paced(20.0));
    let cfg = tmp("paper.toml");
    config_for(&h, &cfg);
    let journal = tmp("journal");
    std::fs::create_dir_all(tmp("cwd")).unwrap();
    let mut child = common::bin()
        .args(["run", "--config", cfg.to_str().unwrap(), "--journal", journal.to_str().unwrap(), "--json"])
        .current_dir(tmp("cwd"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let it connect and trade a little, then SIGTERM.
    let start = Instant::now();
    while h.stats().connections_accepted == 0 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(3));

    let st = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let t = Instant::now();
    let out = loop {
        if let Some(_s) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        assert!(t.elapsed() < Duration::from_secs(30), "the run did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "live");
    assert!(v["frames"].as_u64().unwrap() > 1000);
    assert_eq!(v["live"]["disconnects"]["stopped"].as_u64(), Some(1), "{}", v["live"]);
    // The journal was closed cleanly, feed events included.
    let o = common::ap_in(&tmp("cwd"), &["journal", "stat", journal.to_str().unwrap()]);
    let stat = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && stat.contains("closed cleanly") && stat.contains("feed_event"), "{stat}");
    let feed = stat.split("\n\n").find(|b| b.starts_with("feed:")).expect("the feed stream");
    assert!(!feed.contains("time went backwards"), "the feed's times never go back: {feed}");
    h.shutdown();
}
