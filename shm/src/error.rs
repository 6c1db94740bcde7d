//! Errors of the journal. Every error about bad bytes names the file and the byte offset.

use std::fmt;
use std::path::PathBuf;

/// Why a journal file was rejected (carried by [`JournalError::Corrupt`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// The file does not start with the journal's magic bytes.
    BadMagic,
    /// The file was written by a format version this build cannot read.
    UnsupportedVersion(u32),
    /// The segment belongs to another stream (its stream id differs from the stream's meta file).
    StreamIdMismatch { expected: u64, found: u64 },
    /// The file is shorter (or longer) than its header says.
    Truncated { len: u64, expected: u64 },
    /// A segment header field is inconsistent (index, first sequence, size, file name).
    BadHeader(&'static str),
    /// A record header field is inconsistent.
    BadRecord(&'static str),
    /// A record's length word is out of range for the segment.
    BadLength(u32),
    /// A record's checksum does not match its header fields and payload.
    Checksum { stored: u32, computed: u32 },
    /// A record has the wrong sequence number (sequences are dense).
    SequenceGap { expected: u64, found: u64 },
    /// A zero length word where the writer has already written further (a zeroed region, a hole).
    ZeroedRegion,
    /// A segment that must exist between two others is missing.
    MissingSegment { first_seq: u64 },
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Corruption::BadMagic => write!(f, "bad magic (not a journal file)"),
            Corruption::UnsupportedVersion(v) => write!(f, "unsupported format version {v}"),
            Corruption::StreamIdMismatch { expected, found } => {
                write!(f, "segment of another stream: stream id {found:#018x}, expected {expected:#018x}")
            }
            Corruption::Truncated { len, expected } => {
                write!(f, "truncated or resized file: {len} bytes, expected {expected}")
            }
            Corruption::BadHeader(what) => write!(f, "inconsistent segment header: {what}"),
            Corruption::BadRecord(what) => write!(f, "bad record header: {what}"),
            Corruption::BadLength(len) => write!(f, "record length {len} out of range"),
            Corruption::Checksum { stored, computed } => {
                write!(f, "checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")
            }
            Corruption::SequenceGap { expected, found } => {
                write!(f, "sequence gap: expected {expected}, found {found}")
            }
            Corruption::ZeroedRegion => write!(f, "zero length word followed by written data"),
            Corruption::MissingSegment { first_seq } => {
                write!(f, "segment starting at sequence {first_seq} is missing")
            }
        }
    }
}

/// Errors of the journal library.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An operating-system call failed.
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Bad bytes on disk: never returned as data.
    #[error("corrupt journal file {file} at offset {offset}: {reason}")]
    Corrupt { file: PathBuf, offset: u64, reason: Corruption },
    /// The reader wants a sequence that retention has already removed.
    #[error("reader fell behind: wants sequence {wanted_seq}, oldest available is {oldest_available}")]
    FellBehind { wanted_seq: u64, oldest_available: u64 },
    /// A configuration value is invalid.
    #[error("journal config: {key}: {problem}")]
    Config { key: &'static str, problem: String },
    /// The payload does not fit in one segment.
    #[error("payload of {len} bytes exceeds the maximum of {max} for this segment size")]
    PayloadTooLarge { len: usize, max: usize },
    /// Record type 0xFFFF is reserved for padding records.
    #[error("record type {0:#06x} is reserved")]
    ReservedType(u16),
    /// Another writer holds the stream's lock.
    #[error("stream {0} is already open by another writer")]
    Locked(PathBuf),
    /// The directory is not a journal stream (no meta file).
    #[error("{0} is not a journal stream (no stream.meta)")]
    NotAStream(PathBuf),
    /// The file system has no room for a new segment (ENOSPC, EDQUOT, EFBIG when allocating it).
    /// Raised when a segment is prepared, before it is mapped: never a fault on a write.
    #[error("no space for a new journal segment {path} ({bytes} bytes): {source}")]
    NoSpace {
        path: PathBuf,
        bytes: u64,
        #[source]
        source: std::io::Error,
    },
    /// The writer has ended the stream (closed, or the disk was full at a roll): nothing more is
    /// appended. Carries nothing, so counting it allocates nothing.
    #[error("the journal stream has ended (closed, or its disk was full); the record was not journaled")]
    Ended,
}

impl JournalError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        JournalError::Io { op, path: path.into(), source }
    }
    pub(crate) fn corrupt(file: impl Into<PathBuf>, offset: u64, reason: Corruption) -> Self {
        JournalError::Corrupt { file: file.into(), offset, reason }
    }
}
