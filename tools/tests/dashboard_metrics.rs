//! `/metrics` of a running `alphapulse dashboard` (over a journaled backtest of the shipped sample):
//! `promtool check metrics` accepts it (Debian's `prometheus` package; missing → FAIL naming
//! `tools/setup.sh`), and every metric the Grafana dashboard `tools/grafana/alphapulse.json`
//! queries is one the dashboard exports. The latency histogram per hop
//! (`alphapulse_hop_latency_seconds`) is checked against samples the test computes itself: from
//! the journal's records (`alphapulse journal export`) for the run, and from synthetic samples
//! fed to the view's stats (the sample's event-time backtest has only 0 ns hops). The alerting
//! rules `tools/prometheus/alerts.yml` pass `promtool check rules` and their unit tests
//! (`promtool test rules tools/prometheus/alerts_test.yml`); `tools/prometheus/prometheus.yml`
//! passes `promtool check config`.

mod common;
#[path = "common/served.rs"]
mod served;

use alphapulse_tools::view::Model;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PROMTOOL: &str = "/usr/bin/promtool";
/// Exported only when their source exists (a reachable control socket; a `persist.status.json`):
/// these must at least be registered by the dashboard's metrics code.
const CONDITIONAL: [&str; 2] = ["alphapulse_ring_depth", "alphapulse_persist_lag"];

const HISTOGRAM: &str = "alphapulse_hop_latency_seconds";
/// Each hop: its `hop` label, the stream and record type whose `ts - origin_ts` it measures.
const HOPS: [(&str, &str, &str); 3] = [
    ("feed→intent", "strategy", "intent"),
    ("feed→decision", "risk", "decision"),
    ("feed→order", "router", "order_new"),
];

fn promtool(args: &[&str], stdin: &str) -> (bool, String) {
    assert!(
        Path::new(PROMTOOL).exists(),
        "{PROMTOOL} is missing: run `tools/setup.sh` (it installs Debian's `prometheus` package)"
    );
    let mut child = Command::new(PROMTOOL)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    (o.status.success(), said)
}

/// `promtool check metrics` accepts `text` without remarks.
fn check_metrics(text: &str) {
    let (ok, said) = promtool(&["check", "metrics"], text);
    assert!(ok, "promtool check metrics refused /metrics:\n{said}\n---\n{text}");
    assert!(said.trim().is_empty(), "promtool's remarks (lint): {said}");
}

/// What the scrape test reads.
struct Scraped {
    text: String,
    /// `/api/system/metrics`.
    api: serde_json::Value,
    /// Each hop's samples (ns), computed from the journal's records.
    samples: BTreeMap<String, Vec<u64>>,
}

/// Each hop's `ts - origin_ts` (0 when negative, as a clock that went backwards) from the journal.
fn journal_samples(journal: &Path) -> BTreeMap<String, Vec<u64>> {
    let mut out = BTreeMap::new();
    for (hop, stream, kind) in HOPS {
        let o = common::ap(&[
            "journal",
            "export",
            journal.to_str().unwrap(),
            "--format",
            "jsonl",
            "--stream",
            stream,
        ]);
        assert!(o.status.success(), "journal export --stream {stream}: {}", common::err(&o));
        let mut v = Vec::new();
        for line in common::out(&o).lines() {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            if r["type"] == kind {
                let (ts, origin) = (r["ts"].as_u64().unwrap(), r["origin_ts"].as_u64().unwrap());
                v.push(ts.saturating_sub(origin));
            }
        }
        out.insert(hop.to_string(), v);
    }
    out
}

/// `/metrics` of a dashboard over a finished journaled backtest of the sample.
fn scrape() -> Scraped {
    let dir = served::private_dir("dashboard-metrics");
    let o =
        common::ap(&["backtest", "--json", "--quiet", "--journal", dir.join("journal").to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::err(&o));
    let (_dash, addr) = served::dashboard(&dir.join("journal"));
    served::wait_until("the whole journal read", std::time::Duration::from_secs(60), || {
        served::get_json(&addr, "/api/portfolio/summary")["finished"] == true
    });
    let (st, text) = served::get(&addr, "/metrics").expect("an answer from /metrics");
    assert_eq!(st, 200, "{text}");
    let api = served::get_json(&addr, "/api/system/metrics");
    let samples = journal_samples(&dir.join("journal"));
    let _ = std::fs::remove_dir_all(&dir);
    Scraped { text, api, samples }
}

/// Metric names in an exposition: `# TYPE name kind` lines and the names of samples
/// (a histogram's `_bucket`, `_sum`, `_count`).
fn exported(text: &str) -> BTreeSet<String> {
    let typed =
        text.lines().filter_map(|l| l.strip_prefix("# TYPE ")).filter_map(|l| l.split_whitespace().next());
    let sampled = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .filter(|n| !n.is_empty());
    typed.chain(sampled).map(String::from).collect()
}

/// One histogram series: `(le, cumulative count)` in exposition order, `_sum`, `_count`.
#[derive(Debug, Default)]
struct Hist {
    buckets: Vec<(f64, u64)>,
    sum: Option<f64>,
    count: Option<u64>,
}

/// The labels of a sample line `name{k="v",…} value` and its value.
fn parse_sample(line: &str) -> (BTreeMap<String, String>, &str) {
    let (labels, value) = match (line.find('{'), line.rfind('}')) {
        (Some(a), Some(b)) => (&line[a + 1..b], line[b + 1..].trim()),
        _ => ("", line.split_once(' ').map_or("", |x| x.1).trim()),
    };
    let mut out = BTreeMap::new();
    for pair in labels.split("\",").filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("label pair {pair:?} in {line}"));
        out.insert(k.to_string(), v.trim_end_matches('"').to_string());
    }
    (out, value)
}

