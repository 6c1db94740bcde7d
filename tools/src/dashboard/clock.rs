//! The dashboard's clock: a thread that every [`TICK`] re-assesses the health, which can change
//! with no journal record arriving (the journal goes quiet while the run goes on: stale; the
//! engine's control socket stops answering; a stream's end read with nothing after it). A change
//! is published as a `health` event on `/ws` (the page needs no polling for it) and the alert
//! rules are evaluated on it. It also wakes the WebSocket senders for events pushed outside the
//! tail (an acknowledgement through the API), so those reach the clients within a tick.

use crate::alerts::Engine;
use crate::view::Model;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the clock looks.
pub const TICK: Duration = Duration::from_millis(250);

/// Evaluate the alert rules on the model's facts now; the alerts fired or resolved go onto the
/// WebSocket's event log.
pub fn evaluate_alerts(m: &mut Model, alerts: &Mutex<Engine>) {
    let fired = alerts.lock().unwrap_or_else(|p| p.into_inner()).observe(&m.facts());
    for a in fired {
        if let Ok(v) = serde_json::to_value(&a) {
            let ts = m.as_of;
            m.events.push(ts, crate::view::shapes::WsData::Alert(v));
        }
    }
}

/// Tick until `stop`.
pub fn run(
    model: Arc<Mutex<Model>>,
    alerts: Arc<Mutex<Engine>>,
    notify: Arc<dyn Fn() + Send + Sync>,
    stop: Arc<AtomicBool>,
) {
    let mut seen = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let newest = {
            let mut g = model.lock().unwrap_or_else(|p| p.into_inner());
            // Once the tail has published a first health (before any record there is none to
            // change from, and an empty journal's event log stays empty).
            if g.health.is_some() && g.refresh_health() {
                evaluate_alerts(&mut g, &alerts);
            }
            g.events.newest()
        };
        if newest != seen {
            seen = newest;
            notify();
        }
        std::thread::sleep(TICK);
    }
}
