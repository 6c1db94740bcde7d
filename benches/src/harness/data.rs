//! The capture, prepared once before any pass: every file decompressed into a plain file on a memory
//! file system (`/dev/shm` when present), so the feed reads frames already in memory (no gzip, no
//! disk), and the capture's receive times for replays paced at its own timing.

use anyhow::Context;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The prepared capture. The temporary folder is removed on drop.
pub struct Data {
    dir: PathBuf,
    /// The plain files the feed replays (same names as the originals, without `.gz`, so files that
    /// continue one stream still do).
    pub files: Vec<PathBuf>,
    /// Lines with a receive time (= frames the feed will step through).
    pub frames: usize,
    /// Receive times of every line, all files merged, sorted, relative to the first (ns).
    pub offsets_ns: Vec<u64>,
    /// Decompressed bytes.
    pub bytes: u64,
}

impl Data {
    /// Decompress `sources` (gzip or plain) into a fresh temporary folder.
    pub fn prepare(sources: &[PathBuf]) -> anyhow::Result<Data> {
        let base =
            if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        let dir = base.join(format!("alphapulse-tick-to-trade-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut data = Data { dir, files: Vec::new(), frames: 0, offsets_ns: Vec::new(), bytes: 0 };
        let mut stamps = Vec::new();
        for src in sources {
            let name = src.file_name().and_then(|n| n.to_str()).context("data file without a name")?;
            let plain = data.dir.join(name.strip_suffix(".gz").unwrap_or(name));
            let mut input = open(src)?;
            let mut out = std::io::BufWriter::new(
                File::create(&plain).with_context(|| format!("creating {}", plain.display()))?,
            );
            data.bytes += std::io::copy(&mut input, &mut out)
                .with_context(|| format!("decompressing {}", src.display()))?;
            out.flush()?;
            drop(out);
            for line in BufReader::new(File::open(&plain)?).split(b'\n') {
                if let Some(ts) = receive_ns(&line?) {
                    stamps.push(ts);
                }
            }
            data.files.push(plain);
        }
        if stamps.is_empty() {
            anyhow::bail!("no timestamped line in {sources:?}");
        }
        stamps.sort_unstable();
        data.frames = stamps.len();
        let first = stamps[0];
        data.offsets_ns = stamps.into_iter().map(|t| t - first).collect();
        Ok(data)
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn open(path: &Path) -> anyhow::Result<Box<dyn Read>> {
    let mut f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    let f = File::open(path)?;
    Ok(if n == 2 && magic == [0x1f, 0x8b] { Box::new(MultiGzDecoder::new(f)) } else { Box::new(f) })
}

/// The receive time of a capture line: Binance `<ns> {…}` or cryptofeed `<secs.frac>: {…}`
/// (also after a `<url> -> ` prefix).
pub fn receive_ns(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && line.get(digits) == Some(&b' ') {
        return std::str::from_utf8(&line[..digits]).ok()?.parse().ok();
    }
    let colon = line.windows(3).position(|w| w == b": {")?;
    let head = std::str::from_utf8(&line[..colon]).ok()?;
    // `<secs>.<frac>` exactly, without going through f64.
    let num = head.rsplit(' ').next()?;
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let frac9: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    Some(int.parse::<u64>().ok()? * 1_000_000_000 + frac9.parse::<u64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receive_times_of_both_formats() {
        assert_eq!(receive_ns(b"1723161253000123456 {\"stream\":1}"), Some(1_723_161_253_000_123_456));
        assert_eq!(receive_ns(b"1723161253.5: {\"a\":1}"), Some(1_723_161_253_500_000_000));
        assert_eq!(
            receive_ns(b"https://x?symbol=BTCUSDT -> 1723161253.25: {\"a\":1}"),
            Some(1_723_161_253_250_000_000)
        );
        assert_eq!(receive_ns(b"wss://x <-> 1723161253"), None);
    }
}
