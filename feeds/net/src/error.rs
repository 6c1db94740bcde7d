//! The one error type of the crate.

/// Why a URL, a lookup, a connection or a request failed. A connection that returned one of these
/// from `poll` is dead and stays dead.
#[derive(thiserror::Error, Debug)]
pub enum NetError {
    /// A socket call failed (reset, refused, unreachable...).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// TLS failed: bad certificate, bad record, alert from the peer.
    #[error("tls: {0}")]
    Tls(#[from] rustls::Error),
    /// A root certificate given to [`crate::TlsConfig::with_root_der`] was refused.
    #[error("bad root certificate: {0}")]
    BadRoot(String),
    /// The URL could not be used; the text says why.
    #[error("bad url {url:?}: {why}")]
    BadUrl { url: String, why: &'static str },
    /// The host name did not resolve.
    #[error("resolve {host:?}: {why}")]
    Resolve { host: String, why: String },
    /// The resolver thread is gone (it panicked or could not be spawned).
    #[error("the resolver thread is gone")]
    ResolverGone,
    /// The peer broke the protocol (WebSocket framing or HTTP); the text says how.
    #[error("protocol: {0}")]
    Protocol(&'static str),
    /// A WebSocket message (all its fragments) is longer than `WsOptions::max_message_bytes`.
    #[error("message over {limit} bytes")]
    MessageTooLarge { limit: usize },
    /// A send found no room in the write buffer; nothing was queued. `poll` flushes it.
    #[error("write buffer full")]
    WriteBufferFull,
    /// A send before the upgrade finished or after `close` started (the state is not Open).
    #[error("the connection is not open")]
    NotOpen,
    /// The connection is closed (close handshake done, or a call after an earlier error);
    /// `code` is the close code the server sent, if any.
    #[error("closed (code {code:?})")]
    Closed { code: Option<u16> },
    /// The peer closed the TCP connection (or TLS without close_notify) without a close frame.
    #[error("connection closed by the peer")]
    Eof,
    /// The server answered the WebSocket upgrade with another status than 101
    /// (Binance: 429 too many connections, 418 banned; `Retry-After` in seconds).
    #[error("upgrade refused with status {status} (retry after {retry_after_secs:?} s)")]
    HandshakeRefused { status: u16, retry_after_secs: Option<u64> },
    /// An HTTP response body is longer than `HttpOptions::max_body_bytes`.
    #[error("body over {limit} bytes")]
    BodyTooLarge { limit: usize },
    /// An HTTP response head is longer than the crate's limit (64 KiB) or malformed.
    #[error("bad response head: {0}")]
    BadResponse(&'static str),
}
