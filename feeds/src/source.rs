//! Capture sources: format detection, the per-format line prefix (`<ns> <json>`,
//! `<float ts>: <json>`, `<url> -> <ts>: <json>`), and a source = one or more files read in
//! sequence into one reused line buffer.
//!
//! Formats (detected from the first line of the decompressed content, gzip from its magic bytes):
//! - **binance** (hftbacktest spot/usdm captures): a line starting with digits, a space and `{`.
//!   Several files whose names share the prefix before the first `_` (`btcusdt_20240808.gz`,
//!   `btcusdt_20240809.gz`) in the same folder form one source, read in the order given.
//!   The REST snapshot line has no symbol: it is the instrument named by that file-name prefix
//!   (`btcusdt_…` → BTCUSDT); if the prefix is not an instrument, the symbol of the last stream
//!   frame read from the same source is used.
//! - **cryptofeed ws** (`BINANCE.ws.*`): first line `<url> <-> <ts>`; frames `<float secs>: <json>`;
//!   lines we sent (`<url> <- <ts>: …`) are counted as `other`.
//! - **cryptofeed http** (`BINANCE.http.*`): lines `<url with symbol=X> -> <float secs>: <json>`;
//!   the snapshot's symbol is the `symbol=` query parameter.
//!
//! Receive times are checked per source ([`RecvClock`]) before a line joins the merge: a time
//! outside [`MIN_RECV_NS`, `MAX_RECV_NS`) or further than the configured bounds from the previous
//! accepted line of the same source is refused (`bad_timestamp`). A refused line still becomes the
//! head, placed at its source's last accepted time, so the replay can parse it (a refused depth
//! update discards its book) without it moving anyone's clock.

use crate::gzcheck::{Damage, DamageKind, DamagedFile};
use crate::lines::{Input, LineEvent, LineReader};
use crate::stats::{FeedStats, FrameKind, MalformedKind};
use crate::{FeedError, SymbolMap};
use alphapulse_types::InstrumentId;
use std::fs::File;
use std::path::{Path, PathBuf};

/// A capture file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    Binance,
    CryptofeedWs,
    CryptofeedHttp,
}

