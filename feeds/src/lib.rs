//! Feed handlers: capture replay, Binance frame parsing, diff-depth book sync.
//!
//! Where things live:
//! - [`instruments`]: `exchangeInfo` loading ([`load_exchange_info`], [`sample_instruments`]) and the
//!   allocation-free symbol lookup [`SymbolMap`];
//! - [`source`] / `lines`: capture formats (detection, line prefixes), bounded line reading into
//!   one reused buffer per source, gzip via flate2 (zlib-rs);
//! - [`parse`]: simd-json tape parsing of bookTicker, trade, aggTrade, depthUpdate and REST
//!   snapshots into a reused [`parse::Frame`], behind the fast path `scan` (a hand-written scanner
//!   for the exact depth/bookTicker/trade/aggTrade shapes; everything else falls back to simd-json);
//! - [`pending`] / [`sync`]: the bounded pre-snapshot buffer and the per-instrument diff-depth
//!   state machine [`BookSync`] (Binance's documented procedure, gaps, resyncs);
//! - [`decode`]: [`Decoder`], one frame's text to market messages (parser, books, counters), shared
//!   by the replay and the live feed;
//! - [`replay`]: [`Replay`], merging capture sources by local time into the decoder;
//! - [`actor`]: [`FeedActor`], the runtime actor, with [`FeedConfig`] / [`FeedOptions`];
//! - [`live`]: the live Binance feed (WebSocket streams, REST snapshots, reconnects), sans-IO over
//!   the [`live::Net`] traits;
//! - [`record`]: the recorder: a tap on the live feed's thread (a bounded SPSC byte ring) and a
//!   writer thread writing raw frames and snapshots as gzip capture files, per symbol and hour;
//! - [`journal`]: [`JournalFeed`], the source that replays a journal stream (no parsing);
//! - [`stats`]: [`FeedStats`], every counter, malformed input by kind with its first occurrence,
//!   damaged files ([`DamagedFile`]) and each instrument's book sync status ([`BookSyncStatus`]);
//! - `gzcheck`: the gzip integrity check run at open (CRC and length of every member), so that a
//!   damaged file's garbage never reaches the parser;
//! - [`testdata`]: paths of the shared data and the bundled sample.
//!
//! ```no_run
//! use alphapulse_feeds::{sample_instruments, testdata, FeedActor, FeedOptions};
//! use alphapulse_runtime::{Poll, VecOutbox};
//! let mut feed = FeedActor::open(&[testdata::sample_capture()], &sample_instruments(), FeedOptions::defaults()).unwrap();
//! let mut out = VecOutbox::default();
//! while out.poll(&mut feed, 0) != Poll::Done {
//!     out.clear();
//! }
//! println!("{} frames, {} gaps", feed.stats().frames, feed.stats().gaps);
//! ```
#![forbid(unsafe_code)]

pub mod decode;
mod error;
mod gzcheck;
mod inflate;
mod lines;

pub mod actor;
pub mod instruments;
pub mod journal;
pub mod live;
pub mod parse;
pub mod pending;
pub mod record;
pub mod replay;
mod scan;
pub mod source;
pub mod stats;
pub mod symbols;
pub mod sync;
pub mod testdata;

pub use actor::{FeedActor, FeedConfig, FeedOptions};
pub use decode::{Decoded, Decoder, FramePos};
pub use error::FeedError;
pub use gzcheck::{DamageKind, DamagedFile};
pub use instruments::{
    load_exchange_info, load_exchange_info_filtered, parse_exchange_info, sample_instruments, SymbolMap,
};
pub use journal::{JournalFeed, JournalFeedError, JournalFeedStats};
pub use pending::DepthEvent;
pub use replay::Replay;
pub use source::{detect_format, CaptureFormat};
pub use stats::{FeedStats, FrameKind, MalformedCount, MalformedKind};
pub use symbols::capture_symbols;
pub use sync::{BookSync, BookSyncStatus, NotSynced, ReplaySink, SyncTime};
