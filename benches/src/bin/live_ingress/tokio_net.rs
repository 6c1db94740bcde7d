//! The tokio stack as a [`Net`] for the live feed: each connection is tokio-tungstenite on a
//! current-thread tokio runtime on its own thread, which stamps each text message as it receives
//! it and pushes `[kind u8][len u32][stamp u64][bytes]` into an `rtrb` byte ring; the feed's
//! thread pops it ([`RingWs::next_event`]) and parses it in place like any other frame.
//!
//! REST snapshots go through the wrapped [`BinanceNet`] (one request per sync, not what is
//! measured). Pings are answered by tungstenite on the tokio thread, so the feed never sees them
//! and its pongs are not sent. A connection ends when the server closes it; dropping the
//! [`RingWs`] abandons the ring, and the tokio thread stops at its next message.

use crate::probe::Probe;
use alphapulse_feeds::live::net::{BinanceNet, NetHttp};
use alphapulse_feeds::live::{Failure, Net, WsIn, WsIo};
use alphapulse_types::FeedReason;
use futures_util::StreamExt;
use std::net::SocketAddr;
use std::rc::Rc;
use tokio_tungstenite::tungstenite::Message;

const OPENED: u8 = 0;
const TEXT: u8 = 1;
const CLOSED: u8 = 2;
const HEADER: usize = 13;
/// Bytes of each connection's ring.
const RING_BYTES: usize = 8 << 20;

/// Connections over tokio-tungstenite threads, REST over [`BinanceNet`].
pub struct TokioNet {
    pub rest: BinanceNet,
    pub ws_addr: SocketAddr,
    pub probe: Rc<Probe>,
    pub clock: quanta::Clock,
}

/// The feed's side of one tokio connection.
pub struct RingWs {
    rx: rtrb::Consumer<u8>,
    /// The header of the message being read: (kind, length, receive stamp).
    pending: Option<(u8, usize, u64)>,
    buf: Vec<u8>,
    closed: bool,
    probe: Rc<Probe>,
    clock: quanta::Clock,
}

/// Push one message into the ring, spinning while it is full; false once the reader is gone.
fn push(tx: &mut rtrb::Producer<u8>, kind: u8, stamp: u64, bytes: &[u8], full_spins: &mut u64) -> bool {
    let need = HEADER + bytes.len();
    if need > RING_BYTES {
        return false;
    }
    while tx.slots() < need {
        if tx.is_abandoned() {
            return false;
        }
        *full_spins += 1;
        std::hint::spin_loop();
    }
    let Ok(mut chunk) = tx.write_chunk(need) else { return false };
    let mut head = [0u8; HEADER];
    head[0] = kind;
    head[1..5].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
    head[5..].copy_from_slice(&stamp.to_le_bytes());
    let (a, b) = chunk.as_mut_slices();
    for (slot, v) in a.iter_mut().chain(b.iter_mut()).zip(head.iter().chain(bytes)) {
        *slot = *v;
    }
    chunk.commit_all();
    !tx.is_abandoned()
}

/// The tokio thread of one connection.
fn serve(addr: SocketAddr, url: String, mut tx: rtrb::Producer<u8>, clock: quanta::Clock) {
    let mut spins = 0u64;
    let rt = match tokio::runtime::Builder::new_current_thread().enable_io().build() {
        Ok(rt) => rt,
        Err(_) => {
            push(&mut tx, CLOSED, 0, b"runtime", &mut spins);
            return;
        }
    };
    rt.block_on(async move {
        let ws = match tokio::net::TcpStream::connect(addr).await {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                tokio_tungstenite::client_async(url, tcp).await.ok().map(|(ws, _)| ws)
            }
            Err(_) => None,
        };
        let Some(mut ws) = ws else {
            push(&mut tx, CLOSED, 0, b"connect", &mut spins);
            return;
        };
        if !push(&mut tx, OPENED, clock.raw(), b"", &mut spins) {
            return;
        }
        while let Some(Ok(m)) = ws.next().await {
            let stamp = clock.raw();
            if let Message::Text(t) = m {
                if !push(&mut tx, TEXT, stamp, t.as_bytes(), &mut spins) {
                    return;
                }
            }
        }
        push(&mut tx, CLOSED, 0, b"eof", &mut spins);
    });
}

impl Net for TokioNet {
    type Ws = RingWs;
    type Http = NetHttp;
    fn connect(&mut self, path_and_query: &str) -> Result<RingWs, Failure> {
        let (tx, rx) = rtrb::RingBuffer::<u8>::new(RING_BYTES);
        let url = format!("ws://{}{}", self.ws_addr, path_and_query);
        let (addr, clock) = (self.ws_addr, self.clock.clone());
        std::thread::Builder::new()
            .name("tokio-ws".into())
            .spawn(move || serve(addr, url, tx, clock))
            .map_err(|_| Failure::of(FeedReason::Io))?;
        Ok(RingWs {
            rx,
            pending: None,
            buf: Vec::with_capacity(1 << 16),
            closed: false,
            probe: self.probe.clone(),
            clock: self.clock.clone(),
        })
    }
    fn get(&mut self, path_and_query: &str) -> Result<NetHttp, Failure> {
        self.rest.get(path_and_query)
    }
}

impl RingWs {
    fn read_header(&mut self) -> Option<(u8, usize, u64)> {
        if self.rx.slots() < HEADER {
            return None;
        }
        let chunk = self.rx.read_chunk(HEADER).ok()?;
        let mut head = [0u8; HEADER];
        let (a, b) = chunk.as_slices();
        for (d, s) in head.iter_mut().zip(a.iter().chain(b)) {
            *d = *s;
        }
        chunk.commit_all();
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut stamp = [0u8; 8];
        stamp.copy_from_slice(&head[5..]);
        Some((head[0], len, u64::from_le_bytes(stamp)))
    }
}

impl WsIo for RingWs {
    fn next_event(&mut self) -> Result<Option<WsIn<'_>>, Failure> {
        if self.closed {
            return Err(Failure::of(FeedReason::PeerClosed));
        }
        if self.pending.is_none() {
            self.pending = self.read_header();
        }
        let Some((kind, len, stamp)) = self.pending else {
            if self.rx.is_abandoned() && self.rx.slots() == 0 {
                self.closed = true;
                return Err(Failure::of(FeedReason::PeerClosed));
            }
            return Ok(None);
        };
        if self.rx.slots() < len {
            return Ok(None);
        }
        self.pending = None;
        self.buf.clear();
        if let Ok(chunk) = self.rx.read_chunk(len) {
            let (a, b) = chunk.as_slices();
            self.buf.extend_from_slice(a);
            self.buf.extend_from_slice(b);
            chunk.commit_all();
        }
        match kind {
            OPENED => Ok(Some(WsIn::Opened)),
            TEXT => {
                self.probe.received.set(stamp);
                self.probe.delivered.set(self.clock.raw());
                Ok(Some(WsIn::Text(&mut self.buf[..])))
            }
            _ => {
                self.closed = true;
                Err(Failure::of(FeedReason::PeerClosed))
            }
        }
    }
    fn send_text(&mut self, _msg: &[u8]) -> Result<(), Failure> {
        // The URL carries the streams (`subscribe = "url"`): nothing to send.
        Ok(())
    }
    fn send_pong(&mut self, _payload: &[u8]) -> Result<(), Failure> {
        // tungstenite answers pings on the tokio thread.
        Ok(())
    }
    fn close(&mut self) {
        self.closed = true;
    }
}
