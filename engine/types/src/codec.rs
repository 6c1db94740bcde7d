//! The journal encoding of [`Msg`]: 64 bytes, little-endian, written field by field (never a
//! memory copy), so the bytes do not depend on the compiler's layout or the machine's endianness.
//!
//! # Format, version 3 ([`CODEC_VERSION`]) — a file format: never change it in place
//!
//! Version 3 (issue 9) replaced kind 3, one changed book level per record (`Level`), by one record
//! per depth update: the 64-byte `Depth` header, then its levels, [`LEVEL_LEN`] bytes each (price,
//! quantity; bids first, then asks: [`encode_levels`], [`decode_levels`]). The header's `at` word
//! (a runtime store index) is always zero in a record. Version 3 also changed the `ExecReport`: the
//! strategy id (bytes 44..46 in version 2) is gone (it is the high 16 bits of the order id), the
//! four enum bytes moved to 44..48, and bytes 48..56 hold risk's net position after the report
//! (`position`); `VenueReject` gained 5..=7 (refused before the venue). Order ids are
//! `strategy << 48 | intent sequence`. A
//! version-2 journal is refused ("unknown message version 2 (this build reads 3)"): re-run the
//! backtest to journal it again.
//!
//! Version 3 also added one byte: the `trigger` of `Intent`/`Decision` (payload byte 52) and
//! of `New` (`OrderNew`, payload byte 49), the [`Trigger`] discriminant (0 none, 1 quote, 2 trade,
//! 3 depth) where version 2 had a zero padding byte. Version 2 (issue 8) changed the `Quote`'s
//! sixth word (bytes 48..56) to its `update_id` (the venue's order-book update id) where version 1
//! had an exchange time. Nothing else moved. Readers accept only their own version: an older
//! journal is refused with "unknown message version 2 (this build reads 3)" naming the file and
//! offset; re-run the backtest to journal it again.
//!
//! Byte 0 is the tag ([`Msg::kind`]), bytes 1..8 are zero, the payload starts at byte 8 and its
//! fields follow in declaration order at their natural alignment (the offsets of the `#[repr(C)]`
//! structs in [`crate::msg`]); every padding byte, `_pad` fields included, and every byte after
//! the payload is zero. Prices, quantities and money are their raw `i64` (1e-8 units), ids their
//! integer, enums their `u8` discriminant. [`Msg::decode`] is strict: an unknown tag, an enum byte
//! that is not a discriminant, or a non-zero padding byte is an error, so every accepted buffer
//! re-encodes to the same bytes.
//!
//! Kinds (journal record type; 0 and 15.. are not messages):
//!
//! | kind | message | | kind | message |
//! |---|---|---|---|---|
//! | 1 | `Quote` | | 8 | `Cancel` (`OrderCancel`) |
//! | 2 | `Trade` | | 9 | `Exec` (`ExecReport`) |
//! | 3 | `Depth` (header; levels follow) | | 10 | `Control` |
//! | 4 | `Book` (`BookStatus`) | | 11 | `Eos` (`EndOfStream`) |
//! | 5 | `Intent` | | 12 | `Signal` (`SignalRecord`), journal-only |
//! | 6 | `Decision` (`Intent`) | | 13 | `OrderState` (`OrderTransition`), journal-only |
//! | 7 | `New` (`OrderNew`) | | 14 | `Position` (`PositionRecord`), journal-only |
//!
//! Kinds 12..=14 were added to version 1 without changing kinds 1..=11 (a reader that predates them
//! reports them as unknown tags). Their checked values: `OrderTransition::from`/`to` below
//! [`ORDER_STATES`], `event` below [`LIFECYCLE_EVENTS`], `refused` 0 or 1 (and `to == from` when
//! it is 1); `SignalRecord::score` and the position's numbers are plain integers.
//!
//! ```
//! use alphapulse_types::{EndOfStream, Msg, ENCODED_LEN};
//! let m = Msg::Eos(EndOfStream { ts: 42 });
//! let mut buf = [0u8; ENCODED_LEN];
//! m.encode(&mut buf);
//! assert_eq!(buf[0], 11);
//! assert_eq!(Msg::decode(&buf), Ok(m));
//! ```

use crate::msg::*;
use crate::records::*;
use crate::{InstrumentId, Money, OrderId, Price, Qty, StrategyId};
use thiserror::Error;

