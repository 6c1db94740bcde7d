//! The technical agent as a `[[strategy.plugins]]` entry (`builtin = "technical"`, its keys as
//! `params`, a list written with commas) is the agent of `[strategy.technical]`: identical signals
//! and intents over the sample capture; bad params are refused with the key named.

mod common;

use alphapulse_feeds::testdata::{replay_messages, sample_capture};
use alphapulse_plugin::{strategy_from, BUILTINS};
use alphapulse_strategy::{StrategyConfig, StrategyHost};
use common::{drive, entry, host, instruments};

#[test]
fn technical_as_an_entry_is_the_agent() {
    assert!(BUILTINS.contains(&"technical"));
    let table = instruments();
    let stream = replay_messages(&[sample_capture()], &table).expect("replay the sample");
    let cfg: StrategyConfig = toml::from_str(
        "[ema_cross]\nenabled = false\n[imbalance]\nenabled = false\n[technical]\nintervals_ms = [1000, 5000]\nmin_abs_score = 500\n",
    )
    .unwrap();
    let mut as_table = StrategyHost::new(&cfg, &table, 5000).unwrap();
    let mut as_entry = host(vec![entry(
        "name = \"ta\"\nbuiltin = \"technical\"\nparams = { intervals_ms = \"1000,5000\", min_abs_score = \"500\" }\n",
    )]);
    let (sig_t, down_t) = drive(&mut as_table, &stream);
    let (sig_e, down_e) = drive(&mut as_entry, &stream);
    assert!(sig_t.len() > 100, "real signals: {}", sig_t.len());
    assert!(sig_t.iter().any(|s| s.score != 0));
    assert_eq!(sig_t, sig_e, "identical signals");
    assert_eq!(down_t, down_e, "identical intents");
    assert_eq!(as_entry.stats().agents[0].name, "ta");
    // One interval as a plain number; bad values and keys are named.
    assert!(strategy_from(
        &entry("name = \"t\"\nbuiltin = \"technical\"\nparams = { intervals_ms = \"2000\" }\n"),
        &table
    )
    .is_ok());
    for (params, named) in [
        ("{ intervals_ms = \"1000,1500\" }", "technical.intervals_ms"),
        ("{ intervals_ms = \"1000,,5000\" }", "intervals_ms"),
        ("{ macd_slow = \"5\", macd_fast = \"8\" }", "technical.macd_slow"),
        ("{ bolinger_period = \"20\" }", "bolinger_period"),
    ] {
        let e = strategy_from(
            &entry(&format!("name = \"t\"\nbuiltin = \"technical\"\nparams = {params}\n")),
            &table,
        )
        .err()
        .expect("refused")
        .to_string();
        assert!(e.contains(named), "{params}: {e}");
    }
}
