//! Append throughput, for quoting (not a benchmark suite; run it alone, in release):
//! `cargo test -p alphapulse-shm --release -- --ignored --nocapture throughput`
mod common;

use alphapulse_shm::*;
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn run(payload_len: usize, records: u64, segment_size: u64) {
    let t = TempDir::new("tput");
    let cfg = StreamConfig {
        segment_size,
        retention: Retention { max_segments: Some(3), max_age_secs: None },
        ..Default::default()
    };
    let mut w = Writer::create_or_open(t.stream(), cfg.clone()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let slow = {
        let (prep, stop, ret) = (w.preparer(), stop.clone(), cfg.retention.clone());
        std::thread::spawn(move || {
            let (mut n, mut total) = (0u32, 0f64);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if prep.prepare().unwrap() {
                    n += 1;
                    total += t.elapsed().as_secs_f64();
                }
                prep.enforce_retention(&ret).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            (n, total)
        })
    };
    let payload = vec![0x42u8; payload_len];
    let t0 = Instant::now();
    for ts in 0..records {
        w.append(1, 1, ts, std::hint::black_box(&payload)).unwrap();
    }
    let dt = t0.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (prepared, prep_secs) = slow.join().unwrap();
    let st = w.stats();
    let rec_bytes = align8(RECORD_HEADER + payload_len) as f64;
    println!(
        "throughput {payload_len:>3} B payload, {} MiB segments: {:.1} M records/s, {:.2} GB/s payload, \
         {:.2} GB/s written; {} records, {} rolls ({} prepared inline; \
         slow thread: {prepared} segments, {:.1} ms each = {:.2} GB/s)",
        segment_size >> 20,
        records as f64 / dt / 1e6,
        records as f64 * payload_len as f64 / dt / 1e9,
        records as f64 * rec_bytes / dt / 1e9,
        records,
        st.rolls,
        st.inline_prepares,
        prep_secs * 1e3 / prepared.max(1) as f64,
        prepared as f64 * segment_size as f64 / prep_secs.max(1e-9) / 1e9,
    );
}

#[test]
#[ignore = "prints append throughput; run in release"]
fn throughput() {
    // Within one pre-faulted segment (no rolls): the cost of append itself.
    run(64, 10_000_000, 1 << 30);
    run(256, 3_000_000, 1 << 30);
    // Sustained, with rolls: a slow thread prepares 64 MiB segments and applies retention.
    run(64, 50_000_000, 64 << 20);
    run(256, 20_000_000, 64 << 20);
}
