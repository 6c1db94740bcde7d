//! Is a stream whole? [`verify`] reads every record of a stream (checksums, dense sequences) and
//! every file of its folder, and says how the stream ended and what is wrong with it; [`recover`]
//! cuts a damaged or unclosed stream after its last intact record and closes it.
//!
//! A stream is **complete** when its last record is an end record of status `Clean` (written by
//! [`crate::Writer::close`]) or `Recovered`, and nothing is wrong with its folder. Otherwise:
//!
//! - no end record and the writer recorded in `writer.lock` is running: **open** (a live stream;
//!   its writer may still be running a long run — or be hung);
//! - no end record and that writer is gone: **unclosed** (it crashed or was killed);
//! - the last segment is sealed (the writer rolled away from it) and none follows: the next
//!   segment is **missing**;
//! - segments below the oldest present one are missing although retention did not remove them
//!   (retention records what it removes in `stream.meta`);
//! - `stream.meta` is missing; a file that is not part of the stream (a foreign segment file);
//!   a `.prep-*.tmp` segment left by a dead writer; bad bytes anywhere (the reader's error).

use crate::config::StreamConfig;
use crate::dir::{self, list_segments, parse_segment_name, Meta, LOCK_FILE, META_FILE, PREP_PREFIX};
use crate::error::{Corruption, JournalError};
use crate::format::*;
use crate::reader::Reader;
use crate::writer::Writer;
use std::fmt;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Something wrong with a stream (see the module docs).
#[derive(Debug)]
pub enum Problem {
    /// `stream.meta` is missing (records were read with the stream id of the oldest segment).
    MetaMissing,
    /// `stream.meta` is unreadable or bad.
    MetaBad(JournalError),
    /// Records `removed_before..oldest` are missing, and retention did not remove them.
    MissingStart { removed_before: u64, oldest: u64 },
    /// The stream has no segment file.
    NoSegments,
    /// A file in the stream folder that is not part of the stream.
    ForeignFile(PathBuf),
    /// A segment being prepared by a writer that is gone (removed by the next writer or `recover`).
    Leftover(PathBuf),
    /// Reading stopped at bad bytes or a missing segment in the middle (file and offset).
    Corrupt(JournalError),
    /// Bytes after the last complete record of the last segment (a torn record, or garbage).
    TornTail { file: PathBuf, offset: u64 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MetaMissing => write!(f, "{META_FILE} is missing"),
            Problem::MetaBad(e) => write!(f, "{META_FILE} is bad: {e}"),
            Problem::MissingStart { removed_before, oldest } => write!(
                f,
                "records {removed_before}..{oldest} are missing (their segment files are gone, and \
                 retention did not remove them)"
            ),
            Problem::NoSegments => write!(f, "no segment files"),
            Problem::ForeignFile(p) => write!(f, "foreign file {} (not part of this stream)", p.display()),
            Problem::Leftover(p) => {
                write!(f, "leftover prepared segment {} of a writer that is gone", p.display())
            }
            Problem::Corrupt(e) => write!(f, "{e}"),
            Problem::TornTail { file, offset } => write!(
                f,
                "data after the last complete record at {} offset {offset} (a torn record)",
                file.display()
            ),
        }
    }
}

/// How a stream ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamState {
    /// Its last record is an end record.
    Ended(End),
    /// No end record; its writer (this pid) is running.
    Open { pid: u32 },
    /// No end record, and the writer that last opened it is gone (crashed or killed).
    Unclosed { pid: Option<u32> },
    /// The last segment is sealed and the segment starting at `first_seq` is missing.
    MissingLast { first_seq: u64 },
    /// Reading stopped at bad bytes before the end (see the problems): how it ends is unknown.
    Unreadable,
}

impl fmt::Display for StreamState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamState::Ended(e) => write!(f, "{}", e.status),
            StreamState::Open { pid } => write!(f, "open: its writer (pid {pid}) is running"),
            StreamState::Unclosed { pid: Some(pid) } => write!(
                f,
                "INCOMPLETE: no clean close, and its writer (pid {pid}) is gone (crashed or killed); \
                 `alphapulse journal recover` closes it"
            ),
            StreamState::Unclosed { pid: None } => write!(
                f,
                "INCOMPLETE: no clean close, and no writer is running; `alphapulse journal recover` closes it"
            ),
            StreamState::Unreadable => write!(f, "DAMAGED: not readable to its end"),
            StreamState::MissingLast { first_seq } => write!(
                f,
                "INCOMPLETE: the segment starting at sequence {first_seq} (after the last one present) is missing"
            ),
        }
    }
}

/// What [`verify`] found.
#[derive(Debug)]
pub struct Verdict {
    pub dir: PathBuf,
    pub state: StreamState,
    pub problems: Vec<Problem>,
    /// Data records read (end records not counted).
    pub records: u64,
    /// Segment files present.
    pub segments: usize,
}