/// The histogram `name` per `hop` label, read from the exposition text.
fn histograms(text: &str, name: &str) -> BTreeMap<String, Hist> {
    let mut out: BTreeMap<String, Hist> = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with(name)) {
        let suffix: String = line[name.len()..].chars().take_while(|c| *c != '{' && *c != ' ').collect();
        let (labels, value) = parse_sample(line);
        let h = out.entry(labels["hop"].clone()).or_default();
        match suffix.as_str() {
            "_bucket" => {
                let le = match labels["le"].as_str() {
                    "+Inf" => f64::INFINITY,
                    x => x.parse().unwrap_or_else(|e| panic!("le {x}: {e}")),
                };
                h.buckets.push((le, value.parse().unwrap()));
            }
            "_sum" => h.sum = Some(value.parse().unwrap()),
            "_count" => h.count = Some(value.parse().unwrap()),
            other => panic!("unexpected series {name}{other}: {line}"),
        }
    }
    out
}

/// The histogram's shape, and each hop's series against `samples` (ns) counted here: every
/// bucket's count is the number of samples at or below its `le`, cumulative and monotone, +Inf
/// and `_count` the number of samples, `_sum` their sum in seconds.
fn check_histograms(text: &str, samples: &BTreeMap<String, Vec<u64>>) {
    let hists = histograms(text, HISTOGRAM);
    assert!(text.contains(&format!("# TYPE {HISTOGRAM} histogram")), "{HISTOGRAM} is not a histogram");
    assert_eq!(
        hists.keys().collect::<BTreeSet<_>>(),
        samples.keys().collect::<BTreeSet<_>>(),
        "one histogram per hop"
    );
    for (hop, h) in &hists {
        let bounds: Vec<f64> = h.buckets.iter().map(|b| b.0).collect();
        let finite = &bounds[..bounds.len() - 1];
        assert_eq!(bounds.last(), Some(&f64::INFINITY), "{hop}: the last bucket is +Inf");
        assert!(finite.len() <= 24, "{hop}: {} buckets", finite.len());
        assert!(finite[0] <= 1e-7 && *finite.last().unwrap() >= 1.0, "{hop}: bounds {finite:?}");
        for w in finite.windows(2) {
            let r = w[1] / w[0];
            assert!((1.9..=2.51).contains(&r), "{hop}: step {} → {} (×{r})", w[0], w[1]);
        }
        for w in h.buckets.windows(2) {
            assert!(w[0].1 <= w[1].1, "{hop}: cumulative counts go down: {:?}", h.buckets);
        }
        let s = &samples[hop];
        assert_eq!(h.count, Some(s.len() as u64), "{hop}: _count against the samples");
        assert_eq!(h.buckets.last().unwrap().1, s.len() as u64, "{hop}: +Inf against the samples");
        for &(le, n) in &h.buckets {
            // Bounds are whole nanoseconds: compare integers.
            let expect = s.iter().filter(|&&ns| le.is_infinite() || ns <= (le * 1e9).round() as u64).count();
            assert_eq!(n, expect as u64, "{hop}: bucket le={le}");
        }
        let sum_ns: u128 = s.iter().map(|&ns| u128::from(ns)).sum();
        let want = sum_ns as f64 / 1e9;
        let got = h.sum.unwrap_or_else(|| panic!("{hop}: no _sum"));
        assert!((got - want).abs() <= want * 1e-12, "{hop}: _sum {got} s, the samples sum to {want} s");
    }
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
    let Scraped { text, api, samples } = scrape();
    check_metrics(&text);

    // The histogram against the journal's own records, and against the view's sample counts.
    let n: usize = samples.values().map(Vec::len).sum();
    println!(
        "hop samples from the journal: {:?}",
        samples.iter().map(|(h, v)| (h, v.len())).collect::<Vec<_>>()
    );
    assert!(n > 0, "the sample's backtest journals intents, decisions and orders");
    check_histograms(&text, &samples);
    let hists = histograms(&text, HISTOGRAM);
    for v in api["latency"].as_array().expect("/api/system/metrics latency") {
        let hop = v["hop"].as_str().unwrap();
        assert_eq!(hists[hop].count, v["count"].as_u64(), "{hop}: _count against the view's HdrHistogram");
    }

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

/// A small deterministic generator (64-bit LCG, high bits), so the synthetic samples are the same
/// on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn the_histogram_counts_synthetic_samples_exactly() {
    let mut m = Model::new(PathBuf::from("/nonexistent-journal"), 16);
    let mut samples: BTreeMap<String, Vec<u64>> =
        HOPS.iter().map(|h| (h.0.to_string(), Vec::new())).collect();
    // feed→intent: on and around the bounds, 0, a clock that went backwards, past the last bound
    // and past the HdrHistogram's 1 h ceiling.
    let edges = [
        0,
        1,
        99,
        100,
        101,
        250,
        251,
        999,
        1_000,
        1_001,
        2_047,
        2_049,
        123_456,
        999_999_999,
        1_000_000_000,
        1_000_000_001,
        4_999_999_999,
        5_000_000_000,
        5_000_000_001,
        7_200_000_000_000,
    ];
    let t0 = 1_723_161_254_337_009_767u64;
    for ns in edges {
        m.stats.hop("strategy", t0 + ns, t0);
        samples.get_mut("feed→intent").unwrap().push(ns);
    }
    m.stats.hop("strategy", t0, t0 + 5);
    samples.get_mut("feed→intent").unwrap().push(0);
    // feed→order: 5000 samples log-uniform over 10 ns … 10 s.
    let mut g = Lcg(12);
    for _ in 0..5000 {
        let ns = 10f64.powf(1.0 + 9.0 * (g.next() as f64 / (1u64 << 31) as f64)) as u64;
        m.stats.hop("router", t0 + ns, t0);
        samples.get_mut("feed→order").unwrap().push(ns);
    }
    // feed→decision: none (its series are all zeros). A stream that is no hop counts nowhere.
    m.stats.hop("feed", t0 + 7, t0);

    let text = alphapulse_tools::dashboard::metrics::render(&m);
    check_metrics(&text);
    check_histograms(&text, &samples);
    // The percentile gauges' sample counts agree (the 2 h sample is clamped there, not dropped).
    for (hop, s) in &samples {
        let line = format!("alphapulse_latency_samples{{hop=\"{hop}\"}} {}", s.len());
        assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
    }
    let order = &histograms(&text, HISTOGRAM)["feed→order"];
    let spread = order.buckets.windows(2).filter(|w| w[1].1 > w[0].1).count();
    assert!(spread >= 20, "log-uniform samples fill most buckets: {:?}", order.buckets);
}

