//! Issue 8, point 4: real sample lines edited to carry values Binance never sends (a negative or
//! zero trade quantity or price, a negative bookTicker quantity, a depth level at price 0 or below,
//! a negative snapshot level, a crossed snapshot) are refused, counted by reason, and nothing of
//! them reaches the feed's output; a refused depth update discards its book (a gap).
//!
//! Kinds are looked up by name so that this file also compiled before the kinds existed (the
//! "before" run of the closing note).

mod common;

use alphapulse_feeds::{sample_instruments, testdata, FeedOptions, MalformedKind, Replay, ReplaySink};
use alphapulse_types::{Depth, Msg, Price, Qty};

/// The messages emitted (a depth update as one header, its `at` indexing `levels`).
#[derive(Default)]
struct Keep {
    msgs: Vec<Msg>,
    levels: Vec<(Price, Qty)>,
}
impl ReplaySink for Keep {
    fn emit(&mut self, m: Msg) {
        self.msgs.push(m);
    }
    fn emit_depth(&mut self, mut d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        d.at = self.levels.len() as u32;
        self.levels.extend(bids.iter().chain(asks));
        self.msgs.push(Msg::Depth(d));
    }
}

/// Messages with a value the rules forbid: a price <= 0, a trade qty <= 0, a quote or level qty < 0
/// (a depth update with one such level is reported with that level).
fn forbidden((msgs, levels): &(Vec<Msg>, Vec<(Price, Qty)>)) -> Vec<String> {
    let bad_level = |&(p, q): &(Price, Qty)| p.raw() <= 0 || q.raw() < 0;
    let bad = |m: &Msg| match m {
        Msg::Quote(q) => {
            q.bid_px.raw() <= 0 || q.ask_px.raw() <= 0 || q.bid_qty.raw() < 0 || q.ask_qty.raw() < 0
        }
        Msg::Trade(t) => t.px.raw() <= 0 || t.qty.raw() <= 0,
        Msg::Depth(d) => levels[d.at as usize..d.at as usize + d.len()].iter().any(bad_level),
        _ => false,
    };
    msgs.iter().filter(|m| bad(m)).map(|m| format!("{m:?}")).collect()
}

type Out = (Vec<Msg>, Vec<(Price, Qty)>);

fn run(lines: &[Vec<u8>], tag: &str) -> (Replay, Out) {
    let path = common::write_capture(tag, "btcusdt_values.txt", lines);
    let mut r = Replay::open(&[path], &sample_instruments(), &FeedOptions::defaults()).unwrap();
    let mut k = Keep::default();
    while r.step(&mut k) {}
    (r, (k.msgs, k.levels))
}

/// Replace the first `from` after byte `after` of `line` by `to`.
fn edit(line: &[u8], after: &str, from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8(line.to_vec()).unwrap();
    let at = s.find(after).unwrap_or_else(|| panic!("{after} not in {s}"));
    let rel = s[at..].find(from).unwrap_or_else(|| panic!("{from} not after {after}"));
    let mut out = s.clone();
    out.replace_range(at + rel..at + rel + from.len(), to);
    out.into_bytes()
}

fn count_of(r: &Replay, name: &str) -> u64 {
    MalformedKind::ALL.iter().find(|k| k.name() == name).map_or(0, |k| r.stats().malformed_count(*k))
}

