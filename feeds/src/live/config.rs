//! The `[live]` table: where to connect, what to subscribe, and the limits that keep a feed
//! connected to Binance for days (PROTOCOL.md). Validated at start; every error names its key.

use crate::FeedError;
use serde::{Deserialize, Serialize};

/// Which Binance market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Venue {
    /// Spot: `/api/v3/depth`; depth events chain by `U == previous u + 1`.
    #[default]
    Spot,
    /// USD-M futures: `/fapi/v1/depth`; depth events chain by `pu == previous u`.
    Usdm,
}

impl Venue {
    /// The REST depth path.
    pub const fn depth_path(self) -> &'static str {
        match self {
            Venue::Spot => "/api/v3/depth",
            Venue::Usdm => "/fapi/v1/depth",
        }
    }
    /// Binance's request weight of a depth snapshot of `limit` levels (spot: 5/25/50/250 up to
    /// 100/500/1000/5000; USD-M: 2/5/10/20 up to 50/100/500/1000).
    pub const fn depth_weight(self, limit: u32) -> u32 {
        match self {
            Venue::Spot if limit <= 100 => 5,
            Venue::Spot if limit <= 500 => 25,
            Venue::Spot if limit <= 1000 => 50,
            Venue::Spot => 250,
            Venue::Usdm if limit <= 50 => 2,
            Venue::Usdm if limit <= 100 => 5,
            Venue::Usdm if limit <= 500 => 10,
            Venue::Usdm => 20,
        }
    }
    /// Largest snapshot `limit` the venue serves.
    pub const fn max_depth_limit(self) -> u32 {
        match self {
            Venue::Spot => 5000,
            Venue::Usdm => 1000,
        }
    }
}

/// How streams are requested on a connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subscribe {
    /// In the URL: `/stream?streams=a/b/c` (nothing to send; the URL is long with many streams).
    #[default]
    Url,
    /// `SUBSCRIBE` messages on `/stream`, paced under the incoming-message limit.
    Messages,
}

/// The `[live]` table.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveConfig {
    pub venue: Venue,
    /// WebSocket base, e.g. `wss://stream.binance.com:9443` (USD-M: `wss://fstream.binance.com`;
    /// the exchange simulator: `ws://127.0.0.1:PORT`).
    pub ws_url: String,
    /// REST base, e.g. `https://api.binance.com` (USD-M: `https://fapi.binance.com`).
    pub rest_url: String,
    /// Symbols (any case); each must be in the instrument table.
    pub symbols: Vec<String>,
    /// Streams per symbol, as Binance names them after `<symbol>@`: `depth@100ms`, `depth@0ms`
    /// (USD-M), `depth`, `bookTicker`, `trade`, `aggTrade`, `kline_1m`, ...
    pub streams: Vec<String>,
    pub subscribe: Subscribe,
    /// Streams per connection (Binance allows 1024).
    pub streams_per_connection: usize,
    /// Streams per `SUBSCRIBE` message (`subscribe = "messages"`).
    pub subscribe_batch: usize,
    /// Messages the feed sends per second per connection, pongs and SUBSCRIBEs together (Binance
    /// closes a connection that sends more than 5; default 4 leaves a margin).
    pub max_outgoing_per_sec: u32,
    /// Levels of each REST snapshot (spot up to 5000, USD-M up to 1000).
    pub snapshot_limit: u32,
    /// A snapshot request that takes longer is abandoned and retried.
    pub snapshot_timeout_ms: u64,
    /// Wait before requesting another snapshot of a symbol after one failed or did not bridge.
    pub snapshot_retry_ms: u64,
    /// Snapshot requests in flight at once.
    pub max_snapshots_in_flight: usize,
    /// REST weight the feed spends per minute (Binance's IP limit: 6000 spot, 2400 USD-M; the
    /// default leaves most of it to other clients of the same IP).
    pub rest_weight_per_minute: u32,
    /// Connecting, TLS and the upgrade together must finish within this.
    pub connect_timeout_ms: u64,
    /// No market data for this long on an open connection: it is stalled; reconnect.
    pub stall_timeout_ms: u64,
    /// First reconnect delay; doubled per failed attempt up to `backoff_max_ms`, half of it
    /// random (jitter), so that many clients never retry in step.
    pub backoff_initial_ms: u64,
    pub backoff_max_ms: u64,
    /// Connection attempts allowed per `connect_window_secs` (Binance: 300 per 5 minutes per IP).
    pub max_connects_per_window: u32,
    pub connect_window_secs: u64,
    /// Age after which a connection is replaced (Binance closes at 24 h): a new one is opened and
    /// the old one closed once the new one has caught up.
    pub rollover_after_secs: u64,
    /// Longest overlap of a replacement with the connection it replaces; past it the switch
    /// happens anyway (counted, and any symbol not proven contiguous resyncs).
    pub rollover_overlap_max_ms: u64,
    /// Largest WebSocket message accepted.
    pub max_message_bytes: usize,
    /// Largest REST body accepted.
    pub max_body_bytes: usize,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            venue: Venue::Spot,
            ws_url: "wss://stream.binance.com:9443".into(),
            rest_url: "https://api.binance.com".into(),
            symbols: vec!["btcusdt".into()],
            streams: vec!["depth@100ms".into(), "bookTicker".into(), "trade".into()],
            subscribe: Subscribe::Url,
            streams_per_connection: 200,
            subscribe_batch: 50,
            max_outgoing_per_sec: 4,
            snapshot_limit: 1000,
            snapshot_timeout_ms: 10_000,
            snapshot_retry_ms: 1_000,
            max_snapshots_in_flight: 2,
            rest_weight_per_minute: 1_200,
            connect_timeout_ms: 10_000,
            stall_timeout_ms: 15_000,
            backoff_initial_ms: 500,
            backoff_max_ms: 30_000,
            max_connects_per_window: 60,
            connect_window_secs: 300,
            rollover_after_secs: 23 * 3600,
            rollover_overlap_max_ms: 30_000,
            max_message_bytes: 4 << 20,
            max_body_bytes: 8 << 20,
        }
    }
}

