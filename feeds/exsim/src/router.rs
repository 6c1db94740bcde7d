//! REST routing: one table from (method, path) to a handler, with the weight of each endpoint.
//! Binance's public market endpoints (spot `/api/v3/...`, USD-M `/fapi/v1/...`) and the
//! simulator's control API (`/_sim/...`, never rate-limited). Order entry endpoints (a later
//! issue) go in [`route`]'s table as new rows, e.g. `("POST", "/api/v3/order")`, with their handler
//! in a module of their own.

use crate::config::Venue;
use crate::fault::Fault;
use crate::limits::Verdict;
use crate::shared::{unix_ms, Shared};
use std::fmt::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// A parsed HTTP request.
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    #[allow(dead_code)] // read by the order endpoints of a later issue
    pub body: String,
    pub ip: IpAddr,
}

impl Request {
    fn param(&self, k: &str) -> Option<String> {
        self.query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }
}

/// An HTTP response (always `Connection: close`).
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Wait this long before sending (the `slow_snapshot` fault).
    pub delay: Duration,
}

impl Response {
    pub fn json(status: u16, body: String) -> Response {
        Response { status, headers: Vec::new(), body, delay: Duration::ZERO }
    }
    fn err(status: u16, code: i64, msg: &str) -> Response {
        Response::json(status, format!("{{\"code\":{code},\"msg\":\"{msg}\"}}"))
    }
    pub fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            418 => "I'm a teapot",
            429 => "Too Many Requests",
            _ => "Error",
        };
        let mut s = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        let _ = write!(
            s,
            "Content-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\n",
            self.body.len()
        );
        for (k, v) in &self.headers {
            let _ = write!(s, "{k}: {v}\r\n");
        }
        s.push_str("Connection: close\r\n\r\n");
        s.push_str(&self.body);
        s.into_bytes()
    }
}

/// Which Binance endpoint a request is.
#[derive(Clone, Copy)]
enum Endpoint {
    Depth(Venue),
    ExchangeInfo(Venue),
    Ping,
    Time,
}

/// The route table.
pub(crate) fn route(sh: &Shared, req: &Request) -> Response {
    let resp = route_inner(sh, req);
    sh.stats.with(|s| {
        let by_status = s.rest_requests.entry(req.path.clone()).or_default();
        *by_status.entry(resp.status).or_insert(0) += 1;
    });
    resp
}

fn route_inner(sh: &Shared, req: &Request) -> Response {
    let ep = match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/_sim/fault") => return fault(sh, req),
        ("GET", "/_sim/stats") => return stats(sh),
        (_, p) if p.starts_with("/_sim/") => {
            return Response::err(405, -1, "Use POST /_sim/fault or GET /_sim/stats.")
        }
        ("GET", "/api/v3/depth") => Endpoint::Depth(Venue::Spot),
        ("GET", "/fapi/v1/depth") => Endpoint::Depth(Venue::UsdM),
        ("GET", "/api/v3/exchangeInfo") => Endpoint::ExchangeInfo(Venue::Spot),
        ("GET", "/fapi/v1/exchangeInfo") => Endpoint::ExchangeInfo(Venue::UsdM),
        ("GET", "/api/v3/ping" | "/fapi/v1/ping") => Endpoint::Ping,
        ("GET", "/api/v3/time" | "/fapi/v1/time") => Endpoint::Time,
        _ => return Response::err(404, -1, "Not found."),
    };
    let limit = match ep {
        Endpoint::Depth(v) => match depth_limit(req, v) {
            Ok(l) => Some(l),
            Err(r) => return r,
        },
        _ => None,
    };
    let weight = match (ep, limit) {
        (Endpoint::Depth(Venue::Spot), Some(l)) => match l {
            0..=100 => 5,
            101..=500 => 25,
            501..=1000 => 50,
            _ => 250,
        },
        (Endpoint::Depth(Venue::UsdM), Some(l)) => match l {
            0..=50 => 2,
            51..=100 => 5,
            101..=500 => 10,
            _ => 20,
        },
        (Endpoint::ExchangeInfo(Venue::Spot), _) => 20,
        _ => 1,
    };
    let now = Instant::now();
    if let Some((status, retry)) = sh.faults.take_http() {
        let used = sh.weight.used(req.ip, now);
        return limited(status, used, retry.as_secs().max(1));
    }
    let used = match sh.weight.check(req.ip, weight, now) {
        Verdict::Ok { used } => used,
        Verdict::TooMany { used, retry } => {
            sh.stats.with(|s| s.rest_rate_limited += 1);
            return limited(429, used, retry);
        }
        Verdict::Banned { used, retry } => {
            sh.stats.with(|s| s.rest_banned += 1);
            return limited(418, used, retry);
        }
    };
    let mut resp = match ep {
        Endpoint::Depth(v) => depth(sh, req, v, limit.unwrap_or(100)),
        Endpoint::ExchangeInfo(v) => Response::json(200, crate::exinfo::body(sh, v)),
        Endpoint::Ping => Response::json(200, "{}".into()),
        Endpoint::Time => Response::json(200, format!("{{\"serverTime\":{}}}", unix_ms())),
    };
    resp.headers.push(("X-MBX-USED-WEIGHT-1M", used.to_string()));
    resp
}

