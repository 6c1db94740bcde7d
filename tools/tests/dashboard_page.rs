//! The dashboard's web page in headless Chromium (Debian's `chromium`; missing → FAIL naming
//! `tools/setup.sh`, never a skip). A paced backtest of the shipped sample keeps writing its journal
//! while `alphapulse dashboard` serves it and the page is open: the page must follow the WebSocket
//! live (updates arrive without a reload, and a dropped socket resumes from its cursor), and once
//! the run has ended every figure it shows (equity, realized PnL, position per symbol, open orders,
//! rejects by reason, health state, fills marked on the chart) must equal what the API answers.
//! The dashboard runs with `[alerts]` rules that certainly fire on the sample (a price cross at a
//! level computed from the sample's own trades, a drawdown of half the run's own, health at or
//! beyond degraded): the alerts panel (rule, severity, state, message, time, counts per rule) must
//! equal `/api/alerts`, also after an acknowledgement through the API (bearer token) made while the
//! page's socket is away, and after the resume. The run is stopped (SIGSTOP) for a while: the
//! server's clock pushes the stale health on `/ws` (the page does not poll it) and the alert it
//! fires reaches the page over the socket, without a reload.
//! Saves a screenshot: `$ALPHAPULSE_SCREENSHOT` if set (relative to the workspace root; the
//! committed one is `latency-reports/dashboard.png`), else a path under the test's temp dir; the
//! test prints it.

#[path = "common/cdp.rs"]
mod cdp;
mod common;
#[path = "common/served.rs"]
mod served;

