//! Zero allocation after construction, and after clone: a long real-like update sequence (moving
//! mid, far levels, window moves, full sides evicting, clears, iteration) allocates nothing.
//! One test in this binary: the counting allocator is process-wide.

use alphapulse_book::Book;
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_types::{Price, Qty, Side};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const TICK: i64 = 1_000_000;

/// Deterministic xorshift updates clustered near a wandering mid, some very far, some off-grid.
fn run(b: &mut Book, seed: u64, n: usize) -> u64 {
    let mut x = seed | 1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut mid = 6_000_000i64;
    let mut sum = 0u64;
    for i in 0..n {
        let r = rnd();
        mid += if r % 50 == 0 { (r % 4001) as i64 - 2000 } else { (r % 7) as i64 - 3 };
        let d = match (r >> 8) % 10 {
            0..=4 => (r >> 16) % 64,
            5..=8 => (r >> 16) % 3_000,
            _ => (r >> 16) % 1_000_000,
        } as i64;
        let buy = (r >> 40) & 1 == 0;
        let t = if buy { mid - 1 - d } else { mid + 1 + d };
        let off = if (r >> 41) % 500 == 0 { 1 } else { 0 }; // rarely off the grid
        let q = if (r >> 44) % 5 < 2 { 0 } else { ((r >> 48) % 1000) as i64 + 1 };
        let side = if buy { Side::Buy } else { Side::Sell };
        b.set(side, Price(t * TICK + off), Qty(q));
        if i % 100 == 0 {
            sum += b.depth_qty(side, 20).raw() as u64 + b.levels(side).count() as u64;
        }
        if i % 50_000 == 49_999 {
            b.clear();
        }
    }
    sum
}

#[test]
fn no_allocation_after_construction_or_clone() {
    let mut books = [
        Book::with_grid(5_000, Price(TICK)),
        Book::with_grid(300, Price(TICK)),
        Book::with_grid_window(1_000, Price(TICK), 512),
        Book::with_capacity(1_000),
    ];
    let clones: Vec<Book> = books.iter().map(Book::clone).collect();
    let mut total = 0;
    for (b, c) in books.iter_mut().zip(clones) {
        let mut c = c;
        let (_, n) = allocations_in(|| {
            total += run(b, 0x9E37_79B9_7F4A_7C15, 120_000);
            total += run(&mut c, 0x2545_F491_4F6C_DD1D, 120_000);
        });
        println!(
            "zero-alloc: window {} cap {}: {n} allocations; {} overflows, {} recenters, {}+{} levels",
            b.window_ticks(),
            b.capacity(),
            b.overflows() + c.overflows(),
            b.recenters() + c.recenters(),
            c.len(Side::Buy),
            c.len(Side::Sell)
        );
        assert_eq!(n, 0);
        assert!(b.overflows() > 0 || b.capacity() >= 5_000);
        assert!(b.window_ticks() == 0 || b.recenters() > 10);
    }
    assert!(total > 0);
}
