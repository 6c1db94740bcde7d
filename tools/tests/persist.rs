//! `alphapulse persist` on a real journal (the shipped sample's backtest): rows equal what the
//! journal holds and the backtest's report; kill -9 ten times mid-journal and restart gives every row
//! exactly once; follow mode ends with the batch run's rows, and waits while the `alerts` stream is
//! open; migrations (fresh, re-open, newer refused, version 1 brought forward with its data). The
//! journals carry alert events made the real way (the dashboard's alert engine over the run's
//! trades; common/persist_util.rs); the `alert` rows equal those decoded from the journal.
//! PostgreSQL: tools/tests/persist_pg.rs; the `[persist]` config table: tools/tests/persist_config.rs.

#[path = "common/persist_util.rs"]
mod persist_util;

use alphapulse_shm::Reader;
use persist_util::{
    alert_rows, backtest, backtest_only, bin, dump_sqlite, journal_alerts, journal_counts, tmp, Alerts,
};
use rusqlite::Connection;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn persist(journal: &Path, db: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .args(["persist", "--journal"])
        .arg(journal)
        .arg("--db")
        .arg(format!("sqlite:{}", db.display()))
        .args(extra)
        .output()
        .unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every table's rows (without run_id), sorted, as text: equal dumps mean equal tables.
fn dump(db: &Path) -> Vec<String> {
    let c = Connection::open(db).unwrap();
    let mut out = Vec::new();
    for t in alphapulse_tools::persist::schema::TABLES.iter().filter(|t| t.id != "order_state") {
        let mut st = c.prepare(&format!("SELECT * FROM \"{}\"", t.id)).unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                Ok((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|"))
            })
            .unwrap()
            .map(|r| format!("{}:{}", t.id, r.unwrap()))
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

#[test]
fn rows_equal_the_journal_and_the_report() {
    let d = tmp("rows");
    let report = backtest(&d);
    let j = d.join("journal");
    let db = d.join("a.db");
    let out = persist(&j, &db, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c = journal_counts(&j);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM execution"), c["fill"]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM \"order\""), c["order_new"]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM order_event"), c["order_state"]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM position"), c["position"]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM signal"), c["signal"]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM risk_metric"), c["decision"]);
    assert_eq!(count(&db, "SELECT SUM(trades) FROM market_data"), c["trade"]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM execution"), report["fills"].as_i64().unwrap_or(-1));
    // The alert events: one row each, equal to the records decoded from the journal.
    let want = journal_alerts(&j);
    assert!(want.len() >= 3, "the rule fired, resolved and was acknowledged: {want:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM alert"), c["alert"]);
    assert_eq!(alert_rows(&dump_sqlite(&db)), want);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM alert WHERE state = 'acknowledged' AND ack_by = 1000"), 1);
    let eq = count(&db, "SELECT equity FROM portfolio ORDER BY seq DESC LIMIT 1") as f64 / 1e8;
    let realized = count(
        &db,
        "SELECT SUM(realized) FROM (SELECT realized FROM position p WHERE seq = \
         (SELECT MAX(seq) FROM position q WHERE q.inst_id = p.inst_id))",
    ) as f64
        / 1e8;
    let rep_realized = report["realized_pnl"].as_f64().unwrap();
    assert!((realized - rep_realized).abs() < 1e-6, "realized {realized} vs report {rep_realized}");
    // The last Position record marks at the last fill; the report marks at the end: equal when flat
    // since, else within the unrealized move. Equity after fees and realized is exact here:
    let cash_like = eq
        - count(
            &db,
            "SELECT SUM(unrealized) FROM (SELECT unrealized FROM position p WHERE seq = \
         (SELECT MAX(seq) FROM position q WHERE q.inst_id = p.inst_id))",
        ) as f64
            / 1e8;
    let rep = report["equity"].as_f64().unwrap() - report["unrealized_pnl"].as_f64().unwrap();
    assert!((cash_like - rep).abs() < 1e-6, "equity less unrealized {cash_like} vs report {rep}");
    // A second run over a finished journal writes nothing and changes nothing.
    let before = dump(&db);
    assert!(persist(&j, &db, &[]).status.success());
    assert_eq!(dump(&db), before);
}

