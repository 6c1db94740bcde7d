//! [`ImbalanceAgent`]: order-book imbalance over the best `levels` levels.
//!
//! `imbalance = (bid_qty − ask_qty) / (bid_qty + ask_qty)` in basis points, where the quantities
//! are summed over the best `levels` levels of each side. When `|imbalance| ≥ threshold_bps` the
//! agent emits a signal whose score is the imbalance itself (more bids than asks → buy).
//!
//! Source: the host's L2 book, evaluated once per depth update (`on_book`). While the book is
//! unusable (no depth feed, a gap, one-sided or crossed) it falls back to the top level of each
//! quote (`on_quote`). Quotes are ignored while the book is usable.

use crate::view::two_sided;
use crate::{MarketView, Signal, Strategy, StrategyError};
use alphapulse_types::{InstrumentId, Qty, Quote, Side};

/// Configuration of [`ImbalanceAgent`] (`[strategy.imbalance]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImbalanceConfig {
    /// Build this agent (`false` switches it off without removing its table).
    pub enabled: bool,
    /// Number of best levels per side summed (1 = top of book).
    pub levels: usize,
    /// Minimum |imbalance| in basis points (0..=10 000) for a signal.
    pub threshold_bps: u32,
}

impl Default for ImbalanceConfig {
    fn default() -> Self {
        ImbalanceConfig { enabled: true, levels: 5, threshold_bps: 6_000 }
    }
}

impl ImbalanceConfig {
    /// Check every key; errors name the key (under `imbalance.`).
    pub fn validate(&self) -> Result<(), StrategyError> {
        if !(1..=1000).contains(&self.levels) {
            return Err(StrategyError::config("imbalance.levels", "must be in 1..=1000"));
        }
        if self.threshold_bps > 10_000 {
            return Err(StrategyError::config("imbalance.threshold_bps", "must be at most 10000"));
        }
        Ok(())
    }
}

/// `(bid − ask) / (bid + ask)` in basis points, rounded toward zero; `None` when both are zero
/// or either is negative.
#[inline]
pub fn imbalance_bps(bid: Qty, ask: Qty) -> Option<i32> {
    let (b, a) = (bid.raw() as i128, ask.raw() as i128);
    if b < 0 || a < 0 || b + a == 0 {
        return None;
    }
    Some(((b - a) * 10_000 / (b + a)) as i32)
}

/// Order-book imbalance agent; see the module docs.
#[derive(Clone, Debug)]
pub struct ImbalanceAgent {
    cfg: ImbalanceConfig,
    from_book: u64,
    from_quote: u64,
}

impl ImbalanceAgent {
    /// Stable name (key of its aggregator weight).
    pub const NAME: &'static str = "imbalance";

    pub fn new(cfg: &ImbalanceConfig) -> Result<Self, StrategyError> {
        cfg.validate()?;
        Ok(ImbalanceAgent { cfg: cfg.clone(), from_book: 0, from_quote: 0 })
    }

    /// Signals computed from the L2 book and from the quote fallback.
    pub fn sources(&self) -> (u64, u64) {
        (self.from_book, self.from_quote)
    }

    #[inline]
    fn signal(&self, inst: InstrumentId, bid: Qty, ask: Qty, ts: u64) -> Option<Signal> {
        let imb = imbalance_bps(bid, ask)?;
        (imb.unsigned_abs() >= self.cfg.threshold_bps).then(|| Signal::new(inst, imb as i64, ts))
    }
}

impl Strategy for ImbalanceAgent {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn on_quote(&mut self, q: &Quote, view: &MarketView) -> Option<Signal> {
        if view.book(q.inst).is_some() || !two_sided(q) {
            return None;
        }
        let s = self.signal(q.inst, q.bid_qty, q.ask_qty, q.local_ts)?;
        self.from_quote += 1;
        Some(s)
    }

    fn on_book(&mut self, inst: InstrumentId, view: &MarketView) -> Option<Signal> {
        let book = view.book(inst)?;
        let n = self.cfg.levels;
        let ts = view.book_ts(inst);
        let s = self.signal(inst, book.depth_qty(Side::Buy, n), book.depth_qty(Side::Sell, n), ts)?;
        self.from_book += 1;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MarketState;
    use alphapulse_types::{Depth, Price, PxQty};

    #[test]
    fn imbalance_math() {
        let q = Qty::from_units;
        assert_eq!(imbalance_bps(q(3), q(1)), Some(5_000));
        assert_eq!(imbalance_bps(q(1), q(3)), Some(-5_000));
        assert_eq!(imbalance_bps(q(1), q(0)), Some(10_000));
        assert_eq!(imbalance_bps(q(0), q(0)), None);
        assert_eq!(imbalance_bps(Qty::from_raw(2), Qty::from_raw(1)), Some(3_333));
        assert_eq!(imbalance_bps(Qty::MAX, Qty::MAX), Some(0), "no overflow");
    }

    #[test]
    fn uses_book_levels_and_falls_back_to_quote() {
        let mut state = MarketState::new(1, 10);
        let inst = InstrumentId(0);
        let mut a =
            ImbalanceAgent::new(&ImbalanceConfig { levels: 2, threshold_bps: 4_000, ..Default::default() })
                .unwrap();
        let quote = Quote {
            inst,
            bid_px: Price::from_units(100),
            bid_qty: Qty::from_units(1),
            ask_px: Price::from_units(101),
            ask_qty: Qty::from_units(4),
            local_ts: 5,
            ..Default::default()
        };
        state.apply_quote(&quote);
        // No book: top level of the quote, (1 − 4) / 5 = −6000 bps.
        assert_eq!(a.on_quote(&quote, &state.view(None)).unwrap().score, -6_000);
        assert_eq!(a.on_book(inst, &state.view(None)), None);
        let pq = |px, qty| PxQty::new(Price::from_units(px), Qty::from_units(qty));
        let d = Depth { inst, local_ts: 5, ..Default::default() };
        assert!(state.apply_depth(&d, &[pq(100, 5), pq(99, 4), pq(98, 100)], &[pq(101, 1), pq(102, 2)]));
        // Book usable: quote ignored; best 2 levels: (9 − 3) / 12 = 5000 bps.
        assert_eq!(a.on_quote(&quote, &state.view(None)), None);
        let s = a.on_book(inst, &state.view(None)).unwrap();
        assert_eq!((s.score, s.ts), (5_000, 5));
        // Below threshold: (5+4 − 8) / 17 ≈ 588 bps → no signal.
        assert!(state.apply_depth(&d, &[], &[pq(102, 7)]));
        assert_eq!(a.on_book(inst, &state.view(None)), None);
        assert_eq!(a.sources(), (1, 1));
    }

    #[test]
    fn validate_names_keys() {
        assert!(ImbalanceConfig::default().validate().is_ok());
        let e = ImbalanceConfig { levels: 0, ..Default::default() }.validate().unwrap_err();
        assert!(e.to_string().contains("imbalance.levels"));
        let e = ImbalanceConfig { threshold_bps: 10_001, ..Default::default() }.validate().unwrap_err();
        assert!(e.to_string().contains("imbalance.threshold_bps"));
    }
}
