//! `alphapulse journal stat|tail|export` and `backtest --from-journal` as an operator meets them,
//! on a journal of the real sample: decoded output, bounds, exit codes, and bad journals (a flipped
//! byte, a truncated segment, a segment of another stream, an unknown version) reported with file
//! and offset, exit 1, never a panic.

mod common;
use alphapulse_shm::{StreamConfig, Writer};
use alphapulse_types::{EndOfStream, Msg, CODEC_VERSION, ENCODED_LEN};
use common::{ap, err, out};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root()
        .join(format!("ap-journal-cli-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.parent().unwrap()).unwrap();
    d
}

/// One journaled backtest of the shipped sample, shared by the tests: (journal dir, JSON report).
fn journal() -> &'static (PathBuf, serde_json::Value) {
    static J: OnceLock<(PathBuf, serde_json::Value)> = OnceLock::new();
    J.get_or_init(|| {
        let dir = tmp("run");
        let o = ap(&["backtest", "--json", "--journal", dir.to_str().unwrap()]);
        assert!(o.status.success(), "{}", err(&o));
        (dir, serde_json::from_slice(&o.stdout).unwrap())
    })
}
fn d() -> &'static str {
    journal().0.to_str().unwrap()
}

#[test]
fn stat_counts_every_stream() {
    let (_, report) = journal();
    let o = ap(&["journal", "stat", "--json", d()]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let streams = v["streams"].as_array().unwrap();
    let names: Vec<&str> = streams.iter().map(|s| s["stream"].as_str().unwrap()).collect();
    assert_eq!(names, ["feed", "strategy", "risk", "router", "sim_gateway"]);
    for (s, r) in streams.iter().zip(report["journal_streams"].as_array().unwrap()) {
        assert_eq!(s["records"], r["records"], "{}", s["stream"]);
        assert_eq!(s["first_seq"], 0);
        assert_eq!(s["last_seq"].as_u64().unwrap() + 1, s["records"].as_u64().unwrap());
    }
    let feed = &streams[0]["records_by_type"];
    assert_eq!(feed["quote"], report["messages_by_type"]["quote"]);
    assert_eq!(feed["depth"], report["messages_by_type"]["depth"]);
    assert!(feed["depth"].as_u64().unwrap() > 0);
    assert_eq!(feed["end_of_stream"], 1);
    assert_eq!(streams[2]["records_by_type"]["decision"], report["intents"]);
    assert_eq!(streams[3]["records_by_type"]["order_new"], report["orders_sent"]);
    println!("feed stream: {} records in {} segment(s)", streams[0]["records"], streams[0]["segments"]);
    let text = out(&ap(&["journal", "stat", d()]));
    assert!(text.contains("risk: ") && text.contains("sequence 0 (verified dense)"), "{text}");
}

#[test]
fn tail_shows_the_last_records_decoded() {
    let report = &journal().1;
    // risk's stream: its decisions, a position after every fill, and every execution report it
    // sent up (each stamped with its position: not a forward).
    let st: serde_json::Value =
        serde_json::from_slice(&ap(&["journal", "stat", "--json", d()]).stdout).unwrap();
    let risk = &st["streams"][2]["records_by_type"];
    assert_eq!(risk["decision"], report["intents"]);
    assert_eq!(risk["position"], report["fills"]);
    assert!(risk["exec_report"].as_u64().unwrap() >= report["fills"].as_u64().unwrap());
    let n = st["streams"][2]["records"].as_u64().unwrap();
    assert_eq!(
        n,
        ["decision", "position", "exec_report"].iter().map(|k| risk[k].as_u64().unwrap()).sum::<u64>()
    );
    let o = ap(&["journal", "tail", d(), "--stream", "risk", "-n", "3"]);
    assert!(o.status.success(), "{}", err(&o));
    let lines: Vec<String> = out(&o).lines().map(String::from).collect();
    assert_eq!(lines.len(), 3);
    for (i, l) in lines.iter().enumerate() {
        assert!(l.starts_with(&format!("risk {} 2024-08-08T", n - 3 + i as u64)), "{l}");
        assert!(l.contains("symbol=BTCUSDT"), "{l}");
        assert!(
            (l.contains(" decision ") && l.contains("verdict="))
                || (l.contains(" position ") && l.contains(" qty=") && l.contains(" equity="))
                || (l.contains(" exec_report ") && l.contains(" position=")),
            "{l}"
        );
    }
    let all = out(&ap(&["journal", "tail", d(), "-n", "1"]));
    assert_eq!(all.lines().count(), 5, "one line per stream: {all}");
    assert!(all.lines().next().unwrap().ends_with("end_of_stream"), "{all}");
    let router = out(&ap(&["journal", "tail", d(), "--stream", "router", "-n", "400"]));
    let t =
        router.lines().find(|l| l.contains(" order_state ")).expect("order states in the router's stream");
    assert!(t.contains(" from_state=") && t.contains(" to_state=") && t.contains(" event="), "{t}");
}

/// Every aggregate decision in `journal tail` names the strategies it weighed: `agent_names` is
/// its `agents` bitmask read against `run.json`'s strategy list (decoded here on its own), and
/// every signal names its strategy.
#[test]
fn tail_names_the_strategies_each_decision_weighed() {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(journal().0.join("run.json")).unwrap()).unwrap();
    let strategies: Vec<&str> =
        meta["strategies"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(!strategies.is_empty(), "run.json lists no strategy: {meta}");
    let text = out(&ap(&["journal", "tail", d(), "--stream", "strategy", "-n", "1000000"]));
    let field = |l: &str, k: &str| -> String {
        let key = format!(" {k}=");
        let at = l.find(&key).unwrap_or_else(|| panic!("no {k} in {l}")) + key.len();
        l[at..].split(' ').next().unwrap().to_string()
    };
    let (mut decisions, mut signals) = (0, 0);
    for l in text.lines() {
        if l.contains(" aggregate ") {
            let mask: u64 = field(l, "agents").parse().unwrap();
            let want: Vec<&str> = (0..64).filter(|b| mask >> b & 1 == 1).map(|b| strategies[b]).collect();
            assert!(!want.is_empty(), "a decision that weighed nothing: {l}");
            assert_eq!(field(l, "agent_names"), want.join("+"), "{l}");
            decisions += 1;
        } else if l.contains(" signal ") {
            let k: usize = field(l, "agent").parse().unwrap();
            assert_eq!(field(l, "agent_name"), strategies[k], "{l}");
            signals += 1;
        }
    }
    let st: serde_json::Value =
        serde_json::from_slice(&ap(&["journal", "stat", "--json", d()]).stdout).unwrap();
    let by_type = &st["streams"][1]["records_by_type"];
    assert_eq!(decisions, by_type["aggregate"].as_u64().unwrap());
    assert_eq!(signals, by_type["signal"].as_u64().unwrap());
    assert!(decisions > 0 && signals > 0);
}

#[test]
fn export_jsonl_and_csv_with_bounds() {
    let (_, report) = journal();
    let o = ap(&["journal", "export", d(), "--format", "jsonl", "--stream", "sim_gateway"]);
    assert!(o.status.success(), "{}", err(&o));
    let rows: Vec<serde_json::Value> = out(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len() as u64, report["journal_streams"][4]["records"].as_u64().unwrap());
    let fills = rows.iter().filter(|r| r["exec_kind"] == "fill").count() as u64;
    assert_eq!(fills, report["fills"].as_u64().unwrap());

    let o = ap(&[
        "journal",
        "export",
        d(),
        "--format",
        "jsonl",
        "--stream",
        "feed",
        "--from",
        "10",
        "--to",
        "12",
    ]);
    let seqs: Vec<u64> = out(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [10, 11, 12]);
    // A time bound: from the time of the first strategy record from 5 on that is later than the one
    // before it (one event's signals and intent share a time).
    let rows = rows_of("strategy");
    let k = (5..rows.len()).find(|&i| rows[i]["ts"].as_u64() > rows[i - 1]["ts"].as_u64()).unwrap();
    let t = rows[k]["time"].as_str().unwrap().to_string();
    let o = ap(&["journal", "export", d(), "--format", "jsonl", "--stream", "strategy", "--from", &t]);
    let first: serde_json::Value = serde_json::from_str(out(&o).lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], k as u64);

    let o = ap(&["journal", "export", d(), "--format", "csv", "--stream", "router"]);
    let text = out(&o);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..5], ["stream", "seq", "ts", "time", "type"]);
    let body: Vec<&str> = lines.collect();
    let of_type = |t: &str| body.iter().filter(|l| l.split(',').nth(4) == Some(t)).count() as u64;
    assert_eq!(of_type("order_new"), report["orders_sent"].as_u64().unwrap());
    assert!(of_type("order_state") >= 4 * of_type("order_new"), "validate, approve, create, … per order");
    assert!(body.iter().all(|l| l.split(',').count() == header.len() && l.starts_with("router,")));
}

