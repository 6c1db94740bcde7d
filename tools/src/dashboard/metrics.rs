//! `/metrics`: Prometheus text exposition (prometheus-client), built from the view at each
//! scrape: events by type, rejects by reason, latency per hop, PnL, positions, health state, feed
//! state per symbol, ring depths (from the control socket's status), persist lag.
//!
//! Latency per hop comes two ways:
//! - `alphapulse_hop_latency_seconds{hop}`, a histogram (`_bucket{le}`, `_sum`, `_count`) with
//!   exact counts over the bounds of [`HOP_BUCKETS_NS`] (100 ns … 5 s, 1–2.5–5 steps; why there)
//!   and the exact sum of the samples: what to `rate()` over a window, aggregate across runs and
//!   alert on (`histogram_quantile(0.99, …)`);
//! - `alphapulse_latency_seconds{hop,percentile}` gauges (50, 90, 99, 99.9, 100 = max) from the
//!   view's HdrHistogram, with `alphapulse_latency_samples{hop}`: kept because they are cheap
//!   and exact to three significant digits over the whole run, where `histogram_quantile`
//!   interpolates within a bucket (up to ×2.5 off); they cannot be aggregated or windowed.

use crate::view::stats::{HopBuckets, HOPS, HOP_BUCKETS_NS};
use crate::view::Model;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::MetricType;
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

/// `alphapulse_hop_latency_seconds`: a snapshot of each hop's [`HopBuckets`] taken at the scrape.
#[derive(Debug)]
struct HopHistograms(Vec<(&'static str, HopBuckets)>);

impl Collector for HopHistograms {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut family = enc.encode_descriptor(
            "alphapulse_hop_latency_seconds",
            "Latency per hop (journal clock: ts - origin_ts of intents, decisions, orders), seconds",
            None,
            MetricType::Histogram,
        )?;
        for (hop, b) in &self.0 {
            // Per-bucket counts; the encoder makes them cumulative. ns / 1e9 is correctly
            // rounded, so `le` prints as the decimal bound (100 ns → 1e-7) and the sum is exact
            // to f64's precision.
            let buckets: Vec<(f64, u64)> = HOP_BUCKETS_NS
                .iter()
                .map(|&ns| ns as f64 / 1e9)
                .chain([f64::MAX]) // +Inf
                .zip(b.counts)
                .collect();
            let labels = l(&[("hop", hop)]);
            family.encode_family(&labels)?.encode_histogram::<NoLabelSet>(
                b.sum_ns as f64 / 1e9,
                b.count(),
                &buckets,
                None,
            )?;
        }
        Ok(())
    }
}

/// The exposition text.
pub fn render(m: &Model) -> String {
    let mut reg = Registry::default();
    reg.register_collector(Box::new(HopHistograms(
        HOPS.iter().map(|(hop, _)| *hop).zip(m.stats.hop_buckets.iter().cloned()).collect(),
    )));
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
