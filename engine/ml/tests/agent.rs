//! The ML agent on the real sample capture: on every book update it runs the logistic test model
//! on the features of that book, and its signal is the one expected from the model's weights
//! (recomputed here from goldens.json) through the thresholds.

mod common;

use alphapulse_ml::MlAgent;
use alphapulse_types::Msg;
use common::*;

#[test]
fn ml_agent_signals_follow_the_model_on_a_real_capture() {
    let g = goldens();
    let lr = &g["models"]["micro_lr"];
    let (w, b) = (floats(&lr["weights"]["W"]), lr["weights"]["b"].as_f64().unwrap());
    let spec = lr_spec();
    let mut agent = MlAgent::new(&spec, instruments().len()).unwrap_or_else(|e| panic!("{e}"));
    let stream = replay();
    let (mut buys, mut sells, mut quiet, mut compared) = (0, 0, 0, 0);
    with_view(&stream, |_, m, levels, view| {
        let before = agent.runs().0;
        let got = call(&mut agent, m, levels, view);
        let Msg::Depth(d) = m else {
            assert!(got.is_none(), "signals only on book updates");
            return;
        };
        if agent.runs().0 == before {
            assert!(got.is_none());
            return;
        }
        let p = logistic(&w, b, agent.last_features());
        assert!(
            (p - agent.last_output() as f64).abs() < 1e-5,
            "model {} vs weights {p}",
            agent.last_output()
        );
        if (p - 0.6).abs() < 1e-5 || (p - 0.4).abs() < 1e-5 {
            return; // too close to a threshold to tell f32 from f64 rounding
        }
        // Thresholds 0.6 / 0.4; score (2p − 1) × 10 000 bps.
        let want = (p >= 0.6 || p <= 0.4).then(|| ((2.0 * p - 1.0) * 10_000.0).round() as i32);
        match (got, want) {
            (Some(g), Some(w)) => {
                assert!((g.score - w).abs() <= 1 && g.inst == d.inst, "{g:?} vs score {w} (p = {p})");
                assert_eq!(g.ts, d.local_ts);
                if g.score > 0 {
                    buys += 1
                } else {
                    sells += 1
                }
            }
            (None, None) => quiet += 1,
            (g, w) => panic!("signal {g:?}, expected {w:?} (p = {p})"),
        }
        compared += 1;
    });
    assert_eq!(agent.errors(), 0);
    assert!(compared > 1_000, "{compared} book updates compared");
    assert!(buys > 0 && sells > 0 && quiet > 0, "buys {buys}, sells {sells}, none {quiet}");
}