impl Verdict {
    /// Closed (cleanly or by `recover`) and nothing wrong.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty() && matches!(self.state, StreamState::Ended(e) if e.status.is_complete())
    }
    /// Still being written by a running writer, and nothing wrong so far.
    pub fn is_open(&self) -> bool {
        self.problems.is_empty() && matches!(self.state, StreamState::Open { .. })
    }
}

fn writer_state(dir: &Path) -> (Option<u32>, bool) {
    let pid = dir::writer_pid(dir);
    (pid, pid.is_some_and(dir::pid_alive))
}

/// The stream id in the header of a segment file (no other check), if it has a journal header.
fn header_stream_id(path: &Path) -> Option<u64> {
    let mut b = [0u8; SEGMENT_HEADER];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut b)).ok()?;
    (b[H_MAGIC..H_MAGIC + 8] == SEGMENT_MAGIC).then(|| rd_u64(&b, H_STREAM_ID))
}

/// True if any byte of `file` from `pos` on is not zero.
fn data_after(file: &Path, pos: u64) -> Result<bool, JournalError> {
    let f = std::fs::File::open(file).map_err(|e| JournalError::io("open", file, e))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut at = pos;
    loop {
        let n = f.read_at(&mut buf, at).map_err(|e| JournalError::io("read", file, e))?;
        if n == 0 {
            return Ok(false);
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(true);
        }
        at += n as u64;
    }
}

