//! Segment files: creation (pre-faulted), mapping, header access, the atomic length word.

use crate::error::{Corruption, JournalError};
use crate::format::*;
use memmap2::{Mmap, MmapMut, MmapOptions};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Bytes touched per step when pre-faulting (the smallest page size we run on).
const PAGE: usize = 4096;

/// A segment mapped read-write by the writer.
pub(crate) struct WSegment {
    pub map: MmapMut,
    pub path: PathBuf,
    pub index: u64,
    pub first_seq: u64,
}

fn map_mut(file: &File, path: &Path, populate: bool) -> Result<MmapMut, JournalError> {
    let mut opts = MmapOptions::new();
    if populate {
        // One MAP_POPULATE call maps all pages far faster than one fault per page; the volatile
        // touches that follow make sure they are writable (needed on disk file systems).
        opts.populate();
    }
    // SAFETY: the file is a segment of a stream whose writer lock we (or our writer) hold, so no other
    // process writes or truncates it; readers only map it. Mutation goes through this mapping only.
    unsafe { opts.map_mut(file) }.map_err(|e| JournalError::io("mmap", path, e))
}

/// Allocates `size` bytes of disk for `file` before it is mapped (`posix_fallocate`): on a full
/// disk this is an error here, where a sparse file (`set_len`) would raise SIGBUS on the first write
/// to an unbacked page of the mapping, killing the process without a message.
fn allocate(file: &File, path: &Path, size: u64) -> Result<(), JournalError> {
    use std::os::fd::AsRawFd;
    let len = libc::off_t::try_from(size).map_err(|_| {
        JournalError::io("fallocate", path, std::io::Error::from(std::io::ErrorKind::InvalidInput))
    })?;
    // SAFETY: a valid open descriptor owned by `file`; no memory is passed.
    let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::from_raw_os_error(rc);
    if matches!(rc, libc::ENOSPC | libc::EDQUOT | libc::EFBIG) {
        return Err(JournalError::NoSpace { path: path.to_path_buf(), bytes: size, source: e });
    }
    Err(JournalError::io("fallocate", path, e))
}

impl WSegment {
    /// Creates a new segment file (which must not exist), sizes it, writes the fixed header fields
    /// (index and first sequence are set later by [`WSegment::set_identity`]) and pre-faults it.
    pub fn create(path: PathBuf, stream_id: u64, size: u64) -> Result<WSegment, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| JournalError::io("create", &path, e))?;
        if let Err(e) = allocate(&file, &path, size) {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        let map = map_mut(&file, &path, true)?;
        let mut seg = WSegment { map, path, index: 0, first_seq: 0 };
        let h = &mut seg.map[..SEGMENT_HEADER];
        h[H_MAGIC..H_MAGIC + 8].copy_from_slice(&SEGMENT_MAGIC);
        h[H_VERSION..H_VERSION + 4].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        h[H_HEADER_LEN..H_HEADER_LEN + 4].copy_from_slice(&(SEGMENT_HEADER as u32).to_le_bytes());
        h[H_STREAM_ID..H_STREAM_ID + 8].copy_from_slice(&stream_id.to_le_bytes());
        h[H_SIZE..H_SIZE + 8].copy_from_slice(&size.to_le_bytes());
        seg.prefault(SEGMENT_HEADER);
        Ok(seg)
    }

    /// Opens and validates an existing segment for appending (recovery).
    pub fn open(path: PathBuf, stream_id: u64) -> Result<(WSegment, SegmentHeader), JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| JournalError::io("open", &path, e))?;
        let len = file.metadata().map_err(|e| JournalError::io("stat", &path, e))?.len();
        if len < SEGMENT_HEADER as u64 {
            return Err(JournalError::corrupt(
                &path,
                0,
                Corruption::Truncated { len, expected: SEGMENT_HEADER as u64 },
            ));
        }
        let map = map_mut(&file, &path, false)?;
        let h = SegmentHeader::parse(&path, &map, len, stream_id)?;
        Ok((WSegment { map, path, index: h.index, first_seq: h.first_seq }, h))
    }

    /// Size in bytes.
    #[inline(always)]
    pub fn size(&self) -> usize {
        self.map.len()
    }

    /// Touches every page from `from` on with a volatile read-modify-write of the same byte, so the
    /// kernel allocates and maps them now rather than on the hot path (a plain fill of zeros would
    /// be optimised away).
    pub fn prefault(&mut self, from: usize) {
        let len = self.map.len();
        let base = self.map.as_mut_ptr();
        let mut off = from;
        while off < len {
            // SAFETY: `off < len`, so the byte is inside the mapping, which we hold mutably; the
            // volatile read/write of the same value keeps its content.
            unsafe {
                let p = base.add(off);
                p.write_volatile(p.read_volatile());
            }
            off = (off / PAGE + 1) * PAGE;
        }
    }

    /// Writes the segment index and first sequence into the header.
    pub fn set_identity(&mut self, index: u64, first_seq: u64) {
        self.index = index;
        self.first_seq = first_seq;
        self.map[H_INDEX..H_INDEX + 8].copy_from_slice(&index.to_le_bytes());
        self.map[H_FIRST_SEQ..H_FIRST_SEQ + 8].copy_from_slice(&first_seq.to_le_bytes());
    }

    /// The atomic length word of the record at `pos` (8-aligned, `pos + 4 <= size`).
    #[inline(always)]
    pub fn len_word(&self, pos: usize) -> &AtomicU32 {
        assert!(pos & 7 == 0 && pos + 4 <= self.map.len());
        // SAFETY: in bounds and 4-aligned (the mapping is page-aligned and `pos` 8-aligned); the word
        // is only ever accessed atomically by every party once records are published.
        unsafe { AtomicU32::from_ptr(self.map.as_ptr().add(pos + R_LEN) as *mut u32) }
    }

    /// Marks the segment as finished: data ends at `end`. Stored with Release after the last record.
    pub fn seal(&mut self, end: u64, at_ns: u64) {
        self.map[H_SEALED_AT..H_SEALED_AT + 8].copy_from_slice(&at_ns.to_le_bytes());
        sealed_word(&self.map).store(end, Ordering::Release);
    }
}

