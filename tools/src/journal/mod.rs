//! `alphapulse journal stat|tail|export|recover`: inspect (and repair) the journal a run wrote
//! (one stream per actor).
//!
//! `DIR` is a run's journal folder (streams in sub-folders, `run.json` beside them) or one stream
//! folder. Records are decoded with `alphapulse_types::Msg::decode`. Bad bytes are never printed as
//! data: a corrupt or truncated segment, a record that does not decode, an unknown message version
//! end the command with an error naming the file and offset (exit 1). Bad usage exits 2.
//!
//! **Whole or not**: every stream is checked with `alphapulse_shm::verify` — does it end with a
//! clean-close record, are segments missing (at the start, beyond what retention recorded; in the
//! middle; after the last), is `stream.meta` there, are there foreign files or leftovers of a dead
//! writer. `stat` shows the state of each stream and exits 1 if one is damaged or incomplete;
//! `export` refuses such a journal (exit 1) unless `--accept-incomplete`; `recover` cuts each
//! stream after its last intact record and closes it. A stream whose writer (pid in `writer.lock`)
//! is still running is **open**, not damaged.
//!
//! - `decode`: a record → named fields (shared by every output format), timestamps as UTC;
//! - `stat`, `tail`, `export`: the three commands.

mod decode;
mod export;
pub(crate) mod read;
mod recover;
mod stat;
mod tail;

use crate::config::ConfigError;
use crate::run_journal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use decode::{decode_record, fmt_ts, Field, Value};

/// Inspect a journal.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit codes: 0 ok, 1 bad journal data (the error names file and offset), 2 bad usage."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Streams, segments, records by type, first/last sequence and time, gaps.
    Stat(stat::Args),
    /// The last records, decoded, one line each; `-f` follows a live writer until Ctrl-C.
    Tail(tail::Args),
    /// Records as JSON lines or CSV on stdout.
    Export(export::Args),
    /// Cut each stream after its last intact record and close it, saying what was dropped.
    Recover(recover::Args),
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Stat(a) => stat::main(a),
        Command::Tail(a) => tail::main(a),
        Command::Export(a) => export::main(a),
        Command::Recover(a) => recover::main(a),
    }
}

/// One stream of a journal.
#[derive(Clone, Debug)]
pub struct StreamRef {
    pub name: String,
    pub dir: PathBuf,
}

/// The chain's streams first, in chain order; others after, by name.
fn order(name: &str) -> (usize, String) {
    let i = crate::backtest::CHAIN.iter().position(|c| *c == name).unwrap_or(usize::MAX);
    (i, name.to_string())
}

fn is_stream(dir: &Path) -> bool {
    dir.join(alphapulse_shm::META_FILE).is_file()
}

/// A stream folder, even one whose `stream.meta` is missing (it has segments or a writer lock).
fn looks_like_stream(dir: &Path) -> bool {
    is_stream(dir)
        || dir.join(alphapulse_shm::LOCK_FILE).is_file()
        || std::fs::read_dir(dir).is_ok_and(|mut it| {
            it.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".seg")))
        })
}

/// The chain's streams a run's journal must have (when it has a `run.json`) but does not.
pub fn missing_chain_streams(dir: &Path, found: &[StreamRef]) -> Vec<&'static str> {
    if !dir.join(run_journal::RUN_FILE).is_file() {
        return Vec::new();
    }
    crate::backtest::CHAIN.iter().copied().filter(|c| !found.iter().any(|f| f.name == *c)).collect()
}

/// The streams of `dir` found so far, for `tail -f` (which waits for streams to appear): none
/// if the folder does not exist yet or holds none.
pub fn streams_now(dir: &Path, only: Option<&str>) -> Vec<StreamRef> {
    if looks_like_stream(dir) {
        return streams(dir, only).unwrap_or_default();
    }
    let mut found: Vec<StreamRef> = std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok())
                .filter(|e| is_stream(&e.path()))
                .map(|e| StreamRef { name: e.file_name().to_string_lossy().into_owned(), dir: e.path() })
                .filter(|s| only.is_none_or(|o| o == s.name))
                .collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|s| order(&s.name));
    found
}

/// The streams of `dir` (a journal folder or one stream folder), or only `only`.
pub fn streams(dir: &Path, only: Option<&str>) -> Result<Vec<StreamRef>, ConfigError> {
    if !dir.is_dir() {
        return Err(ConfigError::Usage(format!("{}: no such journal folder", dir.display())));
    }
    if looks_like_stream(dir) {
        let name = dir.file_name().map_or("stream".into(), |n| n.to_string_lossy().into_owned());
        if let Some(s) = only.filter(|s| *s != name) {
            return Err(ConfigError::Usage(format!("{} is the stream `{name}`, not `{s}`", dir.display())));
        }
        return Ok(vec![StreamRef { name, dir: dir.to_path_buf() }]);
    }
    let mut found: Vec<StreamRef> = std::fs::read_dir(dir)
        .map_err(|e| ConfigError::Usage(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .filter(|e| looks_like_stream(&e.path()))
        .map(|e| StreamRef { name: e.file_name().to_string_lossy().into_owned(), dir: e.path() })
        .collect();
    found.sort_by_key(|s| order(&s.name));
    if found.is_empty() {
        return Err(ConfigError::Usage(format!(
            "{} is not a journal: no stream folders (with {}) in it",
            dir.display(),
            alphapulse_shm::META_FILE
        )));
    }
    match only {
        None => Ok(found),
        Some(s) => match found.iter().find(|f| f.name == s) {
            Some(f) => Ok(vec![f.clone()]),
            None => Err(ConfigError::Usage(format!(
                "{} has no stream `{s}` (streams: {})",
                dir.display(),
                found.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        },
    }
}

/// Instrument symbols by id, from the run's `run.json` (beside the streams), if there is one.
pub fn symbols(dir: &Path) -> Vec<String> {
    names(dir).0
}

/// Instrument symbols and strategy names by index, from the run's `run.json` (beside the
/// streams), if there is one.
pub fn names(dir: &Path) -> (Vec<String>, Vec<String>) {
    let run_dir = if is_stream(dir) { dir.parent().unwrap_or(dir) } else { dir };
    run_journal::read_meta(run_dir).ok().flatten().map(|m| (m.instruments, m.strategies)).unwrap_or_default()
}

/// A closed stdout (`| head`) is a normal end, not an error.
fn stdout_ends_ok(r: anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    match r {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        other => other,
    }
}
