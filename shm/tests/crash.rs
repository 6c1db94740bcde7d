//! kill -9 crash test. The test re-executes its own binary as the writer process (the ignored test
//! `crash_writer_child` does the writing when `APSHM_CRASH_CHILD_DIR` is set), SIGKILLs it after a
//! random few ms, and checks recovery while a reader in this process watches the stream.
//! `JOURNAL_CRASH_ITERS` sets the number of rounds (default 50).
mod common;

use alphapulse_shm::*;
use common::*;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ENV_DIR: &str = "APSHM_CRASH_CHILD_DIR";
const ENV_SEG: &str = "APSHM_CRASH_CHILD_SEG";
const MAXP: usize = 300;

/// The writer process: appends deterministic records as fast as it can until killed.
#[test]
#[ignore = "child process of crash_kill9_recovers_every_committed_record"]
fn crash_writer_child() {
    let Ok(dir) = std::env::var(ENV_DIR) else { return };
    let seg: u64 = std::env::var(ENV_SEG).ok().and_then(|s| s.parse().ok()).unwrap_or(64 << 10);
    let mut w = Writer::create_or_open(&dir, small(seg)).expect("child open");
    let prep = w.preparer();
    std::thread::spawn(move || loop {
        let _ = prep.prepare();
        std::thread::sleep(Duration::from_micros(200));
    });
    loop {
        let seq = w.next_seq();
        let n = payload_len(seq, MAXP);
        w.append_with(3, 1, seq, n, |b| fill_payload(seq, b)).expect("child append");
    }
}

fn check(seq: u64, rec: &RecordRef<'_>) {
    assert_eq!((rec.seq, rec.ty, rec.version, rec.ts), (seq, 3, 1, seq));
    assert_eq!(rec.payload, payload(seq, MAXP).as_slice(), "payload of record {seq}");
}

/// Reads and checks records until `target` (set later) is reached; publishes its progress.
fn watch(dir: &Path, seen: &AtomicU64, target: &AtomicU64, quit: &AtomicBool) {
    let mut r = loop {
        match Reader::open(dir) {
            Ok(r) => break r,
            Err(JournalError::NotAStream(_)) | Err(JournalError::Io { .. })
                if !quit.load(Ordering::Acquire) =>
            {
                std::thread::sleep(Duration::from_micros(100))
            }
            Err(e) => panic!("reader open: {e}"),
        }
    };
    let mut next = 0;
    let t0 = Instant::now();
    while next < target.load(Ordering::Acquire) {
        match r.next() {
            Ok(Some(rec)) => {
                check(next, &rec);
                next += 1;
                seen.store(next, Ordering::Release);
            }
            Ok(None) => std::thread::yield_now(),
            Err(e) => panic!("concurrent reader at seq {next}: {e}"),
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "reader stuck at {next}");
    }
}

#[test]
fn crash_kill9_recovers_every_committed_record() {
    let iters: u32 = std::env::var("JOURNAL_CRASH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(50);
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut rng = seed;
    let mut rand = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let exe = std::env::current_exe().unwrap();
    let (mut torn, mut total, mut max_seen_before) = (0u32, 0u64, 0u64);
    for i in 0..iters {
        let t = TempDir::new("crash");
        let dir = t.stream();
        let seg = if i % 3 == 2 { 1 << 20 } else { 64 << 10 };
        let seen = Arc::new(AtomicU64::new(0));
        let target = Arc::new(AtomicU64::new(u64::MAX));
        let quit = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (dir, seen, target, quit) = (dir.clone(), seen.clone(), target.clone(), quit.clone());
            std::thread::spawn(move || watch(&dir, &seen, &target, &quit))
        };
        let mut child = std::process::Command::new(&exe)
            .args(["--ignored", "--exact", "crash_writer_child", "--nocapture", "--test-threads=1"])
            .env(ENV_DIR, &dir)
            .env(ENV_SEG, seg.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while !dir.join(META_FILE).exists() && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_micros(500 + rand() % 15_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let seen_at_kill = seen.load(Ordering::Acquire);

        let mut w = Writer::create_or_open(&dir, small(seg)).expect("reopen after kill -9");
        let rec = w.recovery().clone();
        let recovered = rec.last_seq.map_or(0, |s| s + 1);
        assert!(
            recovered >= seen_at_kill,
            "round {i}: reader saw {seen_at_kill} committed, recovered {recovered}"
        );
        assert_eq!(rec.records, recovered);
        torn += rec.torn_at.is_some() as u32;
        // Resume: the next records continue the same sequence, and the watcher sees them too.
        for _ in 0..100 {
            let seq = w.next_seq();
            w.append_with(3, 1, seq, payload_len(seq, MAXP), |b| fill_payload(seq, b)).unwrap();
        }
        target.store(recovered + 100, Ordering::Release);
        quit.store(true, Ordering::Release);
        watcher.join().expect("concurrent reader saw only intact records");
        // A fresh reader: every record intact and in order, nothing after the last one.
        let mut r = Reader::open(&dir).unwrap();
        for s in 0..recovered + 100 {
            check(s, &r.next().unwrap().unwrap_or_else(|| panic!("round {i}: record {s} missing")));
        }
        assert!(r.next().unwrap().is_none(), "round {i}: data after the last record");
        total += recovered;
        max_seen_before = max_seen_before.max(seen_at_kill);
    }
    println!(
        "crash test: {iters} kill -9 rounds (seed {seed:#x}), {total} records recovered intact, \
         {torn} torn tails detected and zeroed, concurrent reader saw up to {max_seen_before} before a kill"
    );
}