#[test]
fn kill_9_ten_times_gives_every_row_once() {
    let d = tmp("kill");
    backtest(&d);
    let j = d.join("journal");
    let (whole, killed) = (d.join("whole.db"), d.join("killed.db"));
    assert!(persist(&j, &whole, &[]).status.success());
    let mut killed_mid = 0;
    let alerts = journal_alerts(&j).len() as i64;
    let alerts_at = || {
        Connection::open(&killed)
            .ok()?
            .query_row("SELECT next_seq FROM journal_cursor WHERE stream = 'alerts'", [], |r| {
                r.get::<_, i64>(0)
            })
            .ok()
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
            .arg(format!("sqlite:{}", killed.display()))
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
            std::thread::sleep(Duration::from_millis(40 + 37 * (i - 3)));
        }
        if child.try_wait().unwrap().is_none() {
            killed_mid += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        mid_alerts.extend(alerts_at().filter(|n| *n > 0 && *n < alerts));
    }
    assert!(killed_mid > 0, "no run was killed mid-journal: make the batches smaller");
    assert!(!mid_alerts.is_empty(), "no kill landed inside the alerts stream ({alerts} records)");
    assert!(persist(&j, &killed, &[]).status.success());
    assert_eq!(dump(&killed), dump(&whole));
    assert_eq!(alert_rows(&dump_sqlite(&killed)), journal_alerts(&j));
}

#[test]
fn follow_mode_ends_with_the_batch_rows() {
    let d = tmp("follow");
    let j = d.join("journal");
    let db = d.join("f.db");
    // A paced backtest with its control socket: it stays up at the end of the data until SIGINT.
    let mut bt = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["backtest", "-q", "--control", "--pace", "100", "--journal"])
        .arg(&j)
        .arg("--control-socket")
        .arg(d.join("ctl.sock"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if j.join("run.json").is_file() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let follower = bin()
        .args(["persist", "--follow", "--batch", "100", "--journal"])
        .arg(&j)
        .arg("--db")
        .arg(format!("sqlite:{}", db.display()))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let st = Command::new("kill").args(["-INT", &bt.id().to_string()]).status().unwrap();
    assert!(st.success());
    assert!(bt.wait().unwrap().success());
    // The follower ends by itself on every stream's clean close.
    let out = follower.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(count(&db, "SELECT COUNT(*) FROM market_quote") > 0);
    let whole = d.join("whole.db");
    assert!(persist(&j, &whole, &[]).status.success());
    assert_eq!(dump(&db), dump(&whole));
}

#[test]
fn follow_started_before_the_run_waits_for_it_and_ends_with_its_rows() {
    let d = tmp("follow-before");
    let j = d.join("journal");
    let db = d.join("f.db");
    // No journal yet: persist opens the database and waits.
    let mut follower = bin()
        .args(["persist", "--follow", "--journal"])
        .arg(&j)
        .arg("--db")
        .arg(format!("sqlite:{}", db.display()))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(follower.try_wait().unwrap().is_none(), "persist --follow gave up on a journal not there yet");
    assert!(db.is_file(), "the database is opened before the wait");
    let o = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["backtest", "-q", "--journal"])
        .arg(&j)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = follower.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let whole = d.join("whole.db");
    assert!(persist(&j, &whole, &[]).status.success());
    assert_eq!(dump(&db), dump(&whole));
    assert!(count(&db, "SELECT COUNT(*) FROM \"order\"") > 0);

    // Without --follow a missing journal is still an error (exit 2), and a waiting follower
    // stops cleanly on SIGTERM.
    let o = bin()
        .args(["persist", "--journal"])
        .arg(d.join("nothing"))
        .arg("--db")
        .arg(format!("sqlite:{}", db.display()))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let waiting = bin()
        .args(["persist", "--follow", "--journal"])
        .arg(d.join("nothing"))
        .arg("--db")
        .arg(format!("sqlite:{}", d.join("w.db").display()))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(Command::new("kill").args(["-TERM", &waiting.id().to_string()]).status().unwrap().success());
    assert!(waiting.wait_with_output().unwrap().status.success());
}

