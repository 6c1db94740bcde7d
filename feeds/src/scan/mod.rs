//! The fast path in front of simd-json: a hand-written, single-pass, allocation-free scanner for
//! exactly the Binance market-data frames the captures carry. It fills the same [`Frame`] as
//! [`crate::parse`]'s tape path, or answers `None` ("not mine") and the caller runs the tape path,
//! which stays the reference and classifies every malformed line.
//!
//! Accepted (and only when the whole frame interprets successfully, so errors never come from
//! here): a combined-stream wrapper `{"stream":…,"data":{…}}` or a bare event object, carrying a
//! `depthUpdate` (spot `U`,`u`; USD-M also `pu`,`T`), a `bookTicker` (spot without `e`/`E`; USD-M
//! with them), a `trade` or an `aggTrade`; keys in any order, JSON whitespace between tokens.
//! Not mine: REST snapshots (`lastUpdateId`, `bids`, `asks` anywhere), klines, unknown kinds,
//! duplicate keys we read, objects or arrays under keys we do not read, strings with escapes,
//! control or non-ASCII bytes, numbers other than plain non-negative integers of at most 19
//! digits, an `E`/`T` of 0, values that fail `parse::validate` (a price <= 0, a negative
//! quantity…), anything the tape path would reject.
//!
//! `lex` holds the cursor (strings, integers, literals, level arrays); `template` matches the
//! three spot shapes Binance writes literal by literal before the general scan (same values, same
//! interpretation, fewer instructions).

mod lex;
mod template;

use crate::parse::{stream_kind, validate, Frame};
use crate::stats::FrameKind;
use crate::SymbolMap;
use alphapulse_types::{Price, Qty};
use lex::Cur;

/// One value of a key we read.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum V<'a> {
    #[default]
    Absent,
    Str(&'a [u8]),
    /// A decimal string already read into 1e-8 units (the spot templates read Binance's numbers
    /// in the pass that finds their end: exactly what `Price::parse` / `Qty::parse` give).
    Fixed(i64),
    Num(u64),
    Bool(bool),
    /// A `[[px, qty], …]` array, already parsed into the frame's bids (`b`) or asks (`a`).
    Levels,
    /// An object: the combined stream's `data`, scanned into the second record.
    Object,
    Null,
}

/// Indices of the keys the tape path reads, in a [`Rec`].
mod k {
    pub(super) const E: usize = 0;
    pub(super) const BIG_E: usize = 1;
    pub(super) const S: usize = 2;
    pub(super) const BIG_U: usize = 3;
    pub(super) const U: usize = 4;
    pub(super) const PU: usize = 5;
    pub(super) const B: usize = 6;
    pub(super) const BIG_B: usize = 7;
    pub(super) const A: usize = 8;
    pub(super) const BIG_A: usize = 9;
    pub(super) const P: usize = 10;
    pub(super) const Q: usize = 11;
    pub(super) const T: usize = 12;
    pub(super) const M: usize = 13;
    pub(super) const STREAM: usize = 14;
    pub(super) const DATA: usize = 15;
    pub(super) const BIG_T: usize = 16;
    pub(super) const COUNT: usize = 17;
    /// A key we do not read: its value must be a scalar.
    pub(super) const UNKNOWN: usize = 0xff;
    /// A key of a REST snapshot (`lastUpdateId`, `bids`, `asks`): not mine.
    pub(super) const SNAPSHOT: usize = 0xfe;
}

/// The key's index in a [`Rec`], [`k::UNKNOWN`] or [`k::SNAPSHOT`]; by length, then bytes.
#[inline(always)]
fn key_id(key: &[u8]) -> usize {
    match key.len() {
        1 => match key[0] {
            b'e' => k::E,
            b'E' => k::BIG_E,
            b'T' => k::BIG_T,
            b's' => k::S,
            b'U' => k::BIG_U,
            b'u' => k::U,
            b'b' => k::B,
            b'B' => k::BIG_B,
            b'a' => k::A,
            b'A' => k::BIG_A,
            b'p' => k::P,
            b'q' => k::Q,
            b't' => k::T,
            b'm' => k::M,
            _ => k::UNKNOWN,
        },
        2 if key == b"pu" => k::PU,
        4 if key == b"data" => k::DATA,
        4 if key == b"bids" || key == b"asks" => k::SNAPSHOT,
        6 if key == b"stream" => k::STREAM,
        12 if key == b"lastUpdateId" => k::SNAPSHOT,
        _ => k::UNKNOWN,
    }
}

