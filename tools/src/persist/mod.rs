//! `alphapulse persist`: the slow path that writes a run's journal into a database, exactly once.
//!
//! - [`schema`]: the tables (after the original ER model) and the versioned migrations;
//! - [`rows`]: journal records → rows, batch by batch;
//! - [`sqlite`]: the SQLite back end (the embedded default);
//! - [`config`]: the `[persist]` config table and the command line (flags override the file);
//! - [`pg`]: the PostgreSQL back end (binary COPY into staging tables, then conflict-handled inserts).
//!
//! **Exactly once.** Each batch's rows and every stream's cursor (the next sequence to read) are
//! written in one transaction; at start the cursors are read back and each stream is read from
//! there, so a kill -9 at any point loses or repeats nothing. Rows are also keyed idempotently
//! ((run, stream, seq), or natural keys with `ON CONFLICT`) as a second guard. A run is identified
//! by `run.json`'s start time and the journal's path; two runs in one database never mix, and a
//! database that holds another run of the same journal folder is refused.
//!
//! **Alerts.** The `alerts` stream (`Msg::Alert`, written by the dashboard's alert engine) goes to
//! the `alert` table like any other stream. `--follow` ends when every stream has its end record;
//! the dashboard closes `alerts` when it exits on Ctrl-C, so while a dashboard is attached follow
//! keeps waiting. A stream whose writer died without closing it keeps follow waiting until
//! `alphapulse journal recover` closes it (or SIGINT/SIGTERM).
//!
//! Progress goes to stderr; `persist.status.json` (in the journal folder, or `--status FILE`) is
//! rewritten atomically (temp + rename) after each commit: per stream the committed next sequence,
//! that record's time and the records written, and `updated_at_ns`.

pub mod config;
pub mod pg;
mod rows;
pub mod schema;
pub mod sqlite;

use crate::bars::Interval;
use crate::journal::{decode_record, streams, StreamRef};
use crate::run_journal;
use alphapulse_shm::Reader;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What can go wrong; each names the database, file or value at fault.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("--db `{0}`: expected sqlite:PATH or postgres://USER@HOST:PORT/DB (?host=/socket/dir)")]
    BadUrl(String),
    #[error("{db}: {message}")]
    Db { db: String, message: String },
    #[error(
        "{db}: schema version {found} is newer than this binary knows ({known}); use a newer alphapulse"
    )]
    TooNew { db: String, found: i64, known: i64 },
    #[error("{db} holds another run of journal {journal} (started {started}); use another database")]
    OtherRun { db: String, journal: String, started: String },
    #[error("{0}")]
    Journal(String),
}

/// Who a run is in the database.
pub struct RunKey {
    pub started: String,
    pub journal: String,
    pub instruments: Vec<String>,
    pub initial_cash: i64,
}

/// What `alphapulse persist` runs with: the command line ([`config::Cli`]) resolved with the
/// config file's `[persist]` table (flags win), or built directly (`backtest --persist`, benches).
pub struct Args {
    /// The run's journal folder (stream sub-folders and run.json).
    pub journal: PathBuf,
    /// `sqlite:PATH` or `postgres://USER[:PASS]@HOST:PORT/DB`.
    pub db: String,
    /// Keep tailing the journal until SIGINT/SIGTERM or every stream's clean close.
    pub follow: bool,
    /// Records per stream per transaction.
    pub batch: usize,
    /// Bar interval for market_data.
    pub interval: String,
    /// Where the progress file goes (default: `<journal>/persist.status.json`).
    pub status: Option<PathBuf>,
    /// The CPU priority `alphapulse persist` sets before it starts (`--nice`; not applied when
    /// persist runs inside another command).
    pub priority: crate::slow_priority::SlowPriority,
}

impl std::fmt::Debug for Args {
    /// Every field, the database URL with its password as `***`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("journal", &self.journal)
            .field("db", &pg::redact(&self.db))
            .field("follow", &self.follow)
            .field("batch", &self.batch)
            .field("interval", &self.interval)
            .field("status", &self.status)
            .finish()
    }
}

