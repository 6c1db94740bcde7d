//! The capture recorder: raw WebSocket frames and REST depth snapshots, as received, written to
//! gzip files in the format of the captures in `../shared/data/binance-spot`, beside a live feed.
//!
//! Where things live:
//! - [`RecordTap`] (`tap.rs`): the feed's hot thread copies each raw frame into a bounded SPSC
//!   byte ring (rtrb): no allocation, no lock, no syscall; a full ring drops the frame and counts it;
//! - [`Recorder`] (`writer.rs`): the writer thread takes records off the ring, routes them
//!   and writes lines; `output.rs` names, rotates and closes one prefix's files; `member.rs` writes
//!   gzip members; `name.rs` makes file names; [`RecordStats`] / [`RecordSummary`] (`summary.rs`)
//!   say what was written and what was lost.
//!
//! **Format.** Gzip text, one record per line: `<local_recv_ns> <frame>\n`, where `<frame>` is the
//! combined-stream text exactly as received (`{"stream":"btcusdt@depth@100ms","data":{…}}`) or a
//! REST depth snapshot body (`{"lastUpdateId":…}`, no wrapper, no symbol inside). A record that
//! would break the format (empty, or containing `\n`) is refused and counted, never written.
//!
//! **Naming.** One file per symbol and period: `<symbol>_<YYYYMMDD>T<HH>.gz` (hourly, the
//! default), `<symbol>_<YYYYMMDD>.gz` (daily), UTC from the record's `local_ts`; a file opens at the
//! first record of a later period (a record whose clock went back stays in the current file, so
//! names stay in time order). [`Rotation::None`] keeps one file, named by its first record's hour.
//! An existing name is never overwritten: a restarted recorder writes `<symbol>_<YYYYMMDD>T<HH>_001.gz`
//! (then `_002`, …): `_` sorts after `.`, so a sorted listing puts it after the first file of the
//! hour (a `.1.gz` suffix would sort before `.gz`), and the replay groups files by the prefix before
//! the first `_`, so every file of a symbol in one folder, sorted, replays as one stream. A snapshot
//! goes to its symbol's file, where the replay knows its instrument from that prefix. Frames whose
//! stream is not one of the symbols (`{"stream":"!serverShutdown",…}`, subscribe answers
//! `{"result":null,"id":1}`, other symbols) go to `events_<YYYYMMDD>T<HH>.gz`: `events` is no Binance
//! symbol (their symbols are upper-case base+quote assets), so the replay reads that file as a source
//! of frames of no instrument (counted as `other` or unknown streams, never a book's).
//!
//! **Members and crashes.** Each file is a sequence of complete gzip members: the open member ends
//! every `member_every` (default 1 s), at rotation and at finish, and each ended member is written to
//! the OS (a `write`, no fsync); files are fsynced at rotation and at finish. After `kill -9`, every
//! ended member is in the file, followed by at most part of one member; after a power loss, what was
//! fsynced plus what the OS wrote back. The replay checks every member's CRC and length at open
//! (`gzcheck`) and reads a file cut short up to its last complete line, so an interrupted file stays
//! readable with at most the last `member_every` (plus what the ring held) lost. [`RecordStats::flushed`]
//! counts the lines in ended members, the lower bound of what survives a killed process.
//!
//! **Losses.** The tap never waits: a record that does not fit the ring is dropped and counted
//! ([`RecordTap::dropped`], [`RecordStats::dropped`]); write errors (disk full, permission) are
//! recorded and returned by [`Recorder::finish`] as [`RecordError::Failed`] with the summary; the
//! writer never panics on them. [`RecordSummary::is_complete`] says whether anything was lost.
//!
//! ```no_run
//! use alphapulse_feeds::record::{start, RecordOptions};
//! let opts = RecordOptions::new("/data/rec".into(), vec!["btcusdt".into(), "ethusdt".into()]);
//! let (mut tap, recorder) = start(opts).unwrap();
//! // On the feed's thread, for every frame received and every snapshot fetched:
//! tap.frame(1_723_161_253_937_085_768, br#"{"stream":"btcusdt@trade","data":{}}"#);
//! tap.snapshot(0, 1_723_161_254_000_000_000, br#"{"lastUpdateId":1,"bids":[],"asks":[]}"#);
//! let summary = recorder.finish(tap).unwrap();
//! println!("{} files, {} dropped", summary.files.len(), summary.stats.dropped);
//! ```

mod member;
mod name;
mod output;
mod summary;
mod tap;
mod writer;

pub use summary::{FileSummary, OutputCount, RecordStats, RecordSummary, WriteFailure};
pub use tap::RecordTap;
pub use writer::Recorder;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use summary::Shared;
use thiserror::Error;

/// The file-name prefix of frames that belong to no symbol.
pub const EVENTS: &str = "events";

