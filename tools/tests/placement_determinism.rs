//! The backtest report is identical, timing fields aside, in the one-thread and two-thread placements.

mod common;

use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_runtime::{run, Actor, Ctx, PlacementConfig, Source};
use alphapulse_strategy::StrategyHost;
use alphapulse_tools::backtest::{build_chain, build_stages, check, execute, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::{Kinds, Msg};
use std::any::Any;

#[test]
fn one_and_two_threads_give_the_same_report() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    check(&mut cfg).unwrap();
    let one = execute(&cfg, false).unwrap();
    cfg.placement = PlacementConfig::two_threads(&CHAIN, 1);
    check(&mut cfg).unwrap();
    let two = execute(&cfg, false).unwrap();

    let (a, b) = (one.to_json_without_timing(), two.to_json_without_timing());
    assert_eq!(a, b, "reports differ between placements");
    let fills = a["fills"].as_u64().unwrap();
    let orders = a["orders_sent"].as_u64().unwrap();
    println!("events {} orders_sent {orders} fills {fills} (identical in both placements)", a["events"]);
    assert!(orders > 0 && fills > 0, "the run must trade for this comparison to mean something");
}

/// Wraps an actor so that every message stops at it: it handles every kind (passing the actor only
/// those it handles) and consumes what the actor consumes. The runtime then forwards each message
/// hop by hop instead of skipping actors that do not handle it.
struct EveryHop(Box<dyn Actor>);

impl Actor for EveryHop {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn handles(&self) -> Kinds {
        Kinds::ALL
    }
    fn consumes(&self) -> Kinds {
        self.0.consumes()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        if self.0.handles().contains(msg) {
            self.0.handle(msg, ctx)
        }
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        self.0.source()
    }
    fn as_any(&self) -> &dyn Any {
        self.0.as_any()
    }
}

#[test]
fn skipping_actors_gives_the_same_result_as_every_hop() {
    // Risk handles neither trades nor depth updates, the router no trades of its own: the runtime
    // forwards them past it. Stopping every message at every actor may change nothing.
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    check(&mut cfg).unwrap();
    let table = instruments(&cfg).unwrap();
    let placement = cfg.placement.resolve(&CHAIN).unwrap();
    let summary = |actors: Vec<Box<dyn Actor>>| {
        let out = run(actors, &placement, Default::default()).unwrap();
        let router = out.actor::<RouterActor>().unwrap();
        let sim = out.actor::<SimGateway>().unwrap();
        (format!("{:?}", router.stats()), format!("{:?}", sim.stats()))
    };
    let (skip, _) = build_chain(&cfg, &table, None).unwrap();
    let (every, _) = build_chain(&cfg, &table, None).unwrap();
    let every: Vec<Box<dyn Actor>> =
        every.into_iter().map(|a| Box::new(EveryHop(a)) as Box<dyn Actor>).collect();
    let (a, b) = (summary(skip), summary(every));
    assert_eq!(a, b, "skipping actors changed the router's or the simulator's figures");
    assert!(a.1.contains("fills"), "{}", a.1);
    println!("router {}\nsim {}\n(identical hop by hop)", a.0, a.1);
}

/// One book per instrument per thread: with the feed on its thread the strategy host reads the
/// feed's books and frees its own; on a thread of its own it keeps books from the depth updates.
/// The same signals and fills either way (the test above compares the whole report).
#[test]
fn the_feed_lends_its_books_on_its_own_thread_only() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    for (two, own) in [(false, false), (true, true)] {
        if two {
            cfg.placement = PlacementConfig::two_threads(&CHAIN, 1);
        }
        check(&mut cfg).unwrap();
        let table = instruments(&cfg).unwrap();
        let (stages, _) = build_stages(&cfg, &table, None).unwrap();
        let out = run(stages, &cfg.placement.resolve(&CHAIN).unwrap(), Default::default()).unwrap();
        let host = out.actor::<StrategyHost>().unwrap();
        assert_eq!(host.keeps_own_books(), own, "two threads: {two}");
        println!("two threads {two}: strategy keeps its own books {own}; signals {:?}", host.stats().agents);
    }
}

/// One book per instrument per thread for the simulated exchange too: it keeps no book of its own
/// on either placement. On the feed's thread it reads the feed's books; on the other thread it
/// reads the strategy host's, which keeps them from the depth updates there and lends them on (with
/// what each update replaced). Its patch of quotes and fills lies over the lent book. The same
/// fills either way (the first test compares the whole report); the patch never overflowed and the
/// lender always said what its depth updates replaced.
#[test]
fn the_simulator_reads_the_books_of_its_thread() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    let mut fills = Vec::new();
    for two in [false, true] {
        if two {
            cfg.placement = PlacementConfig::two_threads(&CHAIN, 1);
        }
        check(&mut cfg).unwrap();
        let table = instruments(&cfg).unwrap();
        let (stages, _) = build_stages(&cfg, &table, None).unwrap();
        let out = run(stages, &cfg.placement.resolve(&CHAIN).unwrap(), Default::default()).unwrap();
        let sim = out.actor::<SimGateway>().unwrap();
        assert!(!sim.keeps_own_books(), "two threads: {two}");
        assert!(sim.book(table.iter().next().unwrap().id).is_none(), "two threads: {two}");
        let st = sim.stats();
        assert_eq!((st.overlay_overflows, st.lent_depth_without_prior), (0, 0), "two threads: {two}");
        fills.push((st.fills, st.taker_fills, st.maker_fills, st.volume, st.fees));
        println!("two threads {two}: {} fills, the simulator on lent books", st.fills);
    }
    assert_eq!(fills[0], fills[1]);
    assert!(fills[0].0 > 0, "the run must trade for this comparison to mean something");
}

#[test]
fn a_cut_below_the_feed_is_refused() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    cfg.placement = PlacementConfig::two_threads(&CHAIN, 2);
    let err = check(&mut cfg).unwrap_err().to_string();
    assert!(err.contains("placement.threads") && err.contains("risk"), "{err}");
}
