//! Zero allocation on the hot path: after warm-up, polling the feed actor over the rest of the
//! real sample capture allocates nothing (counting global allocator, this thread only).

use alphapulse_feeds::{sample_instruments, testdata, FeedActor, FeedOptions};
use alphapulse_runtime::{Poll, VecOutbox};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_types::{Msg, MSG_KINDS};
use std::sync::atomic::{AtomicU64, Ordering};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Counts messages by kind and depth levels, without allocating once warm: the outbox's vectors
/// keep their capacity and are emptied after every poll.
struct Tally {
    kinds: [u64; MSG_KINDS],
    levels: u64,
    out: VecOutbox,
}
impl Tally {
    fn poll(&mut self, feed: &mut FeedActor) -> Poll {
        let p = self.out.poll(feed, 0);
        for m in &self.out.down {
            self.kinds[m.kind_index()] += 1;
            if let Msg::Depth(d) = m {
                let (b, a) = self.out.levels_of(d);
                assert_eq!(b.len() + a.len(), d.len(), "the levels are in the store");
                self.levels += d.len() as u64;
            }
        }
        assert_eq!(self.out.levels.refused(), 0);
        self.out.clear();
        p
    }
}

#[test]
fn no_allocation_after_warm_up() {
    let progress = std::sync::Arc::new(AtomicU64::new(0));
    let opts = FeedOptions { progress: Some(progress.clone()), ..FeedOptions::defaults() };
    let mut feed = FeedActor::open(&[testdata::sample_capture()], &sample_instruments(), opts).unwrap();
    let mut out = Tally { kinds: [0; MSG_KINDS], levels: 0, out: VecOutbox::default() };
    out.out.down.reserve(1 << 16);
    for _ in 0..5_000 {
        assert_eq!(out.poll(&mut feed), Poll::Busy);
    }
    let mut polls = 0u64;
    let (_, n) = allocations_in(|| {
        while out.poll(&mut feed) != Poll::Done {
            polls += 1;
        }
    });
    let s = feed.stats();
    let k = &out.kinds;
    println!(
        "zero-alloc: {polls} polls after warm-up, {n} allocations; emitted quote {} trade {} depth {} ({} levels) book {} eos {}",
        k[0], k[1], k[2], out.levels, k[3], k[10]
    );
    assert_eq!(n, 0, "allocations on the hot path");
    assert_eq!(s.frames, 41_249);
    assert_eq!(k[10], 1, "one end of stream");
    assert_eq!(progress.load(Ordering::Relaxed), feed.total_input_bytes());
    assert_eq!(k[0], s.emitted[0]);
    assert_eq!(k[2], s.emitted[2]);
    assert_eq!(out.levels, s.levels_emitted);
}
