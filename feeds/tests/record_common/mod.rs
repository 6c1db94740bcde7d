//! Shared by the `record*` tests: feeding capture lines into a tap, reading the files back, and
//! comparing two replays.
#![allow(dead_code)]

use alphapulse_feeds::record::RecordTap;
use alphapulse_feeds::{sample_instruments, testdata, FeedStats};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A fresh, empty temp folder for one test.
pub fn tmp_dir(tag: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-record-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A capture line `<ns> <frame>` → (ns, frame).
pub fn split(line: &[u8]) -> (u64, &[u8]) {
    let sp = line.iter().position(|&b| b == b' ').expect("a space after the time");
    let ts = std::str::from_utf8(&line[..sp]).unwrap().parse().unwrap();
    (ts, &line[sp + 1..])
}

/// Whether a capture frame is a REST snapshot body.
pub fn is_snapshot(frame: &[u8]) -> bool {
    frame.starts_with(br#"{"lastUpdateId""#)
}

/// Hand one capture line to the tap (a snapshot as symbol `sym`'s); the tap's answer.
pub fn feed_line(tap: &mut RecordTap, sym: u16, line: &[u8]) -> bool {
    let (ts, frame) = split(line);
    if is_snapshot(frame) {
        tap.snapshot(sym, ts, frame)
    } else {
        tap.frame(ts, frame)
    }
}

/// Every complete line of a gzip file, reading up to the first damage (a file cut short keeps the
/// lines before the cut).
pub fn lines_read(path: &Path) -> Vec<Vec<u8>> {
    let mut text = Vec::new();
    let mut d = flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap());
    let mut buf = [0u8; 1 << 16];
    loop {
        match d.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
        }
    }
    let end = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    text[..end].split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

/// The files of a folder, sorted by name.
pub fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

/// The file names of a folder, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    sorted_files(dir).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
}

/// Everything the feed says about a replay that does not depend on file names.
#[derive(Debug, PartialEq)]
pub struct Seen {
    pub frames: u64,
    pub bytes: u64,
    pub by_kind: Vec<u64>,
    pub emitted: Vec<u64>,
    pub malformed: u64,
    pub gaps: u64,
    pub resyncs: u64,
    pub snapshots_applied: u64,
    pub depth_applied: u64,
    pub stale_dropped: u64,
    pub old_ignored: u64,
    pub books: Vec<alphapulse_feeds::BookSyncStatus>,
    pub damaged: usize,
    /// bookTicker comparisons made and agreed, crossed books (the golden check).
    pub golden: (u64, u64, u64),
    /// Every message the `FeedActor` sent down, and its depth levels.
    pub msgs: Vec<alphapulse_types::Msg>,
    pub levels: Vec<alphapulse_types::PxQty>,
}

/// Replay `files` (in this order) through the `Replay` with the golden sink and through a
/// `FeedActor`, and collect what they said.
pub fn seen(files: &[PathBuf]) -> Seen {
    let (r, g) = crate::common::replay(files, false);
    let s: &FeedStats = r.stats();
    let out = testdata::replay_messages(files, &sample_instruments()).expect("feed actor");
    Seen {
        frames: s.frames,
        bytes: s.bytes,
        by_kind: s.by_kind.to_vec(),
        emitted: s.emitted.to_vec(),
        malformed: s.malformed_total(),
        gaps: s.gaps,
        resyncs: s.resyncs,
        snapshots_applied: s.snapshots_applied,
        depth_applied: s.depth_applied,
        stale_dropped: s.stale_dropped,
        old_ignored: s.old_ignored,
        books: s.books.clone(),
        damaged: s.damaged.len(),
        golden: (g.compared, g.agreed, g.crossed),
        msgs: out.msgs,
        levels: out.levels,
    }
}

/// The shared captures folder of Binance spot, or `None` (the test then prints why it skips).
pub fn spot_dir() -> Option<PathBuf> {
    let d = testdata::shared_data_dir()?.join("binance-spot");
    d.is_dir().then_some(d)
}