#[test]
fn the_exposition_reader_reads_labels_and_histograms() {
    let text = "# TYPE h histogram\nh_sum{hop=\"a→b\"} 1.5\nh_count{hop=\"a→b\"} 3\n\
                h_bucket{le=\"1e-7\",hop=\"a→b\"} 1\nh_bucket{le=\"+Inf\",hop=\"a→b\"} 3\n";
    let h = &histograms(text, "h")["a→b"];
    assert_eq!((h.sum, h.count), (Some(1.5), Some(3)));
    assert_eq!(h.buckets, [(1e-7, 1), (f64::INFINITY, 3)]);
}

#[test]
fn alerting_rules_pass_promtool_and_their_unit_tests() {
    for args in [
        ["check", "rules", "prometheus/alerts.yml"].as_slice(),
        &["test", "rules", "prometheus/alerts_test.yml"],
        &["check", "config", "prometheus/prometheus.yml"],
    ] {
        let (ok, said) = promtool(args, "");
        println!("promtool {}:\n{said}", args.join(" "));
        assert!(ok, "promtool {} failed:\n{said}", args.join(" "));
    }
    // Every rule has a summary and a description, and the unit tests name every rule.
    let rules =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("prometheus/alerts.yml")).unwrap();
    let tests =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("prometheus/alerts_test.yml"))
            .unwrap();
    let names: Vec<&str> = rules.lines().filter_map(|l| l.trim().strip_prefix("- alert: ")).collect();
    assert!(names.len() >= 6, "{names:?}");
    assert_eq!(rules.matches("summary:").count(), names.len());
    assert_eq!(rules.matches("description:").count(), names.len());
    for n in &names {
        assert!(tests.contains(&format!("alertname: {n}\n")), "{n} has no unit test in alerts_test.yml");
    }
}
