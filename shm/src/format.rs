//! On-disk layout: constants, the 64-byte segment header and the 32-byte record header.
//!
//! All integers are little-endian (the journal is only shared between processes of one machine).

use crate::checksum::record_checksum;
use crate::error::{Corruption, JournalError};
use std::path::Path;

/// First 8 bytes of every segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"APJSEG\0\x01";
/// First 8 bytes of the stream meta file.
pub const META_MAGIC: [u8; 8] = *b"APJMETA\x01";
/// Format version written in segment headers and the meta file.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of the segment header; the first record starts here.
pub const SEGMENT_HEADER: usize = 64;
/// Bytes of a record header; the payload starts here.
pub const RECORD_HEADER: usize = 32;
/// Record type of padding records (reserved).
pub const PADDING_TYPE: u16 = 0xFFFF;
/// Record type of the end-of-stream record (reserved): written by [`crate::Writer::close`], by a
/// writer that could not get a new segment (disk full), or by `recover`. Readers do not return it
/// as data; they report it ([`crate::Reader::end`]). Records may follow it if the stream was
/// reopened; only an end record that is the stream's last one means "ended".
pub const END_TYPE: u16 = 0xFFFE;
/// Payload bytes of an end record: status u32, reserved u32 (0), wall-clock ns at the end u64.
pub const END_PAYLOAD: usize = 16;
/// Room every segment keeps free for an end record: a writer can always close the stream without
/// allocating a new segment (e.g. when the disk is full).
pub const END_RESERVE: usize = align8(RECORD_HEADER + END_PAYLOAD);

/// Why a stream ended (the status word of its end record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndStatus {
    /// Closed by its writer at the end of a run: complete.
    Clean,
    /// The writer could not allocate its next segment (disk full): records after this were not
    /// journaled. Incomplete.
    DiskFull,
    /// The writer failed to prepare its next segment for another reason. Incomplete.
    Failed,
    /// Closed by `recover` after a crash or damage: complete up to here, anything after the last
    /// intact record was dropped.
    Recovered,
    /// A status this build does not know.
    Unknown(u32),
}

impl EndStatus {
    pub(crate) fn code(self) -> u32 {
        match self {
            EndStatus::Clean => 0,
            EndStatus::DiskFull => 1,
            EndStatus::Failed => 2,
            EndStatus::Recovered => 3,
            EndStatus::Unknown(c) => c,
        }
    }
    pub(crate) fn from_code(c: u32) -> EndStatus {
        match c {
            0 => EndStatus::Clean,
            1 => EndStatus::DiskFull,
            2 => EndStatus::Failed,
            3 => EndStatus::Recovered,
            c => EndStatus::Unknown(c),
        }
    }
    /// True if every record the writer was given is in the stream (clean close or recovered).
    pub fn is_complete(self) -> bool {
        matches!(self, EndStatus::Clean | EndStatus::Recovered)
    }
}

impl std::fmt::Display for EndStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndStatus::Clean => write!(f, "closed cleanly"),
            EndStatus::DiskFull => {
                write!(f, "INCOMPLETE: the disk was full; later records were not journaled")
            }
            EndStatus::Failed => {
                write!(f, "INCOMPLETE: a new segment could not be prepared; later records were not journaled")
            }
            EndStatus::Recovered => write!(f, "closed by `journal recover` (the damaged tail was dropped)"),
            EndStatus::Unknown(c) => write!(f, "ended with unknown status {c}"),
        }
    }
}

/// An end record as read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct End {
    pub status: EndStatus,
    /// Sequence of the end record (= the number of records before it, for a stream from 0).
    pub seq: u64,
    /// Wall-clock nanoseconds when it was written.
    pub at_ns: u64,
}

/// Encodes an end record's payload.
pub(crate) fn end_payload(status: EndStatus, at_ns: u64) -> [u8; END_PAYLOAD] {
    let mut p = [0u8; END_PAYLOAD];
    p[0..4].copy_from_slice(&status.code().to_le_bytes());
    p[8..16].copy_from_slice(&at_ns.to_le_bytes());
    p
}

/// Decodes an end record's payload (checksum already verified).
pub(crate) fn parse_end(payload: &[u8], seq: u64) -> End {
    let status = if payload.len() >= 4 {
        EndStatus::from_code(rd_u32(payload, 0))
    } else {
        EndStatus::Unknown(u32::MAX)
    };
    let at_ns = if payload.len() >= 16 { rd_u64(payload, 8) } else { 0 };
    End { status, seq, at_ns }
}

// Segment header offsets.
pub(crate) const H_MAGIC: usize = 0;
pub(crate) const H_VERSION: usize = 8;
pub(crate) const H_HEADER_LEN: usize = 12;
pub(crate) const H_STREAM_ID: usize = 16;
pub(crate) const H_INDEX: usize = 24;
pub(crate) const H_FIRST_SEQ: usize = 32;
pub(crate) const H_SIZE: usize = 40;
/// Offset where data ends once the writer rolled away (0 while active); stored with Release.
pub(crate) const H_SEALED_END: usize = 48;
/// Wall-clock nanoseconds at sealing (for age-based retention).
pub(crate) const H_SEALED_AT: usize = 56;

// Record header offsets.
pub(crate) const R_LEN: usize = 0;
pub(crate) const R_TYPE: usize = 4;
pub(crate) const R_VERSION: usize = 6;
pub(crate) const R_SEQ: usize = 8;
pub(crate) const R_TS: usize = 16;
pub(crate) const R_CHECKSUM: usize = 24;
pub(crate) const R_RESERVED: usize = 28;

