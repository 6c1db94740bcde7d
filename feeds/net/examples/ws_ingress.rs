//! WebSocket ingress benchmark: a local server thread sends the real sample capture's frames
//! as fast as it can, each stamped with its send time; the consuming thread measures latency from
//! "written by the server" to "delivered to the consumer", and the sustained rate, for
//!
//! (a) `WsClient` busy-polled on the consuming thread, and
//! (b) tokio-tungstenite on a current-thread tokio runtime on its own thread, pushing each
//!     message's bytes into an rtrb byte ring the consuming thread reads.
//!
//! `cargo run --release -p alphapulse-net --example ws_ingress [rounds] [rate] [batch] [tls]`:
//! `rounds` passes over the sample per stack (default 2), at `rate` messages/s (default 0 = as
//! fast as the server can write). Prints p50/p99/p99.9 and messages/s for both. With `batch` the
//! server lets tungstenite buffer its writes (one syscall per ~128 KiB instead of one per
//! message): then the client, not the server, sets the rate, and the latency includes that
//! buffering. With `tls` the server speaks wss:// (rustls, an rcgen self-signed certificate)
//! and only (a) runs (the tokio stack would need tokio-rustls as well).
//!
//! A message is `<send ns, 16 digits> <frame>`; the server writes each one with its own write
//! (tungstenite `send` = write + flush), so the stamp is taken just before the bytes hit the
//! socket. At maximum rate the latency is mostly queueing behind earlier messages: it says how
//! well each stack keeps up.

// The tests' helpers: the sample capture's frames, the self-signed TLS pair.
#[path = "../tests/common/mod.rs"]
mod common;

use alphapulse_net::{Endpoint, WsClient, WsEvent, WsOptions};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use std::net::TcpListener;
use std::time::Instant;
use tungstenite::Message;

const STAMP: usize = 16;

/// Serve `rounds` passes over `frames` to one client, stamping each message; returns the port.
fn server(
    frames: &'static [Vec<u8>],
    rounds: usize,
    rate: u64,
    batch: bool,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    start: Instant,
) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let (s, _) = l.accept().expect("accept");
        s.set_nodelay(true).expect("nodelay");
        let s: common::Stream = match tls {
            None => Box::new(s),
            Some(cfg) => {
                Box::new(rustls::StreamOwned::new(rustls::ServerConnection::new(cfg).expect("session"), s))
            }
        };
        let mut ws = tungstenite::accept(s).expect("handshake");
        let mut text = String::with_capacity(1 << 17);
        let gap_ns = 1_000_000_000 / rate.max(1);
        let t0 = start.elapsed().as_nanos() as u64;
        let mut i = 0u64;
        for _ in 0..rounds {
            for f in frames {
                if rate > 0 {
                    i += 1;
                    while (start.elapsed().as_nanos() as u64) < t0 + i * gap_ns {
                        std::hint::spin_loop();
                    }
                }
                text.clear();
                text.push_str(&format!("{:016} ", start.elapsed().as_nanos()));
                text.push_str(std::str::from_utf8(f).expect("utf8"));
                let m = Message::text(text.clone());
                let sent = if batch { ws.write(m) } else { ws.send(m) };
                if sent.is_err() {
                    return;
                }
            }
        }
        let _ = ws.flush();
        let _ = ws.close(None);
        while ws.read().is_ok() {}
    });
    port
}

fn stamp(msg: &[u8]) -> u64 {
    msg[..STAMP].iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
}

struct Figures {
    hist: Histogram<u64>,
    first: Option<Instant>,
    last: Instant,
    n: u64,
    bytes: u64,
}

impl Figures {
    fn new() -> Figures {
        Figures {
            hist: Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("hist"),
            first: None,
            last: Instant::now(),
            n: 0,
            bytes: 0,
        }
    }
    fn record(&mut self, msg: &[u8], start: Instant) {
        let now = Instant::now();
        let ns = (now - start).as_nanos() as u64;
        self.hist.saturating_record(ns.saturating_sub(stamp(msg)).max(1));
        self.first.get_or_insert(now);
        self.last = now;
        self.n += 1;
        self.bytes += msg.len() as u64;
    }
    fn print(&self, name: &str) {
        let secs = self.first.map_or(0.0, |f| (self.last - f).as_secs_f64());
        let h = &self.hist;
        println!(
            "{name:<40} {:>8} msgs  {:>10.0} msgs/s  {:>7.1} MB/s  p50 {:>9} ns  p99 {:>10} ns  p99.9 {:>10} ns  max {:>10} ns",
            self.n,
            self.n as f64 / secs,
            self.bytes as f64 / secs / 1e6,
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max()
        );
    }
}

