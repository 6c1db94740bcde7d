//! The WebSocket side: the acceptor (connect-rate limit, URL shapes), and one thread per
//! connection that writes its queued frames, pings, answers control messages and enforces
//! Binance's limits. Faults that touch connections are applied here.

use crate::fault::splitmix;
use crate::hub::{Conn, Frame, Subs};
use crate::shared::{unix_ms, Shared};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::{Message, Utf8Bytes, WebSocket};

/// The socket under a connection: writes in 1–7 byte pieces while `slow_consumer` is on.
pub(crate) struct SimStream {
    tcp: TcpStream,
    sh: Arc<Shared>,
    rng: u64,
}

impl Read for SimStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.tcp.read(buf)
    }
}

impl Write for SimStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() || !self.sh.faults.slow(self.sh.now_ms()) {
            return self.tcp.write(buf);
        }
        let n = (1 + splitmix(&mut self.rng) % 7) as usize;
        let n = self.tcp.write(&buf[..n.min(buf.len())])?;
        self.tcp.flush()?;
        std::thread::sleep(Duration::from_micros(20));
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

/// Accept connections until the simulator stops.
pub(crate) fn accept_loop(sh: Arc<Shared>, listener: TcpListener) {
    while !sh.stopping() {
        match listener.accept() {
            Ok((tcp, peer)) => {
                let sh2 = sh.clone();
                let spawned = std::thread::Builder::new()
                    .name("exsim-ws-conn".into())
                    .spawn(move || serve(sh2, tcp, peer));
                if let Err(e) = spawned {
                    sh.log(|| format!("ws: cannot spawn a connection thread: {e}"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => {
                sh.log(|| format!("ws: accept: {e}"));
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

fn refuse(status: u16, msg: &str) -> ErrorResponse {
    let mut r = ErrorResponse::new(Some(format!("{{\"code\":-1,\"msg\":\"{msg}\"}}")));
    *r.status_mut() = tungstenite::http::StatusCode::from_u16(status).unwrap_or_default();
    r
}

/// The subscriptions a URL asks for: `/stream?streams=a/b` (combined) or `/ws[/<stream>]` (raw).
pub(crate) fn parse_path(path: &str, query: Option<&str>) -> Option<Subs> {
    let mut subs = Subs::default();
    let add = |subs: &mut Subs, list: &str| {
        for s in list.split('/').filter(|s| !s.is_empty()) {
            subs.streams.insert(s.to_string());
        }
    };
    if path == "/stream" || path == "/stream/" {
        subs.combined = true;
        for pair in query.unwrap_or("").split('&') {
            if let Some(v) = pair.strip_prefix("streams=") {
                add(&mut subs, v);
            }
        }
    } else if path == "/ws" || path == "/ws/" {
    } else if let Some(rest) = path.strip_prefix("/ws/") {
        add(&mut subs, rest);
    } else {
        return None;
    }
    Some(subs)
}

fn serve(sh: Arc<Shared>, tcp: TcpStream, peer: SocketAddr) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(tcp2) = tcp.try_clone() else { return };
    let stream = SimStream { tcp, sh: sh.clone(), rng: peer.port() as u64 };
    let mut asked: Option<Subs> = None;
    let callback = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        if !sh.connects.allow(peer.ip(), Instant::now()) {
            return Err(refuse(429, "Too many connection attempts."));
        }
        let subs =
            parse_path(req.uri().path(), req.uri().query()).ok_or_else(|| refuse(404, "Not found."))?;
        if subs.streams.len() > sh.cfg.max_streams {
            return Err(refuse(400, "Too many streams."));
        }
        asked = Some(subs);
        Ok(resp)
    };
    let ws = tungstenite::accept_hdr(stream, callback).map_err(|e| e.to_string());
    let (mut ws, subs) = match (ws, asked) {
        (Ok(ws), Some(subs)) => (ws, subs),
        (r, _) => {
            sh.stats.with(|s| s.connections_refused += 1);
            sh.log(|| format!("ws: {peer} refused: {}", r.err().unwrap_or_default()));
            return;
        }
    };
    let _ = ws.get_ref().tcp.set_read_timeout(Some(Duration::from_millis(1)));
    let (tx, rx) = sync_channel(sh.cfg.max_queue_frames);
    let id = sh.hub.next_id();
    let n = subs.streams.len();
    let conn = Arc::new(Conn::new(id, subs, tx, tcp2));
    sh.hub.add(conn.clone());
    sh.stats.with(|s| s.connections_accepted += 1);
    sh.log(|| format!("ws: conn {id} from {peer}, {n} streams"));
    let why = Session::new(&sh, &conn).run(&mut ws, &rx);
    sh.hub.remove(id);
    sh.log(|| format!("ws: conn {id} closed: {why}"));
}

/// One connection's loop state.
struct Session<'a> {
    sh: &'a Shared,
    conn: &'a Conn,
    opened: Instant,
    next_ping: Instant,
    awaiting: Option<(String, Instant)>,
    incoming: VecDeque<Instant>,
    malformed_seen: u64,
    shutdown_sent: bool,
}

type Ws = WebSocket<SimStream>;

fn is_timeout(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(io) if matches!(io.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}

impl<'a> Session<'a> {
    fn new(sh: &'a Shared, conn: &'a Conn) -> Session<'a> {
        let now = Instant::now();
        Session {
            sh,
            conn,
            opened: now,
            next_ping: now + sh.cfg.ping_interval,
            awaiting: None,
            incoming: VecDeque::new(),
            malformed_seen: sh.faults.malformed_gen.load(Ordering::Relaxed),
            shutdown_sent: false,
        }
    }

    /// Serve until the connection ends; the reason.
    fn run(&mut self, ws: &mut Ws, rx: &Receiver<Arc<Frame>>) -> String {
        loop {
            if self.sh.stopping() || self.conn.killed.load(Ordering::Relaxed) {
                return "dropped by the server".into();
            }
            match self.housekeeping(ws) {
                Ok(Some(why)) => return why,
                Ok(None) => {}
                Err(e) => return e.to_string(),
            }
            match rx.recv_timeout(Duration::from_millis(2)) {
                Ok(f) => {
                    if let Err(e) = self.frames(ws, rx, f) {
                        return e.to_string();
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return "queue closed".into(),
            }
            match ws.read() {
                Ok(msg) => match self.incoming(ws, msg) {
                    Ok(Some(why)) => return why,
                    Ok(None) => {}
                    Err(e) => return e.to_string(),
                },
                Err(e) if is_timeout(&e) => {}
                Err(e) => return e.to_string(),
            }
        }
    }

    /// Pings, pong timeout, age, serverShutdown. `Some(reason)` ends the connection.
    fn housekeeping(&mut self, ws: &mut Ws) -> Result<Option<String>, tungstenite::Error> {
        let now = Instant::now();
        let cfg = &self.sh.cfg;
        if now.duration_since(self.opened) >= cfg.max_connection_age {
            self.sh.stats.with(|s| s.age_disconnects += 1);
            let _ = ws.close(None).and_then(|_| ws.flush());
            return Ok(Some("max connection age".into()));
        }
        if let Some((_, sent)) = &self.awaiting {
            if now.duration_since(*sent) >= cfg.pong_timeout {
                self.sh.stats.with(|s| s.ping_timeout_disconnects += 1);
                return Ok(Some("no pong".into()));
            }
        }
        let stalled = self.sh.faults.stalled(self.sh.now_ms());
        if !stalled && self.awaiting.is_none() && now >= self.next_ping {
            let payload = unix_ms().to_string();
            ws.send(Message::Ping(payload.clone().into_bytes().into()))?;
            self.awaiting = Some((payload, now));
            self.next_ping = now + cfg.ping_interval;
        }
        let at = self.conn.shutdown_at.load(Ordering::Relaxed);
        if at != 0 {
            if !self.shutdown_sent {
                self.shutdown_sent = true;
                let data = format!("{{\"e\":\"serverShutdown\",\"E\":{}}}", unix_ms());
                let text = if self.conn.lock_subs().combined {
                    format!("{{\"stream\":\"!serverShutdown\",\"data\":{data}}}")
                } else {
                    data
                };
                ws.send(Message::Text(text.into()))?;
            }
            if self.sh.now_ms() >= at {
                let _ = ws.close(None).and_then(|_| ws.flush());
                return Ok(Some("server shutdown".into()));
            }
        }
        Ok(None)
    }

    /// Write `first` and whatever else is queued (up to a batch), then flush.
    fn frames(
        &mut self,
        ws: &mut Ws,
        rx: &Receiver<Arc<Frame>>,
        first: Arc<Frame>,
    ) -> tungstenite::Result<()> {
        let mut f = Some(first);
        let mut n = 0;
        while let Some(frame) = f {
            self.frame(ws, &frame)?;
            n += 1;
            f = if n < 256 { rx.try_recv().ok() } else { None };
        }
        ws.flush()
    }

    fn frame(&mut self, ws: &mut Ws, f: &Frame) -> tungstenite::Result<()> {
        if self.sh.faults.stalled(self.sh.now_ms()) {
            self.sh.stats.with(|s| s.frames_dropped_stalled += 1);
            return Ok(());
        }
        let mut text = if self.conn.lock_subs().combined { f.combined.clone() } else { f.raw.clone() };
        let gen = self.sh.faults.malformed_gen.load(Ordering::Relaxed);
        if gen != self.malformed_seen {
            self.malformed_seen = gen;
            text = cut_in_half(&text);
        }
        let len = text.len() as u64;
        ws.write(Message::Text(text))?;
        self.sh.stats.with(|s| {
            crate::stats::bump(&mut s.frames_sent, &f.kind, 1);
            s.bytes_sent += len;
        });
        Ok(())
    }

    /// One incoming message: rate limit, pongs, control requests.
    fn incoming(&mut self, ws: &mut Ws, msg: Message) -> tungstenite::Result<Option<String>> {
        let now = Instant::now();
        self.incoming.push_back(now);
        while self.incoming.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            self.incoming.pop_front();
        }
        if self.incoming.len() > self.sh.cfg.max_incoming_msgs_per_sec as usize {
            self.sh.stats.with(|s| s.rate_limit_disconnects += 1);
            return Ok(Some("too many incoming messages".into()));
        }
        match msg {
            Message::Pong(p) => {
                if self.awaiting.as_ref().is_some_and(|(want, _)| want.as_bytes() == &p[..]) {
                    self.awaiting = None;
                }
            }
            Message::Text(t) => {
                let reply = crate::control::answer(self.sh, self.conn, &t);
                ws.send(Message::Text(reply.into()))?;
            }
            Message::Binary(_) => {
                let reply = crate::control::error(2, "Invalid request: binary frames are not accepted", None);
                ws.send(Message::Text(reply.into()))?;
            }
            Message::Close(_) => return Ok(Some("closed by the client".into())),
            Message::Ping(_) | Message::Frame(_) => {}
        }
        Ok(None)
    }
}

/// The first half of a frame, cut at a character boundary (valid UTF-8, broken JSON).
fn cut_in_half(text: &Utf8Bytes) -> Utf8Bytes {
    let s = text.as_str();
    let mut at = s.len() / 2;
    while at > 0 && !s.is_char_boundary(at) {
        at -= 1;
    }
    Utf8Bytes::from(&s[..at])
}