/// The atomic `sealed_end` word of a mapped segment.
#[inline(always)]
pub(crate) fn sealed_word(map: &[u8]) -> &AtomicU64 {
    assert!(map.len() >= SEGMENT_HEADER);
    // SAFETY: in bounds; offset 48 of a page-aligned mapping is 8-aligned; the word is only accessed
    // atomically once the segment is visible under its final name.
    unsafe { AtomicU64::from_ptr(map.as_ptr().add(H_SEALED_END) as *mut u64) }
}

/// A segment mapped read-only by a reader.
pub(crate) struct RSegment {
    pub map: Mmap,
    pub path: PathBuf,
    pub header: SegmentHeader,
}

impl RSegment {
    /// Maps and validates a segment file.
    pub fn open(path: PathBuf, stream_id: u64) -> Result<RSegment, JournalError> {
        let file = File::open(&path).map_err(|e| JournalError::io("open", &path, e))?;
        let len = file.metadata().map_err(|e| JournalError::io("stat", &path, e))?.len();
        if len < SEGMENT_HEADER as u64 {
            return Err(JournalError::corrupt(
                &path,
                0,
                Corruption::Truncated { len, expected: SEGMENT_HEADER as u64 },
            ));
        }
        // SAFETY: segment files are never truncated by the writer (only created full-size and later
        // unlinked, which keeps the mapping valid). Published bytes are never rewritten; unpublished
        // ones are only read after an Acquire load of their length word says they are published.
        let map = unsafe { MmapOptions::new().map(&file) }.map_err(|e| JournalError::io("mmap", &path, e))?;
        let header = SegmentHeader::parse(&path, &map, len, stream_id)?;
        Ok(RSegment { map, path, header })
    }

    /// Acquire-loads the length word of the record at `pos` (8-aligned, `pos + 4 <= size`).
    #[inline(always)]
    pub fn load_len(&self, pos: usize) -> u32 {
        assert!(pos & 7 == 0 && pos + 4 <= self.map.len());
        // SAFETY: in bounds and 4-aligned; an atomic load of read-only mapped memory is allowed (no
        // read-modify-write), and the writer stores this word atomically with Release.
        unsafe { AtomicU32::from_ptr(self.map.as_ptr().add(pos + R_LEN) as *mut u32) }.load(Ordering::Acquire)
    }

    /// Acquire-loads `sealed_end` (0 while the writer is still appending to this segment).
    #[inline(always)]
    pub fn sealed_end(&self) -> u64 {
        sealed_word(&self.map).load(Ordering::Acquire)
    }
}
