//! One journal record → its message's named fields, for every output format. Prices, quantities
//! and money print as exact decimals; enums by name; timestamps stay integers (ns) in fields and
//! are shown as UTC by [`fmt_ts`]. Order states and lifecycle events (stored as numbers in
//! `Msg::OrderState`) print by their `alphapulse_oms` names.

use alphapulse_oms::{LifecycleEvent, OrderState};
use alphapulse_shm::{align8, Reader, RECORD_HEADER};
use alphapulse_types::{decode_levels, Msg, PxQty, CODEC_VERSION, ENCODED_LEN};
use std::fmt;

/// A field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(u64),
    /// A signed integer (a signal's score in basis points).
    Signed(i64),
    /// An exact decimal (price, quantity, money).
    Dec(String),
    Name(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Signed(v) => write!(f, "{v}"),
            Value::Dec(s) | Value::Name(s) => f.write_str(s),
        }
    }
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Int(v) => serde_json::json!(v),
            Value::Signed(v) => serde_json::json!(v),
            Value::Dec(s) | Value::Name(s) => serde_json::json!(s),
        }
    }
}

/// A named field.
pub type Field = (&'static str, Value);

/// `CamelCase` debug name → `snake_case`.
fn name<T: fmt::Debug>(v: T) -> Value {
    let d = format!("{v:?}");
    let mut s = String::with_capacity(d.len() + 4);
    for (i, c) in d.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_lowercase());
    }
    Value::Name(s)
}

fn dec(v: impl fmt::Display) -> Value {
    Value::Dec(v.to_string())
}

/// An order state by name (the codec has checked that the number is one).
fn state(v: u8) -> Value {
    Value::Name(OrderState::from_u8(v).map_or_else(|| v.to_string(), |s| s.name().into()))
}

/// Levels as `px@qty` separated by spaces, in the order the feed applied them.
fn ladder(levels: &[PxQty]) -> Value {
    let mut s = String::with_capacity(levels.len() * 24);
    for (i, l) in levels.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{}@{}", l.px, l.qty));
    }
    Value::Dec(s)
}

