//! `alphapulse evaluate` end to end: the report on the real AAPL files (skipped when ../shared is
//! absent), checked against the price CSV read here; its invariants; the clear error when the data
//! is missing; and that the agents' signals up to a day do not change when later prices are cut.

use alphapulse_agents::prices::PriceSeries;
use alphapulse_agents::Date;
use alphapulse_tools::evaluate::data::{load_ticker, AgentKind, Agents, TickerData};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;

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

/// `(date, open)` rows of a kaggle CSV, parsed here independently of the agents crate.
fn csv_opens(path: &std::path::Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(path).expect("csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].parse().expect("open"))
        })
        .collect()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// Every number in the report is finite (serde_json writes NaN/inf as null, so nulls are only
/// allowed where the report documents them: IC, Sharpe, hit rate, as-of and score summaries).
fn walk_numbers(v: &Value, path: &str, nulls: &mut Vec<String>) {
    match v {
        Value::Number(n) => assert!(n.as_f64().is_some_and(f64::is_finite), "{path}: {n}"),
        Value::Null => nulls.push(path.to_string()),
        Value::Array(a) => {
            a.iter().enumerate().for_each(|(i, x)| walk_numbers(x, &format!("{path}[{i}]"), nulls))
        }
        Value::Object(o) => o.iter().for_each(|(k, x)| walk_numbers(x, &format!("{path}.{k}"), nulls)),
        _ => {}
    }
}

fn check_stats(s: &Value, days: usize) {
    assert_eq!(s["days"].as_u64(), Some(days as u64 - 1), "{s}");
    for k in ["exposure", "max_drawdown"] {
        assert!((0.0..=1.0).contains(&num(s, k)), "{k} in {s}");
    }
    assert!(num(s, "annual_volatility") >= 0.0 && num(s, "total_return") > -1.0);
    assert!(s["trades"].as_u64().is_some_and(|t| t < days as u64));
}

