//! `SimConfig`: what to serve, how fast, the limits Binance enforces, and the fault schedule.

use crate::fault::FaultSchedule;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Which Binance venue a capture belongs to (decides REST paths and depth shapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Venue {
    /// Spot: `/api/v3/...`, depth events without `pu`.
    Spot,
    /// USD-M futures: `/fapi/v1/...`, depth events with `pu`, snapshot with `E`/`T`.
    UsdM,
}

/// Replay pace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// Frame k goes out at `start + (ns_k - ns_0) / multiplier` (1.0 = the capture's pace).
    Paced(f64),
    /// No sleeps; a full client queue blocks the market (as fast as the slowest client reads).
    Max,
}

impl std::str::FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Speed::Max);
        }
        match s.trim_end_matches('x').parse::<f64>() {
            Ok(m) if m.is_finite() && m > 0.0 => Ok(Speed::Paced(m)),
            _ => Err(format!("speed must be a positive number or `max`, got `{s}`")),
        }
    }
}

/// Everything the simulator needs; [`SimConfig::new`] fills Binance's defaults.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Capture files (gzip, `<ns> <frame>` lines). Same name prefix = one symbol's stream,
    /// continued in name order; several symbols merge by `<ns>`.
    pub captures: Vec<PathBuf>,
    /// Force every capture to one venue; `None` detects it per file (`pu` / `@0ms` / snapshot `E`).
    pub venue: Option<Venue>,
    /// Replay pace.
    pub speed: Speed,
    /// At the end, start again with ids and times shifted past the last ones (a declared gap).
    pub loop_forever: bool,
    /// Shift exchange times so the first frame is "now" (default on).
    pub retime: bool,
    /// WebSocket listener (port 0 = any free port).
    pub ws_bind: SocketAddr,
    /// HTTP listener (REST and the `/_sim/` control API).
    pub http_bind: SocketAddr,
    /// The market waits until this many WebSocket clients have connected (0 = start at once).
    pub wait_for_clients: usize,
    /// Server ping period (Binance: 20 s).
    pub ping_interval: Duration,
    /// No pong echoing the ping's payload within this → disconnect (Binance: 60 s).
    pub pong_timeout: Duration,
    /// The server closes a connection older than this (Binance: 24 h).
    pub max_connection_age: Duration,
    /// REST weight per IP per sliding minute; `None` = venue default (6000 spot, 2400 USD-M).
    pub ip_weight_per_minute: Option<u32>,
    /// Refused requests (429) an IP may send while told to back off before it is banned (418).
    pub backoff_strikes: u32,
    /// How long a 418 ban lasts.
    pub ban_duration: Duration,
    /// WebSocket connection attempts per IP per sliding 5 minutes (Binance: 300).
    pub max_connects_per_5min: u32,
    /// Incoming messages per connection in any 1 s window (Binance: 5).
    pub max_incoming_msgs_per_sec: u32,
    /// Streams per connection (Binance: 1024).
    pub max_streams: usize,
    /// Frames queued per connection before it counts as a slow consumer.
    pub max_queue_frames: usize,
    /// Grace between the `serverShutdown` event and the close.
    pub shutdown_grace: Duration,
    /// Inject random faults on a timer (seeded).
    pub fault_schedule: Option<FaultSchedule>,
    /// Serve this file verbatim as `exchangeInfo`; `None` = generate one from the captures.
    pub exchange_info: Option<PathBuf>,
    /// Log connections, faults and refusals on stderr (the binary turns this on).
    pub log: bool,
}

impl SimConfig {
    /// Binance's defaults, both listeners on `127.0.0.1:0`, `Paced(1.0)`, retime on.
    pub fn new(captures: Vec<PathBuf>) -> SimConfig {
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        SimConfig {
            captures,
            venue: None,
            speed: Speed::Paced(1.0),
            loop_forever: false,
            retime: true,
            ws_bind: local,
            http_bind: local,
            wait_for_clients: 0,
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(60),
            max_connection_age: Duration::from_secs(24 * 3600),
            ip_weight_per_minute: None,
            backoff_strikes: 3,
            ban_duration: Duration::from_secs(120),
            max_connects_per_5min: 300,
            max_incoming_msgs_per_sec: 5,
            max_streams: 1024,
            max_queue_frames: 4096,
            shutdown_grace: Duration::from_secs(5),
            fault_schedule: None,
            exchange_info: None,
            log: false,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), crate::SimError> {
        let bad = |m: &str| Err(crate::SimError::Config(m.to_string()));
        if self.captures.is_empty() {
            return Err(crate::SimError::NoCaptures);
        }
        if self.max_queue_frames == 0 {
            return bad("max_queue_frames must be at least 1");
        }
        if self.ping_interval.is_zero() || self.pong_timeout.is_zero() {
            return bad("ping_interval and pong_timeout must be positive");
        }
        if let Speed::Paced(m) = self.speed {
            if !(m.is_finite() && m > 0.0) {
                return bad("speed multiplier must be positive");
            }
        }
        Ok(())
    }
}
