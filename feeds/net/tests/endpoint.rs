//! Endpoint parsing: Binance's URL shapes parse; bad URLs are refused with a reason.

use alphapulse_net::{Endpoint, NetError, Scheme};

fn why(url: &str) -> &'static str {
    match Endpoint::parse(url) {
        Err(NetError::BadUrl { why, .. }) => why,
        other => panic!("{url}: want BadUrl, got {other:?}"),
    }
}

#[test]
fn binance_urls_parse() {
    let e = Endpoint::parse(
        "wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker",
    )
    .unwrap();
    assert_eq!((e.scheme, e.host.as_str(), e.port), (Scheme::Wss, "stream.binance.com", 9443));
    assert_eq!(e.path_and_query, "/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker");
    assert!(e.is_tls());
    let e = Endpoint::parse("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5000").unwrap();
    assert_eq!((e.scheme, e.port, e.host_header()), (Scheme::Https, 443, "api.binance.com".to_string()));
    let e = Endpoint::parse("WS://127.0.0.1:8080").unwrap();
    assert_eq!((e.scheme, e.port, e.path_and_query.as_str()), (Scheme::Ws, 8080, "/"));
    assert_eq!(e.host_header(), "127.0.0.1:8080");
    assert!(!e.is_tls());
    let e = Endpoint::parse("http://[::1]:9000?x=1").unwrap();
    assert_eq!((e.host.as_str(), e.port, e.path_and_query.as_str()), ("::1", 9000, "/?x=1"));
    assert_eq!(e.host_header(), "[::1]:9000");
    let w = Endpoint::parse("wss://fstream.binance.com/ws").unwrap().with_path("stream?streams=a/b");
    assert_eq!((w.port, w.path_and_query.as_str()), (443, "/stream?streams=a/b"));
}

#[test]
fn bad_urls_are_refused() {
    assert_eq!(why("stream.binance.com/ws"), "no scheme (want ws://, wss://, http:// or https://)");
    assert_eq!(why("ftp://x/"), "unknown scheme (want ws, wss, http or https)");
    assert_eq!(why("wss:///ws"), "no host");
    assert_eq!(why("wss://:443/ws"), "no host");
    assert_eq!(why("wss://host:0/"), "bad port (want 1..=65535)");
    assert_eq!(why("wss://host:65536/"), "bad port (want 1..=65535)");
    assert_eq!(why("wss://host:x/"), "bad port (want 1..=65535)");
    assert_eq!(why("wss://ho st/"), "host has characters a host name cannot have");
    assert_eq!(why("wss://user@host/"), "user info is not supported");
    assert_eq!(why("wss://host/a#b"), "fragments are not sent to servers");
    assert_eq!(why("wss://host/a b"), "spaces or control characters in the path");
    assert_eq!(why("http://[::1/"), "unclosed [ in an IPv6 host");
    assert_eq!(why("http://[zz]/"), "bad IPv6 address");
}

#[test]
fn clients_refuse_the_other_family_of_schemes() {
    use alphapulse_net::{HttpGet, HttpOptions, TlsConfig, WsClient, WsOptions};
    let addr = alphapulse_net::literal("127.0.0.1", 9).unwrap();
    let http = Endpoint::parse("http://127.0.0.1:9/").unwrap();
    let ws = Endpoint::parse("ws://127.0.0.1:9/").unwrap();
    let e = WsClient::connect(&http, addr, &TlsConfig::webpki(), &WsOptions::default()).err();
    assert!(matches!(e, Some(NetError::BadUrl { why: "not a ws:// or wss:// endpoint", .. })), "{e:?}");
    let e = HttpGet::start(&ws, addr, &TlsConfig::webpki(), &HttpOptions::default()).err();
    assert!(matches!(e, Some(NetError::BadUrl { why: "not an http:// or https:// endpoint", .. })), "{e:?}");
    let bad = WsOptions {
        extra_headers: vec![("X-Bad".into(), "a\r\nInjected: 1".into())],
        ..WsOptions::default()
    };
    let e = WsClient::connect(&ws, addr, &TlsConfig::webpki(), &bad).err();
    assert!(matches!(e, Some(NetError::Protocol(_))), "{e:?}");
}
