//! [`BinanceNet`]: the [`Net`] of the live feed over real sockets (`alphapulse-net`: mio, rustls
//! with the `ring` provider and webpki roots, our own RFC 6455 codec), for Binance or the local
//! exchange simulator — the same code, other URLs.
//!
//! Host names are resolved once at start (allowed: before the hot loop) and again on the
//! resolver's own thread whenever a connection is opened, so an address that changed is used by
//! the next attempt; the feed thread never waits for DNS.

use super::config::LiveConfig;
use super::io::{Failure, HttpIo, HttpReply, Net, WsIn, WsIo};
use crate::FeedError;
use alphapulse_net::{
    literal, Endpoint, HttpGet, HttpOptions, NetError, Resolver, TlsConfig, WsClient, WsEvent, WsOptions,
};
use alphapulse_types::FeedReason;
use std::net::{SocketAddr, ToSocketAddrs};

/// One endpoint and its current address.
struct Target {
    base: Endpoint,
    addr: SocketAddr,
    /// The lookup in flight on the resolver thread.
    ticket: Option<u64>,
}

impl Target {
    fn new(url: &str, key: &'static str) -> Result<Target, FeedError> {
        let bad = |problem: String| FeedError::Config { key, problem };
        let base = Endpoint::parse(url).map_err(|e| bad(e.to_string()))?;
        let addr = match literal(&base.host, base.port) {
            Some(a) => a,
            None => (base.host.as_str(), base.port)
                .to_socket_addrs()
                .map_err(|e| bad(format!("cannot resolve {}: {e}", base.host)))?
                .next()
                .ok_or_else(|| bad(format!("{} has no address", base.host)))?,
        };
        Ok(Target { base, addr, ticket: None })
    }
}

/// Real sockets to the configured WebSocket and REST endpoints.
pub struct BinanceNet {
    ws: Target,
    rest: Target,
    tls: TlsConfig,
    resolver: Option<Resolver>,
    ws_opts: WsOptions,
    http_opts: HttpOptions,
}

impl BinanceNet {
    /// Parse and resolve the endpoints of `cfg` (at start: this may wait for DNS).
    pub fn new(cfg: &LiveConfig) -> Result<BinanceNet, FeedError> {
        Self::with_tls(cfg, TlsConfig::webpki())
    }

    /// [`BinanceNet::new`] trusting `tls` (tests against a local TLS server).
    pub fn with_tls(cfg: &LiveConfig, tls: TlsConfig) -> Result<BinanceNet, FeedError> {
        let ws = Target::new(&cfg.ws_url, "live.ws_url")?;
        let rest = Target::new(&cfg.rest_url, "live.rest_url")?;
        let needs_dns = literal(&ws.base.host, ws.base.port).is_none()
            || literal(&rest.base.host, rest.base.port).is_none();
        let resolver = if needs_dns { Resolver::spawn().ok() } else { None };
        Ok(BinanceNet {
            ws,
            rest,
            tls,
            resolver,
            ws_opts: WsOptions { max_message_bytes: cfg.max_message_bytes, ..WsOptions::default() },
            http_opts: HttpOptions { max_body_bytes: cfg.max_body_bytes, ..HttpOptions::default() },
        })
    }

    /// Take finished lookups; ask again for `which` (used by the next attempt).
    fn refresh(&mut self, rest: bool) {
        let Some(r) = self.resolver.as_mut() else { return };
        while let Some((ticket, res)) = r.poll() {
            for t in [&mut self.ws, &mut self.rest] {
                if t.ticket == Some(ticket) {
                    t.ticket = None;
                    if let Ok(a) = res.as_ref() {
                        t.addr = *a;
                    }
                }
            }
        }
        let t = if rest { &mut self.rest } else { &mut self.ws };
        if t.ticket.is_none() && literal(&t.base.host, t.base.port).is_none() {
            t.ticket = Some(r.request(&t.base.host, t.base.port));
        }
    }
}

/// What a transport error means to the feed.
fn failure(e: NetError) -> Failure {
    let reason = match &e {
        NetError::Io(_) => FeedReason::Io,
        NetError::Tls(_) | NetError::BadRoot(_) => FeedReason::Io,
        NetError::BadUrl { .. } | NetError::Resolve { .. } | NetError::ResolverGone => FeedReason::Resolve,
        NetError::Protocol(_)
        | NetError::MessageTooLarge { .. }
        | NetError::BodyTooLarge { .. }
        | NetError::BadResponse(_) => FeedReason::Protocol,
        NetError::WriteBufferFull | NetError::NotOpen => FeedReason::Io,
        NetError::Closed { .. } => FeedReason::ServerClose,
        NetError::Eof => FeedReason::PeerClosed,
        NetError::HandshakeRefused { .. } => FeedReason::HttpStatus,
    };
    let mut f = Failure::of(reason);
    match e {
        NetError::Closed { code } => f.close_code = code,
        NetError::HandshakeRefused { status, retry_after_secs } => {
            f.status = status;
            f.retry_after_secs = retry_after_secs;
        }
        _ => {}
    }
    f
}

/// A WebSocket connection of the feed.
pub struct NetWs(WsClient);

impl WsIo for NetWs {
    #[inline]
    fn next_event(&mut self) -> Result<Option<WsIn<'_>>, Failure> {
        match self.0.next_event() {
            Ok(None) => Ok(None),
            Ok(Some(ev)) => Ok(Some(match ev {
                WsEvent::Opened => WsIn::Opened,
                WsEvent::Text(t) => WsIn::Text(t),
                WsEvent::Ping(p) => WsIn::Ping(p),
                WsEvent::Close { code, .. } => {
                    return Err(Failure { close_code: code, ..Failure::of(FeedReason::ServerClose) })
                }
                WsEvent::Binary(_) | WsEvent::Pong(_) => WsIn::Other,
            })),
            Err(e) => Err(failure(e)),
        }
    }
    fn send_text(&mut self, msg: &[u8]) -> Result<(), Failure> {
        self.0.send_text(msg).map_err(failure)
    }
    fn send_pong(&mut self, payload: &[u8]) -> Result<(), Failure> {
        self.0.send_pong(payload).map_err(failure)
    }
    fn close(&mut self) {
        self.0.close(1000, b"");
        // Best effort: push the close frame out now; the connection is dropped afterwards.
        let _ = self.0.poll(&mut |_| {});
    }
}

/// A REST request of the feed.
pub struct NetHttp(HttpGet);

impl HttpIo for NetHttp {
    fn poll(&mut self) -> Result<Option<HttpReply<'_>>, Failure> {
        match self.0.poll() {
            Ok(None) => Ok(None),
            Ok(Some(r)) => Ok(Some(HttpReply {
                status: r.status,
                retry_after_secs: r.retry_after_secs,
                used_weight_1m: r.used_weight_1m,
                body: r.body,
            })),
            Err(e) => Err(failure(e)),
        }
    }
}

impl Net for BinanceNet {
    type Ws = NetWs;
    type Http = NetHttp;
    fn connect(&mut self, path_and_query: &str) -> Result<NetWs, Failure> {
        self.refresh(false);
        let e = self.ws.base.with_path(path_and_query);
        WsClient::connect(&e, self.ws.addr, &self.tls, &self.ws_opts).map(NetWs).map_err(failure)
    }
    fn get(&mut self, path_and_query: &str) -> Result<NetHttp, Failure> {
        self.refresh(true);
        let e = self.rest.base.with_path(path_and_query);
        HttpGet::start(&e, self.rest.addr, &self.tls, &self.http_opts).map(NetHttp).map_err(failure)
    }
}