/// Rounds up to a multiple of 8.
#[inline(always)]
pub const fn align8(n: usize) -> usize {
    (n + 7) & !7
}

/// Packs the first header word that the checksum covers.
#[inline(always)]
pub(crate) fn head_word(len: u32, ty: u16, ver: u16) -> u64 {
    len as u64 | (ty as u64) << 32 | (ver as u64) << 48
}

/// Largest payload a segment of `segment_size` bytes can hold (room for an end record is kept).
pub const fn max_payload(segment_size: u64) -> usize {
    segment_size as usize - SEGMENT_HEADER - RECORD_HEADER - END_RESERVE
}

pub(crate) fn rd_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
pub(crate) fn rd_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
pub(crate) fn rd_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// A decoded segment header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    pub stream_id: u64,
    pub index: u64,
    pub first_seq: u64,
    pub size: u64,
    pub sealed_end: u64,
    pub sealed_at_ns: u64,
}

impl SegmentHeader {
    /// Decodes and checks a segment header read from `file` whose length is `file_len`.
    pub fn parse(file: &Path, b: &[u8], file_len: u64, stream_id: u64) -> Result<Self, JournalError> {
        let bad = |offset: u64, reason| Err(JournalError::corrupt(file, offset, reason));
        if b.len() < SEGMENT_HEADER {
            return bad(0, Corruption::Truncated { len: file_len, expected: SEGMENT_HEADER as u64 });
        }
        if b[H_MAGIC..H_MAGIC + 8] != SEGMENT_MAGIC {
            return bad(H_MAGIC as u64, Corruption::BadMagic);
        }
        let version = rd_u32(b, H_VERSION);
        if version != FORMAT_VERSION {
            return bad(H_VERSION as u64, Corruption::UnsupportedVersion(version));
        }
        if rd_u32(b, H_HEADER_LEN) as usize != SEGMENT_HEADER {
            return bad(H_HEADER_LEN as u64, Corruption::BadHeader("header length"));
        }
        let h = SegmentHeader {
            stream_id: rd_u64(b, H_STREAM_ID),
            index: rd_u64(b, H_INDEX),
            first_seq: rd_u64(b, H_FIRST_SEQ),
            size: rd_u64(b, H_SIZE),
            sealed_end: rd_u64(b, H_SEALED_END),
            sealed_at_ns: rd_u64(b, H_SEALED_AT),
        };
        if h.stream_id != stream_id {
            return bad(
                H_STREAM_ID as u64,
                Corruption::StreamIdMismatch { expected: stream_id, found: h.stream_id },
            );
        }
        let s = h.size;
        if !s.is_power_of_two() || !(crate::MIN_SEGMENT_SIZE..=crate::MAX_SEGMENT_SIZE).contains(&s) {
            return bad(H_SIZE as u64, Corruption::BadHeader("segment size"));
        }
        if file_len != s {
            return bad(file_len.min(s), Corruption::Truncated { len: file_len, expected: s });
        }
        if h.sealed_end != 0 && (h.sealed_end < SEGMENT_HEADER as u64 || h.sealed_end > s) {
            return bad(H_SEALED_END as u64, Corruption::BadHeader("sealed end"));
        }
        Ok(h)
    }
}

/// A record header as read from a mapping (the length word already loaded with Acquire).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawRecord {
    pub len: u32,
    pub ty: u16,
    pub version: u16,
    pub seq: u64,
    pub ts: u64,
}

/// Checks a published record at `pos` of segment bytes `seg` (length word `len` != 0).
/// Returns the decoded header; the payload is `seg[pos + 32 .. pos + len]`.
pub(crate) fn check_record(
    file: &Path,
    seg: &[u8],
    pos: usize,
    len: u32,
    expected_seq: u64,
) -> Result<RawRecord, JournalError> {
    let bad = |offset: usize, reason| Err(JournalError::corrupt(file, offset as u64, reason));
    let l = len as usize;
    if l < RECORD_HEADER || pos + align8(l) > seg.len() {
        return bad(pos, Corruption::BadLength(len));
    }
    let r = RawRecord {
        len,
        ty: rd_u16(seg, pos + R_TYPE),
        version: rd_u16(seg, pos + R_VERSION),
        seq: rd_u64(seg, pos + R_SEQ),
        ts: rd_u64(seg, pos + R_TS),
    };
    let stored = rd_u32(seg, pos + R_CHECKSUM);
    let payload: &[u8] = if r.ty == PADDING_TYPE { &[] } else { &seg[pos + RECORD_HEADER..pos + l] };
    let computed = record_checksum(head_word(len, r.ty, r.version), r.seq, r.ts, payload);
    if stored != computed {
        return bad(pos, Corruption::Checksum { stored, computed });
    }
    if rd_u32(seg, pos + R_RESERVED) != 0 {
        return bad(pos + R_RESERVED, Corruption::BadRecord("reserved field is not zero"));
    }
    if r.ty == PADDING_TYPE && pos + l != seg.len() {
        return bad(pos, Corruption::BadRecord("padding record does not end the segment"));
    }
    if r.seq != expected_seq {
        return bad(pos, Corruption::SequenceGap { expected: expected_seq, found: r.seq });
    }
    Ok(r)
}
