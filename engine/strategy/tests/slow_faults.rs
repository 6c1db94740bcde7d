//! Slow agents that crash or stall do not stall the hot path.
//!
//! The real sample capture (BTCUSDT, feeds/testdata) is replayed through a [`StrategyHost`] with
//! the built-in agents and two [`BoardAgent`]s: `fundamental`, whose slow agent publishes once
//! and then panics, and `stuck`, whose slow agent stalls in its first call for the whole replay.
//! Both run live, on the runner's own threads. The hot path's output — every message the host
//! sends down, intents included — is compared with a run where the same publication is written
//! on the board directly and no slow thread exists: identical, and every event handled. The
//! crashed agent's signal ages out half-way (its TTL is half the capture) and the aggregator
//! counts it as expired; the stalled agent never published, so its `BoardAgent` never signalled.
//! Rates (events/s of both runs) are printed, not asserted.

use alphapulse_feeds::testdata::{replay_messages, sample_capture, Replayed};
use alphapulse_runtime::{Actor, VecOutbox};
use alphapulse_strategy::{
    Board, BoardAgent, SlowAgent, SlowRunner, SlowRunnerConfig, StrategyConfig, StrategyHost,
};
use alphapulse_types::{InstrumentId, Msg};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SCORE: i32 = 7_000;

/// Publishes `SCORE` for every instrument on its first poll, then panics on its next one.
struct Crashy {
    calls: u32,
    insts: u32,
}
impl SlowAgent for Crashy {
    fn name(&self) -> &str {
        "fundamental"
    }
    fn signal(&mut self, _inst: InstrumentId, now: u64) -> Option<(i32, u64)> {
        if self.calls >= self.insts {
            panic!("fundamental: the filings parser fell over");
        }
        self.calls += 1;
        Some((SCORE, now))
    }
}

/// Stalls in its first call until released (after the replay).
struct Stuck {
    entered: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
}
impl SlowAgent for Stuck {
    fn name(&self) -> &str {
        "stuck"
    }
    fn signal(&mut self, _inst: InstrumentId, _now: u64) -> Option<(i32, u64)> {
        self.entered.store(true, Ordering::Relaxed);
        while !self.release.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        Some((-SCORE, 0))
    }
}

struct Outcome {
    down: Vec<Msg>,
    events: u64,
    secs: f64,
    signals: (u64, u64),
    expired: (u64, u64),
    fresh_at_end: bool,
    fresh_at_start: bool,
}

fn replay(stream: &Replayed, live_slow: bool) -> Outcome {
    let table = alphapulse_feeds::sample_instruments();
    let first_ts = stream.msgs.iter().map(Msg::event_ts).find(|&t| t > 0).expect("events");
    let last_ts = stream.msgs.iter().map(Msg::event_ts).max().expect("events");
    let ttl = (last_ts - first_ts) / 2;
    let mut cfg = StrategyConfig::default();
    cfg.aggregator.signal_ttl_ns_by = [("fundamental".to_string(), ttl)].into_iter().collect();
    cfg.aggregator.weights.insert("fundamental".into(), 1);
    let board = Arc::new(Board::new(&["fundamental", "stuck"], table.len()).unwrap());
    let mut host = StrategyHost::new(&cfg, &table, 5000).unwrap();
    let f =
        host.add_strategy(Box::new(BoardAgent::new("fundamental", board.clone(), 0).unwrap()), 1).unwrap();
    let s = host.add_strategy(Box::new(BoardAgent::new("stuck", board.clone(), 1).unwrap()), 1).unwrap();

    let (entered, release) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let handle = if live_slow {
        let mut r =
            SlowRunner::new(board.clone(), SlowRunnerConfig { period_ns: 1_000_000, nice: 10 }).unwrap();
        r.add(Box::new(Crashy { calls: 0, insts: table.len() as u32 })).unwrap();
        r.add(Box::new(Stuck { entered: entered.clone(), release: release.clone() })).unwrap();
        // The slow agents' "now" is the capture's first event time (a simulated wall clock).
        let h = r.spawn_with_clock(Arc::new(move || first_ts)).unwrap();
        // Wait (test set-up, not the hot path) until one has crashed and the other is stuck.
        while !(h.stats()[0].panicked && entered.load(Ordering::Relaxed)) {
            std::thread::sleep(Duration::from_millis(1));
        }
        Some(h)
    } else {
        for i in 0..table.len() {
            board.publish(0, InstrumentId(i as u32), SCORE, first_ts).unwrap();
        }
        None
    };

    let mut out = VecOutbox::default();
    let (mut down, mut events) = (Vec::new(), 0u64);
    let mut fresh_at_start = false;
    let started = Instant::now();
    for m in &stream.msgs {
        if !host.handles().contains(m) {
            continue;
        }
        stream.handle_in(m, &mut out, &mut host);
        events += 1;
        if events == 100 {
            let inst = table.id_of("BTCUSDT").unwrap();
            fresh_at_start = host.aggregator().is_fresh(f, inst, m.event_ts());
        }
        down.append(&mut out.down);
        out.clear();
    }
    let secs = started.elapsed().as_secs_f64();
    if let Some(h) = handle {
        let stats = h.stats();
        assert!(stats[0].panicked && stats[0].published == table.len() as u64, "{stats:?}");
        assert!(!stats[1].panicked && stats[1].published == 0 && stats[1].polls == 0, "{stats:?}");
        release.store(true, Ordering::Relaxed);
        let report = h.stop(Duration::from_secs(5));
        assert_eq!(report.abandoned, Vec::<String>::new(), "released, the stuck agent's thread ends");
    }
    let inst = table.id_of("BTCUSDT").unwrap();
    let a = host.aggregator();
    Outcome {
        down,
        events,
        secs,
        signals: (host.stats().agents[f].signals, host.stats().agents[s].signals),
        expired: (a.expired_signals(f), a.expired_signals(s)),
        fresh_at_end: a.is_fresh(f, inst, last_ts),
        fresh_at_start,
    }
}

