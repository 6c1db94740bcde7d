//! The real sample capture end to end over ws:// and wss://: every frame arrives byte-identical
//! and in order, including 100+ KB messages (64-bit lengths, read buffer growth), messages the
//! server fragments into continuation frames with pings between the fragments, and a close
//! handshake started by the server. The larger captures in ../shared/data go over wss:// too,
//! when that folder exists.

mod common;
use common::*;
use std::io::Write;
use std::sync::Arc;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::Message;

/// How the server sends one message.
enum Step {
    Whole(Vec<u8>),
    /// In three continuation pieces with a ping (`ping`) after the first.
    Fragmented(Vec<u8>, Vec<u8>),
}

fn script() -> Vec<Step> {
    let frames = sample_frames();
    let mut steps = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        if i % 1000 == 500 {
            let min = if i % 3000 == 500 { 400_000 } else { 150_000 };
            steps.push(Step::Whole(joined(&frames, i, min)));
        }
        if i % 97 == 0 {
            steps.push(Step::Fragmented(f.clone(), format!("p{i}").into_bytes()));
        } else {
            steps.push(Step::Whole(f.clone()));
        }
    }
    steps
}

fn serve(ws: &mut tungstenite::WebSocket<Stream>, steps: &[Step]) {
    for s in steps {
        match s {
            Step::Whole(m) => {
                let text = String::from_utf8(m.clone()).expect("capture frames are UTF-8");
                ws.write(Message::text(text)).expect("write");
            }
            Step::Fragmented(m, ping) => {
                ws.flush().expect("flush");
                let (a, rest) = m.split_at(m.len() / 3);
                let (b, c) = rest.split_at(rest.len() / 2);
                let mut raw = raw_frame(0x01, a);
                raw.extend(raw_frame(0x89, ping));
                raw.extend(raw_frame(0x00, b));
                raw.extend(raw_frame(0x80, c));
                ws.get_mut().write_all(&raw).expect("raw write");
            }
        }
    }
    let close = CloseFrame { code: CloseCode::Normal, reason: "done".into() };
    ws.send(Message::Close(Some(close))).expect("close");
    // Read until the client's close reply completes the handshake.
    while ws.read().is_ok() {}
}

/// Over TLS or not; by `poll` (every event of a read in one call) or by `next` (one per call).
fn end_to_end(tls: bool, pull: bool) {
    let steps = Arc::new(script());
    let (server_cfg, client_cfg) = tls_pair();
    let s2 = steps.clone();
    let (addr, server) = ws_server(tls.then_some(server_cfg), move |ws| serve(ws, &s2));
    let mut ws =
        client(addr, tls.then_some(&client_cfg), "/stream?streams=btcusdt@depth", &Default::default());
    let mut events = Vec::new();
    let closed = |_: &[Ev], st| st == alphapulse_net::WsState::Closed;
    if pull {
        next_until(&mut ws, &mut events, closed).expect("clean run");
    } else {
        poll_until(&mut ws, &mut events, closed).expect("clean run");
    }
    server.join().expect("server");

    let mut expected = vec![Ev::Opened];
    for s in steps.iter() {
        match s {
            Step::Whole(m) => expected.push(Ev::Text(m.clone())),
            Step::Fragmented(m, ping) => {
                expected.push(Ev::Ping(ping.clone()));
                expected.push(Ev::Text(m.clone()));
            }
        }
    }
    expected.push(Ev::Close(Some(1000), b"done".to_vec()));
    assert_eq!(events.len(), expected.len());
    for (i, (got, want)) in events.iter().zip(&expected).enumerate() {
        assert!(got == want, "event {i} differs");
    }
    let st = ws.stats();
    let big = steps.iter().filter(|s| matches!(s, Step::Whole(m) if m.len() > 0xffff)).count();
    println!("{} events, {big} messages over 64 KiB, stats {st:?}", events.len());
    assert!(big >= 40, "the script has long messages");
    assert_eq!(st.messages_in as usize, expected.len() - 2 - st.pings_in as usize);
    assert!(st.read_buffer_grown >= 1, "a 400 KB message grew the 256 KiB read buffer");
    assert!(matches!(ws.poll(&mut |_| {}), Err(alphapulse_net::NetError::Closed { code: Some(1000) })));
}

#[test]
fn ws_sample_capture_end_to_end_one_event_per_call() {
    end_to_end(false, true);
}

#[test]
fn wss_sample_capture_end_to_end_one_event_per_call() {
    end_to_end(true, true);
}

#[test]
fn ws_sample_capture_end_to_end() {
    end_to_end(false, false);
}

#[test]
fn wss_sample_capture_end_to_end() {
    end_to_end(true, false);
}

#[test]
fn shared_captures_over_wss() {
    let Some(dir) = shared_data_dir() else {
        println!("skipped: no ../shared/data");
        return;
    };
    let (server_cfg, client_cfg) = tls_pair();
    let mut files = 0;
    for sub in ["binance-spot", "binance-usdm"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.retain(|p| p.extension().is_some_and(|x| x == "gz"));
        paths.sort();
        for path in paths {
            let frames = Arc::new(frames_of(&path));
            let f2 = frames.clone();
            let (addr, server) = ws_server(Some(server_cfg.clone()), move |ws| {
                for f in f2.iter() {
                    ws.write(Message::text(String::from_utf8(f.clone()).expect("utf8"))).expect("write");
                }
                ws.send(Message::Close(None)).expect("close");
                while ws.read().is_ok() {}
            });
            let mut ws = client(addr, Some(&client_cfg), "/ws/x", &Default::default());
            let (mut next, mut closed) = (0usize, false);
            let start = std::time::Instant::now();
            while !closed {
                ws.poll(&mut |e| match e {
                    alphapulse_net::WsEvent::Text(t) => {
                        assert!(*t == *frames[next], "{path:?}: frame {next} differs");
                        next += 1;
                    }
                    alphapulse_net::WsEvent::Close { code: None, .. } => closed = true,
                    alphapulse_net::WsEvent::Opened => {}
                    other => panic!("unexpected {other:?}"),
                })
                .expect("poll");
                assert!(start.elapsed() < PATIENCE, "stalled");
            }
            server.join().expect("server");
            assert_eq!(next, frames.len(), "{path:?}");
            println!("{path:?}: {next} frames byte-identical over wss://");
            files += 1;
        }
    }
    assert!(files > 0, "the shared data folder has captures");
}
