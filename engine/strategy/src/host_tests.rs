use super::*;
use crate::{AggregatorConfig, EmaCrossConfig, ImbalanceConfig};
use alphapulse_runtime::{Actor, Kinds, VecOutbox};
use alphapulse_types::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const I: InstrumentId = InstrumentId(0);
const SEC: u64 = 1_000_000_000;

fn table() -> InstrumentTable {
    let mut t = InstrumentTable::new();
    t.add(Instrument {
        id: I,
        symbol: "BTCUSDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick: Price::parse(b"0.01").unwrap(),
        lot: Qty::parse(b"0.00001").unwrap(),
        min_qty: Qty::parse(b"0.00001").unwrap(),
        min_notional: Money::from_units(10),
    })
    .unwrap();
    t
}

/// Emits `score` on every quote and book update; counts calls.
struct Fixed {
    score: i32,
    books: Arc<AtomicU64>,
    execs: Arc<AtomicU64>,
}

impl Strategy for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn on_quote(&mut self, q: &Quote, _v: &MarketView) -> Option<Signal> {
        Some(Signal { inst: q.inst, score: self.score, ts: q.local_ts })
    }
    fn on_book(&mut self, inst: InstrumentId, v: &MarketView) -> Option<Signal> {
        self.books.fetch_add(1, Ordering::Relaxed);
        v.book(inst).map(|_| Signal { inst, score: self.score, ts: 0 })
    }
    fn on_exec(&mut self, _r: &ExecReport) {
        self.execs.fetch_add(1, Ordering::Relaxed);
    }
}

fn host_with_fixed(score: i32) -> (StrategyHost, Arc<AtomicU64>, Arc<AtomicU64>) {
    let cfg = StrategyConfig {
        ema_cross: None,
        imbalance: None,
        technical: None,
        aggregator: AggregatorConfig::default(),
        plugins: Vec::new(),
    };
    let mut h = StrategyHost::new(&cfg, &table(), 50).unwrap();
    let (books, execs) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    h.add_strategy(Box::new(Fixed { score, books: books.clone(), execs: execs.clone() }), 1).unwrap();
    (h, books, execs)
}

fn quote(ts: u64) -> Quote {
    Quote {
        inst: I,
        bid_px: Price::parse(b"60000.00").unwrap(),
        bid_qty: Qty::from_units(1),
        ask_px: Price::parse(b"60000.01").unwrap(),
        ask_qty: Qty::from_units(1),
        local_ts: ts,
        ..Default::default()
    }
}

#[test]
fn forwards_and_orders_intent_after_its_event() {
    let (mut h, _, execs) = host_with_fixed(8_000);
    // The runtime forwards what the host handles before calling it (nothing is consumed), so the
    // market event reaches risk before the intent made from it; intents/orders pass it untouched.
    assert_eq!(h.handles(), Kinds::MARKET | Kinds::EXEC | Kinds::CONTROL);
    assert_eq!(h.consumes(), Kinds::NONE, "the host consumes nothing: every event goes on");
    for k in [Kinds::INTENT, Kinds::DECISION, Kinds::NEW, Kinds::CANCEL, Kinds::EOS] {
        assert!(!h.handles().intersects(k), "{k:?} passes the host without calling it");
    }
    let mut out = VecOutbox::default();
    let q = quote(SEC);
    out.handle(&mut h, &Msg::Quote(q), SEC + 3);
    assert_eq!(out.down.len(), 1, "the host sends only its intent (the runtime forwards the quote)");
    let Msg::Intent(it) = out.down[0] else { panic!("{:?}", out.down[0]) };
    assert_eq!((it.side, it.origin_ts, it.ts, it.intent_id), (Side::Buy, SEC, SEC + 3, 1));
    // Control, trades and Exec make no output of their own; Exec reaches the strategies.
    out.clear();
    let ctl = Msg::Control(Control { cmd: ControlCmd::Halt, ..Default::default() });
    let ex = Msg::Exec(ExecReport { inst: I, kind: ExecKind::Cancelled, ..Default::default() });
    let other = Msg::Exec(ExecReport { inst: I, order_id: OrderId(9 << 48 | 1), ..Default::default() });
    let tr = Msg::Trade(Trade { inst: I, local_ts: SEC, ..Default::default() });
    for m in [ex, other, ctl, tr] {
        assert!(h.handles().contains(&m));
        out.handle(&mut h, &m, SEC);
    }
    assert!(out.up.is_empty() && out.down.is_empty(), "up {:?} down {:?}", out.up, out.down);
    assert_eq!(execs.load(Ordering::Relaxed), 1, "only reports of our strategy id reach strategies");
    // Halted: signals still counted, no intents until Resume.
    out.clear();
    out.handle(&mut h, &Msg::Quote(quote(10 * SEC)), 10 * SEC);
    assert!(out.down.is_empty());
    let resume = Msg::Control(Control { cmd: ControlCmd::Resume, ..Default::default() });
    out.handle(&mut h, &resume, 10 * SEC);
    out.handle(&mut h, &Msg::Quote(quote(11 * SEC)), 11 * SEC);
    assert!(matches!(out.down.last(), Some(Msg::Intent(i)) if i.intent_id == 2));
    let s = h.stats();
    assert_eq!((s.agents[0].name.as_str(), s.agents[0].signals), ("fixed", 3));
    assert_eq!((s.aggregator.intents, s.aggregator.suppressed_halted), (2, 1));
}

