//! Allocations on the receive path, counted by a global allocator on the client thread only:
//! after warm-up, receiving the rest of the sample capture over ws:// allocates nothing
//! (unfragmented messages lent in place, fragments joined in the reused buffer, pings
//! surfaced and answered with pongs: the send path is counted too). Over wss:// rustls' buffered connection allocates per TLS record; the test prints
//! the figure and holds it to the bound measured when it was written. Tungstenite's own read path
//! is measured beside ours for the record.

mod common;
use alphapulse_net::WsEvent;
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use common::*;
use std::cell::Cell;
use std::io::Write;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use tungstenite::Message;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const WARM_UP: usize = 2_000;

/// The sample's frames; the warm-up part starts with a 300 KB message (the read buffer grows
/// once) and a 70 KB fragmented one (the join buffer grows once).
fn messages() -> Vec<Vec<u8>> {
    let frames = sample_frames();
    let mut m = vec![joined(&frames, 0, 300_000), joined(&frames, 10, 70_000)];
    m.extend(frames);
    m
}

/// Every 50th message is sent in two fragments with a ping between them. Stops quietly when
/// the client goes away (the client checks what it got).
/// With a `gate`, the messages after the warm-up wait until it opens, so the counted window
/// holds exactly the rest.
fn serve(ws: &mut tungstenite::WebSocket<Stream>, msgs: &[Vec<u8>], gate: Option<Receiver<()>>) {
    let _ = try_serve(ws, msgs, gate);
    drain(ws.get_mut());
}

fn try_serve(
    ws: &mut tungstenite::WebSocket<Stream>,
    msgs: &[Vec<u8>],
    gate: Option<Receiver<()>>,
) -> Result<(), Box<dyn std::error::Error>> {
    for (i, m) in msgs.iter().enumerate() {
        if i == WARM_UP {
            ws.flush()?;
            if let Some(g) = &gate {
                g.recv()?;
            }
        }
        if i % 50 == 1 {
            ws.flush()?;
            let (a, b) = m.split_at(m.len() / 2);
            let mut raw = raw_frame(0x01, a);
            raw.extend(raw_frame(0x89, b"ping"));
            raw.extend(raw_frame(0x80, b));
            ws.get_mut().write_all(&raw)?;
        } else {
            ws.write(Message::text(String::from_utf8(m.clone())?))?;
        }
    }
    ws.flush()?;
    Ok(())
}

/// (messages received after warm-up, allocations meanwhile).
fn measure(tls: bool) -> (usize, u64, usize) {
    let msgs = Arc::new(messages());
    let (server_cfg, client_cfg) = tls_pair();
    let m2 = msgs.clone();
    let (open, gate) = channel();
    let (addr, server) = ws_server(tls.then_some(server_cfg), move |ws| serve(ws, &m2, Some(gate)));
    let mut ws = client(addr, tls.then_some(&client_cfg), "/ws/btcusdt@depth", &Default::default());
    let next = Cell::new(0usize);
    let pings = Cell::new(0usize);
    let mut on = |e: WsEvent<'_>| match e {
        WsEvent::Text(t) => {
            assert!(*t == *msgs[next.get()], "message {} differs", next.get());
            next.set(next.get() + 1);
        }
        WsEvent::Ping(p) => {
            assert_eq!(p, b"ping");
            pings.set(pings.get() + 1);
        }
        WsEvent::Opened => {}
        other => panic!("unexpected {other:?}"),
    };
    let start = std::time::Instant::now();
    // Answer every ping, so the send path (masking into the write buffer, the socket write or
    // the TLS writer) is inside the counted window too.
    let mut run = |until: usize| {
        while next.get() < until {
            ws.poll(&mut on).expect("poll");
            while pings.get() > 0 {
                ws.send_pong(b"ping").expect("pong");
                pings.set(pings.get() - 1);
            }
            assert!(start.elapsed() < PATIENCE, "stalled");
        }
    };
    let total = msgs.len();
    run(WARM_UP);
    let warm = next.get();
    assert_eq!(warm, WARM_UP);
    open.send(()).expect("open the gate");
    let ((), n) = allocations_in(|| run(total));
    drop(ws);
    server.join().expect("server");
    assert_eq!(next.get(), total);
    let bytes = msgs[warm..].iter().map(|m| m.len()).sum();
    (total - warm, n, bytes)
}

#[test]
fn ws_receive_allocates_nothing_after_warm_up() {
    let (msgs, n, _) = measure(false);
    println!("ws://: {msgs} messages after warm-up, {n} allocations");
    assert_eq!(n, 0, "allocations on the ws:// receive path");
}

#[test]
fn wss_receive_allocations_per_message() {
    let (msgs, n, bytes) = measure(true);
    let records = bytes as f64 / 16384.0;
    println!(
        "wss://: {msgs} messages ({bytes} bytes, >= {records:.0} TLS records) after warm-up, {n} allocations ({:.3} per message, {:.2} per 16 KiB record)",
        n as f64 / msgs as f64,
        n as f64 / records
    );
    assert!(msgs > 30_000);
    // rustls' buffered ClientConnection: see the crate docs for the figure and why.
    assert!(n as f64 / msgs as f64 <= 0.5, "more allocations than measured when this was written");
}

/// Tungstenite's own client over a blocking socket, for comparison (prints only).
#[test]
fn tungstenite_read_path_for_comparison() {
    let msgs = Arc::new(messages());
    let m2 = msgs.clone();
    let (addr, server) = ws_server(None, move |ws| serve(ws, &m2, None));
    let stream = std::net::TcpStream::connect(addr).expect("connect");
    let url = format!("ws://127.0.0.1:{}/ws/x", addr.port());
    let (mut ws, _) = tungstenite::client::client(url, stream).expect("handshake");
    let texts = Cell::new(0usize);
    let read = |ws: &mut tungstenite::WebSocket<std::net::TcpStream>| {
        if let Message::Text(t) = ws.read().expect("read") {
            assert_eq!(t.as_bytes(), &msgs[texts.get()][..]);
            texts.set(texts.get() + 1);
        }
    };
    while texts.get() < WARM_UP {
        read(&mut ws);
    }
    let before = texts.get();
    let ((), n) = allocations_in(|| {
        while texts.get() < 20_000 {
            read(&mut ws);
        }
    });
    let texts = texts.get();
    println!(
        "tungstenite: {} messages after warm-up, {n} allocations ({:.2} per message)",
        texts - before,
        n as f64 / (texts - before) as f64
    );
    drop(ws);
    server.join().expect("server");
}
