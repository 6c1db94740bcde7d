//! What a strategy author writes: the [`Strategy`] trait, the [`Setup`] it is made from, the
//! read-only [`MarketView`] it reads and the [`Depth`] update it sees.

use crate::abi::{DepthHeader, Fill, Level, Quote, Signal, Trade, BUY, SELL};

/// Largest magnitude of [`Signal::score`].
pub const MAX_SCORE: i32 = 10_000;

/// A book side, for [`MarketView::level`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Side {
    Buy = BUY,
    Sell = SELL,
}

/// What a strategy is made from: its parameters (key/value strings from the config, in the
/// config's order) and the instrument symbols, indexed by dense instrument id.
#[derive(Clone, Copy, Debug)]
pub struct Setup<'a> {
    pub params: &'a [(&'a str, &'a str)],
    pub instruments: &'a [&'a str],
}

impl<'a> Setup<'a> {
    /// The value of parameter `key`.
    pub fn param(&self, key: &str) -> Option<&'a str> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// Parameter `key` parsed as `T`, or `default` when absent; the error names the key and value.
    pub fn parse<T: core::str::FromStr>(&self, key: &str, default: T) -> Result<T, String> {
        match self.param(key) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| format!("parameter `{key}`: cannot read `{v}`")),
        }
    }

    /// Parameter `key` as a decimal at 1e-8 (`"0.001"` → 100 000), or `default` (raw) when absent.
    pub fn fixed(&self, key: &str, default: i64) -> Result<i64, String> {
        match self.param(key) {
            None => Ok(default),
            Some(v) => parse_fixed(v).ok_or_else(|| format!("parameter `{key}`: `{v}` is not a decimal")),
        }
    }

    /// An error naming the first parameter not in `known` (a typo would otherwise go unnoticed).
    pub fn only(&self, known: &[&str]) -> Result<(), String> {
        match self.params.iter().find(|(k, _)| !known.contains(k)) {
            Some((k, _)) => Err(format!("unknown parameter `{k}` (known: {})", known.join(", "))),
            None => Ok(()),
        }
    }

    /// The dense id of `symbol`.
    pub fn instrument(&self, symbol: &str) -> Option<u32> {
        self.instruments.iter().position(|s| *s == symbol).map(|i| i as u32)
    }
}

/// A decimal string at 1e-8 (at most 8 decimals, optional sign): `"-1.5"` → −150 000 000.
pub fn parse_fixed(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty()) || frac.len() > 8 {
        return None;
    }
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) {
        return None;
    }
    let i: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let f: i64 =
        if frac.is_empty() { 0 } else { frac.parse::<i64>().ok()? * 10i64.pow(8 - frac.len() as u32) };
    let v = i.checked_mul(100_000_000)?.checked_add(f)?;
    Some(if neg { -v } else { v })
}

/// The read-only market state a strategy reads during a call: the host's view (after the event
/// being handled was applied) and its net positions.
pub trait MarketView {
    /// Number of instruments (dense ids `0..instruments()`).
    fn instruments(&self) -> u32;
    /// The latest quote (best bid/offer) of `inst`.
    fn quote(&self, inst: u32) -> Option<Quote>;
    /// The `i`-th level (0 = best) of `side` of the L2 book of `inst`; `None` beyond its depth or
    /// while the book is unusable (in a gap, one-sided or crossed).
    fn level(&self, inst: u32, side: Side, i: u32) -> Option<Level>;
    /// Number of levels on `side` of the book of `inst` (0 while unusable).
    fn depth(&self, inst: u32, side: Side) -> u32;
    /// The latest public trade of `inst`.
    fn last_trade(&self, inst: u32) -> Option<Trade>;
    /// The host's net position in `inst` (signed, 1e-8; 0 before any fill).
    fn position(&self, inst: u32) -> i64;

    /// The best bid of the book of `inst`.
    fn best_bid(&self, inst: u32) -> Option<Level> {
        self.level(inst, Side::Buy, 0)
    }
    /// The best ask of the book of `inst`.
    fn best_ask(&self, inst: u32) -> Option<Level> {
        self.level(inst, Side::Sell, 0)
    }
}

/// One depth update: its header and levels (bids, then asks), as the feed applied them.
#[derive(Clone, Copy, Debug)]
pub struct Depth<'a> {
    pub header: DepthHeader,
    pub bids: &'a [Level],
    pub asks: &'a [Level],
}

/// A strategy, built in or shipped as a plugin: the same code either way. Calls come on the hot
/// path: after construction a strategy must not allocate, block or print. A panic is caught at
/// the boundary and disables the strategy.
pub trait Strategy: Sized + Send + 'static {
    /// Short stable name (at most 64 bytes).
    const NAME: &'static str;

    /// Make the strategy from its parameters and the instruments; the error names the parameter.
    fn new(setup: &Setup<'_>) -> Result<Self, String>;

    /// A new best bid/offer (already in `view`).
    fn on_quote(&mut self, _q: &Quote, _view: &dyn MarketView) -> Option<Signal> {
        None
    }

    /// A public trade (already in `view`).
    fn on_trade(&mut self, _t: &Trade, _view: &dyn MarketView) -> Option<Signal> {
        None
    }

    /// A depth update, after its last level was applied to the book in `view`.
    fn on_depth(&mut self, _d: &Depth<'_>, _view: &dyn MarketView) -> Option<Signal> {
        None
    }

    /// A fill of one of the host's orders.
    fn on_fill(&mut self, _f: &Fill) {}

    /// Change a parameter while running (from the control socket); the error says why not.
    fn set_param(&mut self, key: &str, _value: &str) -> Result<(), String> {
        Err(format!("strategy `{}` has no settable parameter `{key}`", Self::NAME))
    }
}

/// A signal with `score` clamped into `-MAX_SCORE..=MAX_SCORE`.
pub fn signal(inst: u32, score: i64, ts: u64) -> Signal {
    Signal { inst, score: score.clamp(-(MAX_SCORE as i64), MAX_SCORE as i64) as i32, ts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_decimals() {
        assert_eq!(parse_fixed("0.001"), Some(100_000));
        assert_eq!(parse_fixed("-1.5"), Some(-150_000_000));
        assert_eq!(parse_fixed("2"), Some(200_000_000));
        assert_eq!(parse_fixed(".5"), Some(50_000_000));
        for bad in ["", ".", "1.000000001", "1e3", "x", "1.-2"] {
            assert_eq!(parse_fixed(bad), None, "{bad}");
        }
    }

    #[test]
    fn setup_reads_and_names_params() {
        let p = [("lookback", "20"), ("qty", "0.5"), ("bad", "x")];
        let s = Setup { params: &p, instruments: &["BTCUSDT", "ETHUSDT"] };
        assert_eq!(s.parse("lookback", 1u32), Ok(20));
        assert_eq!(s.parse("absent", 7u32), Ok(7));
        assert_eq!(s.fixed("qty", 0), Ok(50_000_000));
        let e = s.parse("bad", 0u32).unwrap_err();
        assert!(e.contains("`bad`") && e.contains("`x`"), "{e}");
        let e = s.only(&["lookback", "qty"]).unwrap_err();
        assert!(e.contains("unknown parameter `bad`"), "{e}");
        assert_eq!(s.instrument("ETHUSDT"), Some(1));
        assert_eq!(signal(0, 20_000, 1).score, MAX_SCORE);
    }
}
