//! The trigger kind (the market event that caused an intent: quote, trade, depth) over a real
//! backtest of the repo sample: it is the kind of the market event risk saw just before the intent
//! (causal order), with that event's receive time as `origin_ts`; it travels intent → decision →
//! order unchanged; and the report's counts by trigger add up to its totals, quote-triggered
//! intents and fills included.

mod common;

use alphapulse_oms::RouterActor;
use alphapulse_runtime::{run, Actor, Ctx, Source};
use alphapulse_tools::backtest::{build_chain, check, execute, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::{Kinds, Msg, Trigger};
use serde_json::Value;
use std::any::Any;
use std::collections::HashMap;

/// A market event's trigger kind and receive time.
type Seen = Option<(Trigger, u64)>;

/// Wraps an actor; sees every message (it handles every kind, consumes what the actor consumes, and
/// passes the actor only the kinds it handles); remembers the market event seen last, and for each
/// intent (at risk) or new order (at the sim) its trigger and what the last market event was.
struct Watch {
    inner: Box<dyn Actor>,
    last_market: Seen,
    /// Intent id → (trigger, origin_ts, last market event before it).
    intents: HashMap<u64, (Trigger, u64, Seen)>,
    /// Order id → trigger.
    orders: HashMap<u64, Trigger>,
}

impl Actor for Watch {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn handles(&self) -> Kinds {
        Kinds::ALL
    }
    fn consumes(&self) -> Kinds {
        self.inner.consumes()
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        self.inner.source()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        match msg {
            Msg::Quote(_) | Msg::Trade(_) | Msg::Depth(_) | Msg::Book(_) => {
                self.last_market = Some((Trigger::of(msg), msg.event_ts()))
            }
            Msg::Intent(i) => {
                self.intents.insert(i.intent_id, (i.trigger, i.origin_ts, self.last_market));
            }
            Msg::New(o) => {
                self.orders.insert(o.order_id.0, o.trigger);
            }
            _ => {}
        }
        if self.inner.handles().contains(msg) {
            self.inner.handle(msg, ctx);
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn watch(inner: Box<dyn Actor>) -> Box<dyn Actor> {
    Box::new(Watch { inner, last_market: None, intents: HashMap::new(), orders: HashMap::new() })
}

fn sample() -> Config {
    Config { data: vec![alphapulse_feeds::testdata::sample_capture()], ..Config::default() }
}

#[test]
fn trigger_is_the_causing_event_and_survives_intent_decision_order() {
    let mut cfg = sample();
    check(&mut cfg).unwrap();
    let table = instruments(&cfg).unwrap();
    let (mut actors, _) = build_chain(&cfg, &table, None).unwrap();
    let sim = actors.remove(4);
    actors.insert(4, watch(sim));
    let risk = actors.remove(2);
    actors.insert(2, watch(risk));
    let out = run(actors, &cfg.placement.resolve(&CHAIN).unwrap(), Default::default()).unwrap();
    let router = out.actor::<RouterActor>().unwrap();
    let watches: Vec<&Watch> = out.actors.iter().filter_map(|a| a.as_any().downcast_ref::<Watch>()).collect();
    let (risk, sim) = (watches[0], watches[1]);
    assert!(!risk.intents.is_empty() && !sim.orders.is_empty());
    let mut by_trigger = [0u64; 4];
    for (id, &(trigger, origin_ts, last)) in &risk.intents {
        assert_eq!(
            last,
            Some((trigger, origin_ts)),
            "intent {id}: not the market event risk saw just before it"
        );
        by_trigger[trigger as usize] += 1;
    }
    let mut orders = 0;
    for rec in router.orders().filter(|r| r.order_id.0 != 0) {
        let (intent_trigger, _, _) = risk.intents[&rec.intent_id];
        assert_eq!(rec.trigger, intent_trigger, "order {:?}: record", rec.order_id);
        assert_eq!(sim.orders[&rec.order_id.0], intent_trigger, "order {:?}: sent", rec.order_id);
        orders += 1;
    }
    assert_eq!(orders, sim.orders.len());
    assert_eq!(router.stats().created_by_trigger, by_trigger, "no risk rejection in the sample");
    println!("intents by trigger (none, quote, trade, depth): {by_trigger:?}; {orders} orders checked");
    assert!(by_trigger[Trigger::Quote as usize] > 0 && by_trigger[Trigger::Depth as usize] > 0);
}

#[test]
fn sample_report_counts_by_trigger_add_up_and_include_quotes() {
    let r = execute(&sample(), false).unwrap().to_json();
    let sum = |key: &str| -> u64 {
        let m = r[key].as_object().unwrap_or_else(|| panic!("{key} missing"));
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["book_ticker", "depth", "none", "trade"], "{key}");
        m.values().map(|v| v.as_u64().unwrap()).sum()
    };
    let n = |v: &Value| v.as_u64().unwrap();
    assert_eq!(sum("intents_by_trigger"), n(&r["intents"]));
    assert_eq!(sum("orders_by_trigger"), n(&r["orders_sent"]));
    assert_eq!(sum("fills_by_trigger"), n(&r["fills"]));
    for key in ["intents_by_trigger", "orders_by_trigger", "fills_by_trigger"] {
        assert!(n(&r[key]["book_ticker"]) > 0, "{key}: no quote-triggered ones");
        assert_eq!(n(&r[key]["none"]), 0, "{key}: every intent has a market trigger");
    }
    assert!(n(&r["intents_solo"]) > 0 && n(&r["intents_solo"]) <= n(&r["intents_by_trigger"]["book_ticker"]));
    println!(
        "intents {} {} orders {} fills {} solo {}",
        r["intents"],
        r["intents_by_trigger"],
        r["orders_by_trigger"],
        r["fills_by_trigger"],
        r["intents_solo"]
    );
    // Off (`solo_entry_bps = {}`): the figures of before the rule, fewer quote-triggered intents.
    let mut cfg = sample();
    cfg.strategy.aggregator.solo_entry_bps.clear();
    let off = execute(&cfg, false).unwrap().to_json();
    assert_eq!(n(&off["intents_solo"]), 0);
    assert!(n(&off["intents_by_trigger"]["book_ticker"]) < n(&r["intents_by_trigger"]["book_ticker"]));
    println!("without solo_entry_bps: intents {} {}", off["intents"], off["intents_by_trigger"]);
}

/// Both BTCUSDT days of `../shared/data` (skipped without it): the counts by trigger add up, and
/// quote-triggered intents are there, some of them on the EMA agent's conviction alone.
#[test]
fn real_captures_count_by_trigger_consistently() {
    let Some(d) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let data = vec![d.join("binance-spot/btcusdt_20240808.gz"), d.join("binance-spot/btcusdt_20240809.gz")];
    let r = execute(&Config { data, ..Config::default() }, false).unwrap().to_json();
    let n = |v: &Value| v.as_u64().unwrap();
    let sum = |key: &str| r[key].as_object().unwrap().values().map(n).sum::<u64>();
    assert_eq!(sum("intents_by_trigger"), n(&r["intents"]));
    assert_eq!(sum("orders_by_trigger"), n(&r["orders_sent"]));
    assert_eq!(sum("fills_by_trigger"), n(&r["fills"]));
    assert!(n(&r["intents_by_trigger"]["book_ticker"]) >= n(&r["intents_solo"]) && n(&r["intents_solo"]) > 0);
    assert!(n(&r["fills_by_trigger"]["book_ticker"]) > 0 && n(&r["fills_by_trigger"]["depth"]) > 0);
    println!(
        "{} frames: intents {} {} solo {}, fills {}",
        r["frames"], r["intents"], r["intents_by_trigger"], r["intents_solo"], r["fills_by_trigger"]
    );
}
