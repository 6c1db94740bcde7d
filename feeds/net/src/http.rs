//! A one-shot non-blocking HTTP/1.1 GET (`Connection: close`), for REST snapshots.

use crate::conn::{Conn, Got};
use crate::head::{self, Head};
use crate::{Endpoint, NetError, TlsConfig};
use std::net::SocketAddr;

/// Limits and headers of one request.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Longest body accepted (after de-chunking); default 8 MiB.
    pub max_body_bytes: usize,
    /// Extra request headers (e.g. `X-MBX-APIKEY`).
    pub extra_headers: Vec<(String, String)>,
}

impl Default for HttpOptions {
    fn default() -> HttpOptions {
        HttpOptions { max_body_bytes: 8 << 20, extra_headers: Vec::new() }
    }
}

/// A complete response; the body is lent mutably so it can be parsed in place.
#[derive(Debug)]
pub struct HttpResponse<'a> {
    pub status: u16,
    /// `Retry-After` in seconds (Binance sends it with 429 and 418); `None` if absent or an
    /// HTTP date.
    pub retry_after_secs: Option<u64>,
    /// Binance's `X-MBX-USED-WEIGHT-1M` header (spot and USD-M futures alike).
    pub used_weight_1m: Option<u32>,
    pub body: &'a mut [u8],
}

/// Where a chunked body is being decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    Size,
    Data(usize),
    DataEnd,
    Trailer,
}

/// One GET in flight; see [`HttpGet::start`].
///
/// ```no_run
/// use alphapulse_net::{Endpoint, HttpGet, HttpOptions, TlsConfig};
/// let e = Endpoint::parse("http://127.0.0.1:8080/api/v3/depth?symbol=BTCUSDT&limit=1000").unwrap();
/// let addr = alphapulse_net::literal(&e.host, e.port).unwrap();
/// let mut get = HttpGet::start(&e, addr, &TlsConfig::webpki(), &HttpOptions::default()).unwrap();
/// loop {
///     if let Some(r) = get.poll().unwrap() {
///         println!("{} {} bytes", r.status, r.body.len());
///         break;
///     }
/// }
/// ```
pub struct HttpGet {
    conn: Conn,
    request: Vec<u8>,
    sent: usize,
    buf: Vec<u8>,
    /// Bytes of `buf` filled by reads.
    filled: usize,
    head: Option<Head>,
    /// End of the (decoded) body in `buf`; for chunked bodies also the next raw byte to decode.
    body_end: usize,
    chunk: Chunk,
    done: bool,
    dead: bool,
    max_body: usize,
}

const READ_ROOM: usize = 16 << 10;
const MAX_CHUNK_LINE: usize = 1024;

impl HttpGet {
    /// Start a non-blocking connect to `addr` for `endpoint` (http:// or https://, SNI = host)
    /// and queue the request; [`HttpGet::poll`] drives it.
    pub fn start(
        endpoint: &Endpoint,
        addr: SocketAddr,
        tls: &TlsConfig,
        opts: &HttpOptions,
    ) -> Result<HttpGet, NetError> {
        head::check_extra(&opts.extra_headers)?;
        let more = "Accept-Encoding: identity\r\nConnection: close\r\n";
        let request = head::get_request(endpoint, more, &opts.extra_headers).into_bytes();
        Ok(HttpGet {
            conn: Conn::for_endpoint(endpoint, addr, tls, false)?,
            request,
            sent: 0,
            buf: vec![0; READ_ROOM * 2],
            filled: 0,
            head: None,
            body_end: 0,
            chunk: Chunk::Size,
            done: false,
            dead: false,
            max_body: opts.max_body_bytes,
        })
    }