#[test]
fn book_updates_call_on_book_once_per_depth_update() {
    let (mut h, books, _) = host_with_fixed(0);
    let mut out = VecOutbox::default();
    let pq = |px: &str| PxQty::new(Price::parse(px.as_bytes()).unwrap(), Qty::from_units(1));
    // One depth update with two bids and two asks: on_book once.
    let d = out.depth(
        Depth { inst: I, update_id: 7, local_ts: 1, ..Default::default() },
        &[pq("99"), pq("98")],
        &[pq("101"), pq("102")],
    );
    out.handle(&mut h, &d, 1);
    assert_eq!(books.load(Ordering::Relaxed), 1);
    assert!(out.down.is_empty(), "{:?}", out.down);
    let b = h.view().book(I).unwrap();
    assert_eq!(b.best_bid().unwrap().0, Price::from_units(99));
    assert_eq!(b.best_ask().unwrap().0, Price::from_units(101));
    assert_eq!((b.len(Side::Buy), b.len(Side::Sell)), (2, 2));
    assert_eq!(h.view().book_ts(I), 1);
    // A second update (remove 99, one ask): on_book once more.
    let d2 = out.depth(
        Depth { inst: I, update_id: 8, local_ts: 2, ..Default::default() },
        &[PxQty::new(Price::from_units(99), Qty::ZERO)],
        &[pq("100.5")],
    );
    out.handle(&mut h, &d2, 2);
    assert_eq!(books.load(Ordering::Relaxed), 2);
    let b = h.view().book(I).unwrap();
    assert_eq!(b.best_bid().unwrap().0, Price::from_units(98));
    assert_eq!(b.best_ask().unwrap().0, Price::parse(b"100.5").unwrap());
    let gap = Msg::Book(BookStatus { inst: I, state: BookState::Gap, ..Default::default() });
    out.handle(&mut h, &gap, 2);
    assert!(h.view().book(I).is_none());
    assert!(out.down.is_empty());
    // Unknown instruments are counted (and forwarded by the runtime: the host consumes nothing).
    let stray = Msg::Quote(Quote { inst: InstrumentId(7), ..quote(3) });
    out.handle(&mut h, &stray, 3);
    assert!(out.down.is_empty());
    assert_eq!(h.stats().unknown_instrument_events, 1);
}

#[test]
fn construction_errors() {
    let cfg = StrategyConfig::default();
    assert_eq!(
        StrategyHost::new(&cfg, &InstrumentTable::new(), 10).err(),
        Some(StrategyError::NoInstruments)
    );
    assert_eq!(StrategyHost::new(&cfg, &table(), 0).err(), Some(StrategyError::NoBookLevels));
    let bad = StrategyConfig {
        ema_cross: Some(EmaCrossConfig { fast_period: 0, ..Default::default() }),
        ..cfg.clone()
    };
    assert!(StrategyHost::new(&bad, &table(), 10)
        .err()
        .unwrap()
        .to_string()
        .contains("ema_cross.fast_period"));
    let mut h = StrategyHost::new(&cfg, &table(), 10).unwrap();
    let names: Vec<_> = h.stats().agents.iter().map(|a| (a.name.clone(), a.weight)).collect();
    assert_eq!(names, vec![("ema_cross".to_string(), 2), ("imbalance".to_string(), 1)]);
    let imb = || Box::new(crate::ImbalanceAgent::new(&ImbalanceConfig::default()).unwrap());
    assert!(matches!(h.add_strategy(imb(), MAX_WEIGHT + 1), Err(StrategyError::Weight { .. })));
    for _ in 2..MAX_STRATEGIES {
        h.add_strategy(imb(), 1).unwrap();
    }
    assert_eq!(
        h.add_strategy(imb(), 1).err(),
        Some(StrategyError::TooManyStrategies { max: MAX_STRATEGIES })
    );
}