#[test]
fn aapl_report_matches_the_price_file() {
    let Some(dir) = equities("aapl_report_matches_the_price_file") else { return };
    let out = evaluate(&["--data", dir.to_str().expect("utf-8 path"), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut nulls = Vec::new();
    walk_numbers(&r, "", &mut nulls);
    let allowed = ["spearman", "sharpe", "rate", "up_share", "from", "to"];
    assert!(nulls.iter().all(|p| allowed.iter().any(|a| p.ends_with(a))), "unexpected nulls: {nulls:?}");

    // Default tickers: those with both a price file and SEC company facts.
    let mut want = Vec::new();
    for e in std::fs::read_dir(dir.join("prices-kaggle")).expect("prices dir").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(t) = name.strip_suffix("_data.csv") {
            let sec = std::fs::read_dir(dir.join("sec")).expect("sec dir");
            let lower = format!("{}_companyfacts.", t.to_ascii_lowercase());
            if sec.flatten().any(|f| f.file_name().to_string_lossy().starts_with(&lower)) {
                want.push(t.to_string());
            }
        }
    }
    want.sort();
    let tickers = r["tickers"].as_array().expect("tickers");
    let got: Vec<&str> = tickers.iter().filter_map(|t| t["ticker"].as_str()).collect();
    assert_eq!(got, want);
    assert_eq!(r["ic_kind"], "time-series (one ticker)");
    assert_eq!(r["horizons"], serde_json::json!([1, 5, 20, 60]));

    let t = &tickers[0];
    let rows = csv_opens(&dir.join(format!("prices-kaggle/{}_data.csv", want[0])));
    let days = rows.len();
    assert_eq!(t["days"].as_u64(), Some(days as u64));
    assert_eq!(
        (t["first_date"].as_str(), t["last_date"].as_str()),
        (Some(&*rows[0].0), Some(&*rows[days - 1].0))
    );
    assert!(close(num(t, "first_open"), rows[0].1) && close(num(t, "last_open"), rows[days - 1].1));
    let bh = &t["buy_and_hold"];
    check_stats(bh, days);
    let cost = num(&r, "cost_bps") / 10_000.0;
    let want_bh = rows[days - 1].1 / rows[0].1 * (1.0 - cost) - 1.0;
    assert!(close(num(bh, "total_return"), want_bh), "{} vs {want_bh}", bh["total_return"]);
    assert_eq!((bh["trades"].as_u64(), num(bh, "exposure")), (Some(1), 1.0));

    let agents: Vec<&str> =
        t["agents"].as_array().expect("agents").iter().filter_map(|a| a["agent"].as_str()).collect();
    assert_eq!(agents, ["fundamental", "value", "buffett", "activist"]);
    for a in t["agents"].as_array().expect("agents") {
        let s = &a["signal"];
        let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{k} in {s}")) as usize;
        assert_eq!(n("days"), days);
        assert!(n("with_signal") <= days && n("nonzero") <= n("with_signal"));
        assert_eq!(n("long") + n("short"), n("nonzero"));
        assert!(n("changes") < days && n("distinct_scores") <= n("with_signal"));
        assert!(n("sign_changes") <= n("changes"));
        for (h, want_h) in a["horizons"].as_array().expect("horizons").iter().zip([1, 5, 20, 60]) {
            assert_eq!(h["horizon"].as_u64(), Some(want_h));
            // A forward return needs open D+1+h inside the period.
            let max_n = days - 1 - want_h as usize;
            let hit = &h["hit"];
            let hn = hit["n"].as_u64().expect("n") as usize;
            assert!(hn <= max_n.min(n("nonzero")), "{hit}");
            assert!(hit["hits"].as_u64().expect("hits") as usize <= hn);
            if let Some(rate) = hit["rate"].as_f64() {
                assert!((0.0..=1.0).contains(&rate) && hn > 0);
                assert!(close(rate, hit["hits"].as_f64().expect("hits") / hn as f64));
            }
            let ic = &h["ic"];
            assert!(ic["n"].as_u64().expect("n") as usize <= max_n.min(n("with_signal")));
            if let Some(rho) = ic["spearman"].as_f64() {
                assert!((-1.0..=1.0).contains(&rho), "{ic}");
            }
        }
        check_stats(&a["backtest"], days);
    }

    // The text report of the same run says the same things.
    let out = evaluate(&["--data", dir.to_str().expect("utf-8 path")]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["buy-and-hold", "fundamental", "value", "buffett", "activist", "time-series", "next open"] {
        assert!(text.contains(word), "{word} missing from:\n{text}");
    }
    assert!(text.contains(&format!("{days} trading days")), "{text}");
    assert!(!text.contains("NaN") && !text.contains("inf "), "{text}");
}

#[test]
fn period_and_options_are_honoured() {
    let Some(dir) = equities("period_and_options_are_honoured") else { return };
    let args =
        ["--from", "2015-01-01", "--to", "2015-12-31", "--agents", "value,activist", "--horizons", "5,1"];
    let out = evaluate(
        &[&["--data", dir.to_str().expect("utf-8 path"), "--json", "--cost-bps", "0"], &args[..]].concat(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let t = &r["tickers"][0];
    let rows: Vec<(String, f64)> = csv_opens(&dir.join("prices-kaggle/AAPL_data.csv"))
        .into_iter()
        .filter(|(d, _)| d.as_str() >= "2015-01-01" && d.as_str() <= "2015-12-31")
        .collect();
    assert_eq!(t["days"].as_u64(), Some(rows.len() as u64));
    assert_eq!(t["first_date"].as_str(), Some(rows[0].0.as_str()));
    let want_bh = rows[rows.len() - 1].1 / rows[0].1 - 1.0;
    assert!(close(num(&t["buy_and_hold"], "total_return"), want_bh));
    assert_eq!(r["horizons"], serde_json::json!([1, 5]));
    let names: Vec<&str> =
        t["agents"].as_array().expect("agents").iter().filter_map(|a| a["agent"].as_str()).collect();
    assert_eq!(names, ["value", "activist"]);
}

#[test]
fn missing_data_is_a_clear_error() {
    let out = evaluate(&["--data", "/nonexistent/shared/data/equities"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/shared/data/equities"), "{err}");
    assert!(err.contains("../shared/data/equities") && err.contains("not shipped"), "{err}");
    let out = evaluate(&["--data", "/", "--from", "2016-01-01", "--to", "2015-01-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from 2016-01-01 is after --to 2015-01-01"));
}

#[test]
fn help_explains_the_method() {
    let out = evaluate(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["NEXT day's open", "Spearman", "--cost-bps", "--horizons", "buy-and-hold", "not shipped"] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
}

/// Cutting the prices after a day changes no agent's signal on or before it.
#[test]
fn signals_do_not_see_later_prices() {
    let Some(dir) = equities("signals_do_not_see_later_prices") else { return };
    let full = load_ticker(&dir, "AAPL").expect("AAPL");
    let cut_at = Date::parse_iso("2016-06-30").expect("date");
    let keep = full.prices.dates.partition_point(|&d| d <= cut_at);
    let px = &full.prices;
    let cut = PriceSeries {
        dates: px.dates[..keep].to_vec(),
        open: px.open[..keep].to_vec(),
        close: px.close[..keep].to_vec(),
        source: px.source.clone(),
        refused: Vec::new(),
    };
    let short = TickerData {
        ticker: full.ticker.clone(),
        prices: Arc::new(cut),
        facts: full.facts.clone(),
        submissions: full.submissions.clone(),
    };
    let (a, b) = (Agents::new(std::slice::from_ref(&full)), Agents::new(std::slice::from_ref(&short)));
    let mut seen = 0;
    for &d in &px.dates[keep.saturating_sub(300)..keep] {
        for k in AgentKind::ALL {
            let (x, y) = (a.signal(k, "AAPL", d), b.signal(k, "AAPL", d));
            seen += usize::from(x.is_some());
            assert_eq!(x, y, "{k:?} at {d}");
        }
    }
    assert!(seen > 300, "too few signals to compare: {seen}");
}