/// Reads the whole stream in `dir` and its folder; see the module docs. Errors only when the
/// folder itself cannot be read; everything wrong with the stream is in [`Verdict::problems`].
pub fn verify(dir: impl AsRef<Path>) -> Result<Verdict, JournalError> {
    let dir = dir.as_ref().to_path_buf();
    let (pid, alive) = writer_state(&dir);
    let mut problems = Vec::new();
    for e in std::fs::read_dir(&dir).map_err(|e| JournalError::io("read_dir", &dir, e))? {
        let e = e.map_err(|e| JournalError::io("read_dir", &dir, e))?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name == META_FILE || name == LOCK_FILE || parse_segment_name(&name).is_some() {
            continue;
        }
        if name.starts_with(PREP_PREFIX) || name == ".stream.meta.tmp" {
            if !alive {
                problems.push(Problem::Leftover(e.path()));
            }
            continue;
        }
        problems.push(Problem::ForeignFile(e.path()));
    }
    let segs = list_segments(&dir)?;
    let meta = match dir::read_meta_full(&dir) {
        Ok(m) => Some(m),
        Err(JournalError::NotAStream(_)) => {
            problems.push(Problem::MetaMissing);
            None
        }
        Err(e) => {
            problems.push(Problem::MetaBad(e));
            None
        }
    };
    let no_writer =
        if alive { StreamState::Open { pid: pid.unwrap_or(0) } } else { StreamState::Unclosed { pid } };
    let Some(&(oldest, ref oldest_path)) = segs.first() else {
        problems.push(Problem::NoSegments);
        return Ok(Verdict { dir, state: no_writer, problems, records: 0, segments: 0 });
    };
    let stream_id = match meta {
        Some(m) => {
            if oldest > m.removed_before {
                problems.push(Problem::MissingStart { removed_before: m.removed_before, oldest });
            }
            m.stream_id
        }
        None => header_stream_id(oldest_path).unwrap_or(0),
    };
    let mut r = Reader::open_as(dir.clone(), stream_id);
    let mut records = 0u64;
    let mut error = None;
    if let Ok(rd) = &mut r {
        loop {
            match rd.next() {
                Ok(Some(_)) => records += 1,
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    let rd = match r {
        Ok(rd) => rd,
        Err(e) => {
            problems.push(Problem::Corrupt(e));
            return Ok(Verdict {
                dir,
                state: StreamState::Unreadable,
                problems,
                records,
                segments: segs.len(),
            });
        }
    };
    if let Some(e) = error {
        // A live writer's stream can be read while retention deletes its oldest segments.
        let state = if alive { no_writer } else { StreamState::Unreadable };
        problems.push(Problem::Corrupt(e));
        return Ok(Verdict { dir, state, problems, records, segments: segs.len() });
    }
    let state = match (rd.end(), rd.cur_state()) {
        (Some(end), cur) => {
            // Nothing may follow the end record: no later segment, no data.
            let cur_first = cur.map_or(0, |c| c.0);
            for (_, p) in segs.iter().filter(|(f, _)| *f > cur_first) {
                problems.push(Problem::ForeignFile(p.clone()));
            }
            if let Some((_, _, file, pos)) = cur {
                if data_after(file, pos as u64)? {
                    problems.push(Problem::TornTail { file: file.to_path_buf(), offset: pos as u64 });
                }
            }
            StreamState::Ended(end)
        }
        (None, Some((_, true, _, _))) if !alive => StreamState::MissingLast { first_seq: rd.next_seq() },
        (None, Some((_, _, file, pos))) if !alive => {
            if data_after(file, pos as u64)? {
                problems.push(Problem::TornTail { file: file.to_path_buf(), offset: pos as u64 });
            }
            no_writer
        }
        _ => no_writer,
    };
    Ok(Verdict { dir, state, problems, records, segments: segs.len() })
}

/// What [`recover`] did to a stream.
#[derive(Debug, Default)]
pub struct RecoverReport {
    pub dir: PathBuf,
    /// The stream already ended (nothing was cut or added), with this end record.
    pub already_ended: Option<End>,
    /// Data records kept (from the oldest segment to the cut).
    pub kept_records: u64,
    /// Intact-looking records found after the cut and dropped with it.
    pub dropped_records: u64,
    /// Bytes of data dropped: from the cut to the last non-zero byte of its segment, plus the
    /// lengths of the segment files removed.
    pub dropped_bytes: u64,
    /// Segment files removed (after the cut).
    pub dropped_segments: Vec<PathBuf>,
    /// Leftover files removed (`.prep-*.tmp` of a dead writer).
    pub removed_leftovers: Vec<PathBuf>,
    /// Why the stream was cut where it was (None: it simply had no end record).
    pub cut_reason: Option<String>,
    /// `stream.meta` was missing or bad and was rewritten from the oldest segment's header.
    pub meta_rewritten: bool,
    /// Sequence of the end record written.
    pub end_seq: Option<u64>,
}

/// Counts intact records in `b[from..]`, scanning 8-byte-aligned offsets.
fn count_intact(path: &Path, b: &[u8], from: usize) -> u64 {
    let mut n = 0;
    let mut off = from;
    while off + RECORD_HEADER <= b.len() {
        let len = rd_u32(b, off);
        if len != 0 {
            let seq = rd_u64(b, off + R_SEQ);
            if let Ok(r) = check_record(path, b, off, len, seq) {
                if r.ty != PADDING_TYPE && r.ty != END_TYPE {
                    n += 1;
                }
                off += align8(len as usize);
                continue;
            }
        }
        off += 8;
    }
    n
}

fn last_nonzero(b: &[u8], from: usize) -> Option<usize> {
    b[from.min(b.len())..].iter().rposition(|&x| x != 0).map(|i| from + i)
}

/// Cuts the stream in `dir` after its last intact record and closes it with an end record of
/// status `Recovered`, saying what it dropped. Takes the writer lock (fails with
/// [`JournalError::Locked`] while a writer runs). A stream that already ended is left alone.
/// Missing leading segments cannot be brought back: they are recorded as removed.
pub fn recover(dir: impl AsRef<Path>) -> Result<RecoverReport, JournalError> {
    let dir = dir.as_ref().to_path_buf();
    let lock = dir::lock_stream(&dir)?;
    let mut rep = RecoverReport { dir: dir.clone(), ..Default::default() };
    for e in std::fs::read_dir(&dir).map_err(|e| JournalError::io("read_dir", &dir, e))? {
        let e = e.map_err(|e| JournalError::io("read_dir", &dir, e))?;
        if e.file_name().to_str().is_some_and(|n| n.starts_with(PREP_PREFIX) || n == ".stream.meta.tmp") {
            std::fs::remove_file(e.path()).map_err(|err| JournalError::io("remove", e.path(), err))?;
            rep.removed_leftovers.push(e.path());
        }
    }
    let segs = list_segments(&dir)?;
    let Some(&(oldest, ref oldest_path)) = segs.first() else {
        return Err(JournalError::corrupt(&dir, 0, Corruption::BadHeader("no segment file to recover")));
    };
    let meta = match dir::read_meta_full(&dir) {
        Ok(m) => Some(m),
        Err(JournalError::NotAStream(_)) | Err(JournalError::Corrupt { .. }) => None,
        Err(e) => return Err(e),
    };
    let stream_id = match meta {
        Some(m) => m.stream_id,
        None => header_stream_id(oldest_path).ok_or_else(|| {
            JournalError::corrupt(
                oldest_path,
                0,
                Corruption::BadHeader("no stream id to rebuild stream.meta from"),
            )
        })?,
    };
    // Leading segments that are gone cannot come back: record them as removed.
    let removed_before = meta.map_or(0, |m| m.removed_before);
    if meta.is_none() || oldest > removed_before {
        dir::write_meta(&dir, Meta { stream_id, removed_before: oldest.max(removed_before) })?;
        rep.meta_rewritten = meta.is_none();
    }

    // Walk to the last intact record: (segment index in `segs`, offset after it, data records).
    let mut next_seq = oldest;
    let mut prev_index: Option<u64> = None;
    let mut cut: Option<(usize, usize)> = None; // cut inside segs[i] at offset
    let mut kept_upto = 0usize; // segments fully kept (before a cut between segments)
    let mut last_end: Option<End> = None;
    let mut seg_size = 0u64;
    let mut reason = None;
    'segs: for (i, (first, path)) in segs.iter().enumerate() {
        let b = std::fs::read(path).map_err(|e| JournalError::io("read", path, e))?;
        let h = match SegmentHeader::parse(path, &b, b.len() as u64, stream_id) {
            Ok(h)
                if h.first_seq == *first
                    && *first == next_seq
                    && prev_index.is_none_or(|p| h.index == p + 1) =>
            {
                h
            }
            Ok(_) => {
                reason = Some(format!("{}: segment does not follow (index, first sequence)", path.display()));
                break;
            }
            Err(e) => {
                reason = Some(e.to_string());
                break;
            }
        };
        prev_index = Some(h.index);
        seg_size = h.size;
        kept_upto = i + 1;
        let mut pos = SEGMENT_HEADER;
        while pos + RECORD_HEADER <= b.len() {
            let len = rd_u32(&b, pos);
            if len == 0 {
                if h.sealed_end != 0 {
                    reason =
                        Some(format!("{}: zero length at offset {pos} in a sealed segment", path.display()));
                }
                cut = Some((i, pos));
                break 'segs;
            }
            match check_record(path, &b, pos, len, next_seq) {
                // Padding ends the segment; it takes no sequence.
                Ok(r) if r.ty == PADDING_TYPE => continue 'segs,
                Ok(r) => {
                    if r.ty == END_TYPE {
                        last_end = Some(parse_end(&b[pos + RECORD_HEADER..pos + len as usize], r.seq));
                    } else {
                        last_end = None;
                        rep.kept_records += 1;
                    }
                    pos += align8(len as usize);
                    next_seq += 1;
                }
                Err(e) => {
                    reason = Some(e.to_string());
                    cut = Some((i, pos));
                    break 'segs;
                }
            }
        }
        // A full segment without padding: the next one continues it.
    }
    if kept_upto == 0 {
        return Err(JournalError::corrupt(
            oldest_path,
            0,
            Corruption::BadHeader("the oldest segment is unreadable: nothing to keep"),
        ));
    }
    // Drop the tail of the cut segment and every later segment.
    if let Some((i, pos)) = cut {
        let path = &segs[i].1;
        let b = std::fs::read(path).map_err(|e| JournalError::io("read", path, e))?;
        if let Some(last) = last_nonzero(&b, pos) {
            rep.dropped_records += count_intact(path, &b, pos);
            rep.dropped_bytes += (last + 1 - pos) as u64;
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| JournalError::io("open", path, e))?;
            f.write_all_at(&vec![0u8; b.len() - pos], pos as u64)
                .map_err(|e| JournalError::io("write", path, e))?;
            // Unseal: the writer appends here.
            f.write_all_at(&[0u8; 16], H_SEALED_END as u64)
                .map_err(|e| JournalError::io("write", path, e))?;
            f.sync_all().map_err(|e| JournalError::io("fsync", path, e))?;
        } else if rd_u64(&b, H_SEALED_END) != 0 {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| JournalError::io("open", path, e))?;
            f.write_all_at(&[0u8; 16], H_SEALED_END as u64)
                .map_err(|e| JournalError::io("write", path, e))?;
        }
    }
    let keep = cut.map_or(kept_upto, |(i, _)| i + 1);
    for (_, path) in &segs[keep..] {
        let b = std::fs::read(path).map_err(|e| JournalError::io("read", path, e))?;
        rep.dropped_records += count_intact(path, &b, SEGMENT_HEADER.min(b.len()));
        rep.dropped_bytes += b.len() as u64;
        std::fs::remove_file(path).map_err(|e| JournalError::io("remove", path, e))?;
        rep.dropped_segments.push(path.clone());
    }
    rep.cut_reason = reason;
    let nothing_dropped =
        rep.dropped_records == 0 && rep.dropped_bytes == 0 && rep.dropped_segments.is_empty();
    if let Some(end) = last_end.filter(|_| nothing_dropped) {
        rep.already_ended = Some(end);
        return Ok(rep);
    }
    let cfg = StreamConfig { segment_size: seg_size.max(crate::MIN_SEGMENT_SIZE), ..Default::default() };
    let mut w = Writer::open_locked(dir, cfg, lock)?;
    rep.end_seq = Some(w.next_seq());
    w.close_as(EndStatus::Recovered)?;
    Ok(rep)
}
