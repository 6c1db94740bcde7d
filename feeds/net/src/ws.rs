//! The non-blocking WebSocket client: connect, TLS, upgrade, frames, close; all driven by `poll`.
//! Its options, states, events and counters are in `ws_types`.

use crate::conn::{Conn, Got};
use crate::frame::{self, At, Decoded, Decoder, Found};
use crate::{head, Endpoint, NetError, TlsConfig, WsEvent, WsOptions, WsState, WsStats};
use std::net::SocketAddr;

/// Reads per `poll` before it returns even if more is available (bounds the time of one call).
const MAX_READS_PER_POLL: usize = 64;
/// Compact the read buffer when less than this is free at its end.
const MIN_READ_ROOM: usize = 16 << 10;

/// A WebSocket client over a non-blocking mio socket; see the crate docs.
pub struct WsClient {
    conn: Conn,
    state: WsState,
    rbuf: Vec<u8>,
    rstart: usize,
    rend: usize,
    /// Bytes the frame at `rstart` needs in all (to grow `rbuf` for long frames).
    need: usize,
    max_frame: usize,
    wbuf: Vec<u8>,
    wstart: usize,
    wend: usize,
    dec: Decoder,
    accept: String,
    rng: u64,
    close_code: Option<u16>,
    stats: WsStats,
}

impl WsClient {
    /// Start a non-blocking connect to `addr` (already resolved) for `endpoint` (ws:// or wss://,
    /// SNI = `endpoint.host`); TLS and the HTTP upgrade follow, all driven by [`WsClient::poll`].
    pub fn connect(
        endpoint: &Endpoint,
        addr: SocketAddr,
        tls: &TlsConfig,
        opts: &WsOptions,
    ) -> Result<WsClient, NetError> {
        head::check_extra(&opts.extra_headers)?;
        let key = tungstenite::handshake::client::generate_key();
        let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
        let lines = format!(
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        );
        let request = head::get_request(endpoint, &lines, &opts.extra_headers);
        let mut wbuf = vec![0u8; opts.write_buffer_bytes.max(frame::MAX_HEADER + 125)];
        let wend = request.len();
        wbuf.get_mut(..wend).ok_or(NetError::WriteBufferFull)?.copy_from_slice(request.as_bytes());
        let conn = Conn::for_endpoint(endpoint, addr, tls, true)?;
        Ok(WsClient {
            conn,
            state: WsState::Connecting,
            rbuf: vec![0u8; opts.read_buffer_bytes.max(MIN_READ_ROOM * 2)],
            rstart: 0,
            rend: 0,
            need: 0,
            max_frame: opts.max_message_bytes.saturating_add(frame::MAX_HEADER),
            wbuf,
            wstart: 0,
            wend,
            dec: Decoder::new(opts.max_message_bytes),
            accept,
            rng: seed(&addr),
            close_code: None,
            stats: WsStats::default(),
        })
    }

    /// Drive the connection: finish connecting/handshaking, flush queued writes, read everything
    /// available (up to 64 reads) and call `on` once per complete message/event, in order.
    /// Returns the number of events. `Err` = the connection is dead and stays dead.
    pub fn poll(&mut self, on: &mut dyn FnMut(WsEvent<'_>)) -> Result<usize, NetError> {
        if self.state == WsState::Closed {
            return Err(NetError::Closed { code: self.close_code });
        }
        let r = self.drive(on);
        if r.is_err() {
            self.state = WsState::Closed;
        }
        r
    }

    /// The next event, one per call: the pull form of [`WsClient::poll`], for a caller that
    /// handles one message at a time (the live feed emits at most one depth update per step).
    /// Finishes connecting and the upgrade, flushes queued writes, and reads from the socket only
    /// when nothing complete is buffered (one read per call). `Ok(None)`: nothing complete yet.
    /// `Err`: the connection is dead and stays dead. A server close frame is answered and
    /// returned as `Close`; the next call returns `Err(Closed)`.
    pub fn next_event(&mut self) -> Result<Option<WsEvent<'_>>, NetError> {
        if self.state == WsState::Closed {
            return Err(NetError::Closed { code: self.close_code });
        }
        let found = match self.next_found() {
            Ok(f) => f,
            Err(e) => {
                self.state = WsState::Closed;
                return Err(e);
            }
        };
        let Some((start, kind, at)) = found else { return Ok(None) };
        if kind == Kind::Opened {
            return Ok(Some(WsEvent::Opened));
        }
        let payload = match at {
            At::Slice(r) => &mut self.rbuf[start + r.start..start + r.end],
            At::Joined => self.dec.joined(),
        };
        Ok(Some(match kind {
            Kind::Opened => WsEvent::Opened,
            Kind::Frame(k) => frame::event(k, payload),
        }))
    }