/// The first `max` decompressed bytes of `path` (cold path: start-up only).
pub(crate) fn read_head(path: &Path, max: usize) -> Result<Vec<u8>, FeedError> {
    let io = |e| FeedError::Io { path: path.into(), source: e };
    let mut input = Input::open(File::open(path).map_err(io)?).map_err(io)?;
    let mut head = vec![0u8; max];
    let mut n = 0;
    while n < head.len() {
        let k = input.read(&mut head[n..]).map_err(io)?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    Ok(head)
}

/// Detect the format of `path` from its first line.
pub fn detect_format(path: &Path) -> Result<CaptureFormat, FeedError> {
    let head = read_head(path, 16 << 10)?;
    let n = head.len();
    let first = head[..n].split(|&b| b == b'\n').next().unwrap_or(&[]);
    let unknown = |why| FeedError::UnknownFormat { path: path.into(), why };
    if first.is_empty() {
        return Err(unknown("empty file"));
    }
    let digits = first.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && first.get(digits) == Some(&b' ') && first.get(digits + 1) == Some(&b'{') {
        return Ok(CaptureFormat::Binance);
    }
    if contains(first, b" <-> ") {
        return Ok(CaptureFormat::CryptofeedWs);
    }
    if first.starts_with(b"http") && contains(first, b" -> ") {
        return Ok(CaptureFormat::CryptofeedHttp);
    }
    Err(unknown("first line is neither `<ns> {json}`, `<url> <-> <ts>` nor `<url> -> <ts>: {json}`"))
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Receive times before this are refused whatever the previous line: 1e18 ns, 2001-09-09T01:46:40Z.
pub const MIN_RECV_NS: u64 = 1_000_000_000_000_000_000;
/// Receive times from this on are refused whatever the previous line: 2100-01-01T00:00:00Z.
pub const MAX_RECV_NS: u64 = 4_102_444_800_000_000_000;
/// Out-of-bound receive times in a row, each within the bounds of the one before, after which a
/// source re-bases on them (a real jump, e.g. a recorder that paused or the next day's file):
/// the first two such lines are refused, the third is accepted and becomes the reference.
pub const REBASE_AFTER: u32 = 3;

/// The receive-time check of one source (see the module doc). Allocation-free, a few compares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecvClock {
    forward: u64,
    back: u64,
    /// The last accepted receive time.
    last: Option<u64>,
    /// The one accepted before it, restored by [`Self::refuse_last`].
    before: Option<u64>,
    /// The last refused out-of-bound time and how many consistent ones in a row led to it.
    cand: u64,
    cand_n: u32,
}

impl RecvClock {
    pub(crate) fn new(forward: u64, back: u64) -> Self {
        RecvClock { forward, back, last: None, before: None, cand: 0, cand_n: 0 }
    }

    #[inline]
    fn near(&self, from: u64, ts: u64) -> bool {
        ts <= from.saturating_add(self.forward) && ts.saturating_add(self.back) >= from
    }

    /// Whether the line received at `ts` is plausible; an accepted time becomes the reference.
    #[inline]
    pub(crate) fn accept(&mut self, ts: u64) -> bool {
        if !(MIN_RECV_NS..MAX_RECV_NS).contains(&ts) {
            self.cand_n = 0;
            return false;
        }
        if let Some(last) = self.last {
            if !self.near(last, ts) {
                let consistent = self.cand_n > 0 && self.near(self.cand, ts);
                self.cand_n = if consistent { self.cand_n + 1 } else { 1 };
                self.cand = ts;
                if self.cand_n < REBASE_AFTER {
                    return false;
                }
            }
        }
        self.before = self.last;
        self.last = Some(ts);
        self.cand_n = 0;
        true
    }

    /// The replay refused the line just accepted (its exchange time disagrees with its receive
    /// time, so either may be wrong): the previous reference stands.
    #[inline]
    pub(crate) fn refuse_last(&mut self) {
        self.last = self.before;
    }

    /// Where a refused line goes in the merge: at the last accepted time (0 before any).
    #[inline]
    fn refused_position(&self) -> u64 {
        self.last.unwrap_or(0)
    }
}

/// One file of a source.
pub(crate) struct SourceFile {
    pub(crate) path: PathBuf,
    /// Index into [`FeedStats::files`].
    pub(crate) index: u32,
    pub(crate) format: CaptureFormat,
    /// The instrument of snapshot lines without a symbol (binance format).
    pub(crate) snapshot_inst: Option<InstrumentId>,
    pub(crate) size: u64,
    /// What the gzip check at open found wrong (then only `good_lines` lines are read).
    pub(crate) damage: Option<Damage>,
}

/// The frame at the head of a source, waiting for its turn in the merge.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub(crate) local_ts: u64,
    pub(crate) json: (usize, usize),
    pub(crate) line: u64,
    pub(crate) file: u32,
    /// The instrument a snapshot in this line belongs to, if the line says (cryptofeed http) or
    /// the file name does (binance).
    pub(crate) snapshot_inst: Option<InstrumentId>,
    /// The receive time was refused ([`RecvClock`]); `local_ts` is then the source's last
    /// accepted time, not the line's.
    pub(crate) bad_ts: bool,
}

/// One or more files read in sequence.
pub(crate) struct Source {
    pub(crate) files: Vec<SourceFile>,
    /// Every file's decoder, opened at construction so that moving to the next file does not
    /// allocate on the hot path (taken when the file's turn comes).
    inputs: Vec<Option<std::io::Result<Input>>>,
    next_file: usize,
    cur: Option<usize>,
    pub(crate) reader: LineReader,
    pub(crate) head: Option<Head>,
    /// Bytes of files already finished.
    done_bytes: u64,
    /// Symbol of the last stream frame (fallback for snapshots of binance-format files).
    pub(crate) last_inst: Option<InstrumentId>,
    /// The receive-time check of this source (across its files).
    pub(crate) clock: RecvClock,
}

