//! The slow pollers beside the tail: once a second, the engine's control socket `status` (ring
//! depths, per-actor counters, the engine's own health) when a socket is given or the run's
//! configured one exists, and `persist.status.json` (what `alphapulse persist` has committed)
//! for the persist lag.

use super::model::Model;
use super::shapes::PersistView;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The persist status file's name in the journal folder.
pub const PERSIST_STATUS: &str = "persist.status.json";

/// The run's control socket: `explicit`, else the one its `run.json` config names if it exists.
pub fn control_socket(dir: &Path, explicit: Option<PathBuf>) -> Option<PathBuf> {
    if explicit.is_some() {
        return explicit;
    }
    let meta = crate::run_journal::read_meta(dir).ok().flatten()?;
    let p = meta.config?.pointer("/control/socket")?.as_str().map(PathBuf::from)?;
    p.exists().then_some(p)
}

/// One `status` request (None: unreachable or refused).
pub fn control_status(path: &Path) -> Option<Value> {
    let mut c = alphapulse_control::Client::connect(path, Duration::from_millis(500)).ok()?;
    let r = c.request("status", &[]).ok()?;
    if r.ok {
        r.result
    } else {
        None
    }
}

/// The lag from a `persist.status.json` document: per stream, committed sequence and time
/// against what the view has read. Accepts `streams` as an object keyed by stream name or as a
/// list of objects with `stream`/`name`; in each, the first number under a key holding `seq` and
/// one holding `ts`/`time`.
pub fn persist_view(doc: &Value, model: &Model) -> Option<PersistView> {
    let streams: Vec<(String, &Value)> = match doc.get("streams")? {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(|v| {
                let name = v.get("stream").or_else(|| v.get("name"))?.as_str()?.to_string();
                Some((name, v))
            })
            .collect(),
        _ => return None,
    };
    let num = |v: &Value, pred: &dyn Fn(&str) -> bool| -> Option<u64> {
        v.as_object()?.iter().find(|(k, x)| pred(k) && x.is_u64()).and_then(|(_, x)| x.as_u64())
    };
    let (mut records, mut seconds) = (0u64, 0f64);
    for (name, v) in streams {
        let Some(seen) = model.stats.streams.get(&name) else { continue };
        if let (Some(last), Some(done)) = (seen.last_seq, num(v, &|k| k.contains("seq"))) {
            records += last.saturating_sub(done);
        }
        if let (Some(last), Some(done)) =
            (seen.last_ts_ns, num(v, &|k| k.contains("ts") || k.contains("time")))
        {
            seconds = seconds.max(last.saturating_sub(done) as f64 / 1e9);
        }
    }
    let updated_at = doc.get("updated_at").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
    Some(PersistView { lag_records: records, lag_seconds: seconds, updated_at })
}

/// Poll once a second until `stop`.
pub fn run(dir: PathBuf, socket: Option<PathBuf>, model: Arc<Mutex<Model>>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let status = control_socket(&dir, socket.clone()).and_then(|p| control_status(&p));
        let persist: Option<Value> =
            std::fs::read(dir.join(PERSIST_STATUS)).ok().and_then(|b| serde_json::from_slice(&b).ok());
        {
            let mut g = model.lock().unwrap_or_else(|p| p.into_inner());
            g.control = status;
            g.persist = persist.as_ref().and_then(|d| persist_view(d, &g));
        }
        for _ in 0..10 {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
