//! [`Output`]: the files of one prefix (a symbol, or `events`): naming, rotation, members, and what
//! was written or lost. Runs on the writer thread.

use super::member::MemberWriter;
use super::name::{file_name, period};
use super::summary::{FileSummary, WriteFailure};
use super::{Rotation, Shared};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Suffixes tried after the plain name is taken (`_001` ..= `_999`).
const MAX_SUFFIX: u32 = 999;

/// The current file of an output.
struct Current {
    path: PathBuf,
    lines: u64,
    raw_bytes: u64,
    /// Lines of the open member (not yet handed to the OS as a complete member).
    member_lines: u64,
    member_started: Instant,
}

/// One prefix's sequence of files.
pub(crate) struct Output {
    prefix: String,
    period: Option<u64>,
    cur: Option<Current>,
    gz: MemberWriter,
    /// Records routed here (written or lost).
    pub(crate) frames: u64,
    pub(crate) snapshots: u64,
    /// Lines that could not be written (after a write error, until the next period opens a file).
    pub(crate) lost: u64,
    pub(crate) files: Vec<FileSummary>,
}

/// What every output of the writer thread shares: the folder, the rotation, the counters and the
/// write failures.
pub(crate) struct Folder {
    pub(crate) dir: PathBuf,
    pub(crate) rotation: Rotation,
    pub(crate) shared: Arc<Shared>,
    pub(crate) failures: Vec<WriteFailure>,
}

impl Folder {
    fn fail(&mut self, path: &Path, e: io::Error) {
        self.shared.errors.fetch_add(1, Ordering::Relaxed);
        if self.failures.len() < 64 {
            self.failures.push(WriteFailure {
                path: path.to_path_buf(),
                kind: e.kind(),
                message: e.to_string(),
            });
        }
    }
}

impl Output {
    pub(crate) fn new(prefix: String, level: u32) -> Self {
        Output {
            prefix,
            period: None,
            cur: None,
            gz: MemberWriter::new(level),
            frames: 0,
            snapshots: 0,
            lost: 0,
            files: Vec::new(),
        }
    }

    /// The file-name prefix (a symbol, or `events`).
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Append one line (`pieces` end with `\n`) received at `ts`, rotating first when `ts` falls
    /// in a later period than the current file's (an earlier one stays in the current file, so
    /// that names stay in time order).
    pub(crate) fn line(&mut self, cx: &mut Folder, ts: u64, pieces: &[&[u8]], now: Instant) {
        let p = period(cx.rotation, ts);
        if self.period.is_none_or(|cur| p > cur) {
            self.rotate(cx, ts, p, now);
        }
        let Some(cur) = self.cur.as_mut() else {
            self.lost += 1;
            cx.shared.lost.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if !self.gz.in_member() {
            cur.member_started = now;
        }
        let len: usize = pieces.iter().map(|p| p.len()).sum();
        match self.gz.add(pieces) {
            Ok(()) => {
                cur.lines += 1;
                cur.member_lines += 1;
                cur.raw_bytes += len as u64;
                cx.shared.lines.fetch_add(1, Ordering::Relaxed);
                cx.shared.raw_bytes.fetch_add(len as u64, Ordering::Relaxed);
            }
            Err(e) => self.failed(cx, e),
        }
    }

    /// End the open member if it is older than `every` (or unconditionally with `every == 0`).
    pub(crate) fn tick(&mut self, cx: &mut Folder, now: Instant, every: std::time::Duration) {
        let due = self.cur.as_ref().is_some_and(|c| now.duration_since(c.member_started) >= every);
        if due && self.gz.in_member() {
            self.end_member(cx);
        }
    }

    /// Finish the current file: last member, fsync, summary.
    pub(crate) fn close(&mut self, cx: &mut Folder) {
        let Some(cur) = self.cur.take() else { return };
        let before = self.gz.written;
        let closed = self.gz.close();
        cx.shared.gz_bytes.fetch_add(self.gz.written - before, Ordering::Relaxed);
        match closed {
            Ok(()) => {
                cx.shared.flushed.fetch_add(cur.member_lines, Ordering::Relaxed);
                self.files.push(FileSummary {
                    path: cur.path,
                    lines: cur.lines,
                    raw_bytes: cur.raw_bytes,
                    bytes: self.gz.written,
                    members: self.gz.members,
                    complete: true,
                });
            }
            Err(e) => {
                cx.fail(&cur.path, e);
                self.lost += cur.member_lines;
                cx.shared.lost.fetch_add(cur.member_lines, Ordering::Relaxed);
                self.push_incomplete(cur);
            }
        }
    }

    fn end_member(&mut self, cx: &mut Folder) {
        let before = self.gz.written;
        let ended = self.gz.end_member();
        cx.shared.gz_bytes.fetch_add(self.gz.written - before, Ordering::Relaxed);
        match ended {
            Ok(()) => {
                if let Some(cur) = self.cur.as_mut() {
                    cx.shared.flushed.fetch_add(cur.member_lines, Ordering::Relaxed);
                    cur.member_lines = 0;
                }
            }
            Err(e) => self.failed(cx, e),
        }
    }

    /// A write failed: the file is given up (its complete members stay); lines go uncounted as
    /// written until the next period opens a new file.
    fn failed(&mut self, cx: &mut Folder, e: io::Error) {
        self.gz.abandon();
        if let Some(cur) = self.cur.take() {
            cx.fail(&cur.path, e);
            self.lost += cur.member_lines;
            cx.shared.lost.fetch_add(cur.member_lines, Ordering::Relaxed);
            self.push_incomplete(cur);
        }
    }

    fn push_incomplete(&mut self, cur: Current) {
        let lines = cur.lines - cur.member_lines;
        self.files.push(FileSummary {
            path: cur.path,
            lines,
            raw_bytes: 0,
            bytes: self.gz.written,
            members: self.gz.members,
            complete: false,
        });
    }

    fn rotate(&mut self, cx: &mut Folder, ts: u64, p: u64, now: Instant) {
        self.close(cx);
        self.period = Some(p);
        match create_new(cx, &self.prefix, ts) {
            Ok((path, file)) => {
                cx.shared.files.fetch_add(1, Ordering::Relaxed);
                self.gz.open(file);
                self.cur =
                    Some(Current { path, lines: 0, raw_bytes: 0, member_lines: 0, member_started: now });
            }
            Err((path, e)) => cx.fail(&path, e),
        }
    }
}

/// Create the file for `prefix` at `ts` under a name not taken yet (never overwriting), and make its
/// directory entry durable.
fn create_new(cx: &Folder, prefix: &str, ts: u64) -> Result<(PathBuf, File), (PathBuf, io::Error)> {
    let mut n = 0;
    loop {
        let path = cx.dir.join(file_name(prefix, cx.rotation, ts, n));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => {
                // The new name survives a power loss with the data fsynced later.
                let _ = File::open(&cx.dir).and_then(|d| d.sync_all());
                return Ok((path, f));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < MAX_SUFFIX => n += 1,
            Err(e) => return Err((path, e)),
        }
    }
}
