//! Zero allocation after construction: a counting global allocator (this thread only) around a
//! long run of every `IdMap` operation — inserts into free and full maps (refused), replacing
//! inserts, lookups, in-place changes, removes that shift clusters back, key 0.

use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_types::{IdMap, IdMapFull};

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Open {
    remaining: i64,
    inst: u32,
}

#[test]
fn no_allocation_after_construction() {
    const CAP: usize = 512;
    let (mut m, built) = allocations_in(|| IdMap::<Open>::with_capacity(CAP));
    assert!(built > 0, "the counter sees the construction's allocation ({built})");

    let (tally, n) = allocations_in(|| {
        let (mut refused, mut removed, mut sum) = (0u64, 0u64, 0i64);
        // Ids rising like orders, a window of up to CAP + 64 wanted at once: the map fills up,
        // refuses, and drains as the oldest ones go; every 7th id is also replaced in place.
        for id in 0..200_000u64 {
            if id >= CAP as u64 + 64 {
                removed += m.remove(id - CAP as u64 - 64).is_some() as u64;
            }
            let v = Open { remaining: id as i64, inst: (id % 3) as u32 };
            match m.insert_new(id, v) {
                Ok(true) => {}
                Ok(false) => unreachable!("ids are fresh"),
                Err(IdMapFull { .. }) => refused += 1,
            }
            if id % 7 == 0 {
                let _ = m.insert(id, Open { remaining: 1, ..v });
            }
            if let Some(o) = m.get_mut(id / 2) {
                o.remaining -= 1;
            }
            sum += m.get(id / 3).map_or(0, |o| o.remaining);
        }
        (refused, removed, sum, m.len(), m.contains_key(0))
    });
    println!("zero-alloc: 200000 ids through an IdMap of {CAP}: {n} allocations; refused, removed, sum, len, key 0 held = {tally:?}");
    assert_eq!(n, 0, "allocations after construction");
    assert!(tally.0 > 0 && tally.1 > 0, "the run filled the map and drained it: {tally:?}");
    assert_eq!(tally.3, CAP, "ends full");
}
