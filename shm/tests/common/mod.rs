//! Shared helpers of the journal's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A unique temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let base =
            if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        let p =
            base.join(format!("apshm-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn stream(&self) -> PathBuf {
        self.0.join("s")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Deterministic payload length for a sequence (0..=max).
pub fn payload_len(seq: u64, max: usize) -> usize {
    (seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize % (max + 1)
}

/// Deterministic payload bytes for a sequence.
pub fn fill_payload(seq: u64, buf: &mut [u8]) {
    let mut x = seq.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ 0xA5A5;
    for b in buf.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
}

pub fn payload(seq: u64, max: usize) -> Vec<u8> {
    let mut v = vec![0u8; payload_len(seq, max)];
    fill_payload(seq, &mut v);
    v
}

/// Segment files of a stream, oldest first.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    v.sort();
    v
}

pub fn small(seg: u64) -> alphapulse_shm::StreamConfig {
    alphapulse_shm::StreamConfig { segment_size: seg, ..Default::default() }
}
