//! [`Model`]: one ONNX model loaded into an ONNX Runtime session set up for the hot path, with its
//! input and output tensors allocated once.
//!
//! The session runs on the calling thread: one intra-op thread (the caller's), one inter-op
//! thread, no spinning pools, all graph optimisations. The input tensor is written in place
//! ([`Model::input_mut`]) and the output is written by ONNX Runtime into a tensor preallocated at
//! load time (`OutputSelector::preallocate`), so a call makes no Rust allocation once warm
//! (`tests/no_alloc.rs`). ONNX Runtime's C++ code still mallocs a few times per `Run`; that is
//! measured, not hidden (`benches/src/bin/ml_inference.rs`).

use crate::{runtime, MlError, ModelSpec};
use ort::memory::Allocator;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{HasSelectedOutputs, OutputSelector, RunOptions, Session};
use ort::value::Tensor;
use std::path::PathBuf;

/// A loaded, checked model; see the module docs.
pub struct Model {
    session: Session,
    input: Tensor<f32>,
    options: RunOptions<HasSelectedOutputs>,
    output_index: usize,
    path: PathBuf,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Load ONNX Runtime if needed (from `library`, else found: [`runtime::environment`]) and open
/// the model file at `path` in a session that runs on the calling thread: one intra-op thread,
/// one inter-op thread, no spinning pools, all graph optimisations. Errors name the file.
pub(crate) fn open_session(
    library: Option<&std::path::Path>,
    path: &std::path::Path,
) -> Result<Session, MlError> {
    let env = runtime::environment(library)?;
    let err = |e: &dyn std::fmt::Display| MlError::Model { path: path.to_path_buf(), message: e.to_string() };
    if !path.is_file() {
        return Err(err(&"no such file"));
    }
    let b = Session::builder(&env).map_err(|e| err(&e))?;
    let b = b.with_intra_threads(1).map_err(|e| err(&e))?;
    let b = b.with_inter_threads(1).map_err(|e| err(&e))?;
    let b = b.with_intra_op_spinning(false).map_err(|e| err(&e))?;
    let b = b.with_inter_op_spinning(false).map_err(|e| err(&e))?;
    let mut b = b.with_optimization_level(GraphOptimizationLevel::All).map_err(|e| err(&e))?;
    b.commit_from_file(path).map_err(|e| err(&e))
}

impl Model {
    /// Load ONNX Runtime if needed, then the model of `spec`, and check its inputs and outputs
    /// against `spec` ([`ModelSpec::check`]).
    pub fn load(spec: &ModelSpec) -> Result<Model, MlError> {
        let path = spec.model.clone();
        let err = |e: &dyn std::fmt::Display| MlError::Model { path: path.clone(), message: e.to_string() };
        let session = open_session(spec.library.as_deref(), &path)?;
        spec.check(session.inputs(), session.outputs())?;
        let alloc = Allocator::default();
        let mut input = Tensor::<f32>::new(&alloc, spec.input_shape.clone()).map_err(|e| err(&e))?;
        input.extract_tensor_mut().1.fill(0.0);
        let mut output = Tensor::<f32>::new(&alloc, spec.output_shape.clone()).map_err(|e| err(&e))?;
        output.extract_tensor_mut().1.fill(0.0);
        let options = RunOptions::new().map_err(|e| err(&e))?.with_outputs(
            OutputSelector::no_default().with(spec.output.as_str()).preallocate(spec.output.as_str(), output),
        );
        Ok(Model { session, input, options, output_index: spec.output_index, path })
    }

    /// The model file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The input tensor's values, to write before [`Model::run`].
    #[inline]
    pub fn input_mut(&mut self) -> &mut [f32] {
        self.input.extract_tensor_mut().1
    }

    /// Run the model on the current input; returns the configured element of the output.
    #[inline]
    pub fn run(&mut self) -> Result<f32, MlError> {
        let outputs = self
            .session
            .run_with_options(ort::inputs![&self.input], &self.options)
            .map_err(|e| MlError::Run(e.to_string()))?;
        let (_, values) = outputs[0].try_extract_tensor::<f32>().map_err(|e| MlError::Run(e.to_string()))?;
        values
            .get(self.output_index)
            .copied()
            .ok_or_else(|| MlError::Run("output shorter than configured".into()))
    }

    /// Run the model and copy the whole output into `out` (as many values as fit); for tests and
    /// tools.
    pub fn run_into(&mut self, out: &mut [f32]) -> Result<usize, MlError> {
        let outputs = self
            .session
            .run_with_options(ort::inputs![&self.input], &self.options)
            .map_err(|e| MlError::Run(e.to_string()))?;
        let (_, values) = outputs[0].try_extract_tensor::<f32>().map_err(|e| MlError::Run(e.to_string()))?;
        let n = values.len().min(out.len());
        out[..n].copy_from_slice(&values[..n]);
        Ok(n)
    }
}