fn limited(status: u16, used: u32, retry: u64) -> Response {
    let msg = if status == 418 {
        "Way too many requests; IP banned until further notice."
    } else {
        "Too many requests; please use the websocket for live updates to avoid bans."
    };
    let mut r = Response::err(status, -1003, msg);
    r.headers.push(("Retry-After", retry.to_string()));
    r.headers.push(("X-MBX-USED-WEIGHT-1M", used.to_string()));
    r
}

fn depth_limit(req: &Request, venue: Venue) -> Result<usize, Response> {
    let default = if venue == Venue::Spot { 100 } else { 500 };
    let max = if venue == Venue::Spot { 5000 } else { 1000 };
    match req.param("limit") {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(l) if l >= 1 => Ok(l.min(max)),
            _ => Err(Response::err(
                400,
                -1100,
                "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.",
            )),
        },
    }
}

fn depth(sh: &Shared, req: &Request, venue: Venue, limit: usize) -> Response {
    let Some(name) = req.param("symbol").filter(|s| !s.is_empty()) else {
        return Response::err(
            400,
            -1102,
            "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
        );
    };
    let Some(info) = sh.symbol(&name).filter(|s| s.venue == venue) else {
        return Response::err(400, -1121, "Invalid symbol.");
    };
    let stale = sh.faults.take_stale(&info.name);
    let body = {
        let book = info.book.lock().unwrap_or_else(|p| p.into_inner());
        if stale {
            book.stale().render(limit, venue)
        } else {
            book.current.render(limit, venue)
        }
    };
    let mut r = Response::json(200, body);
    r.delay = sh.faults.take_slow(&info.name).unwrap_or(Duration::ZERO);
    r
}

fn fault(sh: &Shared, req: &Request) -> Response {
    let Some(kind) = req.param("kind") else {
        return Response::json(400, "{\"error\":\"missing kind\"}".into());
    };
    match Fault::from_params(&kind, |k| req.param(k)) {
        Ok(f) => {
            let body = serde_json::json!({"injected": f.kind(), "fault": format!("{f:?}")}).to_string();
            sh.inject(f);
            Response::json(200, body)
        }
        Err(e) => Response::json(400, serde_json::json!({ "error": e }).to_string()),
    }
}

fn stats(sh: &Shared) -> Response {
    let mut s = sh.stats.snapshot();
    s.connections_open = sh.hub.open();
    match serde_json::to_string(&s) {
        Ok(body) => Response::json(200, body),
        Err(e) => Response::json(500, serde_json::json!({ "error": e.to_string() }).to_string()),
    }
}