#[test]
fn migrations_fresh_reopen_and_newer_refused() {
    let d = tmp("mig");
    backtest(&d);
    let j = d.join("journal");
    let db = d.join("m.db");
    assert!(persist(&j, &db, &[]).status.success());
    let v = alphapulse_tools::persist::schema::LATEST;
    assert_eq!(count(&db, "SELECT MAX(version) FROM schema_version"), v);
    assert!(persist(&j, &db, &[]).status.success());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM schema_version"), v, "one row per migration");
    Connection::open(&db).unwrap().execute("INSERT INTO schema_version VALUES (?1)", [v + 1]).unwrap();
    let out = persist(&j, &db, &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Bad inputs: a URL we do not take, a folder that is not a journal.
    let out = bin().args(["persist", "--journal"]).arg(&j).args(["--db", "mysql://x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = persist(&d, &d.join("n.db"), &[]);
    assert!(!out.status.success());
}

#[test]
fn version_1_database_migrates_forward_with_its_data() {
    let d = tmp("v1");
    backtest(&d);
    let j = d.join("journal");
    let db = d.join("v1.db");
    assert!(persist(&j, &db, &[]).status.success());
    let whole = dump(&db);
    // The database as schema version 1 left it: no alert table, and the alerts stream's cursor
    // at its end (version 1 read the stream and wrote no rows for it). A mark in the run's row
    // shows the data is kept, not rewritten.
    let c = Connection::open(&db).unwrap();
    c.execute_batch(
        "DROP VIEW alert_v; DROP TABLE alert; DELETE FROM schema_version WHERE version = 2; \
         UPDATE run SET instruments = instruments || ',kept'",
    )
    .unwrap();
    assert_eq!(
        count(&db, "SELECT next_seq FROM journal_cursor WHERE stream = 'alerts'"),
        journal_alerts(&j).len() as i64
    );
    drop(c);
    let out = persist(&j, &db, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&db, "SELECT MAX(version) FROM schema_version"), 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM run WHERE instruments LIKE '%,kept'"), 1);
    assert_eq!(dump(&db), whole);
    assert_eq!(alert_rows(&dump_sqlite(&db)), journal_alerts(&j));
}

/// `[persist] follow = true` from a config file: the run's streams have closed, the `alerts`
/// stream is still open (a dashboard attached): persist writes the alerts as they come and keeps
/// waiting; the stream's clean close (the dashboard exiting) ends it. `--no-follow` overrides the
/// file and stops at the current end.
#[test]
fn follow_waits_for_an_open_alerts_stream() {
    let d = tmp("follow-alerts");
    backtest_only(&d);
    let j = d.join("journal");
    let cfg = d.join("persist.toml");
    std::fs::write(&cfg, "[persist]\ndb = \"sqlite:follow.db\"\nfollow = true\nbatch = 500\n").unwrap();
    let db = d.join("follow.db");
    let mut alerts = Alerts::new(&j);
    // Up to the first alert fired (then the stream holds a record and stays open).
    let mut half = 0;
    while alerts.engine.alerts().is_empty() {
        alerts.observe(half..half + 1);
        half += 1;
    }
    let log = d.join("follower.log");
    let mut follower = bin()
        .args(["persist", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(&j)
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let log = || std::fs::read_to_string(&log).unwrap_or_default();
    // Wait until every other stream (closed) is committed to its end, and the alerts so far.
    let ends: i64 = alphapulse_tools::journal::streams(&j, None)
        .unwrap()
        .iter()
        .filter(|s| s.name != "alerts")
        .map(|s| {
            let (mut r, mut next) = (Reader::open(&s.dir).unwrap(), 0);
            while let Some(x) = r.next().unwrap() {
                next = x.seq as i64 + 1;
            }
            next
        })
        .sum();
    let want = journal_alerts(&j).len() as i64;
    let q = |sql: &str| Connection::open(&db).ok()?.query_row(sql, [], |r| r.get::<_, i64>(0)).ok();
    let mut seen = None;
    for _ in 0..1200 {
        seen = q("SELECT COUNT(*) FROM alert");
        if seen == Some(want)
            && q("SELECT SUM(next_seq) FROM journal_cursor WHERE stream <> 'alerts'") == Some(ends)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(seen, Some(want), "the open stream's alerts were not all written: {}", log());
    assert_eq!(
        q("SELECT SUM(next_seq) FROM journal_cursor WHERE stream <> 'alerts'"),
        Some(ends),
        "{}",
        log()
    );
    // Everything else is written and closed: only the open alerts stream keeps follow running
    // (it polls every 50 ms; a follow that ignored the open stream would have ended by now).
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        follower.try_wait().unwrap().is_none(),
        "follow ended while the alerts stream is open: {}",
        log()
    );
    let seen = want;
    // --no-follow over the file's follow = true: stops at the current end.
    let once = d.join("once.db");
    let out = bin()
        .args(["persist", "--no-follow", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(&j)
        .arg("--db")
        .arg(format!("sqlite:{}", once.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&once, "SELECT COUNT(*) FROM alert"), seen);
    alerts.observe(half..alerts.trades());
    alerts.finish();
    let st = follower.wait().unwrap();
    assert!(st.success(), "{}", log());
    assert_eq!(alert_rows(&dump_sqlite(&db)), journal_alerts(&j));
    let whole = d.join("whole.db");
    assert!(persist(&j, &whole, &[]).status.success());
    assert_eq!(dump(&db), dump(&whole));
}
