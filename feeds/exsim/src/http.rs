//! The HTTP/1.1 side, by hand: one thread per connection, one request per connection
//! (`Connection: close` on every response); routing is in `router`.

use crate::router::{route, Request, Response};
use crate::shared::Shared;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 64 * 1024;

/// Accept connections until the simulator stops.
pub(crate) fn accept_loop(sh: Arc<Shared>, listener: TcpListener) {
    while !sh.stopping() {
        match listener.accept() {
            Ok((tcp, peer)) => {
                let sh2 = sh.clone();
                let r = std::thread::Builder::new()
                    .name("exsim-http".into())
                    .spawn(move || serve(&sh2, tcp, peer));
                if let Err(e) = r {
                    sh.log(|| format!("http: cannot spawn: {e}"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => {
                sh.log(|| format!("http: accept: {e}"));
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

fn serve(sh: &Shared, mut tcp: TcpStream, peer: SocketAddr) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let resp = match read_request(&mut tcp, peer) {
        Ok(req) => {
            let r = route(sh, &req);
            if r.status >= 400 {
                sh.log(|| format!("http: {peer} {} {} -> {}", req.method, req.path, r.status));
            }
            r
        }
        Err(why) => Response::json(400, format!("{{\"code\":-1,\"msg\":\"{why}\"}}")),
    };
    if !resp.delay.is_zero() {
        std::thread::sleep(resp.delay);
    }
    let _ = tcp.write_all(resp.to_bytes().as_slice());
    let _ = tcp.flush();
    let _ = tcp.shutdown(std::net::Shutdown::Write);
    // Let the client read the answer before the socket goes (no reset on unread input).
    let mut sink = [0u8; 512];
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(200)));
    while matches!(tcp.read(&mut sink), Ok(n) if n > 0) {}
}

fn read_request(tcp: &mut TcpStream, peer: SocketAddr) -> Result<Request, String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err("request head too large".into());
        }
        match tcp.read(&mut chunk) {
            Ok(0) => return Err("connection closed mid-request".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| "request head is not UTF-8".to_string())?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, target) = match (first.next(), first.next(), first.next()) {
        (Some(m), Some(t), Some(v)) if v.starts_with("HTTP/1.") => (m.to_string(), t.to_string()),
        _ => return Err("bad request line".into()),
    };
    let mut len = 0usize;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().map_err(|_| "bad Content-Length".to_string())?;
            }
        }
    }
    if len > MAX_BODY {
        return Err("body too large".into());
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        match tcp.read(&mut chunk) {
            Ok(0) => return Err("connection closed mid-body".into()),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    body.truncate(len);
    let body = String::from_utf8(body).map_err(|_| "body is not UTF-8".to_string())?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Ok(Request { method, path: path.to_string(), query: parse_query(query), body, ip: peer.ip() })
}

/// `a=1&b=x%2Fy` → pairs (percent-decoding, `+` as space).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