impl Source {
    pub(crate) fn new(files: Vec<SourceFile>, max_line: usize, clock: RecvClock) -> Self {
        let inputs = files
            .iter()
            .map(|f| Some(File::open(&f.path).and_then(|h| Input::open_ahead(h, max_line))))
            .collect();
        Source {
            files,
            inputs,
            next_file: 0,
            cur: None,
            reader: LineReader::new(max_line),
            head: None,
            done_bytes: 0,
            last_inst: None,
            clock,
        }
    }

    /// Input bytes consumed (finished files plus the current one).
    pub(crate) fn consumed(&self) -> u64 {
        self.done_bytes + self.reader.consumed()
    }

    /// Move to the next frame line, counting malformed lines on the way; `head` is `None` at the end.
    pub(crate) fn advance(&mut self, stats: &mut FeedStats, symbols: &mut SymbolMap) {
        self.head = None;
        loop {
            let Some(ci) = self.cur else {
                if !self.open_next(stats) {
                    return;
                }
                continue;
            };
            let (fidx, format, snap) = {
                let f = &self.files[ci];
                (f.index, f.format, f.snapshot_inst)
            };
            let ev = self.reader.next();
            let line_no = self.reader.line_no;
            if let Some(d) = self.files[ci].damage {
                // A damaged file: only the lines the check at open could trust reach the parser.
                let (stop, read) = match ev {
                    LineEvent::Line(..) | LineEvent::TooLong => (line_no > d.good_lines, line_no - 1),
                    LineEvent::Failed | LineEvent::Eof => (true, line_no),
                };
                if stop {
                    let lines_read = read.min(d.good_lines);
                    stats.damaged.push(DamagedFile {
                        file: fidx,
                        offset: d.offset,
                        lines_read,
                        kind: d.kind,
                    });
                    self.finish_file(ci);
                    continue;
                }
            }
            match ev {
                LineEvent::Eof => self.finish_file(ci),
                LineEvent::Failed => {
                    // Damage the check at open did not see (a plain file's read error, or a file
                    // that changed since): reported the same way.
                    let offset = self.reader.consumed();
                    let kind = DamageKind::ReadError;
                    stats.damaged.push(DamagedFile { file: fidx, offset, lines_read: line_no, kind });
                    self.finish_file(ci);
                }
                LineEvent::TooLong => {
                    stats.frames += 1;
                    stats.malformed_at(MalformedKind::LineTooLong, fidx, line_no);
                }
                LineEvent::Line(s, e) => {
                    let line = &self.reader.buf[s..e];
                    if line.is_empty() {
                        continue;
                    }
                    if format == CaptureFormat::CryptofeedWs && (line_no == 1 || !line[0].is_ascii_digit()) {
                        if line_no == 1 && contains(line, b" <-> ") {
                            continue; // connection header: not a frame
                        }
                        stats.frames += 1;
                        stats.bytes += line.len() as u64;
                        if line.starts_with(b"ws") && contains(line, b" <- ") {
                            stats.by_kind[FrameKind::Other as usize] += 1;
                        } else {
                            stats.malformed_at(garbage_kind(line), fidx, line_no);
                        }
                        continue;
                    }
                    stats.frames += 1;
                    stats.bytes += line.len() as u64;
                    let parsed = match format {
                        CaptureFormat::Binance => binance_prefix(line).map(|(ts, j)| (ts, j, snap)),
                        CaptureFormat::CryptofeedWs => cryptofeed_prefix(line).map(|(ts, j)| (ts, j, None)),
                        CaptureFormat::CryptofeedHttp => http_prefix(line, symbols),
                    };
                    match parsed {
                        Ok((local_ts, j, inst)) => {
                            let snapshot_inst = match format {
                                CaptureFormat::Binance => inst.or(self.last_inst),
                                _ => inst,
                            };
                            let ok = self.clock.accept(local_ts);
                            self.head = Some(Head {
                                local_ts: if ok { local_ts } else { self.clock.refused_position() },
                                json: (s + j, e),
                                line: line_no,
                                file: fidx,
                                snapshot_inst,
                                bad_ts: !ok,
                            });
                            return;
                        }
                        Err(kind) => stats.malformed_at(kind, fidx, line_no),
                    }
                }
            }
        }
    }

