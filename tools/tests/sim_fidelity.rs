//! The simulated exchange inside the whole chain, on real data (issue 8, points 13 and 15).
//!
//! - **Queue model (13)**: with a passive-maker config (GTC at the own best, 0.01 BTC), every maker
//!   fill of every order is bounded by what the market could have sent it: the volume of the
//!   trades printed at or through its price by the other side since the order reached the engine,
//!   plus any *new* quantity of the opposite side displayed at or better than its price (the
//!   market crossing it). The bound ignores the queue ahead, so it is looser than the simulator's
//!   model; a full fill after a tiny print through the price breaks it.
//! - **Latency (15)**: a report stamped `T + L` reaches the router only after the router has seen
//!   a market event at or after `T + L` (or the end of the stream), and two response latencies
//!   give different trading results.
//!
//! The chain is the backtest's own (`build_chain`); the gateway and the router are wrapped to
//! record what they handle, and the gateway's input is replayed into a fresh [`SimGateway`] to
//! look at its book view after every event.

use alphapulse_gateways::sim::{SimConfig, SimGateway};
use alphapulse_runtime::{run, Actor, Ctx, VecOutbox};
use alphapulse_tools::backtest::{build_chain, check, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_tools::report::Report;
use alphapulse_types::*;
use std::any::Any;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

type Log = Arc<Mutex<Vec<(u64, Msg)>>>;

/// Records every message the wrapped actor handles, with the actor's time.
struct Tap {
    inner: Box<dyn Actor>,
    log: Log,
}

impl Actor for Tap {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        self.log.lock().unwrap().push((ctx.now(), *msg));
        self.inner.handle(msg, ctx);
    }
    fn handles(&self) -> Kinds {
        self.inner.handles()
    }
    fn consumes(&self) -> Kinds {
        self.inner.consumes()
    }
    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
}

const PASSIVE: &str = r#"
[strategy.aggregator]
style = "passive"
order_qty = "0.01"
max_position = "0.05"
"#;

struct Run {
    cfg: Config,
    table: InstrumentTable,
    report: Report,
    gateway_in: Vec<(u64, Msg)>,
    router_in: Vec<(u64, Msg)>,
}

fn run_chain(toml_text: &str, data: Vec<PathBuf>, sim: impl FnOnce(&mut SimConfig)) -> Run {
    let mut cfg: Config = toml::from_str(toml_text).unwrap();
    cfg.data = data;
    sim(&mut cfg.sim);
    check(&mut cfg).unwrap();
    let table = instruments(&cfg).unwrap();
    let (mut actors, _) = build_chain(&cfg, &table, None).unwrap();
    let (glog, rlog): (Log, Log) = Default::default();
    let gw = actors.pop().unwrap();
    let router = actors.pop().unwrap();
    assert_eq!((router.name(), gw.name()), ("router", "sim_gateway"));
    actors.push(Box::new(Tap { inner: router, log: rlog.clone() }));
    actors.push(Box::new(Tap { inner: gw, log: glog.clone() }));
    let placement = cfg.placement.resolve(&CHAIN).unwrap();
    let out = run(actors, &placement, Default::default()).unwrap();
    let report = Report::from_run(&cfg, &table, &placement, &out).unwrap();
    let gateway_in = std::mem::take(&mut *glog.lock().unwrap());
    let router_in = std::mem::take(&mut *rlog.lock().unwrap());
    Run { cfg, table, report, gateway_in, router_in }
}

/// One resting order as the bound sees it.
struct Track {
    order: OrderNew,
    arrive: u64,
    /// Volume that could have reached the order so far, and the opposite quantity displayed at
    /// or better than its price at the last event.
    allowed: Qty,
    shown: Qty,
    /// (event time, `allowed` after that event).
    timeline: Vec<(u64, Qty)>,
    filled: Qty,
}

fn reaches(side: Side, limit: Price, px: Price) -> bool {
    match side {
        Side::Buy => px <= limit,
        Side::Sell => px >= limit,
    }
}

