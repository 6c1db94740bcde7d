//! Where the test data is.
#![allow(dead_code)]

pub mod raw;

use std::path::PathBuf;

/// The shared real-data folder: `$ALPHAPULSE_SHARED_DATA`, else `<workspace>/../shared/data`;
/// `None` (and a "skipped" line) if it does not exist.
pub fn equities(test: &str) -> Option<PathBuf> {
    let p = match std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    };
    let p = p.join("equities");
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped: {test}: shared data {} not found (set ALPHAPULSE_SHARED_DATA)", p.display());
        None
    }
}

/// A committed fixture.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata")).join(name)
}

pub fn d(s: &str) -> alphapulse_agents::Date {
    alphapulse_agents::Date::parse_iso(s).expect("test date")
}
