//! `alphapulse features` on the shipped sample capture: the CSV's shape, its time order, its labels
//! recomputed here from the mid column, its features recomputed here with engine/ml's FeatureSet on
//! a book built here, the same rows from a journal's feed stream, and refused arguments.

mod common;

use alphapulse_book::Book;
use alphapulse_ml::FeatureSet;
use alphapulse_types::{BookState, InstrumentId, Msg, Side};
use common::{ap, err, out};
use std::collections::HashMap;

const FEATURES: &str = "imbalance_1,imbalance_5,spread_bps,microprice_bps,return_1,return_10,trade_flow_10";

struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn parse(text: &str) -> Csv {
    let mut lines = text.lines();
    let header = lines.next().expect("a header line").split(',').map(String::from).collect();
    let rows = lines.map(|l| l.split(',').map(String::from).collect()).collect();
    Csv { header, rows }
}

fn export(extra: &[&str]) -> (Csv, String) {
    let mut args = vec!["features", "--features", FEATURES];
    args.extend_from_slice(extra);
    let o = ap(&args);
    assert!(o.status.success(), "features failed: {}", err(&o));
    (parse(&out(&o)), err(&o))
}

fn num<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap_or_else(|e| panic!("`{s}`: {e:?}"))
}

#[test]
fn csv_shape_order_and_labels_on_the_sample() {
    let (csv, stderr) = export(&["--horizons", "1s,5s"]);
    let f: Vec<&str> = FEATURES.split(',').collect();
    let mut want = vec!["ts_ns", "instrument"];
    want.extend(&f);
    want.extend(["mid", "label_1s", "label_5s"]);
    assert_eq!(csv.header, want);
    assert!(csv.rows.len() > 1000, "only {} rows", csv.rows.len());
    let ts: Vec<u64> = csv.rows.iter().map(|r| num(&r[0])).collect();
    let mid: Vec<f64> = csv.rows.iter().map(|r| num(&r[f.len() + 2])).collect();
    for (i, r) in csv.rows.iter().enumerate() {
        assert_eq!(r.len(), want.len(), "row {i}: {r:?}");
        assert_eq!(r[1], "BTCUSDT");
        for v in &r[2..2 + f.len()] {
            assert!(num::<f64>(v).is_finite(), "row {i}: {v}");
        }
    }
    // One row per 100 ms slot of exchange time, in time order.
    for w in ts.windows(2) {
        assert!(w[1] / 100_000_000 > w[0] / 100_000_000, "not one row per slot: {} then {}", w[0], w[1]);
    }
    // Labels, recomputed from the mid column: sign(mid of the last row at or before t + h − mid),
    // for the rows that have a later row past t + h in the file.
    let mut checked = [0usize; 2];
    let mut nonzero = 0;
    for (k, h) in [(0usize, 1_000_000_000u64), (1, 5_000_000_000)] {
        let col = f.len() + 3 + k;
        for i in 0..ts.len() {
            let Some(past) = (i..ts.len()).find(|&j| ts[j] > ts[i] + h) else { continue };
            let j = past - 1;
            let want = match mid[j].partial_cmp(&mid[i]).unwrap() {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            };
            let got: i32 = num(&csv.rows[i][col]);
            assert_eq!(got, want, "row {i} ts {} horizon {h}: mid {} → {}", ts[i], mid[i], mid[j]);
            checked[k] += 1;
            nonzero += (got != 0) as usize;
        }
    }
    assert!(checked[0] > 1000 && checked[1] > 1000 && nonzero > 500, "{checked:?} {nonzero}");
    // Rows whose 5 s horizon runs past the end are dropped: some are, and the tool says how many.
    let dropped: usize = stderr
        .split(" dropped")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .map(num)
        .unwrap_or_else(|| panic!("no dropped count in {stderr}"));
    assert!((40..=60).contains(&dropped), "{dropped} dropped (5 s at 100 ms ≈ 50): {stderr}");
}

