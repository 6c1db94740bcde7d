//! The journal-only records of a real backtest (the repo's sample capture), read back from the
//! streams and checked against the run's report:
//! - `strategy` holds one `Signal` per signal each agent returned (the report's per-agent counts);
//! - `router` holds `OrderState` records that chain per order (each starts where the previous one of
//!   the same order ended, from `SignalGenerated`, and is the transition table's answer; refused ones
//!   change nothing and are as many as the report's invalid transitions), one `Create` per order sent;
//! - `risk` holds one `Position` per fill, and the last one of each instrument has the report's final
//!   position (and, with one instrument, its realized PnL).

use alphapulse_oms::{next, LifecycleEvent, OrderState};
use alphapulse_shm::Reader;
use alphapulse_tools::backtest::{check, execute_with, instruments, RunOptions, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::{decode_levels, Msg, Qty, ENCODED_LEN, MSG_KINDS};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn messages(dir: &Path) -> Vec<Msg> {
    let mut r = Reader::open(dir).unwrap();
    let mut v = Vec::new();
    while let Some(x) = r.next().unwrap() {
        // A depth record is its 64-byte header followed by its levels.
        let (head, levels) = x.payload.split_at(ENCODED_LEN.min(x.payload.len()));
        let m = Msg::decode(head).unwrap();
        match m {
            Msg::Depth(d) => decode_levels(levels, d.len(), |_| ()).unwrap(),
            _ => assert!(levels.is_empty(), "only depth records carry more than a message"),
        }
        assert_eq!((m.kind(), m.event_ts()), (x.ty, x.ts), "record header agrees with its payload");
        v.push(m);
    }
    v
}

fn tmp() -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-journal-records-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn signals_order_states_and_positions_are_journaled_and_consistent() {
    let mut cfg = Config { data: vec![alphapulse_feeds::testdata::sample_capture()], ..Config::default() };
    check(&mut cfg).unwrap();
    let table = instruments(&cfg).unwrap();
    let dir = tmp();
    let rep =
        execute_with(&cfg, &RunOptions { journal: Some(dir.clone()), ..RunOptions::default() }).unwrap();
    assert!(rep.orders_sent > 0 && rep.fills > 0, "the sample must trade for this to mean something");
    assert_eq!(rep.journal_errors, 0);
    let streams: HashMap<&str, Vec<Msg>> = CHAIN.iter().map(|s| (*s, messages(&dir.join(s)))).collect();
    for s in CHAIN {
        let mut by_kind = [0u64; MSG_KINDS];
        streams[s].iter().for_each(|m| by_kind[m.kind_index()] += 1);
        let counts: Vec<String> = (0..MSG_KINDS)
            .filter(|&k| by_kind[k] > 0)
            .map(|k| format!("{} {}", Msg::NAMES[k], by_kind[k]))
            .collect();
        println!("{s:<12} {}", counts.join(", "));
    }

    // Strategy: one signal per signal counted, by agent index (the report lists agents in call order).
    let mut per_agent = vec![0u64; rep.signals.len()];
    for m in &streams["strategy"] {
        if let Msg::Signal(g) = m {
            per_agent[g.agent as usize] += 1;
            assert!(g.inst.index() < table.len() && g.score.abs() <= 10_000 && g.origin_ts <= g.ts, "{g:?}");
        }
    }
    let want: Vec<u64> = rep.signals.values().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(per_agent, want, "signals by agent: {:?}", rep.signals);
    assert!(want.iter().all(|&n| n > 0));

    // Router: transitions chain per order (keyed by intent id; order ids agree within one).
    let mut last: HashMap<u64, (u64, OrderState)> = HashMap::new();
    let (mut applied, mut refused, mut creates) = (0u64, 0u64, 0u64);
    for m in &streams["router"] {
        let Msg::OrderState(t) = m else { continue };
        let (from, to) = (OrderState::from_u8(t.from).unwrap(), OrderState::from_u8(t.to).unwrap());
        let ev = LifecycleEvent::from_u8(t.event).unwrap();
        let (id, prev) =
            last.get(&t.intent_id).copied().unwrap_or((t.order_id.0, OrderState::SignalGenerated));
        assert_eq!((t.order_id.0, from), (id, prev), "intent {}: {t:?}", t.intent_id);
        if t.refused == 1 {
            refused += 1;
            assert!(next(from, ev).is_err() && to == from, "{t:?}");
        } else {
            applied += 1;
            assert_eq!(next(from, ev), Ok(to), "{t:?}");
        }
        creates += (ev == LifecycleEvent::Create) as u64;
        last.insert(t.intent_id, (t.order_id.0, to));
    }
    assert_eq!(creates, rep.orders_sent);
    assert_eq!(refused, rep.invalid_transitions);
    let rejected = last.values().filter(|(_, s)| *s == OrderState::Rejected).count() as u64;
    assert_eq!(rejected, rep.orders_rejected, "intents rejected by risk end at Rejected");
    assert!(last.values().all(|(id, s)| (*id == 0) == (*s == OrderState::Rejected)));

    // Risk: a position per fill; the last per instrument is the final position.
    let positions: Vec<_> = streams["risk"]
        .iter()
        .filter_map(|m| if let Msg::Position(p) = m { Some(*p) } else { None })
        .collect();
    assert_eq!(positions.len() as u64, rep.fills);
    let mut final_qty: HashMap<u32, Qty> = HashMap::new();
    for p in &positions {
        final_qty.insert(p.inst.0, p.qty);
    }
    for i in table.iter() {
        let want = rep.positions.iter().find(|p| p.symbol == i.symbol).map_or(0.0, |p| p.qty);
        let got = final_qty.get(&i.id.0).copied().unwrap_or(Qty::ZERO);
        assert_eq!(got.to_f64(), want, "{}: last journaled position vs the report", i.symbol);
    }
    if table.len() == 1 {
        let last = positions.last().unwrap();
        assert_eq!(last.realized.to_f64(), rep.realized_pnl, "one instrument: its realized PnL is the run's");
    }
    println!(
        "{} signals, {applied} transitions applied + {refused} refused over {} orders ({} rejected intents), {} positions; final {:?}",
        per_agent.iter().sum::<u64>(),
        rep.orders_sent,
        rep.orders_rejected,
        positions.len(),
        final_qty
    );
    let _ = std::fs::remove_dir_all(&dir);
}
