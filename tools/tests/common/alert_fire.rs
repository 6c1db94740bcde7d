//! For the alert channel tests: an engine from an `[alerts]` TOML text, one rule fired, and the
//! request a local webhook receiver reads.
#![allow(dead_code)] // each test binary uses part of it

use alphapulse_tools::alerts::{Alert, AlertsConfig, Engine, Facts};
use std::io::BufRead;

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

/// One HTTP request read from `r`: (head, body), the body by its Content-Length.
pub fn read_request(r: &mut impl BufRead) -> Result<(String, String), String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
        .ok_or("no content-length")?
        .parse()
        .map_err(|_| "bad content-length")?;
    let mut body = vec![0; len];
    r.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok((head, String::from_utf8(body).map_err(|e| e.to_string())?))
}