fn ws_client(frames: &'static [Vec<u8>], rounds: usize, rate: u64, batch: bool, tls: bool) -> Figures {
    let start = Instant::now();
    let (server_cfg, cfg) = common::tls_pair();
    let port = server(frames, rounds, rate, batch, tls.then_some(server_cfg), start);
    let url =
        if tls { format!("wss://localhost:{port}/ws/x") } else { format!("ws://127.0.0.1:{port}/ws/x") };
    let e = Endpoint::parse(&url).expect("url");
    let addr = alphapulse_net::literal("127.0.0.1", e.port).expect("literal");
    let mut ws = WsClient::connect(&e, addr, &cfg, &WsOptions::default()).expect("connect");
    let mut fig = Figures::new();
    let want = (frames.len() * rounds) as u64;
    while fig.n < want {
        ws.poll(&mut |ev| {
            if let WsEvent::Text(t) = ev {
                fig.record(t, start);
            }
        })
        .expect("poll");
    }
    println!("  WsClient stats: {:?}", ws.stats());
    fig
}

fn tokio_client(frames: &'static [Vec<u8>], rounds: usize, rate: u64, batch: bool) -> Figures {
    let start = Instant::now();
    let port = server(frames, rounds, rate, batch, None, start);
    let (mut tx, mut rx) = rtrb::RingBuffer::<u8>::new(8 << 20);
    let io = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().expect("runtime");
        rt.block_on(async move {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
            tcp.set_nodelay(true).expect("nodelay");
            let url = format!("ws://127.0.0.1:{port}/ws/btcusdt@depth");
            let (mut ws, _) = tokio_tungstenite::client_async(url, tcp).await.expect("handshake");
            let mut full_spins = 0u64;
            while let Some(Ok(m)) = ws.next().await {
                let Message::Text(t) = m else { continue };
                let b = t.as_bytes();
                let need = 4 + b.len();
                while tx.slots() < need {
                    full_spins += 1;
                    std::hint::spin_loop();
                }
                let mut chunk = tx.write_chunk(need).expect("room checked");
                let (a, c) = chunk.as_mut_slices();
                let bytes = (b.len() as u32).to_le_bytes().into_iter().chain(b.iter().copied());
                for (slot, v) in a.iter_mut().chain(c.iter_mut()).zip(bytes) {
                    *slot = v;
                }
                chunk.commit_all();
            }
            full_spins
        })
    });
    let mut fig = Figures::new();
    let want = (frames.len() * rounds) as u64;
    let mut msg = Vec::with_capacity(1 << 17);
    while fig.n < want {
        if rx.slots() < 4 {
            std::hint::spin_loop();
            continue;
        }
        let len = {
            let c = rx.read_chunk(4).expect("4 slots");
            let (a, b) = c.as_slices();
            let mut l = [0u8; 4];
            for (d, s) in l.iter_mut().zip(a.iter().chain(b)) {
                *d = *s;
            }
            u32::from_le_bytes(l) as usize
        };
        while rx.slots() < 4 + len {
            std::hint::spin_loop();
        }
        let c = rx.read_chunk(4 + len).expect("room checked");
        let (a, b) = c.as_slices();
        msg.clear();
        msg.extend(a.iter().chain(b).skip(4));
        c.commit_all();
        fig.record(&msg, start);
    }
    let spins = io.join().expect("io thread");
    println!("  tokio thread: ring-full spins {spins}");
    fig
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut numbers = args.iter().filter_map(|a| a.parse::<u64>().ok());
    let rounds = numbers.next().unwrap_or(2) as usize;
    let rate = numbers.next().unwrap_or(0);
    let batch = args.iter().any(|a| a == "batch");
    let tls = args.iter().any(|a| a == "tls");
    let frames: &'static [Vec<u8>] = Box::leak(common::sample_frames().into_boxed_slice());
    let pace = if rate == 0 { "maximum rate".to_string() } else { format!("{rate} msgs/s") };
    let writes = if batch { "batched writes" } else { "one write per message" };
    let scheme = if tls { "wss://" } else { "ws://" };
    println!(
        "{} frames x {rounds} rounds per stack at {pace}, {writes}, {scheme} on 127.0.0.1",
        frames.len()
    );
    let a = ws_client(frames, rounds, rate, batch, tls);
    if tls {
        a.print("(a) WsClient busy-polled, same thread");
        return;
    }
    let b = tokio_client(frames, rounds, rate, batch);
    a.print("(a) WsClient busy-polled, same thread");
    b.print("(b) tokio-tungstenite thread + rtrb ring");
}
