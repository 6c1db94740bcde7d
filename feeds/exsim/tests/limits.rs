//! Binance's limits, enforced: pings and the pong timeout, incoming message rate, stream count,
//! connection attempts, REST weight (429, then 418).

mod common;

use alphapulse_exsim::Speed;
use common::*;
use std::io::Read;
use std::time::{Duration, Instant};
use tungstenite::Message;

#[test]
fn ping_is_sent_and_a_silent_client_is_dropped() {
    let mut cfg = config(Speed::Paced(1.0));
    cfg.ping_interval = Duration::from_millis(200);
    cfg.pong_timeout = Duration::from_millis(600);
    let sim = sim(cfg);
    // A client that reads (tungstenite answers pings) stays open past several timeouts.
    let mut good = connect(sim.ws_addr(), "/ws");
    let until = Instant::now() + Duration::from_millis(2000);
    while Instant::now() < until {
        assert!(
            !matches!(next(&mut good, Duration::from_millis(100)), Got::Closed(_)),
            "answering client kept"
        );
    }
    assert_eq!(sim.stats().ping_timeout_disconnects, 0);
    drop(good);
    // A client that never answers: read raw bytes after the handshake.
    let tcp = std::net::TcpStream::connect(sim.ws_addr()).expect("connect");
    let (ws, _) = tungstenite::client(format!("ws://{}/ws", sim.ws_addr()), tcp).expect("handshake");
    let mut tcp = ws.into_inner();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut bytes = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
    }
    assert_eq!(bytes.first(), Some(&0x89), "a ping frame came first");
    assert_eq!(sim.stats().ping_timeout_disconnects, 1);
    sim.shutdown();
}

#[test]
fn six_messages_in_a_second_close_the_connection() {
    let sim = sim(config(Speed::Paced(1.0)));
    let mut ws = connect(sim.ws_addr(), "/ws");
    for i in 0..6 {
        ws.write(Message::Text(format!("{{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":{i}}}").into()))
            .expect("write");
    }
    ws.flush().expect("flush");
    let mut replies = 0;
    loop {
        match next(&mut ws, Duration::from_secs(30)) {
            Got::Text(_) => replies += 1,
            Got::Closed(_) => break,
            Got::Timeout => panic!("not closed"),
        }
    }
    assert!(replies <= 5, "the sixth is not answered: {replies}");
    assert_eq!(sim.stats().rate_limit_disconnects, 1);
    sim.shutdown();
}

#[test]
fn more_than_1024_streams_are_refused() {
    let sim = sim(config(Speed::Paced(1.0)));
    let names = |n: usize| (0..n).map(|i| format!("sym{i}@trade")).collect::<Vec<_>>();
    let ok = tungstenite::connect(format!("ws://{}/stream?streams={}", sim.ws_addr(), names(1024).join("/")));
    assert!(ok.is_ok(), "1024 streams accepted");
    let refused =
        tungstenite::connect(format!("ws://{}/stream?streams={}", sim.ws_addr(), names(1025).join("/")));
    match refused {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 400),
        other => panic!("1025 streams not refused: {:?}", other.map(|_| ())),
    }
    let mut ws = connect(sim.ws_addr(), "/ws");
    let sub = |list: Vec<String>, id: u32| {
        Message::Text(serde_json::json!({"method": "SUBSCRIBE", "params": list, "id": id}).to_string().into())
    };
    ws.send(sub(names(1024), 1)).expect("send");
    assert_eq!(json(&text(&mut ws))["result"], serde_json::Value::Null);
    ws.send(sub(vec!["one@more".into()], 2)).expect("send");
    assert_eq!(json(&text(&mut ws))["error"]["code"], 2);
    sim.shutdown();
}

#[test]
fn connection_attempts_over_the_limit_get_429() {
    let mut cfg = config(Speed::Paced(1.0));
    cfg.max_connects_per_5min = 3;
    let sim = sim(cfg);
    let _kept: Vec<Client> = (0..3).map(|_| connect(sim.ws_addr(), "/ws")).collect();
    match tungstenite::connect(format!("ws://{}/ws", sim.ws_addr())) {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 429),
        other => panic!("fourth connect not refused: {:?}", other.map(|_| ())),
    }
    assert!(eventually(|| sim.stats().connections_refused == 1), "refusal counted");
    sim.shutdown();
}

#[test]
fn rest_weight_over_the_minute_gets_429_then_418() {
    let mut cfg = config(Speed::Paced(1.0));
    cfg.ip_weight_per_minute = Some(12);
    let sim = sim(cfg);
    let path = "/api/v3/depth?symbol=BTCUSDT&limit=100";
    let mut seen = Vec::new();
    for _ in 0..7 {
        let (status, head, _) = get(sim.http_addr(), path);
        assert!(header(&head, "X-MBX-USED-WEIGHT-1M").is_some(), "weight header on every answer");
        if status != 200 {
            assert!(header(&head, "Retry-After").is_some());
        }
        seen.push(status);
    }
    assert_eq!(seen, [200, 200, 429, 429, 429, 418, 418]);
    let st = sim.stats();
    assert_eq!((st.rest_rate_limited, st.rest_banned), (3, 2));
    sim.shutdown();
}
