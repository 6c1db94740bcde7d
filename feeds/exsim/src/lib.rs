//! `alphapulse-exsim`: a local stand-in for Binance that serves the real captures over real
//! WebSocket and HTTP on 127.0.0.1, at the capture's pace, N times faster, or as fast as clients
//! read, and injects faults on request. A standalone test server: it depends on no alphapulse
//! crate, so the feed's tests can use it.
//!
//! ```no_run
//! use alphapulse_exsim::{start, Fault, SimConfig, Speed};
//! let mut cfg = SimConfig::new(vec!["feeds/testdata/btcusdt_20240808.gz".into()]);
//! cfg.speed = Speed::Paced(10.0);
//! let sim = start(cfg)?;
//! println!("ws://{}/stream?streams=btcusdt@depth@100ms", sim.ws_addr());
//! println!("http://{}/api/v3/depth?symbol=BTCUSDT&limit=1000", sim.http_addr());
//! sim.inject(Fault::DropDepth { symbol: Some("BTCUSDT".into()), count: 2 });
//! sim.shutdown();
//! # Ok::<(), alphapulse_exsim::SimError>(())
//! ```
//!
//! # What it serves
//! Captures are gzip text, `<local_recv_ns> <frame>` per line (see `shared/data/PROVENANCE.md`).
//! A file's symbol is its name before `_`; files with the same prefix continue one stream (in
//! name order); symbols merge by `<ns>` (`capture.rs`). The day's first REST snapshot line seeds
//! the symbol's book. The venue is detected per file (`pu`, `@0ms`, futures bookTicker `e`,
//! snapshot `E`) or forced by [`SimConfig::venue`]; a symbol captured on both venues is refused
//! (stream names would collide: run one simulator per venue).
//!
//! # URL shapes (both venues on the same two listeners)
//! * WebSocket (`ws.rs`): `/stream?streams=a/b/c` (combined: the captured wrapper, byte-exact)
//!   and `/ws/<stream>` or `/ws` (raw: the `data` object's exact bytes). Control messages
//!   (`control.rs`): `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`/
//!   `GET_PROPERTY ["combined"]`; anything else gets `{"error":{"code":2,"msg":..},"id":N}`
//!   (also for bad JSON, where Binance would say code 3). Enforced: more than
//!   `max_incoming_msgs_per_sec` messages (text, ping, pong, close) in any 1 s closes the
//!   connection; more than 1024 streams is refused (upgrade 400, or an error reply to SUBSCRIBE);
//!   connect attempts per IP over 5 minutes above `max_connects_per_5min` get HTTP 429; a ping
//!   (payload: server ms as text) every `ping_interval`, closed if no pong echoing it within
//!   `pong_timeout` (unsolicited pongs do not count); closed at `max_connection_age`.
//! * REST (`router.rs`, order endpoints go there as new rows): spot `GET /api/v3/depth`
//!   (`limit` default 100, max 5000, weight 5/25/50/250), `/api/v3/exchangeInfo` (20),
//!   `/api/v3/ping`, `/api/v3/time`; USD-M `/fapi/v1/depth` (with `E`,`T`; default 500, max 1000,
//!   weight 2/5/10/20), `/fapi/v1/exchangeInfo`, `/fapi/v1/ping`, `/fapi/v1/time`. Every
//!   response has `X-MBX-USED-WEIGHT-1M`. Over `ip_weight_per_minute` → 429 with `Retry-After`;
//!   `backoff_strikes` (3) more refused requests → 418 ban for `ban_duration`. One request per
//!   connection (`Connection: close`). `exchangeInfo`: see `exinfo.rs`.
//! * The depth book (`book.rs`) is exact (prices as scaled integers, strings kept) and is served
//!   as of the last depth event broadcast (`lastUpdateId` = its `u`), so Binance's sync procedure
//!   works; before the first event past the snapshot it is the snapshot itself.
//!
//! # Streams the captures lack (`synth.rs`)
//! `<s>@aggTrade` (one per trade) and `<s>@kline_1m` / `<s>@kline_1s` (one update per trade).
//! Each depth capture is served under both `@depth@100ms` and `@depth@0ms` (spot captures are
//! 100 ms, USD-M 0 ms); plain `@depth` (1 s) is not served.
//!
//! # Pace, retime, loop (`market.rs`)
//! [`Speed::Paced`]`(m)`: frame k at `start + (ns_k - ns_0)/m`; a connection whose queue
//! (`max_queue_frames`) is full is dropped as a slow consumer. [`Speed::Max`]: no sleeps, a full
//! queue blocks the market (as fast as the slowest client reads). `wait_for_clients` holds the
//! market until that many clients connected. `retime` (default on) adds one constant to every
//! exchange time (`E`, `T`) so the first frame is "now" (`rewrite.rs`: text edits, the rest stays
//! byte-exact). `loop_forever`: at the end the replay starts again with every id (`U`, `u`, `pu`,
//! `lastUpdateId`, `t`, `a`, `f`, `l`) shifted by the capture's id span + 1,000,000 and times by
//! its time span + 1 s, books reset to the (shifted) snapshot: a declared gap a client must resync
//! on, never a silent splice.
//!
//! # Faults ([`Fault`], `fault.rs`)
//! Ask with [`SimHandle::inject`], `POST /_sim/fault?kind=<k>&symbol=<S>&count=<n>&ms=<t>[&conn=<id>]`
//! on the HTTP listener (`GET /_sim/stats` gives [`SimStats`]), or a seeded [`FaultSchedule`].
//! Kinds: `disconnect`, `drop_depth`, `malformed`, `duplicate`, `stale_snapshot`,
//! `slow_snapshot`, `server_shutdown`, `stall`, `slow_consumer`, `http_429`, `http_418`.
//!
//! # What differs from Binance
//! Plain TCP (no TLS); one listener for both venues; no `timeUnit`, `@depth<N>`, plain `@depth`,
//! `@ticker` streams; klines updated per trade rather than every 2 s; HTTP/1.1 without
//! keep-alive; unknown stream names are accepted silently; `exchangeInfo` is minimal unless a
//! file is given; `serverTime` is the wall clock even with `retime` off.

#![forbid(unsafe_code)]

mod book;
mod capture;
mod config;
mod control;
mod decimal;
mod error;
mod exinfo;
mod fault;
mod handle;
mod http;
mod hub;
mod limits;
mod market;
mod rewrite;
mod router;
mod shared;
mod stats;
mod synth;
mod ws;

pub use config::{SimConfig, Speed, Venue};
pub use error::SimError;
pub use fault::{Fault, FaultSchedule, FAULT_KINDS};
pub use handle::{start, SimHandle};
pub use market::{LOOP_ID_GAP, LOOP_TIME_GAP_MS};
pub use stats::SimStats;
