//! Streams the captures lack, made from each captured trade: `<s>@aggTrade` (one aggregate per
//! trade: `a` = `f` = `l` = the trade id, same `p`, `q`, `T`, `m`) and `<s>@kline_1m` /
//! `<s>@kline_1s` bars in Binance's kline shape, one update per trade (`x:false`); the first trade
//! of a new interval first sends the old bar once more with `x:true`. Bars exist only for
//! intervals that had trades. Volumes are exact decimal sums (quote volumes truncated to the
//! capture's decimals).

use crate::config::Venue;
use crate::decimal;
use std::fmt::Write;

#[derive(serde::Deserialize)]
struct Trade<'a> {
    #[serde(rename = "E")]
    e: u64,
    #[serde(rename = "T")]
    t_time: u64,
    s: &'a str,
    t: u64,
    p: &'a str,
    q: &'a str,
    m: bool,
}

struct Bar {
    start: u64,
    first: u64,
    last: u64,
    open: String,
    close: String,
    high: (u128, String),
    low: (u128, String),
    vol: u128,
    quote: u128,
    taker_vol: u128,
    taker_quote: u128,
    trades: u64,
}

/// One interval's bar builder.
struct Kline {
    stream: String,
    label: &'static str,
    ms: u64,
    bar: Option<Bar>,
}

/// Synthesizes the extra streams of one symbol.
pub(crate) struct Synth {
    venue: Venue,
    agg_stream: String,
    klines: [Kline; 2],
    qty_places: u32,
    quote_places: u32,
}

impl Synth {
    pub fn new(symbol: &str, venue: Venue, price_places: u32, qty_places: u32) -> Synth {
        let s = symbol.to_ascii_lowercase();
        let kline = |label, ms| Kline { stream: format!("{s}@kline_{label}"), label, ms, bar: None };
        Synth {
            venue,
            agg_stream: format!("{s}@aggTrade"),
            klines: [kline("1m", 60_000), kline("1s", 1_000)],
            qty_places,
            quote_places: price_places.max(qty_places),
        }
    }

    /// Forget open bars (at the loop: the bars start again).
    pub fn reset(&mut self) {
        for k in &mut self.klines {
            k.bar = None;
        }
    }

    /// The synthesized (stream, data) pairs for one trade data object; empty if it is not a trade.
    pub fn on_trade(&mut self, data: &str, out: &mut Vec<(String, String)>) {
        let Ok(tr) = serde_json::from_str::<Trade>(data) else { return };
        let (Some(p), Some(q)) = (decimal::parse(tr.p), decimal::parse(tr.q)) else { return };
        let mut agg = format!(
            "{{\"e\":\"aggTrade\",\"E\":{},\"s\":\"{}\",\"a\":{},\"p\":\"{}\",\"q\":\"{}\",\"f\":{},\"l\":{},\"T\":{},\"m\":{}",
            tr.e, tr.s, tr.t, tr.p, tr.q, tr.t, tr.t, tr.t_time, tr.m
        );
        agg.push_str(if self.venue == Venue::Spot { ",\"M\":true}" } else { "}" });
        out.push((self.agg_stream.clone(), agg));
        let quote = decimal::mul(p, q);
        for i in 0..self.klines.len() {
            let start = tr.t_time - tr.t_time % self.klines[i].ms;
            if self.klines[i].bar.as_ref().is_some_and(|b| b.start != start) {
                let text = self.render(&self.klines[i], tr.e, tr.s, true);
                out.push((self.klines[i].stream.clone(), text));
                self.klines[i].bar = None;
            }
            let bar = self.klines[i].bar.get_or_insert_with(|| Bar {
                start,
                first: tr.t,
                last: tr.t,
                open: tr.p.to_string(),
                close: tr.p.to_string(),
                high: (p, tr.p.to_string()),
                low: (p, tr.p.to_string()),
                vol: 0,
                quote: 0,
                taker_vol: 0,
                taker_quote: 0,
                trades: 0,
            });
            bar.last = tr.t;
            bar.close = tr.p.to_string();
            if p > bar.high.0 {
                bar.high = (p, tr.p.to_string());
            }
            if p < bar.low.0 {
                bar.low = (p, tr.p.to_string());
            }
            bar.vol += q;
            bar.quote += quote;
            if !tr.m {
                bar.taker_vol += q;
                bar.taker_quote += quote;
            }
            bar.trades += 1;
            let text = self.render(&self.klines[i], tr.e, tr.s, false);
            out.push((self.klines[i].stream.clone(), text));
        }
    }

    fn render(&self, k: &Kline, e: u64, sym: &str, closed: bool) -> String {
        let Some(b) = &k.bar else { return String::new() };
        let (qp, vp) = (self.quote_places, self.qty_places);
        let mut s = String::with_capacity(400);
        let _ = write!(
            s,
            "{{\"e\":\"kline\",\"E\":{e},\"s\":\"{sym}\",\"k\":{{\"t\":{},\"T\":{},\"s\":\"{sym}\",\"i\":\"{}\",\"f\":{},\"L\":{},\"o\":\"{}\",\"c\":\"{}\",\"h\":\"{}\",\"l\":\"{}\",\"v\":\"{}\",\"n\":{},\"x\":{closed},\"q\":\"{}\",\"V\":\"{}\",\"Q\":\"{}\",\"B\":\"0\"}}}}",
            b.start,
            b.start + k.ms - 1,
            k.label,
            b.first,
            b.last,
            b.open,
            b.close,
            b.high.1,
            b.low.1,
            decimal::format(b.vol, vp),
            b.trades,
            decimal::format(b.quote, qp),
            decimal::format(b.taker_vol, vp),
            decimal::format(b.taker_quote, qp),
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agg_trade_and_bars_from_trades() {
        let mut s = Synth::new("BTCUSDT", Venue::Spot, 8, 8);
        let mut out = Vec::new();
        let t1 = r#"{"e":"trade","E":1000,"s":"BTCUSDT","t":7,"p":"10.00000000","q":"2.00000000","T":59999,"m":false,"M":true}"#;
        let t2 = r#"{"e":"trade","E":1001,"s":"BTCUSDT","t":8,"p":"11.00000000","q":"1.00000000","T":60000,"m":true,"M":true}"#;
        s.on_trade(t1, &mut out);
        assert_eq!(out[0].0, "btcusdt@aggTrade");
        assert!(out[0].1.contains("\"a\":7,\"p\":\"10.00000000\"") && out[0].1.contains("\"f\":7,\"l\":7"));
        assert_eq!(out.len(), 3);
        out.clear();
        s.on_trade(t2, &mut out);
        // aggTrade, closed 1m bar, new 1m bar, closed 1s bar, new 1s bar.
        assert_eq!(out.len(), 5);
        let closed: serde_json::Value = serde_json::from_str(&out[1].1).expect("json");
        assert_eq!(closed["k"]["x"], true);
        assert_eq!(closed["k"]["q"], "20.00000000");
        assert_eq!(closed["k"]["V"], "2.00000000");
        let open: serde_json::Value = serde_json::from_str(&out[2].1).expect("json");
        assert_eq!((open["k"]["t"].as_u64(), open["k"]["T"].as_u64()), (Some(60000), Some(119999)));
    }
}
