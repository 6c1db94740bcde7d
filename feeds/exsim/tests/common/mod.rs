//! Test support: the real captures, a small sync WebSocket client and an HTTP/1.1 getter.
#![allow(dead_code)]

use alphapulse_exsim::{start, SimConfig, SimHandle, Speed};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

pub type Client = WebSocket<MaybeTlsStream<TcpStream>>;

/// The repo's sample capture.
pub fn sample() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/btcusdt_20240808.gz"))
}

/// `shared/data`, if present (`$ALPHAPULSE_SHARED_DATA` overrides).
pub fn shared_data() -> Option<PathBuf> {
    let p = match std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    };
    p.is_dir().then_some(p)
}

/// Every `(stream, frame)` line of a capture (snapshot lines have stream "").
pub fn capture_frames(path: &PathBuf) -> Vec<(String, String)> {
    let f = std::fs::File::open(path).expect("capture opens");
    let r = BufReader::new(flate2::read::MultiGzDecoder::new(f));
    r.lines()
        .map(|l| {
            let l = l.expect("line");
            let (_, frame) = l.split_once(' ').expect("ns frame");
            let stream = frame
                .strip_prefix("{\"stream\":\"")
                .and_then(|r| r.split_once('"'))
                .map_or(String::new(), |(s, _)| s.to_string());
            (stream, frame.to_string())
        })
        .collect()
}

/// A config for the sample at `speed`, market held until one client connects.
pub fn config(speed: Speed) -> SimConfig {
    let mut c = SimConfig::new(vec![sample()]);
    c.speed = speed;
    c.wait_for_clients = 1;
    c
}

pub fn sim(cfg: SimConfig) -> SimHandle {
    start(cfg).expect("simulator starts")
}

/// Connect a WebSocket client to `path` (e.g. `/stream?streams=...`).
pub fn connect(addr: SocketAddr, path: &str) -> Client {
    let (ws, _) = tungstenite::connect(format!("ws://{addr}{path}")).expect("ws connects");
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
    }
    ws
}

/// What a read gave.
#[derive(Debug)]
pub enum Got {
    Text(String),
    Timeout,
    Closed(String),
}

/// Next text frame within `wait` (pings are answered by tungstenite as we read).
pub fn next(ws: &mut Client, wait: Duration) -> Got {
    let until = Instant::now() + wait;
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => return Got::Text(t.to_string()),
            Ok(Message::Close(c)) => return Got::Closed(format!("close frame {c:?}")),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => return Got::Closed(e.to_string()),
        }
        if Instant::now() >= until {
            return Got::Timeout;
        }
    }
}

/// Next text frame, or panic after a generous wait.
pub fn text(ws: &mut Client) -> String {
    match next(ws, Duration::from_secs(30)) {
        Got::Text(t) => t,
        other => panic!("expected a frame, got {other:?}"),
    }
}

pub fn json(t: &str) -> serde_json::Value {
    serde_json::from_str(t).unwrap_or_else(|e| panic!("not JSON ({e}): {t}"))
}

/// `(status, head, body)` of one HTTP request.
pub fn http(addr: SocketAddr, method: &str, target: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("http connects");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(s, "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n").expect("write");
    let mut buf = String::new();
    s.read_to_string(&mut buf).expect("read response");
    let (head, body) = buf.split_once("\r\n\r\n").expect("head and body");
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status");
    (status, head.to_string(), body.to_string())
}

pub fn get(addr: SocketAddr, target: &str) -> (u16, String, String) {
    http(addr, "GET", target)
}

/// The value of header `name` in a response head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
}

/// Exact decimal key (18 places) of a price string, for the test's own book.
pub fn key(p: &str) -> u128 {
    let (i, f) = p.split_once('.').unwrap_or((p, ""));
    let frac: String = format!("{f:0<18}");
    i.parse::<u128>().expect("int") * 10u128.pow(18) + frac.parse::<u128>().expect("frac")
}

/// Wait (up to 30 s) until `f` holds: for counters the server bumps after the client saw the effect.
pub fn eventually(f: impl Fn() -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}
