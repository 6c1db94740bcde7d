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
#[path = "common/page_alerts.rs"]
mod page_alerts;
#[path = "common/served.rs"]
mod served;

use page_alerts::{alerts_agree, dashboard_with, post, sample_thresholds, signal, STALE_MS};
use serde_json::Value;
use served::{get_json, wait_until};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What the page shows, read from its `data-testid` elements' exact `data-value`s.
const PAGE_FIGURES: &str = r#"(() => {
  const v = (id) => { const e = document.querySelector(`[data-testid="${id}"]`); return e ? e.dataset.value : null; };
  const pick = (prefix) => Object.fromEntries([...document.querySelectorAll(`[data-testid^="${prefix}"]`)]
    .map((e) => [e.dataset.testid.slice(prefix.length), Number(e.dataset.value)]));
  return { equity: Number(v('equity')), realized_pnl: Number(v('realized-pnl')),
    open_orders: Number(v('open-orders-count')), health: v('health-state'),
    positions: pick('position-'), rejects: pick('reject-'),
    symbol: window.alphapulse.state.symbol,
    decisions: Number(v('decisions-total')),
    decision_rows: document.querySelectorAll('#decisions tr[data-outcome]').length,
    newest_decision: ((r) => (r ? `${r.dataset.outcome} ${r.dataset.intent}` : null))(
      document.querySelector('#decisions tr[data-outcome]')),
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
    let dec = get_json(addr, "/api/strategy/decisions?limit=200");
    let rows = dec["decisions"].as_array().unwrap();
    let newest = rows.first().map(|d| {
        format!(
            "{} {}",
            d["outcome"].as_str().unwrap(),
            d["intent_id"].as_u64().map_or(String::new(), |i| i.to_string())
        )
    });
    let v = serde_json::json!({
        "decisions": dec["total"], "decision_rows": rows.len(), "newest_decision": newest,
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
