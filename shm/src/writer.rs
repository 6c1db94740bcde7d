//! The single writer of a stream: append, roll, durability, retention.

use crate::checksum::record_checksum;
use crate::config::{Durability, StreamConfig};
use crate::dir;
use crate::error::JournalError;
use crate::flusher::Flusher;
use crate::format::*;
use crate::prepare::{Handoff, Preparer};
use crate::recovery::{recover, Recovery};
use crate::segment::WSegment;
use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Counters of the writer's slow events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Segment rolls.
    pub rolls: u64,
    /// Rolls that had to create and pre-fault the next segment inline (nobody prepared it in time).
    pub inline_prepares: u64,
    /// Rolls that had to unmap a finished segment inline (nobody collected the previous one).
    pub inline_unmaps: u64,
    /// msync calls made by `Durability::EveryRecords`.
    pub syncs: u64,
    /// msync calls that failed (see [`Writer::take_sync_error`]).
    pub sync_errors: u64,
    /// Appends refused because the stream had ended (after a failed roll: disk full).
    pub refused: u64,
}

/// Appends records to a stream. One per stream (an exclusive lock on `writer.lock` enforces it).
pub struct Writer {
    dir: PathBuf,
    cfg: StreamConfig,
    cur: Box<WSegment>,
    pos: usize,
    /// Records must end at or before this offset of the current segment: its size less
    /// [`END_RESERVE`], so an end record always fits. 0 once the stream has ended, which sends
    /// every further append to the cold `roll`, which refuses it.
    limit: usize,
    /// Set once an end record is written (or the stream can take no more records).
    end: Option<EndStatus>,
    next_seq: u64,
    max_payload: usize,
    handoff: Arc<Handoff>,
    /// Scratch path with spare capacity: the final name of the next segment is built in it.
    scratch: PathBuf,
    since_sync: u64,
    synced_pos: usize,
    stats: WriterStats,
    sync_error: Option<std::io::Error>,
    recovery: Recovery,
    _lock: File,
}

/// Zeroes a payload area if the `append_with` closure panics, so no stale bytes stay behind.
struct ZeroOnUnwind<'a>(&'a mut [u8]);
impl Drop for ZeroOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.fill(0);
    }
}

