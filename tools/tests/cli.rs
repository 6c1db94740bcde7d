//! The `alphapulse` binary as an operator meets it: exit codes, errors that name the problem,
//! one warning per malformed kind with its file and line, and the JSON keys the README documents.

mod common;
use std::io::Write;
use std::path::PathBuf;
use std::process::Output;

/// Runs in a temporary folder: the default journal (`runs/…/journal`) goes there, not into the repo.
fn alphapulse(args: &[&str]) -> Output {
    common::ap_in(&tmp("cwd"), args)
}

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn json_report_has_the_documented_keys() {
    let o = alphapulse(&["backtest", "--json"]);
    assert!(o.status.success(), "{}", common::err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in [
        "events",
        "events_per_sec",
        "gaps",
        "resyncs",
        "malformed",
        "orders_sent",
        "orders_rejected",
        "fills",
        "realized_pnl",
        "unrealized_pnl",
        "fees",
        "max_drawdown",
        "positions",
        "messages_by_type",
        "rejected_by_reason",
        "frames",
    ] {
        assert!(v.get(k).is_some(), "missing key {k}");
    }
    assert_eq!(v["frames"], 41_249, "the shipped sample has 41,249 frames");
    // Journaled by default under ./runs/<UTC time>-<pid>/journal.
    let dir = v["journal_dir"].as_str().expect("journal_dir");
    assert!(dir.starts_with("runs/") && dir.ends_with("/journal"), "{dir}");
    assert_eq!(v["journal_errors"], 0);
    assert_eq!(v["journal_streams"][0]["records"], v["events"].as_u64().unwrap() + 1, "the events and Eos");
    // Only this run's folder: the other tests run the binary in the same folder at the same time.
    let run_dir = tmp("cwd").join(dir);
    let _ = std::fs::remove_dir_all(run_dir.parent().expect("runs/<run>/journal"));
    assert_eq!(v["malformed"], 0);
    assert!(v["orders_sent"].as_u64().unwrap() > 0);
}

#[test]
fn bad_config_exits_2_naming_the_key() {
    let p = tmp("bad.toml");
    std::fs::write(&p, "[risk]\nmax_position = \"-1\"\n").unwrap();
    let o = alphapulse(&["backtest", "--config", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", common::err(&o));
    assert!(common::err(&o).contains("max_position"), "{}", common::err(&o));

    std::fs::write(&p, "[risk]\nmax_positon = \"1\"\n").unwrap();
    let o = alphapulse(&["backtest", "--config", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::err(&o).contains("max_positon"), "{}", common::err(&o));
}

#[test]
fn missing_data_exits_2() {
    let o = alphapulse(&["backtest", "--data", "/nonexistent/capture.gz"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::err(&o).contains("/nonexistent/capture.gz"), "{}", common::err(&o));
}

#[test]
fn a_placement_cut_below_the_feed_exits_2() {
    let p = tmp("cut.toml");
    std::fs::write(
        &p,
        "[placement]\nthreads = [[\"feed\", \"strategy\"], [\"risk\", \"router\", \"sim_gateway\"]]\n",
    )
    .unwrap();
    let o = alphapulse(&["backtest", "--config", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", common::err(&o));
    assert!(common::err(&o).contains("placement.threads"), "{}", common::err(&o));
}

#[test]
fn malformed_lines_are_skipped_with_one_warning_per_kind() {
    // The first 3,000 real lines of the sample, with damage at known line numbers.
    use std::io::{BufRead, BufReader};
    let f = std::fs::File::open(alphapulse_feeds::testdata::sample_capture()).unwrap();
    let lines: Vec<String> =
        BufReader::new(flate2::read::MultiGzDecoder::new(f)).lines().take(3000).map(|l| l.unwrap()).collect();
    let p = tmp("btcusdt_damaged.txt");
    let mut out = std::fs::File::create(&p).unwrap();
    for (i, l) in lines.iter().enumerate() {
        match i + 1 {
            100 | 200 => writeln!(out, "{}", &l[..l.len() / 2]).unwrap(), // cut in the middle
            300 => writeln!(out, "garbage that is not a frame").unwrap(),
            _ => writeln!(out, "{l}").unwrap(),
        }
    }
    drop(out);
    let o = alphapulse(&["backtest", "--json", "--data", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::err(&o));
    let err = common::err(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["malformed"], 3, "{err}");
    assert_eq!(v["frames"], 3000);
    if let Some(dir) = v["journal_dir"].as_str() {
        let _ = std::fs::remove_dir_all(tmp("cwd").join(dir).parent().expect("runs/<run>/journal"));
    }
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert!(warnings.iter().any(|w| w.contains("btcusdt_damaged.txt:100")), "{err}");
    assert!(warnings.iter().any(|w| w.contains("btcusdt_damaged.txt:300")), "{err}");
    assert!(warnings.len() <= 3, "one warning per kind, not per line: {err}");
}

#[test]
fn help_explains_the_backtest() {
    let o = alphapulse(&["backtest", "--help"]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    for w in ["--config", "--data", "--json", "--threads", "Exit codes"] {
        assert!(s.contains(w), "help lacks {w}");
    }
}
