//! How fast the writer compresses at gzip levels 1, 6 and 9, on the real sample (three passes,
//! 33 MB of lines), through the whole recorder: tap → ring → writer thread → members → file.
//! A measurement, not a timed test: it prints MB/s and the ratio, and checks only that every
//! level wrote the lines back exactly. Run it optimised:
//! `cargo test --release -p alphapulse-feeds --test record_levels -- --ignored --nocapture`.

mod common;
mod record_common;

use alphapulse_feeds::record::{start, RecordOptions};
use alphapulse_feeds::testdata;
use record_common::*;
use std::time::Instant;

const PASSES: usize = 3;

#[test]
#[ignore = "a measurement; run it with --release (see the file's doc)"]
fn gzip_levels_throughput() {
    let input = common::lines_of(&testdata::sample_capture());
    let parsed: Vec<(u64, &[u8])> = input.iter().map(|l| split(l)).collect();
    let raw: u64 = input.iter().map(|l| l.len() as u64 + 1).sum::<u64>() * PASSES as u64;
    for level in [1, 6, 9] {
        let dir = tmp_dir(&format!("level{level}"));
        let mut opts = RecordOptions::new(dir.clone(), vec!["btcusdt".into()]);
        opts.level = level;
        opts.ring_bytes = 64 << 20;
        let (mut tap, rec) = start(opts).unwrap();
        let t0 = Instant::now();
        for _ in 0..PASSES {
            for &(ts, f) in &parsed {
                while !(if is_snapshot(f) { tap.snapshot(0, ts, f) } else { tap.frame(ts, f) }) {
                    std::thread::yield_now();
                }
            }
        }
        let fed = t0.elapsed().as_secs_f64();
        let s = rec.finish(tap).unwrap();
        let secs = t0.elapsed().as_secs_f64();
        let gz = s.files[0].bytes;
        println!(
            "level {level}: {:.1} MB/s of lines ({:.0} k lines/s), {:.1} MB -> {:.2} MB (ratio {:.1}x), {} members",
            raw as f64 / secs / 1e6,
            (input.len() * PASSES) as f64 / secs / 1e3,
            raw as f64 / 1e6,
            gz as f64 / 1e6,
            raw as f64 / gz as f64,
            s.files[0].members
        );
        println!(
            "  the tap meanwhile (writer busy on the other core): {:.0} ns per record, {:.2} GB/s",
            fed * 1e9 / (input.len() * PASSES) as f64,
            raw as f64 / fed / 1e9
        );
        let back = lines_read(&s.files[0].path);
        assert_eq!(back.len(), input.len() * PASSES);
        assert_eq!(back[..input.len()], input[..], "level {level} wrote the lines back exactly");
        assert_eq!(s.stats.dropped, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
    // Live, a member holds one second of frames (~120 lines of the sample) and each member starts
    // with an empty dictionary: the ratio that costs, per level.
    for level in [1, 6, 9] {
        let (mut gz, mut member, mut second) = (0u64, Vec::new(), 0u64);
        let mut end = |m: &mut Vec<u8>| {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
            e.write_all(m).unwrap();
            gz += e.finish().unwrap().len() as u64;
            m.clear();
        };
        for l in &input {
            let s = split(l).0 / 1_000_000_000;
            if s != second && !member.is_empty() {
                end(&mut member);
            }
            second = s;
            member.extend_from_slice(l);
            member.push(b'\n');
        }
        end(&mut member);
        println!(
            "level {level}, one member per second of receive time: ratio {:.1}x",
            raw as f64 / PASSES as f64 / gz as f64
        );
    }
}
