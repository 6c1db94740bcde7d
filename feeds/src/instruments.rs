//! Instrument loading from a Binance `GET /api/v3/exchangeInfo` reply (cold path, serde_json), and
//! [`SymbolMap`]: symbol bytes → [`InstrumentId`] without allocation for the hot path.

use crate::FeedError;
use alphapulse_types::{Instrument, InstrumentId, InstrumentTable, Money, Price, Qty};
use serde_json::Value;
use std::path::Path;

/// The bundled real subset of the 2021-10-12 exchangeInfo (see `testdata/PROVENANCE.md`).
const SAMPLE: &str = include_str!("../testdata/exchange_info_sample.json");

/// Load every instrument of an exchangeInfo file: raw JSON, or a cryptofeed capture whose first line
/// is `<url> -> <ts>: <json>`. Symbols get dense ids in file order.
pub fn load_exchange_info(path: &Path) -> Result<InstrumentTable, FeedError> {
    load_exchange_info_filtered(path, None)
}

/// Like [`load_exchange_info`], keeping only `symbols` (case-insensitive); ids follow file order.
/// A requested symbol missing from the file is an error.
pub fn load_exchange_info_filtered(
    path: &Path,
    symbols: Option<&[&str]>,
) -> Result<InstrumentTable, FeedError> {
    let text = std::fs::read_to_string(path).map_err(|e| FeedError::Io { path: path.into(), source: e })?;
    parse_exchange_info(&text, symbols)
        .map_err(|problem| FeedError::ExchangeInfo { path: path.into(), problem })
}

/// The six instruments of `testdata/exchange_info_sample.json` (BTCUSDT, ETHUSDT, NKNUSDT, BLZETH,
/// LRCBTC, RUNEEUR), ids 0..6 in that order.
pub fn sample_instruments() -> InstrumentTable {
    parse_exchange_info(SAMPLE, None).expect("bundled exchange_info_sample.json is valid")
}

/// Parse exchangeInfo text (raw or cryptofeed-prefixed) into an instrument table.
pub fn parse_exchange_info(text: &str, symbols: Option<&[&str]>) -> Result<InstrumentTable, String> {
    let body = json_body(text)?;
    let v: Value = serde_json::from_str(body).map_err(|e| format!("bad JSON: {e}"))?;
    let list = v.get("symbols").and_then(Value::as_array).ok_or("no `symbols` array")?;
    let mut table = InstrumentTable::new();
    for s in list {
        let sym = s.get("symbol").and_then(Value::as_str).ok_or("a symbol without `symbol`")?;
        if let Some(want) = symbols {
            if !want.iter().any(|w| w.eq_ignore_ascii_case(sym)) {
                continue;
            }
        }
        table.add(instrument(sym, s)?).map_err(|e| e.to_string())?;
    }
    if let Some(want) = symbols {
        for w in want {
            if table.by_symbol(w).is_none() {
                return Err(format!("symbol `{w}` not found"));
            }
        }
    }
    Ok(table)
}

/// The JSON part: the whole text, or what follows `: ` on the first line of a cryptofeed capture.
fn json_body(text: &str) -> Result<&str, String> {
    let t = text.trim_start();
    if t.starts_with('{') {
        return Ok(t);
    }
    let line = t.lines().next().unwrap_or("");
    let arrow = line.find(" -> ").ok_or("neither JSON nor a cryptofeed `<url> -> <ts>: <json>` line")?;
    let colon = line[arrow..].find(": ").ok_or("cryptofeed line without `: ` before the JSON")?;
    Ok(&line[arrow + colon + 2..])
}

fn instrument(sym: &str, s: &Value) -> Result<Instrument, String> {
    let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let filters = s.get("filters").and_then(Value::as_array).ok_or_else(|| format!("{sym}: no filters"))?;
    let find = |ty: &str| filters.iter().find(|f| f.get("filterType").and_then(Value::as_str) == Some(ty));
    let dec = |f: Option<&Value>, ty: &str, k: &str| -> Result<i64, String> {
        let raw = f
            .and_then(|f| f.get(k))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{sym}: {ty}.{k} missing"))?;
        alphapulse_types::fixed::parse_scaled(raw.as_bytes())
            .map_err(|e| format!("{sym}: {ty}.{k} `{raw}`: {e}"))
    };
    let price = find("PRICE_FILTER");
    let lot = find("LOT_SIZE");
    let (notional_filter, nty) = match find("MIN_NOTIONAL") {
        Some(f) => (Some(f), "MIN_NOTIONAL"),
        None => (find("NOTIONAL"), "NOTIONAL"),
    };
    let min_notional = if notional_filter.is_some() { dec(notional_filter, nty, "minNotional")? } else { 0 };
    Ok(Instrument {
        id: InstrumentId(0),
        symbol: sym.to_ascii_uppercase(),
        base: field("baseAsset"),
        quote: field("quoteAsset"),
        tick: Price::from_raw(dec(price, "PRICE_FILTER", "tickSize")?),
        lot: Qty::from_raw(dec(lot, "LOT_SIZE", "stepSize")?),
        min_qty: Qty::from_raw(dec(lot, "LOT_SIZE", "minQty")?),
        min_notional: Money::from_raw(min_notional),
    })
}

