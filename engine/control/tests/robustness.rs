//! Bad clients get errors and the socket stays up for the others: malformed, oversized, slow
//! (byte by byte), unfinished, idle, non-reading; too many clients; 100 concurrent clients.

mod common;

use alphapulse_control::{Client, ControlConfig, ErrorKind};
use common::{config, kind, start, TempDir};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(5);

#[test]
fn malformed_and_unknown_requests_get_errors_and_the_connection_stays() {
    let dir = TempDir::new("malformed");
    let (server, _seen, _) = start(&config(&dir));
    let mut c = Client::connect(&dir.socket(), T).unwrap();
    let mut other = Client::connect(&dir.socket(), T).unwrap();
    let cases: &[(&str, ErrorKind, serde_json::Value)] = &[
        ("{\"id\": 1, \"cmd\": ", ErrorKind::BadRequest, serde_json::Value::Null),
        ("hello", ErrorKind::BadRequest, serde_json::Value::Null),
        ("[1, 2]", ErrorKind::BadRequest, serde_json::Value::Null),
        ("{\"id\": 3, \"cmd\": 5}", ErrorKind::BadRequest, 3.into()),
        ("{\"id\": \"x\"}", ErrorKind::BadRequest, "x".into()),
        ("{\"id\": 4, \"cmd\": \"status\", \"args\": {}}", ErrorKind::BadRequest, 4.into()),
        ("{\"id\": 5, \"cmd\": \"status\", \"arg\": []}", ErrorKind::BadRequest, 5.into()),
        ("{\"id\": [1], \"cmd\": \"status\"}", ErrorKind::BadRequest, serde_json::Value::Null),
        ("{\"id\": 6, \"cmd\": \"launch-rockets\"}", ErrorKind::UnknownCommand, 6.into()),
    ];
    for (line, want, id) in cases {
        let r = c.send_line(line).unwrap();
        assert_eq!(kind(&r), Some(*want), "{line}: {r:?}");
        assert_eq!(&r.id, id, "{line}");
        let ok = other.request("status", &[]).unwrap();
        assert!(ok.ok, "another client after {line}");
    }
    let r = c.send_line("{\"id\": 9, \"cmd\": \"launch-rockets\"}").unwrap();
    assert!(r.error.unwrap().message.contains("help"), "unknown_command names help");
    // Invalid UTF-8, then the same connection still answers.
    c.stream().write_all(b"\xff\xfe{}\n").unwrap();
    assert_eq!(kind(&c.read_response().unwrap()), Some(ErrorKind::BadRequest));
    // Lenient: no args, numbers as args, CRLF, blank lines ignored.
    let r = c.send_line("\r\n\n{\"id\": 10, \"cmd\": \"cancel-all\", \"args\": [\"BTCUSDT\"]}\r").unwrap();
    assert!(r.ok && r.id == 10, "{r:?}");
    let r = c.send_line("{\"id\": 11, \"cmd\": \"set-limit\", \"args\": [\"max_order_qty\", 0.5]}").unwrap();
    assert!(r.ok && r.result.unwrap()["cmd"].as_str().unwrap().contains("\"0.5\""));
    server.stop().unwrap();
}

#[test]
fn oversized_request_is_refused_and_the_connection_stays_usable() {
    let dir = TempDir::new("oversized");
    let cfg = ControlConfig { max_request_bytes: 256, ..config(&dir) };
    let (server, _seen, counters) = start(&cfg);
    let mut c = Client::connect(&dir.socket(), T).unwrap();
    // One long line in a single write, with a request right behind it.
    let big = format!(
        "{{\"id\": 1, \"cmd\": \"status\", \"pad\": \"{}\"}}\n{{\"id\": 2, \"cmd\": \"pnl\"}}\n",
        "x".repeat(20_000)
    );
    c.stream().write_all(big.as_bytes()).unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::TooLarge), "{r:?}");
    assert!(r.error.unwrap().message.contains("256"));
    let r = c.read_response().unwrap();
    assert!(r.ok && r.id == 2, "{r:?}");
    // Exactly at the limit is fine; one byte over is not.
    let pad = |n: usize| format!("{{\"id\": 3, \"cmd\": \"status\", \"args\": [\"{}\"]}}", "y".repeat(n));
    let base = pad(0).len();
    let r = c.send_line(&pad(256 - base + 1)).unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::TooLarge));
    let r = c.send_line(&pad(256 - base)).unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::BadRequest), "at the limit: parsed (status takes no args)");
    server.stop().unwrap();
    assert_eq!(counters.snapshot().errors, 3);
}

