//! The fast-path scanner against the simd-json tape path (the reference): every real line parses to
//! the same result and frame with the fast path on and off, the scanner takes (almost) every
//! depth/bookTicker/trade line, and on mutated real lines whatever the scanner accepts the tape
//! path accepts identically.

mod common;

use alphapulse_feeds::parse::Parser;
use alphapulse_feeds::{
    sample_instruments, testdata, FrameKind, MalformedKind, MalformedKind as K, SymbolMap,
};
use alphapulse_types::InstrumentTable;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::{Cell, RefCell};
use std::path::Path;

/// The JSON of each frame line of a capture: binance (`<ns> <json>`, gzip) or cryptofeed ws
/// (`<secs>: <json>`, plain; the header and our own sent lines are not frames).
fn frames_of(path: &Path) -> Vec<Vec<u8>> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with("BINANCE.ws") {
        let text = std::fs::read(path).unwrap();
        let lines = text.split(|&b| b == b'\n').skip(1).filter(|l| l.first().is_some_and(u8::is_ascii_digit));
        lines.filter_map(|l| l.windows(2).position(|w| w == b": ").map(|i| l[i + 2..].to_vec())).collect()
    } else {
        let lines = common::lines_of(path).into_iter();
        lines.filter_map(|l| l.iter().position(|&b| b == b' ').map(|i| l[i + 1..].to_vec())).collect()
    }
}

/// One fast-path parser and one reference parser.
struct Pair {
    fast: Parser,
    tape: Parser,
    symbols: SymbolMap,
    buf: Vec<u8>,
}

impl Pair {
    fn new(table: &InstrumentTable, level_cap: usize) -> Self {
        let mut tape = Parser::new(1 << 20, level_cap);
        tape.set_fast_path(false);
        assert!(!tape.fast_path());
        let fast = Parser::new(1 << 20, level_cap);
        assert!(fast.fast_path());
        Pair { fast, tape, symbols: SymbolMap::new(table), buf: Vec::new() }
    }

    /// Parse `json` both ways: (the scanner took it, the result), after checking they agree.
    fn check(&mut self, json: &[u8]) -> Result<(bool, Result<FrameKind, MalformedKind>), String> {
        let before = self.fast.path_counts().fast;
        self.buf.clear();
        self.buf.extend_from_slice(json);
        let rf = self.fast.parse(&mut self.buf, None, &mut self.symbols);
        let took = self.fast.path_counts().fast > before;
        self.buf.clear();
        self.buf.extend_from_slice(json);
        let rt = self.tape.parse(&mut self.buf, None, &mut self.symbols);
        let line = String::from_utf8_lossy(json);
        if rf != rt {
            return Err(format!("results differ (took {took}): {rf:?} vs {rt:?} on {line}"));
        }
        if took && rt.is_err() {
            return Err(format!("the scanner took a line the tape path rejects ({rt:?}): {line}"));
        }
        if rt.is_ok() && self.fast.frame != self.tape.frame {
            return Err(format!("frames differ on {line}:\n{:?}\n{:?}", self.fast.frame, self.tape.frame));
        }
        Ok((took, rt))
    }
}

/// Lines taken / fallen back, and per kind (by the reference result) taken / total.
fn differential(path: &Path, table: &InstrumentTable) {
    let mut pair = Pair::new(table, 5000);
    let (mut taken, mut back) = (0u64, 0u64);
    let mut by_kind = [(0u64, 0u64); FrameKind::COUNT];
    for json in frames_of(path) {
        let (took, r) = pair.check(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if took {
            taken += 1;
        } else {
            back += 1;
        }
        if let Ok(k) = r {
            by_kind[k as usize].0 += took as u64;
            by_kind[k as usize].1 += 1;
        }
    }
    let kinds: Vec<String> = FrameKind::ALL
        .iter()
        .filter(|k| by_kind[**k as usize].1 > 0)
        .map(|k| format!("{} {}/{}", k.name(), by_kind[*k as usize].0, by_kind[*k as usize].1))
        .collect();
    println!("{}: taken {taken}, fell back {back} | {}", path.display(), kinds.join(", "));
    assert!(taken > 0);
    for k in [FrameKind::Depth, FrameKind::BookTicker, FrameKind::Trade, FrameKind::AggTrade] {
        let (t, n) = by_kind[k as usize];
        assert!(t * 100 >= n * 99, "{}: the scanner took {t} of {n} {} lines", path.display(), k.name());
    }
}

#[test]
fn sample_capture_fast_equals_tape() {
    differential(&testdata::sample_capture(), &sample_instruments());
}

#[test]
fn shared_captures_fast_equals_tape() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let table = sample_instruments();
    for dir in ["binance-spot", "binance-usdm"] {
        let Ok(entries) = std::fs::read_dir(d.join(dir)) else {
            println!("skipped: {dir} not found");
            continue;
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "gz"))
            .collect();
        files.sort();
        for f in files {
            differential(&f, &table);
        }
    }
    let ws = d.join("cryptofeed/BINANCE.ws.1.0");
    if ws.is_file() {
        differential(&ws, &table);
    } else {
        println!("skipped: {} not found", ws.display());
    }
}