/// Longest symbol the hot-path lookup handles (longer ones are unknown).
const MAX_SYMBOL: usize = 24;

/// Symbol → id for the hot path: upper-case keys sorted for binary search, plus a last-hit cache.
/// Lookups are case-insensitive (`btcusdt` from stream names, `BTCUSDT` from `s`) and never allocate.
#[derive(Clone, Debug)]
pub struct SymbolMap {
    keys: Vec<([u8; MAX_SYMBOL], u8, InstrumentId)>,
    last: usize,
}

impl SymbolMap {
    pub fn new(table: &InstrumentTable) -> Self {
        let mut keys: Vec<_> = table
            .iter()
            .filter(|i| i.symbol.len() <= MAX_SYMBOL)
            .map(|i| {
                let mut k = [0u8; MAX_SYMBOL];
                k[..i.symbol.len()].copy_from_slice(i.symbol.to_ascii_uppercase().as_bytes());
                (k, i.symbol.len() as u8, i.id)
            })
            .collect();
        keys.sort_by(|a, b| a.0[..a.1 as usize].cmp(&b.0[..b.1 as usize]));
        SymbolMap { keys, last: 0 }
    }

    /// The id of `sym` (any case), or `None`.
    #[inline]
    pub fn get(&mut self, sym: &[u8]) -> Option<InstrumentId> {
        if sym.is_empty() || sym.len() > MAX_SYMBOL {
            return None;
        }
        if let Some((k, n, id)) = self.keys.get(self.last) {
            // Keys are upper case, as the `s` of every event: compare bytes first.
            if *n as usize == sym.len()
                && (k[..sym.len()] == *sym || k[..sym.len()].eq_ignore_ascii_case(sym))
            {
                return Some(*id);
            }
        }
        let mut up = [0u8; MAX_SYMBOL];
        for (d, s) in up.iter_mut().zip(sym) {
            *d = s.to_ascii_uppercase();
        }
        let up = &up[..sym.len()];
        let i = self.keys.binary_search_by(|(k, n, _)| k[..*n as usize].cmp(up)).ok()?;
        self.last = i;
        Some(self.keys[i].2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_has_six_instruments_with_real_rules() {
        let t = sample_instruments();
        assert_eq!(t.len(), 6);
        let btc = t.by_symbol("BTCUSDT").unwrap();
        assert_eq!(btc.tick, Price::parse(b"0.01").unwrap());
        assert_eq!(btc.lot, Qty::parse(b"0.00001").unwrap());
        assert_eq!(btc.min_notional, Money::from_units(10));
        let eth = t.by_symbol("ETHUSDT").unwrap();
        assert_eq!(eth.lot, Qty::parse(b"0.0001").unwrap());
        assert_eq!(t.by_symbol("LRCBTC").unwrap().tick, Price::parse(b"0.00000001").unwrap());
    }

    #[test]
    fn symbol_map_is_case_insensitive() {
        let t = sample_instruments();
        let mut m = SymbolMap::new(&t);
        for i in t.iter() {
            assert_eq!(m.get(i.symbol.as_bytes()), Some(i.id));
            assert_eq!(m.get(i.symbol.to_ascii_lowercase().as_bytes()), Some(i.id));
        }
        assert_eq!(m.get(b"XRPUSDT"), None);
        assert_eq!(m.get(b""), None);
        assert_eq!(m.get(&[b'A'; 40]), None);
    }

    #[test]
    fn cryptofeed_prefix_and_filter() {
        let text = format!("https://x/api/v3/exchangeInfo -> 1.5: {}\nsecond line", SAMPLE.replace('\n', ""));
        let t = parse_exchange_info(&text, Some(&["ethusdt", "BLZETH"])).unwrap();
        assert_eq!(t.len(), 2);
        assert!(parse_exchange_info(&text, Some(&["NOPE"])).is_err());
        assert!(parse_exchange_info("garbage", None).is_err());
    }
}
