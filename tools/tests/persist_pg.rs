//! `alphapulse persist` into PostgreSQL, against a real server this test starts itself
//! (common/pg.rs: initdb + pg_ctl in a temp folder; fails naming tools/setup.sh if the server is not
//! installed). Rows equal what the journal holds and what the SQLite back end writes; a second run
//! writes nothing; kill -9 ten times mid-journal and restart gives the uninterrupted run's tables;
//! migrations are versioned, and a version-1 database is brought forward with its data; bad and
//! unreachable URLs are refused by name. The journals carry alert events made by the dashboard's
//! alert engine (common/persist_util.rs): the `alert` rows equal those decoded from the journal.

#[path = "common/persist_util.rs"]
mod persist_util;
#[path = "common/pg.rs"]
mod pg;

use persist_util::{
    alert_rows, backtest, bin, dump_pg, dump_sqlite, journal_alerts, journal_counts, persist_url, tmp,
};
use std::process::Stdio;
use std::time::Duration;

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "persist: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn pg_rows_equal_the_journal_and_sqlite() {
    let cluster = pg::Cluster::start("rows");
    let d = tmp("pg-rows");
    let report = backtest(&d);
    let j = d.join("journal");
    let url = cluster.create_db("rows");
    ok(&persist_url(&j, &url, &[]));
    let mut c = cluster.client("rows");
    let n = journal_counts(&j);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM execution"), n["fill"]);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM \"order\""), n["order_new"]);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM order_event"), n["order_state"]);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM position"), n["position"]);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM signal"), n["signal"]);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM risk_metric"), n["decision"]);
    assert_eq!(count(&mut c, "SELECT SUM(trades)::BIGINT FROM market_data"), n["trade"]);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM execution"), report["fills"].as_i64().unwrap_or(-1));
    let want = journal_alerts(&j);
    assert!(want.len() >= 3, "the rule fired, resolved and was acknowledged: {want:?}");
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM alert"), n["alert"]);
    assert_eq!(alert_rows(&dump_pg(&mut c)), want);
    // The same rows, keys and figures as the SQLite back end (small batches on one side: the bars'
    // merge across batches and the order state updates must agree too).
    let sq = d.join("same.db");
    ok(&persist_url(&j, &format!("sqlite:{}", sq.display()), &[]));
    let pg_rows = dump_pg(&mut c);
    assert!(pg_rows.len() > 100, "only {} rows", pg_rows.len());
    same(pg_rows.clone(), dump_sqlite(&sq));
    let url2 = cluster.create_db("small");
    ok(&persist_url(&j, &url2, &["--batch", "25"]));
    same(dump_pg(&mut cluster.client("small")), pg_rows.clone());
    // A second run over a finished journal writes nothing and changes nothing.
    ok(&persist_url(&j, &url, &[]));
    same(dump_pg(&mut c), pg_rows);
    // Migrations: at LATEST, recorded once; a newer database is refused.
    let v = alphapulse_tools::persist::schema::LATEST;
    assert_eq!(count(&mut c, "SELECT MAX(version) FROM schema_version"), v);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM schema_version"), v, "one row per migration");
    c.execute("INSERT INTO schema_version VALUES ($1)", &[&(v + 1)]).unwrap();
    let out = persist_url(&j, &url, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("newer"), "{err}");
}

#[test]
fn pg_bad_and_unreachable_urls_are_refused_by_name() {
    let cluster = pg::Cluster::start("urls");
    let d = tmp("pg-urls");
    backtest(&d);
    let j = d.join("journal");
    // A database that does not exist on a live server.
    let url = cluster.url("nosuchdb");
    let out = persist_url(&j, &url, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("nosuchdb"), "{err}");
    // Nothing listening there.
    let url = "postgres://ap:secret@127.0.0.1:1/x?connect_timeout=5";
    let out = persist_url(&j, url, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("127.0.0.1:1/x") && !err.contains("secret"), "{err}");
    // A URL the client cannot parse: bad usage.
    let out = persist_url(&j, "postgres://ap@h:notaport/x", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("notaport"), "{err}");
}

