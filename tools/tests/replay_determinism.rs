//! Deterministic replay: `backtest --from-journal` feeds a run's journaled market events back
//! through the actors, and every stream it writes is bit-identical (sequence, type, version,
//! timestamp, payload) to the original run's — replayed on one thread and on two threads, and the
//! original itself is identical on one and two threads.

mod common;

use alphapulse_runtime::PlacementConfig;
use alphapulse_shm::Reader;
use alphapulse_tools::backtest::{check, execute_with, replay_config, RunOptions, CHAIN};
use alphapulse_tools::config::Config;
use std::path::{Path, PathBuf};

type Record = (u64, u16, u16, u64, Vec<u8>);

fn records(dir: &Path) -> Vec<Record> {
    let mut r = Reader::open(dir).unwrap();
    let mut v = Vec::new();
    while let Some(x) = r.next().unwrap() {
        v.push((x.seq, x.ty, x.version, x.ts, x.payload.to_vec()));
    }
    v
}

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-replay-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn config(two_threads: bool) -> Config {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    if two_threads {
        cfg.placement = PlacementConfig::two_threads(&CHAIN, 1);
    }
    check(&mut cfg).unwrap();
    cfg
}

#[test]
fn replayed_streams_are_bit_identical_in_both_placements() {
    let original = tmp("original");
    let opts = RunOptions { journal: Some(original.clone()), ..RunOptions::default() };
    let first = execute_with(&config(false), &opts).unwrap();
    assert!(first.orders_sent > 0 && first.fills > 0, "the run must trade for this to mean something");
    assert_eq!(first.journal_errors, 0);

    let original_two = tmp("original-two");
    let opts = RunOptions { journal: Some(original_two.clone()), ..RunOptions::default() };
    execute_with(&config(true), &opts).unwrap();

    let mut replays = Vec::new();
    for (name, two) in [("replay-one", false), ("replay-two", true)] {
        let dir = tmp(name);
        let mut cfg = config(two);
        replay_config(&mut cfg, &original, false).unwrap();
        let opts = RunOptions {
            journal: Some(dir.clone()),
            from_journal: Some(original.clone()),
            ..RunOptions::default()
        };
        let rep = execute_with(&cfg, &opts).unwrap();
        assert_eq!(rep.source, "journal");
        assert_eq!((rep.orders_sent, rep.fills, rep.events), (first.orders_sent, first.fills, first.events));
        assert_eq!(rep.realized_pnl.to_bits(), first.realized_pnl.to_bits());
        println!(
            "{name}: {} events through the chain at {:.0} events/s (test profile, journaled)",
            rep.events, rep.events_per_sec
        );
        replays.push(dir);
    }
    for stream in CHAIN {
        let want = records(&original.join(stream));
        assert!(!want.is_empty(), "stream {stream} is empty");
        assert_eq!(records(&original_two.join(stream)), want, "original, two threads: stream {stream}");
        for r in &replays {
            let got = records(&r.join(stream));
            assert_eq!(got.len(), want.len(), "{}: stream {stream}", r.display());
            assert!(got == want, "{}: stream {stream} differs", r.display());
        }
        println!(
            "stream {stream:<12} {:>8} records: bit-identical in 2 original + 2 replay runs",
            want.len()
        );
    }
    let _ = std::fs::remove_dir_all(original.parent().unwrap());
}