/// When a new file starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rotation {
    /// `<symbol>_<YYYYMMDD>T<HH>.gz`, a new file each UTC hour.
    #[default]
    Hourly,
    /// `<symbol>_<YYYYMMDD>.gz`, a new file each UTC day.
    Daily,
    /// One file per symbol for the whole run (named by its first record's hour).
    None,
}

/// What to record, where and how.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// The folder of the files (created if missing).
    pub out_dir: PathBuf,
    /// Lower-case symbols, e.g. `btcusdt`; a frame's stream name picks its file; a snapshot names
    /// its symbol by index into this list.
    pub symbols: Vec<String>,
    /// Capacity of the ring between the tap and the writer thread (default 64 MiB).
    pub ring_bytes: usize,
    /// Longest time a line waits in an open gzip member (default 1 s).
    pub member_every: Duration,
    pub rotation: Rotation,
    /// Gzip level 0..=9 (default 6; see `feeds/tests/record_levels.rs` for the measurement).
    pub level: u32,
}

impl RecordOptions {
    /// The defaults for `symbols` into `out_dir`.
    pub fn new(out_dir: PathBuf, symbols: Vec<String>) -> Self {
        RecordOptions {
            out_dir,
            symbols,
            ring_bytes: 64 << 20,
            member_every: Duration::from_secs(1),
            rotation: Rotation::Hourly,
            level: 6,
        }
    }

    /// Check every option; errors name it.
    pub fn validate(&self) -> Result<(), RecordError> {
        let bad = |key, problem: String| Err(RecordError::Option { key, problem });
        if self.symbols.is_empty() || self.symbols.len() > 1024 {
            return bad("symbols", format!("{} given, want 1..=1024", self.symbols.len()));
        }
        for (i, s) in self.symbols.iter().enumerate() {
            let ok = (1..=32).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && s != EVENTS;
            if !ok {
                return bad(
                    "symbols",
                    format!("`{s}`: want 1 to 32 lower-case letters or digits, not `{EVENTS}`"),
                );
            }
            if self.symbols[..i].contains(s) {
                return bad("symbols", format!("`{s}` given twice"));
            }
        }
        if !(4096..=1 << 34).contains(&self.ring_bytes) {
            return bad("ring_bytes", format!("{}: want 4096..=16 GiB", self.ring_bytes));
        }
        if self.member_every.is_zero() {
            return bad("member_every", "must be positive".into());
        }
        if self.level > 9 {
            return bad("level", format!("{}: want 0..=9", self.level));
        }
        Ok(())
    }
}

/// Why a recording could not start, or what went wrong in it.
#[derive(Debug, Error)]
pub enum RecordError {
    #[error("record option `{key}`: {problem}")]
    Option { key: &'static str, problem: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot start {what}: {source}")]
    Start { what: &'static str, source: std::io::Error },
    #[error("the recorder's writer thread panicked")]
    WriterPanicked,
    #[error("recording failed: {} write error(s), first: {}; {} line(s) lost", .0.stats.errors,
        .0.failures.first().map_or_else(String::new, |f| format!("{}: {}", f.path.display(), f.message)),
        .0.stats.lost)]
    Failed(Box<RecordSummary>),
}

/// Start recording: create `opts.out_dir`, allocate and pre-fault the ring, start the writer
/// thread. The [`RecordTap`] goes to the feed's thread; the [`Recorder`] stays with whoever stops
/// the recording ([`Recorder::finish`]).
pub fn start(opts: RecordOptions) -> Result<(RecordTap, Recorder), RecordError> {
    opts.validate()?;
    std::fs::create_dir_all(&opts.out_dir)
        .map_err(|e| RecordError::Io { path: opts.out_dir.clone(), source: e })?;
    if !opts.out_dir.is_dir() {
        let e = std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory");
        return Err(RecordError::Io { path: opts.out_dir.clone(), source: e });
    }
    let (mut tx, mut rx) = rtrb::RingBuffer::<u8>::new(opts.ring_bytes);
    prefault(&mut tx, &mut rx);
    let shared = Arc::new(Shared::default());
    let symbols = opts.symbols.len() as u16;
    let recorder = Recorder::spawn(opts, rx, shared.clone())?;
    Ok((RecordTap::new(tx, shared, symbols), recorder))
}

/// Touch every page of the ring once (a push and a pop of zeros all the way round), so that the
/// hot thread's first pass does not take the page faults.
fn prefault(tx: &mut rtrb::Producer<u8>, rx: &mut rtrb::Consumer<u8>) {
    let zeros = [0u8; 4096];
    let mut left = tx.buffer().capacity();
    while left > 0 {
        let n = left.min(zeros.len());
        if tx.push_entire_slice(&zeros[..n]).is_err() {
            break;
        }
        if let Ok(c) = rx.read_chunk(n) {
            c.commit_all();
        }
        left -= n;
    }
}