/// Replays the gateway's recorded input into a fresh simulator and checks every maker fill
/// against the bound. Returns (maker fills, fills, violations as text).
fn check_maker_bound(run: &Run) -> (u64, u64, Vec<String>) {
    let cfg = &run.cfg.sim;
    let mut gw = SimGateway::new(cfg.clone(), &run.table, run.cfg.feed.book_levels).unwrap();
    let mut out = VecOutbox::default();
    let mut orders: BTreeMap<u64, Track> = BTreeMap::new();
    let (mut maker, mut fills, mut bad) = (0u64, 0u64, Vec::new());
    for (now, msg) in &run.gateway_in {
        out.clear();
        out.handle(&mut gw, msg, *now);
        if let Msg::New(o) = msg {
            if o.ord_type == OrdType::Limit && o.tif == Tif::Gtc {
                let arrive = now + cfg.order_latency_ns;
                let t = Track {
                    order: *o,
                    arrive,
                    allowed: Qty::ZERO,
                    shown: Qty::ZERO,
                    timeline: Vec::new(),
                    filled: Qty::ZERO,
                };
                orders.insert(o.order_id.0, t);
            }
        }
        if msg.is_market() {
            let ts = msg.event_ts();
            for t in orders.values_mut().filter(|t| t.arrive <= ts) {
                let o = &t.order;
                if let Msg::Trade(tr) = msg {
                    if tr.inst == o.inst && tr.aggressor != o.side && reaches(o.side, o.px, tr.px) {
                        t.allowed += tr.qty;
                    }
                }
                let book = gw.book(o.inst).unwrap();
                let mut shown = Qty::ZERO;
                for (px, q) in book.levels(o.side.opposite()) {
                    if !reaches(o.side, o.px, px) {
                        break;
                    }
                    shown += q;
                }
                if shown > t.shown {
                    t.allowed += shown - t.shown;
                }
                t.shown = shown;
                t.timeline.push((ts, t.allowed));
            }
        }
        for m in &out.up {
            let Msg::Exec(r) = m else { continue };
            if r.kind != ExecKind::Fill {
                continue;
            }
            fills += 1;
            if r.liquidity != Liquidity::Maker {
                continue;
            }
            maker += 1;
            let t = orders.get_mut(&r.order_id.0).expect("maker fill of a GTC order");
            t.filled += r.qty;
            let act = r.ts - cfg.response_latency_ns;
            let bound = t.timeline.iter().rev().find(|(ts, _)| *ts <= act).map_or(Qty::ZERO, |e| e.1);
            if t.filled > bound {
                bad.push(format!(
                    "order {} {:?} {} @ {}: filled {} by {} but only {} could have reached it",
                    r.order_id.0, t.order.side, t.order.qty, t.order.px, t.filled, act, bound
                ));
            }
        }
    }
    (maker, fills, bad)
}

fn queue_bound_on(data: Vec<PathBuf>, what: &str) {
    let run = run_chain(PASSIVE, data, |_| {});
    let (maker, fills, bad) = check_maker_bound(&run);
    println!(
        "{what}: passive config: {} orders, {} fills ({} maker), realized {}, fees {}; \
         maker fills over the bound: {}",
        run.report.orders_sent,
        run.report.fills,
        maker,
        run.report.realized_pnl,
        run.report.fees,
        bad.len()
    );
    for b in bad.iter().take(5) {
        println!("  {b}");
    }
    assert_eq!(fills, run.report.fills, "the replayed gateway reproduces the run");
    assert!(maker > 0, "the passive config makes maker fills");
    assert!(bad.is_empty(), "{} maker fills exceed the volume that could have reached them", bad.len());
}

#[test]
fn maker_fills_never_exceed_reachable_volume_on_the_sample() {
    queue_bound_on(vec![alphapulse_feeds::testdata::sample_capture()], "sample");
}

#[test]
fn maker_fills_never_exceed_reachable_volume_on_both_btcusdt_days() {
    let Some(d) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let files = vec![d.join("binance-spot/btcusdt_20240808.gz"), d.join("binance-spot/btcusdt_20240809.gz")];
    queue_bound_on(files, "btcusdt_20240808+09");
}

/// Reports reach the router at their modelled time: after a market event at or after the
/// report's stamp (or after the end of the stream). Returns how many came too early.
fn early_reports(run: &Run) -> (usize, usize) {
    let (mut market_ts, mut eos, mut early, mut n) = (0u64, false, 0, 0);
    for (_, m) in &run.router_in {
        match m {
            Msg::Eos(_) => eos = true,
            Msg::Exec(r) => {
                n += 1;
                if !eos && r.ts > market_ts {
                    early += 1;
                }
            }
            m if m.is_market() => market_ts = market_ts.max(m.event_ts()),
            _ => {}
        }
    }
    (early, n)
}

#[test]
fn reports_reach_the_router_at_their_modelled_time() {
    let sample = vec![alphapulse_feeds::testdata::sample_capture()];
    let mut figures = Vec::new();
    // The aggregator may hold one order's worth (0.001 BTC): what it knows of its fills decides
    // whether it may send the next intent.
    let capped = "[strategy.aggregator]\nmax_position = \"0.001\"\n";
    for resp in [1_000_000u64, 5_000_000_000] {
        let run = run_chain(capped, sample.clone(), |s| s.response_latency_ns = resp);
        let (early, n) = early_reports(&run);
        let r = &run.report;
        println!(
            "response latency {resp} ns: {n} reports at the router, {early} before their time; \
             intents {}, fills {}, realized {}, fees {}",
            r.intents, r.fills, r.realized_pnl, r.fees
        );
        assert!(n > 0);
        assert_eq!(early, 0, "reports reached the router before their stamp");
        figures.push((r.intents, r.fills, r.realized_pnl, r.fees));
    }
    assert_ne!(figures[0], figures[1], "the response latency must change what the strategy can know");
}