#[test]
fn every_signal_is_journaled_and_sent_to_no_neighbour() {
    // Out of range: the journal holds the clamped score, as the aggregator takes it.
    let (mut h, _, _) = host_with_fixed(25_000);
    let mut out = VecOutbox::default();
    out.handle(&mut h, &Msg::Quote(quote(SEC)), SEC + 3);
    out.handle(&mut h, &Msg::Quote(quote(2 * SEC)), 2 * SEC + 5);
    assert!(out.down.iter().chain(&out.up).all(|m| !m.is_journal_only()));
    let want = |ts, origin_ts| {
        Msg::Signal(SignalRecord { ts, origin_ts, inst: I, score: MAX_SCORE, agent: 0, _pad: [0; 6] })
    };
    let signals: Vec<Msg> = out.journal.iter().filter(|m| matches!(m, Msg::Signal(_))).copied().collect();
    assert_eq!(signals, vec![want(SEC + 3, SEC), want(2 * SEC + 5, 2 * SEC)]);
    assert_eq!(h.stats().agents[0].signals, signals.len() as u64);
    // Each signal at full strength is past the entry threshold: a decision follows it, journaled
    // after the signal it weighed (the first sent, the second held back by the outstanding one).
    let kinds: Vec<u16> = out.journal.iter().map(Msg::kind).collect();
    assert_eq!(kinds, vec![12, 19, 12, 19]);
    let Msg::Aggregate(first) = out.journal[1] else { unreachable!() };
    assert_eq!((first.inst, first.combined, first.agents, first.origin_ts), (I, MAX_SCORE, 1, SEC));
    assert_eq!(first.outcome, alphapulse_types::AggregateOutcome::Sent);
    assert!(
        first.intent_id != 0
            && out.down.iter().any(|m| matches!(m, Msg::Intent(i) if i.intent_id == first.intent_id))
    );
    // A quote the view refuses (other instrument) makes no signal.
    out.clear();
    out.handle(&mut h, &Msg::Quote(Quote { inst: InstrumentId(9), ..quote(3 * SEC) }), 3 * SEC);
    assert!(out.journal.is_empty());
}

#[test]
fn builtin_agents_are_journaled_with_their_index() {
    let cfg = StrategyConfig::default();
    let mut h = StrategyHost::new(&cfg, &table(), 50).unwrap();
    let mut out = VecOutbox::default();
    for i in 0..400u64 {
        let mut q = quote(SEC + i * 1_000_000);
        let wobble = Price::from_raw(((i * 37) % 200) as i64 * 1_000_000);
        q.bid_px += wobble;
        q.ask_px += wobble;
        q.bid_qty = Qty::from_raw(((i * 13) % 90 + 10) as i64 * 1_000_000);
        out.handle(&mut h, &Msg::Quote(q), q.local_ts);
    }
    let per_agent: Vec<u64> = (0..h.stats().agents.len())
        .map(|k| {
            out.journal.iter().filter(|m| matches!(m, Msg::Signal(s) if s.agent as usize == k)).count() as u64
        })
        .collect();
    let stats: Vec<u64> = h.stats().agents.iter().map(|a| a.signals).collect();
    assert_eq!(per_agent, stats);
    assert!(stats.iter().sum::<u64>() > 0, "{stats:?}");
    assert!(
        out.journal
            .iter()
            .all(|m| matches!(m, Msg::Signal(s) if s.score.abs() <= MAX_SCORE)
                || matches!(m, Msg::Aggregate(_)))
    );
}

