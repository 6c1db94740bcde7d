//! OHLCV bars built from trades, for the slow path (the dashboard's `/api/market/history`, the
//! `bars` rows `alphapulse persist` writes). Integer prices and quantities on the engine's fixed
//! scale; a bar covers `[start, start + interval)` of exchange time, aligned to multiples of the
//! interval since the Unix epoch (UTC), so two processes building bars from one journal agree.
//!
//! A trade older than the current bar goes into the bar it belongs to while that bar is still kept
//! (the last [`BarSeries::capacity`] bars); an older one is counted in [`BarSeries::late_dropped`],
//! never silently merged into a wrong bar. Intervals with no trade have no bar (no fill-forward).

use alphapulse_types::{Price, Qty, Trade};
use std::collections::VecDeque;
use std::fmt;

/// A bar interval: one of [`Interval::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    ns: u64,
}

const SEC: u64 = 1_000_000_000;

impl Interval {
    /// Every interval accepted, by name.
    pub const ALL: [(&'static str, u64); 8] = [
        ("1s", SEC),
        ("5s", 5 * SEC),
        ("1m", 60 * SEC),
        ("5m", 300 * SEC),
        ("15m", 900 * SEC),
        ("1h", 3600 * SEC),
        ("4h", 4 * 3600 * SEC),
        ("1d", 86_400 * SEC),
    ];

    /// `"1m"` → one minute; anything not in [`Interval::ALL`] is refused with the list.
    pub fn parse(s: &str) -> Result<Interval, String> {
        Interval::ALL.iter().find(|(n, _)| *n == s).map(|(_, ns)| Interval { ns: *ns }).ok_or_else(|| {
            format!(
                "unknown interval `{s}` (one of: {})",
                Interval::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )
        })
    }

    pub fn ns(self) -> u64 {
        self.ns
    }

    pub fn name(self) -> &'static str {
        Interval::ALL.iter().find(|(_, ns)| *ns == self.ns).map_or("?", |(n, _)| *n)
    }

    /// The start of the bar holding time `ts`.
    pub fn start_of(self, ts: u64) -> u64 {
        ts - ts % self.ns
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One bar: open, high, low, close of the trades in it, their volume and count, and the notional
/// (Σ px × qty, raw units squared / scale) for the VWAP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    /// Start of the interval (exchange time, ns since the epoch).
    pub start: u64,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: Qty,
    pub trades: u64,
    /// Σ px.raw × qty.raw (i128: no overflow for any real bar).
    pub notional_raw: i128,
    /// Exchange time of the trade that set `close`.
    pub close_ts: u64,
}

impl Bar {
    fn new(start: u64, t: &Trade) -> Bar {
        Bar {
            start,
            open: t.px,
            high: t.px,
            low: t.px,
            close: t.px,
            volume: t.qty,
            trades: 1,
            notional_raw: t.px.0 as i128 * t.qty.0 as i128,
            close_ts: t.exch_ts,
        }
    }

    fn add(&mut self, t: &Trade) {
        self.high = self.high.max(t.px);
        self.low = self.low.min(t.px);
        if t.exch_ts >= self.close_ts {
            self.close = t.px;
            self.close_ts = t.exch_ts;
        }
        self.volume = Qty(self.volume.0.saturating_add(t.qty.0));
        self.trades += 1;
        self.notional_raw += t.px.0 as i128 * t.qty.0 as i128;
    }

    /// Volume-weighted average price (raw price units), None for a bar with no volume.
    pub fn vwap(&self) -> Option<Price> {
        (self.volume.0 > 0).then(|| Price((self.notional_raw / self.volume.0 as i128) as i64))
    }
}

/// The bars of one instrument at one interval, the newest last, at most `capacity` kept.
#[derive(Clone, Debug)]
pub struct BarSeries {
    pub interval: Interval,
    capacity: usize,
    bars: VecDeque<Bar>,
    late_dropped: u64,
}

impl BarSeries {
    pub fn new(interval: Interval, capacity: usize) -> BarSeries {
        BarSeries { interval, capacity: capacity.max(1), bars: VecDeque::new(), late_dropped: 0 }
    }

