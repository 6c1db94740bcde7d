//! The committed microstructure model (tools/models/micro/micro.onnx) in the engine, through
//! tools/config/ml-micro.toml: the model loads and passes its spec check, gives the probability its
//! logistic regression recomputed here from metrics.json's weights gives, the ML agent signals in a
//! backtest over the shipped sample, and a config whose input shape differs is refused, named.

mod common;

use alphapulse_ml::{Model, ModelSpec};
use alphapulse_tools::config::Config;
use common::{bin, err, out};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn config_path() -> PathBuf {
    repo().join("tools/config/ml-micro.toml")
}

/// The `ml_micro` entry's params, with the model path made absolute.
fn params() -> std::collections::BTreeMap<String, String> {
    let cfg = Config::load(&config_path()).expect("ml-micro.toml loads");
    let e = cfg.strategy.plugins.iter().find(|e| e.name == "ml_micro").expect("an ml_micro entry");
    assert_eq!(e.builtin.as_deref(), Some("ml"));
    let mut p = e.params.clone();
    let model = repo().join(p.get("model").expect("a model key"));
    p.insert("model".into(), model.to_string_lossy().into_owned());
    p
}

fn metrics() -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("tools/models/micro/metrics.json")).expect("metrics.json");
    serde_json::from_str(&text).expect("metrics.json is JSON")
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(|x| x.as_f64().expect("a number")).collect()
}

#[test]
fn the_config_matches_the_trained_model() {
    let p = params();
    let m = metrics();
    let cfg = &m["engine_config"];
    for k in ["input", "input_shape", "features", "output", "output_shape", "output_index", "output_kind"] {
        assert_eq!(p.get(k).map(String::as_str), cfg[k].as_str(), "key `{k}`: config vs metrics.json");
    }
}

#[test]
fn the_model_gives_the_probability_of_its_weights() {
    let spec = ModelSpec::from_params(&params()).expect("spec");
    let mut model = Model::load(&spec).expect("micro.onnx loads and passes the spec check");
    let f = &metrics()["final_model"];
    let (mean, scale, coef) =
        (floats(&f["scaler_mean"]), floats(&f["scaler_scale"]), floats(&f["coef_on_standardised"]));
    let b = f["intercept"].as_f64().unwrap();
    assert_eq!(coef.len(), spec.features.len());
    // Feature rows from the sample capture, as `alphapulse features` exports them.
    let o = bin()
        .args(["features", "--features", &spec.features.join(","), "--horizons", "1s"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let (mut n, mut high, mut low) = (0, 0, 0);
    for line in text.lines().skip(1).step_by(7) {
        let x: Vec<f32> = line.split(',').skip(2).take(coef.len()).map(|v| v.parse().unwrap()).collect();
        model.input_mut().copy_from_slice(&x);
        let got = model.run().expect("inference") as f64;
        let z: f64 = (0..coef.len()).map(|i| coef[i] * (x[i] as f64 - mean[i]) / scale[i]).sum::<f64>() + b;
        let want = 1.0 / (1.0 + (-z).exp());
        assert!((got - want).abs() < 1e-4, "{line}: onnx {got}, weights {want}");
        n += 1;
        high += (got >= 0.6) as usize;
        low += (got <= 0.4) as usize;
    }
    assert!(n > 300 && high > 10 && low > 10, "{n} rows, {high} ≥ 0.6, {low} ≤ 0.4");
}

#[test]
fn a_backtest_with_the_model_signals() {
    // From another folder: the model path is relative to the config file, not to the caller.
    let cwd = alphapulse_shm::test_scratch::fresh("ml-micro-cwd");
    let o = bin()
        .current_dir(&cwd)
        .args(["backtest", "--config", config_path().to_str().unwrap(), "--no-journal", "--quiet", "--json"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&cwd);
    assert!(o.status.success(), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_str(&out(&o)).expect("a JSON report");
    let signals = r["signals"]["ml_micro"].as_u64().expect("ml_micro signals in the report");
    assert!(signals > 0, "no signals: {}", r["signals"]);
}

#[test]
fn a_wrong_input_shape_is_refused_naming_it() {
    let dir = alphapulse_shm::test_scratch::fresh("ml-micro-shape");
    let text = std::fs::read_to_string(config_path()).unwrap();
    let model = repo().join("tools/models/micro/micro.onnx");
    // 11 features for an input of [1, 11]: consistent in itself, but the model takes [1, 12].
    let bad = text
        .replace("input_shape = \"1,12\"", "input_shape = \"1,11\"")
        .replace(",trade_flow_200\"", "\"")
        .replace("\"../models/micro/micro.onnx\"", &format!("{:?}", model.to_string_lossy()));
    assert_ne!(bad, text);
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, bad).unwrap();
    let o = bin()
        .args(["backtest", "--config", cfg.to_str().unwrap(), "--no-journal", "--quiet"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(2), "a config the model refuses is a bad config");
    let e = err(&o);
    assert!(
        e.contains("micro.onnx")
            && e.contains("input `features` shape")
            && e.contains("[1, 11]")
            && e.contains("[1, 12]"),
        "{e}"
    );
}
