//! The measured chain: the trading config, the placements, one pass of the capture through the live
//! runtime, and the join of the probes' records into per-order latencies.

use crate::harness::data::Data;
use crate::harness::hist::{Latencies, Trigger};
use crate::harness::probe::{trigger_of, GatewayProbe, Hop, Ingress, Meter, Pace, Tap};
use alphapulse_feeds::{FeedActor, FeedOptions};
use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{
    run_with_clock, Actor, Books, Clock, ClockKind, Ctx, IdleStrategy, Kinds, Placement, PlacementConfig,
    Source,
};
use alphapulse_strategy::StrategyHost;
use alphapulse_tools::backtest::CHAIN;
use alphapulse_tools::config::Config;
use alphapulse_types::Msg;
use alphapulse_types::{InstrumentTable, Qty};
use anyhow::Context;
use std::any::Any;
use std::collections::HashMap;

/// The backtest config with the changes that make the strategy trade often enough for statistics
/// (every change is listed in the report by [`config_changes`]).
pub fn trading_config(data: &Data) -> Config {
    let mut cfg = Config { data: data.files.clone(), ..Config::default() };
    // The chain runs on the TSC: event time is wall time, and a pass lasts well under a second.
    // Sampled every 1 s the EMA agent would never warm up (60 samples) and no order would come
    // from a quote; every 100 µs it warms up within a pass's first frames.
    if let Some(e) = cfg.strategy.ema_cross.as_mut() {
        e.sample_ns = EMA_SAMPLE_NS;
    }
    if let Some(i) = cfg.strategy.imbalance.as_mut() {
        i.threshold_bps = 2_000;
    }
    let a = &mut cfg.strategy.aggregator;
    a.entry_threshold_bps = 500;
    a.min_interval_ns = 0;
    a.order_qty = Qty::from_raw(20_000); // 0.0002 BTC ≈ 12 USDT, above the 10 USDT minimum notional
    a.max_position = Qty::from_units(1_000);
    cfg.risk.max_position = Qty::from_units(1_000);
    cfg.risk.max_orders_per_sec = 1 << 20;
    cfg.risk.max_open_orders = cfg.router.max_orders; // as many as the router can hold
    cfg.risk.initial_cash = alphapulse_types::Money::from_units(1_000_000_000);
    cfg.sim.order_latency_ns = 0;
    cfg.sim.response_latency_ns = 0;
    cfg
}

/// The EMA agent's sampling interval in the harness (ns of wall time).
pub const EMA_SAMPLE_NS: u64 = 100_000;

/// The config keys [`trading_config`] changes from the backtest defaults, as `key = value` lines.
pub fn config_changes() -> Vec<&'static str> {
    vec![
        "strategy.ema_cross.sample_ns = 100000 (default 1 s: the harness runs on wall time, a pass lasts < 1 s)",
        "strategy.imbalance.threshold_bps = 2000 (default 6000)",
        "strategy.aggregator.entry_threshold_bps = 500 (default 4000)",
        "strategy.aggregator.min_interval_ns = 0 (default 2 s)",
        "strategy.aggregator.order_qty = \"0.0002\" (default 0.001)",
        "strategy.aggregator.max_position = \"1000\", risk.max_position = \"1000\" (defaults 0.005, 2)",
        "risk.max_orders_per_sec = 1048576, risk.max_open_orders = 4096 (= router.max_orders), risk.initial_cash = \"1000000000\"",
        "sim.order_latency_ns = 0, sim.response_latency_ns = 0 (the venue answers at the next market event)",
        "placement: clock = \"tsc\", idle = busy-spin, threads pinned to cores 0, 1, …",
    ]
}

/// Thread `i` of an `n`-thread placement holds these actors (contiguous runs of [`CHAIN`]).
pub fn split(n: usize) -> Vec<Vec<&'static str>> {
    let cuts: &[usize] = match n {
        1 => &[],
        2 => &[1],
        3 => &[1, 2],
        4 => &[1, 2, 3],
        _ => &[1, 2, 3, 4],
    };
    let mut groups = Vec::new();
    let mut start = 0;
    for &c in cuts.iter().chain(std::iter::once(&CHAIN.len())) {
        groups.push(CHAIN[start..c].to_vec());
        start = c;
    }
    groups
}

