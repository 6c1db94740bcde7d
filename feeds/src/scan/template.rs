//! The spot frames exactly as Binance writes them, matched literal by literal before the general
//! scanner runs: a combined-stream wrapper, its `data` object's keys in Binance's order, no
//! whitespace. Three shapes are nearly every line of a spot capture:
//!
//! ```text
//! {"stream":"btcusdt@bookTicker","data":{"u":…,"s":"…","b":"…","B":"…","a":"…","A":"…"}}
//! {"stream":"btcusdt@trade","data":{"e":"trade","E":…,"s":"…","t":…,"p":"…","q":"…","T":…,"m":…,"M":…}}
//! {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":…,"s":"…","U":…,"u":…,"b":[…],"a":[…]}}
//! ```
//!
//! A key is then one compare of a few bytes instead of a key scan, a lookup and a duplicate check,
//! and a number is read in the pass that finds its end (eight decimals, as Binance writes them).
//! The values are read by the same lexer and the record is interpreted by the same
//! [`super::event`] as the general scanner's, so a line taken here fills the frame exactly as the
//! general scanner (and the tape path) would. Any byte out of place answers `None` and the general
//! scanner reads the line from its start.

use super::lex::Cur;
use super::{event, k, Rec, V};
use crate::parse::{stream_kind, Frame};
use crate::stats::FrameKind;
use crate::SymbolMap;

/// The frame of `json` if it has one of the three shapes (see the module docs), else `None`.
#[inline]
pub(super) fn spot(json: &[u8], symbols: &mut SymbolMap, f: &mut Frame) -> Option<FrameKind> {
    let mut c = Cur::new(json);
    c.lit(b"{\"stream\":\"")?;
    let name = c.string_body()?;
    c.lit(b",\"data\":{")?;
    let (stream_sym, kind) = stream_kind(name).ok()?;
    let mut d = Rec::new();
    match kind {
        FrameKind::BookTicker => {
            c.lit(b"\"u\":")?;
            d.0[k::U] = int(&mut c)?;
            c.lit(b",\"s\":\"")?;
            d.0[k::S] = V::Str(c.string_body()?);
            // (A string's closing quote is consumed with its body.)
            const KEYS: [(&[u8; 6], usize); 4] = [
                (b",\"b\":\"", k::B),
                (b",\"B\":\"", k::BIG_B),
                (b",\"a\":\"", k::A),
                (b",\"A\":\"", k::BIG_A),
            ];
            for (key, slot) in KEYS {
                c.lit(key)?;
                d.0[slot] = V::Fixed(c.dec8()?);
            }
            c.lit(b"}}")?;
        }
        FrameKind::Trade => {
            c.lit(b"\"e\":\"trade\",\"E\":")?;
            d.0[k::E] = V::Str(b"trade");
            d.0[k::BIG_E] = int(&mut c)?;
            c.lit(b",\"s\":\"")?;
            d.0[k::S] = V::Str(c.string_body()?);
            c.lit(b",\"t\":")?;
            d.0[k::T] = int(&mut c)?;
            c.lit(b",\"p\":\"")?;
            d.0[k::P] = V::Fixed(c.dec8()?);
            c.lit(b",\"q\":\"")?;
            d.0[k::Q] = V::Fixed(c.dec8()?);
            c.lit(b",\"T\":")?;
            d.0[k::BIG_T] = int(&mut c)?;
            c.lit(b",\"m\":")?;
            d.0[k::M] = boolean(&mut c)?;
            c.lit(b",\"M\":")?;
            boolean(&mut c)?; // a key the scanner does not read (a scalar)
            c.lit(b"}}")?;
        }
        FrameKind::Depth => {
            c.lit(b"\"e\":\"depthUpdate\",\"E\":")?;
            d.0[k::E] = V::Str(b"depthUpdate");
            d.0[k::BIG_E] = int(&mut c)?;
            c.lit(b",\"s\":\"")?;
            d.0[k::S] = V::Str(c.string_body()?);
            c.lit(b",\"U\":")?;
            d.0[k::BIG_U] = int(&mut c)?;
            c.lit(b",\"u\":")?;
            d.0[k::U] = int(&mut c)?;
            f.dropped_levels = 0;
            c.lit(b",\"b\":[")?;
            c.levels_compact(&mut f.bids, f.level_cap, &mut f.dropped_levels)?;
            d.0[k::B] = V::Levels;
            c.lit(b",\"a\":[")?;
            c.levels_compact(&mut f.asks, f.level_cap, &mut f.dropped_levels)?;
            d.0[k::A] = V::Levels;
            c.lit(b"}}")?;
        }
        _ => return None,
    }
    if !c.at_end() {
        return None;
    }
    let sym = match d.get(k::S) {
        V::Str(s) => s,
        _ => stream_sym,
    };
    f.dropped_levels = if kind == FrameKind::Depth { f.dropped_levels } else { 0 };
    f.kind = None;
    f.inst = None;
    f.exch_ts = 0;
    f.txn_ts = 0;
    f.prev_id = None;
    event(&d, kind, sym, symbols, f)
}

/// A non-negative integer (as the general scanner reads one).
#[inline(always)]
fn int(c: &mut Cur<'_>) -> Option<V<'static>> {
    let d0 = c.byte()?;
    if !d0.is_ascii_digit() {
        return None;
    }
    c.uint_rest(d0).map(V::Num)
}

/// `true` or `false`.
#[inline(always)]
fn boolean(c: &mut Cur<'_>) -> Option<V<'static>> {
    let b = c.byte()?;
    c.literal_rest(b)?;
    match b {
        b't' => Some(V::Bool(true)),
        b'f' => Some(V::Bool(false)),
        _ => None,
    }
}