    fn finish_file(&mut self, ci: usize) {
        self.done_bytes += self.files[ci].size;
        self.reader.close();
        self.cur = None;
    }

    fn open_next(&mut self, stats: &mut FeedStats) -> bool {
        while self.next_file < self.files.len() {
            let i = self.next_file;
            self.next_file += 1;
            let opened = self.inputs[i].take().unwrap_or_else(|| Err(std::io::ErrorKind::NotFound.into()));
            match opened {
                Ok(input) => {
                    self.reader.reset(input);
                    self.cur = Some(i);
                    return true;
                }
                Err(_) => {
                    stats.malformed_at(MalformedKind::Io, self.files[i].index, 0);
                    self.done_bytes += self.files[i].size;
                }
            }
        }
        false
    }
}

fn garbage_kind(line: &[u8]) -> MalformedKind {
    if std::str::from_utf8(line).is_err() {
        MalformedKind::Garbage
    } else if line.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        MalformedKind::TruncatedLine
    } else {
        MalformedKind::Garbage
    }
}

/// `<ns> <json>` → (ns, offset of the JSON).
pub(crate) fn binance_prefix(line: &[u8]) -> Result<(u64, usize), MalformedKind> {
    let mut v: u64 = 0;
    let mut i = 0;
    // Nineteen digits cannot overflow (10^19 − 1 < 2^64): no check per digit until then.
    let quick = line.len().min(19);
    while i < quick && line[i].is_ascii_digit() {
        v = v * 10 + (line[i] - b'0') as u64;
        i += 1;
    }
    while i < line.len() && line[i].is_ascii_digit() {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((line[i] - b'0') as u64))
            .ok_or(MalformedKind::BadNumber)?;
        i += 1;
    }
    if i == 0 {
        return Err(garbage_kind(line));
    }
    if i == line.len() || (line[i] == b' ' && i + 1 == line.len()) {
        return Err(MalformedKind::TruncatedLine);
    }
    if line[i] != b' ' {
        return Err(if line[i] == b'.' { MalformedKind::BadNumber } else { garbage_kind(line) });
    }
    Ok((v, i + 1))
}

/// Decimal seconds (`1633998512.0633569`) → nanoseconds, exactly (digits past 1 ns are dropped).
pub(crate) fn secs_to_ns(s: &[u8]) -> Result<u64, MalformedKind> {
    let dot = s.iter().position(|&b| b == b'.').unwrap_or(s.len());
    let (int, frac) = (&s[..dot], s.get(dot + 1..).unwrap_or(&[]));
    if int.is_empty()
        || !int.iter().all(u8::is_ascii_digit)
        || !frac.iter().all(u8::is_ascii_digit)
        || int.len() > 11
    {
        return Err(MalformedKind::BadNumber);
    }
    let mut secs: u64 = 0;
    for &d in int {
        secs = secs * 10 + (d - b'0') as u64;
    }
    let mut ns: u64 = 0;
    for k in 0..9 {
        ns = ns * 10 + frac.get(k).map_or(0, |d| (d - b'0') as u64);
    }
    Ok(secs * 1_000_000_000 + ns)
}

/// `<float ts>: <json>` → (ns, offset of the JSON).
pub(crate) fn cryptofeed_prefix(line: &[u8]) -> Result<(u64, usize), MalformedKind> {
    let Some(c) = find(line, b": ") else {
        return Err(if line.iter().all(|b| b.is_ascii_digit() || *b == b'.' || *b == b':') {
            MalformedKind::TruncatedLine
        } else {
            garbage_kind(line)
        });
    };
    let ts = secs_to_ns(&line[..c])?;
    if c + 2 >= line.len() {
        return Err(MalformedKind::TruncatedLine);
    }
    Ok((ts, c + 2))
}

