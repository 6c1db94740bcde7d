//! Sockets for the live feed's pinned, busy-polling thread: a WebSocket client ([`WsClient`])
//! and a one-shot HTTP/1.1 GET ([`HttpGet`]) over non-blocking mio TCP sockets, TLS by rustls
//! (the `ring` provider, webpki roots) driven by hand, and a DNS [`Resolver`] thread.
//!
//! Every call returns at once: this crate never sleeps, blocks, reads a clock or decides policy
//! (timeouts, backoff, reconnects, pings, rate limits are the caller's).
//!
//! Where things live: [`endpoint`](Endpoint) parses URLs; `tls` holds the rustls config;
//! `resolve` the lookup thread; `conn` one plain-or-TLS non-blocking connection; `head` the
//! HTTP response heads (httparse); [`frame`] the RFC 6455 codec (tungstenite makes the upgrade
//! key and checks the accept; frames are read by our own decoder, which allocates nothing per
//! frame where tungstenite builds a `Message` per frame); `ws` the WebSocket client; `http` the GET.
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

pub use endpoint::{Endpoint, Scheme};
pub use error::NetError;
pub use http::{HttpGet, HttpOptions, HttpResponse};
pub use resolve::{literal, Resolver};
pub use tls::TlsConfig;
pub use ws::{WsClient, WsEvent, WsOptions, WsState, WsStats};
