//! Which symbols a set of captures carries, read from their first lines (cold path, start-up only).
//! Used to intern just those instruments when a full `exchangeInfo` (1,695 symbols) is loaded: the
//! feed preallocates a book and a buffer per instrument, so interning every symbol would cost GBs.

use crate::source::{contains, detect_format, read_head, CaptureFormat};
use crate::FeedError;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// How much of each file is scanned for stream names.
const SCAN_BYTES: usize = 1 << 20;

/// Upper-case symbols named by the captures: Binance captures by their `"stream":"<sym>@…"` fields
/// (and the `<sym>_` file-name prefix), cryptofeed websocket captures by the `streams=` list of
/// their URL line, cryptofeed REST captures by their `symbol=` parameters. Sorted, unique.
pub fn capture_symbols(files: &[PathBuf]) -> Result<Vec<String>, FeedError> {
    let mut out = BTreeSet::new();
    for path in files {
        let head = read_head(path, SCAN_BYTES)?;
        match detect_format(path)? {
            CaptureFormat::Binance => {
                let tag = br#""stream":""#;
                for line in head.split(|&b| b == b'\n') {
                    if let Some(i) = line.windows(tag.len()).position(|w| w == tag) {
                        add_stream(&line[i + tag.len()..], &mut out);
                    }
                }
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if let Some((sym, _)) = name.split_once('_') {
                    if !sym.is_empty() && sym.chars().all(|c| c.is_ascii_alphanumeric()) {
                        out.insert(sym.to_ascii_uppercase());
                    }
                }
            }
            CaptureFormat::CryptofeedWs => {
                let first = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
                let tag = b"streams=";
                if let Some(i) = first.windows(tag.len()).position(|w| w == tag) {
                    let list = &first[i + tag.len()..];
                    let end = list.iter().position(|&b| b == b' ').unwrap_or(list.len());
                    for stream in list[..end].split(|&b| b == b'/') {
                        add_stream(stream, &mut out);
                    }
                }
            }
            CaptureFormat::CryptofeedHttp => {
                for line in head.split(|&b| b == b'\n').filter(|l| contains(l, b"symbol=")) {
                    let tag = b"symbol=";
                    let i = line.windows(tag.len()).position(|w| w == tag).unwrap_or(0) + tag.len();
                    let sym: Vec<u8> =
                        line[i..].iter().copied().take_while(|b| b.is_ascii_alphanumeric()).collect();
                    if !sym.is_empty() {
                        out.insert(String::from_utf8_lossy(&sym).to_ascii_uppercase());
                    }
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// `btcusdt@depth@100ms…` → BTCUSDT.
fn add_stream(s: &[u8], out: &mut BTreeSet<String>) {
    let sym: Vec<u8> = s.iter().copied().take_while(|b| b.is_ascii_alphanumeric()).collect();
    if !sym.is_empty() && s.get(sym.len()) == Some(&b'@') {
        out.insert(String::from_utf8_lossy(&sym).to_ascii_uppercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sample_symbol() {
        let s = capture_symbols(&[crate::testdata::sample_capture()]).unwrap();
        assert_eq!(s, vec!["BTCUSDT".to_string()]);
    }

    #[test]
    fn finds_cryptofeed_symbols() {
        let Some(d) = crate::testdata::shared_data_dir() else {
            println!("skipped: ../shared/data not found");
            return;
        };
        let files = [d.join("cryptofeed/BINANCE.ws.1.0"), d.join("cryptofeed/BINANCE.http.0.0")];
        let s = capture_symbols(&files).unwrap();
        assert_eq!(s, ["BLZETH", "LRCBTC", "NKNUSDT", "RUNEEUR"].map(String::from).to_vec());
    }
}
