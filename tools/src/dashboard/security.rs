//! The server's guards: bearer token on every state change (compared in constant time), per-client
//! rate limits (token bucket, 429 with `Retry-After`), CORS closed unless origins are listed.

use super::State;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// `a == b` in time independent of where they differ (lengths are not secret).
pub fn token_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Token buckets per client address.
#[derive(Debug)]
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: std::sync::Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_sec: f64, burst: f64) -> RateLimiter {
        RateLimiter { per_sec: per_sec.max(0.001), burst: burst.max(1.0), buckets: Default::default() }
    }

    /// Take one token for `ip`: Ok, or Err(seconds until one is there).
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() > 10_000 {
            b.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 60);
        }
        let (tokens, last) = b.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_sec).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_sec).ceil().max(1.0) as u64)
        }
    }
}

fn error(status: StatusCode, msg: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": msg }))).into_response()
}

/// Rate limit, then the token for state changes, then CORS on the answer.
pub async fn guard(
    axum::extract::State(st): axum::extract::State<Arc<State>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if let Err(secs) = st.rate.take(peer.ip(), Instant::now()) {
        let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate limit: too many requests from this address");
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return r;
    }
    let origin = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_string);
    let allowed = origin.filter(|o| st.cfg.cors_origins.iter().any(|a| a == o));
    if req.method() == Method::OPTIONS {
        let mut r = StatusCode::NO_CONTENT.into_response();
        if let Some(o) = &allowed {
            cors(&mut r, o, true);
        }
        return r;
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if changes {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        let ok = match (&st.token, given) {
            (Some(t), Some(g)) => token_eq(t.as_bytes(), g.trim().as_bytes()),
            _ => false,
        };
        if !ok {
            let msg = if st.token.is_none() {
                "state changes are disabled: no token is configured ([dashboard] token or ALPHAPULSE_DASHBOARD_TOKEN)"
            } else {
                "unauthorised: send Authorization: Bearer <token>"
            };
            let mut r = error(StatusCode::UNAUTHORIZED, msg);
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    let mut r = next.run(req).await;
    if let Some(o) = &allowed {
        cors(&mut r, o, false);
    }
    r
}

fn cors(r: &mut Response, origin: &str, preflight: bool) {
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_compare_and_buckets() {
        assert!(token_eq(b"secret-token", b"secret-token"));
        assert!(!token_eq(b"secret-token", b"secret-tokem"));
        assert!(!token_eq(b"secret-token", b"secret"));
        assert!(!token_eq(b"", b"x"));
        let r = RateLimiter::new(1.0, 2.0);
        let ip: IpAddr = [127, 0, 0, 1].into();
        let t = Instant::now();
        assert!(r.take(ip, t).is_ok() && r.take(ip, t).is_ok());
        assert_eq!(r.take(ip, t), Err(1));
        // Another client has its own bucket; time refills.
        assert!(r.take([10, 0, 0, 1].into(), t).is_ok());
        assert!(r.take(ip, t + std::time::Duration::from_millis(1100)).is_ok());
    }
}
