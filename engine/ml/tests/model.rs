//! The committed test models run through `ort` and the engine's [`Model`] give the outputs
//! onnxruntime gave in Python (goldens.json) and those recomputed here from the weights; a model
//! whose inputs or outputs differ from its config is refused with a message naming both.
//!
//! These tests need ONNX Runtime: without it they fail with the set-up hint (`tools/setup.sh`).

mod common;

use alphapulse_ml::{MlError, Model, ModelSpec};
use common::*;

fn load(spec: &ModelSpec) -> Model {
    Model::load(spec).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn logistic_model_matches_python_and_its_weights() {
    let g = goldens();
    let lr = &g["models"]["micro_lr"];
    let (w, b) = (floats(&lr["weights"]["W"]), lr["weights"]["b"].as_f64().unwrap());
    let want = floats(&lr["outputs"]);
    let mut m = load(&lr_spec());
    let inputs = g["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), want.len());
    for (x, want) in inputs.iter().zip(&want) {
        let x: Vec<f32> = floats(x).iter().map(|v| *v as f32).collect();
        m.input_mut().copy_from_slice(&x);
        let got = m.run().unwrap() as f64;
        assert!((got - want).abs() < 1e-6, "ort {got} vs python {want} for {x:?}");
        let from_weights = logistic(&w, b, &x);
        assert!((got - from_weights).abs() < 1e-5, "ort {got} vs weights {from_weights}");
    }
}

#[test]
fn mlp_with_dynamic_batch_matches_python() {
    let g = goldens();
    let mlp = &g["models"]["micro_mlp"];
    let want = floats(&mlp["outputs"]);
    // The model's input is [N, 12] (N dynamic): a config of [1, 12] is accepted.
    let p = params("micro_mlp.onnx", "x", "1,12", "score", "1,1");
    let mut spec = ModelSpec::from_params(&p).unwrap();
    spec.output_kind = alphapulse_ml::OutputKind::Score;
    let mut m = load(&spec);
    let (w1, b1, w2) = (&mlp["weights"]["W1"], floats(&mlp["weights"]["b1"]), floats(&mlp["weights"]["W2"]));
    for (x, want) in g["inputs"].as_array().unwrap().iter().zip(&want) {
        let x = floats(x);
        m.input_mut().iter_mut().zip(&x).for_each(|(d, s)| *d = *s as f32);
        let got = m.run().unwrap() as f64;
        assert!((got - want).abs() < 1e-6, "ort {got} vs python {want}");
        // tanh(W2 · relu(x W1 + b1)), from the weights.
        let mut z = 0.0;
        for (j, w2j) in w2.iter().enumerate() {
            let h: f64 =
                b1[j] + x.iter().enumerate().map(|(i, xi)| xi * w1[i][j].as_f64().unwrap()).sum::<f64>();
            z += w2j * h.max(0.0);
        }
        assert!((got - z.tanh()).abs() < 1e-5, "ort {got} vs weights {}", z.tanh());
    }
    let mut all = [0f32; 4];
    assert_eq!(m.run_into(&mut all).unwrap(), 1, "one value in a [1, 1] output");
}

/// The mismatch of `spec` against its model, as text (panics if it loads).
fn refused(spec: &ModelSpec) -> String {
    match Model::load(spec) {
        Err(e @ MlError::Mismatch { .. }) => e.to_string(),
        Err(e) => panic!("expected a mismatch, got: {e}"),
        Ok(_) => panic!("{} loaded although its config differs", spec.model.display()),
    }
}

#[test]
fn shape_mismatch_is_refused() {
    // micro_lr8 takes [1, 8]; the config says [1, 12].
    let p = params("micro_lr8.onnx", "features", "1,12", "prob", "1,1");
    let e = refused(&ModelSpec::from_params(&p).unwrap());
    assert!(e.contains("micro_lr8.onnx") && e.contains("input `features` shape"), "{e}");
    assert!(e.contains("expects [1, 12]") && e.contains("has [1, 8]"), "{e}");
}

#[test]
fn name_rank_and_output_mismatches_are_refused() {
    let e = refused(&ModelSpec::from_params(&params("micro_lr.onnx", "x", "1,12", "prob", "1,1")).unwrap());
    assert!(e.contains("input name") && e.contains("expects `x`") && e.contains("has `features`"), "{e}");
    let e =
        refused(&ModelSpec::from_params(&params("micro_lr.onnx", "features", "12", "prob", "1,1")).unwrap());
    assert!(e.contains("expects [12]") && e.contains("has [1, 12]"), "rank: {e}");
    let e = refused(
        &ModelSpec::from_params(&params("micro_lr.onnx", "features", "1,12", "label", "1,1")).unwrap(),
    );
    assert!(e.contains("output name") && e.contains("expects `label`") && e.contains("`prob`"), "{e}");
    let e = refused(
        &ModelSpec::from_params(&params("micro_lr.onnx", "features", "1,12", "prob", "1,2")).unwrap(),
    );
    assert!(
        e.contains("output `prob` shape") && e.contains("expects [1, 2]") && e.contains("has [1, 1]"),
        "{e}"
    );
    let e = refused(
        &ModelSpec::from_params(&params("micro_i64.onnx", "features", "1,12", "prob", "1,1")).unwrap(),
    );
    assert!(
        e.contains("input `features` element type") && e.contains("expects f32") && e.contains("has i64"),
        "{e}"
    );
    // A dynamic dimension accepts any size: [N, 12] with a config of [3, 4]? No: 12 ≠ 4.
    let mut p = params("micro_mlp.onnx", "x", "3,4", "score", "3,1");
    p.insert("output_kind".into(), "score".into());
    let e = refused(&ModelSpec::from_params(&p).unwrap());
    assert!(e.contains("expects [3, 4]") && e.contains("has [?, 12]"), "{e}");
}

#[test]
fn config_errors_name_the_key() {
    let mut p = params("micro_lr.onnx", "features", "1,11", "prob", "1,1");
    let e = ModelSpec::from_params(&p).unwrap_err().to_string();
    assert!(e.contains("`features`") && e.contains("12 features"), "{e}");
    p.insert("input_shape".into(), "1,x".into());
    assert!(ModelSpec::from_params(&p).unwrap_err().to_string().contains("`input_shape`"));
    let mut p = params("micro_lr.onnx", "features", "1,12", "prob", "1,1");
    p.insert("buy_threshold".into(), "0.3".into());
    assert!(ModelSpec::from_params(&p).unwrap_err().to_string().contains("`sell_threshold`: must be below"));
    p.insert("buy_threshold".into(), "1.5".into());
    assert!(ModelSpec::from_params(&p).unwrap_err().to_string().contains("`buy_threshold`: 1.5 is outside"));
    p.remove("buy_threshold");
    p.insert("modle".into(), "x".into());
    assert!(ModelSpec::from_params(&p).unwrap_err().to_string().contains("`modle`: unknown key"));
    p.remove("modle");
    p.insert("features".into(), FEATURES.replace("spread_bps", "spread"));
    let e = alphapulse_ml::FeatureSet::new(&ModelSpec::from_params(&p).unwrap().features, 1).unwrap_err();
    assert!(e.to_string().contains("unknown feature `spread`"), "{e}");
    p.insert("model".into(), testdata("nope.onnx").to_string_lossy().into_owned());
    p.insert("features".into(), FEATURES.into());
    let e = Model::load(&ModelSpec::from_params(&p).unwrap()).unwrap_err().to_string();
    assert!(e.contains("nope.onnx") && e.contains("no such file"), "{e}");
}
