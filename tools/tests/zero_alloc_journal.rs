//! Zero heap allocations with journaling on, counted process-wide (every thread, the journal upkeep
//! thread included) over a real replay on one thread: every actor's output is appended to its
//! stream in place. Segments of 64 MiB hold the whole replay, so no roll happens in the window and
//! the upkeep thread stays idle — which this test proves rather than assumes, since it counts that
//! thread too. Rolls (whose next segment the upkeep thread prepares, allocating as it does) are
//! covered by `zero_alloc_journal_rolls.rs`, which counts the hot thread only.

mod common;

use alphapulse_runtime::{run_with, JournalSpec};
use alphapulse_shm::alloc_count::CountingAllocator;
use alphapulse_shm::StreamConfig;
use std::sync::atomic::Ordering;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn journaled_replay_does_not_allocate() {
    let (_, _, actors, placement) = common::windowed_chain();
    let dir =
        alphapulse_shm::test_scratch::root().join(format!("ap-zero-alloc-journal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = JournalSpec {
        dir: dir.clone(),
        stream: StreamConfig { segment_size: 64 << 20, ..Default::default() },
        on_full: Default::default(),
    };
    let out = run_with(actors, &placement, Default::default(), Some(&spec)).unwrap();
    let n = common::ALLOCATIONS.load(Ordering::SeqCst);
    let records: Vec<(&str, u64)> = out.journals.iter().map(|j| (j.actor, j.records)).collect();
    println!(
        "allocations with journaling on (all threads): {n} over {} polls; records {records:?}",
        common::WINDOW_POLLS.load(Ordering::SeqCst)
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(common::WINDOW_POLLS.load(Ordering::SeqCst) > 30_000, "the window must cover most of the replay");
    assert!(
        out.journals.iter().all(|j| j.records > 0 && j.errors == 0),
        "every stream journaled: {records:?}"
    );
    assert!(out.journals.iter().all(|j| j.stats.rolls == 0), "no roll in this test's window");
    assert_eq!(n, 0, "hot path allocated with journaling on");
}
