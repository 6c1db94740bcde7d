//! Zero heap allocations on the hot path in steady state, over a real replay through the whole
//! chain (feed → agents → risk → router → sim gateway) on one thread. Counting starts after a
//! warm-up of frames (buffers reach their working size: the largest frame, the book's levels) and
//! stops when the feed finds its input exhausted — by then every frame has been processed to
//! quiescence, with every order and fill it caused.

mod common;

use alphapulse_runtime::run;
use alphapulse_shm::alloc_count::CountingAllocator;
use std::sync::atomic::Ordering;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn steady_state_replay_does_not_allocate() {
    let (cfg, table, actors, placement) = common::windowed_chain();
    let out = run(actors, &placement, Default::default()).unwrap();
    let report = alphapulse_tools::report::Report::from_run(&cfg, &table, &placement, &out).unwrap();
    let n = common::ALLOCATIONS.load(Ordering::SeqCst);
    println!(
        "allocations in steady state: {n} ({} bytes) over {} polls after a warm-up of {}; \
         orders sent {}, fills {}",
        common::ALLOCATED_BYTES.load(Ordering::SeqCst),
        common::WINDOW_POLLS.load(Ordering::SeqCst),
        common::WARM_UP_POLLS,
        report.orders_sent,
        report.fills
    );
    assert!(common::WINDOW_POLLS.load(Ordering::SeqCst) > 30_000, "the window must cover most of the replay");
    assert!(report.orders_sent > 0, "the window must include trading");
    assert_eq!(n, 0, "hot path allocated");
}
