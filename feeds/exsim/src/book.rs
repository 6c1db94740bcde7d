//! The exact book of one symbol, as the REST depth endpoint serves it: built from the capture's
//! snapshot, each depth event with `u > lastUpdateId` applied (absolute quantities, zero removes),
//! prices keyed as exact scaled integers, the original strings kept so the answer is byte-exact.
//! A few older copies are kept for the `stale_snapshot` fault.

use crate::config::Venue;
use crate::decimal;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::sync::Arc;

type Side = BTreeMap<u128, (Arc<str>, Arc<str>)>;

/// One book state: levels, the id of the last event in it, and (USD-M) its `E`/`T`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Book {
    bids: Side,
    asks: Side,
    pub last_id: u64,
    pub e: Option<u64>,
    pub t: Option<u64>,
}

#[derive(serde::Deserialize)]
struct Snapshot<'a> {
    #[serde(rename = "lastUpdateId")]
    last: u64,
    #[serde(rename = "E")]
    e: Option<u64>,
    #[serde(rename = "T")]
    t: Option<u64>,
    #[serde(borrow)]
    bids: Vec<[&'a str; 2]>,
    #[serde(borrow)]
    asks: Vec<[&'a str; 2]>,
}

#[derive(serde::Deserialize)]
struct DepthEvent<'a> {
    u: u64,
    #[serde(rename = "E")]
    e: Option<u64>,
    #[serde(rename = "T")]
    t: Option<u64>,
    #[serde(borrow)]
    b: Vec<[&'a str; 2]>,
    #[serde(borrow)]
    a: Vec<[&'a str; 2]>,
}

fn set(side: &mut Side, levels: &[[&str; 2]]) -> Result<(), String> {
    for [p, q] in levels {
        let key = decimal::parse(p).ok_or_else(|| format!("bad price {p:?}"))?;
        let qty = decimal::parse(q).ok_or_else(|| format!("bad quantity {q:?}"))?;
        if qty == 0 {
            side.remove(&key);
        } else {
            side.insert(key, (Arc::from(*p), Arc::from(*q)));
        }
    }
    Ok(())
}

fn render_side<'a>(out: &mut String, levels: impl Iterator<Item = &'a (Arc<str>, Arc<str>)>) {
    out.push('[');
    for (i, (p, q)) in levels.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "[\"{p}\",\"{q}\"]");
    }
    out.push(']');
}

impl Book {
    /// The book of a REST snapshot body.
    pub fn from_snapshot(text: &str) -> Result<Book, String> {
        let s: Snapshot = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut b = Book { last_id: s.last, e: s.e, t: s.t, ..Book::default() };
        set(&mut b.bids, &s.bids)?;
        set(&mut b.asks, &s.asks)?;
        Ok(b)
    }

    /// Apply a depth event's data object if it is newer than the book (`u > lastUpdateId`);
    /// `Ok(true)` when applied.
    pub fn apply(&mut self, data: &str) -> Result<bool, String> {
        let ev: DepthEvent = serde_json::from_str(data).map_err(|e| e.to_string())?;
        if ev.u <= self.last_id {
            return Ok(false);
        }
        set(&mut self.bids, &ev.b)?;
        set(&mut self.asks, &ev.a)?;
        self.last_id = ev.u;
        self.e = ev.e.or(self.e);
        self.t = ev.t.or(ev.e).or(self.t);
        Ok(true)
    }

    /// Best bid and ask prices as captured (`None` for an empty side).
    #[cfg(test)]
    pub fn best(&self) -> (Option<&str>, Option<&str>) {
        let bid = self.bids.values().next_back().map(|(p, _)| &**p);
        let ask = self.asks.values().next().map(|(p, _)| &**p);
        (bid, ask)
    }

    /// The REST body with the best `limit` levels per side, in Binance's key order
    /// (USD-M adds `E` and `T`).
    pub fn render(&self, limit: usize, venue: Venue) -> String {
        let mut out = String::with_capacity(64 + 40 * limit.min(self.bids.len() + self.asks.len()));
        let _ = write!(out, "{{\"lastUpdateId\":{}", self.last_id);
        if venue == Venue::UsdM {
            let e = self.e.unwrap_or(0);
            let _ = write!(out, ",\"E\":{e},\"T\":{}", self.t.unwrap_or(e));
        }
        out.push_str(",\"bids\":");
        render_side(&mut out, self.bids.values().rev().take(limit));
        out.push_str(",\"asks\":");
        render_side(&mut out, self.asks.values().take(limit));
        out.push('}');
        out
    }
}

/// How many applied events apart the kept older copies are.
pub(crate) const HISTORY_EVERY: u64 = 50;
const HISTORY_KEEP: usize = 4;

/// The served book of one symbol plus older copies for `stale_snapshot`.
pub(crate) struct SymbolBook {
    pub current: Book,
    applied: u64,
    history: VecDeque<(u64, Arc<Book>)>,
}

impl SymbolBook {
    pub fn new(start: Book) -> SymbolBook {
        let mut b = SymbolBook { current: Book::default(), applied: 0, history: VecDeque::new() };
        b.reset(start);
        b
    }

    /// Start again from `start` (a snapshot; used at the loop).
    pub fn reset(&mut self, start: Book) {
        self.history.clear();
        self.history.push_back((self.applied, Arc::new(start.clone())));
        self.current = start;
    }

    /// Apply a broadcast depth event's data; keeps a copy every [`HISTORY_EVERY`] applied events.
    pub fn apply(&mut self, data: &str) -> Result<bool, String> {
        let applied = self.current.apply(data)?;
        if applied {
            self.applied += 1;
            if self.applied.is_multiple_of(HISTORY_EVERY) {
                self.history.push_back((self.applied, Arc::new(self.current.clone())));
                if self.history.len() > HISTORY_KEEP {
                    self.history.pop_front();
                }
            }
        }
        Ok(applied)
    }

    /// A consistent older copy: the newest one at least [`HISTORY_EVERY`] events old, else the
    /// oldest kept (early in the replay that is the snapshot itself).
    pub fn stale(&self) -> Arc<Book> {
        let old = self.history.iter().rev().find(|(n, _)| n + HISTORY_EVERY <= self.applied);
        match old.or(self.history.front()) {
            Some((_, b)) => b.clone(),
            None => Arc::new(self.current.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_replaces_removes_and_renders_exact() {
        let snap =
            r#"{"lastUpdateId":10,"bids":[["100.10","1.0"],["100.00","2.0"]],"asks":[["100.20","3.0"]]}"#;
        let mut b = Book::from_snapshot(snap).expect("snapshot");
        assert_eq!(b.render(100, Venue::Spot), snap);
        let old = r#"{"e":"depthUpdate","E":1,"s":"X","U":5,"u":10,"b":[["100.10","0"]],"a":[]}"#;
        assert_eq!(b.apply(old), Ok(false));
        let ev = r#"{"e":"depthUpdate","E":1,"s":"X","U":11,"u":12,"b":[["100.10","0.0"],["100.05","5"]],"a":[["100.2","4"]]}"#;
        assert_eq!(b.apply(ev), Ok(true));
        assert_eq!(b.best(), (Some("100.05"), Some("100.2")));
        assert_eq!(
            b.render(1, Venue::UsdM),
            r#"{"lastUpdateId":12,"E":1,"T":1,"bids":[["100.05","5"]],"asks":[["100.2","4"]]}"#
        );
    }
}
