//! Unit tests of the scanner: each accepted shape against the tape path, and the "not mine" cases.

use super::scan;
use crate::parse::{Frame, Parser};
use crate::stats::FrameKind;
use crate::{sample_instruments, SymbolMap};
use alphapulse_types::{Price, Qty};

const SPOT_DEPTH: &str = r#"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255408,"s":"BTCUSDT","U":50093239208,"u":50093239224,"b":[["61837.63000000","3.78826000"],["61820.99000000","0.00000000"]],"a":[["61837.64000000","1.60520000"]]}}"#;
const SPOT_BT: &str = r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#;
const SPOT_TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#;
const USDM_DEPTH: &str = r#"{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"]],"a":[]}}"#;
const USDM_BT: &str = r#"{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}"#;
const USDM_TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}"#;
const AGG: &str = r#"{"stream":"nknusdt@aggTrade","data":{"e":"aggTrade","E":1633998523963,"s":"NKNUSDT","a":15683430,"p":"0.35250000","q":"100.00000000","f":1,"l":2,"T":1633998523962,"m":false,"M":true}}"#;

/// Parse `json` with the fast path on and off: (scanner took it, fast result, tape result).
fn both(json: &str, cap: usize) -> (bool, Result<FrameKind, crate::MalformedKind>, Frame, Frame) {
    let table = sample_instruments();
    let mut symbols = SymbolMap::new(&table);
    let mut fast = Parser::new(1 << 16, cap);
    let mut tape = Parser::new(1 << 16, cap);
    tape.set_fast_path(false);
    let rf = fast.parse(&mut json.as_bytes().to_vec(), None, &mut symbols);
    let rt = tape.parse(&mut json.as_bytes().to_vec(), None, &mut symbols);
    assert_eq!(rf, rt, "{json}");
    if rt.is_ok() {
        assert_eq!(fast.frame, tape.frame, "{json}");
    }
    (fast.path_counts().fast == 1, rt, fast.frame, tape.frame)
}

fn taken(json: &str) -> bool {
    both(json, 64).0
}

#[test]
fn every_shape_is_taken_and_matches_the_tape_path() {
    for (json, kind) in [
        (SPOT_DEPTH, FrameKind::Depth),
        (SPOT_BT, FrameKind::BookTicker),
        (SPOT_TRADE, FrameKind::Trade),
        (USDM_DEPTH, FrameKind::Depth),
        (USDM_BT, FrameKind::BookTicker),
        (USDM_TRADE, FrameKind::Trade),
        (AGG, FrameKind::AggTrade),
    ] {
        let (took, r, f, _) = both(json, 64);
        assert!(took, "{json}");
        assert_eq!(r, Ok(kind));
        assert!(f.inst.is_some());
    }
    let (_, _, f, _) = both(USDM_DEPTH, 64);
    assert_eq!(f.prev_id, Some(5123107831937));
    assert_eq!(f.exch_ts, 1723161256299 * 1_000_000);
    assert_eq!(f.bids, vec![(Price::parse(b"58710.20").unwrap(), Qty::parse(b"0.014").unwrap())]);
    assert!(f.asks.is_empty());
    let (_, _, f, _) = both(SPOT_BT, 64);
    assert_eq!((f.exch_ts, f.last_id), (0, 50093239212));
}

