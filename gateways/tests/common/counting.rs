//! The project's counting allocator (alphapulse_shm::alloc_count), counting this thread only so
//! that other test threads do not disturb the count. Include with `#[path]` in one test binary.

use alphapulse_shm::alloc_count::CountingAllocator;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made by this thread while running `f`.
pub fn allocations_in(f: impl FnOnce()) -> u64 {
    alphapulse_shm::alloc_count::allocations_in(f).1
}
