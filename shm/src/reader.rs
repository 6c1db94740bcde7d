//! A reader of a stream, in this or any other process: polls length words with Acquire, verifies
//! every record, follows segment rolls by file name, never blocks or slows the writer.

use crate::dir::{list_segments, read_meta, segment_path};
use crate::error::{Corruption, JournalError};
use crate::format::*;
use crate::segment::RSegment;
use std::path::{Path, PathBuf};

/// One record, borrowed from the mapping (valid until the next call on the reader).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRef<'a> {
    pub seq: u64,
    pub ty: u16,
    pub version: u16,
    pub ts: u64,
    pub payload: &'a [u8],
}

/// Reads a stream from its oldest retained record (or from [`Reader::seek`]).
pub struct Reader {
    dir: PathBuf,
    stream_id: u64,
    cur: Option<RSegment>,
    pos: usize,
    next_seq: u64,
    skip_until: u64,
    /// The end record, while it is the last record read (see [`Reader::end`]).
    end: Option<End>,
}

enum Step {
    Record { pos: usize, len: u32, ty: u16, version: u16, seq: u64, ts: u64 },
    Empty,
    Again,
}

impl Reader {
    /// Opens the stream in `dir` (its meta file must exist) at its oldest record.
    pub fn open(dir: impl AsRef<Path>) -> Result<Reader, JournalError> {
        let dir = dir.as_ref().to_path_buf();
        let stream_id = read_meta(&dir)?;
        Reader::open_as(dir, stream_id)
    }

    /// Opens a stream whose segments carry `stream_id` (used when `stream.meta` is missing).
    pub(crate) fn open_as(dir: PathBuf, stream_id: u64) -> Result<Reader, JournalError> {
        let mut r =
            Reader { dir, stream_id, cur: None, pos: SEGMENT_HEADER, next_seq: 0, skip_until: 0, end: None };
        if let Some((first, _)) = list_segments(&r.dir)?.first() {
            r.seek(*first)?;
        }
        Ok(r)
    }

    /// Positions the reader so that the next record returned has sequence `seq` (or, if `seq` is
    /// not written yet, is the first record with sequence >= `seq`).
    pub fn seek(&mut self, seq: u64) -> Result<(), JournalError> {
        self.cur = None;
        self.end = None;
        self.next_seq = seq;
        self.skip_until = seq;
        self.open_containing(seq)?;
        Ok(())
    }

    /// The stream's end record, if the last record read was one: the writer closed the stream
    /// (or ended it: disk full; or `recover` closed it). `None` while records may still come: a
    /// stream whose writer is running, or died without closing it. Records after an end record
    /// (the stream was reopened) clear it.
    pub fn end(&self) -> Option<End> {
        self.end
    }

    /// Sequence of the next record this reader will return.
    pub fn next_seq(&self) -> u64 {
        self.next_seq.max(self.skip_until)
    }

    /// File and offset the reader is at (None before the first segment exists).
    pub fn position(&self) -> Option<(&Path, u64)> {
        self.cur.as_ref().map(|s| (s.path.as_path(), self.pos as u64))
    }

    /// The current segment: its first sequence, whether it is sealed, and the reader's offset in it.
    pub(crate) fn cur_state(&self) -> Option<(u64, bool, &Path, usize)> {
        self.cur.as_ref().map(|s| (s.header.first_seq, s.sealed_end() != 0, s.path.as_path(), self.pos))
    }

    /// Opens the segment holding `seq`; false if no segment covers it yet.
    fn open_containing(&mut self, seq: u64) -> Result<bool, JournalError> {
        let segs = list_segments(&self.dir)?;
        let Some(&(oldest, _)) = segs.first() else { return Ok(false) };
        if seq < oldest {
            return Err(JournalError::FellBehind { wanted_seq: seq, oldest_available: oldest });
        }
        let Some((first, path)) = segs.iter().rev().find(|(f, _)| *f <= seq) else { return Ok(false) };
        let seg = RSegment::open(path.clone(), self.stream_id)?;
        if seg.header.first_seq != *first {
            let reason = Corruption::BadHeader("first sequence differs from the file name");
            return Err(JournalError::corrupt(path, H_FIRST_SEQ as u64, reason));
        }
        self.next_seq = *first;
        self.pos = SEGMENT_HEADER;
        self.cur = Some(seg);
        Ok(true)
    }

