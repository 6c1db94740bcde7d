//! A minimal test-only reader of the raw Binance captures (`<local_ns> <frame>` per gzip line):
//! `bookTicker` → `Msg::Quote`, `trade` → `Msg::Trade`, by plain string search. Not a feed handler.
#![allow(dead_code)]

use alphapulse_types::{InstrumentId, Msg, Price, Qty, Quote, Side, Trade};
use flate2::read::GzDecoder;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

/// `$ALPHAPULSE_SHARED_DATA`, else `<workspace>/../shared/data`.
pub fn shared_data() -> PathBuf {
    match std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
    }
}

/// The string value of `"key":"value"` in `s`.
fn str_field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":\"");
    let start = s.find(&pat)? + pat.len();
    let len = s[start..].find('"')?;
    Some(&s[start..start + len])
}

/// The raw (unquoted) value of `"key":value` in `s`.
fn raw_field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let start = s.find(&pat)? + pat.len();
    let len = s[start..].find([',', '}'])?;
    Some(&s[start..start + len])
}

fn px(s: &str, k: &str) -> Option<Price> {
    Price::parse(str_field(s, k)?.as_bytes()).ok()
}
fn qty(s: &str, k: &str) -> Option<Qty> {
    Qty::parse(str_field(s, k)?.as_bytes()).ok()
}

/// Parse one capture line into a market message (`None` for other streams).
pub fn parse_line(line: &str, inst: InstrumentId) -> Option<Msg> {
    let (ts, frame) = line.split_once(' ')?;
    let ts: u64 = ts.parse().ok()?;
    let data = &frame[frame.find("\"data\":")?..];
    if frame.contains("@bookTicker\"") {
        return Some(Msg::Quote(Quote {
            inst,
            bid_px: px(data, "b")?,
            bid_qty: qty(data, "B")?,
            ask_px: px(data, "a")?,
            ask_qty: qty(data, "A")?,
            exch_ts: ts,
            local_ts: ts,
            ..Quote::default()
        }));
    }
    if frame.contains("@trade\"") {
        let buyer_maker = raw_field(data, "m")? == "true";
        let exch_ms: u64 = raw_field(data, "T")?.parse().ok()?;
        return Some(Msg::Trade(Trade {
            inst,
            aggressor: if buyer_maker { Side::Sell } else { Side::Buy },
            px: px(data, "p")?,
            qty: qty(data, "q")?,
            trade_id: raw_field(data, "t")?.parse().ok()?,
            exch_ts: exch_ms * 1_000_000,
            local_ts: ts,
            ..Trade::default()
        }));
    }
    None
}

/// Every Quote and Trade of a capture file, in file order.
pub fn read(path: &std::path::Path, inst: InstrumentId) -> std::io::Result<Vec<Msg>> {
    let r = BufReader::new(GzDecoder::new(std::fs::File::open(path)?));
    let mut out = Vec::new();
    for line in r.lines() {
        if let Some(m) = parse_line(&line?, inst) {
            out.push(m);
        }
    }
    Ok(out)
}
