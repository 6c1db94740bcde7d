//! Shared by the tools integration tests: the capture set to replay.

use std::path::PathBuf;

/// Both BTCUSDT files from ../shared/data when present (CI), else the repo's sample.
pub fn btc_captures() -> Vec<PathBuf> {
    match alphapulse_feeds::testdata::shared_data_dir() {
        Some(d) => {
            vec![d.join("binance-spot/btcusdt_20240808.gz"), d.join("binance-spot/btcusdt_20240809.gz")]
        }
        None => {
            println!("note: ../shared/data not found; using the repo sample only");
            vec![alphapulse_feeds::testdata::sample_capture()]
        }
    }
}