    /// Moves to the segment starting at `self.next_seq`; false if it does not exist yet.
    fn open_next(&mut self, prev_index: u64) -> Result<bool, JournalError> {
        let path = segment_path(&self.dir, self.next_seq);
        let seg = match self.try_open(&path)? {
            Some(s) => s,
            None => {
                if !list_segments(&self.dir)?.iter().any(|(f, _)| *f > self.next_seq) {
                    return Ok(false); // the writer has not rolled yet
                }
                // A later segment exists, and the writer renames ours before it: look again (our
                // first open may have raced with the rename). Still absent: retention removed it.
                match self.try_open(&path)? {
                    Some(s) => s,
                    None => {
                        let oldest = list_segments(&self.dir)?.first().map(|x| x.0);
                        return Err(match oldest {
                            Some(oldest) if oldest > self.next_seq => JournalError::FellBehind {
                                wanted_seq: self.next_seq,
                                oldest_available: oldest,
                            },
                            _ => JournalError::corrupt(
                                &self.dir,
                                0,
                                Corruption::MissingSegment { first_seq: self.next_seq },
                            ),
                        });
                    }
                }
            }
        };
        if seg.header.index != prev_index + 1 || seg.header.first_seq != self.next_seq {
            let reason = Corruption::BadHeader("segment index or first sequence does not follow");
            return Err(JournalError::corrupt(path, H_INDEX as u64, reason));
        }
        self.cur = Some(seg);
        self.pos = SEGMENT_HEADER;
        Ok(true)
    }

    /// Opens a segment file; `None` if it does not exist.
    fn try_open(&self, path: &Path) -> Result<Option<RSegment>, JournalError> {
        match RSegment::open(path.to_path_buf(), self.stream_id) {
            Ok(s) => Ok(Some(s)),
            Err(JournalError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn step(&mut self) -> Result<Step, JournalError> {
        let Some(seg) = &self.cur else {
            let seq = self.next_seq;
            return Ok(if self.open_containing(seq)? { Step::Again } else { Step::Empty });
        };
        let size = seg.map.len();
        let pos = self.pos;
        if pos + RECORD_HEADER > size {
            let index = seg.header.index;
            return Ok(if self.open_next(index)? { Step::Again } else { Step::Empty });
        }
        let mut len = seg.load_len(pos);
        if len == 0 {
            if seg.sealed_end() == 0 {
                return Ok(Step::Empty);
            }
            // Sealed after our load: reload (the Acquire on sealed_end makes the padding visible).
            len = seg.load_len(pos);
            if len == 0 {
                return Err(JournalError::corrupt(&seg.path, pos as u64, Corruption::ZeroedRegion));
            }
        }
        let r = check_record(&seg.path, &seg.map, pos, len, self.next_seq)?;
        if r.ty == PADDING_TYPE {
            let index = seg.header.index;
            return Ok(if self.open_next(index)? { Step::Again } else { Step::Empty });
        }
        self.pos = pos + align8(len as usize);
        self.next_seq += 1;
        if r.ty == END_TYPE {
            self.end = Some(parse_end(&seg.map[pos + RECORD_HEADER..pos + len as usize], r.seq));
            return Ok(Step::Again);
        }
        Ok(Step::Record { pos, len, ty: r.ty, version: r.version, seq: r.seq, ts: r.ts })
    }

    /// The next record, `None` if nothing new is published yet. Errors: `Corrupt` (bad bytes,
    /// reported by file and offset; the reader stays at that record), `FellBehind` (retention
    /// removed what it wants). Verifies each record's checksum and sequence. (Not an `Iterator`:
    /// the record borrows the reader's mapping.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<RecordRef<'_>>, JournalError> {
        loop {
            match self.step()? {
                Step::Empty => return Ok(None),
                Step::Again => continue,
                Step::Record { seq, .. } if seq < self.skip_until => {
                    self.end = None;
                    continue;
                }
                Step::Record { pos, len, ty, version, seq, ts } => {
                    self.end = None;
                    let Some(seg) = &self.cur else { return Ok(None) };
                    let payload = &seg.map[pos + RECORD_HEADER..pos + len as usize];
                    return Ok(Some(RecordRef { seq, ty, version, ts, payload }));
                }
            }
        }
    }
}