#[test]
fn a_crashed_and_a_stalled_slow_agent_leave_the_hot_path_as_it_was() {
    let table = alphapulse_feeds::sample_instruments();
    let stream = replay_messages(&[sample_capture()], &table).expect("the sample capture");
    let _warm = replay(&stream, false);
    let base = replay(&stream, false);
    let live = replay(&stream, true);
    assert!(base.events > 10_000, "{} events", base.events);
    assert_eq!(live.events, base.events, "every event handled with the slow threads faulted");
    let intents = |o: &Outcome| o.down.iter().filter(|m| matches!(m, Msg::Intent(_))).count();
    assert!(intents(&base) > 0, "the chain trades on the capture");
    assert_eq!(intents(&live), intents(&base));
    assert!(live.down == base.down, "the host's output is identical");
    // The crashed agent's one publication per instrument reached the aggregator once for each
    // instrument with events, was live at the start and stale at the end, counted as expired.
    let mut with_events: Vec<u32> = stream.msgs.iter().filter_map(market_inst).collect();
    with_events.sort_unstable();
    with_events.dedup();
    assert_eq!(live.signals, (with_events.len() as u64, 0), "stuck never published");
    assert!(live.fresh_at_start && !live.fresh_at_end);
    assert!(
        live.expired.0 >= 1 && live.expired.0 <= live.signals.0 && live.expired.1 == 0,
        "{:?}",
        live.expired
    );
    assert_eq!((base.signals, base.expired), (live.signals, live.expired));
    println!(
        "events: {}; without slow threads {:.0} events/s, with a crashed and a stalled slow agent {:.0} events/s; intents {}",
        live.events,
        base.events as f64 / base.secs,
        live.events as f64 / live.secs,
        intents(&live)
    );
}

fn market_inst(m: &Msg) -> Option<u32> {
    match m {
        Msg::Quote(q) => Some(q.inst.0),
        Msg::Trade(t) => Some(t.inst.0),
        Msg::Depth(d) => Some(d.inst.0),
        _ => None,
    }
}

/// A slow agent whose opinion follows event time: the score cycles with the hour, dated an
/// hour before it was asked.
struct Clockwork;
impl SlowAgent for Clockwork {
    fn name(&self) -> &str {
        "fundamental"
    }
    fn signal(&mut self, inst: InstrumentId, now: u64) -> Option<(i32, u64)> {
        let secs = now / 1_000_000_000;
        Some((((secs + inst.0 as u64) % 20_001) as i32 - 10_000, now.saturating_sub(3_600_000_000_000)))
    }
}

/// Backtest mode: the replay loop steps the runner by event time before each event; two runs give
/// the same host output and the same signals, and the slow agent was polled at event-time periods.
#[test]
fn a_stepped_runner_replays_deterministically() {
    let table = alphapulse_feeds::sample_instruments();
    let stream = replay_messages(&[sample_capture()], &table).expect("the sample capture");
    let run = || {
        let mut cfg = StrategyConfig::default();
        cfg.aggregator.signal_ttl_ns_by =
            [("fundamental".to_string(), 7_200_000_000_000)].into_iter().collect();
        let board = Arc::new(Board::new(&["fundamental"], table.len()).unwrap());
        let mut host = StrategyHost::new(&cfg, &table, 5000).unwrap();
        let f = host
            .add_strategy(Box::new(BoardAgent::new("fundamental", board.clone(), 0).unwrap()), 1)
            .unwrap();
        let mut runner =
            SlowRunner::new(board, SlowRunnerConfig { period_ns: 5_000_000_000, nice: 0 }).unwrap();
        runner.add(Box::new(Clockwork)).unwrap();
        let mut out = VecOutbox::default();
        let (mut down, mut journal) = (Vec::new(), Vec::new());
        for m in &stream.msgs {
            if !host.handles().contains(m) {
                continue;
            }
            runner.step(m.event_ts());
            stream.handle_in(m, &mut out, &mut host);
            down.append(&mut out.down);
            journal.append(&mut out.journal);
            out.clear();
        }
        (down, journal, host.stats().agents[f].signals, runner.stats())
    };
    let (down, journal, signals, stats) = run();
    let again = run();
    assert!(down == again.0 && journal == again.1, "a second replay is identical");
    let first = stream.msgs.iter().map(Msg::event_ts).find(|&t| t > 0).unwrap();
    let last = stream.msgs.iter().map(Msg::event_ts).max().unwrap();
    let periods = (last - first) / 5_000_000_000;
    // One poll per period of event time (give or take the gaps between events).
    assert!(
        stats[0].polls >= periods / 2 && stats[0].polls <= periods + 1,
        "{stats:?} over {periods} periods"
    );
    assert!(signals >= stats[0].polls / 2 && signals <= stats[0].published, "{signals} signals, {stats:?}");
    println!(
        "stepped: {} polls, {} publications, {signals} slow signals in the host",
        stats[0].polls, stats[0].published
    );
}
