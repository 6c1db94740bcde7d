//! Zero allocation on the hot path: after `start`, handing every line of the real sample to the
//! tap (frames and the snapshot), and refusing records on a full ring, allocates nothing
//! (counting global allocator, this thread only).

mod common;
mod record_common;

use alphapulse_feeds::record::{start, RecordOptions};
use alphapulse_feeds::testdata;
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use record_common::*;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn the_tap_allocates_nothing() {
    let dir = tmp_dir("alloc");
    let input = common::lines_of(&testdata::sample_capture());
    let parsed: Vec<(u64, &[u8])> = input.iter().map(|l| split(l)).collect();
    let mut opts = RecordOptions::new(dir.join("all"), vec!["btcusdt".into()]);
    opts.ring_bytes = 16 << 20;
    let (mut tap, rec) = start(opts).unwrap();
    // A second recorder, stalled with a small ring, for the refusal path.
    let mut small = RecordOptions::new(dir.join("small"), vec!["btcusdt".into()]);
    small.ring_bytes = 8 << 10;
    let (mut full_tap, full_rec) = start(small).unwrap();
    full_rec.pause();
    let ((ok, refused), n) = allocations_in(|| {
        let (mut ok, mut refused) = (0u64, 0u64);
        for &(ts, frame) in &parsed {
            let r = if is_snapshot(frame) { tap.snapshot(0, ts, frame) } else { tap.frame(ts, frame) };
            ok += r as u64;
            refused += !full_tap.frame(ts, frame) as u64;
        }
        (ok, refused)
    });
    println!("zero-alloc: {ok} records recorded, {refused} refused on a full ring, {n} allocations");
    assert_eq!(n, 0, "allocations on the hot path");
    assert_eq!(ok, input.len() as u64);
    assert!(refused > 40_000 && full_tap.dropped() == refused);
    let s = rec.finish(tap).unwrap();
    assert_eq!(s.stats.lines, input.len() as u64);
    full_rec.resume();
    let _ = full_rec.finish(full_tap).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
