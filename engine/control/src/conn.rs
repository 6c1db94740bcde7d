//! One client connection: its peer, a bounded input buffer cut into lines, a bounded output
//! buffer, and its clocks (last activity, start of the unfinished line).
//!
//! An oversized line is answered `too_large` once, the rest of it (up to its `\n`) is discarded,
//! and the connection stays usable. A line's `\r` before the `\n` is dropped; empty lines are
//! ignored (a console's stray Enter).

use crate::handler::Peer;
use std::io::{self, Read, Write};
use std::time::Instant;

/// Bytes read per `read` call.
pub(crate) const READ_CHUNK: usize = 4096;
/// Stop taking requests from a connection while this much output waits for it.
pub(crate) const OUT_HIGH_WATER: usize = 64 * 1024;

/// What the next complete piece of input is.
pub(crate) enum Line {
    /// A request line (without `\n` or `\r`).
    Request(Vec<u8>),
    /// A line longer than the limit: answer `too_large`.
    TooLarge,
    /// Nothing complete yet.
    None,
}

pub(crate) struct Conn {
    pub stream: mio::net::UnixStream,
    pub peer: Peer,
    input: Vec<u8>,
    discarding: bool,
    /// When the first byte of the unfinished line arrived.
    pub line_started: Option<Instant>,
    out: Vec<u8>,
    out_pos: usize,
    pub last_active: Instant,
    /// The client shut its side: answer what it sent, then close.
    pub eof: bool,
}

impl Conn {
    pub fn new(stream: mio::net::UnixStream, peer: Peer, now: Instant, max_line: usize) -> Conn {
        Conn {
            stream,
            peer,
            input: Vec::with_capacity(max_line + READ_CHUNK),
            discarding: false,
            line_started: None,
            out: Vec::new(),
            out_pos: 0,
            last_active: now,
            eof: false,
        }
    }

    /// Bytes queued and not yet written.
    pub fn pending(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// Queue a response line.
    pub fn queue(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Write what is queued until done or the socket is full. Err: the connection is broken.
    pub fn flush(&mut self, now: Instant) -> io::Result<()> {
        while self.out_pos < self.out.len() {
            match self.stream.write(&self.out[self.out_pos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.out_pos += n;
                    self.last_active = now;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
        Ok(())
    }

    /// Read once. Ok(false): nothing more for now (would block, or end of input).
    pub fn read_some(&mut self, now: Instant, max_line: usize) -> io::Result<bool> {
        let mut chunk = [0u8; READ_CHUNK];
        let n = match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.eof = true;
                // A last line without its `\n` is still a request.
                if !self.input.is_empty() && !self.discarding {
                    self.input.push(b'\n');
                }
                return Ok(false);
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(true),
            Err(e) => return Err(e),
        };
        self.last_active = now;
        let mut data = &chunk[..n];
        if self.discarding {
            match data.iter().position(|&b| b == b'\n') {
                None => return Ok(true),
                Some(p) => {
                    self.discarding = false;
                    data = &data[p + 1..];
                }
            }
        }
        if self.input.is_empty() && !data.is_empty() {
            self.line_started = Some(now);
        }
        self.input.extend_from_slice(data);
        // Lines are taken before the next read, so input holds at most one line plus a chunk.
        debug_assert!(self.input.len() <= max_line + 2 * READ_CHUNK);
        Ok(true)
    }

    /// The next complete line, if any.
    pub fn next_line(&mut self, now: Instant, max_line: usize) -> Line {
        loop {
            match self.input.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    let mut line: Vec<u8> = self.input.drain(..=p).collect();
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    self.line_started = if self.input.is_empty() { None } else { Some(now) };
                    if line.len() > max_line {
                        return Line::TooLarge;
                    }
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Line::Request(line);
                }
                None if self.input.len() > max_line => {
                    self.input.clear();
                    self.line_started = None;
                    self.discarding = true;
                    return Line::TooLarge;
                }
                None => return Line::None,
            }
        }
    }
}
