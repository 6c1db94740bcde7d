//! The dashboard page test's alerts side: the alerts panel as the page shows it and as
//! `/api/alerts` gives it, the sample's own thresholds for rules that certainly fire, the
//! dashboard started with a config and a token, a POST with the token, a signal to the run.
#![allow(dead_code)]

use crate::cdp;
use crate::common;
use crate::served::{get, get_json, wait_until, Proc};
use alphapulse_tools::view::{tail, Model};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The dashboard's bearer token in this test.
pub const TOKEN: &str = "page-test-token-5c1d";
/// Its stale limit (ms): the stopped run shows as stale after this.
pub const STALE_MS: u64 = 2000;

/// The alerts panel as the page shows it: the counts, every row's fields (from its `data-*`) and
/// the fired count per rule, newest alert first.
const PAGE_ALERTS: &str = r#"(() => {
  const v = (id) => Number(document.querySelector(`[data-testid="${id}"]`).dataset.value);
  const rows = [...document.querySelectorAll('#alerts tr[data-testid^="alert-"]')].map((tr) => ({
    id: Number(tr.dataset.testid.slice(6)), rule: tr.dataset.rule, severity: tr.dataset.severity,
    state: tr.dataset.state, active: tr.dataset.active === 'true', message: tr.dataset.message,
    fired: tr.dataset.fired, acknowledged_by: tr.dataset.ackBy, text: tr.textContent }));
  const rules = Object.fromEntries([...document.querySelectorAll('[data-testid^="rule-fired-"]')]
    .map((e) => [e.dataset.name, Number(e.dataset.value)]));
  return { count: v('alerts-count'), active: v('alerts-active'), unacked: v('alerts-unacked'), rows, rules };
})()"#;

/// The same from `/api/alerts` (without the rows' shown text).
pub fn api_alerts(addr: &str) -> Value {
    let a = get_json(addr, "/api/alerts");
    let mut alerts = a["alerts"].as_array().unwrap().clone();
    alerts.sort_by_key(|x| std::cmp::Reverse(x["id"].as_u64().unwrap()));
    let rows: Vec<Value> = alerts
        .iter()
        .map(|x| {
            serde_json::json!({
                "id": x["id"], "rule": x["rule_name"], "severity": x["severity"], "state": x["state"],
                "active": x["active"], "message": x["message"], "fired": x["fired_utc"],
                "acknowledged_by": x["acknowledged_by"].as_str().unwrap_or(""),
            })
        })
        .collect();
    let rules: serde_json::Map<String, Value> = a["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["spec"]["name"].as_str().unwrap().to_string(), r["fired"].clone()))
        .collect();
    serde_json::json!({
        "count": alerts.len(),
        "active": alerts.iter().filter(|x| x["active"] == true).count(),
        "unacked": alerts.iter().filter(|x| x["acknowledged_ns"].is_null()).count(),
        "rows": rows, "rules": rules,
    })
}

/// The page's alerts panel without the shown text, and that text per row id.
pub fn page_alerts(b: &mut cdp::Browser) -> (Value, BTreeMap<u64, String>) {
    let mut v = b.eval(PAGE_ALERTS);
    let mut text = BTreeMap::new();
    for r in v["rows"].as_array_mut().unwrap() {
        let t = r.as_object_mut().unwrap().remove("text").unwrap();
        text.insert(r["id"].as_u64().unwrap(), t.as_str().unwrap().to_string());
    }
    (v, text)
}

/// Wait until the page's alerts panel equals the API's; returns it and the rows' text.
pub fn alerts_agree(b: &mut cdp::Browser, addr: &str, when: &str) -> (Value, BTreeMap<u64, String>) {
    let start = Instant::now();
    loop {
        let (page, text) = page_alerts(b);
        let api = api_alerts(addr);
        if page == api {
            return (page, text);
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{when}: the page's alerts\n{page:#}\nagainst the API's\n{api:#}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The sample's own figures, from a quick (unpaced) backtest of it read by the view: a price
/// level the last trade price crosses downwards well into the run (every 1 s close in the first
/// quarter of the run above it, a later one below), and half the run's deepest drawdown as a
/// fraction of the peak equity. Returns (symbol, level, drawdown fraction).
pub fn sample_thresholds(dir: &Path) -> (String, f64, f64) {
    let journal = dir.join("quick");
    let o = common::bin()
        .args(["backtest", "--json", "--quiet", "--journal"])
        .arg(&journal)
        .current_dir(dir)
        .output()
        .expect("run alphapulse backtest");
    assert!(o.status.success(), "the quick backtest failed: {}", common::err(&o));
    let m = Mutex::new(Model::new(journal.clone(), 1 << 20));
    tail::read_all(&journal, &m);
    let m = m.into_inner().unwrap();
    let symbol = m.symbols[0].clone();
    let bars = m.history(&symbol, "1s").expect("1 s bars").bars;
    assert!(bars.len() > 20, "the sample has trades: {} bars", bars.len());
    let (t0, t1) = (bars[0].close_ts_ns, bars[bars.len() - 1].close_ts_ns);
    let early = bars.iter().filter(|b| b.close_ts_ns <= t0 + (t1 - t0) / 4).map(|b| b.close);
    let early_low = early.fold(f64::INFINITY, f64::min);
    let low = bars.iter().map(|b| b.close).fold(f64::INFINITY, f64::min);
    assert!(
        low < early_low,
        "the sample's price never falls below its first quarter's ({low} >= {early_low})"
    );
    let level = (early_low + low) / 2.0;
    let perf = m.performance(None);
    let (mut peak, mut deepest) = (f64::MIN, 0f64);
    for p in &perf.points {
        peak = peak.max(p.equity);
        deepest = deepest.max((peak - p.equity) / peak);
    }
    assert!(deepest > 0.0, "the run had a drawdown");
    let _ = std::fs::remove_dir_all(&journal);
    (symbol, level, deepest / 2.0)
}

/// `alphapulse dashboard` with `config` (a TOML file) and the token, on a free loopback port.
pub fn dashboard_with(journal: &Path, config: &Path) -> (Proc, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let child = common::bin()
        .args(["dashboard", "--journal"])
        .arg(journal)
        .args(["--bind", &addr, "--config"])
        .arg(config)
        .env("ALPHAPULSE_DASHBOARD_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start alphapulse dashboard");
    let mut p = Proc(child);
    wait_until("the dashboard to answer", Duration::from_secs(60), || {
        if let Ok(Some(st)) = p.0.try_wait() {
            panic!("alphapulse dashboard exited: {st}");
        }
        get(&addr, "/api/system/status").map(|r| r.0) == Some(200)
    });
    (p, addr)
}

/// POST `body` to `path` with the bearer token: (status, body).
pub fn post(addr: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, raw.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string()))
}

pub fn signal(pid: u32, sig: &str) {
    let st = std::process::Command::new("kill").args([sig, &pid.to_string()]).status().unwrap();
    assert!(st.success(), "kill {sig} {pid}");
}
