//! [`MultiBars`]: OHLCV bars of several intervals at once, built from trades on the hot path.
//!
//! One [`MultiBars`] keeps, for every instrument × interval, the bar being formed and a ring of
//! the last `capacity` closed bars, all preallocated at construction: adding a trade never
//! allocates. Conventions follow the slow path's `tools/src/bars.rs` (which stays the one the
//! dashboard and persistence use):
//!
//! - time is the trade's **exchange time** (`Trade::exch_ts`); a bar covers
//!   `[start, start + interval)`, aligned to multiples of the interval since the Unix epoch;
//! - a bar holds open, high, low, close, volume, trade count and notional (Σ px × qty in raw
//!   units, `i128`) for the VWAP;
//! - **gaps**: an interval with no trade makes no bar (no fill-forward); the next bar's `start`
//!   shows the gap, and the empty intervals are counted ([`BarStats::empty_intervals`]);
//! - a bar **closes** when the first trade of a later interval arrives (bars are trade-driven:
//!   nothing closes while no trade comes);
//! - **time going back**: a trade with the same time as the last one is normal (one exchange
//!   millisecond holds many trades). A trade older than the last one but inside the forming bar
//!   goes into it without moving its close ([`BarStats::reordered`]); one older than the forming
//!   bar is refused ([`Refusal::Late`]): closed bars are final, since indicators have consumed
//!   them. Refusals are counted, never a panic.

use alphapulse_types::{InstrumentId, Price, Qty, Trade};

/// Most intervals one [`MultiBars`] builds at once.
pub const MAX_INTERVALS: usize = 8;

/// Most closed bars kept per instrument × interval.
pub const MAX_BARS_KEPT: usize = 1 << 20;

/// One bar (prices and volume on the engine's fixed 1e-8 scale).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bar {
    /// Start of the interval (exchange time, ns since the epoch).
    pub start: u64,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: Qty,
    /// Σ px.raw × qty.raw of its trades (for the VWAP; `i128`: no overflow for any real bar).
    pub notional_raw: i128,
    pub trades: u32,
    /// Exchange time of the trade that set `close`.
    pub close_ts: u64,
}

impl Bar {
    fn first(start: u64, t: &Trade) -> Bar {
        Bar {
            start,
            open: t.px,
            high: t.px,
            low: t.px,
            close: t.px,
            volume: t.qty,
            notional_raw: t.px.raw() as i128 * t.qty.raw() as i128,
            trades: 1,
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
        self.volume = Qty::from_raw(self.volume.raw().saturating_add(t.qty.raw()));
        self.notional_raw = self.notional_raw.saturating_add(t.px.raw() as i128 * t.qty.raw() as i128);
        self.trades = self.trades.saturating_add(1);
    }

    /// Volume-weighted average price in raw units (rounded down), `None` with no volume.
    pub fn vwap(&self) -> Option<Price> {
        (self.volume.raw() > 0)
            .then(|| Price::from_raw((self.notional_raw / self.volume.raw() as i128) as i64))
    }
}

/// Why a trade was not added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Its instrument is outside the table.
    UnknownInstrument,
    /// A price or quantity that is zero or negative.
    NotPositive,
    /// Older than the bar being formed (of the shortest interval): closed bars are final.
    Late,
}

/// What adding one trade did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// Added to every interval's bar; bit `k` of `closed` is set when interval `k`'s previous bar
    /// closed on this trade (it is then [`MultiBars::closed`]`(inst, k, 0)`).
    Added { closed: u8 },
    /// Not added (counted in [`BarStats`]).
    Refused(Refusal),
}

/// Counters of a [`MultiBars`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BarStats {
    /// Trades added.
    pub trades: u64,
    /// Trades older than the previous one of their instrument, added inside the forming bar.
    pub reordered: u64,
    /// Trades refused as [`Refusal::Late`].
    pub late: u64,
    /// Trades refused as [`Refusal::NotPositive`].
    pub not_positive: u64,
    /// Trades refused as [`Refusal::UnknownInstrument`].
    pub unknown_instrument: u64,
    /// Empty intervals skipped between two bars (over every instrument and interval).
    pub empty_intervals: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Series {
    /// The bar being formed (valid when `forming`).
    open_bar: Bar,
    forming: bool,
    /// Ring position of the next closed bar to write, and how many are kept.
    head: usize,
    len: usize,
}

/// Bars of several intervals per instrument; see the module docs.
#[derive(Clone, Debug)]
pub struct MultiBars {
    intervals: [u64; MAX_INTERVALS],
    n_intervals: usize,
    capacity: usize,
    /// `inst × n_intervals` series.
    series: Vec<Series>,
    /// `inst × n_intervals × capacity` closed bars.
    ring: Vec<Bar>,
    /// Exchange time of the last trade added, per instrument.
    last_ts: Vec<u64>,
    stats: BarStats,
}

/// Why a [`MultiBars`] could not be built (the caller maps it to its config key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarsSetupError {
    /// No interval, or more than [`MAX_INTERVALS`].
    IntervalCount,
    /// An interval of 0 ns, not strictly increasing, or not a multiple of the first.
    IntervalOrder,
    /// `capacity` outside `1..=MAX_BARS_KEPT`.
    Capacity,
}