/// A few hundred real lines of every kind the sample carries.
fn seed_lines() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut seen = [0usize; FrameKind::COUNT];
    let table = sample_instruments();
    let mut pair = Pair::new(&table, 5000);
    for json in frames_of(&testdata::sample_capture()) {
        if let Ok((_, Ok(k))) = pair.check(&json) {
            if seen[k as usize] < 150 && json.len() < 4000 {
                seen[k as usize] += 1;
                out.push(json);
            }
        }
    }
    out.push(
        br#"{"e":"aggTrade","E":1,"s":"BTCUSDT","a":15,"p":"0.35","q":"100.0","f":1,"l":2,"T":1,"m":false}"#
            .to_vec(),
    );
    out.push(br#"{"u":5,"s":"ETHUSDT","b":"1.5","B":"2","a":"3","A":"4"}"#.to_vec());
    out
}

/// Byte ranges of the members of the innermost event object (`data` if any, else the top level).
fn members(line: &[u8]) -> (usize, Vec<(usize, usize)>) {
    let tag = br#""data":{"#;
    let open = line.windows(tag.len()).position(|w| w == tag).map_or(0, |i| i + tag.len() - 1);
    let (mut depth, mut in_str, mut start) = (0i32, false, open + 1);
    let mut out = Vec::new();
    for (i, &c) in line.iter().enumerate().skip(open) {
        match c {
            b'"' => in_str = !in_str,
            _ if in_str => {}
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    out.push((start, i));
                    return (open, out);
                }
            }
            b',' if depth == 1 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    (open, out)
}

#[derive(Clone, Debug)]
enum Mutation {
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    /// Rotate the event's members by some places.
    Rotate(usize),
    /// Copy one member after another one.
    Duplicate(prop::sample::Index, prop::sample::Index),
    Whitespace(prop::sample::Index, u8),
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![prop::sample::select(b"\"{}[],:0123456789.-+eE \t\\tfnulx@".to_vec()), any::<u8>(),]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use prop::sample::Index;
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        (1usize..12).prop_map(Mutation::Rotate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        (any::<Index>(), prop::sample::select(b" \t\r\n\x0b\x0c".to_vec()))
            .prop_map(|(i, b)| Mutation::Whitespace(i, b)),
    ]
}

fn apply(line: &mut Vec<u8>, m: &Mutation) {
    if line.is_empty() {
        return;
    }
    match m {
        Mutation::Truncate(i) => line.truncate(i.index(line.len())),
        Mutation::Flip(i, b) => {
            let i = i.index(line.len());
            line[i] = *b;
        }
        Mutation::Insert(i, b) | Mutation::Whitespace(i, b) => line.insert(i.index(line.len() + 1), *b),
        Mutation::Delete(i) => {
            line.remove(i.index(line.len()));
        }
        Mutation::Rotate(k) => {
            let (_, ms) = members(line);
            if ms.len() < 2 {
                return;
            }
            let (lo, hi) = (ms[0].0, ms[ms.len() - 1].1);
            let mut parts: Vec<Vec<u8>> = ms.iter().map(|&(s, e)| line[s..e].to_vec()).collect();
            let n = parts.len();
            parts.rotate_left(k % n);
            line.splice(lo..hi, parts.join(&b","[..]));
        }
        Mutation::Duplicate(a, b) => {
            let (_, ms) = members(line);
            if ms.is_empty() {
                return;
            }
            let (s, e) = ms[a.index(ms.len())];
            let copy = line[s..e].to_vec();
            let at = ms[b.index(ms.len())].1;
            let mut ins = vec![b','];
            ins.extend_from_slice(&copy);
            line.splice(at..at, ins);
        }
    }
}

#[test]
fn mutated_lines_accepted_by_the_scanner_match_the_tape_path() {
    let lines = seed_lines();
    let table = sample_instruments();
    let pair = RefCell::new(Pair::new(&table, 64));
    let (taken, total) = (Cell::new(0u64), Cell::new(0u64));
    let mut runner = TestRunner::new(Config { cases: 8000, failure_persistence: None, ..Config::default() });
    let strategy = (prop::sample::select(lines), prop::collection::vec(mutation(), 1..4));
    runner
        .run(&strategy, |(line, muts)| {
            let mut l = line;
            for m in &muts {
                apply(&mut l, m);
            }
            let (took, _) = pair.borrow_mut().check(&l).map_err(TestCaseError::fail)?;
            total.set(total.get() + 1);
            taken.set(taken.get() + took as u64);
            Ok(())
        })
        .unwrap();
    let (taken, total) = (taken.get(), total.get());
    println!("mutated lines: {total} checked, {taken} taken by the scanner (identical to the tape path)");
    assert!(taken > 0 && taken < total);
}