/// Bytes of one encoded message.
pub const ENCODED_LEN: usize = 64;
/// Version of this encoding (the journal record's version field).
pub const CODEC_VERSION: u16 = 3;
/// Where the payload starts.
const PAYLOAD: usize = 8;

/// Why bytes are not an encoded [`Msg`].
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("encoded message is {0} bytes, expected {ENCODED_LEN}")]
    Length(usize),
    #[error("unknown message tag {0}")]
    UnknownTag(u8),
    #[error("{msg}: invalid {field} value {value}")]
    InvalidEnum { msg: &'static str, field: &'static str, value: u8 },
    #[error("{msg}: non-zero padding byte at offset {offset}")]
    NonZeroPadding { msg: &'static str, offset: usize },
}

/// Writes fields at increasing offsets, aligning each to its size.
struct W<'a> {
    b: &'a mut [u8; ENCODED_LEN],
    at: usize,
}

impl W<'_> {
    #[inline(always)]
    fn put<const N: usize>(&mut self, v: [u8; N]) {
        self.at = self.at.next_multiple_of(N);
        self.b[self.at..self.at + N].copy_from_slice(&v);
        self.at += N;
    }
    fn u8(&mut self, v: u8) {
        self.put([v]);
    }
    fn u16(&mut self, v: u16) {
        self.put(v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.put(v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.put(v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.put(v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.put(v.to_le_bytes());
    }
}

/// Reads fields at increasing offsets; checks that every skipped byte is zero.
struct R<'a> {
    b: &'a [u8],
    at: usize,
    msg: &'static str,
}

impl R<'_> {
    #[inline(always)]
    fn get<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.zeros_to(self.at.next_multiple_of(N))?;
        let mut v = [0u8; N];
        v.copy_from_slice(&self.b[self.at..self.at + N]);
        self.at += N;
        Ok(v)
    }
    fn zeros_to(&mut self, end: usize) -> Result<(), DecodeError> {
        while self.at < end {
            if self.b[self.at] != 0 {
                return Err(DecodeError::NonZeroPadding { msg: self.msg, offset: self.at });
            }
            self.at += 1;
        }
        Ok(())
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.get::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        self.get().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.get().map(u32::from_le_bytes)
    }
    fn i32(&mut self) -> Result<i32, DecodeError> {
        self.get().map(i32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        self.get().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        self.get().map(i64::from_le_bytes)
    }
    fn px(&mut self) -> Result<Price, DecodeError> {
        self.i64().map(Price::from_raw)
    }
    fn qty(&mut self) -> Result<Qty, DecodeError> {
        self.i64().map(Qty::from_raw)
    }
    fn money(&mut self) -> Result<Money, DecodeError> {
        self.i64().map(Money::from_raw)
    }
    /// A `u8` that must be below `bound` (an enum of another crate, stored as its number).
    fn below(&mut self, field: &'static str, bound: u8) -> Result<u8, DecodeError> {
        let value = self.u8()?;
        if value < bound {
            Ok(value)
        } else {
            Err(DecodeError::InvalidEnum { msg: self.msg, field, value })
        }
    }
    fn enum_u8<T>(&mut self, field: &'static str, f: fn(u8) -> Option<T>) -> Result<T, DecodeError> {
        let value = self.u8()?;
        f(value).ok_or(DecodeError::InvalidEnum { msg: self.msg, field, value })
    }
}

macro_rules! from_u8 {
    ($t:ident { $($v:ident),* }) => {
        impl $t {
            /// The variant with this discriminant, if any.
            pub const fn from_u8(v: u8) -> Option<$t> {
                $(if v == $t::$v as u8 { return Some($t::$v); })*
                None
            }
        }
    };
}
from_u8!(Side { Buy, Sell });
from_u8!(OrdType { Limit, Market });
from_u8!(Tif { Gtc, Ioc, Fok });
from_u8!(Verdict {
    Approved,
    MaxOrderQty,
    MaxOrderNotional,
    MaxPosition,
    PriceBand,
    RateLimit,
    MaxOpenOrders,
    Halted,
    InstrumentRules,
    NoMarket
});
from_u8!(BookState { Synced, Gap });
from_u8!(ExecKind { Accepted, Fill, Cancelled, Rejected, CancelRejected });
from_u8!(Liquidity { None, Maker, Taker });
from_u8!(VenueReject {
    None,
    NoLiquidity,
    UnknownOrder,
    TooManyOrders,
    Invalid,
    RiskRefused,
    OrderTableFull,
    DuplicateId
});
from_u8!(ControlCmd { Halt, Resume });
from_u8!(Trigger { None, Quote, Trade, Depth });

impl Msg {
    /// The stable kind number (the tag; the journal record type). See the module docs' table.
    #[inline(always)]
    pub const fn kind(&self) -> u16 {
        self.kind_index() as u16 + 1
    }

    /// The name of kind `kind` (`"quote"`, …), if it is one.
    pub const fn kind_name_of(kind: u16) -> Option<&'static str> {
        if kind >= 1 && kind as usize <= MSG_KINDS {
            Some(Self::NAMES[kind as usize - 1])
        } else {
            None
        }
    }

    /// Writes the version-3 encoding into `buf` (all 64 bytes; see the module docs).
    #[inline]
    pub fn encode(&self, buf: &mut [u8; ENCODED_LEN]) {
        *buf = [0; ENCODED_LEN];
        buf[0] = self.kind() as u8;
        let mut w = W { b: buf, at: PAYLOAD };
        match self {
            Msg::Quote(q) => {
                w.u32(q.inst.0);
                for v in [q.bid_px.raw(), q.bid_qty.raw(), q.ask_px.raw(), q.ask_qty.raw()] {
                    w.i64(v);
                }
                w.u64(q.update_id);
                w.u64(q.local_ts);
            }
            Msg::Trade(t) => {
                w.u32(t.inst.0);
                w.u8(t.aggressor as u8);
                w.i64(t.px.raw());
                w.i64(t.qty.raw());
                w.u64(t.trade_id);
                w.u64(t.exch_ts);
                w.u64(t.local_ts);
            }
            Msg::Depth(d) => {
                w.u32(d.inst.0);
                w.u32(d.bids);
                w.u32(d.asks);
                // `at` is the handling thread's store index: never journaled (zero).
                w.u32(0);
                w.u64(d.update_id);
                w.u64(d.exch_ts);
                w.u64(d.local_ts);
                w.i64(d.best_bid.raw());
                w.i64(d.best_ask.raw());
            }
            Msg::Book(b) => {
                w.u32(b.inst.0);
                w.u8(b.state as u8);
                w.u64(b.update_id);
                w.u64(b.exch_ts);
                w.u64(b.local_ts);
            }
            Msg::Intent(i) | Msg::Decision(i) => {
                w.u64(i.intent_id);
                w.i64(i.px.raw());
                w.i64(i.qty.raw());
                w.u64(i.origin_ts);
                w.u64(i.ts);
                w.u32(i.inst.0);
                w.u16(i.strategy.0);
                w.u16(i.confidence);
                for v in [i.side as u8, i.ord_type as u8, i.tif as u8, i.verdict as u8, i.trigger as u8] {
                    w.u8(v);
                }
            }
            Msg::New(o) => {
                w.u64(o.order_id.0);
                w.i64(o.px.raw());
                w.i64(o.qty.raw());
                w.u64(o.origin_ts);
                w.u64(o.ts);
                w.u32(o.inst.0);
                w.u16(o.strategy.0);
                for v in [o.side as u8, o.ord_type as u8, o.tif as u8, o.trigger as u8] {
                    w.u8(v);
                }
            }
            Msg::Cancel(c) => {
                w.u64(c.order_id.0);
                w.u64(c.origin_ts);
                w.u64(c.ts);
                w.u32(c.inst.0);
                w.u16(c.strategy.0);
            }
            Msg::Exec(e) => {
                w.u64(e.order_id.0);
                w.i64(e.px.raw());
                w.i64(e.qty.raw());
                w.i64(e.fee.raw());
                w.u64(e.ts);
                w.u32(e.inst.0);
                for v in [e.kind as u8, e.side as u8, e.liquidity as u8, e.reason as u8] {
                    w.u8(v);
                }
                w.i64(e.position.raw());
            }
            Msg::Control(c) => {
                w.u64(c.seq);
                w.u64(c.ts);
                w.u8(c.cmd as u8);
            }
            Msg::Eos(e) => w.u64(e.ts),
            Msg::Signal(g) => {
                w.u64(g.ts);
                w.u64(g.origin_ts);
                w.u32(g.inst.0);
                w.i32(g.score);
                w.u16(g.agent);
            }
            Msg::OrderState(t) => {
                w.u64(t.order_id.0);
                w.u64(t.intent_id);
                w.u64(t.ts);
                w.u32(t.inst.0);
                for v in [t.from, t.to, t.event, t.refused] {
                    w.u8(v);
                }
            }
            Msg::Position(p) => {
                w.u32(p.inst.0);
                for v in [p.qty.raw(), p.avg_px.raw(), p.realized.raw(), p.unrealized.raw(), p.equity.raw()] {
                    w.i64(v);
                }
                w.u64(p.ts);
            }
        }
    }

    /// Reads a version-3 encoding. Strict: see the module docs. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Msg, DecodeError> {
        if bytes.len() != ENCODED_LEN {
            return Err(DecodeError::Length(bytes.len()));
        }
        let tag = bytes[0];
        let Some(msg) = Msg::kind_name_of(tag as u16) else { return Err(DecodeError::UnknownTag(tag)) };
        let mut r = R { b: bytes, at: 1, msg };
        r.zeros_to(PAYLOAD)?;
        let m = match tag {
            1 => Msg::Quote(Quote {
                inst: InstrumentId(r.u32()?),
                _pad: 0,
                bid_px: r.px()?,
                bid_qty: r.qty()?,
                ask_px: r.px()?,
                ask_qty: r.qty()?,
                update_id: r.u64()?,
                local_ts: r.u64()?,
            }),
            2 => Msg::Trade(Trade {
                inst: InstrumentId(r.u32()?),
                aggressor: r.enum_u8("aggressor", Side::from_u8)?,
                _pad: [0; 3],
                px: r.px()?,
                qty: r.qty()?,
                trade_id: r.u64()?,
                exch_ts: r.u64()?,
                local_ts: r.u64()?,
            }),
            3 => {
                let (inst, bids, asks) = (InstrumentId(r.u32()?), r.u32()?, r.u32()?);
                r.zeros_to(r.at + 4)?;
                Msg::Depth(Depth {
                    inst,
                    bids,
                    asks,
                    at: 0,
                    update_id: r.u64()?,
                    exch_ts: r.u64()?,
                    local_ts: r.u64()?,
                    best_bid: r.px()?,
                    best_ask: r.px()?,
                })
            }
            4 => Msg::Book(BookStatus {
                inst: InstrumentId(r.u32()?),
                state: r.enum_u8("state", BookState::from_u8)?,
                _pad: [0; 3],
                update_id: r.u64()?,
                exch_ts: r.u64()?,
                local_ts: r.u64()?,
            }),
            5 | 6 => {
                let i = Intent {
                    intent_id: r.u64()?,
                    px: r.px()?,
                    qty: r.qty()?,
                    origin_ts: r.u64()?,
                    ts: r.u64()?,
                    inst: InstrumentId(r.u32()?),
                    strategy: StrategyId(r.u16()?),
                    confidence: r.u16()?,
                    side: r.enum_u8("side", Side::from_u8)?,
                    ord_type: r.enum_u8("ord_type", OrdType::from_u8)?,
                    tif: r.enum_u8("tif", Tif::from_u8)?,
                    verdict: r.enum_u8("verdict", Verdict::from_u8)?,
                    trigger: r.enum_u8("trigger", Trigger::from_u8)?,
                    _pad: [0; 3],
                };
                if tag == 5 {
                    Msg::Intent(i)
                } else {
                    Msg::Decision(i)
                }
            }
            7 => Msg::New(OrderNew {
                order_id: OrderId(r.u64()?),
                px: r.px()?,
                qty: r.qty()?,
                origin_ts: r.u64()?,
                ts: r.u64()?,
                inst: InstrumentId(r.u32()?),
                strategy: StrategyId(r.u16()?),
                side: r.enum_u8("side", Side::from_u8)?,
                ord_type: r.enum_u8("ord_type", OrdType::from_u8)?,
                tif: r.enum_u8("tif", Tif::from_u8)?,
                trigger: r.enum_u8("trigger", Trigger::from_u8)?,
                _pad: [0; 6],
            }),
            8 => Msg::Cancel(OrderCancel {
                order_id: OrderId(r.u64()?),
                origin_ts: r.u64()?,
                ts: r.u64()?,
                inst: InstrumentId(r.u32()?),
                strategy: StrategyId(r.u16()?),
                _pad: [0; 2],
            }),
            9 => Msg::Exec(ExecReport {
                order_id: OrderId(r.u64()?),
                px: r.px()?,
                qty: r.qty()?,
                fee: Money::from_raw(r.i64()?),
                ts: r.u64()?,
                inst: InstrumentId(r.u32()?),
                kind: r.enum_u8("kind", ExecKind::from_u8)?,
                side: r.enum_u8("side", Side::from_u8)?,
                liquidity: r.enum_u8("liquidity", Liquidity::from_u8)?,
                reason: r.enum_u8("reason", VenueReject::from_u8)?,
                position: r.qty()?,
            }),
            10 => Msg::Control(Control {
                seq: r.u64()?,
                ts: r.u64()?,
                cmd: r.enum_u8("cmd", ControlCmd::from_u8)?,
                _pad: [0; 7],
            }),
            11 => Msg::Eos(EndOfStream { ts: r.u64()? }),
            12 => Msg::Signal(SignalRecord {
                ts: r.u64()?,
                origin_ts: r.u64()?,
                inst: InstrumentId(r.u32()?),
                score: r.i32()?,
                agent: r.u16()?,
                _pad: [0; 6],
            }),
            13 => {
                let order_id = OrderId(r.u64()?);
                let (intent_id, ts, inst) = (r.u64()?, r.u64()?, InstrumentId(r.u32()?));
                let from = r.below("from", ORDER_STATES)?;
                let to = r.below("to", ORDER_STATES)?;
                let event = r.below("event", LIFECYCLE_EVENTS)?;
                let refused = r.below("refused", 2)?;
                if refused == 1 && to != from {
                    // A refused transition leaves the order where it was.
                    return Err(DecodeError::InvalidEnum { msg, field: "refused", value: refused });
                }
                Msg::OrderState(OrderTransition { order_id, intent_id, ts, inst, from, to, event, refused })
            }
            _ => Msg::Position(PositionRecord {
                inst: InstrumentId(r.u32()?),
                _pad: 0,
                qty: r.qty()?,
                avg_px: r.px()?,
                realized: r.money()?,
                unrealized: r.money()?,
                equity: r.money()?,
                ts: r.u64()?,
            }),
        };
        r.zeros_to(ENCODED_LEN)?;
        Ok(m)
    }
}

