//! `alphapulse evaluate --agents sentiment` on the real stocknet tweets (skipped when ../shared is
//! absent): the days with a signal are exactly those whose 3-day window up to D 20:00 UTC holds at
//! least 5 tweets, counted here from the tweet files (`created_at`, parsed here); tickers without
//! SEC facts are allowed; a ticker without tweets is skipped with the reason.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn equities(test: &str) -> Option<PathBuf> {
    let p = alphapulse_feeds::testdata::shared_data_dir().map(|d| d.join("equities"));
    if p.as_ref().is_none_or(|p| !p.is_dir()) {
        println!("skipped: {test}: ../shared/data/equities not found (set ALPHAPULSE_SHARED_DATA)");
        return None;
    }
    p
}

fn evaluate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alphapulse"))
        .arg("evaluate")
        .args(args)
        .env_remove("ALPHAPULSE_SHARED_DATA")
        .output()
        .expect("run alphapulse")
}

/// Seconds since the epoch of a `Fri Jan 02 22:17:52 +0000 2015` (always +0000 in stocknet).
fn created_at(s: &str) -> i64 {
    let f: Vec<&str> = s.split(' ').collect();
    assert_eq!(f[4], "+0000", "{s}");
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|x| *x == f[1]).expect("month") as i64 + 1;
    let (y, d): (i64, i64) = (f[5].parse().expect("year"), f[2].parse().expect("day"));
    let hms: Vec<i64> = f[3].split(':').map(|x| x.parse().expect("clock")).collect();
    days(y, m, d) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
}

/// Days since 1970-01-01 (counting whole years and months; years 1970..2100).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let leap = |y: i64| y % 4 == 0;
    let mut n: i64 = (1970..y).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let len = [31, if leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    n += len[..(m - 1) as usize].iter().sum::<i64>();
    n + d - 1
}

fn tweet_times(dir: &Path, ticker: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join("stocknet/tweet/preprocessed").join(ticker)).expect("tweets") {
        let text = std::fs::read_to_string(e.expect("entry").path()).expect("read");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).expect("json");
            out.push(created_at(v["created_at"].as_str().expect("created_at")));
        }
    }
    out
}

#[test]
fn signal_days_follow_the_window_rule() {
    let Some(dir) = equities("signal_days_follow_the_window_rule") else { return };
    let d = dir.to_str().expect("utf-8");
    let out = evaluate(&[
        "--data",
        d,
        "--json",
        "--agents",
        "sentiment",
        "--tickers",
        "AAPL,GE,JPM",
        "--from",
        "2015-01-01",
        "--to",
        "2015-12-31",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let tickers = r["tickers"].as_array().expect("tickers");
    assert_eq!(tickers.len(), 3);
    for t in tickers {
        let name = t["ticker"].as_str().expect("ticker");
        if name == "JPM" {
            // Prices but no tweets: skipped, with the reason.
            assert_eq!(t["agents"].as_array().map(Vec::len), Some(0), "{t}");
            assert!(t["skipped"][0]["why"].as_str().expect("why").contains("tweets"), "{t}");
            continue;
        }
        let a = &t["agents"][0];
        assert_eq!(a["agent"].as_str(), Some("sentiment"));
        // The trading days of the period, from the price file the report names.
        let prices = std::fs::read_to_string(t["prices"].as_str().expect("prices")).expect("prices file");
        let dates: Vec<&str> = prices
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .filter(|d| *d >= "2015-01-01" && *d <= "2015-12-31")
            .collect();
        let times = tweet_times(&dir, name);
        let with = dates
            .iter()
            .filter(|date| {
                let p = |a: usize, b: usize| date[a..b].parse::<i64>().expect("date");
                let cut = days(p(0, 4), p(5, 7), p(8, 10)) * 86_400 + 20 * 3600;
                times.iter().filter(|&&s| s <= cut && s > cut - 3 * 86_400).count() >= 5
            })
            .count();
        assert!(with > 100, "{name}: {with} days");
        assert_eq!(a["signal"]["with_signal"].as_u64(), Some(with as u64), "{name}");
        assert_eq!(a["signal"]["days"].as_u64(), Some(dates.len() as u64), "{name}");
        let inputs = t["inputs"].as_array().expect("inputs");
        assert!(inputs
            .iter()
            .any(|i| i.as_str().is_some_and(|s| s.contains(&format!("{} tweets", times.len())))));
    }
}

#[test]
fn a_missing_model_is_a_clear_error() {
    let Some(dir) = equities("a_missing_model_is_a_clear_error") else { return };
    let d = dir.to_str().expect("utf-8");
    let out = evaluate(&[
        "--data",
        d,
        "--agents",
        "sentiment",
        "--tickers",
        "AAPL",
        "--sentiment-model",
        "/nonexistent/s.onnx",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/s.onnx"), "{err}");
}