    /// Drive the connection until an event is complete: (where its frame started in `rbuf`, what
    /// it is, where its payload is). Everything but lending the payload, so `next_event` can lend it.
    fn next_found(&mut self) -> Result<Option<(usize, Kind, At)>, NetError> {
        if self.state == WsState::Connecting {
            if !self.conn.connected()? {
                return Ok(None);
            }
            self.state = WsState::Handshaking;
        }
        if self.wstart < self.wend || self.conn.tls_pending() {
            self.flush()?;
        }
        let mut read = false;
        loop {
            if self.state == WsState::Handshaking {
                if self.upgrade(&mut |_| {})? {
                    return Ok(Some((0, Kind::Opened, At::Joined)));
                }
            } else if self.state != WsState::Closed {
                match self.dec.decode_at(&mut self.rbuf[self.rstart..self.rend])? {
                    Found::Need(n) => self.need = n,
                    Found::Absorbed(n) => {
                        self.rstart += n;
                        self.stats.frames_in += 1;
                        continue;
                    }
                    Found::Event(n, k, at) => {
                        let start = self.rstart;
                        self.rstart += n;
                        self.stats.frames_in += 1;
                        match k {
                            frame::Kind::Text | frame::Kind::Binary => self.stats.messages_in += 1,
                            frame::Kind::Ping => self.stats.pings_in += 1,
                            frame::Kind::Pong => self.stats.pongs_in += 1,
                            frame::Kind::Close { code } => self.server_closed(code),
                        }
                        return Ok(Some((start, Kind::Frame(k), at)));
                    }
                }
            }
            if read || self.state == WsState::Closed {
                return Ok(None);
            }
            read = true;
            match self.read_once()? {
                Got::Data(_) => {}
                Got::WouldBlock => return Ok(None),
                Got::Eof => {
                    self.eof()?;
                    return Ok(None);
                }
            }
        }
    }

    /// Where the connection is.
    pub fn state(&self) -> WsState {
        self.state
    }

    /// Counters.
    pub fn stats(&self) -> WsStats {
        self.stats
    }

