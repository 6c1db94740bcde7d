//! Test support: where the shared real data and the repo's sample capture are.

use std::path::PathBuf;

/// The shared real-data folder: `$ALPHAPULSE_SHARED_DATA`, else `<workspace>/../shared/data`;
/// `None` if it does not exist.
pub fn shared_data_dir() -> Option<PathBuf> {
    let p = match std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
    };
    p.is_dir().then_some(p)
}

/// The bundled capture `feeds/testdata/btcusdt_20240808.gz` (see `testdata/PROVENANCE.md`).
pub fn sample_capture() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/btcusdt_20240808.gz"))
}