    /// `Ok(None)` while in flight; `Ok(Some(..))` once the whole response is in (again on every
    /// later call); `Err` on failure (and `Closed` on every later call).
    pub fn poll(&mut self) -> Result<Option<HttpResponse<'_>>, NetError> {
        if self.dead {
            return Err(NetError::Closed { code: None });
        }
        if !self.done {
            match self.drive() {
                Ok(false) => return Ok(None),
                Ok(true) => self.done = true,
                Err(e) => {
                    self.dead = true;
                    return Err(e);
                }
            }
        }
        let Some(h) = &self.head else { return Err(NetError::BadResponse("no head")) };
        Ok(Some(HttpResponse {
            status: h.status,
            retry_after_secs: h.retry_after_secs,
            used_weight_1m: h.used_weight_1m,
            body: &mut self.buf[h.len..self.body_end],
        }))
    }

    /// The socket's file descriptor, for a caller that wants readiness from its own `mio::Poll`.
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.conn.tcp.as_raw_fd()
    }

    /// True once the response is complete.
    fn drive(&mut self) -> Result<bool, NetError> {
        if !self.conn.connected()? {
            return Ok(false);
        }
        while self.sent < self.request.len() {
            let n = self.conn.write(&self.request[self.sent..])?;
            if n == 0 {
                break;
            }
            self.sent += n;
        }
        self.conn.flush()?;
        loop {
            if self.buf.len() - self.filled < READ_ROOM {
                self.buf.resize(self.filled + READ_ROOM * 2, 0);
            }
            match self.conn.read(&mut self.buf[self.filled..])? {
                Got::Data(n) => self.filled += n,
                Got::WouldBlock => return self.progress(false),
                Got::Eof => {
                    return match self.progress(true)? {
                        true => Ok(true),
                        false => Err(NetError::Protocol("connection closed before the whole response")),
                    }
                }
            }
            if self.progress(false)? {
                return Ok(true);
            }
        }
    }

    /// Parse what came in; true once the response is complete (`eof`: the peer has closed).
    fn progress(&mut self, eof: bool) -> Result<bool, NetError> {
        if self.head.is_none() {
            let Some(h) = head::parse(&self.buf[..self.filled], "")? else { return Ok(false) };
            if h.content_length.is_some_and(|n| n > self.max_body) {
                return Err(NetError::BodyTooLarge { limit: self.max_body });
            }
            self.body_end = h.len;
            self.head = Some(h);
        }
        let Some(h) = &self.head else { return Ok(false) };
        let no_body = h.status < 200 || h.status == 204 || h.status == 304;
        if no_body {
            self.body_end = h.len;
            return Ok(true);
        }
        if h.chunked {
            return self.dechunk();
        }
        let have = self.filled - h.len;
        if have > self.max_body {
            return Err(NetError::BodyTooLarge { limit: self.max_body });
        }
        match h.content_length {
            Some(n) if have >= n => {
                self.body_end = h.len + n;
                Ok(true)
            }
            Some(_) => Ok(false),
            None => {
                self.body_end = self.filled;
                Ok(eof)
            }
        }
    }

    /// Decode chunks in place: data moves down to `body_end`; true at the last chunk's end.
    fn dechunk(&mut self) -> Result<bool, NetError> {
        // Raw bytes not decoded yet sit at `body_end..filled` (kept there by the last call).
        let mut raw = self.body_end;
        loop {
            let rest = &self.buf[raw..self.filled];
            match self.chunk {
                Chunk::Size | Chunk::Trailer | Chunk::DataEnd => {
                    let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
                        if rest.len() > MAX_CHUNK_LINE {
                            return Err(NetError::Protocol("chunk line over 1 KiB"));
                        }
                        break;
                    };
                    let line = &rest[..eol];
                    raw += eol + 2;
                    match self.chunk {
                        Chunk::DataEnd if line.is_empty() => self.chunk = Chunk::Size,
                        Chunk::DataEnd => return Err(NetError::Protocol("chunk data longer than its size")),
                        Chunk::Trailer if line.is_empty() => {
                            self.filled = self.body_end;
                            return Ok(true);
                        }
                        Chunk::Trailer => {}
                        _ => {
                            let n = chunk_size(line)?;
                            if n > self.max_body - (self.body_end - self.head_len()) {
                                return Err(NetError::BodyTooLarge { limit: self.max_body });
                            }
                            self.chunk = if n == 0 { Chunk::Trailer } else { Chunk::Data(n) };
                        }
                    }
                }
                Chunk::Data(left) => {
                    let n = left.min(rest.len());
                    if n == 0 {
                        break;
                    }
                    self.buf.copy_within(raw..raw + n, self.body_end);
                    self.body_end += n;
                    raw += n;
                    self.chunk = if n == left { Chunk::DataEnd } else { Chunk::Data(left - n) };
                }
            }
        }
        // Keep the undecoded tail right after the body.
        self.buf.copy_within(raw..self.filled, self.body_end);
        self.filled = self.body_end + (self.filled - raw);
        Ok(false)
    }

    fn head_len(&self) -> usize {
        self.head.as_ref().map_or(0, |h| h.len)
    }
}

fn chunk_size(line: &[u8]) -> Result<usize, NetError> {
    let hex = line.split(|&b| b == b';').next().unwrap_or(&[]);
    let hex = std::str::from_utf8(hex).map_err(|_| NetError::Protocol("bad chunk size"))?.trim();
    if hex.is_empty() || hex.len() > 15 {
        return Err(NetError::Protocol("bad chunk size"));
    }
    usize::from_str_radix(hex, 16).map_err(|_| NetError::Protocol("bad chunk size"))
}
