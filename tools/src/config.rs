//! The one TOML config file of a run, validated at start: every error names the key and the problem.
//! Every table is optional; defaults are sane for the BTCUSDT sample. See `tools/config/backtest.toml`
//! for every key with its default.

use alphapulse_feeds::FeedConfig;
use alphapulse_gateways::sim::SimConfig;
use alphapulse_oms::RouterConfig;
use alphapulse_risk::RiskConfig;
use alphapulse_runtime::{OnFull, PlacementConfig};
use alphapulse_shm::{Durability, Retention, StreamConfig};
use alphapulse_strategy::StrategyConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A config problem: bad usage, exit code 2.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config key `{key}`: {message}")]
    Invalid { key: String, message: String },
    #[error("{0}")]
    Usage(String),
}

/// The whole file.
#[derive(Clone, Debug, Default, Deserialize)]
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
    pub placement: PlacementConfig,
    pub strategy: StrategyConfig,
    pub risk: RiskConfig,
    pub router: RouterConfig,
    pub sim: SimConfig,
    pub journal: JournalConfig,
}

/// The `[journal]` table: how each actor's stream is written (the folder is a command-line choice).
#[derive(Clone, Debug, Deserialize)]
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
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            segment_size: 4 << 20,
            durability: Durability::None,
            retention: Retention::default(),
            on_full: OnFull::default(),
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
    /// Read and validate `path`; relative paths in it become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.into(), source })?;
        let mut cfg: Config = toml::from_str(&text)
            .map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in cfg.data.iter_mut().chain(cfg.exchange_info.iter_mut()) {
            if p.is_relative() {
                *p = base.join(&*p);
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
        self.strategy.validate().map_err(key("strategy"))?;
        self.risk.validate().map_err(key("risk"))?;
        self.router.validate().map_err(key("router"))?;
        self.sim.validate().map_err(key("sim"))?;
        self.journal.stream().validate().map_err(key("journal"))?;
        Ok(())
    }
}
