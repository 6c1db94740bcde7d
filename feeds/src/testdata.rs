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

/// Replay `files` through a [`crate::FeedActor`] and collect every message it sends down, ending
/// with its `Eos` (test support for other crates: real market data as `Msg`s; allocates freely).
pub fn replay_messages(
    files: &[PathBuf],
    instruments: &alphapulse_types::InstrumentTable,
) -> Result<Vec<alphapulse_types::Msg>, crate::FeedError> {
    use alphapulse_runtime::{Actor, Ctx, Poll, VecOutbox};
    let mut feed = crate::FeedActor::open(files, instruments, crate::FeedOptions::defaults())?;
    let mut out = VecOutbox::default();
    while feed.poll(&mut Ctx::new(0, &mut out)) != Poll::Done {}
    Ok(out.down)
}