/// `<url?symbol=X&…> -> <float ts>: <json>` → (ns, offset of the JSON, instrument of `symbol=`).
fn http_prefix(
    line: &[u8],
    symbols: &mut SymbolMap,
) -> Result<(u64, usize, Option<InstrumentId>), MalformedKind> {
    let arrow = find(line, b" -> ").ok_or_else(|| garbage_kind(line))?;
    let url = &line[..arrow];
    let inst = find(url, b"symbol=").and_then(|p| {
        let v = &url[p + 7..];
        let end = v.iter().position(|&b| b == b'&').unwrap_or(v.len());
        symbols.get(&v[..end])
    });
    let (ts, j) = cryptofeed_prefix(&line[arrow + 4..])?;
    Ok((ts, arrow + 4 + j, inst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(binance_prefix(b"123 {}"), Ok((123, 4)));
        assert_eq!(binance_prefix(b"123"), Err(MalformedKind::TruncatedLine));
        assert_eq!(binance_prefix(b"99999999999999999999999 {}"), Err(MalformedKind::BadNumber));
        assert_eq!(binance_prefix(b"x {}"), Err(MalformedKind::Garbage));
        // The unchecked first 19 digits and the checked rest meet exactly at u64::MAX.
        assert_eq!(binance_prefix(b"9999999999999999999 {}"), Ok((9_999_999_999_999_999_999, 20)));
        assert_eq!(binance_prefix(b"18446744073709551615 {}"), Ok((u64::MAX, 21)));
        assert_eq!(binance_prefix(b"18446744073709551616 {}"), Err(MalformedKind::BadNumber));
        assert_eq!(binance_prefix(b"00000000000000000000000000001 {}"), Ok((1, 30)));
        assert_eq!(secs_to_ns(b"1633998512.0633569"), Ok(1_633_998_512_063_356_900));
        assert_eq!(secs_to_ns(b"1633998512"), Ok(1_633_998_512_000_000_000));
        assert_eq!(secs_to_ns(b"1.2.3"), Err(MalformedKind::BadNumber));
        assert_eq!(cryptofeed_prefix(b"1.5: {}"), Ok((1_500_000_000, 5)));
        assert_eq!(cryptofeed_prefix(b"1.5"), Err(MalformedKind::TruncatedLine));
    }

    #[test]
    fn recv_clock_refuses_outliers_and_rebases_on_a_real_jump() {
        const T: u64 = 1_723_161_254_000_000_000;
        let s = 1_000_000_000;
        let mut c = RecvClock::new(60 * s, s);
        assert!(!c.accept(0) && !c.accept(u64::MAX) && !c.accept(MAX_RECV_NS));
        assert!(c.accept(T));
        assert!(c.accept(T + s) && c.accept(T + s / 2), "half a second back is within 1 s");
        for bad in [MAX_RECV_NS - 1, T + 3600 * s, T - 10 * s, 0] {
            assert!(!c.accept(bad), "{bad}");
            assert_eq!(c.refused_position(), T + s / 2);
        }
        assert!(c.accept(T + 2 * s), "an outlier leaves the reference alone");
        // A real jump of an hour: two lines refused, the third consistent one re-bases.
        let j = T + 3600 * s;
        assert!(!c.accept(j) && !c.accept(j + 1));
        assert!(c.accept(j + 2) && c.accept(j + 3));
        // Alternating outliers never re-base.
        for k in 0..10 {
            assert!(!c.accept(if k % 2 == 0 { 5 * MIN_RECV_NS } else { MIN_RECV_NS }));
        }
        assert!(c.accept(j + 4));
        c.refuse_last();
        assert_eq!(c.refused_position(), j + 3);
    }
}
