//! The PostgreSQL back end (the sync `postgres` client): per batch, each table's rows go by binary
//! `COPY` into a TEMP staging table (`stage_<id>`, emptied at commit), then one
//! `INSERT … SELECT … ON CONFLICT` (or `UPDATE … FROM`) per table and the cursor update, all in one
//! transaction. URLs: `postgres://USER[:PASS]@HOST:PORT/DB`, or a Unix socket folder with
//! `postgres://USER@/DB?host=/socket/dir&port=PORT`.

use super::rows::Batch;
use super::schema::{check_version, Table, Ty, Val, LATEST, MIGRATIONS, TABLES};
use super::{PersistError, RunKey};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The advisory lock class of a run's writer lock ("AP").
const RUN_LOCK_CLASS: i32 = 0x4150;

pub struct Pg {
    client: Client,
    name: String,
}

/// The URL as errors and logs show it: a password (`USER:PASS@`, or a `password=` parameter)
/// replaced by `***`. The user part runs to the *last* `@` (a password may hold `/`, `?` or `@`
/// unencoded): at worst more is hidden than needed, never less.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let rest = match rest.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((u, _)) => format!("{u}:***@{host}"),
            None => rest.to_string(),
        },
        None => rest.to_string(),
    };
    // `password=` in the query (the client takes it there too), up to the next `&`.
    let mut out = String::with_capacity(rest.len());
    let mut tail = rest.as_str();
    while let Some(i) = tail.find("password=") {
        let start = i + "password=".len();
        out.push_str(&tail[..start]);
        out.push_str("***");
        tail = &tail[start..];
        tail = &tail[tail.find('&').unwrap_or(tail.len())..];
    }
    out.push_str(tail);
    format!("{scheme}://{out}")
}

fn err(db: &str) -> impl Fn(postgres::Error) -> PersistError + '_ {
    move |e| {
        let mut message = e.to_string();
        if let Some(d) = e.as_db_error() {
            if let Some(detail) = d.detail() {
                message = format!("{message} ({detail})");
            }
        }
        PersistError::Db { db: db.to_string(), message }
    }
}

fn pg_type(t: Ty) -> Type {
    match t {
        Ty::Int => Type::INT8,
        Ty::Text => Type::TEXT,
    }
}

fn stage_ddl(t: &Table) -> String {
    let cols: Vec<String> = t
        .cols
        .iter()
        .map(|(c, ty)| format!("\"{c}\" {}", if *ty == Ty::Int { "BIGINT" } else { "TEXT" }))
        .collect();
    format!("CREATE TEMP TABLE IF NOT EXISTS stage_{} ({}) ON COMMIT DELETE ROWS", t.id, cols.join(", "))
}

impl Pg {
    /// Connects, brings the schema to [`LATEST`] and creates this session's staging tables.
    /// A URL the client cannot parse is [`PersistError::BadUrl`]; a server it cannot reach is `Db`.
    pub fn open(url: &str) -> Result<Pg, PersistError> {
        let name = redact(url);
        let config =
            postgres::Config::from_str(url).map_err(|e| PersistError::BadUrl(format!("{name}: {e}")))?;
        let client = config.connect(NoTls).map_err(err(&name))?;
        let mut db = Pg { client, name };
        db.migrate()?;
        let ddl: Vec<String> = TABLES.iter().map(stage_ddl).collect();
        db.client.batch_execute(&ddl.join(";\n")).map_err(err(&db.name))?;
        Ok(db)
    }

    /// The schema version the database is at (0: fresh).
    pub fn version(&mut self) -> Result<i64, PersistError> {
        let e = err(&self.name);
        self.client
            .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .map_err(&e)?;
        let row = self.client.query_one("SELECT MAX(version) FROM schema_version", &[]).map_err(&e)?;
        Ok(row.get::<_, Option<i64>>(0).unwrap_or(0))
    }

    fn migrate(&mut self) -> Result<(), PersistError> {
        let name = self.name.clone();
        let e = err(&name);
        let found = self.version()?;
        check_version(found, &name)?;
        for (v, _, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > found) {
            let mut tx = self.client.transaction().map_err(&e)?;
            // Two processes migrating at once: the second waits, then finds the version there.
            tx.batch_execute("LOCK TABLE schema_version IN EXCLUSIVE MODE").map_err(&e)?;
            let now: Option<i64> =
                tx.query_one("SELECT MAX(version) FROM schema_version", &[]).map_err(&e)?.get(0);
            if now.unwrap_or(0) >= *v {
                continue;
            }
            tx.batch_execute(sql).map_err(&e)?;
            tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[v]).map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        debug_assert!(self.version()? == LATEST);
        Ok(())
    }

