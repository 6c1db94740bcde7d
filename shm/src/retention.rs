//! Retention: deleting the oldest segment files (slow path).
//!
//! Only a prefix of the stream is ever deleted (oldest first, never the newest segment, which is
//! the active one), so a reader that wants a deleted sequence gets `FellBehind`, never a hole.
//! A reader that still has a deleted segment mapped keeps reading it: unlinking a file keeps its
//! pages alive until the last mapping goes away.

use crate::config::Retention;
use crate::dir::list_segments;
use crate::error::JournalError;
use crate::format::{rd_u64, H_SEALED_AT, SEGMENT_HEADER};
use std::io::Read;
use std::path::Path;

fn sealed_at(path: &Path) -> Result<u64, JournalError> {
    let mut b = [0u8; SEGMENT_HEADER];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| JournalError::io("read header", path, e))?;
    Ok(rd_u64(&b, H_SEALED_AT))
}

pub(crate) fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// Deletes the oldest segments of the stream in `dir` per `retention`; returns how many.
pub fn enforce_retention(dir: &Path, retention: &Retention) -> Result<usize, JournalError> {
    let segs = list_segments(dir)?;
    if segs.len() <= 1 {
        return Ok(0);
    }
    let now = now_ns();
    // Decide first, record in stream.meta (`removed_before`), then delete: a missing segment
    // below that sequence is retention's doing, any other missing segment is damage.
    let mut n = 0;
    for (_, path) in &segs[..segs.len() - 1] {
        let remaining = segs.len() - n;
        let too_many = retention.max_segments.is_some_and(|m| remaining > m);
        let too_old = match retention.max_age_secs {
            Some(secs) => {
                let at = sealed_at(path)?;
                at != 0 && now.saturating_sub(at) > secs.saturating_mul(1_000_000_000)
            }
            None => false,
        };
        if !(too_many || too_old) {
            break;
        }
        n += 1;
    }
    if n == 0 {
        return Ok(0);
    }
    let mut meta = crate::dir::read_meta_full(dir)?;
    if meta.removed_before < segs[n].0 {
        meta.removed_before = segs[n].0;
        crate::dir::write_meta(dir, meta)?;
    }
    let mut removed = 0;
    for (_, path) in &segs[..n] {
        std::fs::remove_file(path).map_err(|e| JournalError::io("remove", path, e))?;
        removed += 1;
    }
    Ok(removed)
}