/// Bytes of one encoded depth level ([`PxQty`]: price then quantity, raw `i64` little-endian).
pub const LEVEL_LEN: usize = 16;

/// Why the levels after a `Depth` header are not valid.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum LevelsError {
    #[error("depth levels are {got} bytes, the header announces {levels} levels ({want} bytes)")]
    Length { got: usize, levels: usize, want: usize },
    #[error("depth level {index}: price {px} is not positive")]
    Price { index: usize, px: i64 },
    #[error("depth level {index}: quantity {qty} is negative")]
    Quantity { index: usize, qty: i64 },
}

/// Writes `levels` into `out` ([`LEVEL_LEN`] bytes each; `out` must be exactly that long).
#[inline]
pub fn encode_levels(levels: &[PxQty], out: &mut [u8]) {
    debug_assert_eq!(out.len(), levels.len() * LEVEL_LEN);
    for (l, b) in levels.iter().zip(out.chunks_exact_mut(LEVEL_LEN)) {
        b[..8].copy_from_slice(&l.px.raw().to_le_bytes());
        b[8..].copy_from_slice(&l.qty.raw().to_le_bytes());
    }
}

/// Reads the `n` levels of a depth record from `bytes`, handing each to `f` in order. Strict: the
/// length must match, prices must be positive and quantities not negative (what the feed
/// accepts), so a damaged record is refused instead of patching a book with nonsense.
pub fn decode_levels(bytes: &[u8], n: usize, mut f: impl FnMut(PxQty)) -> Result<(), LevelsError> {
    if bytes.len() != n.saturating_mul(LEVEL_LEN) {
        return Err(LevelsError::Length { got: bytes.len(), levels: n, want: n.saturating_mul(LEVEL_LEN) });
    }
    for (index, b) in bytes.chunks_exact(LEVEL_LEN).enumerate() {
        let px = i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
        let qty = i64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
        if px <= 0 {
            return Err(LevelsError::Price { index, px });
        }
        if qty < 0 {
            return Err(LevelsError::Quantity { index, qty });
        }
        f(PxQty::new(Price::from_raw(px), Qty::from_raw(qty)));
    }
    Ok(())
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
