use super::*;
use proptest::prelude::*;

const S: u64 = 1_000_000_000;

fn trade(inst: u32, px_units: i64, qty_units: i64, ts: u64) -> Trade {
    Trade {
        inst: InstrumentId(inst),
        px: Price::from_units(px_units),
        qty: Qty::from_units(qty_units),
        exch_ts: ts,
        local_ts: ts.saturating_add(1),
        ..Default::default()
    }
}

fn closed_mask(a: Added) -> u8 {
    match a {
        Added::Added { closed } => closed,
        Added::Refused(r) => panic!("refused: {r:?}"),
    }
}

#[test]
fn builds_ohlcv_of_several_intervals_and_closes_on_the_next_interval() {
    let mut b = MultiBars::new(2, &[S, 10 * S], 4).unwrap();
    assert_eq!(closed_mask(b.on_trade(&trade(1, 100, 1, 100))), 0);
    assert_eq!(closed_mask(b.on_trade(&trade(1, 105, 2, 200))), 0);
    assert_eq!(closed_mask(b.on_trade(&trade(1, 98, 1, 300))), 0);
    assert_eq!(closed_mask(b.on_trade(&trade(1, 101, 4, 300))), 0, "equal times are normal");
    assert!(b.is_empty(InstrumentId(1), 0));
    // The first trade of second 1 closes the 1 s bar only.
    assert_eq!(closed_mask(b.on_trade(&trade(1, 102, 1, S + 5))), 0b01);
    let bar = *b.closed(InstrumentId(1), 0, 0).unwrap();
    assert_eq!(
        (bar.start, bar.open, bar.high, bar.low, bar.close),
        (0, Price::from_units(100), Price::from_units(105), Price::from_units(98), Price::from_units(101))
    );
    assert_eq!((bar.volume, bar.trades, bar.close_ts), (Qty::from_units(8), 4, 300));
    // vwap = (100 + 210 + 98 + 404) / 8 = 101.5
    assert_eq!(bar.vwap(), Some(Price::parse(b"101.5").unwrap()));
    // Second 10: both bars close (the 10 s bar holds all five trades).
    assert_eq!(closed_mask(b.on_trade(&trade(1, 90, 1, 10 * S))), 0b11);
    let ten = *b.closed(InstrumentId(1), 1, 0).unwrap();
    assert_eq!((ten.trades, ten.high, ten.close), (5, Price::from_units(105), Price::from_units(102)));
    assert_eq!(b.forming(InstrumentId(1), 1).unwrap().open, Price::from_units(90));
    // Instrument 0 untouched; 8 empty 1 s intervals (2..=9) counted.
    assert!(b.is_empty(InstrumentId(0), 0) && b.forming(InstrumentId(0), 0).is_none());
    assert_eq!(b.stats().empty_intervals, 8);
    assert_eq!(b.stats().trades, 6);
}

#[test]
fn late_reordered_and_bad_trades_are_counted_never_merged_wrongly() {
    let mut b = MultiBars::new(1, &[S, 2 * S], 4).unwrap();
    b.on_trade(&trade(0, 100, 1, 3 * S + 500));
    // Older than the last trade, same 1 s bar: added, the close stays.
    assert_eq!(closed_mask(b.on_trade(&trade(0, 120, 1, 3 * S + 100))), 0);
    let f = *b.forming(InstrumentId(0), 0).unwrap();
    assert_eq!((f.close, f.high, f.trades), (Price::from_units(100), Price::from_units(120), 2));
    // Before the forming 1 s bar: refused for every interval.
    assert_eq!(b.on_trade(&trade(0, 1, 1, 2 * S + 900)), Added::Refused(Refusal::Late));
    assert_eq!(b.forming(InstrumentId(0), 1).unwrap().trades, 2);
    assert_eq!(b.on_trade(&trade(7, 1, 1, 4 * S)), Added::Refused(Refusal::UnknownInstrument));
    assert_eq!(b.on_trade(&trade(0, 0, 1, 4 * S)), Added::Refused(Refusal::NotPositive));
    assert_eq!(b.on_trade(&trade(0, 1, 0, 4 * S)), Added::Refused(Refusal::NotPositive));
    assert_eq!(b.on_trade(&trade(0, -1, 1, 4 * S)), Added::Refused(Refusal::NotPositive));
    let s = b.stats();
    assert_eq!((s.trades, s.reordered, s.late, s.unknown_instrument, s.not_positive), (2, 1, 1, 1, 3));
    // A timestamp of 0 before anything: a bar at the epoch, then time moves on.
    let mut b = MultiBars::new(1, &[S], 2).unwrap();
    assert_eq!(closed_mask(b.on_trade(&trade(0, 5, 1, 0))), 0);
    assert_eq!(closed_mask(b.on_trade(&trade(0, 5, 1, u64::MAX))), 1);
    assert_eq!(b.stats().empty_intervals, u64::MAX / S - 1);
}