/// The fields of `m` (the message's own `ts` is the record's timestamp and is not repeated); a
/// depth update's `levels` (bids then asks) print as two ladders.
pub fn fields(m: &Msg, levels: &[PxQty], symbols: &[String]) -> Vec<Field> {
    let mut f: Vec<Field> = Vec::with_capacity(16);
    let inst = |f: &mut Vec<Field>, id: u32| {
        f.push(("inst", Value::Int(id.into())));
        if let Some(s) = symbols.get(id as usize) {
            f.push(("symbol", Value::Name(s.clone())));
        }
    };
    match m {
        Msg::Quote(q) => {
            inst(&mut f, q.inst.0);
            f.extend([
                ("bid_px", dec(q.bid_px)),
                ("bid_qty", dec(q.bid_qty)),
                ("ask_px", dec(q.ask_px)),
                ("ask_qty", dec(q.ask_qty)),
                ("update_id", Value::Int(q.update_id)),
            ]);
        }
        Msg::Trade(t) => {
            inst(&mut f, t.inst.0);
            f.extend([("aggressor", name(t.aggressor)), ("px", dec(t.px)), ("qty", dec(t.qty))]);
            f.extend([("trade_id", Value::Int(t.trade_id)), ("exch_ts", Value::Int(t.exch_ts))]);
        }
        Msg::Depth(d) => {
            inst(&mut f, d.inst.0);
            f.extend([("bids", Value::Int(d.bids.into())), ("asks", Value::Int(d.asks.into()))]);
            f.extend([("update_id", Value::Int(d.update_id)), ("exch_ts", Value::Int(d.exch_ts))]);
            f.extend([("best_bid", dec(d.best_bid)), ("best_ask", dec(d.best_ask))]);
            let (b, a) = levels.split_at((d.bids as usize).min(levels.len()));
            f.extend([("bid_levels", ladder(b)), ("ask_levels", ladder(a))]);
        }
        Msg::Book(b) => {
            inst(&mut f, b.inst.0);
            f.extend([("state", name(b.state)), ("update_id", Value::Int(b.update_id))]);
            f.push(("exch_ts", Value::Int(b.exch_ts)));
        }
        Msg::Intent(i) | Msg::Decision(i) => {
            f.push(("intent_id", Value::Int(i.intent_id)));
            inst(&mut f, i.inst.0);
            f.extend([("strategy", Value::Int(i.strategy.0.into())), ("side", name(i.side))]);
            f.extend([("px", dec(i.px)), ("qty", dec(i.qty)), ("ord_type", name(i.ord_type))]);
            f.extend([("tif", name(i.tif)), ("confidence", Value::Int(i.confidence.into()))]);
            f.extend([
                ("verdict", Value::Name(i.verdict.name().into())),
                ("origin_ts", Value::Int(i.origin_ts)),
                ("trigger", Value::Name(i.trigger.name().into())),
            ]);
        }
        Msg::New(o) => {
            f.push(("order_id", Value::Int(o.order_id.0)));
            inst(&mut f, o.inst.0);
            f.extend([("strategy", Value::Int(o.strategy.0.into())), ("side", name(o.side))]);
            f.extend([("px", dec(o.px)), ("qty", dec(o.qty)), ("ord_type", name(o.ord_type))]);
            f.extend([("tif", name(o.tif)), ("origin_ts", Value::Int(o.origin_ts))]);
            f.push(("trigger", Value::Name(o.trigger.name().into())));
        }
        Msg::Cancel(c) => {
            f.push(("order_id", Value::Int(c.order_id.0)));
            inst(&mut f, c.inst.0);
            f.extend([("strategy", Value::Int(c.strategy.0.into())), ("origin_ts", Value::Int(c.origin_ts))]);
        }
        Msg::Exec(e) => {
            f.push(("order_id", Value::Int(e.order_id.0)));
            inst(&mut f, e.inst.0);
            f.extend([("strategy", Value::Int(e.strategy().0.into())), ("exec_kind", name(e.kind))]);
            f.extend([("side", name(e.side)), ("px", dec(e.px)), ("qty", dec(e.qty)), ("fee", dec(e.fee))]);
            f.extend([("liquidity", name(e.liquidity)), ("reason", name(e.reason))]);
            f.push(("position", dec(e.position)));
        }
        Msg::Control(c) => f.extend([("control_seq", Value::Int(c.seq)), ("cmd", name(c.cmd))]),
        Msg::Eos(_) => {}
        Msg::Signal(g) => {
            inst(&mut f, g.inst.0);
            f.extend([("agent", Value::Int(g.agent.into())), ("score", Value::Signed(g.score.into()))]);
            f.push(("origin_ts", Value::Int(g.origin_ts)));
        }
        Msg::OrderState(t) => {
            f.extend([("order_id", Value::Int(t.order_id.0)), ("intent_id", Value::Int(t.intent_id))]);
            inst(&mut f, t.inst.0);
            let event =
                LifecycleEvent::from_u8(t.event).map_or_else(|| t.event.to_string(), |e| e.name().into());
            f.extend([
                ("from_state", state(t.from)),
                ("to_state", state(t.to)),
                ("event", Value::Name(event)),
            ]);
            f.push(("refused", Value::Int(t.refused.into())));
        }
        Msg::Position(p) => {
            inst(&mut f, p.inst.0);
            f.extend([("qty", dec(p.qty)), ("avg_px", dec(p.avg_px)), ("realized", dec(p.realized))]);
            f.extend([("unrealized", dec(p.unrealized)), ("equity", dec(p.equity))]);
        }
    }
    f
}

