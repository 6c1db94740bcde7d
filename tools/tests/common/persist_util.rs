//! Shared by the persist tests (SQLite and PostgreSQL): the binary, temp folders, the sample's
//! backtest, record counts from `journal export`, and a table dump comparable across back ends.

#![allow(dead_code)] // each test binary uses part of it

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_alphapulse"))
}

pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ap-persist-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the sample backtest into `dir/journal`; returns its JSON report.
pub fn backtest(dir: &Path) -> serde_json::Value {
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
