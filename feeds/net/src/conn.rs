//! One non-blocking TCP connection, plain or TLS, shared by the WebSocket and HTTP clients.
//!
//! The TLS session (rustls' buffered `ClientConnection`) is driven by hand: `read` pulls records
//! with `read_tls`, decrypts with `process_new_packets` and copies plaintext out with `reader`;
//! `write` hands plaintext to `writer` and `flush` pushes records with `write_tls`. Every call
//! stops at `WouldBlock`. The TLS handshake happens inside `read`/`flush` as records come and go.
//!
//! Idle cost: an idle poll asks a one-socket `mio::Poll` with a zero timeout (`epoll_wait`)
//! whether the socket became readable, and reads only then. Measured on this project's VM
//! (`examples/idle_poll_cost.rs`, release, 3 rounds of 1 M calls): `epoll_wait(0)` 82 ns per idle
//! call, a `read` that returns `WouldBlock` 130 ns. mio is edge-triggered, so once readable the
//! connection reads until `WouldBlock` before it asks again; a busy stream thus costs the same
//! reads as without the check plus one `epoll_wait` per drained burst.

use crate::{Endpoint, NetError, Scheme, TlsConfig};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;

/// What a read found.
#[derive(Clone, Copy)]
pub(crate) enum Got {
    /// This many bytes were put in the buffer.
    Data(usize),
    /// Nothing now.
    WouldBlock,
    /// The peer closed (TCP FIN, or TLS close_notify).
    Eof,
}

pub(crate) struct Conn {
    pub(crate) tcp: TcpStream,
    /// A one-socket readiness poller (its `Events` reused on every call).
    poll: Poll,
    events: Events,
    /// The socket may have data: set by a readiness event, cleared by a read that would block.
    readable: bool,
    tls: Option<Box<rustls::ClientConnection>>,
    connected: bool,
    tcp_eof: bool,
}

/// True if the socket may have data: asks the poller (zero timeout) only when the last read
/// drained the socket; a signal during the check counts as maybe (the read will tell).
fn may_read(poll: &mut Poll, events: &mut Events, readable: &mut bool) -> Result<bool, NetError> {
    if !*readable {
        *readable = match poll.poll(events, Some(std::time::Duration::ZERO)) {
            Ok(()) => !events.is_empty(),
            Err(e) if e.kind() == ErrorKind::Interrupted => true,
            Err(e) => return Err(e.into()),
        };
    }
    Ok(*readable)
}

fn is_would_block(e: &std::io::Error) -> bool {
    e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted
}

impl Conn {
    /// Start a non-blocking connect; with `tls` the session is created now (SNI = its host).
    pub(crate) fn open(addr: SocketAddr, tls: Option<rustls::ClientConnection>) -> Result<Conn, NetError> {
        let mut tcp = TcpStream::connect(addr)?;
        let poll = Poll::new()?;
        poll.registry().register(&mut tcp, Token(0), Interest::READABLE)?;
        let events = Events::with_capacity(4);
        Ok(Conn {
            tcp,
            poll,
            events,
            readable: true,
            tls: tls.map(Box::new),
            connected: false,
            tcp_eof: false,
        })
    }

    /// Start a connection for `endpoint`, whose scheme must be ws/wss (`websocket`) or
    /// http/https; TLS schemes get a session with SNI = the endpoint's host.
    pub(crate) fn for_endpoint(
        endpoint: &Endpoint,
        addr: SocketAddr,
        tls: &TlsConfig,
        websocket: bool,
    ) -> Result<Conn, NetError> {
        let is_ws = matches!(endpoint.scheme, Scheme::Ws | Scheme::Wss);
        if is_ws != websocket {
            let why = if websocket {
                "not a ws:// or wss:// endpoint"
            } else {
                "not an http:// or https:// endpoint"
            };
            return Err(NetError::BadUrl { url: endpoint.host.clone(), why });
        }
        let session = if endpoint.is_tls() { Some(tls.session(&endpoint.host)?) } else { None };
        Conn::open(addr, session)
    }

    /// True once the TCP connect has finished (then TCP_NODELAY is on); an error if it failed.
    pub(crate) fn connected(&mut self) -> Result<bool, NetError> {
        if self.connected {
            return Ok(true);
        }
        if let Some(e) = self.tcp.take_error()? {
            return Err(e.into());
        }
        match self.tcp.peer_addr() {
            Ok(_) => {
                self.tcp.set_nodelay(true)?;
                self.connected = true;
                Ok(true)
            }
            Err(e) if e.kind() == ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// True while the TLS handshake is not finished (always false without TLS).
    pub(crate) fn handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.is_handshaking())
    }

    /// Read plaintext into `buf` (which must not be empty).
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<Got, NetError> {
        let Some(tls) = self.tls.as_deref_mut() else {
            if !may_read(&mut self.poll, &mut self.events, &mut self.readable)? {
                return Ok(Got::WouldBlock);
            }
            return match self.tcp.read(buf) {
                Ok(0) => Ok(Got::Eof),
                Ok(n) => Ok(Got::Data(n)),
                Err(e) if is_would_block(&e) => {
                    self.readable = false;
                    Ok(Got::WouldBlock)
                }
                Err(e) => Err(e.into()),
            };
        };
        loop {
            match tls.reader().read(buf) {
                Ok(0) => return Ok(Got::Eof),
                Ok(n) => return Ok(Got::Data(n)),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(Got::Eof),
                Err(e) => return Err(e.into()),
            }
            if self.tcp_eof {
                return Ok(Got::Eof);
            }
            if !may_read(&mut self.poll, &mut self.events, &mut self.readable)? {
                return Ok(Got::WouldBlock);
            }
            match tls.read_tls(&mut self.tcp) {
                Ok(0) => self.tcp_eof = true,
                Ok(_) => {}
                Err(e) if is_would_block(&e) => {
                    self.readable = false;
                    return Ok(Got::WouldBlock);
                }
                Err(e) => return Err(e.into()),
            }
            if let Err(e) = tls.process_new_packets() {
                // Send the alert rustls queued, if the socket takes it; the error is what counts.
                let _ = tls.write_tls(&mut self.tcp);
                return Err(e.into());
            }
            if tls.wants_write() {
                self.flush()?;
                // `flush` borrowed `self`; take the session again.
                return self.read(buf);
            }
        }
    }

    /// Queue or send plaintext; returns how much was taken (0 when the socket or the TLS
    /// buffer is full for now).
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<usize, NetError> {
        match self.tls.as_deref_mut() {
            None => match self.tcp.write(data) {
                Ok(n) => Ok(n),
                Err(e) if is_would_block(&e) => Ok(0),
                Err(e) => Err(e.into()),
            },
            Some(tls) => {
                let n = tls.writer().write(data)?;
                self.flush()?;
                Ok(n)
            }
        }
    }

    /// Push queued TLS records to the socket until it would block (nothing to do without TLS).
    pub(crate) fn flush(&mut self) -> Result<(), NetError> {
        let Some(tls) = self.tls.as_deref_mut() else { return Ok(()) };
        while tls.wants_write() {
            match tls.write_tls(&mut self.tcp) {
                Ok(_) => {}
                Err(e) if is_would_block(&e) => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// True if TLS records wait for the socket.
    pub(crate) fn tls_pending(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.wants_write())
    }
}
