//! The backtest report is identical, timing fields aside, in the one-thread and two-thread placements.

mod common;

use alphapulse_runtime::PlacementConfig;
use alphapulse_tools::backtest::{check, execute, CHAIN};
use alphapulse_tools::config::Config;

#[test]
fn one_and_two_threads_give_the_same_report() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    check(&mut cfg).unwrap();
    let one = execute(&cfg, false).unwrap();
    cfg.placement = PlacementConfig::two_threads(&CHAIN, 1);
    check(&mut cfg).unwrap();
    let two = execute(&cfg, false).unwrap();

    let (a, b) = (one.to_json_without_timing(), two.to_json_without_timing());
    assert_eq!(a, b, "reports differ between placements");
    let fills = a["fills"].as_u64().unwrap();
    let orders = a["orders_sent"].as_u64().unwrap();
    println!("events {} orders_sent {orders} fills {fills} (identical in both placements)", a["events"]);
    assert!(orders > 0 && fills > 0, "the run must trade for this comparison to mean something");
}

#[test]
fn passing_through_gives_the_same_report_and_journal_as_every_hop() {
    // Risk only forwards trades and book levels: with pass-through they skip it. Nothing may change.
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    check(&mut cfg).unwrap();
    let pass = execute(&cfg, false).unwrap();
    cfg.placement.pass_through = false;
    check(&mut cfg).unwrap();
    let hop = execute(&cfg, false).unwrap();
    let (a, b) = (pass.to_json_without_timing(), hop.to_json_without_timing());
    assert_eq!(a, b, "pass-through changed the report");
    assert!(a["fills"].as_u64().unwrap() > 0);
    println!("events {} fills {} (identical with and without pass-through)", a["events"], a["fills"]);
}

#[test]
fn a_cut_below_the_feed_is_refused() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    cfg.placement = PlacementConfig::two_threads(&CHAIN, 2);
    let err = check(&mut cfg).unwrap_err().to_string();
    assert!(err.contains("placement.threads") && err.contains("risk"), "{err}");
}
