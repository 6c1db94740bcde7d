//! The stream folder: the meta file (stream id), segment file names, listing, the writer lock.

use crate::error::{Corruption, JournalError};
use crate::format::*;
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Name of the meta file inside a stream folder.
pub const META_FILE: &str = "stream.meta";
/// Name of the writer's lock file inside a stream folder.
pub const LOCK_FILE: &str = "writer.lock";
/// Prefix of segments being prepared (renamed to their final name when the writer rolls).
pub(crate) const PREP_PREFIX: &str = ".prep-";
const META_LEN: usize = 32;

/// `<first_seq:020>.seg` as bytes, without allocating.
pub(crate) fn segment_name(first_seq: u64) -> [u8; 24] {
    let mut b = *b"00000000000000000000.seg";
    let mut v = first_seq;
    for i in (0..20).rev() {
        b[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    b
}

/// The first sequence encoded in a segment file name, if it is one.
pub(crate) fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".seg")?;
    if digits.len() != 20 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Path of the segment starting at `first_seq`.
pub(crate) fn segment_path(dir: &Path, first_seq: u64) -> PathBuf {
    let name = segment_name(first_seq);
    dir.join(std::str::from_utf8(&name).unwrap_or("invalid"))
}

/// Segment files of a stream as (first_seq, path), oldest first.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>, JournalError> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| JournalError::io("read_dir", dir, e))? {
        let e = e.map_err(|e| JournalError::io("read_dir", dir, e))?;
        if let Some(seq) = e.file_name().to_str().and_then(parse_segment_name) {
            v.push((seq, e.path()));
        }
    }
    v.sort_unstable_by_key(|x| x.0);
    Ok(v)
}

/// Reads and checks the meta file; returns the stream id.
pub fn read_meta(dir: &Path) -> Result<u64, JournalError> {
    read_meta_full(dir).map(|m| m.stream_id)
}

/// What `stream.meta` holds (32 bytes: magic, version u32, reserved u32, stream id u64, and
/// `removed_before` u64: every record below this sequence was deleted by retention, on purpose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub stream_id: u64,
    /// Retention removed the segments holding sequences below this (0: nothing removed).
    pub removed_before: u64,
}

/// Reads and checks the meta file.
pub fn read_meta_full(dir: &Path) -> Result<Meta, JournalError> {
    let path = dir.join(META_FILE);
    let b = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(JournalError::NotAStream(dir.to_path_buf()))
        }
        Err(e) => return Err(JournalError::io("read", &path, e)),
    };
    if b.len() != META_LEN {
        let reason = Corruption::Truncated { len: b.len() as u64, expected: META_LEN as u64 };
        return Err(JournalError::corrupt(path, 0, reason));
    }
    if b[0..8] != META_MAGIC {
        return Err(JournalError::corrupt(path, 0, Corruption::BadMagic));
    }
    let v = rd_u32(&b, 8);
    if v != FORMAT_VERSION {
        return Err(JournalError::corrupt(path, 8, Corruption::UnsupportedVersion(v)));
    }
    Ok(Meta { stream_id: rd_u64(&b, 16), removed_before: rd_u64(&b, 24) })
}

/// Writes the meta file atomically (temp file + rename).
pub(crate) fn write_meta(dir: &Path, meta: Meta) -> Result<(), JournalError> {
    let mut b = [0u8; META_LEN];
    b[0..8].copy_from_slice(&META_MAGIC);
    b[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    b[16..24].copy_from_slice(&meta.stream_id.to_le_bytes());
    b[24..32].copy_from_slice(&meta.removed_before.to_le_bytes());
    let tmp = dir.join(".stream.meta.tmp");
    let path = dir.join(META_FILE);
    let mut f = File::create(&tmp).map_err(|e| JournalError::io("create", &tmp, e))?;
    f.write_all(&b).and_then(|_| f.sync_all()).map_err(|e| JournalError::io("write", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| JournalError::io("rename", &path, e))?;
    Ok(())
}

/// Reads the meta file, or creates it (atomically: temp file + rename) with a random stream id.
pub(crate) fn read_or_create_meta(dir: &Path) -> Result<u64, JournalError> {
    match read_meta(dir) {
        Err(JournalError::NotAStream(_)) => {}
        other => return other,
    }
    // Random id: std's RandomState is seeded from the OS; mix in time and pid for good measure.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
    );
    h.write_u32(std::process::id());
    h.write(dir.as_os_str().as_encoded_bytes());
    let id = h.finish() | 1;
    write_meta(dir, Meta { stream_id: id, removed_before: 0 })?;
    Ok(id)
}

/// Takes the exclusive writer lock of a stream (released when the returned file is closed,
/// including when the process dies).
pub(crate) fn lock_stream(dir: &Path) -> Result<File, JournalError> {
    use std::os::fd::AsRawFd;
    let path = dir.join(LOCK_FILE);
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| JournalError::io("open", &path, e))?;
    // SAFETY: `flock` on a valid open descriptor owned by `f`; no memory is passed.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::WouldBlock {
            return Err(JournalError::Locked(dir.to_path_buf()));
        }
        return Err(JournalError::io("flock", &path, e));
    }
    // The holder's pid, so that a reader can tell a running writer from a dead one.
    let mut f = f;
    let pid = std::process::id().to_string();
    f.set_len(0)
        .and_then(|_| f.write_all(pid.as_bytes()))
        .map_err(|e| JournalError::io("write", &path, e))?;
    Ok(f)
}

/// The pid recorded in `writer.lock` by the last writer that opened the stream.
pub(crate) fn writer_pid(dir: &Path) -> Option<u32> {
    fs::read_to_string(dir.join(LOCK_FILE)).ok()?.trim().parse().ok()
}

/// True if a process with this pid exists (Linux: `/proc/<pid>`). A pid can be reused after the
/// writer died; the writer's `flock` is the authority, but testing it would race with a writer
/// starting up, so readers use this.
pub(crate) fn pid_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes segments left half-prepared by a writer that died.
pub(crate) fn remove_stale_prepared(dir: &Path) -> Result<(), JournalError> {
    for e in fs::read_dir(dir).map_err(|e| JournalError::io("read_dir", dir, e))? {
        let e = e.map_err(|e| JournalError::io("read_dir", dir, e))?;
        if e.file_name().to_str().is_some_and(|n| n.starts_with(PREP_PREFIX)) {
            fs::remove_file(e.path()).map_err(|err| JournalError::io("remove", e.path(), err))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [0, 1, 42, u64::MAX] {
            let n = segment_name(s);
            assert_eq!(parse_segment_name(std::str::from_utf8(&n).unwrap()), Some(s));
        }
        assert_eq!(parse_segment_name("0001.seg"), None);
        assert_eq!(parse_segment_name(".prep-1.tmp"), None);
    }
}
