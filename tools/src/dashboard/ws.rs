//! `/ws?since=CURSOR[&types=price,fill]`: a hello frame, then every event after `since` (see
//! [`crate::view::shapes`] for the format), then new ones as the tail applies them.

use super::State;
use crate::view::shapes::WsHello;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::Query;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

/// Events sent per lock of the model.
const CHUNK: usize = 4096;

pub async fn handler(
    axum::extract::State(st): axum::extract::State<Arc<State>>,
    Query(q): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    let since = q.get("since").and_then(|s| s.parse::<u64>().ok());
    let types: Option<Vec<String>> = q.get("types").map(|t| t.split(',').map(str::to_string).collect());
    let max = st.cfg.max_ws_message;
    ws.max_message_size(max).max_frame_size(max).on_upgrade(move |s| run(s, st, since, types))
}

async fn run(mut socket: WebSocket, st: Arc<State>, since: Option<u64>, types: Option<Vec<String>>) {
    let mut changed = st.changed.clone();
    let (hello, mut cursor) = {
        let m = st.lock();
        let r = m.events.after(since, 0);
        let resumed = r.resumed;
        let hello =
            WsHello { kind: "hello".into(), epoch: m.epoch, cursor: r.newest, oldest: r.oldest, resumed };
        // Not resumable: start from the events still kept.
        (hello, if resumed { since } else { None })
    };
    let Ok(text) = serde_json::to_string(&hello) else { return };
    if socket.send(Message::Text(text.into())).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval(std::time::Duration::from_secs(15));
    loop {
        // Send everything new.
        loop {
            let batch = st.lock().events.after(cursor, CHUNK).events;
            let Some(last) = batch.last() else { break };
            cursor = Some(last.cursor);
            for e in batch {
                if types.as_ref().is_some_and(|t| !t.iter().any(|k| k == e.kind)) {
                    continue;
                }
                if socket.send(Message::Text(e.json.to_string().into())).await.is_err() {
                    return;
                }
            }
        }
        tokio::select! {
            r = changed.changed() => if r.is_err() { return },
            m = socket.recv() => match m {
                // Over the size limit, closed, or an error: done. Other client messages are ignored.
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => if socket.send(Message::Ping(Vec::new().into())).await.is_err() { return },
        }
    }
}
