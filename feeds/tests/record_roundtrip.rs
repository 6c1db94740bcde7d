//! The recorder on real captures: what it writes replays exactly as the input did (the sample; the
//! BTCUSDT 08+09 days across midnight; BTC and ETH interleaved), and a restarted recorder never
//! overwrites the hour's file.

mod common;
mod record_common;

use alphapulse_feeds::record::{start, RecordOptions, RecordSummary, Rotation};
use alphapulse_feeds::testdata;
use record_common::*;
use std::path::{Path, PathBuf};

/// Record `inputs` (each with the symbol index of its snapshot lines), merged by receive time the
/// way the replay merges them (ties: the earlier input), into `dir`.
fn record(dir: &Path, symbols: &[&str], inputs: &[(u16, Vec<Vec<u8>>)]) -> RecordSummary {
    let mut opts = RecordOptions::new(dir.to_path_buf(), symbols.iter().map(|s| s.to_string()).collect());
    let total: usize = inputs.iter().flat_map(|(_, ls)| ls.iter().map(|l| l.len() + 16)).sum();
    opts.ring_bytes = total + 4096; // everything fits: nothing may be dropped
    let (mut tap, rec) = start(opts).unwrap();
    let mut at = vec![0usize; inputs.len()];
    loop {
        let next = (0..inputs.len())
            .filter(|&i| at[i] < inputs[i].1.len())
            .min_by_key(|&i| (split(&inputs[i].1[at[i]]).0, i));
        let Some(i) = next else { break };
        assert!(feed_line(&mut tap, inputs[i].0, &inputs[i].1[at[i]]));
        at[i] += 1;
    }
    assert_eq!(tap.dropped(), 0);
    let s = rec.finish(tap).unwrap();
    assert!(s.is_complete(), "{s:?}");
    s
}

