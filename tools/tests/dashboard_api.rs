//! `alphapulse dashboard`: the view of a journal gives the backtest report's figures (the shipped
//! sample, and the bigger real captures of ../shared/data when present); the server answers
//! them over HTTP, refuses unauthorised, malformed and oversized requests, resumes a WebSocket
//! from a cursor with exactly the missed events, never shows its token, and keeps answering while
//! a backtest writes into the journal it tails, and pushes the health on the WebSocket when it
//! changes with no record arriving (the writer stopped: stale).

mod common;
#[path = "common/served.rs"]
mod served;

use alphapulse_tools::view::{tail, Model};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-dash-{}-{name}", std::process::id()));
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
    check_decisions(&m, &journal, &report);
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

/// The aggregator's decisions in the view: one per journaled `aggregate` record, the `sent` ones
/// exactly the report's intents (each with its intent id), every input named from `run.json` and
/// carrying the latest signal of that strategy on that symbol.
fn check_decisions(m: &Model, journal: &Path, report: &Value) {
    let all = m.decisions_view(None, Some(usize::MAX)).unwrap();
    assert!(!all.strategies.is_empty());
    let st: Value =
        serde_json::from_slice(&common::ap(&["journal", "stat", "--json", journal.to_str().unwrap()]).stdout)
            .unwrap();
    let strategy = st["streams"].as_array().unwrap().iter().find(|s| s["stream"] == "strategy").unwrap();
    assert_eq!(Some(all.total), strategy["records_by_type"]["aggregate"].as_u64());
    assert_eq!(all.decisions.len() as u64, all.total.min(alphapulse_tools::view::model::POINTS_KEPT as u64));
    assert_eq!(all.by_outcome.get("sent").copied(), report["intents"].as_u64());
    let sent = m.decisions_view(Some("sent"), Some(usize::MAX)).unwrap();
    assert_eq!(
        sent.decisions.len() as u64,
        report["intents"].as_u64().unwrap().min(all.decisions.len() as u64)
    );
    assert!(sent.decisions.iter().all(|d| d.intent_id.is_some() && !d.inputs.is_empty()));
    // Numbered 1, 2, … in journal order (newest first here); each outcome's running count.
    for (k, d) in all.decisions.iter().enumerate() {
        assert_eq!(d.seq, all.total - k as u64);
    }
    if let Some(newest) = all.decisions.first() {
        assert_eq!(Some(newest.total_for_outcome), all.by_outcome.get(&newest.outcome).copied());
    }
    for d in &all.decisions {
        for i in &d.inputs {
            assert_eq!(i.name, all.strategies[usize::from(i.agent)]);
            assert!(i.score_bps.is_some(), "a decision weighed a signal the journal never showed: {d:?}");
        }
    }
    assert!(m.decisions_view(Some("nope"), None).is_err());
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

// ---- the server, as a child process ----

const TOKEN: &str = "tok-9f8e7d6c5b4a-never-shown";

struct Server {
    child: std::process::Child,
    port: u16,
    bodies: Vec<String>,
}

impl Server {
    /// With a `[dashboard]` table of `config` (TOML lines).
    fn start_with(journal: &Path, config: &str) -> Server {
        let cfg = journal.with_extension("dashboard.toml");
        std::fs::write(&cfg, format!("[dashboard]\n{config}\n")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = common::bin()
            .args([
                "dashboard",
                "--journal",
                &journal.display().to_string(),
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["--config", &cfg.display().to_string()])
            .env("ALPHAPULSE_DASHBOARD_TOKEN", TOKEN)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the dashboard");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Server { child, port, bodies: Vec::new() };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the dashboard did not listen");
    }

    /// One request; (status, body).
    fn req(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        let _ = s.write_all(body);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string());
        self.bodies.push(text);
        (status, body)
    }

    fn get(&mut self, path: &str) -> Value {
        let (st, body) = self.req("GET", path, &[], b"");
        assert_eq!(st, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }

    fn wait_finished(&mut self) -> Value {
        for _ in 0..1200 {
            let s = self.get("/api/system/status");
            if s["finished"] == true {
                return s;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the view never saw the run finish");
    }

    /// Stop it; everything it printed.
    fn stop(mut self) -> (String, Vec<String>) {
        let _ = self.child.kill();
        let o = self.child.wait_with_output().unwrap();
        (format!("{}{}", common::out(&o), common::err(&o)), self.bodies)
    }
}

/// Every WebSocket frame from `/ws?query` until the event with cursor `until` (or the hello only).
fn ws_read(port: u16, query: &str, until: u64) -> (Value, Vec<Value>) {
    let (mut ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}/ws{query}")).expect("ws connect");
    let hello: Value = serde_json::from_str(ws.read().unwrap().to_text().unwrap()).unwrap();
    let mut events = Vec::new();
    let mut last = hello["cursor"].as_u64().unwrap().min(until);
    if let Some(since) = query.strip_prefix("?since=").and_then(|s| s.parse::<u64>().ok()) {
        last = since;
    }
    while last < until {
        let m = ws.read().unwrap();
        if !m.is_text() {
            continue;
        }
        let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        last = v["cursor"].as_u64().unwrap();
        events.push(v);
    }
    let _ = ws.close(None);
    (hello, events)
}

#[test]
fn server_answers_the_report_figures_refuses_bad_requests_and_resumes_the_websocket() {
    let dir = tmp("server");
    let journal = dir.join("journal");
    let mut srv = Server::start_with(
        &journal,
        "[[alerts.rules]]\nname = \"health\"\nkind = \"health_change\"\ncooldown = 0.0",
    );
    // Before the run: nothing yet; a WebSocket client sees cursor 0.
    let (hello, none) = ws_read(srv.port, "", 0);
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["cursor"], 0);
    assert!(none.is_empty());
    // The run journals while the client is away.
    let (_, report) = backtest(&dir, &[]);
    let status = srv.wait_finished();
    let n = status["cursor"].as_u64().unwrap();
    assert!(n > 1000);
    let summary = srv.get("/api/portfolio/summary");
    let positions = srv.get("/api/portfolio/positions");
    assert_figures_match(&summary, &positions, &report);
    // Reconnecting with the last cursor seen (0) gives every missed event, dense, in order.
    let (hello, all) = ws_read(srv.port, "?since=0", n);
    assert_eq!(hello["resumed"], true);
    assert_eq!(all.len() as u64, n);
    assert!(all.iter().enumerate().all(|(i, e)| e["cursor"].as_u64() == Some(i as u64 + 1)));
    let fills = all.iter().filter(|e| e["type"] == "fill").count() as u64;
    assert_eq!(fills, summary["fills"].as_u64().unwrap());
    assert!(all.iter().any(|e| e["type"] == "price") && all.iter().any(|e| e["type"] == "order"));
    // The health changed as the run went (and ended): the configured rule fired, on the socket too.
    let alerts = srv.get("/api/alerts");
    assert!(!alerts["alerts"].as_array().unwrap().is_empty(), "{alerts}");
    assert!(all.iter().any(|e| e["type"] == "alert"));
    // From the middle: exactly the rest, the same events.
    let (_, rest) = ws_read(srv.port, &format!("?since={}", n / 2), n);
    assert_eq!(rest.as_slice(), &all[(n / 2) as usize..]);
    // Every endpoint answers; unknown ones and bad parameters are refused with a JSON error.
    for p in [
        "/api/portfolio/performance",
        "/api/exchange/orders?status=final",
        "/api/exchange/balance",
        "/api/market/prices",
        "/api/market/history?symbol=BTCUSDT&interval=1m",
        "/api/market/indicators",
        "/api/alerts",
        "/api/system/metrics",
    ] {
        srv.get(p);
    }
    let sent = srv.get("/api/strategy/decisions?outcome=sent&limit=3");
    assert_eq!(sent["by_outcome"]["sent"], report["intents"]);
    assert_eq!(sent["decisions"].as_array().unwrap().len(), 3);
    assert!(all.iter().any(|e| e["type"] == "decision"));
    assert!(srv.get("/api/market/history?symbol=BTCUSDT&interval=1m")["bars"].as_array().unwrap().len() >= 5);
    for (p, want) in [
        ("/api/market/history?symbol=NOPE&interval=1m", 404),
        ("/api/market/history?symbol=BTCUSDT&interval=7m", 400),
        ("/api/exchange/orders?status=odd", 400),
        ("/api/exchange/fills?limit=-1", 400),
        ("/api/strategy/decisions?outcome=maybe", 400),
        ("/api/nope", 404),
    ] {
        let (st, body) = srv.req("GET", p, &[], b"");
        assert_eq!(st, want, "{p}: {body}");
        assert!(serde_json::from_str::<Value>(&body).unwrap()["error"].is_string());
    }
    // State changes: no token, a wrong one, malformed and oversized bodies.
    let json_ct = ("content-type", "application/json");
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(srv.req("POST", "/api/alerts", &[json_ct], b"{}").0, 401);
    assert_eq!(srv.req("POST", "/api/alerts", &[json_ct, ("authorization", "Bearer wrong")], b"{}").0, 401);
    assert_eq!(srv.req("PATCH", "/api/alerts/rules/1", &[json_ct], b"{}").0, 401);
    assert_eq!(srv.req("POST", "/api/alerts/1/ack", &[], b"").0, 401);
    assert_eq!(srv.req("POST", "/api/alerts", &[json_ct, ("authorization", &bearer)], b"{not json").0, 400);
    let big = vec![b' '; 64 * 1024];
    assert_eq!(srv.req("POST", "/api/alerts", &[json_ct, ("authorization", &bearer)], &big).0, 413);
    assert_eq!(srv.req("POST", "/api/alerts/xyz/ack", &[("authorization", &bearer)], b"").0, 400);
    assert_eq!(srv.req("POST", "/api/alerts", &[json_ct, ("authorization", &bearer)], b"{}").0, 422);
    let rule = br#"{"name":"btc above","kind":"price_above","symbol":"BTCUSDT","threshold":1000000}"#;
    let (st, body) = srv.req("POST", "/api/alerts", &[json_ct, ("authorization", &bearer)], rule);
    assert!(st == 201 || st == 400, "{st} {body}");
    let (st, body) = srv.req(
        "POST",
        "/api/alerts",
        &[json_ct, ("authorization", &bearer)],
        br#"{"name":"h2","kind":"health_change"}"#,
    );
    assert_eq!(st, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"].as_u64().unwrap();
    assert!(srv.get("/api/alerts")["rules"].as_array().unwrap().iter().any(|r| r["id"].as_u64() == Some(id)));
    let first = srv.get("/api/alerts")["alerts"][0]["id"].as_u64().unwrap();
    let (st, body) = srv.req(
        "POST",
        &format!("/api/alerts/{first}/ack"),
        &[("authorization", &bearer)],
        br#"{"by":"test"}"#,
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(srv.req("POST", "/api/alerts/999999/ack", &[("authorization", &bearer)], b"").0, 404);
    // CORS is closed: no header for a foreign origin.
    let (_, _) = srv.req("GET", "/api/market/prices", &[("origin", "http://evil.example")], b"");
    assert!(!srv.bodies.last().unwrap().to_ascii_lowercase().contains("access-control-allow-origin"));
    // Prometheus text and the OpenAPI document (every route in it).
    let (st, text) = srv.req("GET", "/metrics", &[], b"");
    assert_eq!(st, 200);
    assert!(text.contains("alphapulse_pnl{kind=\"equity\"}") && text.contains("alphapulse_health_state"));
    let doc = srv.get("/api/openapi.json");
    for (method, path, _, _) in alphapulse_tools::dashboard::api::ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} not in the OpenAPI document");
    }
    let (output, bodies) = srv.stop();
    assert!(!output.contains(TOKEN), "the token was printed");
    assert!(bodies.iter().all(|b| !b.contains(TOKEN)), "the token was in an answer");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_over_its_rate_gets_429_with_retry_after() {
    let dir = tmp("429");
    let mut srv = Server::start_with(&dir.join("journal"), "rate_per_sec = 0.5\nrate_burst = 3.0");
    for _ in 0..3 {
        assert_eq!(srv.req("GET", "/api/system/status", &[], b"").0, 200);
    }
    let (st, body) = srv.req("GET", "/api/system/status", &[], b"");
    assert_eq!(st, 429, "{body}");
    assert!(srv.bodies.last().unwrap().to_ascii_lowercase().contains("retry-after: 2"));
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_non_loopback_bind_without_a_token_is_refused() {
    let o = common::bin()
        .args(["dashboard", "--journal", "/nonexistent", "--bind", "0.0.0.0:0"])
        .env_remove("ALPHAPULSE_DASHBOARD_TOKEN")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", common::err(&o));
    assert!(common::err(&o).contains("without a token"), "{}", common::err(&o));
}

#[test]
fn keeps_serving_while_a_backtest_writes_at_full_rate() {
    let dir = tmp("rate");
    let journal = dir.join("journal");
    let mut srv = Server::start_with(
        &journal,
        "rate_per_sec = 1000000.0\nrate_burst = 1000000.0\nmerge_hold_ms = 1000",
    );
    let data: Vec<PathBuf> = match alphapulse_feeds::testdata::shared_data_dir() {
        Some(d) => {
            ["btcusdt_20240808.gz", "btcusdt_20240809.gz", "ethusdt_20240808.gz", "ethusdt_20240809.gz"]
                .iter()
                .map(|f| d.join("binance-spot").join(f))
                .collect()
        }
        None => {
            println!("note: ../shared/data not found; the shipped sample only");
            Vec::new()
        }
    };
    let writer = {
        let dir = dir.clone();
        std::thread::spawn(move || backtest(&dir, &data))
    };
    let mut answered = 0;
    while !writer.is_finished() {
        srv.get("/api/portfolio/summary");
        srv.get("/api/market/prices");
        answered += 2;
    }
    let (_, report) = writer.join().unwrap();
    srv.wait_finished();
    let summary = srv.get("/api/portfolio/summary");
    let positions = srv.get("/api/portfolio/positions");
    assert_figures_match(&summary, &positions, &report);
    println!("{answered} requests answered while the backtest wrote");
    assert!(answered > 0);
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_websocket_client_sees_the_health_go_stale_when_the_writer_stops_and_come_back() {
    let dir = served::private_dir("dash-stale");
    let run = served::paced_backtest(&dir, 10);
    let journal = dir.join("journal");
    let mut srv = Server::start_with(&journal, "stale_after_ms = 1500");
    // Records flow into the view.
    let mut cursor = 0;
    for _ in 0..1200 {
        cursor = srv.get("/api/system/status")["cursor"].as_u64().unwrap();
        if cursor > 100 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(cursor > 100, "no records reached the view");
    let (mut ws, _) =
        tungstenite::connect(format!("ws://127.0.0.1:{}/ws?since={cursor}&types=health", srv.port))
            .expect("ws connect");
    if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    }
    let mut next_health = |what: &str| -> Value {
        loop {
            let m = ws.read().unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
            if !m.is_text() {
                continue;
            }
            let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
            if v["type"] == "health" {
                return v;
            }
        }
    };
    let pid = run.0.id().to_string();
    let kill =
        |sig: &str| assert!(std::process::Command::new("kill").args([sig, &pid]).status().unwrap().success());
    kill("-STOP");
    // Pushed with no record arriving (only the dashboard's clock can notice).
    let stale = loop {
        let h = next_health("the stale health");
        if h["data"]["state"] == "Degraded" {
            break h;
        }
    };
    assert!(stale["data"]["reason"].as_str().unwrap().contains("stale"), "{stale}");
    assert_eq!(srv.get("/api/system/status")["health"]["state"], "Degraded");
    kill("-CONT");
    // Records again: the health comes back, pushed too.
    let back = next_health("the health back");
    assert_ne!(back["data"]["state"], "Degraded", "{back}");
    println!("stale: {stale}\nback: {back}");
    drop(run);
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
