//! Faults: a plugin that panics is disabled (never called again), its message kept and reported
//! to the host, whose other strategies keep producing signals; a call over the time budget is
//! counted (and the worst call kept); no budget, nothing timed.

mod common;

use alphapulse_runtime::VecOutbox;
use alphapulse_types::Msg;
use common::{entry, host, plugin, quote};

const SEC: u64 = 1_000_000_000;

fn faulty(params: &str, budget_ns: u64) -> alphapulse_strategy::PluginEntry {
    let path = plugin("ap_faulty").display().to_string();
    entry(&format!("name = \"faulty\"\npath = {path:?}\nbudget_ns = {budget_ns}\nparams = {params}\n"))
}

#[test]
fn a_panicking_plugin_is_disabled_and_the_others_go_on() {
    let mp = entry("name = \"mp\"\nbuiltin = \"microprice\"\nparams = { min_change_bps = \"0\" }\n");
    let mut h = host(vec![mp, faulty("{ panic_at = \"3\" }", 0)]);
    let k = h.strategy_index("faulty").unwrap();
    let mut out = VecOutbox::default();
    for i in 1..=6 {
        // Bid size 1..6: the micro-price moves every quote, so microprice signals each time.
        out.handle(&mut h, &Msg::Quote(quote(i * SEC, i as i64)), i * SEC);
        out.clear();
        let health = h.health(k).unwrap();
        assert_eq!(h.is_disabled(k), i >= 3, "call {i}");
        assert_eq!(health.calls, i.min(3), "never called after its panic");
    }
    let fault = h.fault(k).expect("fault kept");
    assert_eq!(fault.strategy, "faulty");
    assert!(fault.message.contains("faulty: panic at call 3"), "{}", fault.message);
    let health = h.health(k).unwrap();
    assert!(health.panicked && !health.enabled, "{health:?}");
    let s = h.stats();
    assert_eq!(s.agents[0].signals, 6, "microprice kept signalling");
    assert_eq!(s.agents[1].signals, 2, "faulty signalled before its panic only");
    assert!(h.health(0).unwrap().enabled);
}

#[test]
fn overruns_are_counted_and_no_budget_times_nothing() {
    // Spins 2 ms a call against a 0.1 ms budget: every call overruns.
    let mut h = host(vec![faulty("{ spin_ns = \"2000000\" }", 100_000), {
        let mut e = faulty("{}", 0);
        e.name = "calm".into();
        e
    }]);
    let mut out = VecOutbox::default();
    for i in 1..=3 {
        out.handle(&mut h, &Msg::Quote(quote(i * SEC, 1)), i * SEC);
        out.clear();
    }
    let slow = h.health(0).unwrap();
    assert_eq!((slow.calls, slow.overruns, slow.budget_ns), (3, 3, 100_000));
    assert!(slow.worst_call_ns >= 2_000_000, "the worst call spun at least 2 ms: {slow:?}");
    assert!(slow.enabled, "an overrun is counted, not punished");
    let calm = h.health(1).unwrap();
    assert_eq!((calm.calls, calm.overruns, calm.worst_call_ns), (3, 0, 0), "no budget: not timed");
}
