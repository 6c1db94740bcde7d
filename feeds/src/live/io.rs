//! What the live feed needs from the network, as three small traits, so that its logic (sync,
//! reconnects, pacing, rollover) is the same over real sockets (`crate::live::net`, on
//! `alphapulse-net`) and over a scripted fake in tests.
//!
//! Everything here is non-blocking: a call returns at once; `next_event`/`poll` report what has
//! arrived.

use alphapulse_types::FeedReason;

/// Why a connection or a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    pub reason: FeedReason,
    /// The HTTP status that refused an upgrade or a request (0: none).
    pub status: u16,
    /// `Retry-After` of a 429/418, in seconds.
    pub retry_after_secs: Option<u64>,
    /// The close code of a server close frame.
    pub close_code: Option<u16>,
}

impl Failure {
    /// A failure with only a reason.
    pub const fn of(reason: FeedReason) -> Self {
        Failure { reason, status: 0, retry_after_secs: None, close_code: None }
    }
}

/// One thing a WebSocket connection reports.
#[derive(Debug)]
pub enum WsIn<'a> {
    /// The upgrade succeeded.
    Opened,
    /// A complete text message, mutable: it is parsed in place.
    Text(&'a mut [u8]),
    /// A ping; the feed answers it with a pong copying `payload`.
    Ping(&'a [u8]),
    /// Anything else that needs no action (a pong, a binary message).
    Other,
}

/// A WebSocket client connection.
pub trait WsIo {
    /// The next event, if one has arrived (one message per call, so that the feed handles at most
    /// one market frame per poll). `Err`: the connection is over.
    fn next_event(&mut self) -> Result<Option<WsIn<'_>>, Failure>;
    /// Queue a text message.
    fn send_text(&mut self, msg: &[u8]) -> Result<(), Failure>;
    /// Queue a pong.
    fn send_pong(&mut self, payload: &[u8]) -> Result<(), Failure>;
    /// Start a clean close; the connection is dropped afterwards.
    fn close(&mut self);
}

/// A complete HTTP response.
#[derive(Debug)]
pub struct HttpReply<'a> {
    pub status: u16,
    pub retry_after_secs: Option<u64>,
    /// Binance's `X-MBX-USED-WEIGHT-1M`: the IP's request weight this minute.
    pub used_weight_1m: Option<u32>,
    pub body: &'a mut [u8],
}

/// One GET in flight.
pub trait HttpIo {
    /// `Ok(None)` while in flight.
    fn poll(&mut self) -> Result<Option<HttpReply<'_>>, Failure>;
}

/// Opens connections and requests against the configured endpoints.
pub trait Net {
    type Ws: WsIo;
    type Http: HttpIo;
    /// Connect to the WebSocket base with this path and query (`/stream?streams=...`).
    fn connect(&mut self, path_and_query: &str) -> Result<Self::Ws, Failure>;
    /// GET from the REST base with this path and query (`/api/v3/depth?symbol=...`).
    fn get(&mut self, path_and_query: &str) -> Result<Self::Http, Failure>;
}