use alphapulse_tools::view::{tail, Model};
use serde_json::Value;
use served::{get, get_json, wait_until, Proc};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The dashboard's bearer token in this test.
const TOKEN: &str = "page-test-token-5c1d";
/// Its stale limit (ms): the stopped run shows as stale after this.
const STALE_MS: u64 = 2000;

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
fn api_alerts(addr: &str) -> Value {
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
fn page_alerts(b: &mut cdp::Browser) -> (Value, BTreeMap<u64, String>) {
    let mut v = b.eval(PAGE_ALERTS);
    let mut text = BTreeMap::new();
    for r in v["rows"].as_array_mut().unwrap() {
        let t = r.as_object_mut().unwrap().remove("text").unwrap();
        text.insert(r["id"].as_u64().unwrap(), t.as_str().unwrap().to_string());
    }
    (v, text)
}

/// Wait until the page's alerts panel equals the API's; returns it and the rows' text.
fn alerts_agree(b: &mut cdp::Browser, addr: &str, when: &str) -> (Value, BTreeMap<u64, String>) {
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
fn sample_thresholds(dir: &Path) -> (String, f64, f64) {
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
fn dashboard_with(journal: &Path, config: &Path) -> (Proc, String) {
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
fn post(addr: &str, path: &str, body: &str) -> (u16, String) {
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

fn signal(pid: u32, sig: &str) {
    let st = std::process::Command::new("kill").args([sig, &pid.to_string()]).status().unwrap();
    assert!(st.success(), "kill {sig} {pid}");
}

/// What the page shows, read from its `data-testid` elements' exact `data-value`s.
const PAGE_FIGURES: &str = r#"(() => {
  const v = (id) => { const e = document.querySelector(`[data-testid="${id}"]`); return e ? e.dataset.value : null; };
  const pick = (prefix) => Object.fromEntries([...document.querySelectorAll(`[data-testid^="${prefix}"]`)]
    .map((e) => [e.dataset.testid.slice(prefix.length), Number(e.dataset.value)]));
  return { equity: Number(v('equity')), realized_pnl: Number(v('realized-pnl')),
    open_orders: Number(v('open-orders-count')), health: v('health-state'),
    positions: pick('position-'), rejects: pick('reject-'),
    symbol: window.alphapulse.state.symbol,
    fill_marks: Number(document.getElementById('fill-marks').textContent) };
})()"#;

/// Flattened figures, numbers as f64 (JSON `0` and `0.0` alike).
type Figures = BTreeMap<String, String>;

fn flat(v: &Value, prefix: &str, out: &mut Figures) {
    match v {
        Value::Object(o) => o.iter().for_each(|(k, x)| flat(x, &format!("{prefix}{k}."), out)),
        Value::Number(n) => {
            out.insert(prefix.trim_end_matches('.').into(), format!("{}", n.as_f64().unwrap_or(f64::NAN)));
        }
        other => {
            out.insert(prefix.trim_end_matches('.').into(), other.to_string());
        }
    }
}

fn page_figures(b: &mut cdp::Browser) -> Figures {
    let mut f = Figures::new();
    flat(&b.eval(PAGE_FIGURES), "", &mut f);
    f
}

/// The same figures from the API.
fn api_figures(addr: &str, symbol: &str) -> Figures {
    let s = get_json(addr, "/api/portfolio/summary");
    let pos = get_json(addr, "/api/portfolio/positions");
    let orders = get_json(addr, "/api/exchange/orders?status=open");
    let status = get_json(addr, "/api/system/status");
    let fills = get_json(addr, "/api/exchange/fills?limit=5000");
    let positions: serde_json::Map<String, Value> = pos["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["symbol"].as_str().unwrap().into(), p["qty"].clone()))
        .collect();
    let rejects: serde_json::Map<String, Value> = s["rejected_by_reason"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64() > Some(0))
        .map(|(k, n)| (k.clone(), n.clone()))
        .collect();
    let marks = fills["fills"].as_array().unwrap().iter().filter(|f| f["symbol"] == symbol).count();
    let v = serde_json::json!({
        "equity": s["equity"], "realized_pnl": s["realized_pnl"], "open_orders": orders["open"],
        "health": status["health"]["state"], "positions": positions, "rejects": rejects,
        "symbol": symbol, "fill_marks": marks,
    });
    let mut f = Figures::new();
    flat(&v, "", &mut f);
    f
}

#[test]
fn the_page_shows_the_apis_figures_and_alerts_live_and_after_the_run() {
    let dir = served::private_dir("dashboard-page");
    let (symbol0, level, drawdown) = sample_thresholds(&dir);
    println!("rules: {symbol0} price below {level}, drawdown above {drawdown}");
    let config = dir.join("dashboard.toml");
    std::fs::write(
        &config,
        format!(
            "[dashboard]\nstale_after_ms = {STALE_MS}\n\n[alerts]\n[alerts.channels.log]\nenabled = false\n\n\
             [[alerts.rules]]\nname = \"price cross\"\nkind = \"price_below\"\nsymbol = \"{symbol0}\"\n\
             threshold = {level}\nseverity = \"warning\"\n\n\
             [[alerts.rules]]\nname = \"drawdown\"\nkind = \"drawdown_above\"\nthreshold = {drawdown}\n\
             severity = \"critical\"\n\n\
             [[alerts.rules]]\nname = \"run health\"\nkind = \"health_change\"\nto = \"degraded\"\n\
             severity = \"critical\"\ncooldown = 0.0\n"
        ),
    )
    .unwrap();
    let mut run = served::paced_backtest(&dir, 10);
    let journal = dir.join("journal");
    let (_dash, addr) = dashboard_with(&journal, &config);
    let mut b = cdp::Browser::open(&format!("http://{addr}/"), 1280, 1100);

    // Loaded: the snapshots are in and the socket is live.
    b.wait_for(
        "its first figures",
        "document.getElementById('equity').dataset.value !== ''",
        Duration::from_secs(60),
    );
    b.wait_for(
        "a live socket",
        "document.getElementById('ws-state').textContent === 'live'",
        Duration::from_secs(30),
    );
    assert_eq!(b.eval("document.getElementById('error').textContent"), "", "the page shows an error");
    // Live: events arrive over the WebSocket while the run writes (no reload).
    let c0 = b.eval("window.alphapulse.state.cursor").as_u64().expect("a cursor");
    b.wait_for(
        "updates over /ws",
        &format!("window.alphapulse.state.cursor > {c0}"),
        Duration::from_secs(60),
    );
    // Resume: drop the socket; the page reconnects with ?since=<cursor> and goes on.
    b.eval("window.alphapulse.dropSocket()");
    b.wait_for("a reconnect", "window.alphapulse.state.reconnects >= 1", Duration::from_secs(10));
    b.wait_for(
        "the socket live again",
        "document.getElementById('ws-state').textContent === 'live'",
        Duration::from_secs(30),
    );
    let c1 = b.eval("window.alphapulse.state.cursor").as_u64().unwrap();
    b.eval("window.alphapulse.firstLoad = true"); // gone if the page reloads
    alerts_agree(&mut b, &addr, "after the resume");

    // The run stalls (SIGSTOP): no record arrives, the control socket stops answering. The
    // server's clock pushes the stale health on /ws (the page does not poll it), and the health
    // rule's new alert reaches the page over the socket.
    let before = b.eval("window.alphapulse.state.healthEvents").as_u64().unwrap();
    let alert_events = b.eval("window.alphapulse.state.alertEvents").as_u64().unwrap();
    let health = b.eval("document.getElementById('health').dataset.value");
    assert_ne!(health, "Degraded", "the run is still flowing before it is stopped");
    let pid = run.0.id();
    signal(pid, "-STOP");
    let stale = b.wait_for(
        "the stale health, pushed",
        &format!(
            "window.alphapulse.state.healthEvents > {before} && \
             document.getElementById('health').dataset.value === 'Degraded' && \
             document.getElementById('health-reason').textContent.includes('stale') && \
             document.getElementById('health-reason').textContent"
        ),
        Duration::from_secs(60),
    );
    println!("stalled run on the page: Degraded, {stale}");
    let status = get_json(&addr, "/api/system/status");
    assert_eq!(status["health"]["state"], "Degraded", "{status}");
    b.wait_for(
        "the health rule's alert, over /ws",
        &format!(
            "window.alphapulse.state.alertEvents > {alert_events} && \
             [...document.querySelectorAll('#alerts tr')].some((tr) => tr.dataset.rule === 'run health' && \
             tr.dataset.state === 'fired' && tr.dataset.message.includes('Degraded'))"
        ),
        Duration::from_secs(30),
    );
    assert_eq!(b.eval("window.alphapulse.firstLoad === true"), true, "the page reloaded");
    alerts_agree(&mut b, &addr, "while the run is stopped");
    signal(pid, "-CONT");

    // The data runs out (the feed's journal stream, read directly, stops growing), then the run is stopped.
    let mut last = (0, Instant::now());
    wait_until("the end of the sample", Duration::from_secs(180), || {
        let o = common::ap(&["journal", "stat", "--json", journal.to_str().unwrap()]);
        let stat: Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        let streams = stat["streams"].as_array().cloned().unwrap_or_default();
        let feed = streams.iter().find(|s| s["stream"] == "feed");
        let t = feed.and_then(|s| s["records"].as_u64()).unwrap_or(0);
        if t != last.0 {
            last = (t, Instant::now());
        }
        last.1.elapsed() > Duration::from_secs(3)
    });
    let st = std::process::Command::new("kill").args(["-TERM", &run.0.id().to_string()]).status().unwrap();
    assert!(st.success());
    let _ = run.0.wait();
    wait_until("the run finished in the API", Duration::from_secs(60), || {
        get_json(&addr, "/api/portfolio/summary")["finished"] == true
    });
    let summary = get_json(&addr, "/api/portfolio/summary");
    assert!(summary["fills"].as_u64() > Some(0), "the strategy traded on the sample: {summary}");
    let symbol = b.eval("window.alphapulse.state.symbol").as_str().expect("a symbol shown").to_string();
    assert!(b.eval("window.alphapulse.state.cursor").as_u64().unwrap() > c1, "events after the resume");

    // Every figure equals the API's (the page catches up over the socket).
    let start = Instant::now();
    let (page, api) = loop {
        let (page, api) = (page_figures(&mut b), api_figures(&addr, &symbol));
        if page == api || start.elapsed() > Duration::from_secs(30) {
            break (page, api);
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(page, api, "the page's figures against the API's");
    assert!(page.keys().any(|k| k.starts_with("positions.")), "a position is shown: {page:?}");
    assert_ne!(page["fill_marks"], "0", "our fills are marked on the price chart");
    // The shown text is the value, rounded.
    let text: f64 =
        b.eval("document.getElementById('equity').textContent").as_str().unwrap().parse().unwrap();
    assert!(
        (text - summary["equity"].as_f64().unwrap()).abs() <= 0.005,
        "equity text {text} against {summary}"
    );
    println!("page figures: {page:?}");

    // Alerts: every configured rule fired; the panel equals the API.
    let (alerts, _) = alerts_agree(&mut b, &addr, "after the run");
    for rule in ["price cross", "drawdown", "run health"] {
        assert!(alerts["rules"][rule].as_u64() > Some(0), "`{rule}` never fired: {alerts:#}");
    }
    // Acknowledge the price alert through the API while the page's socket is away; back, the
    // page shows it acknowledged (and everything else still equal).
    let price =
        alerts["rows"].as_array().unwrap().iter().find(|r| r["rule"] == "price cross").unwrap().clone();
    let id = price["id"].as_u64().unwrap();
    let reconnects = b.eval("window.alphapulse.state.reconnects").as_u64().unwrap();
    b.eval("window.alphapulse.dropSocket(3000)");
    b.wait_for(
        "the socket away",
        "document.getElementById('ws-state').textContent === 'reconnecting'",
        Duration::from_secs(10),
    );
    let (st, body) = post(&addr, &format!("/api/alerts/{id}/ack"), r#"{"by":"page-test"}"#);
    assert_eq!(st, 200, "ack: {body}");
    b.wait_for(
        "the socket back",
        &format!(
            "window.alphapulse.state.reconnects > {reconnects} && \
             document.getElementById('ws-state').textContent === 'live'"
        ),
        Duration::from_secs(30),
    );
    let (alerts, text) = alerts_agree(&mut b, &addr, "after the acknowledgement and the resume");
    let row = alerts["rows"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(
        (row["state"].as_str(), row["acknowledged_by"].as_str()),
        (Some("acknowledged"), Some("page-test"))
    );
    assert!(text[&id].contains("acknowledged") && text[&id].contains("by page-test"), "shown: {}", text[&id]);
    assert!(text[&id].contains(price["message"].as_str().unwrap()), "shown: {}", text[&id]);
    assert_eq!(b.eval("window.alphapulse.firstLoad === true"), true, "the page reloaded");
    println!("alerts on the page: {alerts}");

    let png = b.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = match std::env::var_os("ALPHAPULSE_SCREENSHOT") {
        Some(p) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p),
        None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png"),
    };
    std::fs::write(&path, &png).unwrap();
    println!("screenshot: {} ({} bytes)", path.display(), png.len());
    let _ = std::fs::remove_dir_all(&dir);
}
