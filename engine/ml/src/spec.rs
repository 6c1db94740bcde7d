//! [`ModelSpec`]: what the config says about a model (file, input and output names and shapes,
//! feature list, thresholds), read from an agent entry's `params`, and its check against the
//! inputs and outputs the loaded model really has.
//!
//! Keys (all strings in `[[strategy.plugins]] params`):
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `model` | the `.onnx` file (in a config file: relative to the file's folder) | required |
//! | `library` | the ONNX Runtime library file (same) | see [`crate::runtime`] |
//! | `input` | the model's input name | required |
//! | `input_shape` | its shape, e.g. `1,12` (its size = the number of features) | required |
//! | `features` | comma-separated feature names, in input order (see [`crate::features`]) | required |
//! | `output` | the output read | required |
//! | `output_shape` | its shape, e.g. `1,1` or `1,2` | required |
//! | `output_index` | which element of the output is the model's answer | `0` |
//! | `output_kind` | `probability` (of an up move, 0..1) or `score` (−1..1) | `probability` |
//! | `buy_threshold` | a buy signal when the answer is ≥ this | 0.6 / 0.2 by kind |
//! | `sell_threshold` | a sell signal when the answer is ≤ this | 0.4 / −0.2 by kind |

use crate::MlError;
use ort::value::Outlet;
use ort::value::{TensorElementType, ValueType};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How to read the model's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// A probability of an up move in `0..=1`: the signal score is `(2p − 1) × 10 000`.
    Probability,
    /// A score in `−1..=1`: the signal score is `s × 10 000`.
    Score,
}

/// A model and how the agent uses it; see the module docs for the keys.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    pub model: PathBuf,
    pub library: Option<PathBuf>,
    pub input: String,
    pub input_shape: Vec<i64>,
    pub features: Vec<String>,
    pub output: String,
    pub output_shape: Vec<i64>,
    pub output_index: usize,
    pub output_kind: OutputKind,
    pub buy_threshold: f32,
    pub sell_threshold: f32,
}

/// The keys whose values are file paths: a config loader makes them relative to the config
/// file's folder, as it does for the other paths in it.
pub const PATH_KEYS: &[&str] = &["model", "library"];

const KEYS: &[&str] = &[
    "model",
    "library",
    "input",
    "input_shape",
    "features",
    "output",
    "output_shape",
    "output_index",
    "output_kind",
    "buy_threshold",
    "sell_threshold",
];

