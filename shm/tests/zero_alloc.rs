//! Steady-state appends (next segment prepared off the hot path) allocate nothing — rolls included.
//! One test in this binary: the counting allocator is process-wide.
mod common;

use alphapulse_shm::alloc_count::{Armed, CountingAllocator};
use alphapulse_shm::*;
use common::*;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn appends_and_prepared_rolls_do_not_allocate() {
    let t = TempDir::new("alloc");
    let mut w = Writer::create_or_open(t.stream(), small(64 << 10)).unwrap();
    let p64 = [0x5Au8; 64];
    let p256 = [0xA5u8; 256];
    w.append(1, 1, 0, &p64).unwrap(); // warm up
    let mut appended = 0u64;
    for round in 0..20 {
        assert!(w.prepare_next().unwrap() || round == 0, "the next segment is made off the hot path");
        let rolls = w.stats().rolls;
        let g = Armed::start();
        // ~1 segment per round: every round crosses exactly one roll into the prepared segment.
        while w.stats().rolls == rolls {
            w.append(1, 1, appended, &p64).unwrap();
            w.append_with(2, 1, appended, 256, |b| b.copy_from_slice(&p256)).unwrap();
            appended += 2;
        }
        for _ in 0..100 {
            w.append(1, 1, appended, &p64).unwrap();
            appended += 1;
        }
        let n = g.stop();
        assert_eq!(n, 0, "round {round}: {n} allocations in {appended} appends");
    }
    let st = w.stats();
    assert_eq!(st.rolls, 20);
    assert_eq!(st.inline_prepares, 0, "{st:?}");
    println!("zero allocations over {appended} appends and {} segment rolls", st.rolls);
    // Without a prepared segment the roll still works, inline, and is counted.
    let rolls = w.stats().rolls;
    while w.stats().rolls == rolls {
        w.append(1, 1, 0, &p256).unwrap();
    }
    assert_eq!(w.stats().inline_prepares, 1);
    let mut r = Reader::open(t.stream()).unwrap();
    let mut n = 0;
    while r.next().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, w.next_seq());
}
