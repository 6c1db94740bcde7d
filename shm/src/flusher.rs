//! `Durability::EveryMillis`: a slow thread that makes the newest segments durable periodically.
//!
//! It calls `fdatasync` on the newest segment file (and once more on the previous one after a
//! roll). On Linux that writes back the page-cache pages dirtied through the writer's shared
//! mapping, exactly like `msync(MS_SYNC)` would, without needing the writer's mapping.

use crate::dir::list_segments;
use crate::error::JournalError;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    flushes: AtomicU64,
    errors: AtomicU64,
}

/// Handle of the flusher thread; stops (after a last flush) when dropped.
pub struct Flusher {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

struct State {
    dir: PathBuf,
    newest: Option<(PathBuf, File)>,
}

impl State {
    fn flush(&mut self) -> Result<(), JournalError> {
        let segs = list_segments(&self.dir)?;
        let Some((_, path)) = segs.last() else { return Ok(()) };
        if self.newest.as_ref().is_none_or(|(p, _)| p != path) {
            if let Some((p, f)) = self.newest.take() {
                f.sync_data().map_err(|e| JournalError::io("fdatasync", &p, e))?;
            }
            let f = File::open(path).map_err(|e| JournalError::io("open", path, e))?;
            self.newest = Some((path.clone(), f));
        }
        if let Some((p, f)) = &self.newest {
            f.sync_data().map_err(|e| JournalError::io("fdatasync", p, e))?;
        }
        Ok(())
    }
}

impl Flusher {
    /// Starts a thread that syncs the stream in `dir` every `every`.
    pub fn spawn(dir: PathBuf, every: Duration) -> Result<Flusher, JournalError> {
        let shared = Arc::new(Shared::default());
        let sh = shared.clone();
        let mut st = State { dir: dir.clone(), newest: None };
        let handle = std::thread::Builder::new()
            .name("journal-flush".into())
            .spawn(move || loop {
                let stopping = sh.stop.load(Ordering::Acquire);
                match st.flush() {
                    Ok(()) => sh.flushes.fetch_add(1, Ordering::Relaxed),
                    Err(_) => sh.errors.fetch_add(1, Ordering::Relaxed),
                };
                if stopping {
                    return;
                }
                std::thread::park_timeout(every);
            })
            .map_err(|e| JournalError::io("spawn flusher", dir, e))?;
        Ok(Flusher { shared, handle: Some(handle) })
    }

    /// Completed sync rounds.
    pub fn flushes(&self) -> u64 {
        self.shared.flushes.load(Ordering::Relaxed)
    }

    /// Failed sync rounds.
    pub fn errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}
