//! What a recording did: [`RecordStats`] (live counters, readable any time) and
//! [`RecordSummary`] (returned by [`super::Recorder::finish`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counters the writer thread and the tap share (relaxed atomics; the tap only touches
/// `dropped`, and only when it drops).
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) dropped: AtomicU64,
    pub(crate) records: AtomicU64,
    pub(crate) lines: AtomicU64,
    pub(crate) flushed: AtomicU64,
    pub(crate) raw_bytes: AtomicU64,
    pub(crate) gz_bytes: AtomicU64,
    pub(crate) files: AtomicU64,
    pub(crate) unroutable: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) lost: AtomicU64,
    pub(crate) errors: AtomicU64,
}

/// A snapshot of the recorder's counters (for a status line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Records the tap could not put in the ring (not recorded).
    pub dropped: u64,
    /// Records the writer took off the ring.
    pub records: u64,
    /// Lines given to the compressor.
    pub lines: u64,
    /// Lines in complete gzip members handed to the OS: what survives a crash of the process.
    pub flushed: u64,
    /// Uncompressed bytes of those lines.
    pub raw_bytes: u64,
    /// Compressed bytes written to files.
    pub gz_bytes: u64,
    /// Files created.
    pub files: u64,
    /// Frames whose stream is not one of the symbols (written to the events file).
    pub unroutable: u64,
    /// Records refused as unwritable: empty, or containing a newline (counted, not written).
    pub refused: u64,
    /// Lines lost to write errors.
    pub lost: u64,
    /// Write errors (see [`RecordSummary::failures`]).
    pub errors: u64,
}

impl Shared {
    pub(crate) fn snapshot(&self) -> RecordStats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        RecordStats {
            dropped: g(&self.dropped),
            records: g(&self.records),
            lines: g(&self.lines),
            flushed: g(&self.flushed),
            raw_bytes: g(&self.raw_bytes),
            gz_bytes: g(&self.gz_bytes),
            files: g(&self.files),
            unroutable: g(&self.unroutable),
            refused: g(&self.refused),
            lost: g(&self.lost),
            errors: g(&self.errors),
        }
    }
}

/// One file the recorder wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSummary {
    pub path: PathBuf,
    /// Lines in the file's complete members.
    pub lines: u64,
    /// Their uncompressed bytes (0 when the file is incomplete).
    pub raw_bytes: u64,
    /// Compressed bytes written.
    pub bytes: u64,
    /// Complete gzip members.
    pub members: u64,
    /// Closed and fsynced; false after a write error (the complete members before it stay readable).
    pub complete: bool,
}

/// Records routed to one output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputCount {
    /// A symbol, or `events`.
    pub prefix: String,
    /// Stream frames routed here.
    pub frames: u64,
    /// Snapshot bodies routed here.
    pub snapshots: u64,
    /// Lines lost to write errors.
    pub lost: u64,
}

/// A write error (disk full, permission, …), as recorded by the writer thread (the first 64).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteFailure {
    pub path: PathBuf,
    pub kind: std::io::ErrorKind,
    pub message: String,
}

/// What a recording wrote, returned by [`super::Recorder::finish`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordSummary {
    /// Every file, in the order it was finished.
    pub files: Vec<FileSummary>,
    /// By output: the symbols in option order, then `events`.
    pub outputs: Vec<OutputCount>,
    /// The final counters.
    pub stats: RecordStats,
    /// Write errors (at most 64 kept; `stats.errors` counts all).
    pub failures: Vec<WriteFailure>,
}

impl RecordSummary {
    /// Nothing was lost: no record dropped, refused, or lost to an error.
    pub fn is_complete(&self) -> bool {
        let s = &self.stats;
        s.dropped == 0 && s.refused == 0 && s.lost == 0 && s.errors == 0
    }
}
