//! Zero Rust allocations per call: the ML agent called on every market event of the second half
//! of the sample capture (the first half warmed it) allocates nothing on the calling thread. ONNX
//! Runtime's own C++ mallocs are not seen by Rust's allocator: the benchmark
//! (`benches/src/bin/ml_inference.rs`) counts those.

mod common;

use alphapulse_ml::MlAgent;
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use common::*;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn ml_agent_calls_allocate_nothing_after_warm_up() {
    let mut agent = MlAgent::new(&lr_spec(), instruments().len()).unwrap_or_else(|e| panic!("{e}"));
    let stream = replay();
    let half = stream.msgs.len() / 2;
    let (mut allocs, mut calls) = (0u64, 0u64);
    with_view(&stream, |n, m, levels, view| {
        let (_, k) = allocations_in(|| call(&mut agent, m, levels, view));
        if n >= half {
            allocs += k;
            calls += 1;
        }
    });
    let (runs, errors) = agent.runs();
    assert!(
        calls > 1_000 && runs > 1_000 && errors == 0,
        "{calls} calls, {runs} inferences, {errors} errors"
    );
    assert_eq!(allocs, 0, "Rust allocations in {calls} ML agent calls");
}