enum Target {
    Sqlite(PathBuf),
    Pg(String),
}

/// The open database, whichever back end.
enum Db {
    Sqlite(sqlite::Sqlite),
    Pg(Box<pg::Pg>),
}

impl Db {
    fn run_id(&mut self, k: &RunKey) -> Result<(i64, bool), PersistError> {
        match self {
            Db::Sqlite(d) => d.run_id(k),
            Db::Pg(d) => d.run_id(k),
        }
    }
    fn cursors(&mut self, run: i64) -> Result<BTreeMap<String, (u64, u64)>, PersistError> {
        match self {
            Db::Sqlite(d) => d.cursors(run),
            Db::Pg(d) => d.cursors(run),
        }
    }
    fn peak_equity(&mut self, run: i64) -> Result<Option<i64>, PersistError> {
        match self {
            Db::Sqlite(d) => d.peak_equity(run),
            Db::Pg(d) => d.peak_equity(run),
        }
    }
    fn commit(&mut self, run: i64, b: &rows::Batch) -> Result<(), PersistError> {
        match self {
            Db::Sqlite(d) => d.commit(run, b),
            Db::Pg(d) => d.commit(run, b),
        }
    }
}

struct Stream {
    name: String,
    reader: Reader,
    ended: bool,
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let usage = |m: String| crate::config::ConfigError::Usage(m);
    let target = if let Some(path) = args.db.strip_prefix("sqlite:") {
        Target::Sqlite(PathBuf::from(path))
    } else if args.db.starts_with("postgres://") || args.db.starts_with("postgresql://") {
        Target::Pg(args.db.clone())
    } else {
        return Err(usage(PersistError::BadUrl(pg::redact(&args.db)).to_string()).into());
    };
    let interval = Interval::parse(&args.interval).map_err(|e| usage(format!("--interval: {e}")))?;
    if args.batch == 0 {
        return Err(usage("--batch must be at least 1".into()).into());
    }
    // The database first (a bad URL or an unreachable server is reported before any wait), then,
    // with --follow, the run: persist may start before the engine (as a dashboard may), and waits
    // for the run's `run.json` until SIGINT/SIGTERM.
    let mut db = match &target {
        Target::Sqlite(p) => Db::Sqlite(sqlite::Sqlite::open(p)?),
        Target::Pg(url) => Db::Pg(Box::new(pg::Pg::open(url).map_err(|e| match e {
            PersistError::BadUrl(m) => anyhow::Error::from(usage(format!("--db {m}"))),
            e => e.into(),
        })?)),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    if args.follow {
        while !args.journal.join(run_journal::RUN_FILE).exists() {
            if stop.load(Ordering::Relaxed) {
                return Ok(ExitCode::SUCCESS);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    let refs = if args.follow && args.journal.is_dir() {
        crate::journal::streams_now(&args.journal, None)
    } else {
        streams(&args.journal, None)?
    };
    let meta = run_journal::read_meta(&args.journal)?
        .ok_or_else(|| usage(format!("{}: not a run's journal (no run.json)", args.journal.display())))?;
    let initial_cash = meta
        .config
        .as_ref()
        .and_then(|c| c.pointer("/risk/initial_cash"))
        .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_f64().map(|f| f.to_string())))
        .map(|s| {
            alphapulse_types::Money::parse(s.as_bytes())
                .map(|m| m.0)
                .map_err(|e| usage(format!("run.json risk.initial_cash `{s}`: {e:?}")))
        })
        .transpose()?
        .unwrap_or(0);
    let journal = std::fs::canonicalize(&args.journal).unwrap_or(args.journal.clone());
    let key = RunKey {
        started: meta.started.clone(),
        journal: journal.display().to_string(),
        instruments: meta.instruments.clone(),
        initial_cash,
    };
    let (run, _fresh) = db.run_id(&key)?;
    let cursors = db.cursors(run)?;
    let mut conv = rows::Rows::new(run, interval, initial_cash, db.peak_equity(run)?);
    conv.symbols = meta.instruments.clone();
    let mut totals: BTreeMap<String, (u64, u64, u64)> =
        cursors.iter().map(|(s, (n, c))| (s.clone(), (*n, 0, *c))).collect();
    let mut open = |s: &StreamRef| -> anyhow::Result<Stream> {
        let mut reader =
            Reader::open(&s.dir).map_err(|e| PersistError::Journal(format!("stream `{}`: {e}", s.name)))?;
        let from = cursors.get(&s.name).map_or(0, |c| c.0);
        reader
            .seek(from)
            .map_err(|e| PersistError::Journal(format!("stream `{}` at seq {from}: {e}", s.name)))?;
        Ok(Stream { name: s.name.clone(), reader, ended: false })
    };
    let mut ss: Vec<Stream> = refs.iter().map(&mut open).collect::<anyhow::Result<_>>()?;
    let status = args.status.clone().unwrap_or_else(|| args.journal.join("persist.status.json"));
    // The assets go in with every start's first batch (ON CONFLICT DO NOTHING), not only a fresh
    // run's: a kill between registering the run and its first commit must not lose them.
    let mut first = true;
    let mut written = 0u64;
    loop {
        let mut b = rows::Batch::new();
        if first {
            conv.assets(&mut b, &meta.instruments);
            first = false;
        }
        for s in ss.iter_mut() {
            for _ in 0..args.batch {
                let r = s
                    .reader
                    .next()
                    .map_err(|e| PersistError::Journal(format!("stream `{}`: {e}", s.name)))?;
                let Some(r) = r else {
                    s.ended = s.reader.end().is_some();
                    break;
                };
                let (seq, ty, version, ts, payload) = (r.seq, r.ty, r.version, r.ts, r.payload.to_vec());
                let (msg, _) = decode_record(&s.reader, &s.name, seq, ty, version, &payload)?;
                conv.add(&mut b, &s.name, seq, ts, &msg);
            }
        }
        conv.finish(&mut b);
        let n = b.row_count();
        if !b.is_empty() || n > 0 {
            db.commit(run, &b)?;
            written += n as u64;
            for (s, (next, ts, c)) in &b.cursors {
                let e = totals.entry(s.clone()).or_default();
                *e = (*next, *ts, e.2 + c);
            }
            write_status(&status, &totals, written)?;
            eprintln!(
                "persist: {written} rows; {}",
                totals.iter().map(|(s, (n, _, _))| format!("{s} @{n}")).collect::<Vec<_>>().join(", ")
            );
            continue;
        }
        if !args.follow || stop.load(Ordering::Relaxed) {
            break;
        }
        // Streams a live writer created since (each new one from its cursor, if any).
        for r in crate::journal::streams_now(&args.journal, None) {
            if !ss.iter().any(|s| s.name == r.name) {
                ss.push(open(&r)?);
            }
        }
        // Ended when every stream has closed cleanly; run.json may appear before the engine has
        // made its first stream, so no stream yet is a wait, not an end.
        if !ss.is_empty() && ss.iter().all(|s| s.ended) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    eprintln!("persist: done, {written} rows written this time into {}", pg::redact(&args.db));
    Ok(ExitCode::SUCCESS)
}

/// `persist.status.json`, written to a temp file and renamed over.
fn write_status(p: &Path, totals: &BTreeMap<String, (u64, u64, u64)>, rows: u64) -> anyhow::Result<()> {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let streams: serde_json::Map<String, serde_json::Value> = totals
        .iter()
        .map(|(s, (next, ts, c))| {
            (s.clone(), serde_json::json!({"next_seq": next, "committed_seq": next.checked_sub(1), "record_ts": ts, "records": c}))
        })
        .collect();
    let v = serde_json::json!({"updated_at_ns": now, "rows_written": rows, "streams": streams});
    let tmp = p.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&v)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
    Ok(())
}
