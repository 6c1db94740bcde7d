//! [`Replay`]: capture files in, market messages out. Sources are merged by local receive time
//! (ties: the source whose first file came first in the list), and each frame goes through the
//! [`Decoder`] the live feed uses too (parser, books, counters).
//!
//! Timestamps are validated before anything is emitted: each source checks its receive times
//! (`crate::source`'s `RecvClock`: plausible window, bounded steps from the previous accepted line of
//! the same source, so files merged by time are each checked on their own), and the replay checks
//! a frame's exchange times `E`/`T` against its receive time (`max_exchange_skew_ns`). A refused
//! line is one malformed `bad_timestamp` line and no event; a refused depth update (bad timestamp
//! or bad values) discards its instrument's book as a gap ([`BookSync::on_refused_depth`]).

use crate::decode::{Decoded, Decoder, FramePos};
use crate::instruments::SymbolMap;
use crate::source::{detect_format, CaptureFormat, RecvClock, Source, SourceFile};
use crate::stats::{FeedStats, FrameKind};
use crate::sync::{BookSync, ReplaySink};
use crate::{FeedError, FeedOptions};
use alphapulse_book::Book;
use alphapulse_types::{InstrumentId, InstrumentTable, Qty};
use std::path::{Path, PathBuf};

/// The replay engine the [`crate::FeedActor`] is built on; usable directly with a [`ReplaySink`].
pub struct Replay {
    sources: Vec<Source>,
    /// The frame path shared with the live feed: parser, symbols, books, counters.
    dec: Decoder,
    total_bytes: u64,
    started: bool,
    /// The source whose head was consumed by the last step and must read its next line.
    advance_due: Option<usize>,
}

/// Binance files continue one stream when folder and name prefix match.
type GroupKey = (PathBuf, String);

/// The file-name prefix before the first `_` (`btcusdt_20240808.gz` → `btcusdt`).
fn name_prefix(p: &Path) -> &str {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.split('_').next().unwrap_or(name)
}

/// Check every gzip file's members (CRC and length) before the replay, several files at a time; a
/// damaged file keeps the number of lines that can be trusted (see [`crate::gzcheck`]). Plain-text
/// files are not checked.
fn verify_gzip(mut files: Vec<&mut SourceFile>) -> Result<(), FeedError> {
    use crate::gzcheck::{verify, Damage};
    use std::sync::atomic::{AtomicUsize, Ordering};
    type Checked = (usize, std::io::Result<Option<Damage>>);
    let next = AtomicUsize::new(0);
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let workers = std::thread::available_parallelism().map_or(1, |p| p.get()).min(paths.len()).max(1);
    let done: Vec<Checked> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..workers)
            .map(|_| {
                sc.spawn(|| {
                    let mut mine: Vec<Checked> = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = paths.get(i) else { return mine };
                        mine.push((i, verify(p)));
                    }
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().expect("gzip check thread")).collect()
    });
    for (i, r) in done {
        let f = &mut files[i];
        f.damage = r.map_err(|e| FeedError::Io { path: f.path.clone(), source: e })?;
    }
    Ok(())
}

impl Replay {
    /// Open `files` (formats detected; see [`crate::source`]) for the instruments of `instruments`.
    pub fn open(
        files: &[PathBuf],
        instruments: &InstrumentTable,
        opts: &FeedOptions,
    ) -> Result<Self, FeedError> {
        opts.validate()?;
        if files.is_empty() {
            return Err(FeedError::NoInput);
        }
        let mut symbols = SymbolMap::new(instruments);
        let mut groups: Vec<(Option<GroupKey>, Vec<SourceFile>)> = Vec::new();
        let mut total_bytes = 0;
        for (i, path) in files.iter().enumerate() {
            let format = detect_format(path)?;
            let size =
                std::fs::metadata(path).map_err(|e| FeedError::Io { path: path.clone(), source: e })?.len();
            total_bytes += size;
            let prefix = name_prefix(path);
            let snapshot_inst = match format {
                CaptureFormat::Binance => symbols.get(prefix.as_bytes()),
                _ => None,
            };
            let file =
                SourceFile { path: path.clone(), index: i as u32, format, snapshot_inst, size, damage: None };
            let key = (format == CaptureFormat::Binance)
                .then(|| (path.parent().map(Path::to_path_buf).unwrap_or_default(), prefix.to_string()));
            match groups.iter_mut().find(|g| key.is_some() && g.0 == key) {
                Some(g) => g.1.push(file),
                None => groups.push((key, vec![file])),
            }
        }
        verify_gzip(groups.iter_mut().flat_map(|g| g.1.iter_mut()).collect())?;
        let clock = RecvClock::new(opts.max_recv_jump_forward_ns, opts.max_recv_jump_back_ns);
        let sources = groups.into_iter().map(|(_, fs)| Source::new(fs, opts.max_line_bytes, clock)).collect();
        let stats = FeedStats {
            files: files.to_vec(),
            // Capacity for one entry per file: recording damage on the hot path never allocates.
            damaged: Vec::with_capacity(files.len()),
            ..FeedStats::default()
        };
        Ok(Replay {
            sources,
            dec: Decoder::new(instruments, opts, stats),
            total_bytes,
            started: false,
            advance_due: None,
        })
    }

