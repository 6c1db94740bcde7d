//! WebSocket edge cases against small local servers: partial reads, coalesced frames,
//! protocol violations (each an error, never a panic), refused upgrades, ping/pong and the
//! client-initiated close handshake.

mod common;
use alphapulse_net::{NetError, WsOptions, WsState};
use common::*;
use std::io::Write;
use std::time::Duration;
use tungstenite::Message;

fn first_frames() -> Vec<Vec<u8>> {
    sample_frames().into_iter().take(3).collect()
}

#[test]
fn a_frame_written_byte_by_byte_is_assembled() {
    let frames = first_frames();
    let f = frames[0].clone();
    let (addr, server) = ws_server(None, move |ws| {
        let raw = raw_frame(0x81, &f);
        for b in &raw {
            ws.get_mut().write_all(std::slice::from_ref(b)).expect("byte");
            ws.get_mut().flush().expect("flush");
            std::thread::sleep(Duration::from_micros(100));
        }
        drain(ws.get_mut());
    });
    let mut ws = client(addr, None, "/ws/a", &WsOptions::default());
    let mut events = Vec::new();
    poll_until(&mut ws, &mut events, |e, _| e.len() == 2).expect("ok");
    assert_eq!(events, vec![Ev::Opened, Ev::Text(frames[0].clone())]);
    assert!(ws.stats().reads > 10, "the frame came in many reads");
    drop(ws);
    server.join().expect("server");
}

#[test]
fn two_frames_in_one_write_are_both_delivered() {
    let frames = first_frames();
    let (a, b) = (frames[1].clone(), frames[2].clone());
    let (addr, server) = ws_server(None, move |ws| {
        let mut raw = raw_frame(0x81, &a);
        raw.extend(raw_frame(0x82, &b));
        ws.get_mut().write_all(&raw).expect("write");
        drain(ws.get_mut());
    });
    let mut ws = client(addr, None, "/ws/a", &WsOptions::default());
    let mut events = Vec::new();
    poll_until(&mut ws, &mut events, |e, _| e.len() == 3).expect("ok");
    assert_eq!(events[1..], [Ev::Text(frames[1].clone()), Ev::Binary(frames[2].clone())]);
    drop(ws);
    server.join().expect("server");
}

/// A server that sends `raw` after the handshake (and closes when `close`); the client's error.
fn violation(raw: Vec<u8>, close: bool, opts: WsOptions) -> NetError {
    let (addr, server) = ws_server(None, move |ws| {
        ws.get_mut().write_all(&raw).expect("write");
        ws.get_mut().flush().expect("flush");
        if !close {
            drain(ws.get_mut());
        }
    });
    let mut ws = client(addr, None, "/ws/a", &opts);
    let e = poll_to_error(&mut ws);
    assert_eq!(ws.state(), WsState::Closed);
    assert!(matches!(ws.poll(&mut |_| {}), Err(NetError::Closed { .. })), "dead stays dead");
    drop(ws);
    server.join().expect("server");
    e
}

fn protocol(e: NetError) -> &'static str {
    match e {
        NetError::Protocol(why) => why,
        other => panic!("want a protocol error, got {other:?}"),
    }
}

#[test]
fn masked_server_frame_is_refused() {
    let mut raw = vec![0x81, 0x80 | 2, 1, 2, 3, 4];
    raw.extend([b'h' ^ 1, b'i' ^ 2]);
    assert_eq!(protocol(violation(raw, false, WsOptions::default())), "masked frame from the server");
}

#[test]
fn reserved_opcode_is_refused() {
    assert_eq!(protocol(violation(raw_frame(0x83, b"x"), false, WsOptions::default())), "reserved opcode");
}

#[test]
fn rsv_bits_are_refused() {
    let why = protocol(violation(raw_frame(0x81 | 0x40, b"x"), false, WsOptions::default()));
    assert_eq!(why, "RSV bits set (no extension was negotiated)");
}

#[test]
fn message_over_the_limit_is_refused_before_its_payload_arrives() {
    let opts = WsOptions { max_message_bytes: 1000, ..WsOptions::default() };
    // A header announcing 2000 bytes and no payload: the limit is checked on the header.
    let raw = raw_frame(0x81, &[b'a'; 2000])[..4].to_vec();
    assert!(matches!(violation(raw, false, opts.clone()), NetError::MessageTooLarge { limit: 1000 }));
    // Fragments that add up past the limit.
    let mut raw = raw_frame(0x01, &[b'a'; 600]);
    raw.extend(raw_frame(0x80, &[b'a'; 600]));
    assert!(matches!(violation(raw, false, opts), NetError::MessageTooLarge { limit: 1000 }));
}

#[test]
fn invalid_utf8_text_is_refused() {
    let why = protocol(violation(raw_frame(0x81, b"{\"p\":\"\xff\xfe\"}"), false, WsOptions::default()));
    assert_eq!(why, "text message is not valid UTF-8");
    // Also when the bad bytes are split over fragments.
    let mut raw = raw_frame(0x01, b"ok \xe2\x82");
    raw.extend(raw_frame(0x80, b"\xff"));
    assert_eq!(protocol(violation(raw, false, WsOptions::default())), "text message is not valid UTF-8");
}

#[test]
fn server_closing_mid_frame_is_an_error() {
    let raw = raw_frame(0x81, &first_frames()[0])[..50].to_vec();
    assert_eq!(protocol(violation(raw, true, WsOptions::default())), "connection closed mid-frame");
}

#[test]
fn server_closing_between_frames_is_eof() {
    assert!(matches!(violation(raw_frame(0x81, b"hi"), true, WsOptions::default()), NetError::Eof));
}

