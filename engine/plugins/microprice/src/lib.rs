//! `microprice`: a passive market maker's view expressed as a signal. Its fair price is the
//! size-weighted micro-price of the top of book, `(bid·ask_qty + ask·bid_qty) / (bid_qty +
//! ask_qty)`, moved against the host's inventory by `skew_bps` of the mid at `max_position` (in
//! proportion below it). The score is how far the fair price sits from the mid in half-spreads:
//! `10 000 · (fair − mid) / half_spread`, clamped to ±10 000: the fair price at the ask is a full
//! buy, at the bid a full sell. A signal is returned only when the score moved by at least
//! `min_change_bps` since the instrument's last one.
//!
//! Parameters (strings in `[[strategy.plugins]] params`): `skew_bps` (decimal, default `"1"`),
//! `max_position` (decimal quantity, default `"0.01"`), `min_change_bps` (integer, default 500).
//! Quotes use the quote itself; depth updates the book's best levels from the view.
#![forbid(unsafe_code)]

use alphapulse_sdk::{export_strategy, signal, Depth, MarketView, Quote, Setup, Signal, Strategy};

/// The strategy; see the crate docs.
pub struct MicroPrice {
    /// Inventory skew at `max_position`, bps of the mid at 1e-8 (`"1"` → 100 000 000).
    skew_bps: i64,
    max_position: i64,
    min_change_bps: i32,
    /// Last score sent per instrument (`None`: none yet).
    last: Vec<Option<i32>>,
}

impl MicroPrice {
    /// The score of a top of book for an inventory of `position` (`None` unless two-sided).
    pub fn score(&self, bid: i64, bid_qty: i64, ask: i64, ask_qty: i64, position: i64) -> Option<i32> {
        if bid <= 0 || ask <= bid || bid_qty <= 0 || ask_qty <= 0 {
            return None;
        }
        let (b, a, bq, aq) = (bid as i128, ask as i128, bid_qty as i128, ask_qty as i128);
        // Twice the micro-price and twice the mid, so that a half-tick stays exact.
        let micro2 = 2 * (b * aq + a * bq) / (bq + aq);
        let mid2 = a + b;
        let pos = (position as i128).clamp(-(self.max_position as i128), self.max_position as i128);
        // skew (×2) = mid · skew_bps / 1e4 / 1e8 · pos / max_position.
        let skew2 = mid2 * self.skew_bps as i128 * pos / (10_000 * 100_000_000 * self.max_position as i128);
        let fair2 = micro2 - skew2;
        let half_spread2 = a - b;
        let score = 10_000 * (fair2 - mid2) / half_spread2;
        Some(score.clamp(-10_000, 10_000) as i32)
    }

    fn emit(&mut self, inst: u32, score: i32, ts: u64) -> Option<Signal> {
        let last = self.last.get_mut(inst as usize)?;
        if last.is_some_and(|l| (score - l).abs() < self.min_change_bps) {
            return None;
        }
        *last = Some(score);
        Some(signal(inst, score as i64, ts))
    }
}

impl Strategy for MicroPrice {
    const NAME: &'static str = "microprice";

    fn new(setup: &Setup<'_>) -> Result<Self, String> {
        setup.only(&["skew_bps", "max_position", "min_change_bps"])?;
        let skew_bps = setup.fixed("skew_bps", 100_000_000)?;
        let max_position = setup.fixed("max_position", 1_000_000)?;
        let min_change_bps = setup.parse("min_change_bps", 500i32)?;
        if skew_bps < 0 {
            return Err(format!("parameter `skew_bps`: {skew_bps} must not be negative"));
        }
        if max_position <= 0 {
            return Err("parameter `max_position`: must be positive".into());
        }
        if !(0..=20_000).contains(&min_change_bps) {
            return Err(format!("parameter `min_change_bps`: {min_change_bps} is outside 0..=20000"));
        }
        Ok(MicroPrice { skew_bps, max_position, min_change_bps, last: vec![None; setup.instruments.len()] })
    }

    fn on_quote(&mut self, q: &Quote, view: &dyn MarketView) -> Option<Signal> {
        let s = self.score(q.bid_px, q.bid_qty, q.ask_px, q.ask_qty, view.position(q.inst))?;
        self.emit(q.inst, s, q.local_ts)
    }

    fn on_depth(&mut self, d: &Depth<'_>, view: &dyn MarketView) -> Option<Signal> {
        let inst = d.header.inst;
        let (b, a) = (view.best_bid(inst)?, view.best_ask(inst)?);
        let s = self.score(b.px, b.qty, a.px, a.qty, view.position(inst))?;
        self.emit(inst, s, d.header.local_ts)
    }

    fn set_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        let bad = || format!("parameter `{key}`: cannot read `{value}`");
        match key {
            "skew_bps" => {
                self.skew_bps = alphapulse_sdk::parse_fixed(value).filter(|v| *v >= 0).ok_or_else(bad)?
            }
            "min_change_bps" => {
                self.min_change_bps =
                    value.parse().ok().filter(|v| (0..=20_000).contains(v)).ok_or_else(bad)?
            }
            _ => return Err(format!("microprice: no settable parameter `{key}` (skew_bps, min_change_bps)")),
        }
        Ok(())
    }
}

export_strategy!(MicroPrice);

#[cfg(test)]
mod tests;
