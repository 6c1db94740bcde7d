//! The scheduling rule: a chain with feedback gives the same per-actor message sequence in every
//! placement whose thread cuts fall below the source; faults become errors, not hangs or losses.

use alphapulse_runtime::{run, Actor, Ctx, Kinds, PlacementConfig, Poll, RuntimeError, Source as Src};
use alphapulse_types::{EndOfStream, ExecKind, ExecReport, Msg, OrderId, Quote, Trade};
use proptest::prelude::*;
use std::any::Any;

/// Emits `burst` quotes per poll from a seeded sequence, then Eos.
struct Source {
    left: u32,
    burst: u32,
    seed: u64,
    ts: u64,
}
impl Actor for Source {
    fn name(&self) -> &'static str {
        "source"
    }
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }
    fn handle(&mut self, _m: &Msg, _c: &mut Ctx<'_>) {}
    fn source(&mut self) -> Option<&mut dyn Src> {
        Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
impl Src for Source {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.left == 0 {
            ctx.down(Msg::Eos(EndOfStream { ts: self.ts }));
            return Poll::Done;
        }
        for _ in 0..self.burst.min(self.left) {
            self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.ts += 1 + (self.seed >> 60);
            let mut q = Quote { local_ts: self.ts, ..Default::default() };
            q.bid_px.0 = (self.seed >> 33) as i64 % 100;
            ctx.down(Msg::Quote(q));
            self.left -= 1;
        }
        Poll::Busy
    }
}

/// Records everything it sees (the runtime forwards it all, before it is handled; `Eos` after);
/// turns some quotes into trades (down) depending on feedback seen.
struct Middle {
    name: &'static str,
    seen: Vec<(u8, u64, i64)>,
    fills: i64,
}
impl Actor for Middle {
    fn name(&self) -> &'static str {
        self.name
    }
    fn handles(&self) -> Kinds {
        Kinds::ALL
    }
    fn handle(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        let v = match m {
            Msg::Quote(q) => q.bid_px.0,
            Msg::Trade(t) => t.px.0,
            Msg::Exec(e) => e.px.0,
            _ => 0,
        };
        self.seen.push((m.kind_index() as u8, ctx.now(), v));
        match m {
            Msg::Exec(e) => self.fills += e.px.0,
            Msg::Quote(q) if (q.bid_px.0 + self.fills) % 3 == 0 => {
                let mut t = Trade { local_ts: q.local_ts, ..Default::default() };
                t.px.0 = q.bid_px.0 + self.fills % 7;
                ctx.down(Msg::Trade(t));
            }
            _ => {}
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Answers every trade with an execution report one tick later (feedback up the chain).
struct Venue {
    seen: Vec<(u8, u64, i64)>,
}
impl Actor for Venue {
    fn name(&self) -> &'static str {
        "venue"
    }
    fn handles(&self) -> Kinds {
        Kinds::ALL
    }
    fn consumes(&self) -> Kinds {
        Kinds::ALL
    }
    fn handle(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        self.seen.push((m.kind_index() as u8, ctx.now(), 0));
        if let Msg::Trade(t) = m {
            let e = ExecReport {
                order_id: OrderId(1),
                kind: ExecKind::Fill,
                ts: ctx.now() + 1,
                px: t.px,
                ..Default::default()
            };
            ctx.up(Msg::Exec(e));
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const NAMES: [&str; 4] = ["source", "a", "b", "venue"];

fn chain(n: u32, burst: u32, seed: u64) -> Vec<Box<dyn Actor>> {
    vec![
        Box::new(Source { left: n, burst, seed, ts: 0 }),
        Box::new(Middle { name: "a", seen: vec![], fills: 0 }),
        Box::new(Middle { name: "b", seen: vec![], fills: 0 }),
        Box::new(Venue { seen: vec![] }),
    ]
}

type Trace = (Vec<(u8, u64, i64)>, Vec<(u8, u64, i64)>, Vec<(u8, u64, i64)>);

fn trace(p: PlacementConfig, n: u32, burst: u32, seed: u64) -> Trace {
    let placement = p.resolve(&NAMES).unwrap();
    let out = run(chain(n, burst, seed), &placement, Default::default()).unwrap();
    let mids: Vec<&Middle> = out.actors.iter().filter_map(|a| a.as_any().downcast_ref::<Middle>()).collect();
    (mids[0].seen.clone(), mids[1].seen.clone(), out.actor::<Venue>().unwrap().seen.clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn same_sequence_in_every_placement(n in 1u32..3000, burst in 1u32..300, seed in any::<u64>()) {
        let one = trace(PlacementConfig::one_thread(), n, burst, seed);
        let two = trace(PlacementConfig::two_threads(&NAMES, 1), n, burst, seed);
        prop_assert!(one.0.len() >= n as usize);
        prop_assert_eq!(&one, &two);
    }
}

#[test]
fn feedback_is_handled_before_the_next_input() {
    // Every trade the venue answers comes back to `a` before `a` sees the next quote.
    let (a, _, _) = trace(PlacementConfig::one_thread(), 500, 64, 7);
    let exec = Msg::Exec(ExecReport::default()).kind_index() as u8;
    assert!(a.iter().any(|s| s.0 == exec), "the chain produced feedback");
    assert!(a.windows(2).all(|w| w[1].1 >= w[0].1), "event clock never goes backwards for one actor");
}

#[test]
fn same_thread_overflow_is_an_error() {
    let p = PlacementConfig { ring_capacity: 64, ..PlacementConfig::one_thread() }.resolve(&NAMES).unwrap();
    let err = run(chain(1000, 200, 1), &p, Default::default()).err().unwrap();
    assert!(matches!(err, RuntimeError::RingOverflow { from: "source", to: "a", capacity: 64 }), "{err}");
}

#[test]
fn cross_thread_backpressure_loses_nothing() {
    let mut p = PlacementConfig::two_threads(&NAMES, 1);
    p.ring_capacity = 64;
    let placement = p.resolve(&NAMES).unwrap();
    // Bursts of 50 fit one ring, but the consumer is slower than the producer.
    let out = run(chain(20_000, 50, 3), &placement, Default::default()).unwrap();
    let a = out.actors.iter().find_map(|a| a.as_any().downcast_ref::<Middle>()).unwrap();
    let quotes = a.seen.iter().filter(|s| s.0 == 0).count();
    assert_eq!(quotes, 20_000);
    let src = out.links.iter().find(|l| l.from == "source").unwrap();
    assert!(src.cross_thread);
    assert_eq!(src.stats.sent, 20_001);
}

struct Bomb;
impl Actor for Bomb {
    fn name(&self) -> &'static str {
        "venue"
    }
    fn handles(&self) -> Kinds {
        Kinds::TRADE
    }
    fn handle(&mut self, m: &Msg, _: &mut Ctx<'_>) {
        if matches!(m, Msg::Trade(_)) {
            panic!("boom");
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn a_panicking_actor_stops_the_run_with_its_name() {
    for p in [PlacementConfig::one_thread(), PlacementConfig::two_threads(&NAMES, 3)] {
        let mut c = chain(1000, 10, 5);
        c[3] = Box::new(Bomb);
        let err = run(c, &p.resolve(&NAMES).unwrap(), Default::default()).err().unwrap();
        assert!(matches!(&err, RuntimeError::Panicked { message, .. } if message == "boom"), "{err}");
    }
}

/// Lets quotes pass: with `declare` it does not handle them (the runtime skips it, or queues them
/// behind its input), without it handles them and records nothing (the runtime forwards them
/// before calling it). Answers some execution reports with a trade sent down: the case where a
/// skipped hop could reorder what follows it.
struct Relay {
    declare: bool,
    seen: Vec<(u8, u64, i64)>,
}
impl Actor for Relay {
    fn name(&self) -> &'static str {
        "relay"
    }
    fn handles(&self) -> Kinds {
        if self.declare {
            Kinds::ALL.without(Kinds::QUOTE)
        } else {
            Kinds::ALL
        }
    }
    fn handle(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        if !matches!(m, Msg::Quote(_)) {
            self.seen.push((m.kind_index() as u8, ctx.now(), 0));
        }
        if let Msg::Exec(e) = m {
            if e.px.0 % 5 == 0 {
                let mut t = Trade { local_ts: e.ts, ..Default::default() };
                t.px.0 = e.px.0 + 1;
                ctx.down(Msg::Trade(t));
            }
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const RELAYED: [&str; 5] = ["source", "a", "relay", "b", "venue"];

/// Traces of a, relay (what it handled), b and the venue.
fn relayed(p: PlacementConfig, declare: bool, n: u32, burst: u32, seed: u64) -> Vec<Vec<(u8, u64, i64)>> {
    let placement = p.resolve(&RELAYED).unwrap();
    let actors: Vec<Box<dyn Actor>> = vec![
        Box::new(Source { left: n, burst, seed, ts: 0 }),
        Box::new(Middle { name: "a", seen: vec![], fills: 0 }),
        Box::new(Relay { declare, seen: vec![] }),
        Box::new(Middle { name: "b", seen: vec![], fills: 0 }),
        Box::new(Venue { seen: vec![] }),
    ];
    let out = run(actors, &placement, Default::default()).unwrap();
    let mids: Vec<&Middle> = out.actors.iter().filter_map(|a| a.as_any().downcast_ref::<Middle>()).collect();
    let relay = out.actor::<Relay>().unwrap();
    let quotes_from_relay = out.links.iter().find(|l| l.from == "relay" && l.to == "b").unwrap().stats.sent;
    assert!(quotes_from_relay > 0);
    vec![
        mids[0].seen.clone(),
        relay.seen.clone(),
        mids[1].seen.clone(),
        out.actor::<Venue>().unwrap().seen.clone(),
        vec![(0, quotes_from_relay, 0)],
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn runtime_forwarding_changes_no_actor_sequence(n in 1u32..2000, burst in 1u32..200, seed in any::<u64>()) {
        let hop = relayed(PlacementConfig::one_thread(), false, n, burst, seed);
        let pass = relayed(PlacementConfig::one_thread(), true, n, burst, seed);
        let two = relayed(PlacementConfig::two_threads(&RELAYED, 1), true, n, burst, seed);
        prop_assert_eq!(&hop, &pass);
        prop_assert_eq!(&hop, &two);
    }
}

#[test]
fn the_relay_chain_has_feedback_that_sends_down() {
    // What makes the forwarding comparison above meaningful: the relay sees execution reports
    // and answers some with trades sent down while quotes pass it.
    let t = relayed(PlacementConfig::one_thread(), true, 2000, 64, 7);
    let exec = Msg::Exec(ExecReport::default()).kind_index() as u8;
    let trade = Msg::Trade(Trade::default()).kind_index() as u8;
    assert!(t[1].iter().filter(|s| s.0 == exec).count() > 10, "relay saw feedback");
    assert!(t[3].iter().filter(|s| s.0 == trade).count() > t[1].iter().filter(|s| s.0 == trade).count());
}