#[test]
fn refused_upgrade_reports_status_and_retry_after() {
    let answer = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n".to_vec();
    let (addr, server) = raw_server(None, answer, usize::MAX);
    let mut ws = client(addr, None, "/stream?streams=btcusdt@trade", &WsOptions::default());
    let e = poll_to_error(&mut ws);
    assert!(matches!(e, NetError::HandshakeRefused { status: 429, retry_after_secs: Some(7) }), "{e:?}");
    let head = server.join().expect("server");
    assert!(head.starts_with("GET /stream?streams=btcusdt@trade HTTP/1.1\r\n"), "{head}");
    assert!(head.contains("Sec-WebSocket-Version: 13\r\n") && head.contains("Upgrade: websocket\r\n"));
}

#[test]
fn a_101_with_a_wrong_accept_key_is_refused() {
    let answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSBrZXk=\r\n\r\n".to_vec();
    let (addr, server) = raw_server(None, answer, usize::MAX);
    let mut ws = client(addr, None, "/ws/a", &WsOptions::default());
    assert_eq!(protocol(poll_to_error(&mut ws)), "Sec-WebSocket-Accept does not match the key");
    server.join().expect("server");
}

#[test]
fn ping_is_surfaced_and_pong_echoes_it_then_close_handshake() {
    let (tx, rx) = std::sync::mpsc::channel();
    let (addr, server) = ws_server(None, move |ws| {
        ws.send(Message::Ping(b"20s keepalive".to_vec().into())).expect("ping");
        // The client's pong, then its close frame (tungstenite answers the close itself).
        loop {
            match ws.read() {
                Ok(m) => tx.send(format!("{m:?}")).expect("report"),
                Err(e) => {
                    tx.send(format!("end: {e}")).expect("report");
                    break;
                }
            }
        }
    });
    let mut ws = client(addr, None, "/ws/a", &WsOptions::default());
    let mut events = Vec::new();
    poll_until(&mut ws, &mut events, |e, _| e.len() == 2).expect("ok");
    let Ev::Ping(p) = &events[1] else { panic!("want a ping, got {events:?}") };
    assert_eq!(p, b"20s keepalive");
    ws.send_pong(p).expect("pong");
    ws.close(1000, b"bye");
    assert_eq!(ws.state(), WsState::Closing);
    assert!(matches!(ws.send_text(b"late"), Err(NetError::NotOpen)));
    poll_until(&mut ws, &mut events, |_, st| st == WsState::Closed).expect("close handshake");
    assert_eq!(events.last(), Some(&Ev::Close(Some(1000), b"bye".to_vec())));
    assert!(matches!(ws.send_ping(b"x"), Err(NetError::Closed { code: Some(1000) })));
    server.join().expect("server");
    let seen: Vec<String> = rx.try_iter().collect();
    assert!(seen[0].contains("Pong") && seen[0].contains("20s keepalive"), "{seen:?}");
    assert!(seen[1].contains("Close") && seen[1].contains("bye"), "{seen:?}");
    assert!(seen[2].starts_with("end:"), "{seen:?}");
}

#[test]
fn text_sent_by_the_client_arrives() {
    let (tx, rx) = std::sync::mpsc::channel();
    let (addr, server) = ws_server(None, move |ws| {
        for _ in 0..2 {
            if let Ok(Message::Text(t)) = ws.read() {
                tx.send(t.to_string()).expect("report");
            }
        }
        drain(ws.get_mut());
    });
    let mut ws = client(addr, None, "/ws", &WsOptions { write_buffer_bytes: 300, ..WsOptions::default() });
    assert!(matches!(ws.send_text(b"early"), Err(NetError::NotOpen)), "not before the upgrade");
    let mut events = Vec::new();
    poll_until(&mut ws, &mut events, |_, st| st == WsState::Open).expect("open");
    let sub = br#"{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}"#;
    ws.send_text(sub).expect("queued");
    assert!(matches!(ws.send_text(&[b'x'; 400]), Err(NetError::WriteBufferFull)));
    ws.send_text(&[b'y'; 200]).expect("fits after the first");
    let start = std::time::Instant::now();
    let mut got = Vec::new();
    while got.len() < 2 {
        ws.poll(&mut |_| {}).expect("poll");
        got.extend(rx.try_iter());
        assert!(start.elapsed() < PATIENCE);
    }
    assert_eq!(got[0].as_bytes(), sub);
    assert_eq!(got[1], "y".repeat(200));
    assert_eq!(ws.stats().write_buffer_full, 1);
    drop(ws);
    server.join().expect("server");
}

#[test]
fn an_untrusted_certificate_is_a_tls_error() {
    let (server_cfg, _) = tls_pair();
    let (l, addr) = listen();
    let server = std::thread::spawn(move || {
        let mut s = accept(&l, Some(&server_cfg));
        // The handshake fails on the client's side; reading sees the alert or the close.
        let mut b = [0u8; 64];
        let _ = std::io::Read::read(&mut s, &mut b);
    });
    // Trusts only the webpki roots, not the test's self-signed certificate.
    let e = alphapulse_net::Endpoint::parse(&format!("wss://localhost:{}/ws", addr.port())).expect("url");
    let mut ws = alphapulse_net::WsClient::connect(
        &e,
        addr,
        &alphapulse_net::TlsConfig::webpki(),
        &WsOptions::default(),
    )
    .expect("connect");
    let err = poll_to_error(&mut ws);
    assert!(matches!(err, NetError::Tls(rustls::Error::InvalidCertificate(_))), "{err:?}");
    server.join().expect("server");
}
