//! The `[persist]` table of the config file and `alphapulse persist`'s command line.
//!
//! `alphapulse persist --config FILE` takes its defaults from FILE's `[persist]` table (other tables
//! are ignored here); every flag given overrides the file's key. Paths in the file (`status`, a
//! `sqlite:` database) are relative to the file's folder. A bad value is refused naming the key and
//! the file (exit 2). The database URL's password never shows: `Debug`, serialisation (a run's
//! `run.json`), errors and logs all give it as `***` ([`super::pg::redact`]).

use super::pg::redact;
use super::Args;
use crate::bars::Interval;
use serde::{Deserialize, Serialize, Serializer};
use std::path::{Path, PathBuf};

/// Default of `[persist] batch` and `--batch`: records per stream per transaction.
pub const DEFAULT_BATCH: usize = 5000;
/// Default of `[persist] interval` and `--interval`.
pub const DEFAULT_INTERVAL: &str = "1m";

/// The `[persist]` table.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersistConfig {
    /// `sqlite:PATH` or `postgres://USER[:PASS]@HOST:PORT/DB` (`--db` overrides); unset: `--db`
    /// is needed. Serialised with its password as `***`.
    #[serde(serialize_with = "redacted")]
    pub db: Option<String>,
    /// Keep tailing the journal until every stream's clean close (or SIGINT/SIGTERM).
    pub follow: bool,
    /// Records per stream per transaction (the commit size), at least 1.
    pub batch: usize,
    /// Bar interval of `market_data`: 1s, 5s, 1m, 5m, 15m, 1h, 4h, 1d.
    pub interval: String,
    /// The progress file; unset: `<journal>/persist.status.json`.
    pub status: Option<PathBuf>,
}

fn redacted<S: Serializer>(db: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    db.as_deref().map(redact).serialize(s)
}

impl Default for PersistConfig {
    fn default() -> Self {
        PersistConfig {
            db: None,
            follow: false,
            batch: DEFAULT_BATCH,
            interval: DEFAULT_INTERVAL.into(),
            status: None,
        }
    }
}

impl std::fmt::Debug for PersistConfig {
    /// Every field, the database URL with its password as `***`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistConfig")
            .field("db", &self.db.as_deref().map(redact))
            .field("follow", &self.follow)
            .field("batch", &self.batch)
            .field("interval", &self.interval)
            .field("status", &self.status)
            .finish()
    }
}

/// A database URL persist takes.
pub fn check_url(db: &str) -> Result<(), String> {
    if ["sqlite:", "postgres://", "postgresql://"].iter().any(|p| db.starts_with(p)) {
        Ok(())
    } else {
        Err(format!("`{}`: expected sqlite:PATH or postgres://USER@HOST:PORT/DB", redact(db)))
    }
}

impl PersistConfig {
    /// Checks every key; the error is (key, problem).
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(db) = &self.db {
            check_url(db).map_err(|m| ("db", m))?;
        }
        if self.batch == 0 {
            return Err(("batch", "must be at least 1".into()));
        }
        Interval::parse(&self.interval).map_err(|e| ("interval", format!("`{}`: {e}", self.interval)))?;
        Ok(())
    }

    /// The `[persist]` table of `file` (defaults when it has none), validated, its paths made
    /// relative to the file's folder. Errors name the file and the key.
    pub fn load(file: &Path) -> Result<PersistConfig, String> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            persist: PersistConfig,
        }
        let at = |m: String| format!("config {}: [persist] {m}", file.display());
        let text = std::fs::read_to_string(file).map_err(|e| format!("config {}: {e}", file.display()))?;
        // A TOML error shows the offending line (key and value); a password there is redacted.
        let f: File = toml::from_str(&text).map_err(|e| at(redact_text(&e.to_string())))?;
        let mut cfg = f.persist;
        cfg.validate().map_err(|(key, m)| at(format!("{key}: {m}")))?;
        let base = file.parent().unwrap_or(Path::new("."));
        if let Some(p) = cfg.status.as_mut().filter(|p| p.is_relative()) {
            *p = base.join(&*p);
        }
        if let Some(db) = cfg.db.as_mut() {
            if let Some(p) = db.strip_prefix("sqlite:").map(Path::new).filter(|p| p.is_relative()) {
                *db = format!("sqlite:{}", base.join(p).display());
            }
        }
        Ok(cfg)
    }
}

/// Every `scheme://…` URL in `text` redacted (a TOML error quotes the line it failed on).
fn redact_text(text: &str) -> String {
    text.split_inclusive(['"', '\'', ' ', '\n'])
        .map(|w| {
            let trimmed = w.trim_end_matches(['"', '\'', ' ', '\n']);
            if trimmed.contains("://") {
                format!("{}{}", redact(trimmed), &w[trimmed.len()..])
            } else {
                w.to_string()
            }
        })
        .collect()
}

/// Everything after the table is the command line.
pub const AFTER_HELP: &str = "\
Tables: run, journal_cursor, strategy, asset, order, order_event, execution, position, portfolio, \
performance_metric, market_data (OHLCV bars), market_quote (first quote per second per symbol), signal, \
risk_metric (+ view risk_reject_by_reason), alert (one row per alert event of the `alerts` stream: fired, \
resolved, acknowledged; rule id and kind, severity, state, instrument and symbol, value, threshold, who \
acknowledged). Money, prices and quantities are integers on the engine's 1e-8 scale. Re-running on the \
same journal and database resumes where the last commit ended; schema migrations are versioned and an \
older database is brought forward with its data (version 2 adds `alert` and reads the alerts stream \
again).

