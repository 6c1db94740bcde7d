//! [`Portfolio`]: cash, positions and PnL from fills, marked to the mid of the latest quote.
//!
//! One quote currency per run: cash, fees and PnL are all in it (fees arrive in quote currency on
//! `ExecReport::fee`). Accumulators are exact `i128` counts of 1e-16 quote units ("wide"): a
//! `price × qty` product is exact there, so the identities
//! `equity = cash + Σ position × mark` and
//! `realized + unrealized − fees = equity − initial cash`
//! hold to the last unit, not just up to rounding. Accessors return [`Money`] (1e-8, truncated
//! toward zero); [`Portfolio::exact`] returns the wide values.
//!
//! Average-cost method: each position carries its cost (Σ signed price × qty of the open part).
//! A reduction releases `cost × closed / |position|` (truncated) and realizes
//! `proceeds − released cost`; a flip closes the whole position (releasing all of its cost) and
//! opens the rest at the fill price. `unrealized = Σ position × mark − Σ cost`.
//!
//! Marks: the mid of the latest two-sided quote. `Σ position × mark` is kept incrementally, so a
//! quote costs O(1) including the drawdown update. A fill in an instrument with no mark yet takes
//! the fill price as its mark. Peak equity and max drawdown are updated on every fill and mark.

use alphapulse_types::{InstrumentId, Money, Price, Qty, Side, SCALE};

/// Wide (1e-16) units per Money unit (1e-8).
const W: i128 = SCALE as i128;

#[derive(Clone, Copy, Debug, Default)]
struct Pos {
    qty: i64,
    /// Signed cost of the open position, wide.
    cost: i128,
    mark: i64,
    has_mark: bool,
    /// PnL realized in this instrument, wide.
    realized: i128,
}

/// The exact (1e-16 quote unit) values behind the [`Money`] accessors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExactBook {
    pub initial_cash: i128,
    pub cash: i128,
    pub realized: i128,
    pub unrealized: i128,
    pub fees: i128,
    pub equity: i128,
    pub peak_equity: i128,
    pub max_drawdown: i128,
    /// Σ position × mark.
    pub market_value: i128,
}

/// Positions, cash and PnL. Allocated once for a fixed number of instruments.
#[derive(Clone, Debug)]
pub struct Portfolio {
    pos: Vec<Pos>,
    initial: i128,
    cash: i128,
    realized: i128,
    fees: i128,
    /// Σ position × mark, kept incrementally.
    mtm: i128,
    /// Σ cost, kept incrementally.
    cost: i128,
    peak: i128,
    max_dd: i128,
    fills: u64,
    volume: i128,
    traded: i128,
    unknown_instrument: u64,
}

