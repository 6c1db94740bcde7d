//! Damaged input and book sync through the binary: a cut or corrupt gzip exits 3 (0 with
//! `--accept-damaged`) and is named with its byte offset and lines read in the report, the JSON
//! and on stderr; a capture without a snapshot says its book never synced; every feed counter
//! reaches the report, the JSON and the README.

mod common;
use std::path::PathBuf;
use std::process::Output;

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-damaged-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn alphapulse(args: &[&str]) -> Output {
    common::ap_in(&tmp("cwd"), args)
}

/// The sample, damaged by `f`, as `<tag>/btcusdt_20240808.gz`.
fn damaged_sample(tag: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = std::fs::read(alphapulse_feeds::testdata::sample_capture()).unwrap();
    f(&mut bytes);
    let dir = tmp(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("btcusdt_20240808.gz");
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn check_damaged(path: &str, offset: u64, lines_read: u64, error: &str) {
    let o = alphapulse(&["backtest", "--no-journal", "--json", "--data", path]);
    let err = common::err(&o);
    println!("exit {:?}; stderr:\n{err}", o.status.code());
    assert_eq!(o.status.code(), Some(3), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = &v["damaged_files"];
    assert_eq!(d.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(d[0]["file"], path);
    assert_eq!(d[0]["offset"], offset);
    assert_eq!(d[0]["lines_read"], lines_read);
    assert_eq!(d[0]["error"], error);
    assert_eq!(v["malformed"], 0, "no garbage parsed");
    let w = format!("damaged input {path}:");
    assert!(err
        .lines()
        .any(|l| l.starts_with("warning: ") && l.contains(&w) && l.contains(&offset.to_string())));

    // Accepted: exit 0, damage still reported (text report too).
    let o = alphapulse(&["backtest", "--no-journal", "--accept-damaged", "--data", path]);
    assert_eq!(o.status.code(), Some(0), "{}", common::err(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("damaged files                1"), "{text}");
    assert!(
        text.contains(&format!("{path}: "))
            && text.contains(&format!("at byte {offset}, {lines_read} line(s) read"))
    );
    assert!(common::err(&o).contains(&w));
}

#[test]
fn a_gzip_cut_at_600000_exits_3() {
    let p = damaged_sample("cut", |b| b.truncate(600_000));
    check_damaged(&p, 600_000, 19_674, "truncated");
}

#[test]
fn a_flipped_byte_exits_3() {
    let mut len = 0;
    let p = damaged_sample("flip", |b| {
        b[600_000] ^= 0x10;
        len = b.len() as u64;
    });
    check_damaged(&p, len - 8, 0, "crc_mismatch");
}

#[test]
fn without_a_snapshot_the_book_never_syncs_and_a_warning_says_why() {
    use std::io::{BufRead, BufReader, Write};
    let f = std::fs::File::open(alphapulse_feeds::testdata::sample_capture()).unwrap();
    let p = tmp("btcusdt_nosnap.txt");
    let mut out = std::fs::File::create(&p).unwrap();
    for l in BufReader::new(flate2::read::MultiGzDecoder::new(f)).lines() {
        let l = l.unwrap();
        if !l.contains("lastUpdateId") {
            writeln!(out, "{l}").unwrap();
        }
    }
    drop(out);
    let o = alphapulse(&["backtest", "--no-journal", "--json", "--data", p.to_str().unwrap()]);
    let err = common::err(&o);
    println!("stderr:\n{err}");
    assert_eq!(o.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let b = &v["books"][0];
    println!("{b}");
    assert_eq!(b["symbol"], "BTCUSDT");
    assert_eq!(b["ever_synced"], false);
    assert_eq!(b["synced_at_end"], false);
    assert_eq!(b["not_synced_reason"], "no_snapshot");
    assert_eq!(b["depth_updates"], 3451);
    assert!(
        err.lines()
            .any(|l| l.starts_with("warning: BTCUSDT: 3451 depth update(s) but the book never synced")
                && l.contains("no snapshot in the input")),
        "{err}"
    );
}

/// The top-level field names of `FeedStats`'s derived `Debug` (every field, whatever it is called).
fn feed_stats_fields() -> Vec<String> {
    let dbg = format!("{:?}", alphapulse_feeds::FeedStats::default());
    let body = dbg.strip_prefix("FeedStats { ").and_then(|b| b.strip_suffix(" }")).expect("FeedStats debug");
    let (mut depth, mut start, mut names) = (0i32, 0usize, Vec::new());
    for (i, c) in body.char_indices() {
        match c {
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => depth -= 1,
            ':' if depth == 0 => names.push(body[start..i].trim().trim_start_matches(',').trim().to_string()),
            ',' if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    names
}

#[test]
fn every_feed_counter_is_in_the_json_the_text_and_the_readme() {
    use alphapulse_tools::report::{feed_counters, FEED_STRUCTURED};
    let fields = feed_stats_fields();
    assert!(fields.len() >= 19, "{fields:?}");
    let counters: Vec<&str> =
        feed_counters(&alphapulse_feeds::FeedStats::default()).iter().map(|(k, _)| *k).collect();
    let o = alphapulse(&["backtest", "--no-journal", "--json"]);
    assert!(o.status.success(), "{}", common::err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = String::from_utf8_lossy(&alphapulse(&["backtest", "--no-journal", "-q"]).stdout).into_owned();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    for f in &fields {
        if counters.contains(&f.as_str()) {
            assert!(v["feed_counters"].get(f).is_some_and(|x| x.is_u64()), "feed_counters.{f} missing: {v}");
            assert!(text.contains(&format!(" {f} ")), "text report lacks the counter {f}");
            assert!(readme.contains(&format!("`{f}`")), "README key table lacks `{f}`");
        } else {
            let key = FEED_STRUCTURED.iter().find(|(n, _)| n == f).map(|(_, k)| *k);
            let key = key
                .unwrap_or_else(|| panic!("FeedStats field `{f}` is neither a reported counter nor mapped"));
            assert!(v.get(key).is_some(), "JSON lacks `{key}` (FeedStats::{f})");
            assert!(readme.contains(&format!("`{key}`")), "README lacks `{key}`");
        }
    }
    assert_eq!(v["feed_counters"]["frames"], 41_249);
    assert_eq!(v["feed_counters"]["snapshots_applied"], 1);
    assert_eq!(
        v["feed_counters"]["depth_applied"].as_u64(),
        Some(3451 - v["stale_dropped"].as_u64().unwrap())
    );
    assert_eq!(v["books"][0]["not_synced_reason"], serde_json::Value::Null);
    assert_eq!(v["books"][0]["ever_synced"], true);
    assert_eq!(v["damaged_files"], serde_json::json!([]));
}

#[test]
fn help_documents_exit_status_3_and_the_flag() {
    let o = alphapulse(&["backtest", "--help"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("3 damaged input") && s.contains("--accept-damaged"), "{s}");
    let o = alphapulse(&["--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 a backtest read damaged"));
}
