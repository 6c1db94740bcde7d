//! The one TOML config file of a run, validated at start: every error names the key and the problem.
//! Every table is optional; defaults are sane for the BTCUSDT sample. See `tools/config/backtest.toml`
//! for every key with its default.

use alphapulse_feeds::live::LiveConfig;
use alphapulse_feeds::FeedConfig;
use alphapulse_gateways::sim::SimConfig;
use alphapulse_oms::RouterConfig;
use alphapulse_risk::RiskConfig;
use alphapulse_runtime::{OnFull, PlacementConfig};
use alphapulse_shm::{Durability, Retention, StreamConfig};
use alphapulse_strategy::StrategyConfig;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A config problem: bad usage, exit code 2.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {error}")]
    Read { path: PathBuf, error: std::io::Error },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config key `{key}`: {message}")]
    Invalid { key: String, message: String },
    #[error("{0}")]
    Usage(String),
}

/// The whole file. It also serialises (to JSON in a journal's `run.json`) and reads back to the
/// same values, so a replay can run with the config of the run it replays.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Capture files to replay, in order (relative paths are relative to the config file).
    pub data: Vec<PathBuf>,
    /// A Binance `exchangeInfo` response (raw JSON or a cryptofeed capture of one); default: the
    /// instruments of the shipped sample.
    pub exchange_info: Option<PathBuf>,
    /// Only these symbols (default: every symbol in the instrument table).
    pub symbols: Vec<String>,
    pub feed: FeedConfig,
    /// The live feed of `alphapulse run` and `alphapulse record` (endpoints, symbols, streams,
    /// limits); a backtest ignores it.
    pub live: LiveConfig,
    pub placement: PlacementConfig,
    pub strategy: StrategyConfig,
    pub risk: RiskConfig,
    pub router: RouterConfig,
    pub sim: SimConfig,
    pub journal: JournalConfig,
    /// The control socket of `run` and `backtest --control` (path, who may do what, limits).
    pub control: alphapulse_control::ControlConfig,
    /// The slow path's alert rules and channels (`alphapulse dashboard` evaluates them).
    pub alerts: crate::alerts::AlertsConfig,
    /// `alphapulse dashboard`: bind address, token, limits (see `crate::dashboard`).
    pub dashboard: crate::dashboard::DashboardConfig,
    /// `alphapulse persist --config FILE`: database, follow, batch, interval, status file (see
    /// `crate::persist::config`); serialised with the database password as `***`.
    pub persist: crate::persist::config::PersistConfig,
}

/// The `[journal]` table: how each actor's stream is written (the folder is a command-line choice).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalConfig {
    /// Segment file size in bytes: a power of two in [4096, 1 GiB]. Every stream has at least one
    /// segment, and segments are pre-faulted (really allocated), so a small run with 64 MiB
    /// segments would leave 5 × 64 MiB behind: the default is 4 MiB.
    pub segment_size: u64,
    /// msync policy: `"none"`, `{ every_records = N }` (inline: slow) or `{ every_millis = T }`.
    pub durability: Durability,
    /// `{ max_segments = N, max_age_secs = T }`, applied by the journal upkeep thread.
    pub retention: Retention,
    /// When the journal's disk is full: `"stop"` (default: stop the run cleanly, mark the journal
    /// incomplete, exit 1) or `"continue"` (run on unjournaled; the journal is marked incomplete).
    pub on_full: OnFull,
    /// Run folders kept under the default `runs/` (the newest, this run's included); older ones are
    /// removed at the start of a run, each named on stderr with its size. 0 keeps all. A
    /// `--journal DIR` is never pruned.
    pub keep_runs: usize,
}

/// Default of `[journal] keep_runs`.
pub const DEFAULT_KEEP_RUNS: usize = 5;

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            segment_size: 4 << 20,
            durability: Durability::None,
            retention: Retention::default(),
            on_full: OnFull::default(),
            keep_runs: DEFAULT_KEEP_RUNS,
        }
    }
}

impl JournalConfig {
    /// The stream configuration every actor's stream gets.
    pub fn stream(&self) -> StreamConfig {
        StreamConfig {
            segment_size: self.segment_size,
            durability: self.durability,
            retention: self.retention.clone(),
        }
    }
}

