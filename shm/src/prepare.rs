//! Off-the-hot-path segment preparation: a lock-free hand-off slot between a slow thread (which
//! creates and pre-faults the next segment, and unmaps retired ones) and the writer.

use crate::config::Retention;
use crate::error::JournalError;
use crate::retention::enforce_retention;
use crate::segment::WSegment;
use std::path::PathBuf;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;

pub(crate) struct Handoff {
    pub dir: PathBuf,
    pub stream_id: u64,
    pub segment_size: u64,
    /// A prepared segment (owned `Box<WSegment>`), or null.
    ready: AtomicPtr<WSegment>,
    /// A segment the writer rolled away from, waiting to be unmapped off the hot path, or null.
    retired: AtomicPtr<WSegment>,
    counter: AtomicU64,
}

impl Handoff {
    pub fn new(dir: PathBuf, stream_id: u64, segment_size: u64) -> Handoff {
        Handoff {
            dir,
            stream_id,
            segment_size,
            ready: AtomicPtr::new(ptr::null_mut()),
            retired: AtomicPtr::new(ptr::null_mut()),
            counter: AtomicU64::new(0),
        }
    }

    /// Creates and pre-faults a fresh segment under a temporary name.
    pub fn make(&self) -> Result<Box<WSegment>, JournalError> {
        use std::fmt::Write;
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut name = String::with_capacity(48);
        let _ = write!(name, "{}{}-{}.tmp", crate::dir::PREP_PREFIX, std::process::id(), n);
        // Spare capacity: the writer reuses this buffer for the final name without allocating.
        let mut path = PathBuf::with_capacity(self.dir.as_os_str().len() + 64);
        path.push(&self.dir);
        path.push(name);
        Ok(Box::new(WSegment::create(path, self.stream_id, self.segment_size)?))
    }

    /// Fills the slot if empty and unmaps a retired segment. True if a segment was prepared.
    pub fn prepare(&self) -> Result<bool, JournalError> {
        self.drop_retired();
        if !self.ready.load(Ordering::Acquire).is_null() {
            return Ok(false);
        }
        let seg = Box::into_raw(self.make()?);
        match self.ready.compare_exchange(ptr::null_mut(), seg, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => Ok(true),
            Err(_) => {
                // SAFETY: `seg` came from `Box::into_raw` above and was not published.
                let seg = unsafe { Box::from_raw(seg) };
                let _ = std::fs::remove_file(&seg.path);
                Ok(false)
            }
        }
    }

    /// Takes the prepared segment, if any (writer side; no allocation, no syscall).
    #[inline]
    pub fn take(&self) -> Option<Box<WSegment>> {
        let p = self.ready.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: a non-null pointer in `ready` is an owned `Box` put there by `prepare`; the swap
        // transferred its ownership to us.
        (!p.is_null()).then(|| unsafe { Box::from_raw(p) })
    }

    /// Hands a finished segment over for unmapping; returns one still waiting (to drop inline).
    #[inline]
    pub fn retire(&self, seg: Box<WSegment>) -> Option<Box<WSegment>> {
        let p = self.retired.swap(Box::into_raw(seg), Ordering::AcqRel);
        // SAFETY: as in `take`: non-null pointers in `retired` are owned boxes.
        (!p.is_null()).then(|| unsafe { Box::from_raw(p) })
    }

    fn drop_retired(&self) {
        let p = self.retired.swap(ptr::null_mut(), Ordering::AcqRel);
        if !p.is_null() {
            // SAFETY: as in `take`.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        self.drop_retired();
        if let Some(seg) = self.take() {
            let _ = std::fs::remove_file(&seg.path);
        }
    }
}

/// A handle for a slow thread: prepares the writer's next segment, unmaps finished ones and
/// applies retention, so the writer's thread never pays for it. `Send + Sync + Clone`.
#[derive(Clone)]
pub struct Preparer {
    pub(crate) handoff: Arc<Handoff>,
}

impl Preparer {
    /// Creates and pre-faults the next segment if none is waiting; unmaps a retired segment.
    /// Returns true if it prepared one. Call it every few ms (or after each roll).
    pub fn prepare(&self) -> Result<bool, JournalError> {
        self.handoff.prepare()
    }

    /// Deletes old segments per `retention` (never the newest); returns how many were removed.
    pub fn enforce_retention(&self, retention: &Retention) -> Result<usize, JournalError> {
        enforce_retention(&self.handoff.dir, retention)
    }
}