fn rows_of(stream: &str) -> Vec<serde_json::Value> {
    let o = ap(&["journal", "export", d(), "--format", "jsonl", "--stream", stream]);
    out(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn bad_usage_exits_2() {
    // A folder that is not a journal (not the shared temp dir: other tests leave journals there).
    let not_journal =
        alphapulse_shm::test_scratch::root().join(format!("ap-not-a-journal-{}", std::process::id()));
    std::fs::create_dir_all(&not_journal).unwrap();
    std::fs::write(not_journal.join("notes.txt"), "not a journal").unwrap();
    for args in [
        vec!["journal", "stat", "/nonexistent/journal"],
        vec!["journal", "tail", d(), "--stream", "nope"],
        vec!["journal", "export", d(), "--format", "jsonl", "--from", "yesterday"],
        vec!["journal", "export", d(), "--format", "xml"],
        vec!["journal", "stat", not_journal.to_str().unwrap()],
    ] {
        let o = ap(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(!err(&o).contains("panicked"));
    }
    let _ = std::fs::remove_dir_all(&not_journal);
    let o = ap(&["journal", "tail", d(), "--stream", "nope"]);
    assert!(err(&o).contains("streams: feed, strategy, risk, router, sim_gateway"), "{}", err(&o));
}

/// A copy of the run's `risk` stream (and `router`) to damage.
fn copy_stream(name: &str, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(journal().0.join(name)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn expect_bad(dir: &Path, want: &[&str]) {
    for cmd in [vec!["stat"], vec!["tail"], vec!["export", "--format", "csv"]] {
        let mut args = vec!["journal"];
        args.extend(cmd.iter().copied());
        args.push(dir.to_str().unwrap());
        let o = ap(&args);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {e}");
        assert!(!e.contains("panicked"), "{e}");
        for w in want {
            assert!(e.contains(w), "{args:?}: `{w}` not in {e}");
        }
    }
}

#[test]
fn corrupt_journals_are_reported_with_file_and_offset() {
    const SEG: &str = "00000000000000000000.seg";
    // A flipped payload byte in record 3 (records are 96 bytes after a 64-byte segment header).
    let flipped = tmp("flipped").join("risk");
    copy_stream("risk", &flipped);
    let seg = flipped.join(SEG);
    let mut b = std::fs::read(&seg).unwrap();
    b[64 + 3 * 96 + 50] ^= 0x01;
    std::fs::write(&seg, &b).unwrap();
    expect_bad(&flipped, &[SEG, "offset 352", "checksum"]);

    // A zeroed region between records (a hole).
    let zeroed = tmp("zeroed").join("risk");
    copy_stream("risk", &zeroed);
    let seg = zeroed.join(SEG);
    let mut b = std::fs::read(&seg).unwrap();
    b[64 + 96..64 + 2 * 96].fill(0);
    std::fs::write(&seg, &b).unwrap();
    expect_bad(&zeroed, &[SEG, "offset 160"]);

    // A truncated segment.
    let cut = tmp("cut").join("risk");
    copy_stream("risk", &cut);
    std::fs::OpenOptions::new().write(true).open(cut.join(SEG)).unwrap().set_len(1000).unwrap();
    expect_bad(&cut, &[SEG, "truncated"]);

    // A segment of another stream in its place.
    let other = tmp("other").join("risk");
    copy_stream("risk", &other);
    std::fs::copy(journal().0.join("router").join(SEG), other.join(SEG)).unwrap();
    expect_bad(&other, &[SEG, "another stream"]);
}

#[test]
fn an_unknown_message_version_is_an_error() {
    let dir = tmp("version").join("s");
    let mut w =
        Writer::create_or_open(&dir, StreamConfig { segment_size: 1 << 16, ..Default::default() }).unwrap();
    let mut b = [0u8; ENCODED_LEN];
    Msg::Eos(EndOfStream { ts: 5 }).encode(&mut b);
    w.append(11, CODEC_VERSION, 5, &b).unwrap();
    w.append(11, 7, 5, &b).unwrap();
    drop(w);
    expect_bad(&dir, &["unknown message version 7", "offset 160", "record 1"]);
}

#[test]
fn tail_follows_a_live_writer_in_another_process() {
    let dir = tmp("live").join("feed");
    let mut w =
        Writer::create_or_open(&dir, StreamConfig { segment_size: 1 << 16, ..Default::default() }).unwrap();
    // `-n` large: records written before the tail has read to the end are shown too, so the
    // outcome does not depend on when the child starts.
    let (mut child, rx) = common::tail_follow(&dir, "100000", Stdio::null());
    let mut seen = Vec::new();
    // 1,000 records (several segment rolls) written while the tail is running.
    let deadline = Instant::now() + Duration::from_secs(30);
    for i in 0..1000u64 {
        let mut b = [0u8; ENCODED_LEN];
        let m = Msg::Eos(EndOfStream { ts: 1_723_075_200_000_000_000 + i });
        m.encode(&mut b);
        w.append(m.kind(), CODEC_VERSION, m.event_ts(), &b).unwrap();
        if i % 100 == 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    while seen.len() < 1000 && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.push(l);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seen.len(), 1000, "the tail saw every record");
    assert!(seen[0].starts_with("feed 0 2024-08-08T00:00:00.000000000Z end_of_stream"), "{}", seen[0]);
    assert!(
        seen.iter().enumerate().all(|(i, l)| l.starts_with(&format!("feed {i} "))),
        "in order, none lost"
    );
    assert!(seen[999].starts_with("feed 999 2024-08-08T00:00:00.000000999Z"), "{}", seen[999]);
    assert!(w.stats().rolls >= 1);
}

#[test]
fn from_journal_refuses_a_folder_that_is_not_a_journal() {
    let o = ap(&[
        "backtest",
        "--no-journal",
        "--from-journal",
        alphapulse_shm::test_scratch::root().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("no `feed` stream"), "{}", err(&o));
    // And a journal folder is never reused.
    let o = ap(&["backtest", "--journal", d()]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("not empty"), "{}", err(&o));
}