#[test]
fn sample_round_trip_replays_the_same() {
    let dir = tmp_dir("sample");
    let input = common::lines_of(&testdata::sample_capture());
    let s = record(&dir, &["btcusdt"], &[(0, input.clone())]);
    assert_eq!(names(&dir), ["btcusdt_20240808T23.gz"]);
    assert_eq!(s.files.len(), 1);
    assert_eq!(s.files[0].lines, input.len() as u64);
    assert_eq!(s.stats.flushed, input.len() as u64);
    assert_eq!(s.outputs[0].frames + s.outputs[0].snapshots, input.len() as u64);
    assert_eq!(s.outputs[0].snapshots, 1);
    assert_eq!((s.outputs[1].frames, s.stats.unroutable), (0, 0));
    assert_eq!(lines_read(&s.files[0].path), input, "byte-identical lines");
    let raw: u64 = input.iter().map(|l| l.len() as u64 + 1).sum();
    assert_eq!(s.files[0].raw_bytes, raw);
    println!(
        "sample: {} lines, {raw} bytes -> {} gzip bytes in {} members",
        s.files[0].lines, s.files[0].bytes, s.files[0].members
    );
    let want = seen(&[testdata::sample_capture()]);
    let got = seen(&sorted_files(&dir));
    assert!(want.msgs.len() > 40_000 && want.golden.1 > 3_000, "the replay did something");
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rotation_across_midnight_and_two_symbols() {
    let Some(spot) = spot_dir() else {
        println!("skipped: ../shared/data/binance-spot is absent");
        return;
    };
    let day = |sym: &str, d: &str| spot.join(format!("{sym}_2024080{d}.gz"));
    // BTCUSDT 08+09: the hour changes at midnight.
    let originals = [day("btcusdt", "8"), day("btcusdt", "9")];
    let input: Vec<Vec<u8>> = originals.iter().flat_map(|p| common::lines_of(p)).collect();
    let dir = tmp_dir("midnight");
    let s = record(&dir, &["btcusdt"], &[(0, input)]);
    assert_eq!(names(&dir), ["btcusdt_20240808T23.gz", "btcusdt_20240809T00.gz"]);
    for (file, orig) in sorted_files(&dir).iter().zip(&originals) {
        // The captures were cut at midnight by receive time too: each hour is one original file.
        assert_eq!(lines_read(file), common::lines_of(orig), "{}", file.display());
    }
    assert_eq!(s.files.iter().map(|f| f.lines).sum::<u64>(), 41_249 + 58_325);
    assert_eq!(seen(&sorted_files(&dir)), seen(&originals));
    let _ = std::fs::remove_dir_all(&dir);

    // BTC and ETH, both days, interleaved by time: each symbol to its own files.
    let both: Vec<PathBuf> =
        vec![day("btcusdt", "8"), day("btcusdt", "9"), day("ethusdt", "8"), day("ethusdt", "9")];
    let btc: Vec<Vec<u8>> = both[..2].iter().flat_map(|p| common::lines_of(p)).collect();
    let eth: Vec<Vec<u8>> = both[2..].iter().flat_map(|p| common::lines_of(p)).collect();
    let dir = tmp_dir("two");
    let s = record(&dir, &["btcusdt", "ethusdt"], &[(0, btc), (1, eth)]);
    assert_eq!(
        names(&dir),
        [
            "btcusdt_20240808T23.gz",
            "btcusdt_20240809T00.gz",
            "ethusdt_20240808T23.gz",
            "ethusdt_20240809T00.gz"
        ]
    );
    for (file, orig) in sorted_files(&dir).iter().zip(&both) {
        assert_eq!(lines_read(file), common::lines_of(orig), "{}", file.display());
    }
    let counts: Vec<(u64, u64)> = s.outputs.iter().map(|o| (o.frames, o.snapshots)).collect();
    assert_eq!(counts, [(41_248 + 58_325, 1), (33_617 + 46_126, 1), (0, 0)]);
    let got = seen(&sorted_files(&dir));
    assert_eq!(got.books.len(), 6);
    assert!(got.books[0].synced && got.books[1].synced, "both books synced");
    assert_eq!(got, seen(&both));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_restart_in_the_same_hour_writes_a_new_file_that_replays_after_the_first() {
    let dir = tmp_dir("restart");
    let input = common::lines_of(&testdata::sample_capture());
    let half = input.len() / 2;
    let first = record(&dir, &["btcusdt"], &[(0, input[..half].to_vec())]);
    let before = std::fs::read(&first.files[0].path).unwrap();
    // The restarted recorder, same hour: the first file stays as it was.
    let second = record(&dir, &["btcusdt"], &[(0, input[half..].to_vec())]);
    assert_eq!(names(&dir), ["btcusdt_20240808T23.gz", "btcusdt_20240808T23_001.gz"]);
    assert_eq!(std::fs::read(&first.files[0].path).unwrap(), before, "not overwritten");
    assert_eq!(second.files[0].path, dir.join("btcusdt_20240808T23_001.gz"));
    // A third one finds both names taken.
    let third = record(&dir, &["btcusdt"], &[(0, input[half..half + 10].to_vec())]);
    assert_eq!(third.files[0].path, dir.join("btcusdt_20240808T23_002.gz"));
    std::fs::remove_file(&third.files[0].path).unwrap();
    // Sorted, the two files replay as one stream, equal to the whole sample.
    assert_eq!(seen(&sorted_files(&dir)), seen(&[testdata::sample_capture()]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn daily_rotation_and_unroutable_frames() {
    let dir = tmp_dir("daily");
    let mut opts = RecordOptions::new(dir.clone(), vec!["btcusdt".into()]);
    opts.rotation = Rotation::Daily;
    let (mut tap, rec) = start(opts).unwrap();
    let t = 1_723_161_599_000_000_000; // 2024-08-08T23:59:59Z
    assert!(tap.frame(t, br#"{"result":null,"id":1}"#));
    assert!(tap.frame(t + 1, br#"{"stream":"btcusdt@trade","data":{"e":"trade"}}"#));
    assert!(tap.frame(t + 2, br#"{"stream":"ethusdt@trade","data":{}}"#));
    assert!(tap.frame(t + 2_000_000_000, br#"{"stream":"!serverShutdown","data":{"e":"serverShutdown"}}"#));
    assert!(tap.frame(t + 3, b"{\"stream\":\"btcusdt@trade\",\n\"data\":{}}"), "the tap does not look");
    assert!(tap.frame(t + 4, b""));
    assert!(!tap.snapshot(1, t, b"{}"), "no symbol 1");
    let s = rec.finish(tap).unwrap();
    assert_eq!(names(&dir), ["btcusdt_20240808.gz", "events_20240808.gz", "events_20240809.gz"]);
    assert_eq!((s.stats.unroutable, s.stats.refused, s.stats.dropped), (3, 2, 1));
    assert!(!s.is_complete());
    let ev = lines_read(&dir.join("events_20240808.gz"));
    assert_eq!(
        ev,
        [
            b"1723161599000000000 {\"result\":null,\"id\":1}".to_vec(),
            b"1723161599000000002 {\"stream\":\"ethusdt@trade\",\"data\":{}}".to_vec()
        ]
    );
    // The replay reads the events files as frames of no instrument.
    let ev_files: Vec<PathBuf> =
        sorted_files(&dir).into_iter().filter(|p| names_of(p).starts_with("events_")).collect();
    let (r, _) = common::replay(&ev_files, false);
    let st = r.stats();
    let other = st.frames_of(alphapulse_feeds::FrameKind::Other);
    println!("events replayed: {} frames, other {other}, malformed {}", st.frames, st.malformed_total());
    // `{"result":..}` is an `other` frame; `!serverShutdown` an unknown stream (other, and
    // counted malformed); the empty ETHUSDT trade malformed.
    assert!(st.frames == 3 && other >= 1);
    assert!(st.books.iter().all(|b| b.frames == 0 && b.snapshots == 0), "no book touched");
    let _ = std::fs::remove_dir_all(&dir);
}

fn names_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn write_errors_are_reported_by_finish() {
    let dir = tmp_dir("errors");
    let (mut tap, rec) = start(RecordOptions::new(dir.clone(), vec!["btcusdt".into()])).unwrap();
    std::fs::remove_dir_all(&dir).unwrap(); // the folder vanishes under the recorder
    let input = common::lines_of(&testdata::sample_capture());
    for l in &input[..100] {
        assert!(feed_line(&mut tap, 0, l));
    }
    let err = rec.finish(tap).unwrap_err();
    let alphapulse_feeds::record::RecordError::Failed(s) = &err else { panic!("{err}") };
    assert!(s.stats.errors >= 1 && s.stats.lost == 100, "{s:?}");
    assert_eq!(s.failures[0].kind, std::io::ErrorKind::NotFound);
    println!("reported: {err}");

    // Bad options and an output path that is a file are refused at start.
    let file = tmp_dir("errors-file").join("plain");
    std::fs::write(&file, b"x").unwrap();
    assert!(start(RecordOptions::new(file.clone(), vec!["btcusdt".into()])).is_err());
    for syms in [vec![], vec!["BTCUSDT".to_string()], vec!["events".into()], vec!["a".into(), "a".into()]] {
        assert!(start(RecordOptions::new(dir.clone(), syms)).is_err());
    }
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}
