//! Issue 8, point 2 at the feed: exchange times against the receive time, a refused depth update,
//! and the cryptofeed format (seconds prefix, two sources merged by time).

mod common;

use alphapulse_feeds::{sample_instruments, testdata, FeedOptions, MalformedKind as K, Replay, ReplaySink};
use alphapulse_types::{Depth, Msg, Price, Qty};
use std::path::PathBuf;

#[derive(Default)]
struct Keep(Vec<Msg>);
impl ReplaySink for Keep {
    fn emit(&mut self, m: Msg) {
        self.0.push(m);
    }
    /// A depth update counts as one message (its header: the times checked here).
    fn emit_depth(&mut self, d: Depth, _: &[(Price, Qty)], _: &[(Price, Qty)]) {
        self.0.push(Msg::Depth(d));
    }
}

fn run(files: &[PathBuf]) -> (Replay, Vec<Msg>) {
    let mut r = Replay::open(files, &sample_instruments(), &FeedOptions::defaults()).unwrap();
    let mut k = Keep::default();
    while r.step(&mut k) {}
    (r, k.0)
}

fn replace(l: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8(l.to_vec()).unwrap();
    assert!(s.contains(from), "{from} not in {s}");
    s.replacen(from, to, 1).into_bytes()
}

/// The `"E":<ms>` value of a line.
fn e_of(l: &[u8]) -> String {
    let s = String::from_utf8(l.to_vec()).unwrap();
    let at = s.find("\"E\":").unwrap() + 4;
    s[at..].chars().take_while(char::is_ascii_digit).collect()
}

#[test]
fn exchange_times_far_from_the_receive_time_and_refused_depth_updates() {
    let lines = common::lines_of(&testdata::sample_capture());
    let (_, base) = run(&[common::write_capture("ts-base", "btcusdt_ts.txt", &lines)]);
    let find = |pat: &str| {
        (1000..lines.len()).find(|&i| lines[i].windows(pat.len()).any(|w| w == pat.as_bytes())).unwrap()
    };
    let tr = find("@trade\"");
    let dp = find("@depth@100ms\"");
    let e = e_of(&lines[tr]);
    let day_ahead = (e.parse::<u64>().unwrap() + 86_400_000).to_string();
    let sp = lines[dp].iter().position(|&b| b == b' ').unwrap();
    let cases: Vec<(&str, usize, Vec<u8>, u64)> = vec![
        (
            "trade E a day ahead",
            tr,
            replace(&lines[tr], &format!("\"E\":{e}"), &format!("\"E\":{day_ahead}")),
            0,
        ),
        ("trade E = 0", tr, replace(&lines[tr], &format!("\"E\":{e}"), "\"E\":0"), 0),
        ("trade T = 1", tr, replace(&lines[tr], "\"T\":", "\"T\":1,\"x\":"), 0),
        ("depth receive time u64::MAX", dp, [u64::MAX.to_string().as_bytes(), &lines[dp][sp..]].concat(), 1),
    ];
    let mut failures = Vec::new();
    for (what, at, line, gaps) in cases {
        let mut bad = lines.clone();
        bad[at] = line;
        let (r, msgs) = run(&[common::write_capture("ts-bad", "btcusdt_ts.txt", &bad)]);
        let s = r.stats();
        println!(
            "{what} (line {}): malformed {} (bad_timestamp {}, first line {:?}), gaps {gaps}, events {} (unmodified {})",
            at + 1,
            s.malformed_total(),
            s.malformed_count(K::BadTimestamp),
            s.malformed_first(K::BadTimestamp).map(|f| f.1),
            msgs.len(),
            base.len()
        );
        let ok = s.malformed_total() == 1
            && s.malformed_first(K::BadTimestamp).map(|f| f.1) == Some(at as u64 + 1)
            && s.gaps == gaps
            && (gaps > 0 || msgs.len() == base.len() - 1)
            && msgs.iter().all(|m| m.event_ts() < 1_800_000_000_000_000_000);
        if !ok {
            failures.push(what);
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn cryptofeed_lines_with_absurd_times_are_refused_and_the_merge_goes_on() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let (ws, http) = (d.join("cryptofeed/BINANCE.ws.1.0"), d.join("cryptofeed/BINANCE.http.0.0"));
    if !ws.is_file() || !http.is_file() {
        println!("skipped: cryptofeed captures not found");
        return;
    }
    let read = |p: &PathBuf| -> Vec<Vec<u8>> {
        std::fs::read(p)
            .unwrap()
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    };
    let (ws_lines, http_lines) = (read(&ws), read(&http));
    let (base_r, base) = run(&[ws.clone(), http.clone()]);
    let base_malformed = base_r.stats().malformed_total();
    // A bookTicker frame of the ws file (receive time first) and the last snapshot of the http file
    // (`<url> -> <secs>: …`), each given an absurd time.
    let bt = (10..ws_lines.len()).find(|&i| ws_lines[i].windows(11).any(|w| w == b"@bookTicker")).unwrap();
    let c = ws_lines[bt].windows(2).position(|w| w == b": ").unwrap();
    for (what, ts) in [("2100-01-01", "4102444800.0"), ("0", "0.0"), ("an hour ahead", "1633998512.0")] {
        let mut w = ws_lines.clone();
        let orig: f64 = std::str::from_utf8(&ws_lines[bt][..c]).unwrap().parse().unwrap();
        let ts = if what == "an hour ahead" { format!("{:.6}", orig + 3600.0) } else { ts.to_string() };
        w[bt] = [ts.as_bytes(), &ws_lines[bt][c..]].concat();
        let mut h = http_lines.clone();
        let last = h.len() - 1;
        let arrow = h[last].windows(4).position(|x| x == b" -> ").unwrap() + 4;
        let colon = arrow + h[last][arrow..].windows(2).position(|x| x == b": ").unwrap();
        h[last] = [&h[last][..arrow], ts.as_bytes(), &h[last][colon..]].concat();
        let dir = common::write_capture("cf", "BINANCE.ws.1.0", &w).parent().unwrap().to_path_buf();
        let hp = dir.join("BINANCE.http.0.0");
        std::fs::write(&hp, h.join(&b'\n')).unwrap();
        let (r, msgs) = run(&[dir.join("BINANCE.ws.1.0"), hp]);
        let s = r.stats();
        println!(
            "cryptofeed, ws line {} and the last http snapshot at {what}: bad_timestamp {} (first line {:?}), \
             other malformed {} (unmodified {base_malformed}), events {} (unmodified {})",
            bt + 1,
            s.malformed_count(K::BadTimestamp),
            s.malformed_first(K::BadTimestamp).map(|f| f.1),
            s.malformed_total() - s.malformed_count(K::BadTimestamp),
            msgs.len(),
            base.len()
        );
        assert_eq!(s.malformed_count(K::BadTimestamp), 2, "{what}");
        assert_eq!(s.malformed_total() - 2, base_malformed, "{what}");
        assert!(msgs.iter().all(|m| m.event_ts() < 1_700_000_000_000_000_000), "{what}: a clock moved");
        assert!(msgs.len() < base.len() && msgs.len() + 2000 > base.len(), "{what}");
    }
}
