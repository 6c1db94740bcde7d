//! For the alert channel tests: an engine from an `[alerts]` TOML text, and one rule fired.
#![allow(dead_code)] // each test binary uses part of it

use alphapulse_tools::alerts::{Alert, AlertsConfig, Engine, Facts};

/// A price-above rule on `BTC` at 100.
pub const RULE: &str =
    "[[rules]]\nname = \"btc up\"\nkind = \"price_above\"\nsymbol = \"BTC\"\nthreshold = 100.0\n";

pub fn engine(toml_text: &str) -> Engine {
    let cfg: AlertsConfig = toml::from_str(toml_text).unwrap();
    Engine::new(&cfg, None).unwrap()
}

/// 99 then 101.25: one alert fired.
pub fn fire(e: &mut Engine) -> Alert {
    let mut f = Facts { now_ns: 1, ..Default::default() };
    f.last_price.insert("BTC".into(), 99.0);
    assert!(e.observe(&f).is_empty());
    f.now_ns = 2;
    f.last_price.insert("BTC".into(), 101.25);
    let mut got = e.observe(&f);
    assert_eq!(got.len(), 1);
    got.remove(0)
}
