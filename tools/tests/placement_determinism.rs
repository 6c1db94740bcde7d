//! The backtest report is identical, timing fields aside, in the one-thread and two-thread placements.

mod common;

use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_runtime::{run, Actor, Ctx, PlacementConfig, Source};
use alphapulse_tools::backtest::{build_chain, check, execute, instruments, CHAIN};
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

#[test]
fn a_cut_below_the_feed_is_refused() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    cfg.placement = PlacementConfig::two_threads(&CHAIN, 2);
    let err = check(&mut cfg).unwrap_err().to_string();
    assert!(err.contains("placement.threads") && err.contains("risk"), "{err}");
}