#[inline(always)]
fn to_money(w: i128) -> Money {
    Money((w / W).clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

impl Portfolio {
    /// Flat book with `initial_cash` for `n_instruments` dense instrument ids.
    pub fn new(initial_cash: Money, n_instruments: usize) -> Self {
        let initial = initial_cash.raw() as i128 * W;
        Portfolio {
            pos: vec![Pos::default(); n_instruments],
            initial,
            cash: initial,
            realized: 0,
            fees: 0,
            mtm: 0,
            cost: 0,
            peak: initial,
            max_dd: 0,
            fills: 0,
            volume: 0,
            traded: 0,
            unknown_instrument: 0,
        }
    }

    #[inline(always)]
    fn track_drawdown(&mut self) {
        let eq = self.cash + self.mtm;
        if eq > self.peak {
            self.peak = eq;
        }
        let dd = self.peak - eq;
        if dd > self.max_dd {
            self.max_dd = dd;
        }
    }

    /// New mark for `inst` (O(1)). Non-positive prices and unknown instruments are ignored.
    #[inline]
    pub fn on_mark(&mut self, inst: InstrumentId, mark: Price) {
        let Some(p) = self.pos.get_mut(inst.index()) else { return };
        if mark.raw() <= 0 || (p.has_mark && p.mark == mark.raw()) {
            return;
        }
        self.mtm += p.qty as i128 * (mark.raw() as i128 - p.mark as i128);
        p.mark = mark.raw();
        p.has_mark = true;
        self.track_drawdown();
    }

    /// Apply a fill. Returns false (and counts) for an unknown instrument or a non-positive
    /// quantity or price; nothing changes then.
    pub fn on_fill(&mut self, inst: InstrumentId, side: Side, px: Price, qty: Qty, fee: Money) -> bool {
        let Some(p) = self.pos.get_mut(inst.index()) else {
            self.unknown_instrument += 1;
            return false;
        };
        if qty.raw() <= 0 || px.raw() <= 0 {
            return false;
        }
        if !p.has_mark {
            // p.qty is 0 here: positions only come from fills, and the first fill sets the mark.
            p.mark = px.raw();
            p.has_mark = true;
        }
        let px_w = px.raw() as i128;
        let q = side.sign() as i128 * qty.raw() as i128;
        let old_qty = p.qty as i128;
        let old_cost = p.cost;
        let mut open = q;
        if old_qty != 0 && (old_qty > 0) != (q > 0) {
            // Reduce (and maybe flip): close min(|q|, |pos|) against the average cost.
            let close_abs = q.abs().min(old_qty.abs());
            let close = close_abs * q.signum();
            let released = old_cost * close_abs / old_qty.abs();
            let realized = -px_w * close - released;
            self.realized += realized;
            p.realized += realized;
            p.cost -= released;
            open = q - close;
            self.cash -= px_w * close;
            p.qty += close as i64;
        }
        if open != 0 {
            p.cost += px_w * open;
            self.cash -= px_w * open;
            p.qty += open as i64;
        }
        self.cost += p.cost - old_cost;
        self.mtm += q * p.mark as i128;
        let fee_w = fee.raw() as i128 * W;
        self.cash -= fee_w;
        self.fees += fee_w;
        self.fills += 1;
        self.volume += qty.raw() as i128;
        self.traded += px_w * qty.raw() as i128;
        self.track_drawdown();
        true
    }

    /// Signed position in `inst` (0 for unknown ids).
    #[inline(always)]
    pub fn position(&self, inst: InstrumentId) -> Qty {
        Qty(self.pos.get(inst.index()).map_or(0, |p| p.qty))
    }
    /// Average entry price of the open position (0 when flat), truncated toward zero.
    pub fn avg_price(&self, inst: InstrumentId) -> Price {
        match self.pos.get(inst.index()) {
            Some(p) if p.qty != 0 => Price((p.cost / p.qty as i128) as i64),
            _ => Price::ZERO,
        }
    }
    /// PnL realized in one instrument (fees not included); these sum to [`Portfolio::realized_pnl`]
    /// exactly in wide units.
    pub fn realized_of(&self, inst: InstrumentId) -> Money {
        self.pos.get(inst.index()).map_or(Money::ZERO, |p| to_money(p.realized))
    }
    /// The instrument's mark, once it has one.
    pub fn mark(&self, inst: InstrumentId) -> Option<Price> {
        self.pos.get(inst.index()).filter(|p| p.has_mark).map(|p| Price(p.mark))
    }
    /// Unrealized PnL of one instrument: `position × (mark − average price)`, exactly.
    pub fn unrealized_of(&self, inst: InstrumentId) -> Money {
        self.pos.get(inst.index()).map_or(Money::ZERO, |p| to_money(p.qty as i128 * p.mark as i128 - p.cost))
    }
    pub fn n_instruments(&self) -> usize {
        self.pos.len()
    }
    pub fn initial_cash(&self) -> Money {
        to_money(self.initial)
    }
    pub fn cash(&self) -> Money {
        to_money(self.cash)
    }
    pub fn realized_pnl(&self) -> Money {
        to_money(self.realized)
    }
    pub fn unrealized_pnl(&self) -> Money {
        to_money(self.mtm - self.cost)
    }
    /// Fees paid (rebates are negative fees).
    pub fn fees(&self) -> Money {
        to_money(self.fees)
    }
    /// `cash + Σ position × mark`.
    pub fn equity(&self) -> Money {
        to_money(self.cash + self.mtm)
    }
    pub fn peak_equity(&self) -> Money {
        to_money(self.peak)
    }
    /// Largest fall from a running peak of equity, over every fill and mark so far.
    pub fn max_drawdown(&self) -> Money {
        to_money(self.max_dd)
    }
    pub fn fill_count(&self) -> u64 {
        self.fills
    }
    /// Σ |fill qty| over all instruments (saturating).
    pub fn volume(&self) -> Qty {
        Qty(self.volume.min(i64::MAX as i128) as i64)
    }
    /// Σ fill price × qty (saturating, truncated).
    pub fn traded_notional(&self) -> Money {
        to_money(self.traded)
    }
    /// Fills refused for an unknown instrument id.
    pub fn unknown_instrument_fills(&self) -> u64 {
        self.unknown_instrument
    }
    /// The exact values behind the accessors.
    pub fn exact(&self) -> ExactBook {
        ExactBook {
            initial_cash: self.initial,
            cash: self.cash,
            realized: self.realized,
            unrealized: self.mtm - self.cost,
            fees: self.fees,
            equity: self.cash + self.mtm,
            peak_equity: self.peak,
            max_drawdown: self.max_dd,
            market_value: self.mtm,
        }
    }
}