#[test]
fn reordered_and_spaced_real_lines_are_still_taken() {
    let table = sample_instruments();
    let mut pair = Pair::new(&table, 5000);
    let mut n = 0;
    for line in seed_lines() {
        let (took, r) = pair.check(&line).unwrap();
        if !took || r == Ok(FrameKind::Snapshot) {
            continue;
        }
        for k in 1..4 {
            let mut l = line.clone();
            apply(&mut l, &Mutation::Rotate(k));
            let spaced: Vec<u8> =
                l.iter().flat_map(|&b| if b == b',' { vec![b',', b' '] } else { vec![b] }).collect();
            for variant in [l, spaced] {
                let (took, r2) = pair.check(&variant).unwrap();
                assert!(took, "{}", String::from_utf8_lossy(&variant));
                assert_eq!(r2, r);
                n += 1;
            }
        }
    }
    println!("reordered/spaced variants taken: {n}");
    assert!(n > 100);
}

/// Issue 8, point 4: frames with values Binance never sends are refused by both paths with the same
/// reason, and never taken by the scanner.
#[test]
fn forbidden_values_are_refused_alike_by_both_paths() {
    let table = sample_instruments();
    let mut pair = Pair::new(&table, 5000);
    let lines = seed_lines();
    let of = |pat: &str| {
        let l = lines.iter().find(|l| l.windows(pat.len()).any(|w| w == pat.as_bytes())).unwrap();
        String::from_utf8(l.clone()).unwrap()
    };
    let (tr, bt, dp) = (of("@trade\""), of("@bookTicker\""), of("@depth@100ms\""));
    let snap = frames_of(&testdata::sample_capture()).into_iter().find(|l| l.starts_with(b"{\"lastUpdateId"));
    let snap = String::from_utf8(snap.unwrap()).unwrap();
    let agg = of("aggTrade");
    let first_bid = snap[snap.find("\"bids\":[[\"").unwrap() + 10..].split('"').next().unwrap().to_string();
    let cases = [
        (tr.replacen("\"q\":\"", "\"q\":\"-", 1), K::BadQuantity),
        (tr.replacen("\"q\":\"", "\"q\":\"0\",\"x\":\"", 1), K::BadQuantity),
        (tr.replacen("\"p\":\"", "\"p\":\"0\",\"x\":\"", 1), K::BadPrice),
        (tr.replacen("\"p\":\"", "\"p\":\"-", 1), K::BadPrice),
        (agg.replacen("\"q\":\"", "\"q\":\"-", 1), K::BadQuantity),
        (agg.replacen("\"p\":\"", "\"p\":\"0.0\",\"x\":\"", 1), K::BadPrice),
        (bt.replacen("\"B\":\"", "\"B\":\"-", 1), K::BadQuantity),
        (bt.replacen("\"A\":\"", "\"A\":\"-", 1), K::BadQuantity),
        (bt.replacen("\"b\":\"", "\"b\":\"-", 1), K::BadPrice),
        (bt.replacen("\"a\":\"", "\"a\":\"0.00\",\"x\":\"", 1), K::BadPrice),
        (dp.replacen("\"b\":[[\"", "\"b\":[[\"0\",\"1\"],[\"", 1), K::BadPrice),
        (dp.replacen("\"a\":[[\"", "\"a\":[[\"-", 1), K::BadPrice),
        (dp.replacen("\"a\":[[\"", "\"a\":[[\"1\",\"-1\"],[\"", 1), K::BadQuantity),
        (dp.replacen("\"E\":", "\"E\":0,\"x\":", 1), K::BadTimestamp),
        (tr.replacen("\"T\":", "\"T\":0,\"x\":", 1), K::BadTimestamp),
        (snap.replacen("\"bids\":[[\"", "\"bids\":[[\"-", 1), K::BadPrice),
        (snap.replacen("\"asks\":[[\"", "\"asks\":[[\"1\",\"-2\"],[\"", 1), K::BadQuantity),
        (
            snap.replacen("\"asks\":[[\"", &format!("\"asks\":[[\"{first_bid}\",\"1\"],[\""), 1),
            K::CrossedSnapshot,
        ),
    ];
    for (line, want) in cases {
        let (took, r) = pair.check(line.as_bytes()).unwrap();
        assert_eq!((took, r), (false, Err(want)), "{line}");
    }
    // Quantity 0 deletes a level (valid); a crossed snapshot side with quantity 0 is no level.
    let zero_level = dp.replacen("\"a\":[[\"", "\"a\":[[\"1\",\"0\"],[\"", 1);
    assert_eq!(pair.check(zero_level.as_bytes()).unwrap(), (true, Ok(FrameKind::Depth)));
    let zero_cross = snap.replacen("\"asks\":[[\"", &format!("\"asks\":[[\"{first_bid}\",\"0\"],[\""), 1);
    assert_eq!(pair.check(zero_cross.as_bytes()).unwrap().1, Ok(FrameKind::Snapshot));
}
