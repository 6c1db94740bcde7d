//! Latency histograms (HdrHistogram, 3 significant digits, 1 ns to 60 s) and their percentile
//! distribution in HdrHistogram's `.hgrm` text format (values in microseconds).

use hdrhistogram::Histogram;
use std::fmt::Write;

/// The measured series, in report order: `(key, label, definition)`. The first [`HOPS`] are the
/// end-to-end latency and its hops (plotted); the last three split the end-to-end latency by the
/// kind of frame that triggered the order.
pub const SERIES: [(&str, &str, &str); 8] = [
    ("end_to_end", "tick-to-trade", "frame ingress → order bytes encoded at the gateway"),
    (
        "ingress_to_strategy",
        "ingress → strategy",
        "`Intent.ts − origin_ts`: the feed parses the frame, updates its book, sends the events; ring hop",
    ),
    ("strategy_to_risk", "strategy → risk", "`Decision.ts − Intent.ts`: agents + aggregator, ring hop"),
    ("risk_to_router", "risk → router", "`OrderNew.ts − Decision.ts`: pre-trade checks, ring hop"),
    (
        "router_to_encoded",
        "router → encoded",
        "encoded − `OrderNew.ts`: order state, ring hop, sim gateway encode",
    ),
    (
        "end_to_end_book_ticker",
        "tick-to-trade, bookTicker",
        "tick-to-trade of the orders a bookTicker frame triggered",
    ),
    (
        "end_to_end_depth",
        "tick-to-trade, depth",
        "tick-to-trade of the orders a depth update (or snapshot) triggered",
    ),
    ("end_to_end_trade", "tick-to-trade, trade", "tick-to-trade of the orders a trade frame triggered"),
];

/// The end-to-end series and its hops: the first entries of [`SERIES`].
pub const HOPS: usize = 5;

/// The kind of frame that triggered an order (index into the last three [`SERIES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    BookTicker = 0,
    Depth = 1,
    Trade = 2,
}

impl Trigger {
    /// The series of an order's own trigger (`OrderNew::trigger`, carried from the market event
    /// that caused its intent); `None` for an order no market event caused.
    pub fn of_order(t: alphapulse_types::Trigger) -> Option<Trigger> {
        match t {
            alphapulse_types::Trigger::Quote => Some(Trigger::BookTicker),
            alphapulse_types::Trigger::Depth => Some(Trigger::Depth),
            alphapulse_types::Trigger::Trade => Some(Trigger::Trade),
            alphapulse_types::Trigger::None => None,
        }
    }
}

/// Percentiles reported in every table.
pub const PERCENTILES: [(&str, f64); 5] =
    [("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("p99.9", 0.999), ("p99.99", 0.9999)];

/// One histogram per series.
pub struct Latencies {
    pub h: Vec<Histogram<u64>>,
}

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    pub fn new() -> Self {
        let one = || Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds");
        Latencies { h: (0..SERIES.len()).map(|_| one()).collect() }
    }
    /// Record one order: `[end to end, hop 1, …, hop 4]` in ns, and the end to end again under the
    /// kind of frame that triggered it (if known).
    pub fn record(&mut self, values: [u64; HOPS], trigger: Option<Trigger>) {
        for (h, v) in self.h.iter_mut().zip(values) {
            h.saturating_record(v.max(1));
        }
        if let Some(t) = trigger {
            self.h[HOPS + t as usize].saturating_record(values[0].max(1));
        }
    }
    pub fn end_to_end(&self) -> &Histogram<u64> {
        &self.h[0]
    }
}

/// The figures of one histogram (ns).
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub count: u64,
    pub min: u64,
    pub mean: f64,
    /// In the order of [`PERCENTILES`].
    pub pct: [u64; 5],
    pub max: u64,
}

impl Figures {
    pub fn of(h: &Histogram<u64>) -> Figures {
        let mut pct = [0; 5];
        for (p, (_, q)) in pct.iter_mut().zip(PERCENTILES) {
            *p = h.value_at_quantile(q);
        }
        Figures { count: h.len(), min: h.min(), mean: h.mean(), pct, max: h.max() }
    }
    pub fn p50(&self) -> u64 {
        self.pct[0]
    }
    pub fn p99(&self) -> u64 {
        self.pct[2]
    }
    pub fn p999(&self) -> u64 {
        self.pct[3]
    }
}