fn url_ok(url: &str, schemes: &[&str]) -> bool {
    schemes
        .iter()
        .any(|s| url.strip_prefix(s).and_then(|r| r.strip_prefix("://")).is_some_and(|r| !r.is_empty()))
}

impl LiveConfig {
    /// Check every key; errors name the key.
    pub fn validate(&self) -> Result<(), FeedError> {
        let bad = |key, problem: String| Err(FeedError::Config { key, problem });
        if !url_ok(&self.ws_url, &["ws", "wss"]) {
            return bad("live.ws_url", format!("`{}` is not a ws:// or wss:// URL", self.ws_url));
        }
        if !url_ok(&self.rest_url, &["http", "https"]) {
            return bad("live.rest_url", format!("`{}` is not an http:// or https:// URL", self.rest_url));
        }
        if self.symbols.is_empty() {
            return bad("live.symbols", "at least one symbol".into());
        }
        if let Some(s) =
            self.symbols.iter().find(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return bad("live.symbols", format!("`{s}` is not a symbol (letters and digits)"));
        }
        if self.streams.is_empty() {
            return bad("live.streams", "at least one stream".into());
        }
        if let Some(s) = self.streams.iter().find(|s| {
            s.is_empty() || s.contains('/') || s.contains('?') || s.contains(' ') || s.starts_with('@')
        }) {
            return bad(
                "live.streams",
                format!("`{s}` is not a stream name (e.g. `depth@100ms`, `bookTicker`)"),
            );
        }
        if self.streams_per_connection == 0 || self.streams_per_connection > 1024 {
            return bad("live.streams_per_connection", "must be in 1..=1024 (Binance's limit)".into());
        }
        if self.subscribe_batch == 0 || self.subscribe_batch > 1024 {
            return bad("live.subscribe_batch", "must be in 1..=1024".into());
        }
        if self.max_outgoing_per_sec == 0 || self.max_outgoing_per_sec > 5 {
            return bad(
                "live.max_outgoing_per_sec",
                "must be in 1..=5 (Binance closes a connection past 5)".into(),
            );
        }
        let max = self.venue.max_depth_limit();
        if self.snapshot_limit == 0 || self.snapshot_limit > max {
            return bad("live.snapshot_limit", format!("must be in 1..={max} for this venue"));
        }
        if self.rest_weight_per_minute < self.venue.depth_weight(self.snapshot_limit) {
            return bad("live.rest_weight_per_minute", "smaller than one snapshot's weight".into());
        }
        if self.max_snapshots_in_flight == 0 {
            return bad("live.max_snapshots_in_flight", "must be positive".into());
        }
        for (key, v) in [
            ("live.snapshot_timeout_ms", self.snapshot_timeout_ms),
            ("live.connect_timeout_ms", self.connect_timeout_ms),
            ("live.stall_timeout_ms", self.stall_timeout_ms),
            ("live.backoff_initial_ms", self.backoff_initial_ms),
            ("live.connect_window_secs", self.connect_window_secs),
            ("live.rollover_after_secs", self.rollover_after_secs),
            ("live.rollover_overlap_max_ms", self.rollover_overlap_max_ms),
        ] {
            if v == 0 {
                return bad(key, "must be positive".into());
            }
        }
        if self.backoff_max_ms < self.backoff_initial_ms {
            return bad("live.backoff_max_ms", "must be at least backoff_initial_ms".into());
        }
        if self.max_connects_per_window == 0 || self.max_connects_per_window > 300 {
            return bad(
                "live.max_connects_per_window",
                "must be in 1..=300 (Binance: 300 per 5 minutes per IP)".into(),
            );
        }
        if self.rollover_after_secs >= 24 * 3600 {
            return bad(
                "live.rollover_after_secs",
                "must be under 24 h (Binance closes a connection at 24 h)".into(),
            );
        }
        if self.max_message_bytes < 4096 || self.max_body_bytes < 4096 {
            return bad(
                "live.max_message_bytes",
                "max_message_bytes and max_body_bytes must be at least 4096".into(),
            );
        }
        Ok(())
    }

    /// Every stream name, `<symbol>@<stream>` in lower case, symbol by symbol.
    pub fn stream_names(&self) -> Vec<String> {
        let mut v = Vec::with_capacity(self.symbols.len() * self.streams.len());
        for s in &self.symbols {
            for st in &self.streams {
                v.push(format!("{}@{}", s.to_ascii_lowercase(), st));
            }
        }
        v
    }

    /// True when the streams include a diff-depth stream (`depth`, `depth@100ms`, `depth@0ms`...;
    /// not the partial-book `depth5`/`depth10`/`depth20`).
    pub fn has_depth(&self) -> bool {
        self.streams.iter().any(|s| s == "depth" || s.starts_with("depth@"))
    }
}
