//! The journal folder of a backtest: where it goes by default (`runs/<UTC time>-<pid>/journal`),
//! the refusal to mix two runs in one folder, and `run.json`, which records what a replay needs to
//! rebuild the same instrument table (instrument ids are indices into it) and the config the run
//! used; and the pruning of old run folders under the default `runs/`.

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
    /// The effective config of the run (every key, after command-line overrides), as
    /// [`Config::to_json`] writes it; `--from-journal` replays with it. None in journals written
    /// before configs were recorded.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
    /// The strategy host's strategies at the start, in index order: index `i` is the `agent` of
    /// their `signal` records and bit `i` of an `aggregate` record's `agents`. Strategies loaded
    /// later through the control socket are not listed (their `strategy` records give their
    /// index). Empty in journals written before it was recorded.
    #[serde(default)]
    pub strategies: Vec<String>,
}

/// `YYYYMMDDTHHMMSSZ` for a time in seconds since the Unix epoch (UTC).
pub fn utc_stamp(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = alphapulse_types::civil_from_days(days as i64);
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
    strategies: Vec<String>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("creating journal folder {}: {e}", dir.display()))?;
    let meta = RunMeta {
        format: 1,
        started: utc_stamp(now_secs()),
        instruments: table.iter().map(|i| i.symbol.clone()).collect(),
        exchange_info: cfg.exchange_info.clone(),
        data: if replay_of.is_some() { Vec::new() } else { cfg.data.clone() },
        replay_of: replay_of.map(Path::to_path_buf),
        config: Some(cfg.to_json()),
        strategies,
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

/// The folder the default journals go into (`runs/` under the current folder).
pub const RUNS_DIR: &str = "runs";

/// A run folder removed by [`prune_runs`], with the bytes it held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pruned {
    pub path: PathBuf,
    pub bytes: u64,
}

/// The process id in the name of one of our run folders, `<YYYYMMDDTHHMMSSZ>-<pid>`.
fn run_folder_pid(name: &str) -> Option<(String, u32)> {
    let (stamp, pid) = name.split_once('-')?;
    let b = stamp.as_bytes();
    let stamp_ok = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    let pid_ok = !pid.is_empty() && pid.bytes().all(|c| c.is_ascii_digit());
    if !(stamp_ok && pid_ok) {
        return None;
    }
    Some((stamp.to_string(), pid.parse().ok()?))
}

/// True while process `pid` runs (Linux: `/proc/<pid>`; elsewhere assumed running, so never removed).
fn process_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Bytes under `p` (not following symlinks).
pub fn tree_bytes(p: &Path) -> u64 {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            std::fs::read_dir(p).map(|it| it.flatten().map(|e| tree_bytes(&e.path())).sum()).unwrap_or(0)
        }
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

/// Keep the newest `keep` run folders in `runs` (by the UTC time, then the pid, in their names) and
/// remove the older ones. Only our run folders are candidates: a directory (not a symlink) named
/// `<YYYYMMDDTHHMMSSZ>-<pid>` that holds a readable `journal/run.json`. A folder whose process
/// still runs is never removed; nothing else in `runs` is touched. Returns what was removed and
/// the folders that could not be removed (with the error).
pub fn prune_runs(runs: &Path, keep: usize) -> (Vec<Pruned>, Vec<String>) {
    let (mut removed, mut failed) = (Vec::new(), Vec::new());
    let Ok(it) = std::fs::read_dir(runs) else { return (removed, failed) };
    let mut ours: Vec<(String, u32, PathBuf)> = it
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let (stamp, pid) = run_folder_pid(e.file_name().to_str()?)?;
            let p = e.path();
            matches!(read_meta(&p.join("journal")), Ok(Some(_))).then_some((stamp, pid, p))
        })
        .collect();
    ours.sort_by(|a, b| (&b.0, b.1).cmp(&(&a.0, a.1)));
    for (_, pid, p) in ours.into_iter().skip(keep) {
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let bytes = tree_bytes(&p);
        match std::fs::remove_dir_all(&p) {
            Ok(()) => removed.push(Pruned { path: p, bytes }),
            Err(e) => failed.push(format!("{}: {e}", p.display())),
        }
    }
    (removed, failed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_stamps() {
        assert_eq!(super::utc_stamp(0), "19700101T000000Z");
        assert_eq!(super::utc_stamp(1_723_075_200 + 3_723), "20240808T010203Z");
        assert_eq!(super::utc_stamp(951_782_400), "20000229T000000Z");
    }

    #[test]
    fn run_folder_names() {
        assert_eq!(super::run_folder_pid("20240808T010203Z-4242"), Some(("20240808T010203Z".into(), 4242)));
        for bad in
            ["20240808T010203Z", "20240808T010203Z-", "2024080xT010203Z-1", "notes-12", "20240808T010203-1"]
        {
            assert_eq!(super::run_folder_pid(bad), None, "{bad}");
        }
    }
}
