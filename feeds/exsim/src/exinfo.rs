//! `exchangeInfo`: the `--exchange-info` file verbatim when given (for both venues), else one
//! generated for the served symbols of the asked venue. Generated filters come from the
//! captures: `tickSize` is the finest price step any captured trade or bookTicker used, `stepSize`
//! the finest quantity step (so they can be coarser-than-real never, finer-than-real rarely: a
//! symbol whose prices all end in 0 would show a 10× tick). No `MIN_NOTIONAL` is invented.

use crate::config::Venue;
use crate::decimal;
use crate::shared::{unix_ms, Shared};
use serde_json::{json, Value};

const QUOTES: [&str; 8] = ["FDUSD", "USDT", "USDC", "BUSD", "TUSD", "BTC", "ETH", "BNB"];

fn split_assets(symbol: &str) -> (String, String) {
    for q in QUOTES {
        if let Some(base) = symbol.strip_suffix(q).filter(|b| !b.is_empty()) {
            return (base.to_string(), q.to_string());
        }
    }
    (symbol.to_string(), String::new())
}

/// The `exchangeInfo` body for `venue`.
pub(crate) fn body(sh: &Shared, venue: Venue) -> String {
    if let Some(text) = &sh.exchange_info {
        return text.clone();
    }
    let weight = sh.cfg.ip_weight_per_minute.unwrap_or(default_weight(venue));
    let symbols: Vec<Value> = sh
        .symbols
        .iter()
        .filter(|s| s.venue == venue)
        .map(|s| {
            let (base, quote) = split_assets(&s.name);
            let tick = decimal::format(s.price_step, s.price_places);
            let step = decimal::format(s.qty_step, s.qty_places);
            json!({
                "symbol": s.name, "status": "TRADING", "baseAsset": base, "quoteAsset": quote,
                "baseAssetPrecision": 8, "quotePrecision": 8, "quoteAssetPrecision": 8,
                "pricePrecision": s.price_places, "quantityPrecision": s.qty_places,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000.00000000", "tickSize": tick},
                    {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "9000.00000000", "stepSize": step}
                ]
            })
        })
        .collect();
    json!({
        "timezone": "UTC",
        "serverTime": unix_ms(),
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": weight}
        ],
        "exchangeFilters": [],
        "symbols": symbols
    })
    .to_string()
}

/// Binance's REST weight per minute: 6000 spot, 2400 USD-M.
pub(crate) fn default_weight(venue: Venue) -> u32 {
    match venue {
        Venue::Spot => 6000,
        Venue::UsdM => 2400,
    }
}
