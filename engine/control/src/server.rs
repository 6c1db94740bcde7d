//! The server: one thread, one mio loop over the listener and every connection, waking at least
//! every [`TICK`] to check the stop flag and the timeouts. A connection is served until it would
//! block, so a slow client (byte by byte) never holds up the others; but the [`Handler`] runs on
//! this thread, so a command that waits for acknowledgements holds every client that long.

use crate::command::{Command, Level, ParseError, COMMANDS};
use crate::config::ControlConfig;
use crate::conn::{Conn, Line, OUT_HIGH_WATER};
use crate::error::ControlError;
use crate::handler::{Audit, Counters, Handler, Peer};
use crate::protocol::{ErrorKind, RawRequest, Response};
use crate::socket::{self, SocketFile};
use mio::net::UnixListener;
use mio::{Events, Interest, Poll, Token};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest the loop sleeps between checks of the stop flag and the timeouts.
pub const TICK: Duration = Duration::from_millis(50);

const LISTENER: Token = Token(0);

/// A bound control socket and its connections.
pub struct ControlServer {
    config: ControlConfig,
    users: HashMap<u32, Option<Level>>,
    path: PathBuf,
    listener: UnixListener,
    poll: Poll,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    next_conn: u64,
    /// An accept failed (out of descriptors): try again on the next wake.
    accept_retry: bool,
    counters: Arc<Counters>,
    // Last: the file goes when everything else is closed.
    _file: SocketFile,
}

impl ControlServer {
    /// Validate the config, prepare the directory and bind the socket (see `socket`).
    pub fn bind(config: &ControlConfig) -> Result<ControlServer, ControlError> {
        let users = config.validate()?;
        let path = config.socket_path();
        let (mut listener, file) = socket::bind(&path, config.group)?;
        let poll = Poll::new().map_err(ControlError::Poll)?;
        poll.registry().register(&mut listener, LISTENER, Interest::READABLE).map_err(ControlError::Poll)?;
        Ok(ControlServer {
            config: config.clone(),
            users,
            path,
            listener,
            poll,
            conns: Vec::new(),
            free: Vec::new(),
            next_conn: 1,
            accept_retry: false,
            counters: Arc::new(Counters::default()),
            _file: file,
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The counters, shared.
    pub fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.counters)
    }

    /// Serve until `stop` is set (checked at least every [`TICK`]).
    pub fn run(&mut self, handler: &mut dyn Handler, stop: &AtomicBool) -> Result<(), ControlError> {
        let mut events = Events::with_capacity(256);
        while !stop.load(Relaxed) {
            match self.poll.poll(&mut events, Some(TICK)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ControlError::Poll(e)),
            }
            let now = Instant::now();
            for ev in events.iter() {
                match ev.token() {
                    LISTENER => self.accept(handler, now),
                    Token(t) => self.pump(t - 1, handler, now),
                }
            }
            if self.accept_retry {
                self.accept(handler, Instant::now());
            }
            self.expire(Instant::now());
        }
        Ok(())
    }

