//! The ML agent and its ONNX Runtime plumbing.
//!
//! - [`runtime`]: finding and loading the ONNX Runtime library (`ort` with `load-dynamic`; the
//!   library comes from `tools/setup.sh`), with a clear error, never a panic, when it is missing;
//! - [`spec`]: [`ModelSpec`], a model's config (file, input/output names and shapes, features,
//!   thresholds) and its check against the loaded model: a mismatch is refused;
//! - [`model`]: [`Model`], a session for the hot path (1 intra-op thread, no spinning, buffers
//!   allocated once);
//! - [`features`]: [`FeatureSet`], microstructure features (book imbalance at several depths,
//!   spread, micro-price, mid returns, trade-flow imbalance) from the L2 book and trades;
//! - [`agent`]: [`MlAgent`], the `Strategy` that ties them together (built-in `ml`);
//! - [`text`]: [`TextClassifier`], a string-input classifier (the sentiment model) for the slow
//!   path: batches of texts → label and class probabilities, its interface checked at load.
//!
//! ```no_run
//! use alphapulse_ml::{MlAgent, ModelSpec};
//! let params = [
//!     ("model", "engine/ml/testdata/micro_lr.onnx"),
//!     ("input", "features"),
//!     ("input_shape", "1,12"),
//!     ("features", "imbalance_1,imbalance_5,imbalance_10,imbalance_20,spread_bps,microprice_bps,\
//!                   return_1,return_10,return_50,trade_flow_10,trade_flow_50,trade_flow_200"),
//!     ("output", "prob"),
//!     ("output_shape", "1,1"),
//! ];
//! let params = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
//! let spec = ModelSpec::from_params(&params)?;
//! let agent = MlAgent::new(&spec, 1)?; // loads ONNX Runtime and the model, checks it
//! # Ok::<(), alphapulse_ml::MlError>(())
//! ```

#![forbid(unsafe_code)]

pub mod agent;
mod error;
pub mod features;
pub mod model;
pub mod runtime;
pub mod spec;
pub mod text;

pub use agent::MlAgent;
pub use error::{MlError, SETUP_HINT};
pub use features::{Feature, FeatureSet};
pub use model::Model;
pub use spec::{ModelSpec, OutputKind};
pub use text::{Classified, TextClassifier, TextSpec};