    /// Adds one trade (by its exchange time). Returns the bar it went into, None if it was too
    /// old for any kept bar (counted).
    pub fn add(&mut self, t: &Trade) -> Option<&Bar> {
        let start = self.interval.start_of(t.exch_ts);
        match self.bars.back().map(|b| b.start) {
            Some(last) if start == last => {}
            Some(last) if start < last => {
                let Some(i) = self.bars.iter().rposition(|b| b.start <= start) else {
                    self.late_dropped += 1;
                    return None;
                };
                if self.bars[i].start == start {
                    self.bars[i].add(t);
                } else {
                    self.bars.insert(i + 1, Bar::new(start, t));
                    self.trim();
                    return self.bars.iter().find(|b| b.start == start);
                }
                return Some(&self.bars[i]);
            }
            _ => {
                self.bars.push_back(Bar::new(start, t));
                self.trim();
                return self.bars.back();
            }
        }
        let last = self.bars.back_mut().expect("checked above");
        last.add(t);
        Some(last)
    }

    fn trim(&mut self) {
        while self.bars.len() > self.capacity {
            self.bars.pop_front();
        }
    }

    /// Kept bars, oldest first.
    pub fn bars(&self) -> impl ExactSizeIterator<Item = &Bar> {
        self.bars.iter()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Trades older than every kept bar.
    pub fn late_dropped(&self) -> u64 {
        self.late_dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_types::{InstrumentId, Side};

    fn trade(ts_ms: u64, px: i64, qty: i64) -> Trade {
        Trade {
            inst: InstrumentId(0),
            aggressor: Side::Buy,
            _pad: [0; 3],
            px: Price(px),
            qty: Qty(qty),
            trade_id: ts_ms,
            exch_ts: ts_ms * 1_000_000,
            local_ts: ts_ms * 1_000_000,
        }
    }

    #[test]
    fn bars_align_and_aggregate() {
        let mut s = BarSeries::new(Interval::parse("1s").unwrap(), 10);
        for (ts, px, q) in [(1_000, 10, 1), (1_500, 12, 2), (1_999, 9, 3), (2_000, 11, 4), (3_500, 7, 1)] {
            s.add(&trade(ts, px, q));
        }
        let b: Vec<Bar> = s.bars().copied().collect();
        assert_eq!(b.len(), 3);
        assert_eq!(
            (b[0].start, b[0].open, b[0].high, b[0].low, b[0].close),
            (SEC, Price(10), Price(12), Price(9), Price(9))
        );
        assert_eq!((b[0].volume, b[0].trades), (Qty(6), 3));
        assert_eq!(b[0].vwap(), Some(Price((10 + 24 + 27) / 6)));
        assert_eq!((b[1].start, b[1].open, b[1].close), (2 * SEC, Price(11), Price(11)));
        assert_eq!(b[2].start, 3 * SEC);
    }

    #[test]
    fn late_trades_go_to_their_bar_or_are_counted() {
        let mut s = BarSeries::new(Interval::parse("1s").unwrap(), 2);
        s.add(&trade(5_000, 10, 1));
        s.add(&trade(7_000, 10, 1));
        // Between the two kept bars: a new bar in its place, the oldest trimmed.
        s.add(&trade(6_100, 20, 1));
        assert_eq!(s.bars().map(|b| b.start).collect::<Vec<_>>(), vec![6 * SEC, 7 * SEC]);
        // Older than every kept bar.
        assert!(s.add(&trade(4_000, 10, 1)).is_none());
        assert_eq!(s.late_dropped(), 1);
        // A late trade into a kept bar: high/low/volume change, close does not (an older trade).
        s.add(&trade(6_050, 30, 2));
        let b = s.bars().next().copied().unwrap();
        assert_eq!((b.high, b.close, b.volume, b.trades), (Price(30), Price(20), Qty(3), 2));
    }

    #[test]
    fn interval_names() {
        assert!(Interval::parse("2m").unwrap_err().contains("1s, 5s, 1m"));
        for (n, ns) in Interval::ALL {
            let i = Interval::parse(n).unwrap();
            assert_eq!((i.name(), i.ns()), (n, ns));
        }
    }
}