    /// Serve on a new thread until the handle is stopped.
    pub fn spawn<H: Handler + Send + 'static>(
        mut self,
        mut handler: H,
    ) -> Result<ServerHandle<H>, ControlError> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let path = self.path.clone();
        let thread = std::thread::Builder::new()
            .name("ap-control".into())
            .spawn(move || self.run(&mut handler, &flag).map(|()| handler))
            .map_err(|error| ControlError::Io { path, op: "spawn thread", error })?;
        Ok(ServerHandle { stop, thread: Some(thread) })
    }

    fn accept(&mut self, handler: &mut dyn Handler, now: Instant) {
        self.accept_retry = false;
        loop {
            let mut stream = match self.listener.accept() {
                Ok((s, _)) => s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    // EMFILE and the like: no new event will say so again; retry every tick.
                    self.accept_retry = true;
                    return;
                }
            };
            self.counters.connections.fetch_add(1, Relaxed);
            let conn = self.next_conn;
            self.next_conn += 1;
            let peer = match rustix::net::sockopt::socket_peercred(&stream) {
                Ok(c) => {
                    let uid = c.uid.as_raw();
                    let level = self.users.get(&uid).copied().flatten();
                    Peer { conn, uid, gid: c.gid.as_raw(), pid: c.pid.as_raw_nonzero().get(), level }
                }
                Err(_) => Peer { conn, uid: u32::MAX, gid: u32::MAX, pid: 0, level: None },
            };
            let open = self.counters.open.load(Relaxed) as usize;
            let refusal = match peer.level {
                None => Some((ErrorKind::Refused, format!("uid {} may not use this socket", peer.uid))),
                Some(_) if open >= self.config.max_clients => Some((
                    ErrorKind::Unavailable,
                    format!("{open} clients connected, the most allowed (control.max_clients)"),
                )),
                Some(_) => None,
            };
            if let Some((kind, message)) = refusal {
                let response = Response::error(Value::Null, kind, message);
                count(&self.counters, &response);
                // Best effort: a new socket's buffer takes one short line.
                let _ = stream.write_all(response.to_line().as_bytes());
                handler.audit(&Audit { peer: &peer, raw: "", command: None, response: &response });
                continue;
            }
            let slot = self.free.pop().unwrap_or_else(|| {
                self.conns.push(None);
                self.conns.len() - 1
            });
            if self
                .poll
                .registry()
                .register(&mut stream, Token(slot + 1), Interest::READABLE | Interest::WRITABLE)
                .is_err()
            {
                self.free.push(slot);
                continue;
            }
            self.counters.open.fetch_add(1, Relaxed);
            self.conns[slot] = Some(Conn::new(stream, peer, now, self.config.max_request_bytes));
            self.pump(slot, handler, now);
        }
    }

    /// Serve one connection until it would block: write, take complete lines, read.
    fn pump(&mut self, slot: usize, handler: &mut dyn Handler, now: Instant) {
        let max_line = self.config.max_request_bytes;
        let Some(Some(conn)) = self.conns.get_mut(slot) else { return };
        let keep = loop {
            if conn.flush(now).is_err() {
                self.counters.dropped.fetch_add(1, Relaxed);
                break false;
            }
            if conn.pending() > OUT_HIGH_WATER {
                break true;
            }
            if conn.eof {
                match conn.next_line(now, max_line) {
                    Line::None if conn.pending() == 0 => break false,
                    Line::None => break true,
                    line => {
                        respond(conn, line, handler, &self.counters, &self.config);
                        continue;
                    }
                }
            }
            match conn.next_line(now, max_line) {
                Line::None => {}
                line => {
                    respond(conn, line, handler, &self.counters, &self.config);
                    continue;
                }
            }
            match conn.read_some(now, max_line) {
                Ok(true) => {}
                Ok(false) if conn.eof => {}
                Ok(false) => break true,
                Err(_) => {
                    self.counters.dropped.fetch_add(1, Relaxed);
                    break false;
                }
            }
        };
        if !keep {
            self.close(slot);
        }
    }

    /// Close connections past their timeouts.
    fn expire(&mut self, now: Instant) {
        let idle = Duration::from_millis(self.config.idle_timeout_ms);
        let request = Duration::from_millis(self.config.request_timeout_ms);
        for slot in 0..self.conns.len() {
            let Some(conn) = &mut self.conns[slot] else { continue };
            let late_line = conn.line_started.is_some_and(|t| now.duration_since(t) > request);
            let idle_for = now.duration_since(conn.last_active);
            if conn.pending() > 0 && idle_for > idle {
                self.counters.dropped.fetch_add(1, Relaxed);
                self.close(slot);
            } else if late_line || idle_for > idle {
                let message = if late_line {
                    format!(
                        "request not finished within {} ms (control.request_timeout_ms)",
                        request.as_millis()
                    )
                } else {
                    format!("idle for {} ms (control.idle_timeout_ms)", idle.as_millis())
                };
                let _ = conn.stream.write_all(
                    Response::error(Value::Null, ErrorKind::Timeout, message).to_line().as_bytes(),
                );
                self.counters.timeouts.fetch_add(1, Relaxed);
                self.close(slot);
            }
        }
    }

    fn close(&mut self, slot: usize) {
        if let Some(mut conn) = self.conns[slot].take() {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            self.free.push(slot);
            self.counters.open.fetch_sub(1, Relaxed);
        }
    }
}

