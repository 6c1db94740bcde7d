//! [`TextClassifier`]: a string-input ONNX classifier (the sentiment model of
//! `tools/models/sentiment/`) for the slow path: batches of texts in, a label and one probability
//! per class out. Allocation per call is fine here (never on a hot thread).
//!
//! The model must have exactly one input, a string tensor of shape `[N, 1]` (named `text` by
//! default), and among its outputs an int64 label tensor `[N]` (`label`) and a float32
//! probability tensor `[N, C]` (`probabilities`); the names and `C` come from [`TextSpec`]. A
//! model that differs is refused at load with [`MlError::Mismatch`], naming the file, the input or
//! output and both sides. The texts are fed as given: normalising them the way the model was
//! trained is the caller's job (`alphapulse_agents::sentiment::normalise` for the sentiment model).

use crate::spec::check_outlet;
use crate::MlError;
use ort::session::Session;
use ort::value::{Outlet, Tensor, TensorElementType};
use std::path::PathBuf;

/// How a text classifier is configured: the file, the library, the tensor names, the classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextSpec {
    /// The `.onnx` file.
    pub model: PathBuf,
    /// The ONNX Runtime library file (see [`crate::runtime`]); `None`: the default search.
    pub library: Option<PathBuf>,
    /// The string input, shape `[N, 1]`.
    pub input: String,
    /// The int64 label output, shape `[N]`.
    pub label: String,
    /// The float32 probability output, shape `[N, classes]`.
    pub probabilities: String,
    /// Number of classes `C`.
    pub classes: usize,
}

impl TextSpec {
    /// The sentiment model's interface (`text` → `label`, `probabilities` with 3 classes:
    /// 0 bearish, 1 bullish, 2 neutral) for the file `model`.
    pub fn sentiment(model: impl Into<PathBuf>) -> TextSpec {
        TextSpec {
            model: model.into(),
            library: None,
            input: "text".into(),
            label: "label".into(),
            probabilities: "probabilities".into(),
            classes: 3,
        }
    }

    /// Refuse a model whose inputs or outputs differ from this spec.
    pub fn check(&self, inputs: &[Outlet], outputs: &[Outlet]) -> Result<(), MlError> {
        let names = |o: &[Outlet]| o.iter().map(|x| format!("`{}`", x.name())).collect::<Vec<_>>().join(", ");
        let mismatch = |what: String, expected: String, found: String| MlError::Mismatch {
            path: self.model.clone(),
            what,
            expected,
            found,
        };
        match inputs {
            [one] if one.name() == self.input => {
                check_outlet(&self.model, "input", one, TensorElementType::String, &[None, Some(1)])?
            }
            _ => {
                return Err(mismatch(
                    "inputs".into(),
                    format!("one input `{}`", self.input),
                    format!("{} input(s): {}", inputs.len(), names(inputs)),
                ))
            }
        }
        let find = |name: &str| {
            outputs
                .iter()
                .find(|o| o.name() == name)
                .ok_or_else(|| mismatch("output name".into(), format!("`{name}`"), names(outputs)))
        };
        check_outlet(&self.model, "output", find(&self.label)?, TensorElementType::Int64, &[None])?;
        let classes = i64::try_from(self.classes).ok();
        check_outlet(
            &self.model,
            "output",
            find(&self.probabilities)?,
            TensorElementType::Float32,
            &[None, classes],
        )
    }
}

/// One text's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    /// The model's label (for the sentiment model: 0 bearish, 1 bullish, 2 neutral).
    pub label: i64,
    /// One probability per class, in class order.
    pub probabilities: Vec<f32>,
}

/// A loaded, checked string-input classifier; see the module docs.
pub struct TextClassifier {
    session: Session,
    spec: TextSpec,
}

impl std::fmt::Debug for TextClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextClassifier").field("spec", &self.spec).finish_non_exhaustive()
    }
}

/// Texts per ONNX Runtime call in [`TextClassifier::classify`] (bounds the tensors' size).
pub const BATCH: usize = 512;

impl TextClassifier {
    /// Load ONNX Runtime if needed, then the model of `spec`, and check it against `spec`.
    pub fn load(spec: &TextSpec) -> Result<TextClassifier, MlError> {
        if spec.classes == 0 {
            return Err(MlError::config("classes", "must be at least 1"));
        }
        let session = crate::model::open_session(spec.library.as_deref(), &spec.model)?;
        spec.check(session.inputs(), session.outputs())?;
        Ok(TextClassifier { session, spec: spec.clone() })
    }

