//! Per-thread counting, in its own binary: its noisy thread would disturb process-wide counting.

use alphapulse_shm::alloc_count::CountingAllocator;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn per_thread_counting_ignores_other_threads() {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    let noisy = std::thread::spawn(move || {
        while !s2.load(std::sync::atomic::Ordering::Relaxed) {
            drop(std::hint::black_box(vec![0u8; 64]));
        }
    });
    let (_, quiet) = alphapulse_shm::alloc_count::allocations_in(|| std::hint::black_box(3u64 * 7));
    let (_, one) = alphapulse_shm::alloc_count::allocations_in(|| drop(std::hint::black_box(vec![1u8; 8])));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    noisy.join().unwrap();
    assert_eq!((quiet, one), (0, 1));
}
