//! Live control messages on a stream connection: `SUBSCRIBE`, `UNSUBSCRIBE`,
//! `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`/`GET_PROPERTY` (`combined`), answered as Binance does.

use crate::hub::Conn;
use crate::shared::Shared;
use serde_json::{json, Value};

/// A Binance-style error reply.
pub(crate) fn error(code: i64, msg: &str, id: Option<&Value>) -> String {
    json!({"error": {"code": code, "msg": msg}, "id": id.cloned().unwrap_or(Value::Null)}).to_string()
}

fn names(params: Option<&Value>) -> Option<Vec<String>> {
    params?.as_array()?.iter().map(|v| v.as_str().map(str::to_string)).collect()
}

/// The reply to one text message.
pub(crate) fn answer(sh: &Shared, conn: &Conn, text: &str) -> String {
    let reply = answer_inner(sh, conn, text);
    sh.stats.with(|s| {
        s.control_messages += 1;
        if reply.contains("\"error\"") {
            s.control_errors += 1;
        }
    });
    reply
}

fn answer_inner(sh: &Shared, conn: &Conn, text: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return error(2, "Invalid JSON", None);
    };
    let id = v.get("id");
    let ok = |result: Value| json!({"result": result, "id": id.cloned().unwrap_or(Value::Null)}).to_string();
    let params = v.get("params");
    match v.get("method").and_then(Value::as_str) {
        Some("SUBSCRIBE") => {
            let Some(list) = names(params) else {
                return error(2, "Invalid request: params must be stream names", id);
            };
            let mut subs = conn.lock_subs();
            let new = list.iter().filter(|s| !subs.streams.contains(*s)).count();
            if subs.streams.len() + new > sh.cfg.max_streams {
                return error(2, "Invalid request: too many streams (max 1024 per connection)", id);
            }
            subs.streams.extend(list);
            ok(Value::Null)
        }
        Some("UNSUBSCRIBE") => {
            let Some(list) = names(params) else {
                return error(2, "Invalid request: params must be stream names", id);
            };
            let mut subs = conn.lock_subs();
            for s in &list {
                subs.streams.remove(s);
            }
            ok(Value::Null)
        }
        Some("LIST_SUBSCRIPTIONS") => ok(json!(conn.lock_subs().streams.iter().collect::<Vec<_>>())),
        Some("SET_PROPERTY") => match params.and_then(Value::as_array).map(Vec::as_slice) {
            Some([name, Value::Bool(on)]) if name == "combined" => {
                conn.lock_subs().combined = *on;
                ok(Value::Null)
            }
            _ => error(2, "Invalid request: SET_PROPERTY takes [\"combined\", true|false]", id),
        },
        Some("GET_PROPERTY") => match params.and_then(Value::as_array).map(Vec::as_slice) {
            Some([name]) if name == "combined" => ok(json!(conn.lock_subs().combined)),
            _ => error(2, "Invalid request: GET_PROPERTY takes [\"combined\"]", id),
        },
        _ => error(2, "Invalid request: unknown method", id),
    }
}