/// A quote alone makes an intent through the host: the EMA agent's strong trend signal trades on
/// the quote that formed it (`solo_entry_bps`), though the combined score cannot reach the entry
/// threshold (10 000, with the agent's score below full strength); the intent carries the trigger
/// `Quote` and follows its quote down. Without `solo_entry_bps` the same quotes make no intent.
#[test]
fn a_quote_alone_makes_an_intent_with_its_trigger() {
    let run = |solo: &[(&str, u32)]| {
        let mut cfg = StrategyConfig {
            ema_cross: Some(EmaCrossConfig {
                fast_period: 2,
                slow_period: 3,
                rsi_period: 2,
                rsi_overbought: 100,
                rsi_oversold: 0,
                ..Default::default()
            }),
            ..Default::default()
        };
        cfg.aggregator.entry_threshold_bps = 10_000;
        cfg.aggregator.solo_entry_bps = solo.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut h = StrategyHost::new(&cfg, &table(), 50).unwrap();
        let mut out = VecOutbox::default();
        let mut intents = Vec::new();
        // The mid climbs 18 USDT a second: the fast EMA (2) leads the slow (3) by ≈ 9 USDT, 150 ppm:
        // a buy of ≈ 7500 bps (full strength at 200 ppm). Balanced sizes: no imbalance signal.
        for i in 0..20u64 {
            let mut q = quote((i + 1) * SEC);
            q.bid_px += Price::from_units(18 * i as i64);
            q.ask_px += Price::from_units(18 * i as i64);
            out.clear();
            out.handle(&mut h, &Msg::Quote(q), q.local_ts + 5);
            // The runtime forwards the quote before the host handles it (the host consumes
            // nothing): the host's own output is its intents only.
            assert_eq!(h.consumes(), Kinds::NONE, "the quote goes on, first");
            for m in &out.down {
                let Msg::Intent(it) = m else { panic!("{m:?}") };
                assert_eq!((it.trigger, it.origin_ts, it.ts), (Trigger::Quote, q.local_ts, q.local_ts + 5));
                intents.push(*it);
            }
        }
        let s = h.stats();
        assert_eq!(s.agents[1].signals, 0, "no imbalance signal: the quote alone decides");
        (intents, s.aggregator, s.intents_by_trigger)
    };
    let (intents, agg, by_trigger) = run(&[("ema_cross", 6_000)]);
    assert!(!intents.is_empty());
    for it in &intents {
        assert_eq!(it.side, Side::Buy);
        assert!((6_000..10_000).contains(&it.confidence), "{}", it.confidence);
    }
    assert_eq!((agg.intents, agg.solo_intents), (intents.len() as u64, intents.len() as u64));
    assert_eq!(by_trigger, [0, intents.len() as u64, 0, 0], "counted as quote-triggered");
    let (none, agg, by_trigger) = run(&[]);
    assert!(none.is_empty(), "the combined score never reaches 10 000");
    assert_eq!((agg.intents, by_trigger), (0, [0; 4]));
}

fn ctl(
    h: &mut StrategyHost,
    out: &mut VecOutbox,
    op: CtlOp,
    index: u16,
    now: u64,
) -> alphapulse_runtime::Answer {
    out.control(h, &CtlReq { index, ..CtlReq::new(1, op, 0) }, now)
}

