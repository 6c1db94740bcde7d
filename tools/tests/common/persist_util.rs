//! Shared by the persist tests (SQLite and PostgreSQL): the binary, temp folders, the sample's
//! backtest with alert events journaled the real way (the dashboard's alert engine over the run's
//! trades), record counts from `journal export`, the alert rows the journal holds, and a table
//! dump comparable across back ends.

#![allow(dead_code)] // each test binary uses part of it

use alphapulse_shm::Reader;
use alphapulse_tools::alerts::{AlertJournal, AlertsConfig, Engine, Facts};
use alphapulse_types::{Msg, ENCODED_LEN};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_alphapulse"))
}

pub fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-persist-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the sample backtest into `dir/journal`, then the alert engine over it ([`add_alerts`]);
/// returns the backtest's JSON report.
pub fn backtest(dir: &Path) -> serde_json::Value {
    let report = backtest_only(dir);
    add_alerts(&dir.join("journal"));
    report
}

/// The alert engine the dashboard runs, with one rule that the capture really crosses (price above
/// the first symbol's median trade price, no cool-down), fed the journal's trades in order: each
/// fire and resolve is a `Msg::Alert` in the journal's `alerts` stream.
pub struct Alerts {
    pub engine: Engine,
    trades: Vec<(u64, String, i64)>,
    facts: Facts,
}

impl Alerts {
    pub fn new(journal: &Path) -> Alerts {
        let symbols = alphapulse_tools::run_journal::read_meta(journal).unwrap().unwrap().instruments;
        let mut trades = Vec::new();
        let mut r = Reader::open(journal.join("feed")).unwrap();
        while let Some(x) = r.next().unwrap() {
            if let Ok(Msg::Trade(t)) = Msg::decode(&x.payload[..ENCODED_LEN.min(x.payload.len())]) {
                trades.push((t.local_ts, symbols[t.inst.0 as usize].clone(), t.px.raw()));
            }
        }
        let sym = trades[0].1.clone();
        let mut pxs: Vec<i64> = trades.iter().filter(|t| t.1 == sym).map(|t| t.2).collect();
        pxs.sort();
        let threshold = pxs[pxs.len() / 2];
        let cfg: AlertsConfig = toml::from_str(&format!(
            "cooldown = 0.0\n[channels.log]\nenabled = false\n[[rules]]\nname = \"median cross\"\n\
             kind = \"price_above\"\nsymbol = \"{sym}\"\nthreshold = {}\nseverity = \"warning\"\n",
            threshold as f64 / 1e8
        ))
        .unwrap();
        let engine = Engine::new(&cfg, Some(AlertJournal::open(journal).unwrap())).unwrap();
        Alerts { engine, trades, facts: Facts::default() }
    }

    pub fn trades(&self) -> usize {
        self.trades.len()
    }

    /// Feeds trades `range` (by index) to the engine.
    pub fn observe(&mut self, range: std::ops::Range<usize>) {
        for (ts, s, px) in &self.trades[range] {
            self.facts.now_ns = *ts;
            self.facts.last_price.insert(s.clone(), *px as f64 / 1e8);
            self.engine.observe(&self.facts);
        }
    }

    /// Acknowledges the first alert (by uid 1000) and shuts the engine down: the `alerts` stream
    /// closes cleanly, as when the dashboard exits.
    pub fn finish(mut self) {
        let id = self.engine.alerts().first().expect("the rule fired").id;
        self.engine.acknowledge(id, "1000").unwrap();
        self.engine.shutdown().unwrap();
    }
}

/// Journals the alert events of [`Alerts`] over the whole run and closes the stream.
pub fn add_alerts(journal: &Path) {
    let mut a = Alerts::new(journal);
    a.observe(0..a.trades());
    a.finish();
}

