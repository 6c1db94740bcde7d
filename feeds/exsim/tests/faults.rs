//! Each fault, observed from a client on the real sample capture (paced 10x, so the market runs
//! while faults are injected).

mod common;

use alphapulse_exsim::{Fault, SimHandle, Speed};
use common::*;
use std::time::{Duration, Instant};

const DEPTH: &str = "/stream?streams=btcusdt@depth@100ms";

fn paced() -> (SimHandle, Client) {
    let sim = sim(config(Speed::Paced(10.0)));
    let ws = connect(sim.ws_addr(), DEPTH);
    (sim, ws)
}

/// `(U, u)` of the next depth event.
fn ids(ws: &mut Client) -> (u64, u64) {
    let v = json(&text(ws));
    (v["data"]["U"].as_u64().expect("U"), v["data"]["u"].as_u64().expect("u"))
}

#[test]
fn drop_depth_makes_a_gap_and_duplicate_repeats_an_event() {
    let (sim, mut ws) = paced();
    let mut prev = ids(&mut ws).1;
    for _ in 0..3 {
        let (first, last) = ids(&mut ws);
        assert_eq!(first, prev + 1, "the capture chains");
        prev = last;
    }
    sim.inject(Fault::DropDepth { symbol: Some("BTCUSDT".into()), count: 2 });
    let mut gaps = 0;
    for _ in 0..10 {
        let (first, last) = ids(&mut ws);
        if first > prev + 1 {
            gaps += 1;
        }
        prev = last;
    }
    assert_eq!(gaps, 1, "one gap where two events were skipped");
    assert_eq!(sim.stats().depth_events_dropped, 2);
    sim.inject(Fault::Duplicate { symbol: None });
    let mut twice = 0;
    for _ in 0..10 {
        let (_, last) = ids(&mut ws);
        if last == prev {
            twice += 1;
        }
        prev = last;
    }
    assert_eq!(twice, 1, "one event sent twice");
    sim.shutdown();
}

#[test]
fn stale_and_slow_snapshots() {
    let (sim, mut ws) = paced();
    for _ in 0..120 {
        ids(&mut ws);
    }
    let depth_ids: Vec<u64> = capture_frames(&sample())
        .iter()
        .filter(|(s, _)| s == "btcusdt@depth@100ms")
        .map(|(_, f)| json(f)["data"]["u"].as_u64().expect("u"))
        .collect();
    let path = "/api/v3/depth?symbol=BTCUSDT&limit=5";
    sim.inject(Fault::StaleSnapshot { symbol: Some("BTCUSDT".into()) });
    let stale = json(&get(sim.http_addr(), path).2)["lastUpdateId"].as_u64().expect("id");
    let fresh = json(&get(sim.http_addr(), path).2)["lastUpdateId"].as_u64().expect("id");
    let between = depth_ids.iter().filter(|u| **u > stale && **u <= fresh).count();
    assert!(between >= 50, "stale answer is at least 50 events old: {between}");
    assert!(depth_ids.contains(&stale), "stale book is a state the stream passed through");
    sim.inject(Fault::SlowSnapshot { symbol: None, delay: Duration::from_millis(700) });
    let t = Instant::now();
    assert_eq!(get(sim.http_addr(), path).0, 200);
    assert!(t.elapsed() >= Duration::from_millis(700), "the answer waited");
    sim.shutdown();
}

#[test]
fn malformed_cuts_one_frame() {
    let (sim, mut ws) = paced();
    json(&text(&mut ws));
    sim.inject(Fault::Malformed);
    let mut bad = 0;
    for _ in 0..8 {
        let t = text(&mut ws);
        if serde_json::from_str::<serde_json::Value>(&t).is_err() {
            bad += 1;
            assert!(t.starts_with("{\"stream\":\"btcusdt@depth@100ms\""), "a cut frame: {t}");
        }
    }
    assert_eq!(bad, 1);
    sim.shutdown();
}

#[test]
fn disconnect_closes_without_a_close_frame() {
    let (sim, mut ws) = paced();
    json(&text(&mut ws));
    sim.inject(Fault::Disconnect { conn: None });
    let until = Instant::now() + Duration::from_secs(30);
    let end = loop {
        match next(&mut ws, Duration::from_secs(1)) {
            Got::Closed(why) => break why,
            _ if Instant::now() > until => panic!("still open"),
            _ => {}
        }
    };
    assert!(!end.starts_with("close frame"), "abrupt close, got {end}");
    sim.shutdown();
}