#[test]
fn features_equal_feature_set_on_a_book_built_here() {
    let (csv, _) = export(&["--horizons", "1s"]);
    let names: Vec<String> = FEATURES.split(',').map(String::from).collect();
    // Replay the sample's messages; after each depth update, the features of engine/ml's
    // FeatureSet on a book this test keeps, by exchange time.
    let stream = alphapulse_feeds::testdata::replay_messages(
        &[alphapulse_feeds::testdata::sample_capture()],
        &alphapulse_feeds::sample_instruments(),
    )
    .expect("sample replays");
    let inst = InstrumentId(0);
    let mut fs = FeatureSet::new(&names, 1).unwrap();
    let mut book = Book::with_capacity(5000);
    let mut buf = vec![0f32; names.len()];
    let mut at: HashMap<u64, Vec<f32>> = HashMap::new();
    for m in &stream.msgs {
        match m {
            Msg::Trade(t) if t.inst == inst => fs.on_trade(t),
            Msg::Book(s) if s.inst == inst && s.state == BookState::Gap => book.clear(),
            Msg::Depth(d) if d.inst == inst => {
                let (bids, asks) = stream.levels_of(d);
                bids.iter().for_each(|l| book.set(Side::Buy, l.px, l.qty));
                asks.iter().for_each(|l| book.set(Side::Sell, l.px, l.qty));
                if fs.on_book(inst, &book, &mut buf) {
                    at.entry(d.exch_ts).or_insert_with(|| buf.clone());
                }
            }
            _ => {}
        }
    }
    let mut compared = 0;
    for r in &csv.rows {
        let want = at.get(&num::<u64>(&r[0])).unwrap_or_else(|| panic!("no depth update at {}", r[0]));
        let got: Vec<f32> = r[2..2 + names.len()].iter().map(|v| num(v)).collect();
        assert_eq!(&got, want, "ts {}", r[0]);
        compared += 1;
    }
    assert!(compared > 1000);
}

#[test]
fn a_journal_gives_the_same_rows_as_the_captures() {
    let dir = alphapulse_shm::test_scratch::fresh("features-journal");
    let journal = dir.join("journal");
    let j = journal.to_str().unwrap();
    let o = ap(&["backtest", "--quiet", "--journal", j]);
    assert!(o.status.success(), "backtest: {}", err(&o));
    let (from_captures, _) = export(&["--every-updates", "7", "--horizons", "2s"]);
    let (from_journal, _) = export(&["--every-updates", "7", "--horizons", "2s", "--from-journal", j]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(from_captures.rows.len() > 300);
    assert_eq!(from_captures.header, from_journal.header);
    assert_eq!(from_captures.rows, from_journal.rows);
}

#[test]
fn bad_arguments_are_refused_naming_them() {
    for (args, needle) in [
        (vec!["--features", "imbalance_1,depth_7"], "depth_7"),
        (vec!["--features", "spread_bps,spread_bps"], "listed twice"),
        (vec!["--horizons", "1s,soon"], "`soon`"),
        (vec!["--horizons", "0s"], "`0s`"),
        (vec!["--every", "10 parsecs"], "--every"),
        (vec!["--every-updates", "0"], "--every-updates 0"),
        (vec!["--data", "no/such/file.gz"], "no/such/file.gz"),
        (vec!["--from-journal", "no/such/dir"], "no/such/dir"),
    ] {
        let mut a = vec!["features"];
        a.extend(&args);
        let o = ap(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
        assert!(out(&o).is_empty(), "{args:?} wrote output");
    }
}

/// The training data of tools/models/micro: the export of the two real BTCUSDT captures gives the
/// rows metrics.json recorded (count, label counts, time span), so the committed model's data can be
/// rebuilt.
#[test]
fn the_real_captures_give_the_recorded_training_rows() {
    let Some(shared) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found (set ALPHAPULSE_SHARED_DATA)");
        return;
    };
    let caps =
        [shared.join("binance-spot/btcusdt_20240808.gz"), shared.join("binance-spot/btcusdt_20240809.gz")];
    let info = shared.join("cryptofeed/BINANCE.exchangeInfo.0");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/micro/metrics.json"),
    )
    .expect("metrics.json");
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    let features = m["features"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect::<Vec<_>>();
    let o = common::bin()
        .args(["features", "--data"])
        .args(&caps)
        .arg("--exchange-info")
        .arg(&info)
        .args(["--horizons", "1s,5s", "--features", &features.join(",")])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let csv = parse(&out(&o));
    let col = csv.header.iter().position(|c| c == "label_1s").unwrap();
    let count = |v: &str| csv.rows.iter().filter(|r| r[col] == v).count() as u64;
    let d = &m["data"];
    assert_eq!(csv.rows.len() as u64, d["rows"].as_u64().unwrap());
    assert_eq!(count("1"), d["up_rows"].as_u64().unwrap());
    assert_eq!(count("-1"), d["down_rows"].as_u64().unwrap());
    assert_eq!(count("0"), d["flat_rows"].as_u64().unwrap());
    let ts: Vec<u64> = csv.rows.iter().map(|r| num(&r[0])).collect();
    assert_eq!(ts.iter().min().copied(), d["from_ts_ns"].as_u64());
    assert_eq!(ts.iter().max().copied(), d["to_ts_ns"].as_u64());
}
