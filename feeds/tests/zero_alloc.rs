//! Zero allocation on the hot path: after warm-up, polling the feed actor over the rest of the
//! real sample capture allocates nothing (counting global allocator, this thread only).

use alphapulse_feeds::{sample_instruments, testdata, FeedActor, FeedOptions};
use alphapulse_runtime::{Ctx, Outbox, Poll, Port};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_types::{Msg, MSG_KINDS};
use std::sync::atomic::{AtomicU64, Ordering};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Counts messages by kind without allocating.
struct Tally([u64; MSG_KINDS]);
impl Outbox for Tally {
    fn send(&mut self, _: Port, m: Msg) {
        self.0[m.kind_index()] += 1;
    }
}

#[test]
fn no_allocation_after_warm_up() {
    let progress = std::sync::Arc::new(AtomicU64::new(0));
    let opts = FeedOptions { progress: Some(progress.clone()), ..FeedOptions::defaults() };
    let mut feed = FeedActor::open(&[testdata::sample_capture()], &sample_instruments(), opts).unwrap();
    let mut out = Tally([0; MSG_KINDS]);
    use alphapulse_runtime::Actor;
    for _ in 0..5_000 {
        assert_eq!(feed.poll(&mut Ctx::new(0, &mut out)), Poll::Busy);
    }
    let mut polls = 0u64;
    let (_, n) = allocations_in(|| {
        while feed.poll(&mut Ctx::new(0, &mut out)) != Poll::Done {
            polls += 1;
        }
    });
    let s = feed.stats();
    println!(
        "zero-alloc: {polls} polls after warm-up, {n} allocations; emitted quote {} trade {} level {} book {} eos {}",
        out.0[0], out.0[1], out.0[2], out.0[3], out.0[10]
    );
    assert_eq!(n, 0, "allocations on the hot path");
    assert_eq!(s.frames, 41_249);
    assert_eq!(out.0[10], 1, "one end of stream");
    assert_eq!(progress.load(Ordering::Relaxed), feed.total_input_bytes());
    assert_eq!(out.0[0], s.emitted[0]);
    assert_eq!(out.0[2], s.emitted[2]);
}