#[test]
fn server_shutdown_event_then_close() {
    let mut cfg = config(Speed::Paced(10.0));
    cfg.shutdown_grace = Duration::from_millis(300);
    let sim = sim(cfg);
    let mut ws = connect(sim.ws_addr(), DEPTH);
    json(&text(&mut ws));
    sim.inject(Fault::ServerShutdown);
    let mut seen = false;
    let end = loop {
        match next(&mut ws, Duration::from_secs(30)) {
            Got::Text(t) => {
                let v = json(&t);
                if v["stream"] == "!serverShutdown" {
                    assert_eq!(v["data"]["e"], "serverShutdown");
                    seen = true;
                }
            }
            Got::Closed(why) => break why,
            Got::Timeout => panic!("not closed"),
        }
    };
    assert!(seen, "serverShutdown event before the close ({end})");
    sim.shutdown();
}

#[test]
fn stall_sends_nothing_for_a_while_then_resumes() {
    let (sim, mut ws) = paced();
    json(&text(&mut ws));
    sim.inject(Fault::Stall { period: Duration::from_millis(1500) });
    let mut last = Instant::now();
    let mut longest = Duration::ZERO;
    let mut after = 0;
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until || after < 3 {
        if let Got::Text(_) = next(&mut ws, Duration::from_secs(30)) {
            longest = longest.max(last.elapsed());
            last = Instant::now();
            if longest >= Duration::from_millis(1000) {
                after += 1;
            }
        }
    }
    assert!(longest >= Duration::from_millis(1000), "a silent stretch: {longest:?}");
    assert!(sim.stats().frames_dropped_stalled > 0);
    sim.shutdown();
}

#[test]
fn slow_consumer_splits_frames_into_tiny_writes() {
    use std::io::{Read, Write};
    struct Counting {
        tcp: std::net::TcpStream,
        small_reads: u32,
    }
    impl Read for Counting {
        fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
            let n = self.tcp.read(b)?;
            if (1..=7).contains(&n) {
                self.small_reads += 1;
            }
            Ok(n)
        }
    }
    impl Write for Counting {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.tcp.write(b)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.tcp.flush()
        }
    }
    let sim = sim(config(Speed::Paced(2.0)));
    let tcp = std::net::TcpStream::connect(sim.ws_addr()).expect("connect");
    let url = format!("ws://{}{DEPTH}", sim.ws_addr());
    let (mut ws, _) = tungstenite::client(url, Counting { tcp, small_reads: 0 }).expect("handshake");
    let read = |ws: &mut tungstenite::WebSocket<Counting>| loop {
        if let tungstenite::Message::Text(t) = ws.read().expect("read") {
            return t.to_string();
        }
    };
    json(&read(&mut ws));
    sim.inject(Fault::SlowConsumer { period: Duration::from_millis(1500) });
    for _ in 0..5 {
        json(&read(&mut ws));
    }
    assert!(ws.get_ref().small_reads >= 20, "frames arrive in pieces: {}", ws.get_ref().small_reads);
    sim.shutdown();
}

#[test]
fn http_429_then_418_on_request() {
    let sim = sim(config(Speed::Paced(1.0)));
    let a = sim.http_addr();
    let (status, head, _) = http(a, "POST", "/_sim/fault?kind=http_429&count=1&ms=3000");
    assert_eq!(status, 200, "{head}");
    let (status, head, _) = get(a, "/api/v3/ping");
    assert_eq!((status, header(&head, "Retry-After").as_deref()), (429, Some("3")));
    sim.inject(Fault::Http418 { count: 1, retry_after: Duration::from_secs(2) });
    let (status, head, _) = get(a, "/api/v3/ping");
    assert_eq!((status, header(&head, "Retry-After").as_deref()), (418, Some("2")));
    let (status, head, _) = get(a, "/api/v3/ping");
    assert_eq!((status, header(&head, "X-MBX-USED-WEIGHT-1M").as_deref()), (200, Some("1")));
    assert_eq!(http(a, "POST", "/_sim/fault?kind=nope").0, 400);
    let st = json(&get(a, "/_sim/stats").2);
    assert_eq!(st["faults_injected"]["http_429"], 1);
    assert_eq!(st["faults_injected"]["http_418"], 1);
    sim.shutdown();
}
