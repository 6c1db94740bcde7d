//! HttpGet against small local servers, plain and TLS: Content-Length and chunked bodies (real
//! capture text), 429 with Retry-After, Binance's used-weight header, bodies over the limit,
//! a server that answers byte by byte, and the request it sends.

mod common;
use alphapulse_net::{Endpoint, HttpGet, HttpOptions, NetError, TlsConfig};
use common::*;
use std::time::Instant;

/// A body of real capture text (the first frames, newline separated).
fn real_body(frames: usize) -> Vec<u8> {
    sample_frames().into_iter().take(frames).collect::<Vec<_>>().join(&b'\n')
}

fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for c in body.chunks(size) {
        out.extend(format!("{:x};ext=1\r\n", c.len()).into_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\nX-Trailer: yes\r\n\r\n");
    out
}

struct Got {
    status: u16,
    retry_after: Option<u64>,
    weight: Option<u32>,
    body: Vec<u8>,
    request: String,
}

/// Serve `answer` (in writes of `pieces` bytes) and GET it, over TLS if `tls`.
fn get(answer: Vec<u8>, pieces: usize, tls: bool, opts: HttpOptions) -> Result<Got, NetError> {
    let (server_cfg, client_cfg) = tls_pair();
    let (addr, server) = raw_server(tls.then_some(server_cfg), answer, pieces);
    let host = if tls { "localhost" } else { "127.0.0.1" };
    let scheme = if tls { "https" } else { "http" };
    let e = Endpoint::parse(&format!(
        "{scheme}://{host}:{}/api/v3/depth?symbol=BTCUSDT&limit=1000",
        addr.port()
    ))?;
    let cfg = if tls { client_cfg } else { TlsConfig::webpki() };
    let mut g = HttpGet::start(&e, addr, &cfg, &opts)?;
    let start = Instant::now();
    let r = loop {
        match g.poll() {
            Ok(Some(r)) => break Ok((r.status, r.retry_after_secs, r.used_weight_1m, r.body.to_vec())),
            Ok(None) => assert!(start.elapsed() < PATIENCE, "no answer"),
            Err(e) => break Err(e),
        }
        std::thread::yield_now();
    };
    if r.is_ok() {
        assert!(g.poll().expect("again").is_some(), "a finished response stays available");
    }
    drop(g);
    let request = server.join().expect("server");
    let (status, retry_after, weight, body) = r?;
    Ok(Got { status, retry_after, weight, body, request })
}

fn with_length(body: &[u8], extra: &str) -> Vec<u8> {
    let mut a = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    a.extend_from_slice(body);
    a
}

#[test]
fn content_length_body_and_used_weight() {
    for tls in [false, true] {
        let body = real_body(200);
        let g =
            get(with_length(&body, "x-mbx-used-weight-1m: 57\r\n"), usize::MAX, tls, HttpOptions::default())
                .expect("get");
        assert_eq!((g.status, g.weight, g.retry_after), (200, Some(57), None));
        assert!(g.body == body, "body differs (tls {tls})");
        assert!(
            g.request.starts_with("GET /api/v3/depth?symbol=BTCUSDT&limit=1000 HTTP/1.1\r\n"),
            "{}",
            g.request
        );
        assert!(
            g.request.contains("Accept-Encoding: identity\r\n")
                && g.request.contains("Connection: close\r\n")
        );
    }
}

#[test]
fn chunked_body() {
    for tls in [false, true] {
        let body = real_body(300);
        let mut a =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-MBX-USED-WEIGHT-1M: 3\r\n\r\n".to_vec();
        a.extend(chunked(&body, 4000));
        let g = get(a, usize::MAX, tls, HttpOptions::default()).expect("get");
        assert_eq!((g.status, g.weight), (200, Some(3)));
        assert!(g.body == body, "chunked body differs (tls {tls})");
    }
}

#[test]
fn slow_server_byte_by_byte() {
    let body = real_body(3);
    let mut a = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    a.extend(chunked(&body, 100));
    let g = get(a, 1, false, HttpOptions::default()).expect("chunked, byte by byte");
    assert!(g.body == body);
    let g = get(with_length(&body, ""), 1, true, HttpOptions::default()).expect("tls, byte by byte");
    assert!(g.body == body);
}

#[test]
fn too_many_requests_with_retry_after() {
    let a = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nX-MBX-USED-WEIGHT-1M: 6001\r\nContent-Length: 40\r\n\r\n{\"code\":-1003,\"msg\":\"Too many requests\"}".to_vec();
    let g = get(a, usize::MAX, false, HttpOptions::default()).expect("get");
    assert_eq!((g.status, g.retry_after, g.weight), (429, Some(7), Some(6001)));
    assert_eq!(g.body, b"{\"code\":-1003,\"msg\":\"Too many requests\"}");
}

#[test]
fn body_over_the_limit_is_refused() {
    let body = real_body(100);
    let opts = HttpOptions { max_body_bytes: 1000, ..HttpOptions::default() };
    for tls in [false, true] {
        let e = get(with_length(&body, ""), usize::MAX, tls, opts.clone()).err();
        assert!(matches!(e, Some(NetError::BodyTooLarge { limit: 1000 })), "{e:?}");
        let mut a = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        a.extend(chunked(&body, 300));
        let e = get(a, usize::MAX, tls, opts.clone()).err();
        assert!(matches!(e, Some(NetError::BodyTooLarge { limit: 1000 })), "{e:?}");
    }
}

#[test]
fn body_until_close_and_truncated_body() {
    let body = real_body(5);
    let mut a = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    a.extend_from_slice(&body);
    assert!(get(a, usize::MAX, false, HttpOptions::default()).expect("get").body == body);
    let mut a = with_length(&body, "");
    a.truncate(a.len() - 10);
    let e = get(a, usize::MAX, false, HttpOptions::default()).err();
    assert!(matches!(e, Some(NetError::Protocol("connection closed before the whole response"))), "{e:?}");
}

#[test]
fn a_refused_connection_is_an_error() {
    let (l, addr) = listen();
    drop(l);
    let e = Endpoint::parse(&format!("http://127.0.0.1:{}/", addr.port())).expect("url");
    let mut g = HttpGet::start(&e, addr, &TlsConfig::webpki(), &HttpOptions::default()).expect("start");
    let start = Instant::now();
    let err = loop {
        match g.poll() {
            Ok(None) => assert!(start.elapsed() < PATIENCE),
            Ok(Some(_)) => panic!("nobody listens"),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, NetError::Io(_)), "{err:?}");
}
