//! Microstructure features from the L2 book and the trade tape, per instrument, into a
//! preallocated `f32` slice (the model's input), in the order the config lists them.
//!
//! Names (N is a whole number in the name):
//!
//! | name | value |
//! |---|---|
//! | `imbalance_N` | `(Σbid − Σask) / (Σbid + Σask)` over the best N levels of each side, in −1..1 |
//! | `spread_bps` | `(ask − bid) / mid × 10 000` at the top of the book |
//! | `microprice_bps` | `(micro − mid) / mid × 10 000`, `micro = (bid·ask_qty + ask·bid_qty) / (bid_qty + ask_qty)` |
//! | `return_N` | `(mid − mid N book updates ago) / mid N updates ago × 10 000` (0 until N updates seen) |
//! | `trade_flow_N` | `(taker buy qty − taker sell qty) / (their sum)` over the instrument's last N trades, in −1..1 (0 before any) |
//!
//! Sums and differences are exact integer arithmetic on the fixed-point raw values (i128); only
//! the final ratio is a float (`f64` division, stored as `f32`). Histories are rings allocated
//! at construction: nothing allocates per update.

use crate::MlError;
use alphapulse_book::Book;
use alphapulse_types::{InstrumentId, Side, Trade};

/// Largest N accepted in a feature name.
pub const MAX_N: u32 = 100_000;

/// One feature (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Imbalance(u32),
    SpreadBps,
    MicropriceBps,
    Return(u32),
    TradeFlow(u32),
}

impl Feature {
    /// The feature called `name`; the error says which names exist.
    pub fn parse(name: &str) -> Result<Feature, MlError> {
        let bad = || {
            MlError::config(
                "features",
                format!(
                    "unknown feature `{name}` (known: imbalance_N, spread_bps, microprice_bps, return_N, trade_flow_N; N in 1..={MAX_N})"
                ),
            )
        };
        let n = |rest: &str| match rest.parse::<u32>() {
            Ok(n) if (1..=MAX_N).contains(&n) => Ok(n),
            _ => Err(bad()),
        };
        match name {
            "spread_bps" => Ok(Feature::SpreadBps),
            "microprice_bps" => Ok(Feature::MicropriceBps),
            _ => {
                if let Some(r) = name.strip_prefix("imbalance_") {
                    Ok(Feature::Imbalance(n(r)?))
                } else if let Some(r) = name.strip_prefix("return_") {
                    Ok(Feature::Return(n(r)?))
                } else if let Some(r) = name.strip_prefix("trade_flow_") {
                    Ok(Feature::TradeFlow(n(r)?))
                } else {
                    Err(bad())
                }
            }
        }
    }
}

/// A ring of the last `cap` values (oldest overwritten).
#[derive(Clone, Debug)]
struct Ring {
    buf: Vec<i64>,
    head: usize,
    len: usize,
}

impl Ring {
    fn new(cap: usize) -> Self {
        Ring { buf: vec![0; cap.max(1)], head: 0, len: 0 }
    }
    /// Push `v`; returns the value it overwrote once full.
    #[inline]
    fn push(&mut self, v: i64) -> Option<i64> {
        let cap = self.buf.len();
        let old = (self.len == cap).then(|| self.buf[self.head]);
        self.buf[self.head] = v;
        self.head = (self.head + 1) % cap;
        self.len = (self.len + 1).min(cap);
        old
    }
    /// The value pushed `back` pushes before the last one (0 = the last).
    #[inline]
    fn back(&self, back: usize) -> Option<i64> {
        if back >= self.len {
            return None;
        }
        let cap = self.buf.len();
        Some(self.buf[(self.head + cap - 1 - back) % cap])
    }
}

/// One instrument's histories.
#[derive(Clone, Debug)]
struct Histories {
    /// Mid (raw) after each book update.
    mids: Ring,
    /// Signed taker quantity (raw; + buy, − sell) of each trade.
    trades: Ring,
    /// For each `trade_flow_N`: (buy, sell) sums over the last N trades.
    flows: Vec<(i128, i128)>,
}

/// The features of one config for every instrument; see the module docs.
#[derive(Clone, Debug)]
pub struct FeatureSet {
    features: Vec<Feature>,
    /// The N of each `trade_flow_N`, in the order of `Histories::flows`.
    windows: Vec<u32>,
    insts: Vec<Histories>,
}