/// The live placement of `n` pinned threads (TSC clock, busy spin), or why this machine cannot run it.
pub fn placement(n: usize, cores: &[usize]) -> Result<(PlacementConfig, Vec<usize>), String> {
    let have = std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1);
    let cores: Vec<usize> = if cores.is_empty() { (0..n).collect() } else { cores.to_vec() };
    if n > have {
        return Err(format!(
            "placement with {n} pinned threads refused: this machine has {have} cores (0..{}), and two \
             hot threads sharing a core would measure the scheduler, not the engine",
            have - 1
        ));
    }
    if cores.len() != n {
        return Err(format!("--cores lists {} cores for {n} threads", cores.len()));
    }
    let threads = split(n).into_iter().map(|g| g.into_iter().map(String::from).collect()).collect();
    let cfg = PlacementConfig {
        threads,
        cores: cores.clone(),
        idle: IdleStrategy::BusySpin,
        clock: ClockKind::Tsc,
        ..PlacementConfig::default()
    };
    cfg.resolve(&CHAIN).map_err(|e| e.to_string())?;
    Ok((cfg, cores))
}

/// What one pass saw.
#[derive(Clone, Debug, Default)]
pub struct PassStats {
    pub frames: u64,
    pub intents: u64,
    /// Intents the aggregator held back: an intent still outstanding (no report yet), position
    /// cap, no two-sided market, cooldown, below the minimum size, halted; and intents it declared
    /// dead after `intent_timeout_ns`.
    pub suppressed: [u64; 6],
    pub timed_out: u64,
    pub approved: u64,
    pub encoded: u64,
    pub fills: u64,
    pub elapsed_ns: u64,
    /// Orders recorded (joined with their intent and decision stamps).
    pub measured: u64,
    /// Orders from warm-up frames, not measured.
    pub warmup_orders: u64,
    /// Encoded orders whose router or risk record is missing (table full), not measured.
    pub unmatched: u64,
    /// Hop values below zero after offset correction (clamped to 1 ns), counted.
    pub negative_hops: u64,
    /// Measured orders whose own trigger (`OrderNew::trigger`) is not the kind of frame their
    /// ingress stamp came from (should be 0; split by the order's own trigger).
    pub trigger_mismatches: u64,
    pub record_overflow: u64,
    pub late_frames: u64,
    pub max_lag_ns: u64,
    pub allocs: u64,
    /// Clock offsets of strategy, risk, router, gateway from the harness clock (ns).
    pub offsets: [i64; 4],
    pub cut_at_deadline: bool,
}

/// The probed chain's actors as one type: the runtime, generic over the actor type, calls each
/// through a `match` (direct, inlinable calls) instead of a `Box<dyn Actor>` vtable: the
/// statically dispatched chain a fixed placement runs (issue 9, point 3).
// Five values built once per pass, each the chain slot of one actor: boxing the large ones to save
// a kilobyte or two would add back the pointer chase this type removes.
#[allow(clippy::large_enum_variant)]
pub enum Probed {
    Feed(Ingress<FeedActor>),
    Strategy(Tap<StrategyHost>),
    Risk(Tap<RiskActor>),
    Router(Tap<RouterActor>),
    Gateway(GatewayProbe),
}

/// `$a` bound to the wrapper inside `$p`, whichever it is.
macro_rules! each {
    ($p:expr, $a:ident => $e:expr) => {
        match $p {
            Probed::Feed($a) => $e,
            Probed::Strategy($a) => $e,
            Probed::Risk($a) => $e,
            Probed::Router($a) => $e,
            Probed::Gateway($a) => $e,
        }
    };
}

