//! `/metrics`: Prometheus text exposition (prometheus-client), built from the view at each
//! scrape: events by type, rejects by reason, latency per hop (percentile gauges in seconds, and the count),
//! PnL, positions, health state, feed state per symbol, ring depths (from the control socket's
//! status), persist lag.

use crate::view::Model;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

type Labels = Vec<(String, String)>;
type G = Family<Labels, Gauge<f64, AtomicU64>>;
type GI = Family<Labels, Gauge>;

fn l(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The health states, in order of severity (the `alphapulse_health_state` gauge is 1 for the current one).
const HEALTH: [&str; 7] =
    ["Initializing", "HealthCheck", "Healthy", "Warning", "Degraded", "Critical", "EmergencyStop"];

/// The exposition text.
pub fn render(m: &Model) -> String {
    let mut reg = Registry::default();
    let events = GI::default();
    reg.register("alphapulse_journal_records", "Journal records read, by type", events.clone());
    for (k, v) in &m.stats.events_by_type {
        events.get_or_create(&l(&[("type", k)])).set(*v as i64);
    }
    let rejects = GI::default();
    reg.register("alphapulse_risk_rejects", "Intents risk rejected, by reason", rejects.clone());
    for (k, v) in m.stats.rejects_by_reason() {
        rejects.get_or_create(&l(&[("reason", &k)])).set(v as i64);
    }
    let lat = G::default();
    reg.register(
        "alphapulse_latency_seconds",
        "Latency per hop (journal clock), by percentile (50, 90, 99, 99.9, 100 = max)",
        lat.clone(),
    );
    let lat_n = GI::default();
    reg.register("alphapulse_latency_samples", "Latency samples per hop", lat_n.clone());
    for v in m.stats.latency_views() {
        for (q, x) in
            [("50", v.p50_ns), ("90", v.p90_ns), ("99", v.p99_ns), ("99.9", v.p999_ns), ("100", v.max_ns)]
        {
            lat.get_or_create(&l(&[("hop", &v.hop), ("percentile", q)])).set(x as f64 * 1e-9);
        }
        lat_n.get_or_create(&l(&[("hop", &v.hop)])).set(v.count as i64);
    }
    let s = m.summary();
    let pnl = G::default();
    reg.register("alphapulse_pnl", "Portfolio figures in quote currency", pnl.clone());
    for (k, v) in [
        ("realized", s.realized_pnl),
        ("unrealized", s.unrealized_pnl),
        ("fees", s.fees),
        ("equity", s.equity),
        ("cash", s.cash),
        ("drawdown", s.drawdown),
        ("max_drawdown", s.max_drawdown),
    ] {
        pnl.get_or_create(&l(&[("kind", k)])).set(v);
    }
    let fills = GI::default();
    reg.register("alphapulse_fills", "Fills so far", fills.clone());
    fills.get_or_create(&vec![]).set(s.fills as i64);
    let orders = GI::default();
    reg.register("alphapulse_orders", "Orders by outcome so far", orders.clone());
    for (k, v) in [
        ("sent", s.orders_sent),
        ("filled", s.orders_filled),
        ("cancelled", s.orders_cancelled),
        ("open", s.open_orders),
    ] {
        orders.get_or_create(&l(&[("state", k)])).set(v as i64);
    }
    let pos = G::default();
    reg.register("alphapulse_position", "Signed position per symbol", pos.clone());
    for p in m.positions().positions {
        pos.get_or_create(&l(&[("symbol", &p.symbol)])).set(p.qty);
    }
    let health = GI::default();
    reg.register("alphapulse_health_state", "1 for the current health state", health.clone());
    let h = m.assess_health();
    for st in HEALTH {
        health.get_or_create(&l(&[("state", st)])).set((h.state == st) as i64);
    }
    let feed = GI::default();
    reg.register("alphapulse_feed_state", "1 for each symbol's current feed state", feed.clone());
    for (sym, f) in m.feed_states() {
        for st in ["synced", "resyncing", "reconnecting", "stale"] {
            let cur = crate::view::market::feed_name(f);
            feed.get_or_create(&l(&[("symbol", &sym), ("state", st)])).set((cur == st) as i64);
        }
    }
    if let Some(depths) = m.ring_depths() {
        let rings = GI::default();
        reg.register(
            "alphapulse_ring_depth",
            "Inbound queue depth per actor (control socket status)",
            rings.clone(),
        );
        for (a, d) in depths {
            rings.get_or_create(&l(&[("actor", &a)])).set(d as i64);
        }
    }
    if let Some(p) = &m.persist {
        let lag = G::default();
        reg.register(
            "alphapulse_persist_lag",
            "How far alphapulse persist is behind the journal",
            lag.clone(),
        );
        lag.get_or_create(&l(&[("unit", "records")])).set(p.lag_records as f64);
        lag.get_or_create(&l(&[("unit", "seconds")])).set(p.lag_seconds);
    }
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &reg);
    out
}
