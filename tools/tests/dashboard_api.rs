//! `alphapulse dashboard`: the view of a journal gives the backtest report's figures (the shipped
//! sample, and the bigger real captures of ../shared/data when present); the server answers
//! them over HTTP, refuses unauthorised, malformed and oversized requests, resumes a WebSocket
//! from a cursor with exactly the missed events, never shows its token, and keeps answering while
//! a backtest writes into the journal it tails.

mod common;

use alphapulse_tools::view::{tail, Model};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ap-dash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A backtest of `data` (none: the shipped sample) journaled into `dir/journal`; its `--json` report.
fn backtest(dir: &Path, data: &[PathBuf]) -> (PathBuf, Value) {
    let journal = dir.join("journal");
    let mut args: Vec<String> =
        vec!["backtest".into(), "--json".into(), "--journal".into(), journal.display().to_string()];
    for d in data {
        args.push("--data".into());
        args.push(d.display().to_string());
    }
    let o = common::bin().args(&args).output().expect("run alphapulse backtest");
    assert!(o.status.success(), "backtest failed: {}", common::err(&o));
    (journal, serde_json::from_slice(&o.stdout).expect("the report is JSON"))
}

/// The view's figures against the report's, key by key.
fn assert_figures_match(view: &Value, positions: &Value, r: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    for (vk, rk) in [
        ("realized_pnl", "realized_pnl"),
        ("unrealized_pnl", "unrealized_pnl"),
        ("equity", "equity"),
        ("fees", "fees"),
        ("max_drawdown", "max_drawdown"),
        ("initial_cash", "initial_cash"),
        ("traded_notional", "traded_notional"),
        ("fills", "fills"),
        ("maker_fills", "maker_fills"),
        ("taker_fills", "taker_fills"),
        ("orders_sent", "orders_sent"),
        ("orders_filled", "orders_filled"),
        ("orders_partially_filled", "orders_partially_filled"),
        ("orders_cancelled", "orders_cancelled"),
        ("orders_rejected", "orders_rejected"),
        ("venue_rejects", "venue_rejects"),
    ] {
        assert_eq!(f(&view[vk]), f(&r[rk]), "{vk}: view {} report {}", view[vk], r[rk]);
    }
    assert_eq!(view["open_orders"], r["orders_final"]["open_at_end"]);
    assert_eq!(view["rejected_by_reason"], r["rejected_by_reason"], "rejects by reason");
    let open: Vec<&Value> = positions["positions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["qty_raw"].as_i64() != Some(0))
        .collect();
    let want = r["positions"].as_array().unwrap();
    assert_eq!(open.len(), want.len(), "positions: {open:?} vs {want:?}");
    for (p, w) in open.iter().zip(want) {
        assert_eq!(p["symbol"], w["symbol"]);
        for k in ["qty", "avg_price", "mark", "unrealized_pnl"] {
            assert_eq!(f(&p[k]), f(&w[k]), "{} {k}", w["symbol"]);
        }
    }
}

fn view_of(journal: &Path) -> Model {
    let m = Mutex::new(Model::new(journal.to_path_buf(), 1 << 20));
    tail::read_all(journal, &m);
    m.into_inner().unwrap()
}

fn check_capture(name: &str, data: &[PathBuf]) {
    let dir = tmp(name);
    let (journal, report) = backtest(&dir, data);
    let m = view_of(&journal);
    let summary = serde_json::to_value(m.summary()).unwrap();
    let positions = serde_json::to_value(m.positions()).unwrap();
    assert_figures_match(&summary, &positions, &report);
    assert!(m.stats.positions_checked > 0 && m.stats.positions_checked == m.pf.fill_count());
    assert_eq!(m.stats.position_mismatches, 0, "risk's position records disagree with the view");
    assert!(summary["finished"].as_bool().unwrap());
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    println!(
        "{name}: fills {} realized {} equity {} max_drawdown {} orders {} ({} events)",
        summary["fills"],
        summary["realized_pnl"],
        summary["equity"],
        summary["max_drawdown"],
        summary["orders_sent"],
        m.events.newest()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn view_figures_equal_the_backtest_report_on_the_sample() {
    check_capture("sample", &[]);
}

#[test]
fn view_figures_equal_the_backtest_report_on_the_bigger_captures() {
    let Some(d) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let spot = d.join("binance-spot");
    let files: Vec<PathBuf> =
        ["btcusdt_20240808.gz", "btcusdt_20240809.gz", "ethusdt_20240808.gz", "ethusdt_20240809.gz"]
            .iter()
            .map(|f| spot.join(f))
            .collect();
    check_capture("btc-eth", &files);
}
