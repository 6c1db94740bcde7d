//! The JSON endpoints (shapes in [`crate::view::shapes`]) and the router that puts every route,
//! the guards and the page together. [`ROUTES`] lists every route; `/api/openapi.json` is built
//! from it (a test checks the two agree with what answers).

use super::{security, State};
use crate::view::query::QueryError;
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Every route: (method, path, summary, answer schema name).
pub const ROUTES: &[(&str, &str, &str, &str)] = &[
    ("get", "/api/portfolio/summary", "Cash, equity, PnL, fees, drawdown, order and fill counts", "Summary"),
    ("get", "/api/portfolio/positions", "Positions per symbol", "Positions"),
    ("get", "/api/portfolio/performance", "PnL/equity curve (?limit=N)", "Performance"),
    ("get", "/api/exchange/orders", "Orders, newest first (?status=open|final|all&limit=N)", "Orders"),
    ("get", "/api/exchange/fills", "Fills, newest first (?limit=N)", "Fills"),
    ("get", "/api/exchange/balance", "The simulated account", "Balance"),
    (
        "get",
        "/api/strategy/decisions",
        "The aggregator's decisions, newest first, with the signals each weighed (?outcome=sent&limit=N)",
        "Decisions",
    ),
    ("get", "/api/market/prices", "Last quote and trade per symbol", "Prices"),
    ("get", "/api/market/history", "OHLCV bars (?symbol=S&interval=1m)", "History"),
    (
        "get",
        "/api/market/indicators",
        "SMA/EMA/RSI/VWAP over closed bars (?interval=1m&symbol=S)",
        "Indicators",
    ),
    ("get", "/api/alerts", "Alerts and alert rules", "AlertsList"),
    ("post", "/api/alerts", "Create an alert rule (bearer token)", "RuleView"),
    ("put", "/api/alerts/rules/{id}", "Replace an alert rule (bearer token)", "RuleView"),
    ("patch", "/api/alerts/rules/{id}", "Update an alert rule (bearer token)", "RuleView"),
    ("post", "/api/alerts/{id}/ack", "Acknowledge an alert (bearer token)", "Alert"),
    ("get", "/api/system/status", "Health, streams, feed state, control status, persist lag", "Status"),
    ("get", "/api/system/metrics", "Counters and latency per hop as JSON", "Metrics"),
    ("get", "/api/openapi.json", "This document", "OpenApi"),
    ("get", "/metrics", "Prometheus text exposition", "Text"),
    ("get", "/ws", "WebSocket of events (?since=CURSOR&types=...)", "WsEvent"),
];

type St = axum::extract::State<Arc<State>>;
type Q = Query<HashMap<String, String>>;

/// An error answer: `{"error": "..."}`.
pub struct ApiErr(StatusCode, String);

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<QueryError> for ApiErr {
    fn from(e: QueryError) -> ApiErr {
        match e {
            QueryError::Bad(m) => ApiErr(StatusCode::BAD_REQUEST, m),
            QueryError::NotFound(m) => ApiErr(StatusCode::NOT_FOUND, m),
        }
    }
}

fn limit(q: &Q) -> Result<Option<usize>, ApiErr> {
    q.get("limit")
        .map(|l| {
            l.parse::<usize>()
                .map_err(|_| ApiErr(StatusCode::BAD_REQUEST, format!("limit `{l}`: not a count")))
        })
        .transpose()
}

type R = Result<Json<Value>, ApiErr>;

