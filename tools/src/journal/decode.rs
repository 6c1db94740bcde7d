//! One journal record → its message's named fields, for every output format. The fields and
//! their names are the codec's ([`Msg::visit_fields`], from the one field list that also encodes
//! and decodes), in codec order; this module adds only what the codec cannot know (see
//! [`fields`]). Prices, quantities and money print as exact decimals; enums by name; timestamps
//! stay integers (ns) in fields and are shown as UTC by [`fmt_ts`]. Order states and lifecycle
//! events (stored as numbers in `Msg::OrderState`) print by their `alphapulse_oms` names.

use alphapulse_oms::{LifecycleEvent, OrderState};
use alphapulse_shm::{align8, Reader, RECORD_HEADER};
use alphapulse_types::{decode_levels, FieldValue, Msg, PxQty, CODEC_VERSION, ENCODED_LEN, MSG_KINDS};
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

impl From<FieldValue> for Value {
    fn from(v: FieldValue) -> Value {
        match v {
            FieldValue::Unsigned(v) => Value::Int(v),
            FieldValue::Signed(v) => Value::Signed(v),
            FieldValue::Price(_) | FieldValue::Qty(_) | FieldValue::Money(_) => Value::Dec(v.to_string()),
            FieldValue::Name(n) => Value::Name(n.into()),
        }
    }
}