#[test]
fn pg_kill_9_ten_times_gives_every_row_once() {
    let cluster = pg::Cluster::start("kill");
    let d = tmp("pg-kill");
    backtest(&d);
    let j = d.join("journal");
    let (whole, killed) = (cluster.create_db("whole"), cluster.create_db("killed"));
    ok(&persist_url(&j, &whole, &[]));
    let mut killed_mid = 0;
    let alerts = journal_alerts(&j).len() as i64;
    let mut watch = cluster.client("killed");
    // Before the first run migrates, the table is not there: None.
    let mut alerts_at = || -> Option<i64> {
        watch
            .query_opt("SELECT next_seq FROM journal_cursor WHERE stream = 'alerts'", &[])
            .ok()
            .flatten()
            .map(|r| r.get(0))
    };
    let mut mid_alerts = Vec::new();
    // Three kills aimed at the alerts stream (a dozen records, else all in the first transaction):
    // one record per stream per transaction, killed as soon as more of it is committed. Then ten
    // at growing times.
    for i in 0..13u64 {
        let batch = if i < 3 { "1" } else { "20" };
        let mut child = bin()
            .args(["persist", "--batch", batch, "--journal"])
            .arg(&j)
            .arg("--db")
            .arg(&killed)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if i < 3 {
            let before = alerts_at().unwrap_or(0);
            for _ in 0..50_000 {
                if alerts_at().unwrap_or(0) > before || child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(100));
            }
        } else {
            std::thread::sleep(Duration::from_millis(60 + 37 * (i - 3)));
        }
        if child.try_wait().unwrap().is_none() {
            killed_mid += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // (A killed client's last COMMIT may land after this read: the kill still fell inside.)
        mid_alerts.extend(alerts_at().filter(|n| *n > 0 && *n < alerts));
    }
    assert!(killed_mid > 0, "no run was killed mid-journal: make the batches smaller");
    assert!(!mid_alerts.is_empty(), "no kill landed inside the alerts stream ({alerts} records)");
    let mut c = cluster.client("killed");
    let before = count(&mut c, "SELECT COALESCE(SUM(rows), 0)::BIGINT FROM journal_cursor");
    assert!(before > 0, "the killed runs committed nothing");
    ok(&persist_url(&j, &killed, &[]));
    same(dump_pg(&mut c), dump_pg(&mut cluster.client("whole")));
    assert_eq!(alert_rows(&dump_pg(&mut c)), journal_alerts(&j));
}

#[test]
fn pg_version_1_database_migrates_forward_with_its_data() {
    let cluster = pg::Cluster::start("v1");
    let d = tmp("pg-v1");
    backtest(&d);
    let j = d.join("journal");
    let url = cluster.create_db("v1");
    ok(&persist_url(&j, &url, &[]));
    let mut c = cluster.client("v1");
    let whole = dump_pg(&mut c);
    // As schema version 1 left it: no alert table, the alerts stream's cursor at its end (read,
    // no rows written); a mark in the run's row shows the data is kept, not rewritten.
    c.batch_execute(
        "DROP VIEW alert_v; DROP TABLE alert; DELETE FROM schema_version WHERE version = 2; \
         UPDATE run SET instruments = instruments || ',kept'",
    )
    .unwrap();
    let alerts = journal_alerts(&j);
    assert_eq!(
        count(&mut c, "SELECT next_seq FROM journal_cursor WHERE stream = 'alerts'"),
        alerts.len() as i64
    );
    ok(&persist_url(&j, &url, &[]));
    assert_eq!(count(&mut c, "SELECT MAX(version) FROM schema_version"), 2);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM run WHERE instruments LIKE '%,kept'"), 1);
    same(dump_pg(&mut c), whole);
    assert_eq!(alert_rows(&dump_pg(&mut c)), alerts);
}

/// Equal dumps, or a failure that shows the first rows only one side has.
fn same(got: Vec<String>, want: Vec<String>) {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        let b: std::collections::BTreeSet<&String> = b.iter().collect();
        a.iter().filter(|r| !b.contains(r)).take(5).cloned().collect()
    };
    assert!(
        got == want,
        "{} rows vs {} wanted; only in got: {:?}; only in wanted: {:?}",
        got.len(),
        want.len(),
        only(&got, &want),
        only(&want, &got)
    );
}
