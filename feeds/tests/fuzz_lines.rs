//! The mutation fuzzer of `examples/fuzz_lines.rs`, run briefly over the repo sample so that
//! `cargo test` exercises it: no panic, no violation, and mutants both accepted and refused.

#[path = "../examples/fuzz_lines.rs"]
#[allow(dead_code)]
mod fuzz;

#[test]
fn a_few_thousand_mutants_of_the_sample_break_nothing() {
    let opts = fuzz::Options {
        seconds: 600.0,
        max_iterations: 3000,
        seed: 8,
        data: vec![alphapulse_feeds::testdata::sample_capture()],
    };
    let t = std::time::Instant::now();
    let s = fuzz::run(&opts);
    fuzz::print(&s, &opts, t.elapsed());
    assert!(s.violations.is_empty(), "{:#?}", s.violations);
    assert!(s.iterations >= 3000 && s.batches > 0);
    let accepted: u64 = s.accepted.iter().sum();
    let refused: u64 = s.refused.iter().sum();
    assert!(accepted > 0 && refused > 0, "accepted {accepted}, refused {refused}");
    assert!(s.feed_malformed.iter().sum::<u64>() > 0 && s.emitted > 0);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let opts = fuzz::Options {
        seconds: 600.0,
        max_iterations: 400,
        seed: 42,
        data: vec![alphapulse_feeds::testdata::sample_capture()],
    };
    let (a, b) = (fuzz::run(&opts), fuzz::run(&opts));
    assert_eq!(
        (a.accepted, a.refused, a.feed_malformed, a.emitted),
        (b.accepted, b.refused, b.feed_malformed, b.emitted)
    );
}
