//! `SimStats`: what the simulator did, as counters (served as JSON by `GET /_sim/stats`).

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counters of one simulator run (serde-serializable; `SimHandle::stats` takes a copy).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SimStats {
    /// WebSocket upgrades accepted.
    pub connections_accepted: u64,
    /// WebSocket upgrades refused (connect rate 429, too many streams, bad path).
    pub connections_refused: u64,
    /// WebSocket connections open now.
    pub connections_open: u64,
    /// Frames written, by stream kind (`depth@100ms`, `bookTicker`, `trade`, `kline_1m`, ...).
    pub frames_sent: BTreeMap<String, u64>,
    /// Payload bytes of the frames written (WebSocket headers not counted).
    pub bytes_sent: u64,
    /// Frames a stalled connection did not get.
    pub frames_dropped_stalled: u64,
    /// Depth events skipped by `drop_depth`.
    pub depth_events_dropped: u64,
    /// REST requests by path, then by HTTP status.
    pub rest_requests: BTreeMap<String, BTreeMap<u16, u64>>,
    /// REST requests answered 429 by the weight limit (not by faults).
    pub rest_rate_limited: u64,
    /// REST requests answered 418 by the ban (not by faults).
    pub rest_banned: u64,
    /// Faults injected, by kind.
    pub faults_injected: BTreeMap<String, u64>,
    /// Paced connections whose queue overflowed (closed, as Binance does).
    pub slow_consumer_disconnects: u64,
    /// Connections closed for not answering a ping in time.
    pub ping_timeout_disconnects: u64,
    /// Connections closed for sending too many messages per second.
    pub rate_limit_disconnects: u64,
    /// Connections closed for their age.
    pub age_disconnects: u64,
    /// SUBSCRIBE/UNSUBSCRIBE/... messages answered.
    pub control_messages: u64,
    /// Control messages answered with an error.
    pub control_errors: u64,
    /// Capture frames replayed by the market (all streams, sent or not).
    pub frames_replayed: u64,
    /// `<local_recv_ns>` of the last replayed frame.
    pub last_capture_ns: u64,
    /// Times the replay went back to the start (`loop_forever`).
    pub loops_completed: u64,
    /// The replay has ended (never with `loop_forever`).
    pub done: bool,
}

/// The live counters behind one lock.
#[derive(Default)]
pub(crate) struct Stats(Mutex<SimStats>);

impl Stats {
    /// Change the counters.
    pub fn with<R>(&self, f: impl FnOnce(&mut SimStats) -> R) -> R {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
    /// A copy.
    pub fn snapshot(&self) -> SimStats {
        self.with(|s| s.clone())
    }
}

/// `map[key] += n`.
pub(crate) fn bump(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    match map.get_mut(key) {
        Some(v) => *v += n,
        None => {
            map.insert(key.to_string(), n);
        }
    }
}
