//! What one idle poll costs on one socket: a `read` that returns `WouldBlock` versus
//! `mio::Poll::poll` with a zero timeout (both one syscall). The WebSocket client reads; this
//! measures why (`cargo run --release -p alphapulse-net --example idle_poll_cost`).

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use std::io::Read;
use std::time::{Duration, Instant};

const N: u32 = 1_000_000;

fn main() -> std::io::Result<()> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    let mut s = TcpStream::connect(l.local_addr()?)?;
    let (_peer, _) = l.accept()?;
    let mut buf = [0u8; 4096];
    // Wait for the connect to finish (the peer is accepted, so it has).
    while s.peer_addr().is_err() {
        std::thread::yield_now();
    }
    for round in 0..3 {
        let t = Instant::now();
        for _ in 0..N {
            match s.read(&mut buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                other => panic!("idle socket: {other:?}"),
            }
        }
        let read_ns = t.elapsed().as_nanos() as f64 / N as f64;

        let mut poll = Poll::new()?;
        poll.registry().register(&mut s, Token(0), Interest::READABLE)?;
        let mut events = Events::with_capacity(8);
        // Drain the first (writable/connected) edge.
        poll.poll(&mut events, Some(Duration::ZERO))?;
        let t = Instant::now();
        for _ in 0..N {
            poll.poll(&mut events, Some(Duration::ZERO))?;
        }
        let poll_ns = t.elapsed().as_nanos() as f64 / N as f64;
        poll.registry().deregister(&mut s)?;
        println!("round {round}: read->WouldBlock {read_ns:.0} ns/call, epoll_wait(0) {poll_ns:.0} ns/call");
    }
    Ok(())
}