/// The values of the keys the tape path reads, from one object, indexed by [`k`].
struct Rec<'a>([V<'a>; k::COUNT]);

impl<'a> Rec<'a> {
    fn new() -> Self {
        Rec([V::Absent; k::COUNT])
    }
    #[inline(always)]
    fn get(&self, i: usize) -> V<'a> {
        self.0[i]
    }
}

/// Scan `json` into `f`; `None` when the line is not one this scanner handles (then `f` may hold
/// partial values and the caller must run the tape path, which rewrites what its kind carries).
pub(crate) fn scan(json: &[u8], symbols: &mut SymbolMap, f: &mut Frame) -> Option<FrameKind> {
    if let Some(kind) = template::spot(json, symbols, f) {
        return Some(kind);
    }
    let mut cur = Cur::new(json);
    f.dropped_levels = 0;
    let mut top = Rec::new();
    let mut data = Rec::new();
    cur.expect(b'{')?;
    object(&mut cur, &mut top, Some(&mut data), f)?;
    if !cur.at_end() {
        return None;
    }
    f.kind = None;
    f.inst = None;
    f.exch_ts = 0;
    f.txn_ts = 0;
    f.prev_id = None;
    if top.get(k::STREAM) != V::Absent || top.get(k::DATA) != V::Absent {
        let (V::Str(name), V::Object) = (top.get(k::STREAM), top.get(k::DATA)) else {
            return None;
        };
        // Top-level level arrays would have been parsed into the frame: not mine.
        if top.get(k::B) == V::Levels || top.get(k::A) == V::Levels {
            return None;
        }
        let (sym, kind) = stream_kind(name).ok()?;
        let sym = match data.get(k::S) {
            V::Absent => sym,
            V::Str(s) => s,
            _ => return None,
        };
        return event(&data, kind, sym, symbols, f);
    }
    let kind = match top.get(k::E) {
        V::Str(b"depthUpdate") => FrameKind::Depth,
        V::Str(b"bookTicker") => FrameKind::BookTicker,
        V::Str(b"trade") => FrameKind::Trade,
        V::Str(b"aggTrade") => FrameKind::AggTrade,
        V::Absent if top.get(k::U) != V::Absent && top.get(k::BIG_B) != V::Absent => FrameKind::BookTicker,
        _ => return None,
    };
    let V::Str(sym) = top.get(k::S) else {
        return None;
    };
    event(&top, kind, sym, symbols, f)
}

