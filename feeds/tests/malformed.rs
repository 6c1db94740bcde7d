//! Malformed input is counted per kind with its first file and line, never a panic.

mod common;

use alphapulse_feeds::{sample_instruments, testdata, FeedOptions, MalformedKind as K, Replay, ReplaySink};
use alphapulse_types::{Depth, Msg, Price, Qty};
use proptest::prelude::*;

struct Count(u64);
impl ReplaySink for Count {
    fn emit(&mut self, _: Msg) {
        self.0 += 1;
    }
    fn emit_depth(&mut self, _: Depth, _: &[(Price, Qty)], _: &[(Price, Qty)]) {
        self.0 += 1;
    }
}

fn first_lines(n: usize) -> Vec<Vec<u8>> {
    common::lines_of(&testdata::sample_capture()).into_iter().take(n).collect()
}

fn replace(l: &[u8], from: &str, to: &str) -> Vec<u8> {
    String::from_utf8(l.to_vec()).unwrap().replacen(from, to, 1).into_bytes()
}

#[test]
fn each_kind_is_counted_with_its_first_line() {
    let good = first_lines(40);
    let bt = good.iter().find(|l| l.windows(10).any(|w| w == b"bookTicker")).unwrap().clone();
    let tr = good.iter().find(|l| l.windows(8).any(|w| w == b"@trade\",")).unwrap().clone();
    let mut lines = good.clone(); // lines 1..=40 are real
    lines.push(bt[..bt.len() / 2].to_vec()); // 41 truncated
    lines.push(b"\x01\x02garbage\xff\xfe".to_vec()); // 42 garbage
    lines.push(replace(&bt, "\"b\":\"", "\"b\":\"6x")); // 43 bad number
    lines.push(replace(&tr, "\"p\":", "\"P\":")); // 44 missing field
    let mut bad_utf8 = bt.clone();
    let at = bad_utf8.iter().position(|&b| b == b'B').unwrap();
    bad_utf8[at] = 0xff;
    lines.push(bad_utf8); // 45 invalid utf8 inside the JSON
    lines.push(replace(&bt, "@bookTicker", "@depth20")); // 46 unknown stream
    lines.push(replace(&bt, "{\"u\"", "{,\"u\"")); // 47 bad json
    lines.push(b"1723161254087891268".to_vec()); // 48 a timestamp only
    lines.push(replace(&tr, "\"t\":", "\"t\":-")); // 49 bad number (negative id)
    lines.push(replace(&bt, "\"BTCUSDT\"", "\"XRPUSDT\"")); // 50 unknown symbol (not malformed)
    lines.extend(good.iter().take(3).cloned()); // 51.. real again
    let path = common::write_capture("malformed", "btcusdt_bad.txt", &lines);
    let table = sample_instruments();
    let mut r = Replay::open(std::slice::from_ref(&path), &table, &FeedOptions::defaults()).unwrap();
    let mut c = Count(0);
    while r.step(&mut c) {}
    let s = r.stats();
    for k in K::ALL {
        if let Some((f, line)) = s.malformed_first(k) {
            println!("{:>18}: {} (first {}:{line})", k.name(), s.malformed_count(k), f.display());
        }
    }
    let first = |k| s.malformed_first(k).map(|(_, l)| l);
    assert_eq!(first(K::TruncatedLine), Some(41));
    assert_eq!(first(K::Garbage), Some(42));
    assert_eq!(first(K::BadNumber), Some(43));
    assert_eq!(first(K::MissingField), Some(44));
    assert_eq!(first(K::UnknownStream), Some(46));
    assert_eq!(first(K::BadJson), Some(47));
    assert_eq!(s.malformed_count(K::Garbage), 2); // 42 and 45
    assert_eq!(s.malformed_count(K::TruncatedLine), 2); // 41 and 48
    assert_eq!(s.malformed_count(K::BadNumber), 2); // 43 and 49
    assert_eq!(s.malformed_count(K::MissingField), 1);
    assert_eq!(s.malformed_total(), 9);
    assert_eq!(s.malformed_first(K::Garbage).unwrap().0, path.as_path());
    assert_eq!(s.unknown_symbols, 1);
    assert_eq!(s.frames, 53);
    assert!(c.0 > 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random byte mutations of real lines: never a panic, and every frame line is either parsed
    /// (counted by kind) or counted as malformed.
    #[test]
    fn random_mutations_never_panic(muts in prop::collection::vec((0usize..200, 0usize..4000, any::<u8>()), 1..40)) {
        let mut lines = first_lines(200);
        for (li, pos, byte) in muts {
            let l = &mut lines[li];
            if l.is_empty() {
                continue; // an earlier mutation cut this line to nothing
            }
            let p = pos % l.len();
            if byte % 7 == 0 { l.truncate(p) } else { l[p] = byte }
        }
        lines.retain(|l| !l.is_empty());
        let path = common::write_capture("prop", "btcusdt_prop.txt", &lines);
        let table = sample_instruments();
        if let Ok(mut r) = Replay::open(&[path], &table, &FeedOptions::defaults()) {
            let mut c = Count(0);
            while r.step(&mut c) {}
            let s = r.stats();
            let parsed: u64 = s.by_kind.iter().sum();
            let both = s.malformed_count(K::UnknownStream); // counted as `other` and as malformed
            prop_assert_eq!(s.frames, parsed + s.malformed_total() - both - s.malformed_count(K::Io));
            prop_assert_eq!(s.malformed_count(K::Io), 0);
        }
    }
}