impl ModelSpec {
    /// The spec from an entry's `params`; errors name the key.
    pub fn from_params(params: &BTreeMap<String, String>) -> Result<Self, MlError> {
        if let Some(k) = params.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(MlError::config(k, format!("unknown key (known: {})", KEYS.join(", "))));
        }
        let need = |k: &str| {
            params
                .get(k)
                .filter(|v| !v.trim().is_empty())
                .cloned()
                .ok_or_else(|| MlError::config(k, "required"))
        };
        let output_kind = match params.get("output_kind").map(|s| s.trim()) {
            None | Some("probability") => OutputKind::Probability,
            Some("score") => OutputKind::Score,
            Some(other) => {
                return Err(MlError::config(
                    "output_kind",
                    format!("`{other}`: expected probability or score"),
                ))
            }
        };
        let (buy, sell) = match output_kind {
            OutputKind::Probability => (0.6, 0.4),
            OutputKind::Score => (0.2, -0.2),
        };
        let spec = ModelSpec {
            model: PathBuf::from(need("model")?),
            library: params.get("library").map(PathBuf::from),
            input: need("input")?,
            input_shape: shape("input_shape", &need("input_shape")?)?,
            features: need("features")?.split(',').map(|s| s.trim().to_string()).collect(),
            output: need("output")?,
            output_shape: shape("output_shape", &need("output_shape")?)?,
            output_index: number(params, "output_index", 0usize)?,
            output_kind,
            buy_threshold: number(params, "buy_threshold", buy)?,
            sell_threshold: number(params, "sell_threshold", sell)?,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Check the keys against each other; errors name the key.
    pub fn validate(&self) -> Result<(), MlError> {
        let inputs: i64 = self.input_shape.iter().product();
        if inputs as usize != self.features.len() {
            return Err(MlError::config(
                "features",
                format!(
                    "{} features for an input of shape {:?} ({inputs} values)",
                    self.features.len(),
                    self.input_shape
                ),
            ));
        }
        let outputs: i64 = self.output_shape.iter().product();
        if self.output_index as i64 >= outputs {
            return Err(MlError::config(
                "output_index",
                format!("{} is outside an output of shape {:?}", self.output_index, self.output_shape),
            ));
        }
        let (lo, hi) = match self.output_kind {
            OutputKind::Probability => (0.0, 1.0),
            OutputKind::Score => (-1.0, 1.0),
        };
        for (k, v) in [("buy_threshold", self.buy_threshold), ("sell_threshold", self.sell_threshold)] {
            if !(lo..=hi).contains(&v) {
                return Err(MlError::config(k, format!("{v} is outside {lo}..={hi}")));
            }
        }
        if self.sell_threshold >= self.buy_threshold {
            return Err(MlError::config("sell_threshold", "must be below buy_threshold"));
        }
        Ok(())
    }

    /// Refuse a model whose input or output differs from this spec: the input (the model must
    /// have exactly one), the named output, each a float32 tensor of the configured rank whose
    /// fixed dimensions equal the configured ones (a dynamic dimension accepts any).
    pub fn check(&self, inputs: &[Outlet], outputs: &[Outlet]) -> Result<(), MlError> {
        let names = |o: &[Outlet]| o.iter().map(|x| format!("`{}`", x.name())).collect::<Vec<_>>().join(", ");
        let mismatch = |what: String, expected: String, found: String| MlError::Mismatch {
            path: self.model.clone(),
            what,
            expected,
            found,
        };
        match inputs {
            [one] if one.name() == self.input => check_tensor(&self.model, "input", one, &self.input_shape)?,
            [one] => {
                return Err(mismatch(
                    "input name".into(),
                    format!("`{}`", self.input),
                    format!("`{}`", one.name()),
                ))
            }
            _ => {
                return Err(mismatch(
                    "inputs".into(),
                    format!("one input `{}`", self.input),
                    format!("{} inputs: {}", inputs.len(), names(inputs)),
                ))
            }
        }
        match outputs.iter().find(|o| o.name() == self.output) {
            Some(o) => check_tensor(&self.model, "output", o, &self.output_shape),
            None => Err(mismatch("output name".into(), format!("`{}`", self.output), names(outputs))),
        }
    }
}

/// A float32 tensor of exactly the `want` shape (dynamic model dimensions accept any size).
fn check_tensor(path: &Path, side: &str, o: &Outlet, want: &[i64]) -> Result<(), MlError> {
    let want: Vec<Option<i64>> = want.iter().copied().map(Some).collect();
    check_outlet(path, side, o, TensorElementType::Float32, &want)
}

/// Checks one outlet's element type and shape; `None` in `want` accepts any size there, and a
/// dynamic dimension in the model accepts any wanted size.
pub(crate) fn check_outlet(
    path: &Path,
    side: &str,
    o: &Outlet,
    ty: TensorElementType,
    want: &[Option<i64>],
) -> Result<(), MlError> {
    let mismatch = |what: String, expected: String, found: String| MlError::Mismatch {
        path: path.to_path_buf(),
        what,
        expected,
        found,
    };
    let (found_ty, dims): (TensorElementType, Vec<i64>) = match o.dtype() {
        ValueType::Tensor { ty, shape, .. } => (ty.to_owned(), shape.iter().copied().collect()),
        other => {
            return Err(mismatch(
                format!("{side} `{}` type", o.name()),
                format!("a {ty} tensor"),
                format!("{other}"),
            ))
        }
    };
    if found_ty != ty {
        return Err(mismatch(
            format!("{side} `{}` element type", o.name()),
            format!("{ty}"),
            format!("{found_ty}"),
        ));
    }
    let fits =
        dims.len() == want.len() && dims.iter().zip(want).all(|(&d, w)| d < 0 || w.is_none_or(|w| w == d));
    if !fits {
        let show = |v: Vec<String>| format!("[{}]", v.join(", "));
        return Err(mismatch(
            format!("{side} `{}` shape", o.name()),
            show(want.iter().map(|w| w.map_or("N".into(), |w| w.to_string())).collect()),
            show(dims.iter().map(|&d| if d < 0 { "?".into() } else { d.to_string() }).collect())
                + " (? = dynamic)",
        ));
    }
    Ok(())
}

fn shape(key: &str, text: &str) -> Result<Vec<i64>, MlError> {
    let dims: Result<Vec<i64>, _> = text.split(',').map(|d| d.trim().parse::<i64>()).collect();
    match dims {
        Ok(d) if !d.is_empty() && d.iter().all(|&x| (1..=1 << 20).contains(&x)) => Ok(d),
        _ => Err(MlError::config(
            key,
            format!("`{text}`: expected positive dimensions separated by commas, e.g. 1,12"),
        )),
    }
}

fn number<T: std::str::FromStr>(
    params: &BTreeMap<String, String>,
    key: &str,
    default: T,
) -> Result<T, MlError>
where
    T::Err: std::fmt::Display,
{
    match params.get(key) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e| MlError::config(key, format!("`{v}`: {e}"))),
    }
}
