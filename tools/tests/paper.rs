//! Paper trading end to end: `alphapulse run`'s chain on the live feed, against the local exchange
//! simulator serving the real sample, recording what it receives. The recording replayed by the
//! backtest must give the same trading report as the live run it recorded (the chain runs on the
//! receive times the feed stamps, so the simulated exchange fills identically).

use alphapulse_exsim::{SimConfig, Speed};
use alphapulse_tools::backtest;
use alphapulse_tools::config::Config;
use alphapulse_tools::run;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Keys that legitimately differ between a live run and the replay of its recording.
const DIFFERENT: [&str; 5] = ["source", "live", "files", "journal_dir", "journal_streams"];

fn comparable(mut v: Value) -> Value {
    if let Value::Object(o) = &mut v {
        for k in alphapulse_tools::report::TIMING_KEYS.iter().chain(DIFFERENT.iter()) {
            o.remove(*k);
        }
        // Bytes of the input: WebSocket messages live, capture lines (with their receive time)
        // in the replay.
        if let Some(Value::Object(c)) = o.get_mut("feed_counters") {
            c.remove("bytes");
        }
    }
    v
}

#[test]
fn a_paper_run_and_the_backtest_of_its_recording_give_the_same_report() {
    let mut sc = SimConfig::new(vec![alphapulse_feeds::testdata::sample_capture()]);
    sc.speed = Speed::Max;
    sc.wait_for_clients = 1;
    sc.max_queue_frames = 64;
    let h = alphapulse_exsim::start(sc).expect("simulator");
    let dir = alphapulse_shm::test_scratch::root().join(format!("ap-paper-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = Config::default();
    cfg.live.ws_url = format!("ws://{}", h.ws_addr());
    cfg.live.rest_url = format!("http://{}", h.http_addr());
    cfg.live.symbols = vec!["btcusdt".into()];
    // The simulator serves faster than real time: its retimed exchange times run ahead.
    cfg.feed.max_exchange_skew_ns = 3_600_000_000_000;
    cfg.symbols = vec!["BTCUSDT".into()];
    // At full speed the 6-minute sample passes in a second or two of receive time: with the
    // default 2 s cooldown between intents the strategy would hardly trade.
    cfg.strategy.aggregator.min_interval_ns = 5_000_000;

    // Stop once the simulator has served the whole capture and the last frames have crossed the
    // loopback.
    let stop = Arc::new(AtomicBool::new(false));
    let (s2, h_done) = (stop.clone(), Arc::new(h));
    let h2 = h_done.clone();
    let watcher = std::thread::spawn(move || {
        let start = Instant::now();
        while !h2.is_done() && start.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Generous on a loaded machine: waiting longer only adds idle time, never changes results.
        std::thread::sleep(Duration::from_secs(5));
        s2.store(true, Ordering::Relaxed);
    });
    let out = run::execute(&cfg, stop, None, Some(dir.join("rec")), false).expect("paper run");
    watcher.join().unwrap();
    let rec = out.recording.expect("a recording");
    assert!(rec.is_complete(), "nothing lost: {:?}", rec.stats);
    let live = out.report.to_json();
    println!(
        "paper: fills {} pnl {} frames {} live {}",
        live["fills"], live["realized_pnl"], live["frames"], live["live"]
    );
    assert_eq!(live["source"], "live");
    assert_eq!(live["frames"].as_u64(), Some(41_249), "every frame of the sample and its snapshot");
    assert!(live["fills"].as_u64().unwrap() > 0, "the strategy traded");
    assert_eq!(live["gaps"].as_u64(), Some(0));

    // The recording through the backtest.
    let mut files: Vec<_> = std::fs::read_dir(dir.join("rec"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("btcusdt_")))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut bt = cfg.clone();
    bt.data = files;
    backtest::check(&mut bt).unwrap();
    let replay = backtest::execute(&bt, false).expect("backtest of the recording").to_json();
    let (a, b) = (comparable(live), comparable(replay));
    let diffs = alphapulse_tools::config::json_differences(&a, &b);
    assert!(diffs.is_empty(), "the live run and the replay of its recording differ: {diffs:#?}");
    let _ = std::fs::remove_dir_all(&dir);
    match Arc::try_unwrap(h_done) {
        Ok(h) => h.shutdown(),
        Err(_) => unreachable!("the watcher is joined"),
    }
}
