//! Issue 8, point 2: one line of the real sample whose receive time is absurd (far future, `u64::MAX`,
//! 0, an hour ahead, a minute back) must not move the actors' clocks: the chain trades exactly as on
//! the unmodified sample, and the line is one malformed `bad_timestamp` line.

use alphapulse_tools::backtest::{check, execute};
use alphapulse_tools::config::Config;
use alphapulse_tools::report::Report;
use std::io::Read;
use std::path::PathBuf;

fn sample_lines() -> Vec<Vec<u8>> {
    let mut text = Vec::new();
    let f = std::fs::File::open(alphapulse_feeds::testdata::sample_capture()).unwrap();
    flate2::read::MultiGzDecoder::new(f).read_to_end(&mut text).unwrap();
    text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

/// `lines` as a plain capture `btcusdt_<tag>.txt` in a fresh temp folder.
fn write(tag: &str, lines: &[Vec<u8>]) -> PathBuf {
    let dir =
        alphapulse_shm::test_scratch::root().join(format!("alphapulse-badts-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("btcusdt_{tag}.txt"));
    std::fs::write(&p, lines.join(&b'\n')).unwrap();
    p
}

fn run(path: PathBuf) -> Report {
    let mut cfg = Config { data: vec![path], ..Default::default() };
    check(&mut cfg).unwrap();
    execute(&cfg, false).unwrap()
}

fn trading(r: &Report) -> String {
    format!(
        "intents {}, orders sent {}, filled {}, partially {}, cancelled {}, fills {} (maker {}, taker {}), \
         realized {:.4}, fees {:.4}",
        r.intents,
        r.orders_sent,
        r.orders_filled,
        r.orders_partially_filled,
        r.orders_cancelled,
        r.fills,
        r.maker_fills,
        r.taker_fills,
        r.realized_pnl,
        r.fees
    )
}

#[test]
fn one_absurd_receive_time_changes_nothing_but_one_malformed_line() {
    let lines = sample_lines();
    let base = run(write("base", &lines));
    println!("unmodified sample: {}", trading(&base));
    assert_eq!(base.malformed, 0);
    // A bookTicker line a tenth into the sample, before most of the trading.
    let at = (lines.len() / 10..).find(|&i| lines[i].windows(12).any(|w| w == b"@bookTicker\"")).unwrap();
    let sp = lines[at].iter().position(|&b| b == b' ').unwrap();
    let recv: u64 = std::str::from_utf8(&lines[at][..sp]).unwrap().parse().unwrap();
    let mut failures = Vec::new();
    for (name, ts) in [
        ("2100-01-01", 4_102_444_800_000_000_000u64),
        ("u64::MAX", u64::MAX),
        ("0", 0),
        ("+1 hour", recv + 3_600_000_000_000),
        ("-1 minute", recv - 60_000_000_000),
    ] {
        let mut bad = lines.clone();
        bad[at] = [ts.to_string().as_bytes(), &lines[at][sp..]].concat();
        let r = run(write(&format!("bad{}", ts % 1000), &bad));
        let kinds: Vec<String> = r
            .malformed_by_kind
            .iter()
            .map(|e| format!("{} {} (line {})", e.kind, e.count, e.first_line))
            .collect();
        println!(
            "line {} receive time {name}: {} | malformed {} [{}]",
            at + 1,
            trading(&r),
            r.malformed,
            kinds.join(", ")
        );
        let one_bad_ts = r.malformed == 1
            && r.malformed_by_kind.len() == 1
            && r.malformed_by_kind[0].kind == "bad_timestamp"
            && r.malformed_by_kind[0].first_line == at as u64 + 1;
        let warned = r
            .warnings()
            .iter()
            .any(|w| w.contains("`bad_timestamp`") && w.ends_with(&format!(":{}", at + 1)));
        if trading(&r) != trading(&base) || !one_bad_ts || !warned {
            failures.push(name);
        }
    }
    assert!(failures.is_empty(), "changed the run or not one bad_timestamp line: {failures:?}");
}