impl Config {
    /// Read and validate `path`; relative paths in it (captures, exchangeInfo, plugin files, the ML
    /// agent's `model` and `library`) become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|error| ConfigError::Read { path: path.into(), error })?;
        let mut cfg: Config = toml::from_str(&text)
            .map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in cfg.data.iter_mut().chain(cfg.exchange_info.iter_mut()) {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        for e in cfg.strategy.plugins.iter_mut() {
            if let Some(p) = e.path.as_mut().filter(|p| Path::new(p.as_str()).is_relative()) {
                *p = base.join(&*p).to_string_lossy().into_owned();
            }
            // The ML agent's model and library files, like every path in the file.
            if e.builtin.as_deref() == Some(alphapulse_ml::MlAgent::NAME) {
                for key in alphapulse_ml::spec::PATH_KEYS {
                    if let Some(p) = e.params.get_mut(*key).filter(|p| Path::new(p.as_str()).is_relative()) {
                        *p = base.join(&*p).to_string_lossy().into_owned();
                    }
                }
            }
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Check every table; errors are prefixed with the table name.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn key<E: std::fmt::Display>(table: &str) -> impl Fn(E) -> ConfigError + '_ {
            move |e| ConfigError::Invalid { key: table.into(), message: e.to_string() }
        }
        self.feed.validate().map_err(key("feed"))?;
        self.live.validate().map_err(key("live"))?;
        self.strategy.validate().map_err(key("strategy"))?;
        self.risk.validate().map_err(key("risk"))?;
        self.router.validate().map_err(key("router"))?;
        self.sim.validate().map_err(key("sim"))?;
        self.journal.stream().validate().map_err(key("journal"))?;
        if let Err(e) = self.control.validate() {
            return Err(ConfigError::Invalid { key: e.key, message: e.message });
        }
        if let Err(e) = self.alerts.validate() {
            return Err(ConfigError::Invalid { key: "alerts".into(), message: e.to_string() });
        }
        if let Err((key, message)) = self.persist.validate() {
            return Err(ConfigError::Invalid { key: format!("persist.{key}"), message });
        }
        self.check_open_orders()?;
        self.check_level_capacity()
    }

    /// Risk may not allow more open orders than the router's order table holds: past that the
    /// router refuses approved orders (`order_table_full`), and risk's own table, sized by the
    /// limit, would only be bigger (and slower: its probes spread over more cache lines) for
    /// nothing.
    fn check_open_orders(&self) -> Result<(), ConfigError> {
        // A strategy's fault cancels every working order in one go (at most `max_open_orders`):
        // they must fit a ring between two actors.
        // (A ring below the smallest allowed is the placement's error, reported when it resolves.)
        let ring = self.placement.ring_capacity;
        if ring >= alphapulse_runtime::MIN_RING_CAPACITY && self.risk.max_open_orders as usize > ring {
            return Err(ConfigError::Invalid {
                key: "risk.max_open_orders".into(),
                message: format!(
                    "{} is more than [placement] ring_capacity ({ring}): cancelling every working order at \
                     once would not fit a ring",
                    self.risk.max_open_orders
                ),
            });
        }
        let (open, table) = (self.risk.max_open_orders, self.router.max_orders);
        if open > table {
            return Err(ConfigError::Invalid {
                key: "risk.max_open_orders".into(),
                message: format!(
                    "{open} is more than router.max_orders {table} (the router's order table could not \
                     hold them); lower it or raise router.max_orders"
                ),
            });
        }
        Ok(())
    }

    /// Depth levels one feed step can write into its thread's level store: a snapshot's whole
    /// book (`2 × book_levels`) and the buffered updates it releases (`max_buffered_levels`), or
    /// one frame's `2 × max_frame_levels`, whichever is more.
    pub fn max_step_levels(&self) -> usize {
        let f = &self.feed;
        (2usize.saturating_mul(f.book_levels).saturating_add(f.max_buffered_levels))
            .max(2usize.saturating_mul(f.max_frame_levels))
    }

    /// `[placement] level_capacity` must hold one step's levels (see [`Config::max_step_levels`]);
    /// its bounds are checked by the placement itself. (A depth update is one message, so
    /// `ring_capacity` no longer depends on the book's depth.)
    fn check_level_capacity(&self) -> Result<(), ConfigError> {
        let cap = self.placement.level_capacity;
        let need = self.max_step_levels();
        if cap < need {
            return Err(ConfigError::Invalid {
                key: "placement.level_capacity".into(),
                message: format!(
                    "{cap} cannot hold one feed step's depth levels: max(2 × feed.book_levels {} + \
                     feed.max_buffered_levels {}, 2 × feed.max_frame_levels {}) = {need}; raise it to {} or \
                     lower those",
                    self.feed.book_levels,
                    self.feed.max_buffered_levels,
                    self.feed.max_frame_levels,
                    need.checked_next_power_of_two().unwrap_or(usize::MAX)
                ),
            });
        }
        Ok(())
    }

    /// This config as JSON (what `run.json` records).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Read back a config recorded by [`Config::to_json`] and validate it.
    pub fn from_json(v: &serde_json::Value) -> Result<Config, String> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        cfg.validate().map_err(|e| e.to_string())?;
        Ok(cfg)
    }
}

/// The keys (dotted paths) whose values differ between two configs recorded as JSON, with both
/// values: `(key, a, b)`. Tables are compared key by key; anything else (lists included) as a whole.
pub fn json_differences(a: &serde_json::Value, b: &serde_json::Value) -> Vec<(String, String, String)> {
    fn walk(
        path: &str,
        a: Option<&serde_json::Value>,
        b: Option<&serde_json::Value>,
        out: &mut Vec<(String, String, String)>,
    ) {
        use serde_json::Value::Object;
        match (a, b) {
            (Some(Object(x)), Some(Object(y))) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    walk(&p, x.get(k), y.get(k), out);
                }
            }
            (x, y) if x != y => {
                let show = |v: Option<&serde_json::Value>| v.map_or("(unset)".into(), |v| v.to_string());
                out.push((path.to_string(), show(x), show(y)));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", Some(a), Some(b), &mut out);
    out
}