impl Actor for Probed {
    fn name(&self) -> &'static str {
        each!(self, a => a.name())
    }
    fn handles(&self) -> Kinds {
        each!(self, a => a.handles())
    }
    fn consumes(&self) -> Kinds {
        each!(self, a => a.consumes())
    }
    #[inline]
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        each!(self, a => a.handle(msg, ctx))
    }
    #[inline]
    fn source(&mut self) -> Option<&mut dyn Source> {
        each!(self, a => a.source())
    }
    fn books(&self) -> Option<&dyn Books> {
        each!(self, a => a.books())
    }
    fn lent_books(&mut self, lent: bool) {
        each!(self, a => a.lent_books(lent))
    }
    /// The wrapper itself (`RunOutput::actor::<Tap<RiskActor>>()` finds it).
    fn as_any(&self) -> &dyn Any {
        each!(self, a => a.as_any())
    }
}

/// Everything one pass needs.
pub struct PassSpec<'a> {
    pub cfg: &'a Config,
    pub table: &'a InstrumentTable,
    pub placement: &'a Placement,
    pub pace: Pace,
    /// Harness-clock time (ns) at which the feed stops.
    pub deadline: u64,
    pub clock: &'a Clock,
    pub count_allocs: bool,
    /// Frames at the start of each pass whose orders are not measured (the chain is new and cold).
    pub warmup_frames: u64,
    /// Records preallocated per probe.
    pub capacity: usize,
}

