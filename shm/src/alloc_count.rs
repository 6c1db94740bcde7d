//! A global allocator that counts allocations while armed, for zero-allocation tests.
//!
//! ```ignore
//! use alphapulse_shm::alloc_count::{CountingAllocator, Armed};
//! #[global_allocator]
//! static A: CountingAllocator = CountingAllocator;
//!
//! let guard = Armed::start();   // count from here…
//! hot_loop();
//! assert_eq!(guard.stop(), 0);  // …to here: allocations + reallocations seen on any thread
//! ```
//!
//! [`Armed`] (and [`arm`]/[`disarm`]) count process-wide: arm only around code whose every thread
//! is a hot thread. [`allocations_in`] counts only the calling thread, so tests may run in parallel.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

thread_local! {
    // `const` thread-locals need no lazy initialisation, so reading them never allocates.
    static THIS_THREAD: Cell<bool> = const { Cell::new(false) };
    static THREAD_COUNT: Cell<u64> = const { Cell::new(0) };
}

static ARMED: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// Forwards to the system allocator; counts `alloc`, `alloc_zeroed` and `realloc` while armed.
pub struct CountingAllocator;

#[inline(always)]
fn note(size: usize) {
    if ARMED.load(Ordering::Relaxed) {
        COUNT.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
    // `try_with`: during thread teardown the locals may be gone; such allocations are not counted.
    let _ = THIS_THREAD.try_with(|on| {
        if on.get() {
            let _ = THREAD_COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

/// Run `f` and return its result with the allocations the *calling thread* made meanwhile
/// (other threads, such as parallel tests, do not disturb the count).
pub fn allocations_in<R>(f: impl FnOnce() -> R) -> (R, u64) {
    THREAD_COUNT.with(|c| c.set(0));
    THIS_THREAD.with(|o| o.set(true));
    let r = f();
    THIS_THREAD.with(|o| o.set(false));
    (r, THREAD_COUNT.with(|c| c.get()))
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the counters are atomics and never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract (non-zero size layout).
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` through this allocator with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: `ptr`/`layout` come from this allocator; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Counting window: allocations from [`Armed::start`] to [`Armed::stop`].
pub struct Armed(());

impl Armed {
    /// Reset the counters and start counting.
    pub fn start() -> Armed {
        COUNT.store(0, Ordering::Relaxed);
        BYTES.store(0, Ordering::Relaxed);
        ARMED.store(true, Ordering::SeqCst);
        Armed(())
    }
    /// Stop counting; the number of allocations seen.
    pub fn stop(self) -> u64 {
        ARMED.store(false, Ordering::SeqCst);
        COUNT.load(Ordering::Relaxed)
    }
}

/// Start counting without a guard (for code that arms from inside an actor); see [`disarm`].
pub fn arm() {
    COUNT.store(0, Ordering::Relaxed);
    BYTES.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::SeqCst);
}

/// Stop counting; returns (allocations, bytes) seen since [`arm`].
pub fn disarm() -> (u64, u64) {
    ARMED.store(false, Ordering::SeqCst);
    (COUNT.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed))
}

/// True while counting.
pub fn is_armed() -> bool {
    ARMED.load(Ordering::Relaxed)
}