#[test]
fn a_slow_client_does_not_hold_up_others() {
    let dir = TempDir::new("slow");
    let (server, _seen, _) = start(&config(&dir));
    let mut slow = UnixStream::connect(dir.socket()).unwrap();
    slow.set_read_timeout(Some(T)).unwrap();
    let line = b"{\"id\": 77, \"cmd\": \"positions\"}\n";
    let mut fast = Client::connect(&dir.socket(), T).unwrap();
    let half = line.len() / 2;
    for b in &line[..half] {
        slow.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    // Half a request is waiting on the server: the other client is served meanwhile.
    for _ in 0..20 {
        assert!(fast.request("status", &[]).unwrap().ok);
    }
    for b in &line[half..] {
        slow.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while byte[0] != b'\n' {
        slow.read_exact(&mut byte).unwrap();
        got.push(byte[0]);
    }
    let r: alphapulse_control::Response = serde_json::from_slice(&got).unwrap();
    assert!(r.ok && r.id == 77, "{r:?}");
    server.stop().unwrap();
}

#[test]
fn unfinished_and_idle_connections_time_out() {
    let dir = TempDir::new("timeouts");
    let cfg = ControlConfig { request_timeout_ms: 200, idle_timeout_ms: 400, ..config(&dir) };
    let (server, _seen, counters) = start(&cfg);
    let mut unfinished = UnixStream::connect(dir.socket()).unwrap();
    unfinished.set_read_timeout(Some(T)).unwrap();
    unfinished.write_all(b"{\"id\": 1, \"cmd\": \"sta").unwrap();
    let mut idle = UnixStream::connect(dir.socket()).unwrap();
    idle.set_read_timeout(Some(T)).unwrap();
    let mut text = String::new();
    unfinished.read_to_string(&mut text).unwrap();
    let r: alphapulse_control::Response = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::Timeout));
    assert!(r.error.unwrap().message.contains("request_timeout_ms"));
    text.clear();
    idle.read_to_string(&mut text).unwrap();
    assert!(text.contains("idle_timeout_ms"), "{text}");
    // The server still takes new clients.
    assert!(Client::connect(&dir.socket(), T).unwrap().request("status", &[]).unwrap().ok);
    server.stop().unwrap();
    assert_eq!(counters.snapshot().timeouts, 2);
}

#[test]
fn a_client_that_never_reads_is_dropped_and_others_are_served() {
    let dir = TempDir::new("noread");
    let cfg = ControlConfig { idle_timeout_ms: 300, ..config(&dir) };
    let (server, _seen, counters) = start(&cfg);
    let mut hog = UnixStream::connect(dir.socket()).unwrap();
    hog.set_write_timeout(Some(Duration::from_millis(200))).unwrap();
    // `help` answers are ~1.5 KB: a few thousand fill both socket buffers.
    let req = b"{\"id\": 1, \"cmd\": \"help\"}\n".repeat(100);
    let started = Instant::now();
    while hog.write_all(&req).is_ok() && started.elapsed() < Duration::from_secs(10) {}
    let mut c = Client::connect(&dir.socket(), T).unwrap();
    assert!(c.request("status", &[]).unwrap().ok, "served while the hog's output is stuck");
    let deadline = Instant::now() + Duration::from_secs(10);
    while counters.snapshot().dropped == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(counters.snapshot().dropped, 1);
    assert!(c.request("status", &[]).unwrap().ok);
    server.stop().unwrap();
}

#[test]
fn too_many_clients_get_unavailable() {
    let dir = TempDir::new("maxclients");
    let cfg = ControlConfig { max_clients: 2, ..config(&dir) };
    let (server, _seen, _) = start(&cfg);
    let mut a = Client::connect(&dir.socket(), T).unwrap();
    let mut b = Client::connect(&dir.socket(), T).unwrap();
    assert!(a.request("status", &[]).unwrap().ok && b.request("status", &[]).unwrap().ok);
    let mut third = Client::connect(&dir.socket(), T).unwrap();
    let r = third.request("status", &[]).unwrap();
    assert_eq!(kind(&r), Some(ErrorKind::Unavailable), "{r:?}");
    drop(a);
    // The freed slot is taken again (the close is seen on the server's next wake).
    let deadline = Instant::now() + T;
    loop {
        let r = Client::connect(&dir.socket(), T).unwrap().request("status", &[]).unwrap();
        if r.ok {
            break;
        }
        assert!(Instant::now() < deadline, "slot never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.stop().unwrap();
}

#[test]
fn a_last_line_without_newline_is_answered() {
    let dir = TempDir::new("eof");
    let (server, _seen, _) = start(&config(&dir));
    let mut s = UnixStream::connect(dir.socket()).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    s.write_all(b"{\"id\": 1, \"cmd\": \"status\"}\n{\"id\": 2, \"cmd\": \"orders\"}").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let ids: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str::<alphapulse_control::Response>(l).unwrap().id).collect();
    assert_eq!(ids, vec![serde_json::Value::from(1), 2.into()]);
    server.stop().unwrap();
}

#[test]
fn a_hundred_concurrent_clients() {
    let dir = TempDir::new("hundred");
    let (server, seen, counters) = start(&config(&dir));
    let path = dir.socket();
    let threads: Vec<_> = (0..100)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(&path, Duration::from_secs(30)).unwrap();
                let mut conn = None;
                for j in 0..10 {
                    let (cmd, want) =
                        if (i + j) % 2 == 0 { ("status", "Status") } else { ("positions", "Positions") };
                    // request() checks the id; the result must be this command's, on this connection.
                    let r = c.request(cmd, &[]).unwrap();
                    let result = r.result.unwrap();
                    assert_eq!(result["cmd"], want);
                    let this = result["conn"].as_u64().unwrap();
                    assert_eq!(*conn.get_or_insert(this), this);
                }
                conn.unwrap()
            })
        })
        .collect();
    let conns: std::collections::HashSet<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(conns.len(), 100);
    server.stop().unwrap();
    assert_eq!(seen.lock().unwrap().handled.len(), 1000);
    let c = counters.snapshot();
    assert_eq!((c.connections, c.requests, c.errors, c.refused), (100, 1000, 0, 0));
}
