//! A missing or wrong ONNX Runtime library is an error naming the path and the set-up step, never
//! a panic; the right library loads afterwards in the same process. (Its own test binary: the
//! library is loaded once per process.)

mod common;

use alphapulse_ml::{runtime, MlAgent, MlError};
use std::panic::catch_unwind;

#[test]
fn bad_library_paths_are_errors_not_panics() {
    // A path that does not exist.
    let missing = common::testdata("no-such-libonnxruntime.so");
    let mut spec = common::lr_spec();
    spec.library = Some(missing.clone());
    let got = catch_unwind(|| MlAgent::new(&spec, 1).map(|_| ())).expect("no panic for a missing library");
    match got {
        Err(e @ MlError::LibraryMissing { .. }) => {
            let t = e.to_string();
            assert!(t.contains("no-such-libonnxruntime.so") && t.contains("run tools/setup.sh"), "{t}");
        }
        other => panic!("expected LibraryMissing, got {other:?}"),
    }
    // A file that exists but is no library (a model file).
    spec.library = Some(common::testdata("micro_lr.onnx"));
    let got = catch_unwind(|| runtime::environment(spec.library.as_deref()).map(|_| ())).expect("no panic");
    match got {
        Err(e @ MlError::LibraryLoad { .. }) => {
            let t = e.to_string();
            assert!(t.contains("micro_lr.onnx") && t.contains("run tools/setup.sh"), "{t}");
        }
        other => panic!("expected LibraryLoad, got {other:?}"),
    }
    // The real one (ORT_DYLIB_PATH from .cargo/config.toml, or the set-up folder) still loads.
    let real = runtime::resolve_library(None).unwrap_or_else(|e| panic!("{e}"));
    spec.library = None;
    MlAgent::new(&spec, 1).unwrap_or_else(|e| panic!("{e}"));
    // Another file once one is loaded: refused, naming both.
    spec.library = Some(common::testdata("micro_mlp.onnx"));
    let e = runtime::environment(spec.library.as_deref()).unwrap_err().to_string();
    assert!(e.contains("already loaded") && e.contains("micro_mlp.onnx"), "{e}");
    assert!(real.is_file());
}
