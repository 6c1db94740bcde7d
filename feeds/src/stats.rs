//! Counters of one replay: frames by kind, messages emitted by kind, book-sync events and malformed
//! input by kind with the first occurrence (file and 1-based line), for "one warning per kind".

use crate::gzcheck::DamagedFile;
use crate::sync::BookSyncStatus;
use alphapulse_types::{Msg, MSG_KINDS};
use std::path::{Path, PathBuf};

/// What a frame was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    Depth = 0,
    BookTicker = 1,
    Trade = 2,
    AggTrade = 3,
    Snapshot = 4,
    Kline = 5,
    /// Anything else that parsed (unknown streams, control replies, cryptofeed header lines).
    Other = 6,
}

impl FrameKind {
    pub const COUNT: usize = 7;
    pub const ALL: [FrameKind; 7] = [
        FrameKind::Depth,
        FrameKind::BookTicker,
        FrameKind::Trade,
        FrameKind::AggTrade,
        FrameKind::Snapshot,
        FrameKind::Kline,
        FrameKind::Other,
    ];
    /// Stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            FrameKind::Depth => "depth",
            FrameKind::BookTicker => "book_ticker",
            FrameKind::Trade => "trade",
            FrameKind::AggTrade => "agg_trade",
            FrameKind::Snapshot => "snapshot",
            FrameKind::Kline => "kline",
            FrameKind::Other => "other",
        }
    }
}

/// Why a line was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MalformedKind {
    /// Not UTF-8, or no recognisable line prefix.
    Garbage = 0,
    /// The JSON did not parse (but the line looks complete).
    BadJson = 1,
    /// A field the frame kind needs is absent or has the wrong JSON type.
    MissingField = 2,
    /// A price, quantity, id or timestamp that does not parse or is out of range.
    BadNumber = 3,
    /// The line ends early (cut JSON, a timestamp with no frame).
    TruncatedLine = 4,
    /// A combined-stream frame whose stream type is not one we know.
    UnknownStream = 5,
    /// Longer than `max_line_bytes`: skipped whole.
    LineTooLong = 6,
    /// The file could not be read further (I/O error, corrupt or cut gzip): its rest is skipped.
    Io = 7,
    /// A receive time outside the plausible window or too far from the previous accepted line of
    /// its source, or an exchange time (`E`, `T`) of 0 or too far from the receive time (see
    /// [`crate::FeedConfig`]).
    BadTimestamp = 8,
    /// A price <= 0 (trade, aggTrade, bookTicker bid/ask, depth or snapshot level).
    BadPrice = 9,
    /// A trade/aggTrade quantity <= 0, or a bookTicker or level quantity < 0 (a level quantity of
    /// 0 deletes the level and is valid).
    BadQuantity = 10,
    /// A REST snapshot whose best bid is at or above its best ask.
    CrossedSnapshot = 11,
}

impl MalformedKind {
    pub const COUNT: usize = 12;
    pub const ALL: [MalformedKind; 12] = [
        MalformedKind::Garbage,
        MalformedKind::BadJson,
        MalformedKind::MissingField,
        MalformedKind::BadNumber,
        MalformedKind::TruncatedLine,
        MalformedKind::UnknownStream,
        MalformedKind::LineTooLong,
        MalformedKind::Io,
        MalformedKind::BadTimestamp,
        MalformedKind::BadPrice,
        MalformedKind::BadQuantity,
        MalformedKind::CrossedSnapshot,
    ];
    /// Human-readable description (for the lead's one warning per kind); the report's JSON uses it
    /// as the kind's name. The kinds added for issue 8 use stable snake_case names.
    pub const fn name(self) -> &'static str {
        match self {
            MalformedKind::Garbage => "not utf8/garbage",
            MalformedKind::BadJson => "bad json",
            MalformedKind::MissingField => "missing field",
            MalformedKind::BadNumber => "bad number",
            MalformedKind::TruncatedLine => "truncated line",
            MalformedKind::UnknownStream => "unknown stream",
            MalformedKind::LineTooLong => "line too long",
            MalformedKind::Io => "read error",
            MalformedKind::BadTimestamp => "bad_timestamp",
            MalformedKind::BadPrice => "bad_price",
            MalformedKind::BadQuantity => "bad_quantity",
            MalformedKind::CrossedSnapshot => "crossed_snapshot",
        }
    }
}

