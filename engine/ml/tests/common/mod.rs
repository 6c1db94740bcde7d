//! Shared by the tests: the committed test models, their goldens, specs for them, and the sample
//! capture replayed through a strategy host (for its market view).
#![allow(dead_code)]

use alphapulse_feeds::testdata::{replay_messages, sample_capture, Replayed};
use alphapulse_ml::ModelSpec;
use alphapulse_types::InstrumentTable;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The 12 features the test models take, in input order.
pub const FEATURES: &str = "imbalance_1,imbalance_5,imbalance_10,imbalance_20,spread_bps,microprice_bps,\
                            return_1,return_10,return_50,trade_flow_10,trade_flow_50,trade_flow_200";

/// A file of engine/ml/testdata.
pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata")).join(name)
}

/// testdata/goldens.json (written by tools/models/make_test_models.py).
pub fn goldens() -> serde_json::Value {
    let text = std::fs::read_to_string(testdata("goldens.json")).expect("testdata/goldens.json");
    serde_json::from_str(&text).expect("goldens.json is JSON")
}

/// A list of numbers from JSON.
pub fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

/// Params for `model` with the given input/output names and shapes and the 12 features.
pub fn params(
    model: &str,
    input: &str,
    input_shape: &str,
    output: &str,
    output_shape: &str,
) -> BTreeMap<String, String> {
    [
        ("model", testdata(model).to_string_lossy().into_owned()),
        ("input", input.into()),
        ("input_shape", input_shape.into()),
        ("features", FEATURES.into()),
        ("output", output.into()),
        ("output_shape", output_shape.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The spec of micro_lr.onnx (probability, thresholds 0.6 / 0.4).
pub fn lr_spec() -> ModelSpec {
    ModelSpec::from_params(&params("micro_lr.onnx", "features", "1,12", "prob", "1,1")).expect("lr spec")
}

pub fn instruments() -> InstrumentTable {
    alphapulse_feeds::sample_instruments()
}

/// The bundled sample capture (feeds/testdata) as messages.
pub fn replay() -> Replayed {
    replay_messages(&[sample_capture()], &instruments()).expect("sample capture replays")
}

/// sigmoid(w·x + b) in f64: the logistic model recomputed from its weights.
pub fn logistic(w: &[f64], b: f64, x: &[f32]) -> f64 {
    let z: f64 = w.iter().zip(x).map(|(w, x)| w * *x as f64).sum::<f64>() + b;
    1.0 / (1.0 + (-z).exp())
}

/// Feed every message of `stream` to a strategy host with no agents of its own (it keeps the
/// market view: quotes, trades, its own L2 books), then call `f` with the message's index, the
/// message, its depth levels (bids, asks; empty for other kinds) and the updated view.
pub fn with_view(
    stream: &Replayed,
    mut f: impl FnMut(
        usize,
        &alphapulse_types::Msg,
        (&[alphapulse_types::PxQty], &[alphapulse_types::PxQty]),
        &alphapulse_strategy::MarketView,
    ),
) {
    use alphapulse_runtime::{Actor, VecOutbox};
    use alphapulse_strategy::{StrategyConfig, StrategyHost};
    use alphapulse_types::Msg;
    let table = instruments();
    let cfg = StrategyConfig { ema_cross: None, imbalance: None, ..Default::default() };
    let mut host = StrategyHost::new(&cfg, &table, 5000).expect("host");
    let mut out = VecOutbox::default();
    for (n, m) in stream.msgs.iter().enumerate() {
        if !host.handles().contains(m) {
            continue;
        }
        let levels = match m {
            Msg::Depth(d) => {
                let (b, a) = stream.levels_of(d);
                let msg = out.depth(*d, b, a);
                out.handle(&mut host, &msg, m.event_ts());
                (b, a)
            }
            _ => {
                out.handle(&mut host, m, m.event_ts());
                (&[][..], &[][..])
            }
        };
        out.clear();
        f(n, m, levels, &host.view());
    }
}

/// Call `agent` with `m` as the host would.
pub fn call(
    agent: &mut dyn alphapulse_strategy::Strategy,
    m: &alphapulse_types::Msg,
    (b, a): (&[alphapulse_types::PxQty], &[alphapulse_types::PxQty]),
    view: &alphapulse_strategy::MarketView,
) -> Option<alphapulse_strategy::Signal> {
    use alphapulse_types::Msg;
    match m {
        Msg::Quote(q) => agent.on_quote(q, view),
        Msg::Trade(t) => agent.on_trade(t, view),
        Msg::Depth(d) => agent.on_depth(d, b, a, view),
        _ => None,
    }
}