/// A record checked and decoded: its message (and a depth update's levels), or an error naming
/// the file and offset.
pub fn decode_record(
    reader: &Reader,
    stream: &str,
    seq: u64,
    ty: u16,
    version: u16,
    payload: &[u8],
) -> anyhow::Result<(Msg, Vec<PxQty>)> {
    let problem = if version != CODEC_VERSION {
        format!("unknown message version {version} (this build reads {CODEC_VERSION})")
    } else {
        let depth = ty == 3 && payload.len() >= ENCODED_LEN;
        let head = if depth { &payload[..ENCODED_LEN] } else { payload };
        match Msg::decode(head) {
            Ok(Msg::Depth(d)) if ty == 3 => {
                let mut levels = Vec::with_capacity(d.len().min(1 << 20));
                match decode_levels(&payload[ENCODED_LEN..], d.len(), |l| levels.push(l)) {
                    Ok(()) => return Ok((Msg::Depth(d), levels)),
                    Err(e) => format!("depth levels do not decode: {e}"),
                }
            }
            Ok(m) if m.kind() == ty => return Ok((m, Vec::new())),
            Ok(m) => format!("record type {ty} but a {} payload", m.kind_name()),
            Err(e) => format!("payload does not decode: {e}"),
        }
    };
    let (file, pos) =
        reader.position().map_or((Default::default(), 0), |(f, p)| (f.display().to_string(), p));
    let offset = pos.saturating_sub(align8(RECORD_HEADER + payload.len()) as u64);
    anyhow::bail!("stream `{stream}`: journal file {file} at offset {offset}: record {seq}: {problem}")
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC) for nanoseconds since the Unix epoch.
pub fn fmt_ts(ns: u64) -> String {
    let stamp = crate::run_journal::utc_stamp(ns / 1_000_000_000); // YYYYMMDDTHHMMSSZ
    let b = stamp.as_bytes();
    let s = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).unwrap_or("?");
    format!(
        "{}-{}-{}T{}:{}:{}.{:09}Z",
        s(0..4),
        s(4..6),
        s(6..8),
        s(9..11),
        s(11..13),
        s(13..15),
        ns % 1_000_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_types::{
        ExecKind, ExecReport, Money, OrderId, OrderTransition, PositionRecord, Price, Qty, SignalRecord,
    };

    #[test]
    fn names_and_decimals() {
        assert_eq!(fmt_ts(1_723_075_200_000_000_007), "2024-08-08T00:00:00.000000007Z");
        let e = Msg::Exec(ExecReport {
            kind: ExecKind::CancelRejected,
            px: Price::from_raw(150_000_000),
            ..Default::default()
        });
        let f = fields(&e, &[], &["BTCUSDT".into()]);
        assert!(f.contains(&("exec_kind", Value::Name("cancel_rejected".into()))), "{f:?}");
        assert!(f.contains(&("symbol", Value::Name("BTCUSDT".into()))));
        let px = f.iter().find(|x| x.0 == "px").unwrap();
        assert_eq!(px.1.to_string(), "1.5");
    }

    #[test]
    fn journal_only_kinds_read_by_name() {
        let syms = ["BTCUSDT".to_string()];
        let g = Msg::Signal(SignalRecord { score: -2500, agent: 1, origin_ts: 9, ..Default::default() });
        let f = fields(&g, &[], &syms);
        assert!(
            f.contains(&("score", Value::Signed(-2500))) && f.contains(&("agent", Value::Int(1))),
            "{f:?}"
        );
        assert_eq!(Value::Signed(-2500).to_json(), serde_json::json!(-2500));
        let t = Msg::OrderState(OrderTransition {
            order_id: OrderId(7),
            from: OrderState::OrderPlaced as u8,
            to: OrderState::PartiallyFilled as u8,
            event: LifecycleEvent::PartialFill as u8,
            ..Default::default()
        });
        let f = fields(&t, &[], &syms);
        for (k, v) in
            [("from_state", "order_placed"), ("to_state", "partially_filled"), ("event", "partial_fill")]
        {
            assert!(f.contains(&(k, Value::Name(v.into()))), "{k}: {f:?}");
        }
        let p = Msg::Position(PositionRecord {
            qty: Qty::from_raw(-50_000_000),
            avg_px: Price::from_units(61_000),
            realized: Money::from_raw(-12_345_000_000),
            ..Default::default()
        });
        let f = fields(&p, &[], &syms);
        let get = |k: &str| f.iter().find(|x| x.0 == k).unwrap().1.to_string();
        assert_eq!(
            (get("qty"), get("avg_px"), get("realized")),
            ("-0.5".into(), "61000".into(), "-123.45".into())
        );
        assert_eq!(get("symbol"), "BTCUSDT");
    }
}
