//! The ML agent as a configured built-in (`builtin = "ml"`): made from its entry's params, run by
//! the strategy host on the sample capture (its signals journaled under the entry's name), and a
//! model that does not fit its params refused at start with the entry's name.

mod common;

use alphapulse_plugin::strategy_from;
use common::{drive, entry, host, instruments};

fn ml_entry(model: &str, input_shape: &str) -> String {
    let model = format!("{}/../ml/testdata/{model}", env!("CARGO_MANIFEST_DIR"));
    format!(
        r#"name = "ml_lr"
builtin = "ml"
weight = 1
[params]
model = "{model}"
input = "features"
input_shape = "{input_shape}"
features = "imbalance_1,imbalance_5,imbalance_10,imbalance_20,spread_bps,microprice_bps,return_1,return_10,return_50,trade_flow_10,trade_flow_50,trade_flow_200"
output = "prob"
output_shape = "1,1"
buy_threshold = "0.7"
sell_threshold = "0.3"
"#
    )
}

#[test]
fn ml_builtin_runs_in_the_host() {
    let mut h = host(vec![entry(&ml_entry("micro_lr.onnx", "1,12"))]);
    let stream = alphapulse_feeds::testdata::replay_messages(
        &[alphapulse_feeds::testdata::sample_capture()],
        &instruments(),
    )
    .unwrap();
    let (signals, _) = drive(&mut h, &stream);
    assert!(signals.len() > 100, "{} ML signals journaled", signals.len());
    // Thresholds 0.7 / 0.3: every score is at least (2·0.7 − 1) × 10 000 = 4000 bps away from 0.
    assert!(signals.iter().all(|s| s.score.abs() >= 3_999), "a score inside the thresholds");
    assert!(signals.iter().any(|s| s.score > 0) && signals.iter().any(|s| s.score < 0));
}

#[test]
fn ml_builtin_refuses_a_mismatched_model() {
    let e =
        strategy_from(&entry(&ml_entry("micro_lr8.onnx", "1,12")), &instruments()).err().expect("refused");
    let t = e.to_string();
    assert!(t.contains("ml_lr") && t.contains("micro_lr8.onnx") && t.contains("expects [1, 12]"), "{t}");
}
