//! The instrument table: dense ids, interned at start from the venue's rules (Binance
//! `exchangeInfo`: tick size, lot size, min notional). Built once; hot code indexes it by
//! [`InstrumentId`] and never touches a symbol string.

use crate::{notional, InstrumentId, Money, Price, Qty};
use thiserror::Error;

/// One tradable instrument and its grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instrument {
    pub id: InstrumentId,
    /// Venue symbol, upper case (`BTCUSDT`).
    pub symbol: String,
    pub base: String,
    pub quote: String,
    /// Price grid (`PRICE_FILTER.tickSize`).
    pub tick: Price,
    /// Quantity grid (`LOT_SIZE.stepSize`).
    pub lot: Qty,
    /// Smallest order quantity (`LOT_SIZE.minQty`).
    pub min_qty: Qty,
    /// Smallest order notional (`MIN_NOTIONAL.minNotional` or `NOTIONAL.minNotional`).
    pub min_notional: Money,
}

impl Instrument {
    /// True when `px` lies on the tick grid and is positive.
    #[inline]
    pub fn price_on_grid(&self, px: Price) -> bool {
        px.raw() > 0 && (self.tick.raw() <= 0 || px.raw() % self.tick.raw() == 0)
    }
    /// True when `qty` lies on the lot grid and is at least the minimum quantity.
    #[inline]
    pub fn qty_valid(&self, qty: Qty) -> bool {
        qty.raw() > 0 && qty >= self.min_qty && (self.lot.raw() <= 0 || qty.raw() % self.lot.raw() == 0)
    }
    /// True when the order passes the grid and minimum checks (`px` is used for notional).
    #[inline]
    pub fn order_valid(&self, px: Price, qty: Qty) -> bool {
        self.price_on_grid(px) && self.qty_valid(qty) && notional(px, qty) >= self.min_notional
    }
    /// Round `qty` down onto the lot grid.
    #[inline]
    pub fn round_qty_down(&self, qty: Qty) -> Qty {
        if self.lot.raw() <= 0 {
            return qty;
        }
        Qty(qty.raw() - qty.raw().rem_euclid(self.lot.raw()))
    }
    /// Round `px` down (bids) or up (asks) onto the tick grid.
    #[inline]
    pub fn round_px(&self, px: Price, up: bool) -> Price {
        let t = self.tick.raw();
        if t <= 0 {
            return px;
        }
        let r = px.raw().rem_euclid(t);
        if r == 0 {
            px
        } else if up {
            Price(px.raw() - r + t)
        } else {
            Price(px.raw() - r)
        }
    }
}

/// Why the table could not be built or an instrument not found.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum InstrumentError {
    #[error("unknown instrument symbol `{0}`")]
    UnknownSymbol(String),
    #[error("instrument `{0}` listed twice")]
    Duplicate(String),
    #[error("instrument `{symbol}`: {problem}")]
    Invalid { symbol: String, problem: String },
    #[error("too many instruments (at most {max})")]
    TooMany { max: usize },
}

/// All instruments of a run, indexed by dense id.
#[derive(Clone, Debug, Default)]
pub struct InstrumentTable {
    rows: Vec<Instrument>,
}

impl InstrumentTable {
    /// Most instruments one run interns (ids are dense `u32`, tables sized to this).
    pub const MAX: usize = 65_536;

    pub fn new() -> Self {
        Self::default()
    }

    /// Add an instrument, assigning the next dense id (the `id` field is overwritten).
    pub fn add(&mut self, mut inst: Instrument) -> Result<InstrumentId, InstrumentError> {
        if self.rows.len() >= Self::MAX {
            return Err(InstrumentError::TooMany { max: Self::MAX });
        }
        inst.symbol.make_ascii_uppercase();
        if self.by_symbol(&inst.symbol).is_some() {
            return Err(InstrumentError::Duplicate(inst.symbol));
        }
        let bad = |p: &str| InstrumentError::Invalid { symbol: inst.symbol.clone(), problem: p.into() };
        if inst.tick.raw() <= 0 {
            return Err(bad("tick size must be positive"));
        }
        if inst.lot.raw() <= 0 {
            return Err(bad("lot size must be positive"));
        }
        if inst.min_qty.raw() < 0 || inst.min_notional.raw() < 0 {
            return Err(bad("minimums must not be negative"));
        }
        let id = InstrumentId(self.rows.len() as u32);
        inst.id = id;
        self.rows.push(inst);
        Ok(id)
    }

    #[inline(always)]
    pub fn get(&self, id: InstrumentId) -> Option<&Instrument> {
        self.rows.get(id.index())
    }

    /// Look up by symbol, case-insensitively (start-up and edges only).
    pub fn by_symbol(&self, symbol: &str) -> Option<&Instrument> {
        self.rows.iter().find(|r| r.symbol.eq_ignore_ascii_case(symbol))
    }

    /// Look up by symbol or fail with an error that names it.
    pub fn id_of(&self, symbol: &str) -> Result<InstrumentId, InstrumentError> {
        self.by_symbol(symbol).map(|r| r.id).ok_or_else(|| InstrumentError::UnknownSymbol(symbol.into()))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Instrument> {
        self.rows.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn btc() -> Instrument {
        Instrument {
            id: InstrumentId(99),
            symbol: "btcusdt".into(),
            base: "BTC".into(),
            quote: "USDT".into(),
            tick: Price::parse(b"0.01").unwrap(),
            lot: Qty::parse(b"0.00001").unwrap(),
            min_qty: Qty::parse(b"0.00001").unwrap(),
            min_notional: Money::from_units(10),
        }
    }

    #[test]
    fn interns_dense_ids_and_checks_grid() {
        let mut t = InstrumentTable::new();
        let id = t.add(btc()).unwrap();
        assert_eq!(id, InstrumentId(0));
        assert_eq!(t.id_of("BTCUSDT").unwrap(), id);
        assert_eq!(t.add(btc()), Err(InstrumentError::Duplicate("BTCUSDT".into())));
        assert!(matches!(t.id_of("XYZ"), Err(InstrumentError::UnknownSymbol(_))));
        let i = t.get(id).unwrap();
        assert!(i.order_valid(Price::parse(b"61837.63").unwrap(), Qty::parse(b"0.001").unwrap()));
        assert!(!i.price_on_grid(Price::parse(b"61837.635").unwrap()));
        assert!(!i.qty_valid(Qty::parse(b"0.000015").unwrap()));
        // 0.0001 BTC at 61837 is 6.18 USDT < 10 USDT min notional.
        assert!(!i.order_valid(Price::parse(b"61837.63").unwrap(), Qty::parse(b"0.0001").unwrap()));
        assert_eq!(i.round_px(Price::parse(b"1.005").unwrap(), true), Price::parse(b"1.01").unwrap());
        assert_eq!(i.round_qty_down(Qty::parse(b"0.000019").unwrap()), Qty::parse(b"0.00001").unwrap());
    }
}