fn count(counters: &Counters, response: &Response) {
    match &response.error {
        Some(e) if e.kind == ErrorKind::Refused => counters.refused.fetch_add(1, Relaxed),
        Some(_) => counters.errors.fetch_add(1, Relaxed),
        None => 0,
    };
}

/// Answer one line: parse, check the level, `help` or the handler, audit, queue the response.
fn respond(
    conn: &mut Conn,
    line: Line,
    handler: &mut dyn Handler,
    counters: &Counters,
    config: &ControlConfig,
) {
    let raw_bytes = match line {
        Line::Request(bytes) => bytes,
        Line::TooLarge => Vec::new(),
        Line::None => return,
    };
    counters.requests.fetch_add(1, Relaxed);
    let raw = String::from_utf8_lossy(&raw_bytes);
    let mut command = None;
    let response = if raw_bytes.is_empty() {
        let m = format!("request longer than {} bytes (control.max_request_bytes)", config.max_request_bytes);
        Response::error(Value::Null, ErrorKind::TooLarge, m)
    } else {
        match RawRequest::parse(&raw_bytes) {
            Err(bad) => Response::error(bad.id, ErrorKind::BadRequest, bad.message),
            Ok(req) => match Command::parse(&req.cmd, &req.args) {
                Err(e @ ParseError::Unknown(_)) => {
                    Response::error(req.id, ErrorKind::UnknownCommand, e.to_string())
                }
                Err(e) => Response::error(req.id, ErrorKind::BadRequest, e.to_string()),
                Ok(cmd) => {
                    let r = execute(&conn.peer, &cmd, req.id, handler);
                    command = Some(cmd);
                    r
                }
            },
        }
    };
    let mut line = response.to_line();
    let mut response = response;
    if line.len() > config.max_response_bytes {
        let m = format!(
            "the result is {} bytes, over control.max_response_bytes ({})",
            line.len(),
            config.max_response_bytes
        );
        response = Response::error(response.id, ErrorKind::Failed, m);
        line = response.to_line();
    }
    count(counters, &response);
    handler.audit(&Audit { peer: &conn.peer, raw: &raw, command: command.as_ref(), response: &response });
    conn.queue(line.as_bytes());
}

fn execute(peer: &Peer, cmd: &Command, id: Value, handler: &mut dyn Handler) -> Response {
    let need = cmd.level();
    match peer.level {
        Some(have) if have >= need => {}
        have => {
            let have = have.map_or("refused", Level::as_str);
            let m = format!("`{}` needs level {need}; uid {} is {have}", cmd.spec().name, peer.uid);
            return Response::error(id, ErrorKind::Refused, m);
        }
    }
    if *cmd == Command::Help {
        return Response::ok(id, serde_json::json!({ "commands": COMMANDS }));
    }
    // A panicking handler costs this command, not the control socket.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler.handle(peer, cmd))) {
        Ok(Ok(v)) => Response::ok(id, v),
        Ok(Err(e)) => Response::error(id, e.kind, e.message),
        Err(_) => Response::error(
            id,
            ErrorKind::Failed,
            format!("`{}`: the engine's handler panicked", cmd.spec().name),
        ),
    }
}

/// A server running on its own thread.
pub struct ServerHandle<H> {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<H, ControlError>>>,
}

impl<H> ServerHandle<H> {
    /// Stop the server, wait for it and get the handler back (the socket file is removed).
    pub fn stop(mut self) -> Result<H, ControlError> {
        self.stop.store(true, Relaxed);
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| ControlError::Panicked)?,
            None => Err(ControlError::Panicked),
        }
    }
}

impl<H> Drop for ServerHandle<H> {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
