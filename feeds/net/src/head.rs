//! HTTP/1.1 response heads (the WebSocket upgrade answer and GET responses), parsed by httparse.

use crate::NetError;

/// Longest response head accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;

/// What the clients need from a response head.
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub status: u16,
    /// Bytes of the head, up to and including the blank line.
    pub len: usize,
    pub retry_after_secs: Option<u64>,
    pub used_weight_1m: Option<u32>,
    pub content_length: Option<usize>,
    pub chunked: bool,
    /// `Upgrade: websocket` and `Connection: upgrade` both present.
    pub upgrade_websocket: bool,
    /// `Sec-WebSocket-Accept` equals the expected value given to [`parse`].
    pub accept_ok: bool,
}

/// Parse the head at the start of `buf`; `Ok(None)` while incomplete.
pub(crate) fn parse(buf: &[u8], expected_accept: &str) -> Result<Option<Head>, NetError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut r = httparse::Response::new(&mut headers);
    let len = match r.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(NetError::BadResponse("head over 64 KiB"))
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(NetError::BadResponse("over 64 headers")),
        Err(_) => return Err(NetError::BadResponse("not an HTTP/1.x response head")),
    };
    let mut h = Head { status: r.code.unwrap_or(0), len, ..Head::default() };
    let (mut upgrade, mut connection) = (false, false);
    for x in r.headers.iter() {
        let v = std::str::from_utf8(x.value).unwrap_or("").trim();
        let name = x.name;
        if name.eq_ignore_ascii_case("retry-after") {
            h.retry_after_secs = v.parse().ok();
        } else if name.eq_ignore_ascii_case("x-mbx-used-weight-1m") {
            h.used_weight_1m = v.parse().ok();
        } else if name.eq_ignore_ascii_case("content-length") {
            let n = v.parse().map_err(|_| NetError::BadResponse("bad Content-Length"))?;
            if h.content_length.is_some_and(|m| m != n) {
                return Err(NetError::BadResponse("two different Content-Lengths"));
            }
            h.content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            h.chunked |= v.split(',').any(|t| t.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case("upgrade") {
            upgrade |= v.eq_ignore_ascii_case("websocket");
        } else if name.eq_ignore_ascii_case("connection") {
            connection |= v.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
        } else if name.eq_ignore_ascii_case("sec-websocket-accept") {
            h.accept_ok = !expected_accept.is_empty() && v == expected_accept;
        }
    }
    h.upgrade_websocket = upgrade && connection;
    Ok(Some(h))
}

/// Refuse header names/values that would break the request (CR, LF, ':' in a name).
pub(crate) fn check_extra(headers: &[(String, String)]) -> Result<(), NetError> {
    for (k, v) in headers {
        let bad_name = k.is_empty() || k.bytes().any(|b| b <= b' ' || b == b':' || b == 0x7f);
        if bad_name || v.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(NetError::Protocol("an extra header has a bad name or a CR/LF in its value"));
        }
    }
    Ok(())
}

/// `GET` request bytes with `extra` headers (already checked) and the lines in `more`.
pub(crate) fn get_request(endpoint: &crate::Endpoint, more: &str, extra: &[(String, String)]) -> String {
    let mut s =
        format!("GET {} HTTP/1.1\r\nHost: {}\r\n{more}", endpoint.path_and_query, endpoint.host_header());
    for (k, v) in extra {
        s.push_str(k);
        s.push_str(": ");
        s.push_str(v);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s
}
