//! Reopening a stream: validate every segment header, walk the last segment to its last complete
//! record, tell a torn tail (a crash mid-append: zeroed and reported) from a hole (a zero or bad
//! record followed by valid later records: refused, never silently dropped).

use crate::dir::list_segments;
use crate::error::{Corruption, JournalError};
use crate::format::*;
use crate::prepare::Handoff;
use crate::segment::WSegment;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// What reopening a stream found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// Sequence of the last complete record (None: the stream has never held a record).
    pub last_seq: Option<u64>,
    /// Records currently in the stream (from the oldest retained segment to `last_seq`).
    pub records: u64,
    /// Records verified (checksum) in the last segment while walking it.
    pub verified: u64,
    /// Segment files found.
    pub segments: usize,
    /// A torn record (partly written when the writer died), by file and byte offset. Its bytes were
    /// zeroed; appending resumes there.
    pub torn_at: Option<(PathBuf, u64)>,
}

/// Where the writer resumes.
pub(crate) struct Resume {
    pub seg: Box<WSegment>,
    pub pos: usize,
    pub next_seq: u64,
    pub recovery: Recovery,
}

fn read_header(path: &Path, stream_id: u64) -> Result<SegmentHeader, JournalError> {
    let mut f = std::fs::File::open(path).map_err(|e| JournalError::io("open", path, e))?;
    let len = f.metadata().map_err(|e| JournalError::io("stat", path, e))?.len();
    let mut b = [0u8; SEGMENT_HEADER];
    let n = (len as usize).min(SEGMENT_HEADER);
    f.read_exact(&mut b[..n]).map_err(|e| JournalError::io("read", path, e))?;
    SegmentHeader::parse(path, &b[..n], len, stream_id)
}

/// True if a valid record with sequence >= `min_seq` starts at 8-aligned `off`.
fn valid_record_at(path: &Path, seg: &[u8], off: usize, min_seq: u64) -> bool {
    let len = rd_u32(seg, off);
    if len == 0 {
        return false;
    }
    let seq = rd_u64(seg, off + R_SEQ);
    seq >= min_seq && check_record(path, seg, off, len, seq).is_ok()
}

pub(crate) fn recover(dir: &Path, handoff: &Handoff) -> Result<Resume, JournalError> {
    let segs = list_segments(dir)?;
    let Some((_, last_path)) = segs.last() else {
        let mut seg = handoff.make()?;
        seg.set_identity(0, 0);
        let path = crate::dir::segment_path(dir, 0);
        std::fs::rename(&seg.path, &path).map_err(|e| JournalError::io("rename", &path, e))?;
        seg.path = path;
        let recovery = Recovery { last_seq: None, records: 0, verified: 0, segments: 1, torn_at: None };
        return Ok(Resume { seg, pos: SEGMENT_HEADER, next_seq: 0, recovery });
    };
    let mut prev: Option<SegmentHeader> = None;
    for (i, (seq, path)) in segs.iter().enumerate() {
        let h = read_header(path, handoff.stream_id)?;
        let bad =
            |off: usize, what| Err(JournalError::corrupt(path, off as u64, Corruption::BadHeader(what)));
        if h.first_seq != *seq {
            return bad(H_FIRST_SEQ, "first sequence differs from the file name");
        }
        if let Some(p) = prev {
            if h.index != p.index + 1 {
                return bad(H_INDEX, "segment index is not contiguous");
            }
        }
        if i + 1 < segs.len() && h.sealed_end == 0 {
            return bad(H_SEALED_END, "a segment before the last is not sealed");
        }
        prev = Some(h);
    }
    let oldest = segs[0].0;
    let (seg, h) = WSegment::open(last_path.clone(), handoff.stream_id)?;
    let mut seg = Box::new(seg);
    let size = seg.size();
    let mut pos = SEGMENT_HEADER;
    let mut next_seq = h.first_seq;
    let mut verified = 0;
    let mut stop: Option<JournalError> = None;
    let mut full = false;
    while pos + RECORD_HEADER <= size {
        let len = seg.len_word(pos).load(Ordering::Acquire);
        if len == 0 {
            break;
        }
        match check_record(last_path, &seg.map, pos, len, next_seq) {
            Ok(r) if r.ty == PADDING_TYPE => {
                full = true;
                break;
            }
            Ok(r) => {
                pos += align8(r.len as usize);
                next_seq += 1;
                verified += 1;
            }
            Err(e) => {
                stop = Some(e);
                break;
            }
        }
    }
    let mut torn_at = None;
    if pos + RECORD_HEADER > size {
        full = true;
    }
    if !full {
        // Anything valid further on means a hole, not a torn tail: refuse rather than overwrite it.
        let mut off = pos + 8;
        while off + RECORD_HEADER <= size {
            if valid_record_at(last_path, &seg.map, off, next_seq) {
                return Err(stop.unwrap_or_else(|| {
                    JournalError::corrupt(last_path, pos as u64, Corruption::ZeroedRegion)
                }));
            }
            off += 8;
        }
        if h.sealed_end != 0 {
            return Err(stop
                .unwrap_or_else(|| JournalError::corrupt(last_path, pos as u64, Corruption::ZeroedRegion)));
        }
        if seg.map[pos..].iter().any(|&b| b != 0) {
            torn_at = Some((last_path.clone(), pos as u64));
            seg.map[pos..].fill(0);
        }
    } else if h.sealed_end == 0 {
        // Died between writing the padding and sealing: finish the seal.
        seg.seal(pos as u64, crate::retention::now_ns());
    }
    seg.prefault(pos);
    let recovery = Recovery {
        last_seq: next_seq.checked_sub(1),
        records: next_seq - oldest,
        verified,
        segments: segs.len(),
        torn_at,
    };
    Ok(Resume { seg, pos: if full { size } else { pos }, next_seq, recovery })
}