/// Count and first occurrence of one malformed kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MalformedCount {
    pub count: u64,
    /// (index into [`FeedStats::files`], 1-based line number) of the first occurrence.
    pub first: Option<(u32, u64)>,
}

/// Everything a replay counted. Read it through [`crate::FeedActor::stats`] or [`crate::Replay::stats`].
#[derive(Clone, Debug, Default)]
pub struct FeedStats {
    /// Input files, in the order given (malformed first occurrences index this).
    pub files: Vec<PathBuf>,
    /// Lines that carried a frame (parsed or not); cryptofeed header lines are not frames.
    pub frames: u64,
    /// Bytes of those lines (decompressed text).
    pub bytes: u64,
    /// Parsed frames by [`FrameKind`] (index with `kind as usize`).
    pub by_kind: [u64; FrameKind::COUNT],
    /// Messages emitted, indexed by [`Msg::kind_index`] (a depth update is one `depth` message).
    pub emitted: [u64; MSG_KINDS],
    /// Book levels carried by the depth updates emitted (snapshots: the whole book).
    pub levels_emitted: u64,
    /// Malformed lines by [`MalformedKind`] (index with `kind as usize`).
    pub malformed: [MalformedCount; MalformedKind::COUNT],
    /// Sequence gaps detected (book discarded, `BookStatus::Gap` sent).
    pub gaps: u64,
    /// Books synced again by a snapshot after a gap.
    pub resyncs: u64,
    /// Snapshots applied (initial syncs and resyncs).
    pub snapshots_applied: u64,
    /// Snapshots that arrived while the book was already synced (ignored).
    pub snapshots_ignored: u64,
    /// Depth events dropped right after a snapshot because `u <= lastUpdateId`.
    pub stale_dropped: u64,
    /// Depth events ignored while synced because `u < book update id`.
    pub old_ignored: u64,
    /// Depth events buffered while waiting for a snapshot.
    pub buffered: u64,
    /// Buffered depth events dropped (oldest first) because the buffer was full.
    pub buffer_dropped: u64,
    /// Depth events applied to a book.
    pub depth_applied: u64,
    /// Frames dropped as already seen (live feeds: see `Decoder::enable_dedup`).
    pub duplicates: u64,
    /// Frames naming a symbol that is not in the instrument table.
    pub unknown_symbols: u64,
    /// Levels a frame carried beyond the parser's per-frame capacity (dropped, worst last).
    pub level_overflows: u64,
    /// Input files found damaged (cut or corrupt gzip, read errors): at most one entry per file.
    pub damaged: Vec<DamagedFile>,
    /// Book sync status per instrument, indexed by instrument id (empty for a default value).
    pub books: Vec<BookSyncStatus>,
}

impl FeedStats {
    /// Total malformed lines of every kind.
    pub fn malformed_total(&self) -> u64 {
        self.malformed.iter().map(|m| m.count).sum()
    }
    /// Count of one malformed kind.
    pub fn malformed_count(&self, kind: MalformedKind) -> u64 {
        self.malformed[kind as usize].count
    }
    /// First occurrence of one malformed kind as (file, 1-based line).
    pub fn malformed_first(&self, kind: MalformedKind) -> Option<(&Path, u64)> {
        let (f, line) = self.malformed[kind as usize].first?;
        self.files.get(f as usize).map(|p| (p.as_path(), line))
    }
    /// Frames of one kind.
    pub fn frames_of(&self, kind: FrameKind) -> u64 {
        self.by_kind[kind as usize]
    }
    /// Messages emitted of the kind named like [`Msg::NAMES`].
    pub fn emitted_of(&self, name: &str) -> u64 {
        Msg::NAMES.iter().position(|n| *n == name).map_or(0, |i| self.emitted[i])
    }
    #[inline]
    pub(crate) fn malformed_at(&mut self, kind: MalformedKind, file: u32, line: u64) {
        let m = &mut self.malformed[kind as usize];
        m.count += 1;
        if m.first.is_none() {
            m.first = Some((file, line));
        }
    }
}
