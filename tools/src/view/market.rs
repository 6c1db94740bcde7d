//! Market state from the feed stream: the last quote and trade per symbol, OHLCV bars per symbol
//! and interval ([`crate::bars`]), indicators over the closed bars, and each symbol's feed state.

use super::shapes::{BarView, History, Indicator, Price as PriceView};
use crate::alerts::FeedState;
use crate::bars::{Bar, BarSeries, Interval};
use alphapulse_types::{Quote, Side, Trade};

/// Bars kept per symbol and interval.
pub const BARS_KEPT: usize = 1000;

/// One symbol's market state.
#[derive(Clone, Debug)]
pub struct SymbolMarket {
    pub quote: Option<Quote>,
    pub trade: Option<Trade>,
    pub feed: Option<FeedState>,
    pub bars: Vec<BarSeries>,
}

impl SymbolMarket {
    fn new() -> SymbolMarket {
        let bars = Interval::ALL
            .iter()
            .filter_map(|(n, _)| Interval::parse(n).ok())
            .map(|i| BarSeries::new(i, BARS_KEPT))
            .collect();
        SymbolMarket { quote: None, trade: None, feed: None, bars }
    }
}

/// Every symbol's market state, by instrument id.
#[derive(Clone, Debug, Default)]
pub struct Market {
    pub symbols: Vec<SymbolMarket>,
}

fn px(p: alphapulse_types::Price) -> f64 {
    p.to_f64()
}

impl Market {
    fn slot(&mut self, inst: usize) -> &mut SymbolMarket {
        while self.symbols.len() <= inst {
            self.symbols.push(SymbolMarket::new());
        }
        &mut self.symbols[inst]
    }

    pub fn on_quote(&mut self, q: &Quote) {
        self.slot(q.inst.index()).quote = Some(*q);
    }

    pub fn on_trade(&mut self, t: &Trade) {
        let s = self.slot(t.inst.index());
        s.trade = Some(*t);
        for b in &mut s.bars {
            b.add(t);
        }
    }

    pub fn set_feed(&mut self, inst: usize, state: FeedState) {
        self.slot(inst).feed = Some(state);
    }

    /// The price view of instrument `inst`.
    pub fn price(&self, inst: usize, symbol: &str) -> PriceView {
        let mut p = PriceView { symbol: symbol.to_string(), inst: inst as u32, ..Default::default() };
        let Some(s) = self.symbols.get(inst) else { return p };
        if let Some(q) = &s.quote {
            let two_sided = q.bid_px.raw() > 0 && q.ask_px.raw() > 0;
            p.bid = (q.bid_px.raw() > 0).then(|| px(q.bid_px));
            p.bid_qty = (q.bid_px.raw() > 0).then(|| q.bid_qty.to_f64());
            p.ask = (q.ask_px.raw() > 0).then(|| px(q.ask_px));
            p.ask_qty = (q.ask_px.raw() > 0).then(|| q.ask_qty.to_f64());
            p.mid = two_sided.then(|| px(alphapulse_types::fixed::mid(q.bid_px, q.ask_px)));
            p.quote_ts_ns = Some(q.local_ts);
        }
        if let Some(t) = &s.trade {
            p.last = Some(px(t.px));
            p.last_qty = Some(t.qty.to_f64());
            p.last_side = Some(side_name(t.aggressor).into());
            p.trade_ts_ns = Some(t.local_ts);
        }
        p.feed = s.feed.map(feed_name);
        p
    }

    fn series(&self, inst: usize, interval: Interval) -> Option<&BarSeries> {
        self.symbols.get(inst)?.bars.iter().find(|b| b.interval == interval)
    }

    /// The bars of `inst` at `interval`, oldest first.
    pub fn history(&self, inst: usize, symbol: &str, interval: Interval) -> History {
        let s = self.series(inst, interval);
        History {
            symbol: symbol.to_string(),
            interval: interval.name().to_string(),
            late_dropped: s.map_or(0, BarSeries::late_dropped),
            bars: s.map(|s| s.bars().map(bar_view).collect()).unwrap_or_default(),
        }
    }