#[test]
fn the_operator_halts_disables_and_flattens() {
    let (mut h, _, _) = host_with_fixed(MAX_SCORE);
    let mut out = VecOutbox::default();
    // The strategy table.
    let rows = ctl(&mut h, &mut out, CtlOp::Strategies, 0, 1).rows;
    assert!(
        matches!(rows.as_slice(), [(CtlRow::Strategy { index: 0, enabled: true, weight: 1, .. }, n)] if n == "fixed")
    );
    // Disabled: no signal counts, no intent; enabled again: intents come back.
    ctl(&mut h, &mut out, CtlOp::StrategyDisable, 0, 1);
    out.deliver(&mut h, &Msg::Quote(quote(SEC)), SEC);
    assert!(!out.down.iter().any(|m| matches!(m, Msg::Intent(_))));
    assert_eq!(h.stats().agents[0].signals, 0);
    assert_eq!(ctl(&mut h, &mut out, CtlOp::StrategyDisable, 9, 1).status, CtlStatus::Failed);
    ctl(&mut h, &mut out, CtlOp::StrategyEnable, 0, 1);
    out.deliver(&mut h, &Msg::Quote(quote(2 * SEC)), 2 * SEC);
    let Some(Msg::Intent(buy)) = out.down.last().copied() else { panic!("no intent once enabled") };
    // Filled: risk stamps the position on the report.
    let fill = ExecReport {
        order_id: buy.order_id(),
        inst: I,
        kind: ExecKind::Fill,
        side: Side::Buy,
        qty: buy.qty,
        px: buy.px,
        position: buy.qty,
        ..Default::default()
    };
    out.deliver(&mut h, &Msg::Exec(fill), 2 * SEC);
    // Halted: flatten is refused (risk would refuse its orders), with the reason.
    ctl(&mut h, &mut out, CtlOp::Halt, 0, 3 * SEC);
    out.clear();
    out.deliver(&mut h, &Msg::Quote(quote(10 * SEC)), 10 * SEC);
    assert!(!out.down.iter().any(|m| matches!(m, Msg::Intent(_))), "no intent while halted");
    let a = ctl(&mut h, &mut out, CtlOp::Flatten, 0, 10 * SEC);
    assert!(a.status == CtlStatus::Failed && a.text.contains("resume"), "{a:?}");
    ctl(&mut h, &mut out, CtlOp::Resume, 0, 10 * SEC);
    out.clear();
    let a = ctl(&mut h, &mut out, CtlOp::Flatten, 0, 10 * SEC);
    assert_eq!(a.rows, vec![(CtlRow::Count(1), "flatten orders sent".to_string())]);
    let [Msg::Intent(sell)] = out.down.as_slice() else { panic!("{:?}", out.down) };
    let q = quote(10 * SEC);
    assert_eq!((sell.side, sell.qty, sell.px, sell.tif), (Side::Sell, buy.qty, q.bid_px, Tif::Ioc));
    assert_eq!(h.stats().aggregator.flatten_intents, 1);
}

/// Answers `score` on every quote and faults on call `fault_at`.
struct Faulter {
    calls: Arc<AtomicU64>,
    fault_at: u64,
    fault: Option<Fault>,
}

impl Strategy for Faulter {
    fn name(&self) -> &str {
        "faulter"
    }
    fn on_quote(&mut self, q: &Quote, _v: &MarketView) -> Option<Signal> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if n == self.fault_at {
            self.fault = Some(Fault { strategy: "faulter".into(), message: format!("boom at {n}") });
            return None;
        }
        Some(Signal { inst: q.inst, score: -8_000, ts: q.local_ts })
    }
    fn can_fault(&self) -> bool {
        true
    }
    fn take_fault(&mut self) -> Option<Fault> {
        self.fault.take()
    }
}

#[test]
fn a_faulted_strategy_is_disabled_and_its_signal_withdrawn() {
    let (mut h, _, _) = host_with_fixed(8_000);
    let calls = Arc::new(AtomicU64::new(0));
    let k = h.add_strategy(Box::new(Faulter { calls: calls.clone(), fault_at: 2, fault: None }), 1).unwrap();
    assert_eq!(h.strategy_index("faulter"), Some(k));
    let mut out = VecOutbox::default();
    out.handle(&mut h, &Msg::Quote(quote(SEC)), SEC);
    assert_eq!(h.aggregator().combined(I, SEC), Some(0), "+8000 and −8000 cancel out");
    assert!(out.down.is_empty());
    assert!(!h.is_disabled(k) && h.fault(k).is_none());
    out.handle(&mut h, &Msg::Quote(quote(2 * SEC)), 2 * SEC);
    assert!(h.is_disabled(k));
    assert_eq!(h.fault(k).map(|f| f.message.as_str()), Some("boom at 2"));
    assert_eq!(
        h.aggregator().combined(I, 2 * SEC),
        Some(8_000),
        "the faulted strategy's signal no longer counts"
    );
    out.handle(&mut h, &Msg::Quote(quote(3 * SEC)), 3 * SEC);
    assert_eq!(calls.load(Ordering::Relaxed), 2, "never called again");
    let s = h.stats();
    assert_eq!((s.agents[0].signals, s.agents[1].signals), (3, 1), "the other strategy goes on");
    assert!(s.aggregator.intents >= 1, "and trades alone now");
    assert!(h.set_param(k, "x", "1").unwrap_err().contains("disabled"));
    assert!(h.set_param(0, "x", "1").unwrap_err().contains("no settable parameter `x`"));
    assert_eq!(h.health(0), None);
}