/// The `alert` rows the journal's `alerts` stream calls for (run 1), decoded here independently of
/// persist, as the dump renders them (`alert:run|stream|seq|ts|alert_id|…`), sorted.
pub fn journal_alerts(journal: &Path) -> Vec<String> {
    let symbols = alphapulse_tools::run_journal::read_meta(journal).unwrap().unwrap().instruments;
    let mut out = Vec::new();
    let mut r = Reader::open(journal.join("alerts")).unwrap();
    while let Some(x) = r.next().unwrap() {
        let Ok(Msg::Alert(a)) = Msg::decode(&x.payload[..ENCODED_LEN.min(x.payload.len())]) else {
            panic!("record {} of the alerts stream is not an alert", x.seq)
        };
        let (inst, sym) = match symbols.get(a.inst.0 as usize) {
            Some(s) => (i64::from(a.inst.0), s.as_str()),
            None => (-1, ""),
        };
        out.push(format!(
            "alert:1|alerts|{}|{}|{}|{}|{}|{}|{}|{inst}|{sym}|{}|{}|{}",
            x.seq,
            a.ts,
            a.alert_id,
            a.rule_id,
            a.rule_kind.name(),
            a.severity.name(),
            a.state.name(),
            a.value,
            a.threshold,
            a.by
        ));
    }
    out.sort();
    out
}

/// Runs the sample backtest into `dir/journal` (no alerts); returns its JSON report.
pub fn backtest_only(dir: &Path) -> serde_json::Value {
    let out = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["backtest", "--json", "-q", "--journal"])
        .arg(dir.join("journal"))
        .output()
        .unwrap();
    assert!(out.status.success(), "backtest: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `alphapulse persist --journal J --db URL EXTRA…`.
pub fn persist_url(journal: &Path, url: &str, extra: &[&str]) -> std::process::Output {
    bin().args(["persist", "--journal"]).arg(journal).arg("--db").arg(url).args(extra).output().unwrap()
}

/// Records by type, counted from `journal export` (independent of persist).
pub fn journal_counts(journal: &Path) -> BTreeMap<String, i64> {
    let out = bin().args(["journal", "export", "--format", "jsonl"]).arg(journal).output().unwrap();
    assert!(out.status.success());
    let mut m = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (ty, stream) = (v["type"].as_str().unwrap_or(""), v["stream"].as_str().unwrap_or(""));
        let key = match ty {
            "exec_report" if v["exec_kind"] == "fill" && stream.ends_with("gateway") => "fill".to_string(),
            _ => ty.to_string(),
        };
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

/// For each written table: `SELECT CAST(col AS TEXT), …` (same text in SQLite and PostgreSQL for
/// integers and text); the caller runs it and renders rows as `table:v|v|…`.
pub fn dump_queries() -> Vec<(&'static str, String)> {
    alphapulse_tools::persist::schema::TABLES
        .iter()
        .filter(|t| t.id != "order_state")
        .map(|t| {
            let cols: Vec<String> = t.cols.iter().map(|(c, _)| format!("CAST(\"{c}\" AS TEXT)")).collect();
            (t.id, format!("SELECT {} FROM \"{}\"", cols.join(", "), t.id))
        })
        .collect()
}

/// The dump's `alert` rows.
pub fn alert_rows(dump: &[String]) -> Vec<String> {
    let mut v: Vec<String> = dump.iter().filter(|r| r.starts_with("alert:")).cloned().collect();
    v.sort();
    v
}

/// Every table's rows of a SQLite database, sorted.
pub fn dump_sqlite(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    for (id, q) in dump_queries() {
        let mut st = c.prepare(&q).unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| r.get::<_, Option<String>>(i).unwrap().unwrap_or_default())
                    .collect::<Vec<_>>())
            })
            .unwrap()
            .map(|r| format!("{id}:{}", r.unwrap().join("|")))
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

/// Every table's rows of a PostgreSQL database, sorted.
pub fn dump_pg(c: &mut postgres::Client) -> Vec<String> {
    let mut out = Vec::new();
    for (id, q) in dump_queries() {
        let mut rows: Vec<String> = c
            .query(&q, &[])
            .unwrap()
            .iter()
            .map(|r| {
                let v: Vec<String> =
                    (0..r.len()).map(|i| r.get::<_, Option<String>>(i).unwrap_or_default()).collect();
                format!("{id}:{}", v.join("|"))
            })
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}
