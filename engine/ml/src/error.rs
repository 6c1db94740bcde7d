//! [`MlError`]: everything that can go wrong loading ONNX Runtime, a model, or an ML agent's config.

use std::path::PathBuf;

/// The set-up hint every library error carries.
pub const SETUP_HINT: &str =
    "run tools/setup.sh (it extracts libonnxruntime.so.1.31.1 from the pinned onnxruntime==1.31.1 wheel)";

/// Errors of this crate; each names the file, key or value at fault.
#[derive(Debug, thiserror::Error)]
pub enum MlError {
    /// No ONNX Runtime library at any of the places looked at.
    #[error("ONNX Runtime library not found (looked at {}): {SETUP_HINT}", list(.tried))]
    LibraryMissing { tried: Vec<PathBuf> },
    /// The file exists but does not load as ONNX Runtime (not a library, wrong version…).
    #[error("ONNX Runtime library {}: {message}; {SETUP_HINT}", .path.display())]
    LibraryLoad { path: PathBuf, message: String },
    /// One ONNX Runtime per process: another library file was loaded first.
    #[error("ONNX Runtime is already loaded from {} in this process; cannot also load {}", .loaded.display(), .requested.display())]
    AlreadyLoaded { loaded: PathBuf, requested: PathBuf },
    /// The model file did not load, or ONNX Runtime refused it.
    #[error("model {}: {message}", .path.display())]
    Model { path: PathBuf, message: String },
    /// The model's inputs/outputs differ from what its config says.
    #[error("model {}: {what}: config expects {expected}, the model has {found}", .path.display())]
    Mismatch { path: PathBuf, what: String, expected: String, found: String },
    /// A config key is missing or has a bad value.
    #[error("ml config `{key}`: {problem}")]
    Config { key: String, problem: String },
    /// An inference call failed.
    #[error("inference failed: {0}")]
    Run(String),
}

impl MlError {
    pub(crate) fn config(key: &str, problem: impl Into<String>) -> Self {
        MlError::Config { key: key.to_string(), problem: problem.into() }
    }
}

fn list(paths: &[PathBuf]) -> String {
    let v: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    v.join(", ")
}
