//! The journal folder of a backtest: where it goes by default (`runs/<UTC time>-<pid>/journal`),
//! the refusal to mix two runs in one folder, and `run.json`, which records what a replay needs to
//! rebuild the same instrument table (instrument ids are indices into it).

use crate::config::{Config, ConfigError};
use alphapulse_types::InstrumentTable;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Name of the run description inside a journal folder.
pub const RUN_FILE: &str = "run.json";

/// What `run.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunMeta {
    /// Format of this file (1).
    pub format: u32,
    /// UTC start time, `YYYYMMDDTHHMMSSZ`.
    pub started: String,
    /// Instrument symbols in id order (id = index).
    pub instruments: Vec<String>,
    /// The exchangeInfo file the table came from (None: the shipped sample's instruments).
    pub exchange_info: Option<PathBuf>,
    /// Capture files replayed (empty for a replay from a journal).
    pub data: Vec<PathBuf>,
    /// The journal this run replayed, if it was a replay.
    pub replay_of: Option<PathBuf>,
}

/// `YYYYMMDDTHHMMSSZ` for a time in seconds since the Unix epoch (UTC, proleptic Gregorian).
pub fn utc_stamp(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `runs/<UTC time>-<pid>/journal` under the current folder.
pub fn default_dir() -> PathBuf {
    PathBuf::from("runs").join(format!("{}-{}", utc_stamp(now_secs()), std::process::id())).join("journal")
}

/// A journal folder must be new or empty: two runs in one folder would interleave their streams.
pub fn check_fresh(dir: &Path) -> Result<(), ConfigError> {
    match std::fs::read_dir(dir) {
        Ok(mut it) => {
            if it.next().is_some() {
                return Err(ConfigError::Usage(format!(
                    "journal folder {} is not empty (each run needs its own; omit --journal for a fresh one)",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ConfigError::Usage(format!("journal folder {}: {e}", dir.display()))),
    }
}

/// Writes `run.json` into `dir` (created if needed).
pub fn write_meta(
    dir: &Path,
    cfg: &Config,
    table: &InstrumentTable,
    replay_of: Option<&Path>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let meta = RunMeta {
        format: 1,
        started: utc_stamp(now_secs()),
        instruments: table.iter().map(|i| i.symbol.clone()).collect(),
        exchange_info: cfg.exchange_info.clone(),
        data: if replay_of.is_some() { Vec::new() } else { cfg.data.clone() },
        replay_of: replay_of.map(Path::to_path_buf),
    };
    let p = dir.join(RUN_FILE);
    std::fs::write(&p, serde_json::to_vec_pretty(&meta)?)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
    Ok(())
}

/// Reads `run.json` of a journal folder (None if the folder has none).
pub fn read_meta(dir: &Path) -> Result<Option<RunMeta>, ConfigError> {
    let p = dir.join(RUN_FILE);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| ConfigError::Usage(format!("{}: not a run description: {e}", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::Usage(format!("{}: {e}", p.display()))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_stamps() {
        assert_eq!(super::utc_stamp(0), "19700101T000000Z");
        assert_eq!(super::utc_stamp(1_723_075_200 + 3_723), "20240808T010203Z");
        assert_eq!(super::utc_stamp(951_782_400), "20000229T000000Z");
    }
}