#[test]
fn ring_keeps_the_newest_bars() {
    let mut b = MultiBars::new(1, &[S], 3).unwrap();
    for k in 0..6u64 {
        b.on_trade(&trade(0, 100 + k as i64, 1, k * S));
    }
    // Bars 0..=4 closed, the newest three kept, newest first.
    assert_eq!(b.len(InstrumentId(0), 0), 3);
    let starts: Vec<u64> = (0..4).filter_map(|i| b.closed(InstrumentId(0), 0, i)).map(|x| x.start).collect();
    assert_eq!(starts, vec![4 * S, 3 * S, 2 * S]);
    assert!(b.closed(InstrumentId(0), 1, 0).is_none() && b.closed(InstrumentId(9), 0, 0).is_none());
}

#[test]
fn bad_setups_are_refused() {
    assert_eq!(MultiBars::new(1, &[], 4).unwrap_err(), BarsSetupError::IntervalCount);
    assert_eq!(MultiBars::new(1, &[1; 9], 4).unwrap_err(), BarsSetupError::IntervalCount);
    assert_eq!(MultiBars::new(1, &[0, 5], 4).unwrap_err(), BarsSetupError::IntervalOrder);
    assert_eq!(MultiBars::new(1, &[5, 5], 4).unwrap_err(), BarsSetupError::IntervalOrder);
    assert_eq!(MultiBars::new(1, &[10, 15], 4).unwrap_err(), BarsSetupError::IntervalOrder);
    assert_eq!(MultiBars::new(1, &[10], 0).unwrap_err(), BarsSetupError::Capacity);
}

proptest! {
    /// Against a naive reference: trades in time order (with equal times) grouped by
    /// `ts / interval`; every kept closed bar matches, and the forming bar is the last group.
    #[test]
    fn matches_naive_grouping(steps in proptest::collection::vec((0u64..3_000, 1i64..1_000, 1i64..50), 1..300)) {
        let ivs = [100u64, 300, 1_500];
        let cap = 16;
        let mut b = MultiBars::new(1, &ivs, cap).unwrap();
        let mut ts = 0u64;
        let mut trades = Vec::new();
        for (dt, px, q) in steps {
            ts += dt;
            let t = trade(0, px, q, ts);
            let added = matches!(b.on_trade(&t), Added::Added { .. });
            prop_assert!(added);
            trades.push(t);
        }
        for (k, iv) in ivs.iter().enumerate() {
            let mut groups: Vec<Vec<&Trade>> = Vec::new();
            for t in &trades {
                match groups.last_mut() {
                    Some(g) if g[0].exch_ts / iv == t.exch_ts / iv => g.push(t),
                    _ => groups.push(vec![t]),
                }
            }
            let want = |g: &Vec<&Trade>| Bar {
                start: g[0].exch_ts / iv * iv,
                open: g[0].px,
                high: g.iter().map(|t| t.px).max().unwrap(),
                low: g.iter().map(|t| t.px).min().unwrap(),
                close: g[g.len() - 1].px,
                volume: Qty::from_raw(g.iter().map(|t| t.qty.raw()).sum()),
                notional_raw: g.iter().map(|t| t.px.raw() as i128 * t.qty.raw() as i128).sum(),
                trades: g.len() as u32,
                close_ts: g[g.len() - 1].exch_ts,
            };
            let closed = &groups[..groups.len() - 1];
            prop_assert_eq!(b.len(InstrumentId(0), k), closed.len().min(cap));
            for (back, g) in closed.iter().rev().take(cap).enumerate() {
                prop_assert_eq!(b.closed(InstrumentId(0), k, back), Some(&want(g)));
            }
            prop_assert_eq!(b.forming(InstrumentId(0), k), Some(&want(groups.last().unwrap())));
        }
    }
}