/// Build the probed chain, run it once over the capture (or until the deadline), and record every
/// encoded order's latencies into `lat`.
pub fn run_pass(s: &PassSpec<'_>, lat: &mut Latencies) -> anyhow::Result<PassStats> {
    let cfg = s.cfg;
    let m = || Meter::new(s.clock.clone(), s.count_allocs);
    let feed = FeedActor::open(&cfg.data, s.table, FeedOptions::from_config(&cfg.feed))
        .context("opening the capture")?;
    let strategy = StrategyHost::new(&cfg.strategy, s.table, cfg.feed.book_levels)?;
    let risk = RiskActor::new(cfg.risk.clone(), s.table)?;
    let router = RouterActor::new(cfg.router.clone(), s.table.len())?;
    let sim = SimGateway::new(cfg.sim.clone(), s.table, cfg.feed.book_levels)?;
    let actors = vec![
        Probed::Feed(Ingress::new(feed, m(), s.pace.clone(), s.deadline, s.warmup_frames)),
        Probed::Strategy(Tap::new(strategy, m(), Hop::Strategy, s.capacity)),
        Probed::Risk(Tap::new(risk, m(), Hop::Risk, s.capacity)),
        Probed::Router(Tap::new(router, m(), Hop::Router, s.capacity)),
        Probed::Gateway(GatewayProbe::new(sim, m(), s.capacity)),
    ];
    // The actors run on clones of the harness clock: ingress stamps and the actors' `ctx.now()` share
    // one base, so the sim venue orders requests and market events as they really happened.
    let out = run_with_clock(actors, s.placement, Default::default(), None, s.clock.clone())
        .context("running the chain")?;
    let ingress = out.actor::<Ingress<FeedActor>>().context("feed probe")?;
    let strat = out.actor::<Tap<StrategyHost>>().context("strategy probe")?;
    let risk = out.actor::<Tap<RiskActor>>().context("risk probe")?;
    let router = out.actor::<Tap<RouterActor>>().context("router probe")?;
    let gw = out.actor::<GatewayProbe>().context("gateway probe")?;
    let mut st = PassStats {
        frames: ingress.inner.stats().frames,
        intents: strat.inner.stats().aggregator.intents,
        suppressed: {
            let a = strat.inner.stats().aggregator;
            [
                a.suppressed_outstanding,
                a.suppressed_position_cap,
                a.suppressed_no_market,
                a.suppressed_cooldown,
                a.suppressed_too_small,
                a.suppressed_halted,
            ]
        },
        timed_out: strat.inner.stats().aggregator.intents_timed_out,
        approved: risk.inner.stats().approved,
        encoded: gw.inner.stats().encoded,
        fills: gw.inner.stats().fills,
        elapsed_ns: out.elapsed.as_nanos() as u64,
        record_overflow: risk.records.overflow + router.records.overflow + gw.records.overflow,
        late_frames: ingress.late,
        max_lag_ns: ingress.max_lag_ns,
        allocs: ingress.meter.allocs
            + strat.meter.allocs
            + risk.meter.allocs
            + router.meter.allocs
            + gw.meter.allocs,
        offsets: [strat.meter.offset(), risk.meter.offset(), router.meter.offset(), gw.meter.offset()],
        cut_at_deadline: ingress.cut_at_deadline,
        ..PassStats::default()
    };
    // Join: order id → (intent id, Decision.ts, OrderNew.ts); intent id → Intent.ts.
    let intent_ts: HashMap<u64, u64> = risk.records.items.iter().map(|r| (r[0], r[1])).collect();
    let order: HashMap<u64, (u64, u64)> = router.records.items.iter().map(|r| (r[0], (r[3], r[1]))).collect();
    for &[order_id, origin, new_ts, encoded, trigger] in &gw.records.items {
        if origin < ingress.measured_from {
            st.warmup_orders += 1;
            continue;
        }
        let Some(&(intent_id, decision_ts)) = order.get(&order_id) else {
            st.unmatched += 1;
            continue;
        };
        let Some(&intent) = intent_ts.get(&intent_id) else {
            st.unmatched += 1;
            continue;
        };
        // Every stamp on the harness clock.
        let t = [
            origin,
            strat.meter.to_harness(intent),
            risk.meter.to_harness(decision_ts),
            router.meter.to_harness(new_ts),
            encoded,
        ];
        let mut hop = |a: u64, b: u64| {
            if b < a {
                st.negative_hops += 1;
            }
            b.saturating_sub(a)
        };
        let v = [hop(t[0], t[4]), hop(t[0], t[1]), hop(t[1], t[2]), hop(t[2], t[3]), hop(t[3], t[4])];
        // The order's own trigger (carried intent → decision → order), checked against the kind of
        // frame its ingress stamp says it came from.
        let trigger = alphapulse_types::Trigger::from_u8(trigger as u8).and_then(Trigger::of_order);
        if trigger != trigger_of(origin) {
            st.trigger_mismatches += 1;
        }
        lat.record(v, trigger);
        st.measured += 1;
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::hist::{HOPS, SERIES};
    use alphapulse_benches::capture::{Capture, TempCapture};
    use alphapulse_runtime::ClockKind;

    /// One probed pass, one thread, over the start of the sample: every encoded order is joined
    /// with its intent and decision, carries the trigger its frame's stamp says, is counted under
    /// it, and no actor allocates inside its handle/poll (the test binary's global allocator is
    /// the counting one, see `src/bin/tick_to_trade.rs`).
    #[test]
    fn a_probed_pass_joins_every_order_and_allocates_nothing() {
        let cap = Capture::sample();
        let part = TempCapture::write("t2t-pass", cap.lines.iter().take(8_000));
        let data = Data::prepare(std::slice::from_ref(&part.path)).expect("prepare");
        let cfg = trading_config(&data);
        let table = alphapulse_tools::backtest::instruments(&cfg).expect("instruments");
        let (pcfg, _) = placement(1, &[]).expect("one thread");
        let placement = pcfg.resolve(&CHAIN).expect("placement");
        let clock = Clock::new(ClockKind::Tsc);
        let spec = PassSpec {
            cfg: &cfg,
            table: &table,
            placement: &placement,
            pace: Pace::Free,
            deadline: u64::MAX,
            clock: &clock,
            count_allocs: true,
            warmup_frames: 0,
            capacity: data.frames + 1024,
        };
        let mut lat = Latencies::new();
        let st = run_pass(&spec, &mut lat).expect("pass");
        assert_eq!(st.frames, data.frames as u64);
        assert!(!st.cut_at_deadline);
        assert_eq!(st.allocs, 0, "heap allocations inside the actors");
        assert!(st.measured > 0, "{st:?}");
        assert_eq!((st.encoded, st.unmatched, st.record_overflow), (st.measured, 0, 0), "{st:?}");
        assert_eq!(st.trigger_mismatches, 0, "{st:?}");
        let by_trigger: u64 = lat.h[HOPS..].iter().map(|h| h.len()).sum();
        assert_eq!(by_trigger, st.measured, "every order counted under its trigger");
        assert_eq!(SERIES.len(), lat.h.len());
    }
}