--follow ends when every stream present has closed (its end record: a clean close, or `alphapulse \
journal recover`) or on SIGINT/SIGTERM. The `alerts` stream is written by `alphapulse dashboard` (when \
it has alert rules) and closed when the dashboard exits on Ctrl-C: while a dashboard is attached, \
follow keeps waiting (its alerts are written as they come). A writer killed without closing its \
stream (kill -9, or the dashboard on SIGTERM) leaves the stream open: follow waits until `alphapulse \
journal recover DIR` closes it, or until SIGINT/SIGTERM.

Config file (--config FILE), table [persist], every key optional:
  db = \"sqlite:run.db\"       database URL (default: none, then --db is needed)
  follow = false             as --follow
  batch = 5000               as --batch (records per stream per transaction)
  interval = \"1m\"            as --interval
  status = \"…\"               as --status (default: DIR/persist.status.json)
Flags override the file (--no-follow overrides follow = true); relative paths in the file are relative \
to its folder; a bad value is refused naming the key and the file. A password in a postgres:// URL \
never appears in logs, errors or the serialised config: it shows as ***.

Exit codes: 0 ok, 1 failed (journal or database), 2 bad usage or config.";

/// `alphapulse persist`'s command line; resolved with the config file into [`Args`].
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Cli {
    /// The run's journal folder (stream sub-folders and run.json).
    #[arg(long, value_name = "DIR")]
    pub journal: PathBuf,
    /// The database: `sqlite:PATH` (created if missing) or `postgres://USER[:PASS]@HOST:PORT/DB`
    /// (a Unix socket: `postgres://USER@/DB?host=/socket/dir&port=PORT`); the database must exist.
    /// Default: `[persist] db` of --config.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// A TOML file whose `[persist]` table gives the defaults of these options (other tables are
    /// ignored); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Keep tailing the journal until SIGINT/SIGTERM or every stream's clean close. The journal
    /// may not exist yet: persist opens the database, then waits for the run's run.json.
    #[arg(long, overrides_with = "no_follow")]
    pub follow: bool,
    /// Stop at the journal's current end even if the config file says `follow = true`.
    #[arg(long, overrides_with = "follow")]
    pub no_follow: bool,
    /// Records per stream per transaction [default: 5000].
    #[arg(long, value_name = "N")]
    pub batch: Option<usize>,
    /// Bar interval for market_data (1s, 5s, 1m, 5m, 15m, 1h, 4h, 1d) [default: 1m].
    #[arg(long, value_name = "INTERVAL")]
    pub interval: Option<String>,
    /// Where the progress file goes [default: DIR/persist.status.json].
    #[arg(long, value_name = "FILE")]
    pub status: Option<PathBuf>,
    #[command(flatten)]
    pub priority: crate::slow_priority::SlowPriority,
}

impl Cli {
    /// The options: each flag given, else the file's key, else the default.
    pub fn resolve(self) -> Result<Args, String> {
        let file = match &self.config {
            Some(f) => Some(PersistConfig::load(f)?),
            None => None,
        };
        let f = file.clone().unwrap_or_default();
        let db = self.db.or(f.db).ok_or_else(|| match &self.config {
            Some(c) => format!("no database: give --db URL or set [persist] db in {}", c.display()),
            None => "no database: give --db URL (or --config FILE with [persist] db)".to_string(),
        })?;
        let follow = if self.no_follow { false } else { self.follow || f.follow };
        Ok(Args {
            journal: self.journal,
            db,
            follow,
            batch: self.batch.unwrap_or(f.batch),
            interval: self.interval.unwrap_or(f.interval),
            status: self.status.or(f.status),
            priority: self.priority,
        })
    }
}

impl clap::Args for Args {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        Cli::augment_args(cmd)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Cli::augment_args_for_update(cmd)
    }
}

impl clap::FromArgMatches for Args {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Cli::from_arg_matches(m)?
            .resolve()
            .map_err(|e| clap::Error::raw(clap::error::ErrorKind::ValueValidation, e.trim_end()))
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_json_hide_the_password() {
        let c = PersistConfig { db: Some("postgres://ap:hunter2@db:5432/x".into()), ..Default::default() };
        let (dbg, json) = (format!("{c:?}"), serde_json::to_string(&c).unwrap());
        for s in [&dbg, &json] {
            assert!(!s.contains("hunter2") && s.contains("postgres://ap:***@db:5432/x"), "{s}");
        }
        let a = Args {
            journal: "j".into(),
            db: "postgres://ap:hunter2@db/x".into(),
            follow: false,
            batch: 1,
            interval: "1m".into(),
            status: None,
            priority: Default::default(),
        };
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("hunter2") && dbg.contains("ap:***@db/x"), "{dbg}");
    }

    #[test]
    fn toml_errors_quoting_a_url_hide_its_password() {
        let t = redact_text("2 | db = \"postgres://ap:hunter2@h/x\" x\nnext");
        assert_eq!(t, "2 | db = \"postgres://ap:***@h/x\" x\nnext");
    }
}