impl FeatureSet {
    /// The features called `names`, for `instruments` instruments.
    pub fn new(names: &[String], instruments: usize) -> Result<Self, MlError> {
        let features = names.iter().map(|n| Feature::parse(n)).collect::<Result<Vec<_>, _>>()?;
        let horizon =
            features.iter().filter_map(|f| if let Feature::Return(n) = f { Some(*n) } else { None }).max();
        let mut windows: Vec<u32> = features
            .iter()
            .filter_map(|f| if let Feature::TradeFlow(n) = f { Some(*n) } else { None })
            .collect();
        windows.sort_unstable();
        windows.dedup();
        let longest = windows.last().copied().unwrap_or(0) as usize;
        let h = Histories {
            mids: Ring::new(horizon.map_or(1, |n| n as usize + 1)),
            trades: Ring::new(longest + 1),
            flows: vec![(0, 0); windows.len()],
        };
        Ok(FeatureSet { features, windows, insts: vec![h; instruments] })
    }

    /// Number of features (the model input's size).
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The features, in order.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// Record a public trade (for `trade_flow_N`); trades of unknown instruments are ignored.
    pub fn on_trade(&mut self, t: &Trade) {
        let Some(h) = self.insts.get_mut(t.inst.index()) else { return };
        let signed = match t.aggressor {
            Side::Buy => t.qty.raw(),
            Side::Sell => -t.qty.raw(),
        };
        h.trades.push(signed);
        for (i, &n) in self.windows.iter().enumerate() {
            let (buy, sell) = &mut h.flows[i];
            add(buy, sell, signed, 1);
            // The trade that left this window: pushed n trades before the new one.
            if let Some(gone) = h.trades.back(n as usize) {
                add(buy, sell, gone, -1);
            }
        }
    }

    /// The book of `inst` changed: record its mid and write every feature into `out` (its length
    /// must be [`FeatureSet::len`]). False (and `out` untouched) when the book has no two sides.
    pub fn on_book(&mut self, inst: InstrumentId, book: &Book, out: &mut [f32]) -> bool {
        let (Some((bid, bid_q)), Some((ask, ask_q))) = (book.best_bid(), book.best_ask()) else {
            return false;
        };
        let Some(h) = self.insts.get_mut(inst.index()) else { return false };
        let (bid, ask) = (bid.raw() as i128, ask.raw() as i128);
        // Twice the mid, exact.
        let mid2 = bid + ask;
        if mid2 <= 0 {
            return false;
        }
        h.mids.push((mid2 / 2) as i64);
        for (slot, f) in out.iter_mut().zip(&self.features) {
            *slot = match *f {
                Feature::Imbalance(n) => {
                    let b = book.depth_qty(Side::Buy, n as usize).raw() as i128;
                    let a = book.depth_qty(Side::Sell, n as usize).raw() as i128;
                    ratio(b - a, b + a)
                }
                Feature::SpreadBps => ratio((ask - bid) * 20_000, mid2),
                Feature::MicropriceBps => {
                    let (bq, aq) = (bid_q.raw() as i128, ask_q.raw() as i128);
                    // micro − mid = (bid·aq + ask·bq)/(bq + aq) − (bid + ask)/2
                    //             = (ask − bid)(bq − aq) / (2 (bq + aq)); over mid = mid2/2.
                    if bq + aq == 0 {
                        0.0
                    } else {
                        ((ask - bid) as f64 * (bq - aq) as f64 * 10_000.0 / ((bq + aq) as f64 * mid2 as f64))
                            as f32
                    }
                }
                Feature::Return(n) => match (h.mids.back(0), h.mids.back(n as usize)) {
                    (Some(now), Some(then)) if then > 0 => {
                        ratio((now as i128 - then as i128) * 10_000, then as i128)
                    }
                    _ => 0.0,
                },
                Feature::TradeFlow(n) => {
                    let i = self.windows.binary_search(&n).unwrap_or(0);
                    let (buy, sell) = h.flows.get(i).copied().unwrap_or((0, 0));
                    ratio(buy - sell, buy + sell)
                }
            };
        }
        true
    }
}

#[inline]
fn add(buy: &mut i128, sell: &mut i128, signed: i64, sign: i128) {
    if signed >= 0 {
        *buy += sign * signed as i128;
    } else {
        *sell += sign * -(signed as i128);
    }
}

/// `num / den` as f32; 0 when `den` is 0.
#[inline]
fn ratio(num: i128, den: i128) -> f32 {
    if den == 0 {
        0.0
    } else {
        (num as f64 / den as f64) as f32
    }
}