impl MultiBars {
    /// Bars of `intervals` (ns, strictly increasing, each a multiple of the first) for `instruments` instruments, keeping the
    /// last `capacity` closed bars of each. Allocates everything it will use.
    pub fn new(instruments: usize, intervals: &[u64], capacity: usize) -> Result<Self, BarsSetupError> {
        if intervals.is_empty() || intervals.len() > MAX_INTERVALS {
            return Err(BarsSetupError::IntervalCount);
        }
        // Multiples of the shortest: a longer interval's bar never starts after the shortest's,
        // so the shortest's forming bar decides lateness for all.
        let first = intervals[0];
        if first == 0
            || intervals.windows(2).any(|w| w[0] >= w[1])
            || intervals.iter().any(|i| i % first != 0)
        {
            return Err(BarsSetupError::IntervalOrder);
        }
        if !(1..=MAX_BARS_KEPT).contains(&capacity) {
            return Err(BarsSetupError::Capacity);
        }
        let mut iv = [0u64; MAX_INTERVALS];
        iv[..intervals.len()].copy_from_slice(intervals);
        let n = instruments * intervals.len();
        Ok(MultiBars {
            intervals: iv,
            n_intervals: intervals.len(),
            capacity,
            series: vec![Series::default(); n],
            ring: vec![Bar::default(); n * capacity],
            last_ts: vec![0; instruments],
            stats: BarStats::default(),
        })
    }

    /// The intervals, ns.
    pub fn intervals(&self) -> &[u64] {
        &self.intervals[..self.n_intervals]
    }

    /// Closed bars kept per instrument × interval.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn stats(&self) -> BarStats {
        self.stats
    }

    /// Add one trade to every interval's bar of its instrument.
    pub fn on_trade(&mut self, t: &Trade) -> Added {
        let i = t.inst.index();
        let Some(&last) = self.last_ts.get(i) else {
            self.stats.unknown_instrument += 1;
            return Added::Refused(Refusal::UnknownInstrument);
        };
        if t.px.raw() <= 0 || t.qty.raw() <= 0 {
            self.stats.not_positive += 1;
            return Added::Refused(Refusal::NotPositive);
        }
        let base = i * self.n_intervals;
        // The shortest interval's forming bar starts latest: a trade before it is late for all.
        let s0 = &self.series[base];
        if s0.forming && t.exch_ts < s0.open_bar.start {
            self.stats.late += 1;
            return Added::Refused(Refusal::Late);
        }
        if t.exch_ts < last {
            self.stats.reordered += 1;
        } else {
            self.last_ts[i] = t.exch_ts;
        }
        self.stats.trades += 1;
        let mut closed = 0u8;
        for k in 0..self.n_intervals {
            let iv = self.intervals[k];
            let start = t.exch_ts - t.exch_ts % iv;
            let s = &mut self.series[base + k];
            if !s.forming {
                s.open_bar = Bar::first(start, t);
                s.forming = true;
            } else if start <= s.open_bar.start {
                // Same bar (a reordered trade of a longer interval's forming bar lands here too).
                s.open_bar.add(t);
            } else {
                self.stats.empty_intervals += (start - s.open_bar.start) / iv - 1;
                let done = s.open_bar;
                s.open_bar = Bar::first(start, t);
                let at = (base + k) * self.capacity + s.head;
                s.head = (s.head + 1) % self.capacity;
                s.len = (s.len + 1).min(self.capacity);
                self.ring[at] = done;
                closed |= 1 << k;
            }
        }
        Added::Added { closed }
    }

    /// Closed bars kept for `inst` at interval index `k`.
    pub fn len(&self, inst: InstrumentId, k: usize) -> usize {
        self.series_of(inst, k).map_or(0, |s| s.len)
    }

    /// True when no closed bar is kept for `inst` at interval index `k`.
    pub fn is_empty(&self, inst: InstrumentId, k: usize) -> bool {
        self.len(inst, k) == 0
    }

    /// The closed bar `back` bars before the newest (`0` = the newest) of `inst` at interval
    /// index `k`, while kept.
    pub fn closed(&self, inst: InstrumentId, k: usize, back: usize) -> Option<&Bar> {
        let s = self.series_of(inst, k)?;
        if back >= s.len {
            return None;
        }
        let pos = (s.head + self.capacity - 1 - back) % self.capacity;
        self.ring.get((inst.index() * self.n_intervals + k) * self.capacity + pos)
    }

    /// The bar being formed for `inst` at interval index `k`.
    pub fn forming(&self, inst: InstrumentId, k: usize) -> Option<&Bar> {
        self.series_of(inst, k).filter(|s| s.forming).map(|s| &s.open_bar)
    }

    fn series_of(&self, inst: InstrumentId, k: usize) -> Option<&Series> {
        if k >= self.n_intervals {
            return None;
        }
        self.series.get(inst.index().checked_mul(self.n_intervals)?.checked_add(k)?)
    }
}

#[cfg(test)]
#[path = "bars_tests.rs"]
mod tests;
