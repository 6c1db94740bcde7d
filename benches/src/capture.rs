//! The real sample, decompressed once; every line classified by the feed's own parser; frames picked
//! by kind and size; subsets written to temporary capture files for the replay benches.

use alphapulse_feeds::parse::Parser;
use alphapulse_feeds::{sample_instruments, testdata, FrameKind, SymbolMap};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// One line of the capture: `<local_recv_ns> <json>`.
#[derive(Clone, Debug)]
pub struct Line {
    /// 0-based line number in the capture (= frames the replay steps before reaching it).
    pub index: usize,
    pub local_ts: u64,
    /// The raw frame exactly as captured.
    pub json: Vec<u8>,
    /// What the feed's parser says it is (`None`: the parser refused it).
    pub kind: Option<FrameKind>,
    /// Bid + ask levels (depth updates and snapshots), else 0.
    pub levels: usize,
}

/// The whole decompressed capture.
pub struct Capture {
    pub path: PathBuf,
    pub lines: Vec<Line>,
}

impl Capture {
    /// Decompress and classify `feeds/testdata/btcusdt_20240808.gz`. Panics if it is missing or
    /// malformed: the benches have nothing to measure then.
    pub fn sample() -> Capture {
        Capture::load(&testdata::sample_capture())
    }

    /// Decompress (gzip or plain) and classify the `<ns> <json>` lines of `path`.
    pub fn load(path: &Path) -> Capture {
        let mut text = Vec::new();
        let f = File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        MultiGzDecoder::new(f)
            .read_to_end(&mut text)
            .unwrap_or_else(|e| panic!("cannot decompress {}: {e}", path.display()));
        let table = sample_instruments();
        let mut symbols = SymbolMap::new(&table);
        let mut parser = Parser::new(1 << 20, 5000);
        let mut scratch = Vec::new();
        let mut lines = Vec::new();
        for (index, raw) in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
            let sp = raw.iter().position(|&b| b == b' ').expect("`<ns> <json>` line");
            let local_ts =
                std::str::from_utf8(&raw[..sp]).ok().and_then(|s| s.parse().ok()).expect("ns prefix");
            let json = raw[sp + 1..].to_vec();
            scratch.clear();
            scratch.extend_from_slice(&json);
            let kind = parser.parse(&mut scratch, None, &mut symbols).ok();
            let levels = match kind {
                Some(FrameKind::Depth | FrameKind::Snapshot) => {
                    parser.frame.bids.len() + parser.frame.asks.len()
                }
                _ => 0,
            };
            lines.push(Line { index, local_ts, json, kind, levels });
        }
        Capture { path: path.to_path_buf(), lines }
    }

    /// Lines of `kind`.
    pub fn of_kind(&self, kind: FrameKind) -> impl Iterator<Item = &Line> + '_ {
        self.lines.iter().filter(move |l| l.kind == Some(kind))
    }

    /// The line of `kind` satisfying `pred` nearest the middle of the capture (a frame from the
    /// steady state, not the start-up).
    pub fn pick(&self, kind: FrameKind, pred: impl Fn(&Line) -> bool) -> Option<&Line> {
        let mid = self.lines.len() / 2;
        self.of_kind(kind).filter(|l| pred(l)).min_by_key(|l| l.index.abs_diff(mid))
    }

    /// The depth update with exactly `levels` levels nearest the middle (or, if none has exactly
    /// that many, the one with the nearest count).
    pub fn pick_depth(&self, levels: usize) -> &Line {
        self.pick(FrameKind::Depth, |l| l.levels == levels)
            .or_else(|| {
                let best = self.of_kind(FrameKind::Depth).map(|l| l.levels.abs_diff(levels)).min()?;
                self.pick(FrameKind::Depth, |l| l.levels.abs_diff(levels) == best)
            })
            .expect("the capture has depth updates")
    }

    /// Median level count of the depth updates.
    pub fn median_depth_levels(&self) -> usize {
        let mut n: Vec<usize> = self.of_kind(FrameKind::Depth).map(|l| l.levels).collect();
        n.sort_unstable();
        n.get(n.len() / 2).copied().expect("the capture has depth updates")
    }

    /// Frames of `kind` (for throughput figures).
    pub fn count(&self, kind: FrameKind) -> usize {
        self.of_kind(kind).count()
    }
}

/// A capture file written for one bench, removed with its folder on drop.
pub struct TempCapture {
    dir: PathBuf,
    pub path: PathBuf,
    /// Lines written (= frames the replay will see).
    pub frames: usize,
}

impl TempCapture {
    /// Write `lines` (uncompressed, in order) as `<tmp>/alphapulse-benches-<pid>-<tag>/btcusdt_<tag>.log`:
    /// the `btcusdt_` prefix names the instrument of the snapshot line, as in the original file.
    pub fn write<'a>(tag: &str, lines: impl IntoIterator<Item = &'a Line>) -> TempCapture {
        let dir = std::env::temp_dir().join(format!("alphapulse-benches-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let path = dir.join(format!("btcusdt_{tag}.log"));
        let mut out = std::io::BufWriter::new(File::create(&path).expect("create temp capture"));
        let mut frames = 0;
        for l in lines {
            write!(out, "{} ", l.local_ts).expect("write");
            out.write_all(&l.json).expect("write");
            out.write_all(b"\n").expect("write");
            frames += 1;
        }
        out.flush().expect("flush temp capture");
        TempCapture { dir, path, frames }
    }
}

impl Drop for TempCapture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
