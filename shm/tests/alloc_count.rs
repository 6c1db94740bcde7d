use alphapulse_shm::alloc_count::{Armed, CountingAllocator};

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn counts_only_while_armed() {
    let _warm: Vec<u8> = Vec::with_capacity(8);
    let g = Armed::start();
    let v: Vec<u64> = Vec::with_capacity(16);
    let mut s = String::with_capacity(1);
    s.push_str("grows past its capacity");
    let n = g.stop();
    let _after: Vec<u8> = Vec::with_capacity(8);
    drop((v, s));
    assert_eq!(n, 3, "one alloc for the Vec, one for the String, one realloc");
    let g = Armed::start();
    let x = 1u64 + std::hint::black_box(2);
    assert_eq!(g.stop(), 0, "{x}");
}