/// Nanoseconds, human readable: `287 ns`, `1.42 µs`, `12.3 µs`, `3.10 ms`.
pub fn fmt_ns(ns: u64) -> String {
    let v = ns as f64;
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 10_000 {
        format!("{:.2} µs", v / 1e3)
    } else if ns < 1_000_000 {
        format!("{:.1} µs", v / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.2} ms", v / 1e6)
    } else {
        format!("{:.2} s", v / 1e9)
    }
}

/// The percentile distribution as HdrHistogram prints it (`outputPercentileDistribution` with 5
/// ticks per half distance, values scaled to microseconds).
pub fn hgrm(h: &Histogram<u64>) -> String {
    let mut s = String::new();
    let _ =
        writeln!(s, "{:>12} {:>14} {:>10} {:>14}\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    if h.is_empty() {
        let _ = writeln!(s, "#[No values recorded]");
        return s;
    }
    let mut total = 0u64;
    for v in h.iter_quantiles(5) {
        total += v.count_since_last_iteration();
        let q = v.quantile_iterated_to();
        let value = v.value_iterated_to() as f64 / 1e3;
        if q < 1.0 {
            let _ = writeln!(s, "{value:12.3} {q:2.12} {total:10} {:14.2}", 1.0 / (1.0 - q));
        } else {
            let _ = writeln!(s, "{value:12.3} {q:2.12} {total:10}");
        }
    }
    let _ = writeln!(s, "#[Mean    = {:12.3}, StdDeviation   = {:12.3}]", h.mean() / 1e3, h.stdev() / 1e3);
    let _ = writeln!(s, "#[Max     = {:12.3}, Total count    = {:12}]", h.max() as f64 / 1e3, h.len());
    let _ = writeln!(s, "#[Buckets = {:12}, SubBuckets     = {:12}]", h.buckets(), h.distinct_values());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_and_hgrm_of_known_values() {
        let mut l = Latencies::new();
        for v in 1..=1000u64 {
            l.record([v * 100, v, v, v, v], Some(if v % 2 == 0 { Trigger::Depth } else { Trigger::Trade }));
        }
        let f = Figures::of(l.end_to_end());
        assert_eq!(f.count, 1000);
        assert!((f.p50() as i64 - 50_000).abs() <= 50, "{f:?}");
        assert!((f.p99() as i64 - 99_000).abs() <= 100, "{f:?}");
        assert!((f.max as i64 - 100_000).abs() <= 100, "{f:?}");
        assert_eq!(l.h[HOPS + Trigger::Depth as usize].len(), 500);
        assert_eq!(l.h[HOPS + Trigger::BookTicker as usize].len(), 0);
        let text = hgrm(l.end_to_end());
        assert!(text.contains("Percentile") && text.contains("Total count    =         1000"), "{text}");
        let last = text.lines().rfind(|l| !l.starts_with('#')).unwrap();
        assert!(last.contains(" 1000") && last.contains("1.000000000000"), "{last}");
        assert_eq!(fmt_ns(287), "287 ns");
        assert_eq!(fmt_ns(1_420), "1.42 µs");
        assert_eq!(fmt_ns(12_340), "12.3 µs");
    }

    #[test]
    fn an_orders_own_trigger_picks_its_series() {
        use alphapulse_types::Trigger as T;
        assert_eq!(Trigger::of_order(T::Quote), Some(Trigger::BookTicker));
        assert_eq!(Trigger::of_order(T::Depth), Some(Trigger::Depth));
        assert_eq!(Trigger::of_order(T::Trade), Some(Trigger::Trade));
        assert_eq!(Trigger::of_order(T::None), None);
        for t in [Trigger::BookTicker, Trigger::Depth, Trigger::Trade] {
            let key = SERIES[HOPS + t as usize].0;
            assert!(key.ends_with(["book_ticker", "depth", "trade"][t as usize]), "{key}");
        }
    }
}
