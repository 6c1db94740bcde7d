//! The webhook's HTTP client: one `POST` of a JSON body per attempt, HTTP/1.1 with
//! `Connection: close`, over a blocking socket with a timeout on connect, each write and each
//! read; `https://` through rustls (see [`super::tls`]). Small on purpose: the slow path sends a
//! few alerts, and the workspace already has rustls; a full client would bring a runtime.
//!
//! Errors name the host and port, never the path or query (a webhook's secret often lives there)
//! nor the auth header.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::tls::{Conn, Tls};

/// A parsed `http://` or `https://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// Path and query (`/` when none).
    pub path: String,
}

impl Url {
    /// Parses `http[s]://host[:port][/path]`; refuses user info (`user:pass@`: put secrets in
    /// `auth_header`).
    pub fn parse(s: &str) -> Result<Url, String> {
        let (tls, rest) = if let Some(r) = s.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("http://") {
            (false, r)
        } else {
            return Err("must start with http:// or https://".into());
        };
        let (authority, path) = rest.find(['/', '?']).map_or((rest, "/"), |i| rest.split_at(i));
        if authority.contains('@') {
            return Err("user info in the URL is refused: use auth_header".into());
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                (h, p.parse::<u16>().map_err(|_| format!("port `{p}` is not a number 1..65535"))?)
            }
            _ => (authority, if tls { 443 } else { 80 }),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || port == 0 || host.contains(char::is_whitespace) {
            return Err("no host (or port 0)".into());
        }
        let path = if path.starts_with('?') { format!("/{path}") } else { path.to_string() };
        if path.contains(char::is_whitespace) {
            return Err("whitespace in the path".into());
        }
        Ok(Url { tls, host: host.to_string(), port, path })
    }

    /// `host:port` (what errors name).
    pub fn origin(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Connects to `host:port` (each resolved address in turn), with `timeout` on connect and on
/// every later read and write.
pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let addrs = (host, port).to_socket_addrs().map_err(|e| format!("{host}:{port}: {e}"))?;
    let mut last = format!("{host}:{port}: no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                s.set_read_timeout(Some(timeout))
                    .and_then(|_| s.set_write_timeout(Some(timeout)))
                    .map_err(|e| e.to_string())?;
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = format!("{host}:{port}: {e}"),
        }
    }
    Err(last)
}

/// One `POST` of `body` (JSON) to `url`; the response's status code. An `Authorization` header
/// is sent when `auth` is given.
pub fn post_json(
    url: &Url,
    auth: Option<&str>,
    body: &[u8],
    timeout: Duration,
    tls: &Tls,
) -> Result<u16, String> {
    let tcp = connect(&url.host, url.port, timeout)?;
    let mut conn = if url.tls { tls.wrap(tcp, &url.host)? } else { Conn::Plain(tcp) };
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: alphapulse-alerts\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        url.path,
        url.host,
        body.len()
    );
    if let Some(a) = auth {
        head.push_str("Authorization: ");
        head.push_str(a);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let origin = url.origin();
    conn.write_all(head.as_bytes())
        .and_then(|_| conn.write_all(body))
        .and_then(|_| conn.flush())
        .map_err(|e| format!("{origin}: sending: {e}"))?;
    // The status line is all we need: read until its end (bounded).
    let mut got = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !got.windows(2).any(|w| w == b"\r\n") && got.len() < 8192 {
        let n = conn.read(&mut buf).map_err(|e| format!("{origin}: reading the response: {e}"))?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&got);
    let line = line.lines().next().unwrap_or("");
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next().and_then(|c| c.parse::<u16>().ok())) {
        (Some(v), Some(code)) if v.starts_with("HTTP/1.") => Ok(code),
        _ => Err(format!("{origin}: not an HTTP response: `{}`", line.chars().take(80).collect::<String>())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("https://hooks.example.com/services/T0/B1?x=1").unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.path.as_str()),
            (true, "hooks.example.com", 443, "/services/T0/B1?x=1")
        );
        let u = Url::parse("http://127.0.0.1:8081").unwrap();
        assert_eq!((u.tls, u.host.as_str(), u.port, u.path.as_str()), (false, "127.0.0.1", 8081, "/"));
        let u = Url::parse("http://[::1]:9/h").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 9));
        for bad in ["ftp://x", "http://", "http://u:p@h/", "http://h:99999/", "http://h:0/"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }
}