    /// Indicators over the closed bars of `inst` at `interval` (see [`Indicator`]).
    pub fn indicator(&self, inst: usize, symbol: &str, interval: Interval) -> Indicator {
        let bars: Vec<&Bar> = self.series(inst, interval).map(|s| s.bars().collect()).unwrap_or_default();
        let closed = &bars[..bars.len().saturating_sub(1)];
        let closes: Vec<f64> = closed.iter().map(|b| px(b.close)).collect();
        let (vol, notional) =
            closed.iter().fold((0i128, 0i128), |(v, n), b| (v + b.volume.raw() as i128, n + b.notional_raw));
        Indicator {
            symbol: symbol.to_string(),
            interval: interval.name().to_string(),
            closed_bars: closed.len() as u64,
            last_close: closes.last().copied(),
            sma_20: sma(&closes, 20),
            ema_20: ema(&closes, 20),
            rsi_14: rsi(&closes, 14),
            vwap: (vol > 0).then(|| alphapulse_types::Price((notional / vol) as i64).to_f64()),
        }
    }
}

pub fn side_name(s: Side) -> &'static str {
    s.name()
}

pub fn feed_name(f: FeedState) -> String {
    match f {
        FeedState::Synced => "synced",
        FeedState::Resyncing => "resyncing",
        FeedState::Reconnecting => "reconnecting",
        FeedState::Stale => "stale",
    }
    .into()
}

fn bar_view(b: &Bar) -> BarView {
    BarView {
        start_ns: b.start,
        start: crate::report::utc_ms(b.start),
        open: px(b.open),
        high: px(b.high),
        low: px(b.low),
        close: px(b.close),
        volume: b.volume.to_f64(),
        trades: b.trades,
        vwap: b.vwap().map(px),
        close_ts_ns: b.close_ts,
    }
}

/// Mean of the last `n` values.
pub fn sma(v: &[f64], n: usize) -> Option<f64> {
    (n > 0 && v.len() >= n).then(|| v[v.len() - n..].iter().sum::<f64>() / n as f64)
}

/// EMA with α = 2/(n+1), seeded with the SMA of the first `n` values.
pub fn ema(v: &[f64], n: usize) -> Option<f64> {
    if n == 0 || v.len() < n {
        return None;
    }
    let a = 2.0 / (n as f64 + 1.0);
    let seed = v[..n].iter().sum::<f64>() / n as f64;
    Some(v[n..].iter().fold(seed, |e, x| e + a * (x - e)))
}

/// RSI with Wilder's smoothing over `n` periods (needs n + 1 values).
pub fn rsi(v: &[f64], n: usize) -> Option<f64> {
    if n == 0 || v.len() < n + 1 {
        return None;
    }
    let d: Vec<f64> = v.windows(2).map(|w| w[1] - w[0]).collect();
    let mut gain = d[..n].iter().filter(|x| **x > 0.0).sum::<f64>() / n as f64;
    let mut loss = -d[..n].iter().filter(|x| **x < 0.0).sum::<f64>() / n as f64;
    for x in &d[n..] {
        gain = (gain * (n as f64 - 1.0) + x.max(0.0)) / n as f64;
        loss = (loss * (n as f64 - 1.0) + (-x).max(0.0)) / n as f64;
    }
    Some(if loss == 0.0 {
        if gain == 0.0 {
            50.0
        } else {
            100.0
        }
    } else {
        100.0 - 100.0 / (1.0 + gain / loss)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_by_hand() {
        let v: Vec<f64> = (1..=30).map(f64::from).collect();
        assert_eq!(sma(&v, 20), Some((11..=30).sum::<i32>() as f64 / 20.0));
        assert_eq!(sma(&v[..19], 20), None);
        // A straight line: the EMA lags it by (n-1)/2 once settled from an SMA seed.
        let e = ema(&v, 20).unwrap_or(f64::NAN);
        assert!(e > 20.0 && e < 30.0, "{e}");
        // Only gains: RSI 100; only losses: 0; alternating equal moves: 50.
        assert_eq!(rsi(&v, 14), Some(100.0));
        let down: Vec<f64> = v.iter().rev().copied().collect();
        assert_eq!(rsi(&down, 14), Some(0.0));
        let alt: Vec<f64> = (0..29).map(|i| if i % 2 == 0 { 10.0 } else { 11.0 }).collect();
        let r = rsi(&alt, 14).unwrap_or(f64::NAN);
        assert!((r - 50.0).abs() < 5.0, "{r}");
        assert_eq!(rsi(&v[..14], 14), None);
    }
}