    /// The spec it was loaded with.
    pub fn spec(&self) -> &TextSpec {
        &self.spec
    }

    /// Classify `texts` (in batches of [`BATCH`]); one result per text, in order. A text with a
    /// NUL byte is refused (ONNX Runtime's strings are C strings).
    pub fn classify(&mut self, texts: &[&str]) -> Result<Vec<Classified>, MlError> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            self.run(chunk, &mut out)?;
        }
        Ok(out)
    }

    fn run(&mut self, texts: &[&str], out: &mut Vec<Classified>) -> Result<(), MlError> {
        let run_err = |e: &dyn std::fmt::Display| MlError::Run(format!("{}: {e}", self.spec.model.display()));
        if let Some(i) = texts.iter().position(|t| t.contains('\0')) {
            return Err(MlError::Run(format!("text {i} contains a NUL character")));
        }
        let n = texts.len();
        // `ort` wants `'static` elements: owned copies (the slow path may allocate).
        let owned: Vec<String> = texts.iter().map(|t| (*t).to_string()).collect();
        let input = Tensor::from_string_array(([n, 1usize], owned.as_slice())).map_err(|e| run_err(&e))?;
        let outputs = self
            .session
            .run(ort::inputs![self.spec.input.as_str() => input])
            .map_err(|e| MlError::Run(format!("{}: {e}", self.spec.model.display())))?;
        let missing = |name: &str| MlError::Run(format!("no output `{name}`"));
        let labels = outputs.get(&self.spec.label).ok_or_else(|| missing(&self.spec.label))?;
        let (_, labels) = labels.try_extract_tensor::<i64>().map_err(|e| MlError::Run(e.to_string()))?;
        let probs = outputs.get(&self.spec.probabilities).ok_or_else(|| missing(&self.spec.probabilities))?;
        let (_, probs) = probs.try_extract_tensor::<f32>().map_err(|e| MlError::Run(e.to_string()))?;
        let c = self.spec.classes;
        if labels.len() != n || probs.len() != n * c {
            return Err(MlError::Run(format!(
                "{} texts gave {} labels and {} probabilities (expected {n} and {})",
                n,
                labels.len(),
                probs.len(),
                n * c
            )));
        }
        out.extend(
            labels
                .iter()
                .zip(probs.chunks_exact(c))
                .map(|(&label, p)| Classified { label, probabilities: p.to_vec() }),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/models/sentiment/sentiment.onnx"))
    }

    #[test]
    fn loads_the_sentiment_model_and_classifies_a_batch() {
        let mut c = TextClassifier::load(&TextSpec::sentiment(model())).expect("load");
        let r =
            c.classify(&["$ aapl beats estimates , shares jump to record high url", "", "x"]).expect("run");
        assert_eq!(r.len(), 3);
        for x in &r {
            assert_eq!(x.probabilities.len(), 3);
            let sum: f32 = x.probabilities.iter().sum();
            assert!((sum - 1.0).abs() < 1e-4, "{x:?}");
            let best = (0..3).max_by(|&a, &b| x.probabilities[a].total_cmp(&x.probabilities[b]));
            assert_eq!(best, usize::try_from(x.label).ok(), "{x:?}");
        }
        assert!(c.classify(&[]).expect("empty").is_empty());
        assert!(matches!(c.classify(&["a\0b"]), Err(MlError::Run(_))));
    }

    #[test]
    fn refuses_a_mismatch_naming_it() {
        type Change = fn(&mut TextSpec);
        let cases: [(Change, &str); 4] = [
            (|s| s.input = "sentence".into(), "inputs"),
            (|s| s.label = "class".into(), "output name"),
            (|s| s.probabilities = "label".into(), "element type"),
            (|s| s.classes = 4, "shape"),
        ];
        for (change, what) in cases {
            let mut spec = TextSpec::sentiment(model());
            change(&mut spec);
            match TextClassifier::load(&spec) {
                Err(e @ MlError::Mismatch { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(what) && msg.contains("sentiment.onnx"), "{msg}");
                }
                other => panic!("{spec:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn missing_model_file_is_named() {
        let spec = TextSpec::sentiment("/nonexistent/senti.onnx");
        let e = TextClassifier::load(&spec).expect_err("missing");
        assert!(e.to_string().contains("/nonexistent/senti.onnx"), "{e}");
    }
}