#[test]
fn frames_with_forbidden_values_are_refused_counted_and_never_emitted() {
    let lines = common::lines_of(&testdata::sample_capture());
    let (base, base_msgs) = run(&lines, "base");
    assert_eq!(base.stats().malformed_total(), 0);
    assert!(forbidden(&base_msgs).is_empty());
    let find = |pat: &str, from: usize| {
        (from..lines.len()).find(|&i| lines[i].windows(pat.len()).any(|w| w == pat.as_bytes())).unwrap()
    };
    let snap = find("lastUpdateId", 0);
    let tr = find("@trade\"", 1000);
    let bt = find("@bookTicker\"", 1000);
    let dp = find("@depth@100ms\"", 1000);
    let snap_line = String::from_utf8(lines[snap].clone()).unwrap();
    let first_bid = &snap_line[snap_line.find("\"bids\":[[\"").unwrap() + 10..][..14];
    // (what, line index, edited line, expected kind, a depth update: the book must be discarded)
    let cases: Vec<(&str, usize, Vec<u8>, &str, bool)> = vec![
        (
            "trade q = -0.5",
            tr,
            edit(&lines[tr], "\"q\":\"", "\"q\":\"", "\"q\":\"-0.5\",\"x\":\""),
            "bad_quantity",
            false,
        ),
        (
            "trade q = 0",
            tr,
            edit(&lines[tr], "\"q\":\"", "\"q\":\"", "\"q\":\"0\",\"x\":\""),
            "bad_quantity",
            false,
        ),
        (
            "trade p = 0",
            tr,
            edit(&lines[tr], "\"p\":\"", "\"p\":\"", "\"p\":\"0.00000000\",\"x\":\""),
            "bad_price",
            false,
        ),
        (
            "bookTicker B negative",
            bt,
            edit(&lines[bt], "\"B\":\"", "\"B\":\"", "\"B\":\"-"),
            "bad_quantity",
            false,
        ),
        (
            "bookTicker a = 0",
            bt,
            edit(&lines[bt], "\"a\":\"", "\"a\":\"", "\"a\":\"0\",\"x\":\""),
            "bad_price",
            false,
        ),
        (
            "depth bid price 0",
            dp,
            edit(&lines[dp], "\"b\":[[\"", "\"b\":[[\"", "\"b\":[[\"0\",\"1\"],[\""),
            "bad_price",
            true,
        ),
        (
            "depth ask price negative",
            dp,
            edit(&lines[dp], "\"a\":[[\"", "\"a\":[[\"", "\"a\":[[\"-"),
            "bad_price",
            true,
        ),
        (
            "depth level qty negative",
            dp,
            edit(&lines[dp], "\"a\":[[\"", "\",\"", "\",\"-"),
            "bad_quantity",
            true,
        ),
        (
            "snapshot bid qty negative",
            snap,
            edit(&lines[snap], "\"bids\":[[\"", "\",\"", "\",\"-"),
            "bad_quantity",
            false,
        ),
        (
            "snapshot ask price negative",
            snap,
            edit(&lines[snap], "\"asks\":[[\"", "\"asks\":[[\"", "\"asks\":[[\"-"),
            "bad_price",
            false,
        ),
        (
            "crossed snapshot (best ask = best bid)",
            snap,
            edit(
                &lines[snap],
                "\"asks\":[[\"",
                "\"asks\":[[\"",
                &format!("\"asks\":[[\"{first_bid}\",\"1\"],[\""),
            ),
            "crossed_snapshot",
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (what, at, line, kind, depth) in cases {
        let mut bad = lines.clone();
        bad[at] = line;
        let (r, msgs) = run(&bad, "edited");
        let s = r.stats();
        let forbid = forbidden(&msgs);
        let kinds: Vec<String> = MalformedKind::ALL
            .iter()
            .filter(|k| s.malformed_count(**k) > 0)
            .map(|k| {
                format!("{} {} (line {})", k.name(), s.malformed_count(*k), s.malformed_first(*k).unwrap().1)
            })
            .collect();
        println!(
            "{what} (line {}): malformed {} [{}], forbidden values emitted {}, gaps {}, snapshots applied {}, \
             events {} (unmodified {})",
            at + 1,
            s.malformed_total(),
            kinds.join(", "),
            forbid.len(),
            s.gaps,
            s.snapshots_applied,
            msgs.0.len(),
            base_msgs.0.len()
        );
        let ok = s.malformed_total() == 1
            && count_of(&r, kind) == 1
            && s.malformed_first(MalformedKind::ALL.into_iter().find(|k| k.name() == kind).unwrap())
                .map(|f| f.1)
                == Some(at as u64 + 1)
            && forbid.is_empty()
            && s.gaps == depth as u64
            && (at != snap || s.snapshots_applied == 0)
            && (at == snap || depth || msgs.0.len() == base_msgs.0.len() - 1);
        if !ok {
            failures.push(what);
        }
    }
    assert!(failures.is_empty(), "not refused as expected: {failures:?}");
}
