//! Zero heap allocations on the hot path with the technical agent (multi-timeframe bars, MACD,
//! Bollinger, ATR, VWAP deviation) and the ML agent (an ONNX model through `ort`, one session
//! run per signal) on, beside the default agents: the same window as `zero_alloc.rs` over a real
//! replay through the whole chain on one thread.
//!
//! What this counts is every allocation made through Rust's global allocator — the engine's own
//! code, `ort`'s Rust side included. ONNX Runtime's C++ core allocates with its own `malloc`
//! calls inside `OrtRun` (16 per call, measured by `benches/src/bin/ml_inference.rs`, see
//! `latency-reports/ml-inference.md`): that is the documented exception, not counted here.

mod common;

use alphapulse_runtime::run;
use alphapulse_shm::alloc_count::CountingAllocator;
use std::sync::atomic::Ordering;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn steady_state_replay_with_the_technical_and_ml_agents_does_not_allocate() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let model = root.join("engine/ml/testdata/micro_lr.onnx");
    let dir = alphapulse_shm::test_scratch::fresh("zero-alloc-agents");
    let cfg_path = dir.join("agents.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[strategy.technical]\nintervals_ms = [1000, 5000]\n\n\
             [[strategy.plugins]]\nname = \"ml_lr\"\nbuiltin = \"ml\"\nweight = 1\n\
             [strategy.plugins.params]\nmodel = \"{}\"\ninput = \"features\"\ninput_shape = \"1,12\"\n\
             features = \"imbalance_1,imbalance_5,imbalance_10,imbalance_20,spread_bps,microprice_bps,\
             return_1,return_10,return_50,trade_flow_10,trade_flow_50,trade_flow_200\"\n\
             output = \"prob\"\noutput_shape = \"1,1\"\noutput_kind = \"probability\"\n",
            model.display()
        ),
    )
    .unwrap();
    let cfg = alphapulse_tools::config::Config::load(&cfg_path).unwrap();
    let (cfg, table, actors, placement) = common::windowed_chain_with(cfg);
    let out = run(actors, &placement, Default::default()).unwrap();
    let report = alphapulse_tools::report::Report::from_run(&cfg, &table, &placement, &out).unwrap();
    let n = common::ALLOCATIONS.load(Ordering::SeqCst);
    println!(
        "allocations in steady state: {n} ({} bytes) over {} polls after a warm-up of {}; \
         signals {:?}, orders sent {}, fills {}",
        common::ALLOCATED_BYTES.load(Ordering::SeqCst),
        common::WINDOW_POLLS.load(Ordering::SeqCst),
        common::WARM_UP_POLLS,
        report.signals,
        report.orders_sent,
        report.fills
    );
    for agent in ["technical", "ml_lr"] {
        let k = report.signals.get(agent).and_then(|v| v.as_u64());
        assert!(k.is_some_and(|k| k > 0), "agent {agent} gave no signal: {:?}", report.signals);
    }
    assert!(common::WINDOW_POLLS.load(Ordering::SeqCst) > 30_000, "the window must cover most of the replay");
    assert!(report.orders_sent > 0, "the window must include trading");
    assert_eq!(n, 0, "hot path allocated with the technical and ML agents on");
    let _ = std::fs::remove_dir_all(&dir);
}
