use super::*;
use proptest::prelude::*;

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}
fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    (0..all.len()).prop_map(move |i| all[i])
}
fn intent() -> impl Strategy<Value = Intent> {
    (
        (any::<u64>(), any::<i64>(), any::<i64>(), any::<u64>(), any::<u64>()),
        (any::<u32>(), any::<u16>(), any::<u16>(), side()),
        pick(&[OrdType::Limit, OrdType::Market]),
        pick(&[Tif::Gtc, Tif::Ioc, Tif::Fok]),
        (0u8..=9).prop_map(|v| Verdict::from_u8(v).unwrap()),
        pick(&Trigger::ALL),
    )
        .prop_map(|((id, px, qty, o, ts), (inst, st, conf, side), ord_type, tif, verdict, trigger)| {
            Intent {
                intent_id: id,
                px: Price::from_raw(px),
                qty: Qty::from_raw(qty),
                origin_ts: o,
                ts,
                inst: InstrumentId(inst),
                strategy: StrategyId(st),
                confidence: conf,
                side,
                ord_type,
                tif,
                verdict,
                trigger,
                _pad: [0; 3],
            }
        })
}

/// Every valid message: each variant, every field over its whole range.
pub(crate) fn any_msg() -> impl Strategy<Value = Msg> {
    let u = any::<u64>;
    let i = any::<i64>;
    prop_oneof![
        (any::<u32>(), i(), i(), i(), i(), u(), u()).prop_map(|(inst, a, b, c, d, e, f)| Msg::Quote(Quote {
            inst: InstrumentId(inst),
            _pad: 0,
            bid_px: Price::from_raw(a),
            bid_qty: Qty::from_raw(b),
            ask_px: Price::from_raw(c),
            ask_qty: Qty::from_raw(d),
            update_id: e,
            local_ts: f,
        })),
        (any::<u32>(), side(), i(), i(), u(), u(), u()).prop_map(|(inst, s, px, q, id, e, l)| Msg::Trade(
            Trade {
                inst: InstrumentId(inst),
                aggressor: s,
                _pad: [0; 3],
                px: Price::from_raw(px),
                qty: Qty::from_raw(q),
                trade_id: id,
                exch_ts: e,
                local_ts: l
            }
        )),
        (any::<u32>(), any::<u32>(), any::<u32>(), u(), u(), u(), i(), i()).prop_map(
            |(inst, bids, asks, id, e, l, bb, ba)| Msg::Depth(Depth {
                inst: InstrumentId(inst),
                bids,
                asks,
                at: 0,
                update_id: id,
                exch_ts: e,
                local_ts: l,
                best_bid: Price::from_raw(bb),
                best_ask: Price::from_raw(ba),
            })
        ),
        (any::<u32>(), pick(&[BookState::Synced, BookState::Gap]), u(), u(), u()).prop_map(
            |(inst, state, id, e, l)| Msg::Book(BookStatus {
                inst: InstrumentId(inst),
                state,
                _pad: [0; 3],
                update_id: id,
                exch_ts: e,
                local_ts: l
            })
        ),
        intent().prop_map(Msg::Intent),
        intent().prop_map(Msg::Decision),
        (intent(), u()).prop_map(|(i, id)| Msg::New(OrderNew {
            order_id: OrderId(id),
            px: i.px,
            qty: i.qty,
            origin_ts: i.origin_ts,
            ts: i.ts,
            inst: i.inst,
            strategy: i.strategy,
            side: i.side,
            ord_type: i.ord_type,
            tif: i.tif,
            trigger: i.trigger,
            _pad: [0; 6],
        })),
        (u(), u(), u(), any::<u32>(), any::<u16>()).prop_map(|(id, o, ts, inst, st)| Msg::Cancel(
            OrderCancel {
                order_id: OrderId(id),
                origin_ts: o,
                ts,
                inst: InstrumentId(inst),
                strategy: StrategyId(st),
                _pad: [0; 2]
            }
        )),
        (
            (u(), i(), i(), i(), u(), any::<u32>(), i()),
            (1u8..=5).prop_map(|v| ExecKind::from_u8(v).unwrap()),
            side(),
            (0u8..=2).prop_map(|v| Liquidity::from_u8(v).unwrap()),
            (0u8..=7).prop_map(|v| VenueReject::from_u8(v).unwrap()),
        )
            .prop_map(|((id, px, q, fee, ts, inst, pos), kind, side, liquidity, reason)| {
                Msg::Exec(ExecReport {
                    order_id: OrderId(id),
                    px: Price::from_raw(px),
                    qty: Qty::from_raw(q),
                    fee: Money::from_raw(fee),
                    ts,
                    inst: InstrumentId(inst),
                    kind,
                    side,
                    liquidity,
                    reason,
                    position: Qty::from_raw(pos),
                })
            }),
        (u(), u(), pick(&[ControlCmd::Halt, ControlCmd::Resume, ControlCmd::CancelAll]))
            .prop_map(|(seq, ts, cmd)| Msg::Control(Control { seq, ts, cmd, _pad: [0; 7] })),
        u().prop_map(|ts| Msg::Eos(EndOfStream { ts })),
        (u(), u(), any::<u32>(), any::<i32>(), any::<u16>()).prop_map(|(ts, o, inst, score, agent)| {
            Msg::Signal(SignalRecord {
                ts,
                origin_ts: o,
                inst: InstrumentId(inst),
                score,
                agent,
                _pad: [0; 6],
            })
        }),
        (u(), u(), u(), any::<u32>(), 0..ORDER_STATES, 0..ORDER_STATES, 0..LIFECYCLE_EVENTS, any::<bool>())
            .prop_map(|(id, intent, ts, inst, from, to, event, refused)| {
                Msg::OrderState(OrderTransition {
                    order_id: OrderId(id),
                    intent_id: intent,
                    ts,
                    inst: InstrumentId(inst),
                    from,
                    to: if refused { from } else { to },
                    event,
                    refused: refused as u8,
                })
            }),
        (any::<u32>(), (i(), i(), i(), i(), i()), u()).prop_map(|(inst, (q, px, r, un, eq), ts)| {
            Msg::Position(PositionRecord {
                inst: InstrumentId(inst),
                _pad: 0,
                qty: Qty::from_raw(q),
                avg_px: Price::from_raw(px),
                realized: Money::from_raw(r),
                unrealized: Money::from_raw(un),
                equity: Money::from_raw(eq),
                ts,
            })
        }),
        ((u(), u(), i(), u()), (any::<u32>(), any::<u32>(), any::<u16>()), (0u8..18, 0u8..6, any::<u8>()))
            .prop_map(|((ts, seq, value, result), (uid, inst, index), (c, o, level))| {
                Msg::Command(CommandRecord {
                    ts,
                    seq,
                    value,
                    result,
                    uid,
                    inst: InstrumentId(inst),
                    index,
                    command: OperatorCommand::from_u8(c).unwrap(),
                    outcome: CommandOutcome::from_u8(o).unwrap(),
                    level,
                    _pad: [0; 3],
                })
            }),
        ((u(), u(), u(), u()), any::<u16>(), 0u8..5).prop_map(|((ts, calls, overruns, worst), agent, e)| {
            Msg::Strategy(StrategyEventRecord {
                ts,
                calls,
                overruns,
                worst_call_ns: worst,
                agent,
                event: StrategyEvent::from_u8(e).unwrap(),
                _pad: [0; 5],
            })
        }),
        ((u(), u(), i(), i()), (any::<u32>(), any::<u32>(), any::<u32>()), (0u8..8, 0u8..3, 0u8..3))
            .prop_map(|((ts, alert_id, value, threshold), (rule_id, inst, by), (k, sev, st))| {
                Msg::Alert(AlertRecord {
                    ts,
                    alert_id,
                    value,
                    threshold,
                    rule_id,
                    inst: InstrumentId(inst),
                    by,
                    rule_kind: AlertRuleKind::from_u8(k).unwrap(),
                    severity: AlertSeverity::from_u8(sev).unwrap(),
                    state: AlertState::from_u8(st).unwrap(),
                    _pad: 0,
                })
            },),
        (
            (u(), u(), u(), u()),
            (any::<u32>(), any::<i32>(), any::<u16>()),
            (any::<[u16; 3]>(), 0u8..10, any::<u8>())
        )
            .prop_map(
                |((ts, origin_ts, intent_id, agents), (inst, combined, confidence), (parts, o, solo))| {
                    Msg::Aggregate(AggregateRecord {
                        ts,
                        origin_ts,
                        intent_id,
                        agents,
                        inst: InstrumentId(inst),
                        combined,
                        confidence,
                        agreement: parts[0],
                        accuracy: parts[1],
                        freshness: parts[2],
                        outcome: AggregateOutcome::from_u8(o).unwrap(),
                        solo,
                        _pad: [0; 6],
                    })
                },
            ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn valid_messages_round_trip(m in any_msg()) {
        let mut b = [0xAAu8; ENCODED_LEN];
        m.encode(&mut b);
        prop_assert_eq!(b[0] as u16, m.kind());
        prop_assert_eq!(Msg::decode(&b), Ok(m));
    }

    #[test]
    fn random_bytes_decode_to_the_same_bytes_or_an_error(
        mut b in proptest::collection::vec(any::<u8>(), ENCODED_LEN),
        tag in 0u8..20,
        sparse in any::<bool>(),
    ) {
        // Mostly-zero buffers with a valid tag reach deep into the field checks.
        b[0] = tag;
        if sparse {
            for (i, x) in b.iter_mut().enumerate().skip(1) {
                if i % 5 != 0 { *x = 0; }
            }
        }
        if let Ok(m) = Msg::decode(&b) {
            let mut again = [0u8; ENCODED_LEN];
            m.encode(&mut again);
            prop_assert_eq!(&again[..], &b[..]);
        }
    }

    #[test]
    fn any_length_is_safe(b in proptest::collection::vec(any::<u8>(), 0..100)) {
        let r = Msg::decode(&b);
        if b.len() != ENCODED_LEN {
            prop_assert_eq!(r, Err(DecodeError::Length(b.len())));
        }
    }
}

#[test]
fn encoding_is_little_endian_at_repr_c_offsets() {
    let m = Msg::Trade(Trade {
        inst: InstrumentId(0x0102_0304),
        aggressor: Side::Sell,
        _pad: [0; 3],
        px: Price::from_raw(0x1122),
        qty: Qty::from_raw(-1),
        trade_id: 7,
        exch_ts: 8,
        local_ts: 9,
    });
    let mut b = [0u8; ENCODED_LEN];
    m.encode(&mut b);
    assert_eq!(&b[..16], &[2, 0, 0, 0, 0, 0, 0, 0, 4, 3, 2, 1, 2, 0, 0, 0]);
    assert_eq!(&b[16..24], &0x1122i64.to_le_bytes());
    assert_eq!(&b[24..32], &[0xFF; 8]);
    assert_eq!(&b[48..56], &9u64.to_le_bytes());
    assert_eq!(&b[56..], &[0; 8]);
}

#[test]
fn each_invalid_field_is_named() {
    let mut b = [0u8; ENCODED_LEN];
    Msg::Exec(ExecReport::default()).encode(&mut b);
    let cases = [(52, "kind"), (53, "side"), (54, "liquidity"), (55, "reason")];
    for (off, field) in cases {
        let mut x = b;
        x[off] = 0x77;
        assert_eq!(
            Msg::decode(&x),
            Err(DecodeError::InvalidEnum { msg: "exec_report", field, value: 0x77 }),
            "{field}"
        );
    }
    let mut x = b;
    x[55] = 9; // reason: 0..=8
    assert!(matches!(Msg::decode(&x), Err(DecodeError::InvalidEnum { field: "reason", value: 9, .. })));
    let mut x = b;
    x[3] = 1;
    assert_eq!(Msg::decode(&x), Err(DecodeError::NonZeroPadding { msg: "exec_report", offset: 3 }));
    for tag in [0u8, 20, 255] {
        let mut x = b;
        x[0] = tag;
        assert_eq!(Msg::decode(&x), Err(DecodeError::UnknownTag(tag)));
    }
    let mut i = [0u8; ENCODED_LEN];
    Msg::Decision(Intent::default()).encode(&mut i);
    i[59] = 10; // verdict: 0..=9
    assert!(matches!(Msg::decode(&i), Err(DecodeError::InvalidEnum { field: "verdict", .. })));
    let mut x = [0u8; ENCODED_LEN];
    Msg::Decision(Intent::default()).encode(&mut x);
    x[60] = 4; // trigger: 0..=3
    assert_eq!(
        Msg::decode(&x),
        Err(DecodeError::InvalidEnum { msg: "decision", field: "trigger", value: 4 })
    );
    let mut x = [0u8; ENCODED_LEN];
    Msg::New(OrderNew::default()).encode(&mut x);
    x[57] = 9;
    assert_eq!(
        Msg::decode(&x),
        Err(DecodeError::InvalidEnum { msg: "order_new", field: "trigger", value: 9 })
    );
}

/// The trigger byte (version 3) sits where version 2 had padding: payload byte 52 of an intent or
/// decision, 49 of a new order; every other byte is unchanged.
#[test]
fn trigger_byte_at_repr_c_offsets() {
    for (trigger, v) in [(Trigger::None, 0u8), (Trigger::Quote, 1), (Trigger::Trade, 2), (Trigger::Depth, 3)]
    {
        let it = Intent { trigger, verdict: Verdict::RateLimit, intent_id: 5, ..Default::default() };
        let (mut with, mut without) = ([0u8; ENCODED_LEN], [0u8; ENCODED_LEN]);
        Msg::Intent(it).encode(&mut with);
        Msg::Intent(Intent { trigger: Trigger::None, ..it }).encode(&mut without);
        assert_eq!((with[8 + 51], with[8 + 52]), (Verdict::RateLimit as u8, v));
        with[60] = 0;
        assert_eq!(with, without, "only byte 60 differs");
        let o = OrderNew { trigger, tif: Tif::Ioc, ..Default::default() };
        Msg::New(o).encode(&mut with);
        assert_eq!((with[8 + 48], with[8 + 49]), (Tif::Ioc as u8, v));
        assert_eq!(Msg::decode(&with), Ok(Msg::New(o)));
        assert_eq!(core::mem::offset_of!(OrderNew, trigger), 49);
        assert_eq!(core::mem::offset_of!(Intent, trigger), 52);
    }
    assert_eq!(Trigger::ALL.map(Trigger::name), ["none", "book_ticker", "trade", "depth"]);
    assert_eq!(Trigger::of(&Msg::Quote(Quote::default())), Trigger::Quote);
    assert_eq!(Trigger::of(&Msg::Depth(Depth::default())), Trigger::Depth);
    assert_eq!(Trigger::of(&Msg::Eos(EndOfStream::default())), Trigger::None);
}

#[test]
fn kinds_are_the_documented_numbers() {
    assert_eq!(Msg::Quote(Quote::default()).kind(), 1);
    assert_eq!(Msg::Exec(ExecReport::default()).kind(), 9);
    assert_eq!(Msg::Eos(EndOfStream::default()).kind(), 11);
    assert_eq!(Msg::kind_name_of(6), Some("decision"));
    assert_eq!(Msg::kind_name_of(0), None);
    assert_eq!(Msg::Signal(SignalRecord::default()).kind(), 12);
    assert_eq!(Msg::OrderState(OrderTransition::default()).kind(), 13);
    assert_eq!(Msg::Position(PositionRecord::default()).kind(), 14);
    assert_eq!(Msg::kind_name_of(13), Some("order_state"));
    assert_eq!(Msg::FeedEvent(FeedEventRecord::default()).kind(), 15);
    assert_eq!(Msg::Command(CommandRecord::default()).kind(), 16);
    assert_eq!(Msg::Strategy(StrategyEventRecord::default()).kind(), 17);
    assert_eq!(Msg::kind_name_of(15), Some("feed_event"));
    assert_eq!(Msg::kind_name_of(16), Some("command"));
    assert_eq!(Msg::kind_name_of(17), Some("strategy_event"));
    assert_eq!(Msg::Alert(AlertRecord::default()).kind(), 18);
    assert_eq!(Msg::kind_name_of(18), Some("alert"));
    assert_eq!(Msg::Aggregate(AggregateRecord::default()).kind(), 19);
    assert_eq!(Msg::kind_name_of(19), Some("aggregate"));
    assert_eq!(Msg::kind_name_of(20), None);
}

#[test]
fn journal_only_kinds_at_repr_c_offsets() {
    let cases = [
        Msg::Signal(SignalRecord {
            ts: 1,
            origin_ts: 2,
            inst: InstrumentId(3),
            score: -4,
            agent: 5,
            _pad: [0; 6],
        }),
        Msg::OrderState(OrderTransition {
            order_id: OrderId(1),
            intent_id: 2,
            ts: 3,
            inst: InstrumentId(4),
            from: 5,
            to: 7,
            event: 6,
            refused: 0,
        }),
        Msg::Position(PositionRecord {
            inst: InstrumentId(9),
            _pad: 0,
            qty: Qty::from_raw(-1),
            avg_px: Price::from_raw(2),
            realized: Money::from_raw(3),
            unrealized: Money::from_raw(-4),
            equity: Money::from_raw(5),
            ts: 6,
        }),
    ];
    let mut b = [0u8; ENCODED_LEN];
    cases[0].encode(&mut b);
    assert_eq!(&b[..8], &[12, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[8..16], &1u64.to_le_bytes());
    assert_eq!(&b[24..28], &3u32.to_le_bytes());
    assert_eq!(&b[28..32], &(-4i32).to_le_bytes());
    assert_eq!(&b[32..34], &5u16.to_le_bytes());
    assert_eq!(&b[34..], &[0; 30]);
    cases[1].encode(&mut b);
    assert_eq!(b[0], 13);
    assert_eq!(&b[32..36], &4u32.to_le_bytes());
    assert_eq!(&b[36..40], &[5, 7, 6, 0]);
    cases[2].encode(&mut b);
    assert_eq!(b[0], 14);
    assert_eq!(&b[8..16], &[9, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[16..24], &[0xFF; 8]);
    assert_eq!(&b[56..64], &6u64.to_le_bytes());
    for m in cases {
        m.encode(&mut b);
        assert_eq!(Msg::decode(&b), Ok(m));
    }
}

#[test]
fn alert_record_at_repr_c_offsets_and_checked() {
    let m = Msg::Alert(AlertRecord {
        ts: 1,
        alert_id: 2,
        value: -3,
        threshold: 4,
        rule_id: 5,
        inst: InstrumentId(6),
        by: 7,
        rule_kind: AlertRuleKind::FeedState,
        severity: AlertSeverity::Warning,
        state: AlertState::Resolved,
        _pad: 0,
    });
    let mut b = [0u8; ENCODED_LEN];
    m.encode(&mut b);
    assert_eq!(&b[..8], &[18, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[8..16], &1u64.to_le_bytes());
    assert_eq!(&b[16..24], &2u64.to_le_bytes());
    assert_eq!(&b[24..32], &(-3i64).to_le_bytes());
    assert_eq!(&b[32..40], &4i64.to_le_bytes());
    assert_eq!(&b[40..44], &5u32.to_le_bytes());
    assert_eq!(&b[44..48], &6u32.to_le_bytes());
    assert_eq!(&b[48..52], &7u32.to_le_bytes());
    assert_eq!(&b[52..56], &[5, 1, 1, 0]);
    assert_eq!(&b[56..], &[0; 8]);
    assert_eq!(Msg::decode(&b), Ok(m));
    for (off, field, bad) in [(52, "rule_kind", 8), (53, "severity", 3), (54, "state", 3)] {
        let mut x = b;
        x[off] = bad;
        assert_eq!(Msg::decode(&x), Err(DecodeError::InvalidEnum { msg: "alert", field, value: bad }));
    }
    let mut x = b;
    x[55] = 1;
    assert_eq!(Msg::decode(&x), Err(DecodeError::NonZeroPadding { msg: "alert", offset: 55 }));
}

#[test]
fn aggregate_record_at_repr_c_offsets_and_checked() {
    let m = Msg::Aggregate(AggregateRecord {
        ts: 1,
        origin_ts: 2,
        intent_id: 3,
        agents: 0b101,
        inst: InstrumentId(4),
        combined: -5,
        confidence: 6,
        agreement: 7,
        accuracy: 8,
        freshness: 9,
        outcome: AggregateOutcome::RiskBackoff,
        solo: 1,
        _pad: [0; 6],
    });
    let mut b = [0u8; ENCODED_LEN];
    m.encode(&mut b);
    assert_eq!(&b[..8], &[19, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[8..16], &1u64.to_le_bytes());
    assert_eq!(&b[16..24], &2u64.to_le_bytes());
    assert_eq!(&b[24..32], &3u64.to_le_bytes());
    assert_eq!(&b[32..40], &5u64.to_le_bytes());
    assert_eq!(&b[40..44], &4u32.to_le_bytes());
    assert_eq!(&b[44..48], &(-5i32).to_le_bytes());
    assert_eq!(&b[48..56], &[6, 0, 7, 0, 8, 0, 9, 0]);
    assert_eq!(&b[56..58], &[8, 1]);
    assert_eq!(&b[58..], &[0; 6]);
    assert_eq!(Msg::decode(&b), Ok(m));
    let mut x = b;
    x[56] = AggregateOutcome::COUNT as u8;
    assert_eq!(
        Msg::decode(&x),
        Err(DecodeError::InvalidEnum {
            msg: "aggregate",
            field: "outcome",
            value: AggregateOutcome::COUNT as u8
        })
    );
    let mut x = b;
    x[60] = 1;
    assert_eq!(Msg::decode(&x), Err(DecodeError::NonZeroPadding { msg: "aggregate", offset: 60 }));
}

#[test]
fn order_state_numbers_are_checked() {
    let mut b = [0u8; ENCODED_LEN];
    Msg::OrderState(OrderTransition { from: 5, to: 7, event: 6, ..Default::default() }).encode(&mut b);
    for (off, field, bad) in
        [(36, "from", ORDER_STATES), (37, "to", ORDER_STATES), (38, "event", LIFECYCLE_EVENTS)]
    {
        let mut x = b;
        x[off] = bad;
        assert_eq!(
            Msg::decode(&x),
            Err(DecodeError::InvalidEnum { msg: "order_state", field, value: bad }),
            "{field}"
        );
    }
    let mut x = b;
    x[39] = 2;
    assert!(matches!(Msg::decode(&x), Err(DecodeError::InvalidEnum { field: "refused", value: 2, .. })));
    // Refused, but the state changed: not a valid record.
    x[39] = 1;
    assert!(matches!(Msg::decode(&x), Err(DecodeError::InvalidEnum { field: "refused", value: 1, .. })));
    x[37] = 5;
    assert!(matches!(Msg::decode(&x), Ok(Msg::OrderState(t)) if t.refused == 1 && t.to == t.from));
    let mut s = [0u8; ENCODED_LEN];
    Msg::Signal(SignalRecord::default()).encode(&mut s);
    s[40] = 1;
    assert_eq!(Msg::decode(&s), Err(DecodeError::NonZeroPadding { msg: "signal", offset: 40 }));
    let mut p = [0u8; ENCODED_LEN];
    Msg::Position(PositionRecord::default()).encode(&mut p);
    p[13] = 1;
    assert_eq!(Msg::decode(&p), Err(DecodeError::NonZeroPadding { msg: "position", offset: 13 }));
}

proptest! {
    #[test]
    fn depth_levels_round_trip(levels in proptest::collection::vec((1i64..i64::MAX, 0i64..i64::MAX), 0..300)) {
        let levels: Vec<PxQty> =
            levels.into_iter().map(|(p, q)| PxQty::new(Price::from_raw(p), Qty::from_raw(q))).collect();
        let mut b = vec![0u8; levels.len() * crate::LEVEL_LEN];
        crate::encode_levels(&levels, &mut b);
        let mut back = Vec::new();
        crate::decode_levels(&b, levels.len(), |l| back.push(l)).unwrap();
        prop_assert_eq!(back, levels);
    }

    #[test]
    fn random_level_bytes_are_refused_or_valid(b in proptest::collection::vec(any::<u8>(), 0..200), n in 0usize..20) {
        let mut got = Vec::new();
        if crate::decode_levels(&b, n, |l| got.push(l)).is_ok() {
            prop_assert_eq!(b.len(), n * crate::LEVEL_LEN);
            prop_assert!(got.iter().all(|l| l.px.raw() > 0 && l.qty.raw() >= 0));
        }
    }
}

#[test]
fn depth_at_is_never_journaled() {
    let d = Depth { inst: InstrumentId(1), bids: 2, asks: 3, at: 77, update_id: 9, ..Default::default() };
    let mut b = [0u8; ENCODED_LEN];
    Msg::Depth(d).encode(&mut b);
    assert_eq!(&b[20..24], &[0, 0, 0, 0]);
    assert_eq!(Msg::decode(&b), Ok(Msg::Depth(Depth { at: 0, ..d })));
    b[20] = 1;
    assert!(matches!(Msg::decode(&b), Err(DecodeError::NonZeroPadding { offset: 20, .. })));
    let bad = [0u8; 16];
    assert_eq!(crate::decode_levels(&bad, 1, |_| {}), Err(crate::LevelsError::Price { index: 0, px: 0 }));
}

#[test]
fn exec_report_version_3_offsets() {
    let m = Msg::Exec(ExecReport {
        order_id: OrderId::compose(StrategyId(2), 7).unwrap(),
        px: Price::from_raw(1),
        qty: Qty::from_raw(2),
        fee: Money::from_raw(3),
        ts: 4,
        inst: InstrumentId(5),
        kind: ExecKind::Rejected,
        side: Side::Sell,
        liquidity: Liquidity::None,
        reason: VenueReject::RiskRefused,
        position: Qty::from_raw(-6),
    });
    let mut b = [0u8; ENCODED_LEN];
    m.encode(&mut b);
    assert_eq!(&b[8..16], &(2u64 << 48 | 7).to_le_bytes());
    assert_eq!(&b[48..52], &5u32.to_le_bytes());
    assert_eq!(&b[52..56], &[4, 2, 0, 5]);
    assert_eq!(&b[56..64], &(-6i64).to_le_bytes());
    assert_eq!(Msg::decode(&b), Ok(m));
    let Msg::Exec(r) = m else { unreachable!() };
    assert_eq!(r.strategy(), StrategyId(2));
    assert!(r.reason.is_before_venue() && !VenueReject::TooManyOrders.is_before_venue());
}

/// A field type read back from its printed [`FieldValue`] (the inverse of `to_field` + `Display`).
pub(super) trait Printed: Sized {
    fn from_printed(s: &str) -> Option<Self>;
}
macro_rules! printed_parse {
    ($($t:ty),*) => {$(
        impl Printed for $t {
            fn from_printed(s: &str) -> Option<Self> {
                s.parse().ok()
            }
        }
    )*};
}
printed_parse!(u8, u16, u32, u64, i32, i64, Price, Qty, Money);
macro_rules! printed_id {
    ($($t:ident),*) => {$(
        impl Printed for $t {
            fn from_printed(s: &str) -> Option<Self> {
                s.parse().ok().map($t)
            }
        }
    )*};
}
printed_id!(InstrumentId, StrategyId, OrderId);
macro_rules! printed_name {
    ($($t:ident),*) => {$(
        impl Printed for $t {
            fn from_printed(s: &str) -> Option<Self> {
                (0..=u8::MAX).filter_map($t::from_u8).find(|v| v.name() == s)
            }
        }
    )*};
}
payload_enums!(printed_name);

/// A message of kind `kind` from its visited values as printed.
fn msg_from_printed(kind: u16, values: &[String]) -> Option<Msg> {
    let it = &mut values.iter().map(String::as_str);
    let m = match kind {
        1 => Msg::Quote(Quote::from_printed(it)?),
        2 => Msg::Trade(Trade::from_printed(it)?),
        3 => Msg::Depth(Depth::from_printed(it)?),
        4 => Msg::Book(BookStatus::from_printed(it)?),
        5 => Msg::Intent(Intent::from_printed(it)?),
        6 => Msg::Decision(Intent::from_printed(it)?),
        7 => Msg::New(OrderNew::from_printed(it)?),
        8 => Msg::Cancel(OrderCancel::from_printed(it)?),
        9 => Msg::Exec(ExecReport::from_printed(it)?),
        10 => Msg::Control(Control::from_printed(it)?),
        11 => Msg::Eos(EndOfStream::from_printed(it)?),
        12 => Msg::Signal(SignalRecord::from_printed(it)?),
        13 => Msg::OrderState(OrderTransition::from_printed(it)?),
        14 => Msg::Position(PositionRecord::from_printed(it)?),
        15 => Msg::FeedEvent(FeedEventRecord::from_printed(it)?),
        16 => Msg::Command(CommandRecord::from_printed(it)?),
        17 => Msg::Strategy(StrategyEventRecord::from_printed(it)?),
        18 => Msg::Alert(AlertRecord::from_printed(it)?),
        19 => Msg::Aggregate(AggregateRecord::from_printed(it)?),
        _ => return None,
    };
    it.next().is_none().then_some(m)
}

fn visit(m: &Msg) -> Vec<(&'static str, FieldValue)> {
    let mut f = Vec::new();
    m.visit_fields(&mut |name, value| f.push((name, value)));
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Printing every visited value and reading the payload back from those strings gives the
    /// message: the visit is complete, in codec order, and its printing exact.
    #[test]
    fn visited_values_print_and_read_back(m in any_msg()) {
        let values: Vec<String> = visit(&m).iter().map(|(_, v)| v.to_string()).collect();
        prop_assert_eq!(msg_from_printed(m.kind(), &values), Some(m), "{:?}", values);
    }
}

/// One message of every kind, in kind order, with distinct non-zero field values.
fn one_of_each_kind() -> Vec<Msg> {
    let i = Intent {
        intent_id: 11,
        px: Price::from_raw(-150_000_001),
        qty: Qty::from_raw(2),
        origin_ts: 3,
        ts: 4,
        inst: InstrumentId(5),
        strategy: StrategyId(6),
        confidence: 7,
        side: Side::Sell,
        ord_type: OrdType::Market,
        tif: Tif::Fok,
        verdict: Verdict::NoMarket,
        trigger: Trigger::Depth,
        _pad: [0; 3],
    };
    vec![
        Msg::Quote(Quote {
            inst: InstrumentId(1),
            bid_px: Price::from_raw(2),
            bid_qty: Qty::from_raw(3),
            ask_px: Price::from_raw(4),
            ask_qty: Qty::from_raw(5),
            update_id: 6,
            local_ts: 7,
            ..Default::default()
        }),
        Msg::Trade(Trade {
            inst: InstrumentId(1),
            aggressor: Side::Sell,
            px: Price::from_units(61_000),
            qty: Qty::from_raw(1),
            trade_id: 2,
            exch_ts: 3,
            local_ts: 4,
            ..Default::default()
        }),
        Msg::Depth(Depth {
            inst: InstrumentId(1),
            bids: 2,
            asks: 3,
            at: 0,
            update_id: 4,
            exch_ts: 5,
            local_ts: 6,
            best_bid: Price::from_raw(7),
            best_ask: Price::from_raw(8),
        }),
        Msg::Book(BookStatus {
            inst: InstrumentId(1),
            state: BookState::Gap,
            update_id: 2,
            exch_ts: 3,
            local_ts: 4,
            ..Default::default()
        }),
        Msg::Intent(i),
        Msg::Decision(Intent { verdict: Verdict::RateLimit, ..i }),
        Msg::New(OrderNew {
            order_id: OrderId(1 << 48 | 9),
            px: i.px,
            qty: i.qty,
            origin_ts: 3,
            ts: 4,
            inst: i.inst,
            strategy: i.strategy,
            side: Side::Sell,
            ord_type: OrdType::Market,
            tif: Tif::Ioc,
            trigger: Trigger::Quote,
            ..Default::default()
        }),
        Msg::Cancel(OrderCancel {
            order_id: OrderId(1),
            origin_ts: 2,
            ts: 3,
            inst: InstrumentId(4),
            strategy: StrategyId(5),
            ..Default::default()
        }),
        Msg::Exec(ExecReport {
            order_id: OrderId(2 << 48 | 1),
            px: Price::from_raw(2),
            qty: Qty::from_raw(3),
            fee: Money::from_raw(-4),
            ts: 5,
            inst: InstrumentId(6),
            kind: ExecKind::CancelRejected,
            side: Side::Sell,
            liquidity: Liquidity::Taker,
            reason: VenueReject::DuplicateId,
            position: Qty::from_raw(-7),
        }),
        Msg::Control(Control { seq: 1, ts: 2, cmd: ControlCmd::Resume, ..Default::default() }),
        Msg::Eos(EndOfStream { ts: 1 }),
        Msg::Signal(SignalRecord {
            ts: 1,
            origin_ts: 2,
            inst: InstrumentId(3),
            score: -4,
            agent: 5,
            ..Default::default()
        }),
        Msg::OrderState(OrderTransition {
            order_id: OrderId(1),
            intent_id: 2,
            ts: 3,
            inst: InstrumentId(4),
            from: 5,
            to: 6,
            event: 7,
            refused: 0,
        }),
        Msg::Position(PositionRecord {
            inst: InstrumentId(1),
            qty: Qty::from_raw(-2),
            avg_px: Price::from_raw(3),
            realized: Money::from_raw(-4),
            unrealized: Money::from_raw(5),
            equity: Money::from_raw(6),
            ts: 7,
            ..Default::default()
        }),
        Msg::FeedEvent(FeedEventRecord {
            ts: 1,
            detail: 2,
            inst: InstrumentId(3),
            conn: 4,
            event: FeedEvent::SnapshotFailed,
            reason: FeedReason::HttpStatus,
        }),
        Msg::Command(CommandRecord {
            ts: 1,
            seq: 2,
            value: -3,
            result: 4,
            uid: 5,
            inst: InstrumentId(6),
            index: 7,
            command: OperatorCommand::SetLimit,
            outcome: CommandOutcome::Failed,
            level: 3,
            _pad: [0; 3],
        }),
        Msg::Strategy(StrategyEventRecord {
            ts: 1,
            calls: 2,
            overruns: 3,
            worst_call_ns: 4,
            agent: 5,
            event: StrategyEvent::ParamSet,
            _pad: [0; 5],
        }),
        Msg::Alert(AlertRecord {
            ts: 1,
            alert_id: 2,
            value: -3,
            threshold: 4,
            rule_id: 5,
            inst: InstrumentId(6),
            by: 7,
            rule_kind: AlertRuleKind::PersistLagAbove,
            severity: AlertSeverity::Critical,
            state: AlertState::Acknowledged,
            _pad: 0,
        }),
        Msg::Aggregate(AggregateRecord {
            ts: 1,
            origin_ts: 2,
            intent_id: 3,
            agents: 4,
            inst: InstrumentId(5),
            combined: -6,
            confidence: 7,
            agreement: 8,
            accuracy: 9,
            freshness: 10,
            outcome: AggregateOutcome::Sent,
            solo: 0,
            _pad: [0; 6],
        }),
    ]
}

/// The payload's field names in declaration order, read from its pretty `Debug` (which the
/// compiler derives from the struct itself): the lines indented by exactly two levels.
fn declared_fields(m: &Msg) -> Vec<String> {
    format!("{m:#?}")
        .lines()
        .filter_map(|l| l.strip_prefix("        "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_once(": ").map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn visited_names_are_the_journaled_fields_in_declaration_order() {
    let all = one_of_each_kind();
    assert_eq!(all.iter().map(Msg::kind).collect::<Vec<_>>(), (1..=MSG_KINDS as u16).collect::<Vec<_>>());
    // The names the journal tools show instead of the struct's (declared with `as` in `wire!`).
    let renamed = [
        ("exec_report", "kind", "exec_kind"),
        ("control", "seq", "control_seq"),
        ("order_state", "from", "from_state"),
        ("order_state", "to", "to_state"),
        ("feed_event", "event", "feed_event"),
        ("command", "seq", "command_seq"),
        ("strategy_event", "event", "strategy_event"),
    ];
    for m in &all {
        let want: Vec<String> = declared_fields(m)
            .into_iter()
            // Not journaled: zero padding, the depth's store index.
            .filter(|f| f != "_pad" && !(f == "at" && matches!(m, Msg::Depth(_))))
            .map(|f| {
                renamed
                    .iter()
                    .find(|(k, from, _)| *k == m.kind_name() && *from == f)
                    .map_or(f.clone(), |(_, _, to)| to.to_string())
            })
            .collect();
        assert!(!want.is_empty(), "{m:#?}");
        let got: Vec<&str> = visit(m).iter().map(|(n, _)| *n).collect();
        assert_eq!(got, want, "{}", m.kind_name());
        // Codec order is declaration order (the offset tests): every visited value is the field's.
        let values: Vec<String> = visit(m).iter().map(|(_, v)| v.to_string()).collect();
        assert_eq!(msg_from_printed(m.kind(), &values), Some(*m), "{}: {values:?}", m.kind_name());
    }
}

#[test]
fn visited_values_are_typed() {
    let all = one_of_each_kind();
    let exec = visit(&all[8]);
    let get = |f: &[(&str, FieldValue)], k: &str| f.iter().find(|x| x.0 == k).unwrap().1;
    assert_eq!(get(&exec, "order_id"), FieldValue::Unsigned(2 << 48 | 1));
    assert_eq!(get(&exec, "fee"), FieldValue::Money(Money::from_raw(-4)));
    assert_eq!(get(&exec, "position"), FieldValue::Qty(Qty::from_raw(-7)));
    assert_eq!(get(&exec, "px"), FieldValue::Price(Price::from_raw(2)));
    assert_eq!(get(&exec, "exec_kind"), FieldValue::Name("cancel_rejected"));
    assert_eq!(get(&exec, "reason"), FieldValue::Name("duplicate_id"));
    assert_eq!(get(&exec, "px").to_string(), "0.00000002");
    let signal = visit(&all[11]);
    assert_eq!(get(&signal, "score"), FieldValue::Signed(-4));
    assert_eq!(get(&signal, "inst"), FieldValue::Unsigned(3));
    let intent = visit(&all[4]);
    assert_eq!(get(&intent, "px").to_string(), "-1.50000001");
    assert_eq!(get(&intent, "trigger"), FieldValue::Name("depth"));
    assert_eq!(get(&intent, "verdict"), FieldValue::Name("no_market"));
    // The depth's levels follow the header; `at` is never journaled.
    let depth = visit(&all[2]);
    assert_eq!(depth.len(), 8);
    assert!(depth.iter().all(|(n, _)| *n != "at"));
}

/// `CamelCase` → `snake_case` (what the journal export printed before the enums had `name()`).
fn snake(d: &str) -> String {
    let mut s = String::new();
    for (i, c) in d.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}

#[test]
fn enum_names_are_stable_and_distinct() {
    macro_rules! check {
        ($($t:ident),*) => {$({
            let all: Vec<$t> = (0..=u8::MAX).filter_map($t::from_u8).collect();
            let names: Vec<&str> = all.iter().map(|v| v.name()).collect();
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{}: {names:?}", stringify!($t));
            if stringify!($t) != "Trigger" {
                let snakes: Vec<String> = all.iter().map(|v| snake(&format!("{v:?}"))).collect();
                assert_eq!(names, snakes, "{}", stringify!($t));
            }
        })*};
    }
    check!(Side, OrdType, Tif, Verdict, BookState, ExecKind, Liquidity, VenueReject, ControlCmd, Trigger);
    check!(AlertRuleKind, AlertSeverity, AlertState);
    // Trigger's names are the stream names of the market data (journal and report).
    assert_eq!(Trigger::ALL.map(Trigger::name), ["none", "book_ticker", "trade", "depth"]);
}
