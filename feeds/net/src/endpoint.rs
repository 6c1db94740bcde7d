//! Parsed `ws://`, `wss://`, `http://` and `https://` URLs.

use crate::NetError;

/// The URL schemes this crate speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain WebSocket, default port 80.
    Ws,
    /// WebSocket over TLS, default port 443.
    Wss,
    /// Plain HTTP/1.1, default port 80.
    Http,
    /// HTTP/1.1 over TLS, default port 443.
    Https,
}

/// Where to connect: scheme, host (name or literal IP, without IPv6 brackets), port and the
/// request target (path and query, always starting with `/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
    pub path_and_query: String,
}

impl Endpoint {
    /// Parse `scheme://host[:port][/path][?query]`. Refuses unknown schemes, a missing or
    /// malformed host, a bad port, user info and fragments.
    ///
    /// ```
    /// let e = alphapulse_net::Endpoint::parse("wss://stream.binance.com:9443/stream?streams=a/b").unwrap();
    /// assert_eq!((e.host.as_str(), e.port, e.path_and_query.as_str()), ("stream.binance.com", 9443, "/stream?streams=a/b"));
    /// assert!(e.is_tls());
    /// ```
    pub fn parse(url: &str) -> Result<Endpoint, NetError> {
        let bad = |why| NetError::BadUrl { url: url.to_string(), why };
        let (scheme_text, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("no scheme (want ws://, wss://, http:// or https://)"))?;
        let scheme = match scheme_text.to_ascii_lowercase().as_str() {
            "ws" => Scheme::Ws,
            "wss" => Scheme::Wss,
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(bad("unknown scheme (want ws, wss, http or https)")),
        };
        if rest.contains('#') {
            return Err(bad("fragments are not sent to servers"));
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        if authority.contains('@') {
            return Err(bad("user info is not supported"));
        }
        let (host, port_text) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed [ in an IPv6 host"))?;
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("bad IPv6 address"));
            }
            match after {
                "" => (h, None),
                p => (h, Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ]"))?)),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if !host.contains(':') && !valid_host_name(host) {
            return Err(bad("host has characters a host name cannot have"));
        }
        let port = match port_text {
            None => scheme.default_port(),
            Some(p) => match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(bad("bad port (want 1..=65535)")),
                Ok(n) => n,
            },
        };
        let path_and_query = match target {
            "" => "/".to_string(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.to_string(),
        };
        if path_and_query.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad("spaces or control characters in the path"));
        }
        Ok(Endpoint { scheme, host: host.to_string(), port, path_and_query })
    }

    /// True for `wss` and `https`.
    pub fn is_tls(&self) -> bool {
        matches!(self.scheme, Scheme::Wss | Scheme::Https)
    }

    /// Same host/port/scheme, another path: e.g. `"/stream?streams=a/b"`.
    pub fn with_path(&self, path_and_query: &str) -> Endpoint {
        let p = if path_and_query.starts_with('/') {
            path_and_query.to_string()
        } else {
            format!("/{path_and_query}")
        };
        Endpoint { path_and_query: p, ..self.clone() }
    }

    /// The `Host` header value: the host, bracketed if IPv6, with the port if not the default.
    pub fn host_header(&self) -> String {
        let h = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == self.scheme.default_port() {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }
}

impl Scheme {
    /// 443 for the TLS schemes, 80 for the others.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Ws | Scheme::Http => 80,
            Scheme::Wss | Scheme::Https => 443,
        }
    }
}

/// Letters, digits, `-`, `.` and `_`, 1 to 253 bytes: what DNS names (and IPv4 literals) use.
pub(crate) fn valid_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}
