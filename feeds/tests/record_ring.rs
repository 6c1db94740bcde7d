//! A full ring: with the writer stalled, the tap refuses what does not fit, never waits, counts
//! every refusal, and the summary says the recording has losses; what was accepted is written.

mod common;
mod record_common;

use alphapulse_feeds::record::{start, RecordOptions};
use alphapulse_feeds::testdata;
use record_common::*;

#[test]
fn a_full_ring_drops_counts_and_says_so() {
    let dir = tmp_dir("ring");
    let mut opts = RecordOptions::new(dir.clone(), vec!["btcusdt".into()]);
    opts.ring_bytes = 64 << 10;
    let (mut tap, rec) = start(opts).unwrap();
    let input = common::lines_of(&testdata::sample_capture());
    rec.pause();
    let mut accepted = Vec::new();
    let mut refused = 0u64;
    for l in &input[..2_000] {
        if feed_line(&mut tap, 0, l) {
            accepted.push(l.clone());
        } else {
            refused += 1;
        }
    }
    assert!(!accepted.is_empty() && refused > 0, "{} accepted, {refused} refused", accepted.len());
    assert_eq!(tap.dropped(), refused);
    assert_eq!(rec.stats().dropped, refused);
    assert_eq!(rec.stats().records, 0, "the writer is stalled");
    // A frame larger than the whole ring can never fit.
    rec.resume();
    assert!(!tap.frame(1_723_161_253_937_085_768, &vec![b'x'; 70 << 10]));
    // Once the writer runs again, there is room again.
    let t0 = std::time::Instant::now();
    let last = input[2_000].clone();
    let mut retries = 0;
    while !feed_line(&mut tap, 0, &last) {
        retries += 1;
        assert!(t0.elapsed().as_secs() < 120, "the writer never drained the ring");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    accepted.push(last);
    let dropped = tap.dropped();
    assert_eq!(dropped, refused + 1 + retries, "every refusal counted, the oversized frame too");
    let s = rec.finish(tap).unwrap();
    println!("ring 64 KiB: {} accepted, {dropped} dropped", accepted.len());
    assert_eq!(s.stats.dropped, dropped);
    assert!(!s.is_complete());
    assert_eq!(s.stats.lines, accepted.len() as u64);
    assert_eq!(lines_read(&s.files[0].path), accepted, "what was accepted is written, in order");
    let _ = std::fs::remove_dir_all(&dir);
}
