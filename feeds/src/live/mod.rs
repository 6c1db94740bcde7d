//! The live Binance feed: WebSocket streams and REST depth snapshots into the same
//! [`crate::Decoder`] as the replay, so live and replayed frames give the same messages.
//!
//! Where things live:
//! - [`config`]: the `[live]` table ([`LiveConfig`]): endpoints, symbols, streams and every limit;
//! - [`policy`]: backoff with jitter, the connection-attempt budget, the outgoing-message pacer,
//!   the REST weight budget with 429/418 handling;
//! - [`io`]: the three traits the feed needs from the network ([`Net`], [`WsIo`], [`HttpIo`]);
//! - [`feed`]: [`LiveFeed`], the sans-IO state machine (frames, dedup, journaled events);
//!   `links` (connections, pings, stalls, rollovers) and `snapshots` (REST sync) extend it;
//! - [`actor`]: [`LiveFeedActor`], the feed on the runtime (injected [`WallClock`], stop flag,
//!   [`LiveStatus`] for a status line);
//! - [`net`]: [`net::BinanceNet`], the network traits over real sockets (`alphapulse-net`: mio,
//!   rustls, our RFC 6455 codec) for Binance or the local exchange simulator;
//! - [`stats`]: the counters, [`LiveStats`].
//!
//! Every state change (connecting, connected, disconnected and why, backing off, stalled, a
//! rollover, a snapshot requested or refused, a resync) is counted in [`LiveStats::events`] and
//! handed to the sink as a journal-only `Msg::FeedEvent`.

pub mod actor;
pub mod config;
pub mod feed;
pub mod io;
mod links;
pub mod net;
pub mod policy;
mod snapshots;
pub mod stats;

pub use actor::{LiveFeedActor, LiveStatus, TscClock, WallClock};
pub use config::{LiveConfig, Subscribe, Venue};
pub use feed::{FrameTap, LiveFeed, SymbolSync, LIVE_FILE_BASE, NO_INST};
pub use io::{Failure, HttpIo, HttpReply, Net, WsIn, WsIo};
pub use stats::LiveStats;