    /// The run's id, registering it on first sight.
    pub fn run_id(&mut self, k: &RunKey) -> Result<(i64, bool), PersistError> {
        let name = self.name.clone();
        let e = err(&name);
        let other = self
            .client
            .query_opt(
                "SELECT started FROM run WHERE journal = $1 AND started <> $2",
                &[&k.journal, &k.started],
            )
            .map_err(&e)?;
        if let Some(r) = other {
            return Err(PersistError::OtherRun {
                db: self.name.clone(),
                journal: k.journal.clone(),
                started: r.get(0),
            });
        }
        let id = self
            .client
            .query_opt(
                "SELECT run_id FROM run WHERE journal = $1 AND started = $2",
                &[&k.journal, &k.started],
            )
            .map_err(&e)?;
        if let Some(r) = id {
            let id = r.get(0);
            self.lock_run(id)?;
            return Ok((id, false));
        }
        let r = self
            .client
            .query_one(
                "INSERT INTO run (started, journal, instruments, initial_cash) VALUES ($1, $2, $3, $4) \
                 RETURNING run_id",
                &[&k.started, &k.journal, &k.instruments.join(","), &k.initial_cash],
            )
            .map_err(&e)?;
        let id = r.get(0);
        self.lock_run(id)?;
        Ok((id, true))
    }

    /// One writer per run: a session advisory lock on the run, taken before the cursors are read.
    /// Unlike SQLite, a killed client's last COMMIT may still land on the server after it died; its
    /// backend holds this lock until then, so a restart cannot read the cursors from before it.
    fn lock_run(&mut self, run: i64) -> Result<(), PersistError> {
        let e = err(&self.name);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let got: bool = self
                .client
                .query_one("SELECT pg_try_advisory_lock($1, $2)", &[&RUN_LOCK_CLASS, &(run as i32)])
                .map_err(&e)?
                .get(0);
            if got {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(PersistError::Db {
                    db: self.name.clone(),
                    message: format!(
                        "run {run} is being written by another persist (advisory lock held 30 s)"
                    ),
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Per stream: the next sequence to read and the records written.
    pub fn cursors(&mut self, run: i64) -> Result<BTreeMap<String, (u64, u64)>, PersistError> {
        let rows = self
            .client
            .query("SELECT stream, next_seq, rows FROM journal_cursor WHERE run_id = $1", &[&run])
            .map_err(err(&self.name))?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), (r.get::<_, i64>(1) as u64, r.get::<_, i64>(2) as u64)))
            .collect())
    }

    /// The highest equity written so far (the drawdown's reference after a restart).
    pub fn peak_equity(&mut self, run: i64) -> Result<Option<i64>, PersistError> {
        let r = self
            .client
            .query_one("SELECT MAX(peak_equity) FROM performance_metric WHERE run_id = $1", &[&run])
            .map_err(err(&self.name))?;
        Ok(r.get(0))
    }

    /// Stages each table's rows (binary COPY), applies them and moves the cursors: one transaction.
    pub fn commit(&mut self, run: i64, b: &Batch) -> Result<(), PersistError> {
        let e = err(&self.name);
        let mut tx = self.client.transaction().map_err(&e)?;
        for (table, rows) in TABLES.iter().zip(&b.rows) {
            if rows.is_empty() {
                continue;
            }
            let types: Vec<Type> = table.cols.iter().map(|(_, t)| pg_type(*t)).collect();
            let cols: Vec<String> = table.cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
            let sink = tx
                .copy_in(&format!("COPY stage_{} ({}) FROM STDIN (FORMAT binary)", table.id, cols.join(", ")))
                .map_err(&e)?;
            let mut w = BinaryCopyInWriter::new(sink, &types);
            for row in rows {
                let ps: Vec<&(dyn ToSql + Sync)> = row
                    .iter()
                    .map(|v| match v {
                        Val::I(x) => x as &(dyn ToSql + Sync),
                        Val::T(x) => x as &(dyn ToSql + Sync),
                    })
                    .collect();
                w.write(&ps).map_err(&e)?;
            }
            w.finish().map_err(&e)?;
            tx.execute(table.pg, &[]).map_err(&e)?;
        }
        for (stream, (next, ts, n)) in &b.cursors {
            tx.execute(
                "INSERT INTO journal_cursor (run_id, stream, next_seq, last_ts, rows) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (run_id, stream) DO UPDATE SET next_seq = excluded.next_seq, \
                 last_ts = excluded.last_ts, rows = journal_cursor.rows + excluded.rows",
                &[&run, stream, &(*next as i64), &(*ts as i64), &(*n as i64)],
            )
            .map_err(&e)?;
        }
        tx.commit().map_err(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(
            redact("postgres://ap:s3cret@db:5432/x?sslmode=disable"),
            "postgres://ap:***@db:5432/x?sslmode=disable"
        );
        assert_eq!(redact("postgres://ap@/x?host=/tmp/s"), "postgres://ap@/x?host=/tmp/s");
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
        assert_eq!(redact("postgres://ap:a/b?c@d@db/x"), "postgres://ap:***@db/x");
        assert_eq!(
            redact("postgres://ap@db/x?password=s3cret&port=5"),
            "postgres://ap@db/x?password=***&port=5"
        );
        assert_eq!(redact("postgres://ap@db/x?password=s3cret"), "postgres://ap@db/x?password=***");
    }
}
