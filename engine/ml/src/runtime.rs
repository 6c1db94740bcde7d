//! Finding and loading the ONNX Runtime library (`ort` with `load-dynamic`), once per process.
//!
//! The library is looked up, in order: the path given in the model config (`library`), then
//! `ORT_DYLIB_PATH` (set for cargo's processes by `.cargo/config.toml`), then
//! `target/onnxruntime/libonnxruntime.so.1.31.1` (where `tools/setup.sh` puts it) under any
//! ancestor of the executable's folder or of the current folder. A path that is given but missing
//! is an error naming it; nothing is guessed past it. The library is then opened with
//! [`ort::init_from`], which returns an error instead of panicking (unlike `ort`'s lazy loading
//! through `ORT_DYLIB_PATH`), before any other `ort` call is made.

use crate::MlError;
use ort::environment::Environment;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The ONNX Runtime release `tools/setup.sh` installs (the one `ort` 2.0.0-rc.15 is built against).
pub const ORT_VERSION: &str = "1.31.1";
/// Its file name.
pub const LIBRARY_FILE: &str = "libonnxruntime.so.1.31.1";

/// The library loaded in this process and its environment.
static LOADED: Mutex<Option<(PathBuf, Environment)>> = Mutex::new(None);

/// Where the library is: `explicit`, else `ORT_DYLIB_PATH`, else the set-up folder found from the
/// executable or the current folder. Errors name every path looked at.
pub fn resolve_library(explicit: Option<&Path>) -> Result<PathBuf, MlError> {
    let given = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("ORT_DYLIB_PATH").filter(|v| !v.is_empty()).map(PathBuf::from));
    if let Some(p) = given {
        return if p.is_file() { Ok(p) } else { Err(MlError::LibraryMissing { tried: vec![p] }) };
    }
    let mut tried = Vec::new();
    let bases = [
        std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)),
        std::env::current_dir().ok(),
    ];
    for base in bases.into_iter().flatten() {
        for dir in base.ancestors() {
            for sub in ["target/onnxruntime", "onnxruntime"] {
                let p = dir.join(sub).join(LIBRARY_FILE);
                if p.is_file() {
                    return Ok(p);
                }
                tried.push(p);
            }
        }
    }
    Err(MlError::LibraryMissing { tried })
}

/// The process's ONNX Runtime environment, loading the library (see [`resolve_library`]) on the
/// first call. Later calls return the same environment; asking for another library file then is
/// an error ([`MlError::AlreadyLoaded`]).
pub fn environment(explicit: Option<&Path>) -> Result<Environment, MlError> {
    let path = resolve_library(explicit)?;
    let path = path
        .canonicalize()
        .map_err(|e| MlError::LibraryLoad { path: path.clone(), message: e.to_string() })?;
    let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((at, env)) = loaded.as_ref() {
        if *at != path {
            return Err(MlError::AlreadyLoaded { loaded: at.clone(), requested: path });
        }
        return Ok(env.clone());
    }
    let load_err = |message: String| MlError::LibraryLoad { path: path.clone(), message };
    let builder = ort::init_from(&path).map_err(|e| load_err(e.to_string()))?;
    let env =
        builder.with_name("alphapulse").with_telemetry(false).build().map_err(|e| load_err(e.to_string()))?;
    *loaded = Some((path, env.clone()));
    Ok(env)
}
