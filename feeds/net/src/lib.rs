//! Sockets for the live feed's pinned, busy-polling thread: a WebSocket client ([`WsClient`])
//! and a one-shot HTTP/1.1 GET ([`HttpGet`]) over non-blocking mio TCP sockets, TLS by rustls
//! (the `ring` provider, webpki roots) driven by hand, and a DNS [`Resolver`] thread.
//!
//! Every call returns at once: this crate never sleeps, blocks, reads a clock or decides policy
//! (timeouts, backoff, reconnects, pings, rate limits are the caller's).
//!
//! Where things live: `endpoint` parses URLs ([`Endpoint`]); `tls` holds the rustls config
//! ([`TlsConfig`]); `resolve` the lookup thread; `conn` one plain-or-TLS non-blocking connection
//! (and why it asks a one-socket `mio::Poll` before reading); `head` HTTP response heads
//! (httparse); [`frame`] the RFC 6455 codec; `ws` the [`WsClient`] and `ws_types` its options, states, events and counters; `http` the [`HttpGet`].
//!
//! Allocations on the receive path (tests/zero_alloc.rs, the sample capture after warm-up):
//! - ws://: none. Tungstenite makes the upgrade key and checks `Sec-WebSocket-Accept`; frames are
//!   read by our own decoder over one reusable read buffer (an unfragmented message is lent in
//!   place, fragments are joined in a reused buffer), and sends mask into a fixed write buffer.
//!   Tungstenite's own read path allocated 0.04 times per message (it hands out a `Bytes` per
//!   message split off its read buffer, and refills it).
//! - wss://: 0.043 allocations per message, 2.9 per 16 KiB TLS record of received plaintext,
//!   pongs sent included. rustls 0.23 copies each received record's plaintext into a new `Vec`
//!   (and each sent record's ciphertext); its unbuffered API does the same in 0.23.48
//!   (`ReadTraffic::next_record` pops that same queue), so it would not help yet.
//!
//! Ingress (examples/ws_ingress.rs, release, 2-core VM shared with other builds, the sample
//! capture from a local server): with the server's writes batched, `WsClient` busy-polled on the
//! consuming thread took 2.9-4.0 M msgs/s (0.78-1.06 GB/s; wss:// 3.0-3.4 M) where
//! tokio-tungstenite on a current-thread runtime feeding an rtrb ring took 0.84-1.44 M; paced at
//! 100 k msgs/s, p50 from server write to delivery was 4.5-5.4 us (wss:// 5.1-5.4 us) against
//! 8-700 us. Run it again before quoting: the tails on this machine belong to the scheduler.
//!
//! ```no_run
//! use alphapulse_net::{Endpoint, TlsConfig, WsClient, WsEvent, WsOptions};
//! let e = Endpoint::parse("ws://127.0.0.1:9443/stream?streams=btcusdt@bookTicker").unwrap();
//! let addr = alphapulse_net::literal(&e.host, e.port).unwrap();
//! let mut ws = WsClient::connect(&e, addr, &TlsConfig::webpki(), &WsOptions::default()).unwrap();
//! loop {
//!     ws.poll(&mut |ev| match ev {
//!         WsEvent::Text(frame) => { /* parse in place */ let _ = frame; }
//!         _ => {}
//!     })
//!     .unwrap();
//! }
//! ```
#![forbid(unsafe_code)]

mod conn;
mod endpoint;
mod error;
pub mod frame;
mod head;
mod http;
mod resolve;
mod tls;
mod ws;
mod ws_types;

pub use endpoint::{Endpoint, Scheme};
pub use error::NetError;
pub use http::{HttpGet, HttpOptions, HttpResponse};
pub use resolve::{literal, Resolver};
pub use tls::TlsConfig;
pub use ws::WsClient;
pub use ws_types::{WsEvent, WsOptions, WsState, WsStats};