    /// Counters so far.
    pub fn stats(&self) -> &FeedStats {
        self.dec.stats()
    }
    /// The frame path: books, sync state, counters.
    pub fn decoder(&self) -> &Decoder {
        &self.dec
    }
    /// The sync state and book of `inst`.
    pub fn book_sync(&self, inst: InstrumentId) -> Option<&BookSync> {
        self.dec.book_sync(inst)
    }
    /// The book of `inst` (`None` for an unknown id; empty unless synced).
    pub fn book(&self, inst: InstrumentId) -> Option<&Book> {
        self.dec.book(inst)
    }
    /// What the levels of the last depth update of `inst` replaced (see [`BookSync::replaced`]).
    pub fn replaced(&self, inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        self.dec.replaced(inst)
    }
    /// The book the last gap of `inst` discarded (see [`BookSync::discarded`]).
    pub fn discarded(&self, inst: InstrumentId) -> Option<alphapulse_runtime::BookLevels<'_>> {
        self.dec.discarded(inst)
    }
    /// Sum of the input files' sizes (compressed for gzip), for a progress bar.
    pub fn total_input_bytes(&self) -> u64 {
        self.total_bytes
    }
    /// Input bytes consumed so far (same unit as [`Self::total_input_bytes`]).
    pub fn consumed_bytes(&self) -> u64 {
        self.sources.iter().map(Source::consumed).sum()
    }
    /// Local time of the last frame processed.
    pub fn last_local_ts(&self) -> u64 {
        self.dec.last_local_ts()
    }

    /// Read the next line of every source that needs one (at the start, and the source the last
    /// step consumed), so the next [`Self::step`] finds its frame in memory. `step` does it itself
    /// when it was not done; calling it between steps keeps line reading out of a measured step.
    pub fn prefetch(&mut self) {
        if !self.started {
            self.started = true;
            for s in &mut self.sources {
                s.advance(&mut self.dec.stats, &mut self.dec.symbols);
            }
        }
        if let Some(si) = self.advance_due.take() {
            self.sources[si].advance(&mut self.dec.stats, &mut self.dec.symbols);
        }
    }

    /// Process the next frame (in local-time order across sources). Returns false when every
    /// source is exhausted. The consumed source reads its next line at the next `prefetch`/`step`,
    /// so the frame's events leave before any further input is read.
    pub fn step<S: ReplaySink + ?Sized>(&mut self, sink: &mut S) -> bool {
        // Events buffered before a snapshot are replayed first, one per step (see `crate::sync`).
        if self.dec.drain_one(sink) {
            return true;
        }
        self.prefetch();
        let mut best: Option<(usize, u64)> = None;
        for (i, s) in self.sources.iter().enumerate() {
            if let Some(h) = s.head {
                if best.is_none_or(|(_, ts)| h.local_ts < ts) {
                    best = Some((i, h.local_ts));
                }
            }
        }
        let Some((si, _)) = best else {
            return false;
        };
        let src = &mut self.sources[si];
        let head = src.head.expect("head");
        let json = &mut src.reader.buf[head.json.0..head.json.1];
        let pos = FramePos { file: head.file, line: head.line };
        match self.dec.frame(json, head.local_ts, head.snapshot_inst, head.bad_ts, pos, sink) {
            Decoded::Frame(kind) => {
                if kind != FrameKind::Snapshot {
                    if let Some(inst) = self.dec.last_frame_inst() {
                        src.last_inst = Some(inst);
                    }
                }
            }
            Decoded::Skewed => src.clock.refuse_last(),
            Decoded::Refused(_) | Decoded::Duplicate(..) | Decoded::Held(..) => {}
        }
        self.advance_due = Some(si);
        true
    }
}