/// The members of an object whose `{` was just consumed. `data` is where a nested `data` object
/// goes (top level only); level arrays under `b`/`a` are parsed into `f`.
fn object<'a>(cur: &mut Cur<'a>, rec: &mut Rec<'a>, data: Option<&mut Rec<'a>>, f: &mut Frame) -> Option<()> {
    if cur.peek()? == b'}' {
        cur.next();
        return Some(());
    }
    let mut data = data;
    loop {
        let key = match cur.short_key() {
            Some(key) => key,
            None => {
                let key = cur.string()?;
                cur.expect(b':')?;
                key
            }
        };
        let id = key_id(key);
        if id >= k::COUNT {
            if id == k::SNAPSHOT {
                return None;
            }
            scalar(cur)?;
            match cur.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
        if rec.0[id] != V::Absent {
            return None; // a duplicate: the tape path keeps the last one; we do not bother
        }
        let c = cur.next()?;
        rec.0[id] = match c {
            b'"' => V::Str(cur.string_body()?),
            b'0'..=b'9' => V::Num(cur.uint_rest(c)?),
            b't' | b'f' | b'n' => {
                cur.literal_rest(c)?;
                match c {
                    b't' => V::Bool(true),
                    b'f' => V::Bool(false),
                    _ => V::Null,
                }
            }
            b'[' if id == k::B => {
                cur.levels(&mut f.bids, f.level_cap, &mut f.dropped_levels)?;
                V::Levels
            }
            b'[' if id == k::A => {
                cur.levels(&mut f.asks, f.level_cap, &mut f.dropped_levels)?;
                V::Levels
            }
            b'{' if id == k::DATA => {
                let d = data.take()?;
                object(cur, d, None, f)?;
                V::Object
            }
            _ => return None,
        };
        match cur.next()? {
            b',' => {}
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// Skip a scalar value: a plain string, a non-negative integer, `true`, `false` or `null`.
#[inline]
fn scalar(cur: &mut Cur<'_>) -> Option<()> {
    match cur.next()? {
        b'"' => cur.string_body().map(drop),
        c @ b'0'..=b'9' => cur.uint_rest(c).map(drop),
        c => cur.literal_rest(c),
    }
}

fn num(v: V<'_>) -> Option<u64> {
    match v {
        V::Num(n) => Some(n),
        _ => None,
    }
}

/// An optional exchange time in ms (`E`, `T`) → ns, 0 when absent; `None` (not mine) for 0, which
/// the tape path refuses.
fn time_ms(v: V<'_>) -> Option<u64> {
    match v {
        V::Absent => Some(0),
        v => num(v).filter(|&ms| ms != 0)?.checked_mul(1_000_000),
    }
}

fn dec<T>(
    v: V<'_>,
    parse: fn(&[u8]) -> Result<T, alphapulse_types::FixedError>,
    from_raw: fn(i64) -> T,
) -> Option<T> {
    match v {
        V::Str(s) => parse(s).ok(),
        V::Fixed(raw) => Some(from_raw(raw)),
        _ => None,
    }
}

/// Fill `f` from the event record `d` of `kind`, as the tape path's `event` does on success.
fn event(
    d: &Rec<'_>,
    kind: FrameKind,
    sym: &[u8],
    symbols: &mut SymbolMap,
    f: &mut Frame,
) -> Option<FrameKind> {
    let levels = d.get(k::B) == V::Levels || d.get(k::A) == V::Levels;
    let exch_ts = time_ms(d.get(k::BIG_E))?;
    let txn_ts = time_ms(d.get(k::BIG_T))?;
    match kind {
        FrameKind::Depth => {
            if d.get(k::B) != V::Levels || d.get(k::A) != V::Levels {
                return None;
            }
            f.first_id = num(d.get(k::BIG_U))?;
            f.last_id = num(d.get(k::U))?;
            f.prev_id = match d.get(k::PU) {
                V::Absent => None,
                v => Some(num(v)?),
            };
        }
        FrameKind::BookTicker => {
            f.last_id = num(d.get(k::U))?;
            f.bid_px = dec(d.get(k::B), Price::parse, Price::from_raw)?;
            f.bid_qty = dec(d.get(k::BIG_B), Qty::parse, Qty::from_raw)?;
            f.ask_px = dec(d.get(k::A), Price::parse, Price::from_raw)?;
            f.ask_qty = dec(d.get(k::BIG_A), Qty::parse, Qty::from_raw)?;
        }
        FrameKind::Trade | FrameKind::AggTrade if !levels => {
            f.px = dec(d.get(k::P), Price::parse, Price::from_raw)?;
            f.qty = dec(d.get(k::Q), Qty::parse, Qty::from_raw)?;
            f.trade_id = num(if kind == FrameKind::Trade { d.get(k::T) } else { d.get(k::A) })?;
            let V::Bool(m) = d.get(k::M) else {
                return None;
            };
            f.buyer_maker = m;
        }
        _ => return None,
    }
    f.kind = Some(kind);
    f.exch_ts = exch_ts;
    f.txn_ts = txn_ts;
    f.inst = symbols.get(sym);
    // Values Binance would never send (a price <= 0, a negative quantity): not mine, so the tape
    // path refuses the frame with its reason.
    validate(f, kind).ok()
}

#[cfg(test)]
mod tests;
