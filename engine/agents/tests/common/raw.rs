//! Hand-written lookups in the raw JSON, independent of the crate's point-in-time code: ISO dates
//! compare as strings; the latest `filed` on or before `asof` wins.

use serde_json::Value;

/// The value of `tax:concept` in `unit` for exactly `start`..`end` (instant if `start` is None),
/// latest filed on or before `asof`.
pub fn latest(
    doc: &Value,
    tax: &str,
    concept: &str,
    unit: &str,
    start: Option<&str>,
    end: &str,
    asof: &str,
) -> Option<f64> {
    let list = doc["facts"][tax][concept]["units"][unit].as_array()?;
    let mut best: Option<(&str, &str, f64)> = None;
    for e in list {
        let filed = e["filed"].as_str()?;
        if e["end"].as_str() != Some(end) || e.get("start").and_then(Value::as_str) != start || filed > asof {
            continue;
        }
        let accn = e["accn"].as_str().unwrap_or("");
        if best.is_none_or(|(f, a, _)| (filed, accn) > (f, a)) {
            best = Some((filed, accn, e["val"].as_f64()?));
        }
    }
    best.map(|b| b.2)
}

/// us-gaap USD shorthand.
pub fn usd(doc: &Value, concept: &str, start: Option<&str>, end: &str, asof: &str) -> Option<f64> {
    latest(doc, "us-gaap", concept, "USD", start, end, asof)
}

/// The first of `concepts` that has the value.
pub fn usd_any(doc: &Value, concepts: &[&str], start: Option<&str>, end: &str, asof: &str) -> Option<f64> {
    concepts.iter().find_map(|c| usd(doc, c, start, end, asof))
}

/// A copy of a companyfacts document without the facts filed after `asof`.
pub fn truncate(doc: &Value, asof: &str) -> Value {
    let mut d = doc.clone();
    if let Some(taxes) = d["facts"].as_object_mut() {
        for concepts in taxes.values_mut().filter_map(Value::as_object_mut) {
            for c in concepts.values_mut() {
                if let Some(units) = c["units"].as_object_mut() {
                    for list in units.values_mut().filter_map(Value::as_array_mut) {
                        list.retain(|e| e["filed"].as_str().is_some_and(|f| f <= asof));
                    }
                }
            }
        }
    }
    d
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}