impl Writer {
    /// Opens the stream in `dir` (creating the folder, meta file and first segment if needed),
    /// recovers after a crash (see [`Recovery`]) and prepares the next segment.
    pub fn create_or_open(dir: impl AsRef<Path>, cfg: StreamConfig) -> Result<Writer, JournalError> {
        cfg.validate()?;
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| JournalError::io("create_dir", &dir, e))?;
        let lock = dir::lock_stream(&dir)?;
        Writer::open_locked(dir, cfg, lock)
    }

    /// [`Writer::create_or_open`] with the stream's lock already held.
    pub(crate) fn open_locked(dir: PathBuf, cfg: StreamConfig, lock: File) -> Result<Writer, JournalError> {
        let stream_id = dir::read_or_create_meta(&dir)?;
        dir::remove_stale_prepared(&dir)?;
        let handoff = Arc::new(Handoff::new(dir.clone(), stream_id, cfg.segment_size));
        let r = recover(&dir, &handoff)?;
        let max_payload = max_payload(cfg.segment_size.min(r.seg.size() as u64));
        let mut scratch = PathBuf::with_capacity(dir.as_os_str().len() + 64);
        scratch.push(&dir);
        scratch.push("x");
        let mut w = Writer {
            dir,
            cfg,
            limit: r.seg.size() - END_RESERVE,
            end: None,
            cur: r.seg,
            pos: r.pos,
            next_seq: r.next_seq,
            max_payload,
            handoff,
            scratch,
            since_sync: 0,
            synced_pos: r.pos,
            stats: WriterStats::default(),
            sync_error: None,
            recovery: r.recovery,
            _lock: lock,
        };
        w.prepare_next()?;
        Ok(w)
    }

    /// What reopening found (last complete record, torn record).
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }
    /// Sequence the next append gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }
    /// Largest payload `append` accepts.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }
    /// Slow-event counters.
    pub fn stats(&self) -> WriterStats {
        self.stats
    }
    /// The stream folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The last msync error of `Durability::EveryRecords`, if any (the records were published).
    pub fn take_sync_error(&mut self) -> Option<std::io::Error> {
        self.sync_error.take()
    }

    /// Appends one record; returns its sequence. Hot path: no allocation and no syscall, except
    /// once per segment roll (one `rename`), and `Durability::EveryRecords` msyncs.
    #[inline]
    pub fn append(&mut self, ty: u16, version: u16, ts: u64, payload: &[u8]) -> Result<u64, JournalError> {
        let len = self.reserve(ty, payload.len())?;
        let at = self.pos + RECORD_HEADER;
        self.cur.map[at..at + payload.len()].copy_from_slice(payload);
        let ck = record_checksum(head_word(len, ty, version), self.next_seq, ts, payload);
        Ok(self.publish(len, ty, version, ts, ck))
    }

    /// Appends one record of `len` payload bytes written in place by `fill` (the buffer it gets is
    /// zeroed). If `fill` panics nothing is published and the area is zeroed again.
    #[inline]
    pub fn append_with<F: FnOnce(&mut [u8])>(
        &mut self,
        ty: u16,
        version: u16,
        ts: u64,
        len: usize,
        fill: F,
    ) -> Result<u64, JournalError> {
        let rec_len = self.reserve(ty, len)?;
        let at = self.pos + RECORD_HEADER;
        let guard = ZeroOnUnwind(&mut self.cur.map[at..at + len]);
        fill(guard.0);
        std::mem::forget(guard);
        let ck =
            record_checksum(head_word(rec_len, ty, version), self.next_seq, ts, &self.cur.map[at..at + len]);
        Ok(self.publish(rec_len, ty, version, ts, ck))
    }

    /// Checks the record and makes room for it (rolling if needed); returns the record length.
    #[inline(always)]
    fn reserve(&mut self, ty: u16, n: usize) -> Result<u32, JournalError> {
        if ty == PADDING_TYPE {
            return Err(JournalError::ReservedType(ty));
        }
        if n > self.max_payload {
            return Err(JournalError::PayloadTooLarge { len: n, max: self.max_payload });
        }
        if self.pos + align8(RECORD_HEADER + n) > self.limit {
            self.roll()?;
        }
        Ok((RECORD_HEADER + n) as u32)
    }

    /// Writes the header fields, then stores the length word with Release: the publish.
    #[inline(always)]
    fn publish(&mut self, len: u32, ty: u16, version: u16, ts: u64, ck: u32) -> u64 {
        let pos = self.pos;
        let seq = self.next_seq;
        write_header(&mut self.cur.map[pos..pos + RECORD_HEADER], ty, version, seq, ts, ck);
        self.cur.len_word(pos).store(len, std::sync::atomic::Ordering::Release);
        self.pos = pos + align8(len as usize);
        self.next_seq = seq + 1;
        if let Durability::EveryRecords(n) = self.cfg.durability {
            self.since_sync += 1;
            if self.since_sync >= n {
                self.sync_inline();
            }
        }
        seq
    }

    fn sync_inline(&mut self) {
        let (from, to) = (self.synced_pos, self.pos);
        self.since_sync = 0;
        self.synced_pos = to;
        self.stats.syncs += 1;
        if let Err(e) = self.cur.map.flush_range(from, to - from) {
            self.stats.sync_errors += 1;
            self.sync_error = Some(e);
        }
    }

    /// Pads the current segment, seals it, and switches to the prepared (or an inline-made) one.
    #[cold]
    #[inline(never)]
    fn roll(&mut self) -> Result<(), JournalError> {
        if self.end.is_some() {
            self.stats.refused += 1;
            return Err(JournalError::Ended);
        }
        // The next segment first: if none can be had (disk full), the current one still has room
        // for the end record, which says the stream is incomplete from here.
        let mut next = match self.handoff.take() {
            Some(s) => s,
            None => {
                self.stats.inline_prepares += 1;
                match self.handoff.make() {
                    Ok(s) => s,
                    Err(e) => {
                        let status = match e {
                            JournalError::NoSpace { .. } => EndStatus::DiskFull,
                            _ => EndStatus::Failed,
                        };
                        self.write_end(status);
                        self.stats.refused += 1;
                        return Err(e);
                    }
                }
            }
        };
        let size = self.cur.size();
        let pos = self.pos;
        if size - pos >= RECORD_HEADER {
            let len = (size - pos) as u32;
            let ck = record_checksum(head_word(len, PADDING_TYPE, 0), self.next_seq, 0, &[]);
            write_header(&mut self.cur.map[pos..pos + RECORD_HEADER], PADDING_TYPE, 0, self.next_seq, 0, ck);
            self.cur.len_word(pos).store(len, std::sync::atomic::Ordering::Release);
        }
        if matches!(self.cfg.durability, Durability::EveryRecords(_)) {
            self.pos = size;
            self.sync_inline();
        }
        self.cur.seal(pos as u64, crate::retention::now_ns());
        next.set_identity(self.cur.index + 1, self.next_seq);
        let name = dir::segment_name(self.next_seq);
        self.scratch.set_file_name(OsStr::from_bytes(&name));
        if let Err(e) = std::fs::rename(&next.path, &self.scratch) {
            let _ = std::fs::remove_file(&next.path);
            // The current segment is sealed and padded: no room for an end record. Refuse the rest.
            self.end = Some(EndStatus::Failed);
            self.limit = 0;
            return Err(JournalError::io("rename", &self.scratch, e));
        }
        std::mem::swap(&mut next.path, &mut self.scratch);
        let old = std::mem::replace(&mut self.cur, next);
        if let Some(prev) = self.handoff.retire(old) {
            self.stats.inline_unmaps += 1;
            drop(prev);
        }
        self.pos = SEGMENT_HEADER;
        self.synced_pos = SEGMENT_HEADER;
        self.limit = self.cur.size() - END_RESERVE;
        self.max_payload = max_payload(self.cfg.segment_size);
        self.stats.rolls += 1;
        Ok(())
    }

    /// Writes an end record at the current position (the reserve guarantees room unless the
    /// segment was filled by an older writer) and refuses every later append.
    #[cold]
    fn write_end(&mut self, status: EndStatus) -> bool {
        self.end = Some(status);
        self.limit = 0;
        let pos = self.pos;
        if pos + END_RESERVE > self.cur.size() {
            return false;
        }
        let payload = end_payload(status, crate::retention::now_ns());
        let len = (RECORD_HEADER + END_PAYLOAD) as u32;
        let at = pos + RECORD_HEADER;
        self.cur.map[at..at + END_PAYLOAD].copy_from_slice(&payload);
        let ck = record_checksum(head_word(len, END_TYPE, 0), self.next_seq, 0, &payload);
        write_header(&mut self.cur.map[pos..pos + RECORD_HEADER], END_TYPE, 0, self.next_seq, 0, ck);
        self.cur.len_word(pos).store(len, std::sync::atomic::Ordering::Release);
        self.pos = pos + END_RESERVE;
        self.next_seq += 1;
        true
    }

    /// Closes the stream: appends the end record that marks a clean close (readers report a
    /// stream without one as incomplete: its writer is still running, or crashed), and msyncs if
    /// the durability policy asks for it. Later appends fail with [`JournalError::Ended`]. If the
    /// stream already ended (disk full), returns that status and writes nothing more. Slow path.
    pub fn close(&mut self) -> Result<EndStatus, JournalError> {
        self.close_with(EndStatus::Clean)
    }

    /// [`Writer::close`] with another status, e.g. `DiskFull` when the run stopped because its
    /// journal's disk was full (so readers see the journal is incomplete).
    pub fn close_with(&mut self, status: EndStatus) -> Result<EndStatus, JournalError> {
        if let Some(s) = self.end {
            return Ok(s);
        }
        if self.pos + END_RESERVE > self.cur.size() {
            // A segment filled by a writer of an older format: the end record goes in a new one.
            self.roll()?;
        }
        self.write_end(status);
        if !matches!(self.cfg.durability, Durability::None) {
            self.flush()?;
        }
        Ok(status)
    }

    /// Ends the stream with `status` (used by `recover`).
    pub(crate) fn close_as(&mut self, status: EndStatus) -> Result<(), JournalError> {
        if self.pos + END_RESERVE > self.cur.size() {
            self.roll()?;
        }
        self.write_end(status);
        self.flush()
    }

    /// How the stream ended, if it has (closed, or a failed roll: disk full).
    pub fn end(&self) -> Option<EndStatus> {
        self.end
    }

    /// Creates and pre-faults the next segment now if none is waiting, and unmaps a finished one.
    /// Slow (ms for 64 MiB): call it from an idle loop, or use a [`Preparer`] on a slow thread.
    pub fn prepare_next(&mut self) -> Result<bool, JournalError> {
        self.handoff.prepare()
    }

    /// A handle for a slow thread that prepares segments and applies retention.
    pub fn preparer(&self) -> Preparer {
        Preparer { handoff: self.handoff.clone() }
    }

    /// Deletes old segments per the configured retention (slow path); returns how many.
    pub fn enforce_retention(&mut self) -> Result<usize, JournalError> {
        crate::retention::enforce_retention(&self.dir, &self.cfg.retention)
    }

    /// msyncs everything appended to the current segment since the last sync (slow; blocking).
    pub fn flush(&mut self) -> Result<(), JournalError> {
        let (from, to) = (self.synced_pos, self.pos.min(self.cur.size()));
        self.cur
            .map
            .flush_range(from, to - from)
            .map_err(|e| JournalError::io("msync", &self.cur.path, e))?;
        self.synced_pos = to;
        self.since_sync = 0;
        Ok(())
    }

    /// Starts the [`Flusher`] thread if the policy is `Durability::EveryMillis`.
    pub fn spawn_flusher(&self) -> Result<Option<Flusher>, JournalError> {
        match self.cfg.durability {
            Durability::EveryMillis(ms) => {
                Flusher::spawn(self.dir.clone(), Duration::from_millis(ms)).map(Some)
            }
            _ => Ok(None),
        }
    }
}

#[inline(always)]
fn write_header(h: &mut [u8], ty: u16, version: u16, seq: u64, ts: u64, ck: u32) {
    h[R_TYPE..R_TYPE + 2].copy_from_slice(&ty.to_le_bytes());
    h[R_VERSION..R_VERSION + 2].copy_from_slice(&version.to_le_bytes());
    h[R_SEQ..R_SEQ + 8].copy_from_slice(&seq.to_le_bytes());
    h[R_TS..R_TS + 8].copy_from_slice(&ts.to_le_bytes());
    h[R_CHECKSUM..R_CHECKSUM + 4].copy_from_slice(&ck.to_le_bytes());
    h[R_RESERVED..R_RESERVED + 4].copy_from_slice(&0u32.to_le_bytes());
}