#[test]
fn bare_events_whitespace_and_key_order() {
    let bare = r#"{"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"1.5","q":"2","m":false}"#;
    assert!(taken(bare));
    assert!(taken(r#"{"u":5,"s":"ETHUSDT","b":"1","B":"2","a":"3","A":"4"}"#));
    assert!(taken(
        r#" { "s" : "BTCUSDT" ,	"m":true,"t":7,"q":"2","p":"1.5","e":"trade" }
 "#
    ));
    assert!(taken(
        r#"{"data":{"s":"BTCUSDT","A":"4","a":"3","B":"2","b":"1","u":5},"stream":"btcusdt@bookTicker"}"#
    ));
    // The stream decides the kind and, without `s`, the symbol; `e` is not read.
    let (took, r, f, _) =
        both(r#"{"stream":"ethusdt@trade","data":{"e":"x","t":1,"p":"1","q":"1","m":true}}"#, 8);
    assert!(took);
    assert_eq!(r, Ok(FrameKind::Trade));
    assert_eq!(f.inst, sample_instruments().id_of("ETHUSDT").ok());
    // Unknown symbol: taken, no instrument.
    let (took, _, f, _) = both(&SPOT_TRADE.replace("BTCUSDT", "XYZUSDT"), 8);
    assert!(took && f.inst.is_none());
}

#[test]
fn integers_up_to_nineteen_digits_read_as_the_tape_reads_them() {
    for t in ["0", "9223372036854775807", "9223372036854775808", "9999999999999999999"] {
        let json = SPOT_TRADE.replace("3735683259", t);
        let (took, r, f, _) = both(&json, 8);
        assert!(took && r == Ok(FrameKind::Trade), "{json}");
        assert_eq!(f.trade_id, t.parse::<u64>().unwrap());
    }
    // `E` in ns overflows u64: the tape path says BadNumber, so the scanner must decline.
    let json = SPOT_TRADE.replace("1723161255343", "9999999999999999999");
    assert!(!both(&json, 8).0);
    assert_eq!(both(&json, 8).1, Err(crate::MalformedKind::BadNumber));
}

#[test]
fn level_cap_drops_and_counts() {
    let (took, _, f, _) = both(SPOT_DEPTH, 1);
    assert!(took);
    assert_eq!((f.bids.len(), f.asks.len(), f.dropped_levels), (1, 1, 1));
}

#[test]
fn not_mine_falls_back() {
    let cases = [
        r#"{"lastUpdateId":1,"bids":[],"asks":[]}"#.to_string(),
        r#"{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":1}}}"#.into(),
        r#"{"result":null,"id":1}"#.into(),
        r#"{}"#.into(),
        SPOT_TRADE.replace("\"M\":true", "\"M\":{}"),
        SPOT_TRADE.replace("\"M\":true", "\"M\":[1]"),
        SPOT_TRADE.replace("BTCUSDT", "BTC\\u0055SDT"),
        SPOT_TRADE.replace("3735683259", "03735683259"),
        SPOT_TRADE.replace("3735683259", "3735683259.0"),
        SPOT_TRADE.replace("3735683259", "-1"),
        SPOT_TRADE.replace("1723161255342", "17231612553420000000000"),
        SPOT_TRADE.replace("\"t\":3735683259", "\"t\":1,\"t\":3735683259"),
        SPOT_TRADE.replace("\"m\":true", "\"m\":1"),
        SPOT_TRADE.replace("\"m\":true", "\"m\":tru"),
        SPOT_TRADE.replace("61837.63000000", "61837.63.0"),
        SPOT_TRADE.replace("61837.63000000", "1.000000001"),
        SPOT_TRADE.replace("btcusdt@trade", "btcusdt@depth5"),
        SPOT_TRADE.replace("}}", "}},"),
        SPOT_TRADE.replace("}}", "}}}"),
        SPOT_TRADE[..SPOT_TRADE.len() - 1].to_string(),
        SPOT_DEPTH.replace("\"b\":[[", "\"b\":[[\"1\"],["),
        SPOT_DEPTH.replace("\"U\"", "\"bids\":[],\"U\""),
        r#"{"u":5,"b":"1","B":"2","a":"3","A":"4"}"#.into(),
        SPOT_BT.replace("61837.63000000", "é"),
    ];
    for json in &cases {
        assert!(!taken(json), "{json}");
    }
}

#[test]
fn scan_alone_leaves_malformed_alone() {
    let table = sample_instruments();
    let mut symbols = SymbolMap::new(&table);
    let mut f = Parser::new(1024, 8).frame;
    assert_eq!(scan(b"", &mut symbols, &mut f), None);
    assert_eq!(scan(b"{\"e\":", &mut symbols, &mut f), None);
    assert_eq!(scan(SPOT_BT.as_bytes(), &mut symbols, &mut f), Some(FrameKind::BookTicker));
}

#[test]
fn the_spot_templates_take_binance_lines_as_written() {
    let table = sample_instruments();
    let mut symbols = SymbolMap::new(&table);
    for (json, kind) in
        [(SPOT_DEPTH, FrameKind::Depth), (SPOT_BT, FrameKind::BookTicker), (SPOT_TRADE, FrameKind::Trade)]
    {
        let mut f = Parser::new(1 << 16, 64).frame;
        assert_eq!(super::template::spot(json.as_bytes(), &mut symbols, &mut f), Some(kind), "{json}");
    }
    // Other shapes go to the general scanner (which takes them).
    for json in [USDM_DEPTH, USDM_BT, USDM_TRADE, AGG] {
        let mut f = Parser::new(1 << 16, 64).frame;
        assert_eq!(super::template::spot(json.as_bytes(), &mut symbols, &mut f), None, "{json}");
    }
}
