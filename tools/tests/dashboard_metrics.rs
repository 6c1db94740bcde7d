//! `/metrics` of a running `alphapulse dashboard` (over a journaled backtest of the shipped sample):
//! `promtool check metrics` accepts it (Debian's `prometheus` package; missing → FAIL naming
//! `tools/setup.sh`), and every metric the Grafana dashboard `tools/grafana/alphapulse.json`
//! queries is one the dashboard exports.

mod common;
#[path = "common/served.rs"]
mod served;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const PROMTOOL: &str = "/usr/bin/promtool";
/// Exported only when their source exists (a reachable control socket; a `persist.status.json`):
/// these must at least be registered by the dashboard's metrics code.
const CONDITIONAL: [&str; 2] = ["alphapulse_ring_depth", "alphapulse_persist_lag"];

/// `/metrics` of a dashboard over a finished journaled backtest of the sample.
fn scrape() -> String {
    let dir = served::private_dir("dashboard-metrics");
    let o =
        common::ap(&["backtest", "--json", "--quiet", "--journal", dir.join("journal").to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::err(&o));
    let (_dash, addr) = served::dashboard(&dir.join("journal"));
    served::wait_until("the whole journal read", std::time::Duration::from_secs(60), || {
        served::get_json(&addr, "/api/portfolio/summary")["finished"] == true
    });
    let (st, body) = served::get(&addr, "/metrics").expect("an answer from /metrics");
    assert_eq!(st, 200, "{body}");
    let _ = std::fs::remove_dir_all(&dir);
    body
}

/// Metric names in an exposition (`# TYPE name kind` lines).
fn exported(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
}

/// Every `alphapulse_*` name in the Grafana JSON's queries.
fn referenced(grafana: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in grafana["panels"].as_array().expect("panels") {
        for t in p["targets"].as_array().expect("targets") {
            let expr = t["expr"].as_str().expect("a PromQL expr");
            let mut rest = expr;
            while let Some(i) = rest.find("alphapulse_") {
                let name: String =
                    rest[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                rest = &rest[i + name.len()..];
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn metrics_pass_promtool_and_cover_the_grafana_dashboard() {
    assert!(
        Path::new(PROMTOOL).exists(),
        "{PROMTOOL} is missing: run `tools/setup.sh` (it installs Debian's `prometheus` package)"
    );
    let text = scrape();
    let mut child = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "promtool check metrics refused /metrics:\n{said}\n---\n{text}");
    assert!(said.trim().is_empty(), "promtool's remarks (lint): {said}");

    let names = exported(&text);
    println!("exported: {names:?}");
    for must in
        ["alphapulse_pnl", "alphapulse_position", "alphapulse_health_state", "alphapulse_risk_rejects"]
    {
        assert!(names.contains(must), "{must} not exported");
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("grafana/alphapulse.json");
    let grafana: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let used = referenced(&grafana);
    assert!(used.len() >= 10, "the Grafana dashboard queries the metrics: {used:?}");
    let metrics_rs = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dashboard/metrics.rs");
    let source =
        std::fs::read_to_string(&metrics_rs).unwrap_or_else(|e| panic!("{}: {e}", metrics_rs.display()));
    for m in &used {
        if CONDITIONAL.contains(&m.as_str()) {
            assert!(source.contains(&format!("\"{m}\"")), "{m} (Grafana) is not registered by the dashboard");
        } else {
            assert!(names.contains(m), "{m} is queried by {} but not exported", path.display());
        }
    }
}

#[test]
fn grafana_names_are_read_from_its_queries() {
    let g = serde_json::json!({"panels": [{"targets": [{"expr": "sum by (x) (rate(alphapulse_a_b[1m])) / alphapulse_c"}]}]});
    assert_eq!(referenced(&g).into_iter().collect::<Vec<_>>(), ["alphapulse_a_b", "alphapulse_c"]);
    assert_eq!(exported("# HELP x y\n# TYPE alphapulse_pnl gauge\nalphapulse_pnl 1\n").len(), 1);
}
