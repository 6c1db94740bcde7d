//! The wire record the gateway encodes for every order it sends: a compact little-endian binary
//! `NewOrder`, laid out like an SBE message (an 8-byte header, then a fixed block).
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 2 | block length (56) |
//! | 2 | 2 | template id ([`TEMPLATE_NEW_ORDER`]) |
//! | 4 | 2 | schema id ([`SCHEMA_ID`]) |
//! | 6 | 2 | schema version ([`SCHEMA_VERSION`]) |
//! | 8 | 8 | order id |
//! | 16 | 4 | instrument id |
//! | 20 | 2 | strategy id |
//! | 22 | 1 | side (1 buy, 2 sell) |
//! | 23 | 1 | order type (1 limit, 2 market) |
//! | 24 | 1 | time in force (1 GTC, 2 IOC, 3 FOK) |
//! | 25 | 7 | padding (zero) |
//! | 32 | 8 | price (i64, 1e-8) |
//! | 40 | 8 | quantity (i64, 1e-8) |
//! | 48 | 8 | origin ts (ns) |
//! | 56 | 8 | send ts (ns) |

use alphapulse_types::{InstrumentId, OrdType, OrderId, OrderNew, Price, Qty, Side, StrategyId, Tif};

/// Bytes of one encoded order.
pub const WIRE_LEN: usize = 64;
/// SBE-style template id of a new order.
pub const TEMPLATE_NEW_ORDER: u16 = 1;
/// Schema id of the simulator's wire format.
pub const SCHEMA_ID: u16 = 0x4150; // "AP"
/// Schema version.
pub const SCHEMA_VERSION: u16 = 1;
const BLOCK_LEN: u16 = (WIRE_LEN - 8) as u16;

#[inline(always)]
fn put<const K: usize>(buf: &mut [u8], at: usize, bytes: [u8; K]) {
    buf[at..at + K].copy_from_slice(&bytes);
}

#[inline(always)]
fn get<const K: usize>(buf: &[u8], at: usize) -> [u8; K] {
    let mut b = [0u8; K];
    b.copy_from_slice(&buf[at..at + K]);
    b
}

/// Encode `o` into `buf` and return the number of bytes written ([`WIRE_LEN`]). `buf` must hold at
/// least [`WIRE_LEN`] bytes, checked at compile time. `o.ts` is written as the send time.
#[inline]
pub fn encode_order<const N: usize>(o: &OrderNew, buf: &mut [u8; N]) -> usize {
    const { assert!(N >= WIRE_LEN, "encode_order needs a buffer of at least WIRE_LEN bytes") };
    let b = &mut buf[..WIRE_LEN];
    put(b, 0, BLOCK_LEN.to_le_bytes());
    put(b, 2, TEMPLATE_NEW_ORDER.to_le_bytes());
    put(b, 4, SCHEMA_ID.to_le_bytes());
    put(b, 6, SCHEMA_VERSION.to_le_bytes());
    put(b, 8, o.order_id.0.to_le_bytes());
    put(b, 16, o.inst.0.to_le_bytes());
    put(b, 20, o.strategy.0.to_le_bytes());
    b[22] = o.side as u8;
    b[23] = o.ord_type as u8;
    b[24] = o.tif as u8;
    b[25..32].fill(0);
    put(b, 32, o.px.raw().to_le_bytes());
    put(b, 40, o.qty.raw().to_le_bytes());
    put(b, 48, o.origin_ts.to_le_bytes());
    put(b, 56, o.ts.to_le_bytes());
    WIRE_LEN
}

/// Decode a record written by [`encode_order`]; `None` if the header or an enum byte is wrong.
pub fn decode_order(buf: &[u8]) -> Option<OrderNew> {
    if buf.len() < WIRE_LEN
        || u16::from_le_bytes(get(buf, 0)) != BLOCK_LEN
        || u16::from_le_bytes(get(buf, 2)) != TEMPLATE_NEW_ORDER
        || u16::from_le_bytes(get(buf, 4)) != SCHEMA_ID
        || u16::from_le_bytes(get(buf, 6)) != SCHEMA_VERSION
    {
        return None;
    }
    let side = match buf[22] {
        1 => Side::Buy,
        2 => Side::Sell,
        _ => return None,
    };
    let ord_type = match buf[23] {
        1 => OrdType::Limit,
        2 => OrdType::Market,
        _ => return None,
    };
    let tif = match buf[24] {
        1 => Tif::Gtc,
        2 => Tif::Ioc,
        3 => Tif::Fok,
        _ => return None,
    };
    Some(OrderNew {
        order_id: OrderId(u64::from_le_bytes(get(buf, 8))),
        inst: InstrumentId(u32::from_le_bytes(get(buf, 16))),
        strategy: StrategyId(u16::from_le_bytes(get(buf, 20))),
        side,
        ord_type,
        tif,
        px: Price::from_raw(i64::from_le_bytes(get(buf, 32))),
        qty: Qty::from_raw(i64::from_le_bytes(get(buf, 40))),
        origin_ts: u64::from_le_bytes(get(buf, 48)),
        ts: u64::from_le_bytes(get(buf, 56)),
        // Not on the wire: the venue never sees what triggered an order.
        trigger: Default::default(),
        _pad: [0; 6],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn roundtrips(id in any::<u64>(), inst in any::<u32>(), strat in any::<u16>(), px in any::<i64>(),
                      qty in any::<i64>(), o_ts in any::<u64>(), ts in any::<u64>(), s in 0u8..2, t in 0u8..2, f in 0u8..3) {
            let o = OrderNew {
                order_id: OrderId(id), inst: InstrumentId(inst), strategy: StrategyId(strat),
                side: [Side::Buy, Side::Sell][s as usize], ord_type: [OrdType::Limit, OrdType::Market][t as usize],
                tif: [Tif::Gtc, Tif::Ioc, Tif::Fok][f as usize], px: Price::from_raw(px), qty: Qty::from_raw(qty),
                origin_ts: o_ts, ts, trigger: Default::default(), _pad: [0; 6],
            };
            let mut buf = [0xAAu8; 80];
            prop_assert_eq!(encode_order(&o, &mut buf), WIRE_LEN);
            prop_assert_eq!(decode_order(&buf), Some(o));
            prop_assert!(buf[WIRE_LEN..].iter().all(|&b| b == 0xAA));
        }
    }

    #[test]
    fn header_is_little_endian_and_checked() {
        let mut buf = [0u8; WIRE_LEN];
        encode_order(&OrderNew { order_id: OrderId(0x0102), ..OrderNew::default() }, &mut buf);
        assert_eq!(&buf[0..8], &[56, 0, 1, 0, 0x50, 0x41, 1, 0]);
        assert_eq!(&buf[8..10], &[0x02, 0x01]);
        let mut bad = buf;
        bad[2] = 9;
        assert_eq!(decode_order(&bad), None);
        bad = buf;
        bad[24] = 7;
        assert_eq!(decode_order(&bad), None);
        assert_eq!(decode_order(&buf[..10]), None);
    }
}
