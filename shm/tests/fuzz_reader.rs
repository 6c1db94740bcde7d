//! A few hundred iterations of the journal reader's mutation fuzzer (`examples/fuzz_reader.rs`;
//! the CI runs it for longer): no panic, no record returned that was not written, `recover` always
//! leaves a stream that verifies.
#[path = "../examples/fuzz_reader.rs"]
#[allow(dead_code)]
mod fuzz;

#[test]
fn mutated_journals_never_panic_nor_yield_unwritten_records() {
    let o = fuzz::run(20_240_808, 600.0, 400, None);
    println!("{} iterations: {:#?}", o.iterations, o.counts);
    assert_eq!(o.iterations, 400);
    assert!(o.violations.is_empty(), "{:#?}", o.violations);
    // The mutations reach every path: readers stop at errors, recover cuts, writers reopen.
    let has = |k: &str| o.counts.keys().any(|c| c.starts_with(k));
    for k in [
        "reader: error",
        "reader: read to end",
        "recover: ok",
        "recover: error",
        "writer reopen: ok",
        "writer reopen: error",
        "verify: not complete",
    ] {
        assert!(has(k), "no outcome `{k}`: {:?}", o.counts);
    }
}