    /// The socket's file descriptor, for a caller that wants readiness from its own `mio::Poll`
    /// (register it with `mio::unix::SourceFd`; the client keeps its own registration too).
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.conn.tcp.as_raw_fd()
    }

    /// Queue a text message (masked, as RFC 6455 requires from clients). `Err(WriteBufferFull)`
    /// when the write buffer has no room; never blocks; `poll` flushes.
    pub fn send_text(&mut self, msg: &[u8]) -> Result<(), NetError> {
        self.send(frame::OP_TEXT, msg)
    }

    /// Queue a ping (payload of at most 125 bytes).
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), NetError> {
        self.send(frame::OP_PING, payload)
    }

    /// Queue a pong, normally with the payload of the server's ping (at most 125 bytes).
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), NetError> {
        self.send(frame::OP_PONG, payload)
    }

    /// Start a clean close (a close frame with `code` and up to 123 bytes of `reason`); `poll`
    /// finishes it when the server's close frame comes back (or the server closes the socket).
    /// Does nothing unless open (before that, just drop the client) or if the write buffer has
    /// no room for the frame (the state stays Open: poll, then try again).
    pub fn close(&mut self, code: u16, reason: &[u8]) {
        if self.state == WsState::Open && self.queue_close(code, reason).is_ok() {
            self.state = WsState::Closing;
        }
    }

    fn send(&mut self, op: u8, payload: &[u8]) -> Result<(), NetError> {
        match self.state {
            WsState::Open => {}
            WsState::Closed => return Err(NetError::Closed { code: self.close_code }),
            _ => return Err(NetError::NotOpen),
        }
        if op != frame::OP_TEXT && payload.len() > 125 {
            return Err(NetError::Protocol("control frame payload over 125 bytes"));
        }
        self.queue(op, payload)
    }

    fn queue_close(&mut self, code: u16, reason: &[u8]) -> Result<(), NetError> {
        let mut p = [0u8; 125];
        let n = reason.len().min(123);
        p[..2].copy_from_slice(&code.to_be_bytes());
        p[2..2 + n].copy_from_slice(&reason[..n]);
        self.queue(frame::OP_CLOSE, &p[..2 + n])
    }

    fn queue(&mut self, op: u8, payload: &[u8]) -> Result<(), NetError> {
        let n = frame::encoded_len(payload.len());
        if self.wbuf.len() - self.wend < n && self.wstart > 0 {
            self.wbuf.copy_within(self.wstart..self.wend, 0);
            self.wend -= self.wstart;
            self.wstart = 0;
        }
        let mask = self.next_mask();
        match frame::encode(op, payload, mask, &mut self.wbuf[self.wend..]) {
            Some(n) => {
                self.wend += n;
                self.stats.messages_out += 1;
                Ok(())
            }
            None => {
                self.stats.write_buffer_full += 1;
                Err(NetError::WriteBufferFull)
            }
        }
    }

    /// xorshift64*: RFC 6455 wants an unpredictable mask, which only matters against proxies
    /// that cache; a fast PRNG seeded once from std's OS-random hash keys is enough.
    fn next_mask(&mut self) -> [u8; 4] {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        ((self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32).to_ne_bytes()
    }

    fn flush(&mut self) -> Result<(), NetError> {
        while self.wstart < self.wend {
            let n = self.conn.write(&self.wbuf[self.wstart..self.wend])?;
            if n == 0 {
                self.stats.writes_would_block += 1;
                break;
            }
            self.wstart += n;
            self.stats.bytes_out += n as u64;
        }
        if self.wstart == self.wend {
            (self.wstart, self.wend) = (0, 0);
        }
        self.conn.flush()
    }

    fn drive(&mut self, on: &mut dyn FnMut(WsEvent<'_>)) -> Result<usize, NetError> {
        if self.state == WsState::Connecting {
            if !self.conn.connected()? {
                return Ok(0);
            }
            self.state = WsState::Handshaking;
        }
        self.flush()?;
        let mut events = self.decode(on)?;
        for _ in 0..MAX_READS_PER_POLL {
            if self.state == WsState::Closed {
                break;
            }
            match self.read_once()? {
                Got::Data(_) => {}
                Got::WouldBlock => break,
                Got::Eof => return self.eof(),
            }
            events += self.decode(on)?;
        }
        if self.state != WsState::Closed && (self.wstart < self.wend || self.conn.tls_pending()) {
            self.flush()?;
        }
        Ok(events)
    }

    /// One read from the socket into the read buffer (made room for first), counted.
    fn read_once(&mut self) -> Result<Got, NetError> {
        self.make_room()?;
        let got = self.conn.read(&mut self.rbuf[self.rend..])?;
        match got {
            Got::Data(n) => {
                self.rend += n;
                self.stats.bytes_in += n as u64;
                self.stats.reads += 1;
            }
            Got::WouldBlock => self.stats.reads_would_block += 1,
            Got::Eof => {}
        }
        Ok(got)
    }

    fn eof(&mut self) -> Result<usize, NetError> {
        if self.rend > self.rstart || self.dec.in_fragmented_message() {
            return Err(NetError::Protocol("connection closed mid-frame"));
        }
        if self.state == WsState::Closing {
            self.state = WsState::Closed;
            return Ok(0);
        }
        Err(NetError::Eof)
    }

    /// Compact the read buffer, and grow it once if the pending frame is longer than it.
    fn make_room(&mut self) -> Result<(), NetError> {
        if self.rstart == self.rend {
            (self.rstart, self.rend) = (0, 0);
        } else if self.rbuf.len() - self.rend
            < MIN_READ_ROOM.max(self.need.saturating_sub(self.rend - self.rstart))
        {
            self.rbuf.copy_within(self.rstart..self.rend, 0);
            self.rend -= self.rstart;
            self.rstart = 0;
        }
        if self.need > self.rbuf.len() {
            let len = self.need.min(self.max_frame).next_power_of_two();
            self.rbuf.resize(len, 0);
            self.stats.read_buffer_grown += 1;
        }
        if self.rend == self.rbuf.len() {
            // Only an upgrade answer can fill it (a frame makes it grow): refuse it.
            return Err(NetError::BadResponse("upgrade answer longer than the read buffer"));
        }
        Ok(())
    }

    /// Handle everything complete in the read buffer.
    fn decode(&mut self, on: &mut dyn FnMut(WsEvent<'_>)) -> Result<usize, NetError> {
        let mut events = 0;
        if self.state == WsState::Handshaking {
            if !self.upgrade(on)? {
                return Ok(0);
            }
            events = 1;
        }
        self.need = 0;
        while self.rstart < self.rend && self.state != WsState::Closed {
            let mut close = None;
            match self.dec.decode(&mut self.rbuf[self.rstart..self.rend])? {
                Decoded::Need(n) => {
                    self.need = n;
                    break;
                }
                Decoded::Absorbed(n) => {
                    self.rstart += n;
                    self.stats.frames_in += 1;
                }
                Decoded::Event(n, ev) => {
                    self.rstart += n;
                    self.stats.frames_in += 1;
                    match &ev {
                        WsEvent::Text(_) | WsEvent::Binary(_) => self.stats.messages_in += 1,
                        WsEvent::Ping(_) => self.stats.pings_in += 1,
                        WsEvent::Pong(_) => self.stats.pongs_in += 1,
                        WsEvent::Close { code, .. } => close = Some(*code),
                        WsEvent::Opened => {}
                    }
                    on(ev);
                    events += 1;
                }
            }
            if let Some(code) = close {
                self.server_closed(code);
            }
        }
        Ok(events)
    }

    /// The server's close frame: echo it unless we started the close, then Closed.
    fn server_closed(&mut self, code: Option<u16>) {
        self.close_code = code;
        if self.state == WsState::Open {
            // Echo the code (1000 when the server sent none), best effort: the server may
            // already have closed the socket, and the close is done either way.
            let _ = self.queue_close(code.unwrap_or(1000), &[]);
            let _ = self.flush();
        }
        self.state = WsState::Closed;
    }

    /// Read the upgrade answer; true once open (then `Opened` was delivered).
    fn upgrade(&mut self, on: &mut dyn FnMut(WsEvent<'_>)) -> Result<bool, NetError> {
        if self.conn.handshaking() {
            return Ok(false);
        }
        let Some(h) = head::parse(&self.rbuf[self.rstart..self.rend], &self.accept)? else {
            return Ok(false);
        };
        if h.status != 101 {
            return Err(NetError::HandshakeRefused {
                status: h.status,
                retry_after_secs: h.retry_after_secs,
            });
        }
        if !h.upgrade_websocket {
            return Err(NetError::Protocol("101 without Upgrade: websocket and Connection: upgrade"));
        }
        if !h.accept_ok {
            return Err(NetError::Protocol("Sec-WebSocket-Accept does not match the key"));
        }
        self.rstart += h.len;
        self.state = WsState::Open;
        on(WsEvent::Opened);
        Ok(true)
    }
}

/// What [`WsClient::next_event`] found: the upgrade, or a frame's event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Opened,
    Frame(frame::Kind),
}

/// A non-zero PRNG seed from std's per-process random hash keys (drawn from the OS once), the
/// peer address and a per-process counter: no clock, no extra crate.
fn seed(addr: &SocketAddr) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    addr.hash(&mut h);
    COUNT.fetch_add(1, Ordering::Relaxed).hash(&mut h);
    h.finish() | 1
}