fn ok<T: serde::Serialize>(v: T) -> R {
    serde_json::to_value(v).map(Json).map_err(|e| ApiErr(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

async fn summary(s: St) -> R {
    ok(s.lock().summary())
}
async fn positions(s: St) -> R {
    ok(s.lock().positions())
}
async fn performance(s: St, q: Q) -> R {
    let l = limit(&q)?;
    ok(s.lock().performance(l))
}
async fn orders(s: St, q: Q) -> R {
    let l = limit(&q)?;
    ok(s.lock().orders_view(q.get("status").map(String::as_str), l)?)
}
async fn fills(s: St, q: Q) -> R {
    let l = limit(&q)?;
    ok(s.lock().fills_view(l))
}
async fn decisions(s: St, q: Q) -> R {
    let l = limit(&q)?;
    ok(s.lock().decisions_view(q.get("outcome").map(String::as_str), l)?)
}
async fn balance(s: St) -> R {
    ok(s.lock().balance())
}
async fn prices(s: St) -> R {
    ok(s.lock().prices())
}
async fn history(s: St, q: Q) -> R {
    let sym = q.get("symbol").ok_or_else(|| ApiErr(StatusCode::BAD_REQUEST, "symbol is required".into()))?;
    let iv = q.get("interval").map_or("1m", String::as_str);
    ok(s.lock().history(sym, iv)?)
}
async fn indicators(s: St, q: Q) -> R {
    ok(s.lock().indicators(q.get("symbol").map(String::as_str), q.get("interval").map(String::as_str))?)
}
async fn status(s: St) -> R {
    ok(s.lock().status())
}
async fn metrics_json(s: St) -> R {
    ok(s.lock().metrics())
}
async fn alerts_list(s: St) -> R {
    let e = s.alerts.lock().unwrap_or_else(|p| p.into_inner());
    ok(json!({ "alerts": e.alerts(), "rules": e.rules() }))
}

fn alert_err(e: crate::alerts::AlertError) -> ApiErr {
    use crate::alerts::AlertError as E;
    match e {
        E::NoRule(_) | E::NoAlert(_) => ApiErr(StatusCode::NOT_FOUND, e.to_string()),
        _ => ApiErr(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

type Body = Result<Json<Value>, axum::extract::rejection::JsonRejection>;

fn spec(body: Body) -> Result<crate::alerts::RuleSpec, ApiErr> {
    let Json(v) = body.map_err(|e| ApiErr(e.status(), format!("bad request body: {}", e.body_text())))?;
    serde_json::from_value(v).map_err(|e| ApiErr(StatusCode::UNPROCESSABLE_ENTITY, format!("bad rule: {e}")))
}

async fn alerts_create(s: St, body: Body) -> Result<(StatusCode, Json<Value>), ApiErr> {
    let spec = spec(body)?;
    let v = s.alerts.lock().unwrap_or_else(|p| p.into_inner()).create_rule(spec).map_err(alert_err)?;
    Ok((StatusCode::CREATED, ok(v)?))
}
async fn alerts_update(s: St, Path(id): Path<String>, body: Body) -> R {
    let id = id
        .parse::<u32>()
        .map_err(|_| ApiErr(StatusCode::BAD_REQUEST, format!("rule id `{id}`: not a number")))?;
    let spec = spec(body)?;
    let v = s.alerts.lock().unwrap_or_else(|p| p.into_inner()).update_rule(id, spec).map_err(alert_err)?;
    ok(v)
}
async fn alerts_ack(s: St, Path(id): Path<String>, body: axum::body::Bytes) -> R {
    let id = id
        .parse::<u64>()
        .map_err(|_| ApiErr(StatusCode::BAD_REQUEST, format!("alert id `{id}`: not a number")))?;
    let by = if body.is_empty() {
        "api".to_string()
    } else {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiErr(StatusCode::BAD_REQUEST, format!("bad request body: {e}")))?;
        v.get("by").and_then(Value::as_str).unwrap_or("api").chars().take(64).collect()
    };
    let a = s.alerts.lock().unwrap_or_else(|p| p.into_inner()).acknowledge(id, &by).map_err(alert_err)?;
    if let Ok(v) = serde_json::to_value(&a) {
        let mut m = s.lock();
        let ts = m.as_of;
        m.events.push(ts, crate::view::shapes::WsData::Alert(v));
    }
    ok(a)
}
async fn prometheus(s: St) -> Response {
    let text = super::metrics::render(&s.lock());
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
        .into_response()
}
async fn openapi_json() -> Json<Value> {
    Json(openapi())
}
async fn not_found() -> ApiErr {
    ApiErr(StatusCode::NOT_FOUND, "no such endpoint (see /api/openapi.json)".into())
}

/// The OpenAPI 3.0 document: every route of [`ROUTES`].
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, schema) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let mut op = json!({
            "summary": summary,
            "responses": {
                "200": { "description": format!("{schema} (see view::shapes)") },
                "400": { "description": "bad parameter: {\"error\": ...}" },
                "429": { "description": "rate limited (Retry-After)" }
            }
        });
        if *method != "get" {
            op["security"] = json!([{ "bearer": [] }]);
            op["responses"]["401"] = json!({ "description": "no or wrong bearer token" });
            op["responses"]["413"] = json!({ "description": "request body too large" });
        }
        if path.contains("{id}") {
            op["parameters"] =
                json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }]);
        }
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": { "title": "alphapulse dashboard", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } }
    })
}

/// Every route, the guards and the page.
pub fn router(state: Arc<State>) -> Router {
    let max_body = state.cfg.max_body;
    let api = Router::new()
        .route("/api/portfolio/summary", get(summary))
        .route("/api/portfolio/positions", get(positions))
        .route("/api/portfolio/performance", get(performance))
        .route("/api/exchange/orders", get(orders))
        .route("/api/exchange/fills", get(fills))
        .route("/api/exchange/balance", get(balance))
        .route("/api/strategy/decisions", get(decisions))
        .route("/api/market/prices", get(prices))
        .route("/api/market/history", get(history))
        .route("/api/market/indicators", get(indicators))
        .route("/api/alerts", get(alerts_list).post(alerts_create))
        .route("/api/alerts/rules/{id}", axum::routing::put(alerts_update).patch(alerts_update))
        .route("/api/alerts/{id}/ack", post(alerts_ack))
        .route("/api/system/status", get(status))
        .route("/api/system/metrics", get(metrics_json))
        .route("/api/openapi.json", get(openapi_json))
        .route("/metrics", get(prometheus))
        .route("/ws", get(super::ws::handler))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state.clone());
    api.merge(super::page::router()).layer(axum::middleware::from_fn_with_state(state, security::guard))
}