/// A named field.
pub type Field = (&'static str, Value);

/// The name of order state or lifecycle event number `v` (the codec has checked that it is one).
fn oms_name(v: FieldValue, name: fn(u8) -> Option<&'static str>) -> Value {
    match v {
        FieldValue::Unsigned(n) => match u8::try_from(n).ok().and_then(name) {
            Some(s) => Value::Name(s.into()),
            None => Value::Name(n.to_string()),
        },
        other => other.into(),
    }
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

/// Whether the field named `name` is the message's own time, [`Msg::event_ts`] (the record's
/// timestamp, which every output shows already): a market event's `local_ts`, any other
/// message's `ts`.
fn is_record_ts(m: &Msg, name: &str) -> bool {
    name == if m.is_market() { "local_ts" } else { "ts" }
}

/// The fields of `m`: every field of [`Msg::visit_fields`], in codec order, under the codec's
/// names, except the message's own time (the record's timestamp, not repeated). Added here, what
/// the codec cannot know: `symbol` after `inst` (from `symbols`, the journal's instrument table),
/// an execution report's `strategy` after that (the high bits of its order id), the order states
/// (`from_state`, `to_state`) and lifecycle `event` of an order transition by their
/// `alphapulse_oms` names, a strategy's name after its index (`agent_name` after a signal's or a
/// strategy record's `agent`; `agent_names` after an aggregate decision's `agents` bitmask: the
/// strategies whose signals it weighed, `+`-joined; see [`fields_named`]), and a depth update's
/// `levels` (bids then asks) as two ladders (`bid_levels`, `ask_levels`) at the end.
pub fn fields(m: &Msg, levels: &[PxQty], symbols: &[String]) -> Vec<Field> {
    fields_named(m, levels, symbols, &[])
}

/// The name of strategy `i` (`#i` when the run did not record it).
fn strategy_name(strategies: &[String], i: u64) -> String {
    usize::try_from(i).ok().and_then(|k| strategies.get(k)).cloned().unwrap_or_else(|| format!("#{i}"))
}

/// The strategies of bitmask `mask` (bit `i` = strategy `i`), by name, `+`-joined; `-` for none.
pub fn strategy_names(strategies: &[String], mask: u64) -> String {
    let names: Vec<String> =
        (0..64).filter(|b| mask >> b & 1 == 1).map(|b| strategy_name(strategies, b)).collect();
    if names.is_empty() {
        "-".into()
    } else {
        names.join("+")
    }
}

/// [`fields`], with the run's strategy names in index order (`run.json`'s `strategies`).
pub fn fields_named(m: &Msg, levels: &[PxQty], symbols: &[String], strategies: &[String]) -> Vec<Field> {
    let mut f: Vec<Field> = Vec::with_capacity(16);
    m.visit_fields(&mut |name, v: FieldValue| {
        if is_record_ts(m, name) {
            return;
        }
        let value = match (m, name) {
            (Msg::OrderState(_), "from_state" | "to_state") => {
                oms_name(v, |n| OrderState::from_u8(n).map(OrderState::name))
            }
            (Msg::OrderState(_), "event") => {
                oms_name(v, |n| LifecycleEvent::from_u8(n).map(LifecycleEvent::name))
            }
            _ => v.into(),
        };
        f.push((name, value));
        match (name, v) {
            ("agent", FieldValue::Unsigned(i)) => {
                f.push(("agent_name", Value::Name(strategy_name(strategies, i))))
            }
            ("agents", FieldValue::Unsigned(mask)) => {
                f.push(("agent_names", Value::Name(strategy_names(strategies, mask))))
            }
            _ => {}
        }
        if name == "inst" {
            if let FieldValue::Unsigned(id) = v {
                if let Some(s) = usize::try_from(id).ok().and_then(|i| symbols.get(i)) {
                    f.push(("symbol", Value::Name(s.clone())));
                }
            }
            if let Msg::Exec(e) = m {
                f.push(("strategy", Value::Int(e.strategy().0.into())));
            }
        }
    });
    if let Msg::Depth(d) = m {
        let (b, a) = levels.split_at((d.bids as usize).min(levels.len()));
        f.extend([("bid_levels", ladder(b)), ("ask_levels", ladder(a))]);
    }
    f
}

/// One message of every kind (default fields), in kind order.
pub fn one_of_each_kind() -> [Msg; MSG_KINDS] {
    let all = [
        Msg::Quote(Default::default()),
        Msg::Trade(Default::default()),
        Msg::Depth(Default::default()),
        Msg::Book(Default::default()),
        Msg::Intent(Default::default()),
        Msg::Decision(Default::default()),
        Msg::New(Default::default()),
        Msg::Cancel(Default::default()),
        Msg::Exec(Default::default()),
        Msg::Control(Default::default()),
        Msg::Eos(Default::default()),
        Msg::Signal(Default::default()),
        Msg::OrderState(Default::default()),
        Msg::Position(Default::default()),
        Msg::FeedEvent(Default::default()),
        Msg::Command(Default::default()),
        Msg::Strategy(Default::default()),
        Msg::Alert(Default::default()),
        Msg::Aggregate(Default::default()),
    ];
    debug_assert!(all.iter().enumerate().all(|(i, m)| m.kind() as usize == i + 1));
    all
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
    fn strategies_are_named_from_the_runs_list() {
        let names = ["ema_cross".to_string(), "imbalance".to_string()];
        assert_eq!(strategy_names(&names, 0b11), "ema_cross+imbalance");
        assert_eq!(strategy_names(&names, 0b101), "ema_cross+#2");
        assert_eq!(strategy_names(&names, 0), "-");
        let g = Msg::Signal(SignalRecord { agent: 1, ..Default::default() });
        let f = fields_named(&g, &[], &[], &names);
        assert!(f.contains(&("agent_name", Value::Name("imbalance".into()))), "{f:?}");
    }

    #[test]
    fn the_codecs_fields_less_the_record_time_plus_what_the_tools_know() {
        use alphapulse_types::{Depth, ExecKind, Intent, Quote, Trade};
        let samples = [
            Msg::Quote(Quote { local_ts: 5, update_id: 6, ..Default::default() }),
            Msg::Trade(Trade { local_ts: 5, exch_ts: 6, ..Default::default() }),
            Msg::Depth(Depth { local_ts: 5, exch_ts: 6, bids: 1, asks: 1, ..Default::default() }),
            Msg::Intent(Intent { ts: 5, origin_ts: 6, ..Default::default() }),
            Msg::Exec(ExecReport {
                ts: 5,
                kind: ExecKind::Fill,
                order_id: OrderId(3 << 48 | 1),
                ..Default::default()
            }),
            Msg::OrderState(OrderTransition { ts: 5, to: 1, event: 1, ..Default::default() }),
        ];
        let levels = [
            PxQty::new(Price::from_units(2), Qty::from_units(1)),
            PxQty::new(Price::from_units(3), Qty::from_raw(1)),
        ];
        let syms = ["BTCUSDT".to_string()];
        for m in samples.iter().chain(one_of_each_kind().iter()) {
            let mut visited = Vec::new();
            m.visit_fields(&mut |n, v: FieldValue| visited.push((n, v)));
            // Exactly one visited field is the record's time, and it is `event_ts`.
            let times: Vec<_> = visited.iter().filter(|(n, _)| is_record_ts(m, n)).collect();
            assert_eq!(times.len(), 1, "{}: {visited:?}", m.kind_name());
            assert_eq!(times[0].1, FieldValue::Unsigned(m.event_ts()), "{}", m.kind_name());
            let f = fields(m, if matches!(m, Msg::Depth(_)) { &levels } else { &[] }, &syms);
            let mut want: Vec<&str> =
                visited.iter().map(|(n, _)| *n).filter(|n| !is_record_ts(m, n)).collect();
            for (after, name) in [("agent", "agent_name"), ("agents", "agent_names")] {
                if let Some(i) = want.iter().position(|n| *n == after) {
                    want.insert(i + 1, name);
                }
            }
            if let Some(i) = want.iter().position(|n| *n == "inst") {
                want.insert(i + 1, "symbol");
                if matches!(m, Msg::Exec(_)) {
                    want.insert(i + 2, "strategy");
                }
            }
            if matches!(m, Msg::Depth(_)) {
                want.extend(["bid_levels", "ask_levels"]);
            }
            assert_eq!(f.iter().map(|(n, _)| *n).collect::<Vec<_>>(), want, "{}", m.kind_name());
            // Every value the codec gave is printed as the codec prints it, but the oms numbers.
            for (n, v) in &visited {
                if let Some((_, x)) = f.iter().find(|(k, _)| k == n) {
                    if !matches!(m, Msg::OrderState(_)) || !["from_state", "to_state", "event"].contains(n) {
                        assert_eq!(x.to_string(), v.to_string(), "{}: {n}", m.kind_name());
                    }
                }
            }
        }
        let kinds: Vec<u16> = one_of_each_kind().iter().map(Msg::kind).collect();
        assert_eq!(kinds, (1..=MSG_KINDS as u16).collect::<Vec<_>>());
        let d = fields(&samples[2], &levels, &syms);
        assert!(d.contains(&("bid_levels", Value::Dec("2@1".into()))), "{d:?}");
        assert!(d.contains(&("ask_levels", Value::Dec("3@0.00000001".into()))), "{d:?}");
        let e = fields(&samples[4], &[], &syms);
        assert!(
            e.contains(&("strategy", Value::Int(3)))
                && e.contains(&("exec_kind", Value::Name("fill".into())))
        );
        let t = fields(&samples[5], &[], &syms);
        for (k, v) in
            [("from_state", "signal_generated"), ("to_state", "risk_validation"), ("event", "approve")]
        {
            assert!(t.contains(&(k, Value::Name(v.into()))), "{k}: {t:?}");
        }
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
