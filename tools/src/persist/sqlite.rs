//! The SQLite back end (rusqlite, SQLite compiled in): WAL mode, one transaction per batch holding
//! the rows and the journal cursor.

use super::rows::Batch;
use super::schema::{check_version, Val, LATEST, MIGRATIONS, TABLES};
use super::{PersistError, RunKey};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::path::Path;

pub struct Sqlite {
    conn: Connection,
    name: String,
}

fn err(db: &str) -> impl Fn(rusqlite::Error) -> PersistError + '_ {
    move |e| PersistError::Db { db: db.to_string(), message: e.to_string() }
}

impl Sqlite {
    /// Opens (creating) the database at `path` and brings its schema to [`LATEST`].
    pub fn open(path: &Path) -> Result<Sqlite, PersistError> {
        let name = format!("sqlite:{}", path.display());
        let conn = Connection::open(path).map_err(err(&name))?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err(&name))?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err(&name))?;
        let mut db = Sqlite { conn, name };
        db.migrate()?;
        Ok(db)
    }

    /// The schema version the database is at (0: fresh).
    pub fn version(&self) -> Result<i64, PersistError> {
        let e = err(&self.name);
        self.conn
            .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .map_err(&e)?;
        let v: Option<i64> =
            self.conn.query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0)).map_err(&e)?;
        Ok(v.unwrap_or(0))
    }

    fn migrate(&mut self) -> Result<(), PersistError> {
        let found = self.version()?;
        check_version(found, &self.name)?;
        let e = err(&self.name);
        for (v, sql, _) in MIGRATIONS.iter().filter(|(v, _, _)| *v > found) {
            let tx = self.conn.transaction().map_err(&e)?;
            tx.execute_batch(sql).map_err(&e)?;
            tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [v]).map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        debug_assert!(self.version()? == LATEST);
        Ok(())
    }

    /// The run's id, registering it on first sight.
    pub fn run_id(&mut self, k: &RunKey) -> Result<(i64, bool), PersistError> {
        let e = err(&self.name);
        let other: Option<String> = self
            .conn
            .query_row(
                "SELECT started FROM run WHERE journal = ?1 AND started <> ?2",
                params![k.journal, k.started],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)?;
        if let Some(started) = other {
            return Err(PersistError::OtherRun {
                db: self.name.clone(),
                journal: k.journal.clone(),
                started,
            });
        }
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT run_id FROM run WHERE journal = ?1 AND started = ?2",
                params![k.journal, k.started],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)?;
        if let Some(id) = id {
            return Ok((id, false));
        }
        self.conn
            .execute(
                "INSERT INTO run (started, journal, instruments, initial_cash) VALUES (?1, ?2, ?3, ?4)",
                params![k.started, k.journal, k.instruments.join(","), k.initial_cash],
            )
            .map_err(&e)?;
        Ok((self.conn.last_insert_rowid(), true))
    }

    /// Per stream: the next sequence to read.
    pub fn cursors(&self, run: i64) -> Result<BTreeMap<String, (u64, u64)>, PersistError> {
        let e = err(&self.name);
        let mut st = self
            .conn
            .prepare("SELECT stream, next_seq, rows FROM journal_cursor WHERE run_id = ?1")
            .map_err(&e)?;
        let rows = st
            .query_map([run], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64))
            })
            .map_err(&e)?;
        rows.map(|r| r.map(|(s, n, c)| (s, (n, c))).map_err(&e)).collect()
    }

    /// The highest equity written so far (the drawdown's reference after a restart).
    pub fn peak_equity(&self, run: i64) -> Result<Option<i64>, PersistError> {
        self.conn
            .query_row("SELECT MAX(peak_equity) FROM performance_metric WHERE run_id = ?1", [run], |r| {
                r.get(0)
            })
            .map_err(err(&self.name))
    }

    /// Writes a batch's rows and moves the cursors, in one transaction.
    pub fn commit(&mut self, run: i64, b: &Batch) -> Result<(), PersistError> {
        let e = err(&self.name);
        let tx = self.conn.transaction().map_err(&e)?;
        for (table, rows) in TABLES.iter().zip(&b.rows) {
            if rows.is_empty() {
                continue;
            }
            let mut st = tx.prepare_cached(table.sqlite).map_err(&e)?;
            for row in rows {
                let ps: Vec<&dyn rusqlite::ToSql> = row
                    .iter()
                    .map(|v| match v {
                        Val::I(x) => x as &dyn rusqlite::ToSql,
                        Val::T(x) => x as &dyn rusqlite::ToSql,
                    })
                    .collect();
                st.execute(ps.as_slice()).map_err(&e)?;
            }
        }
        for (stream, (next, ts, n)) in &b.cursors {
            tx.execute(
                "INSERT INTO journal_cursor (run_id, stream, next_seq, last_ts, rows) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (run_id, stream) DO UPDATE SET next_seq = excluded.next_seq, \
                 last_ts = excluded.last_ts, rows = journal_cursor.rows + excluded.rows",
                params![run, stream, *next as i64, *ts as i64, *n as i64],
            )
            .map_err(&e)?;
        }
        tx.commit().map_err(&e)
    }
}
