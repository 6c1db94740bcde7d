//! The hot-path design (issue 9) at the runtime: a depth update of 5,000 + 5,000 levels crosses a
//! thread boundary with the default capacities (and into the journal as one record); a full link
//! is reported to its sender and loses nothing; the runtime's forwarding gives every actor the same
//! input in every placement and journals only what actors send; no Up link into a thread whose
//! actors take no feedback.

use alphapulse_runtime::{
    run, run_with, Actor, Ctx, Flow, JournalSpec, Kinds, LinkReport, PlacementConfig, Poll, RunOutput,
    Source as Src, DEFAULT_LEVEL_CAPACITY, DEFAULT_RING_CAPACITY,
};
use alphapulse_shm::{Reader, StreamConfig};
use alphapulse_types::{
    decode_levels, Depth, EndOfStream, ExecKind, ExecReport, InstrumentId, Msg, OrderId, Price, PxQty, Qty,
    Quote, Trade, CODEC_VERSION, ENCODED_LEN, LEVEL_LEN,
};
use proptest::prelude::*;
use std::any::Any;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-rt-hot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Every record of a stream: (type, version, payload).
fn records(dir: &Path) -> Vec<(u16, u16, Vec<u8>)> {
    let mut r = Reader::open(dir).unwrap();
    let mut v = Vec::new();
    while let Some(x) = r.next().unwrap() {
        v.push((x.ty, x.version, x.payload.to_vec()));
    }
    v
}

/// A journal record as a message and, for a depth update, its levels (the header's `at` zeroed).
fn decode_record((ty, version, payload): &(u16, u16, Vec<u8>)) -> (Msg, Vec<PxQty>) {
    assert_eq!(*version, CODEC_VERSION);
    let m = Msg::decode(&payload[..ENCODED_LEN]).unwrap();
    assert_eq!(m.kind(), *ty);
    let mut levels = Vec::new();
    match m {
        Msg::Depth(d) => {
            decode_levels(&payload[ENCODED_LEN..], d.len(), |l| levels.push(l)).unwrap();
            (Msg::Depth(Depth { at: 0, ..d }), levels)
        }
        _ => {
            assert_eq!(payload.len(), ENCODED_LEN);
            (m, levels)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. A 5,000 + 5,000-level depth update across a thread boundary, default capacities.

const SIDE: usize = 5000;

/// Level `k` of side `side` (0 bids, 1 asks) of update `u`: distinct everywhere.
fn level(u: u64, side: u64, k: usize) -> PxQty {
    let px = if side == 0 { 10_000_000 - k as i64 } else { 10_000_001 + k as i64 };
    PxQty::new(
        Price::from_raw(px + u as i64 * 1_000),
        Qty::from_raw((u * 100_000 + side * 10_000) as i64 + k as i64),
    )
}

/// Sends `updates` depth updates of `SIDE` bids and `SIDE` asks, `per_poll` per poll (stopping a
/// poll early when a link is full), then Eos.
struct BigDepth {
    updates: u64,
    per_poll: u64,
    sent: u64,
    full: u64,
}
impl Actor for BigDepth {
    fn name(&self) -> &'static str {
        "feed"
    }
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }
    fn handle(&mut self, _: &Msg, _: &mut Ctx<'_>) {}
    fn source(&mut self) -> Option<&mut dyn Src> {
        Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
impl Src for BigDepth {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        for _ in 0..self.per_poll {
            if self.sent == self.updates {
                ctx.down(Msg::Eos(EndOfStream { ts: 1_000 + self.sent }));
                return Poll::Done;
            }
            let u = self.sent + 1;
            let d = Depth {
                inst: InstrumentId(1),
                update_id: u,
                local_ts: 1_000 + u,
                exch_ts: 500 + u,
                best_bid: level(u, 0, 0).px,
                best_ask: level(u, 1, 0).px,
                ..Default::default()
            };
            let flow =
                ctx.send_depth(d, (0..SIDE).map(|k| level(u, 0, k)), (0..SIDE).map(|k| level(u, 1, k)));
            self.sent += 1;
            if flow == Flow::Full {
                self.full += 1;
                return Poll::Busy;
            }
        }
        Poll::Busy
    }
}

/// Checks every depth update's levels against [`level`].
#[derive(Default)]
struct DepthCheck {
    /// (update id, bids, asks, levels intact).
    got: Vec<(u64, usize, usize, bool)>,
}
impl Actor for DepthCheck {
    fn name(&self) -> &'static str {
        "check"
    }
    fn handles(&self) -> Kinds {
        Kinds::DEPTH
    }
    fn handle(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        let Msg::Depth(d) = m else { return };
        let (b, a) = ctx.depth_levels(d);
        let u = d.update_id;
        let intact = b.iter().enumerate().all(|(k, l)| *l == level(u, 0, k))
            && a.iter().enumerate().all(|(k, l)| *l == level(u, 1, k))
            && (d.bids as usize, d.asks as usize) == (b.len(), a.len());
        self.got.push((u, b.len(), a.len(), intact));
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const DEPTH_CHAIN: [&str; 2] = ["feed", "check"];

fn big_depth(p: PlacementConfig, updates: u64, per_poll: u64) -> RunOutput {
    let placement = p.resolve(&DEPTH_CHAIN).unwrap();
    let actors: Vec<Box<dyn Actor>> =
        vec![Box::new(BigDepth { updates, per_poll, sent: 0, full: 0 }), Box::new(DepthCheck::default())];
    run(actors, &placement, Default::default()).unwrap()
}

fn assert_all_intact(out: &RunOutput, updates: u64) {
    let got = &out.actor::<DepthCheck>().unwrap().got;
    assert_eq!(got.len() as u64, updates);
    for (i, g) in got.iter().enumerate() {
        assert_eq!(*g, (i as u64 + 1, SIDE, SIDE, true), "update {}", i + 1);
    }
}

#[test]
fn a_depth_update_of_5000_levels_a_side_crosses_threads_with_the_default_capacities() {
    let p = PlacementConfig::two_threads(&DEPTH_CHAIN, 1);
    let resolved = p.resolve(&DEPTH_CHAIN).unwrap();
    assert_eq!(
        (resolved.ring_capacity, resolved.level_capacity),
        (DEFAULT_RING_CAPACITY, DEFAULT_LEVEL_CAPACITY)
    );
    // One per poll, then several in one poll (12 × 10,000 levels: most of the thread's store),
    // then in one thread for comparison.
    for (what, p, updates, per_poll) in [
        ("two threads, one per poll", p.clone(), 5, 1),
        ("two threads, 12 per poll", p, 60, 12),
        ("one thread, 12 per poll", PlacementConfig::one_thread(), 24, 12),
    ] {
        let out = big_depth(p, updates, per_poll);
        assert_all_intact(&out, updates);
        let link = out.links.iter().find(|l| l.from == "feed").unwrap();
        let src = out.actor::<BigDepth>().unwrap();
        println!(
            "{what}: {updates} updates of {SIDE}+{SIDE} levels intact; link sent {} full_waits {} (source told {}), {:?}",
            link.stats.sent, link.stats.full_waits, src.full, out.elapsed
        );
        assert_eq!(link.stats.sent, updates + 1);
        assert_eq!(link.stats.full_waits, src.full);
    }
}

#[test]
fn a_journaled_5000_level_update_is_one_feed_record_that_decodes_to_its_levels() {
    let dir = tmp("depth-journal");
    let spec = JournalSpec {
        dir: dir.clone(),
        stream: StreamConfig { segment_size: 1 << 20, ..Default::default() },
        on_full: Default::default(),
    };
    let placement = PlacementConfig::two_threads(&DEPTH_CHAIN, 1).resolve(&DEPTH_CHAIN).unwrap();
    let actors: Vec<Box<dyn Actor>> = vec![
        Box::new(BigDepth { updates: 3, per_poll: 3, sent: 0, full: 0 }),
        Box::new(DepthCheck::default()),
    ];
    let out = run_with(actors, &placement, Default::default(), Some(&spec)).unwrap();
    assert_all_intact(&out, 3);
    let feed = records(&dir.join("feed"));
    assert_eq!(feed.len(), 4, "three depth records and the Eos");
    for (i, r) in feed[..3].iter().enumerate() {
        assert_eq!(r.2.len(), ENCODED_LEN + 2 * SIDE * LEVEL_LEN, "header + 10,000 levels of 16 bytes");
        let (m, levels) = decode_record(r);
        let u = i as u64 + 1;
        let Msg::Depth(d) = m else { panic!("{m:?}") };
        assert_eq!((d.update_id, d.bids, d.asks, d.local_ts, d.exch_ts), (u, 5000, 5000, 1_000 + u, 500 + u));
        assert_eq!((d.best_bid, d.best_ask), (level(u, 0, 0).px, level(u, 1, 0).px));
        let want: Vec<PxQty> =
            (0..SIDE).map(|k| level(u, 0, k)).chain((0..SIDE).map(|k| level(u, 1, k))).collect();
        assert!(levels == want, "update {u}: the journaled levels are the levels sent");
    }
    assert!(matches!(decode_record(&feed[3]).0, Msg::Eos(_)));
    assert!(records(&dir.join("check")).is_empty(), "the checker sent nothing: forwards are not journaled");
    println!(
        "journal: feed stream holds {} records, {} bytes of depth payload each",
        feed.len(),
        feed[0].2.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// 2. A full link is seen by its sender.

/// Sends `n` quotes (ts = 1..=n), up to `burst` per poll, stopping the poll at the first
/// `Flow::Full`; then Eos.
struct Burst {
    n: u64,
    burst: u64,
    next: u64,
    full: u64,
}
impl Actor for Burst {
    fn name(&self) -> &'static str {
        "feed"
    }
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }
    fn handle(&mut self, _: &Msg, _: &mut Ctx<'_>) {}
    fn source(&mut self) -> Option<&mut dyn Src> {
        Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
impl Src for Burst {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        for _ in 0..self.burst {
            if self.next == self.n {
                if ctx.down(Msg::Eos(EndOfStream { ts: self.n })) == Flow::Full {
                    self.full += 1;
                }
                return Poll::Done;
            }
            self.next += 1;
            if ctx.down(Msg::Quote(Quote { local_ts: self.next, update_id: self.next, ..Default::default() }))
                == Flow::Full
            {
                self.full += 1;
                return Poll::Busy;
            }
        }
        Poll::Busy
    }
}

/// Spins `spin_ns` per message: slower than the source.
struct Slow {
    spin_ns: u64,
    got: Vec<u64>,
}
impl Actor for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }
    fn handles(&self) -> Kinds {
        Kinds::QUOTE
    }
    fn handle(&mut self, m: &Msg, _: &mut Ctx<'_>) {
        let t = std::time::Instant::now();
        while (t.elapsed().as_nanos() as u64) < self.spin_ns {
            std::hint::spin_loop();
        }
        if let Msg::Quote(q) = m {
            self.got.push(q.update_id);
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn a_full_link_is_reported_to_its_sender_and_loses_nothing() {
    const CHAIN: [&str; 2] = ["feed", "slow"];
    let n = 20_000;
    let p = PlacementConfig { ring_capacity: 64, ..PlacementConfig::two_threads(&CHAIN, 1) };
    let actors: Vec<Box<dyn Actor>> = vec![
        Box::new(Burst { n, burst: 50, next: 0, full: 0 }),
        Box::new(Slow { spin_ns: 2_000, got: vec![] }),
    ];
    let out = run(actors, &p.resolve(&CHAIN).unwrap(), Default::default()).unwrap();
    let src = out.actor::<Burst>().unwrap();
    let slow = out.actor::<Slow>().unwrap();
    let link = out.links.iter().find(|l| l.from == "feed" && l.to == "slow").unwrap();
    println!(
        "full link: {} quotes, sender told Full {} times, link sent {} full_waits {} dropped {}, {:?}",
        n, src.full, link.stats.sent, link.stats.full_waits, link.stats.dropped, out.elapsed
    );
    assert!(link.cross_thread);
    assert!(src.full > 0, "a 64-message ring to a consumer spinning 2 µs a message fills up");
    assert_eq!(
        link.stats.full_waits, src.full,
        "every Full the sender saw is counted on the link, and only those"
    );
    assert_eq!(link.stats.dropped, 0);
    assert_eq!(link.stats.sent, n + 1, "every quote and the Eos went through");
    assert!(slow.got.iter().copied().eq(1..=n), "the consumer got every quote, in order");
}

// ---------------------------------------------------------------------------------------------
// 3. Runtime forwarding: same input for every actor in every placement; forwards not journaled.

const NAMES: [&str; 8] = ["src", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];

/// Emits `left` market messages from a seeded sequence, `burst` per poll: quotes, and every fifth
/// a depth update of a few levels; then Eos. Keeps what it sent.
struct Feed {
    left: u32,
    burst: u32,
    seed: u64,
    ts: u64,
    /// What it sent, depth updates with their levels (`at` zeroed).
    sent: Vec<(Msg, Vec<PxQty>)>,
}
impl Actor for Feed {
    fn name(&self) -> &'static str {
        "src"
    }
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }
    fn handle(&mut self, _: &Msg, _: &mut Ctx<'_>) {}
    fn source(&mut self) -> Option<&mut dyn Src> {
        Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
impl Src for Feed {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.left == 0 {
            let m = Msg::Eos(EndOfStream { ts: self.ts });
            ctx.down(m);
            self.sent.push((m, vec![]));
            return Poll::Done;
        }
        for _ in 0..self.burst.min(self.left) {
            self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.ts += 1 + (self.seed >> 60);
            let v = (self.seed >> 33) as i64 % 100;
            if self.left.is_multiple_of(5) {
                let (nb, na) = ((self.seed >> 20) % 4, (self.seed >> 24) % 3);
                let lv = |k: u64| PxQty::new(Price::from_raw(1 + v + k as i64), Qty::from_raw(k as i64));
                let levels: Vec<PxQty> = (0..nb + na).map(lv).collect();
                let d = Depth { local_ts: self.ts, update_id: self.ts, ..Default::default() };
                ctx.send_depth(d, (0..nb).map(lv), (nb..nb + na).map(lv));
                let d = Depth { bids: nb as u32, asks: na as u32, ..d };
                self.sent.push((Msg::Depth(d), levels));
            } else {
                let mut q = Quote { local_ts: self.ts, ..Default::default() };
                q.bid_px.0 = v;
                let m = Msg::Quote(q);
                ctx.down(m);
                self.sent.push((m, vec![]));
            }
            self.left -= 1;
        }
        Poll::Busy
    }
}

/// A test actor with random `handles`/`consumes`. On what it handles it records (kind, time,
/// value) and: a quote whose price plus its fills is a multiple of `modulus` makes a trade (down);
/// an execution report adds to its fills and, at a price that is a multiple of 5, makes a trade one
/// tick up (down); with `answers`, a trade is answered with a fill (up). Keeps what it sent.
#[derive(Clone, Debug)]
struct Probe {
    name: &'static str,
    handles: Kinds,
    consumes: Kinds,
    answers: bool,
    modulus: i64,
    fills: i64,
    seen: Vec<(u8, u64, i64)>,
    sent: Vec<Msg>,
}
impl Probe {
    fn send_down(&mut self, ctx: &mut Ctx<'_>, m: Msg) {
        ctx.down(m);
        self.sent.push(m);
    }
}
impl Actor for Probe {
    fn name(&self) -> &'static str {
        self.name
    }
    fn handles(&self) -> Kinds {
        self.handles
    }
    fn consumes(&self) -> Kinds {
        self.consumes
    }
    fn handle(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        assert!(self.handles.contains(m), "{} called with {m:?}", self.name);
        let v = match m {
            Msg::Quote(q) => q.bid_px.0,
            Msg::Trade(t) => t.px.0,
            Msg::Exec(e) => e.px.0,
            Msg::Depth(d) => {
                let (b, a) = ctx.depth_levels(d);
                assert_eq!(
                    (b.len(), a.len()),
                    (d.bids as usize, d.asks as usize),
                    "{}: levels missing",
                    self.name
                );
                b.iter().chain(a).map(|l| l.px.raw() * 31 + l.qty.raw()).sum::<i64>() * 10 + b.len() as i64
            }
            _ => 0,
        };
        self.seen.push((m.kind_index() as u8, ctx.now(), v));
        match m {
            Msg::Quote(q) if (q.bid_px.0 + self.fills).rem_euclid(self.modulus) == 0 => {
                let mut t = Trade { local_ts: q.local_ts, ..Default::default() };
                t.px.0 = q.bid_px.0 + self.fills % 7;
                self.send_down(ctx, Msg::Trade(t));
            }
            Msg::Exec(e) => {
                self.fills += e.px.0;
                if e.px.0 % 5 == 0 {
                    let mut t = Trade { local_ts: e.ts, ..Default::default() };
                    t.px.0 = e.px.0 + 1;
                    self.send_down(ctx, Msg::Trade(t));
                }
            }
            Msg::Trade(t) if self.answers => {
                let e = ExecReport {
                    order_id: OrderId(1),
                    kind: ExecKind::Fill,
                    ts: ctx.now() + 1,
                    px: t.px,
                    ..Default::default()
                };
                ctx.up(Msg::Exec(e));
                self.sent.push(Msg::Exec(e));
            }
            _ => {}
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One case: the source's parameters and the probes (chain order).
#[derive(Clone, Debug)]
struct Case {
    n: u32,
    burst: u32,
    seed: u64,
    probes: Vec<Probe>,
}

/// Per actor: what it saw, then what it sent (the source: its sends only).
type Trace = (Vec<(Msg, Vec<PxQty>)>, Vec<(Vec<(u8, u64, i64)>, Vec<Msg>)>);

fn names(c: &Case) -> Vec<&'static str> {
    NAMES[..c.probes.len() + 1].to_vec()
}

fn run_case(c: &Case, p: PlacementConfig, journal: Option<&Path>) -> (Trace, RunOutput) {
    let names = names(c);
    let mut actors: Vec<Box<dyn Actor>> =
        vec![Box::new(Feed { left: c.n, burst: c.burst, seed: c.seed, ts: 0, sent: vec![] })];
    actors.extend(c.probes.iter().map(|p| Box::new(p.clone()) as Box<dyn Actor>));
    let spec = journal.map(|dir| JournalSpec {
        dir: dir.into(),
        stream: StreamConfig { segment_size: 1 << 16, ..Default::default() },
        on_full: Default::default(),
    });
    let out = run_with(actors, &p.resolve(&names).unwrap(), Default::default(), spec.as_ref()).unwrap();
    let feed = out.actor::<Feed>().unwrap().sent.clone();
    let probes = out.actors[1..]
        .iter()
        .map(|a| {
            let p = a.as_any().downcast_ref::<Probe>().unwrap();
            (p.seen.clone(), p.sent.clone())
        })
        .collect();
    ((feed, probes), out)
}

/// Each actor's journal stream holds exactly what it sent, one record each, in order: no forward.
fn check_journal(dir: &Path, t: &Trace, names: &[&str]) -> Result<u64, TestCaseError> {
    let feed: Vec<_> = records(&dir.join(names[0])).iter().map(decode_record).collect();
    prop_assert_eq!(&feed, &t.0, "the source's stream is what it sent");
    let mut total = feed.len() as u64;
    for (i, (_, sent)) in t.1.iter().enumerate() {
        let got: Vec<Msg> = records(&dir.join(names[i + 1])).iter().map(|r| decode_record(r).0).collect();
        prop_assert_eq!(&got, sent, "stream {} is what it sent", names[i + 1]);
        total += got.len() as u64;
    }
    Ok(total)
}

const TAKEN: [Kinds; 5] = [Kinds::QUOTE, Kinds::TRADE, Kinds::DEPTH, Kinds::EXEC, Kinds::EOS];

fn kinds_of(bits: u8) -> Kinds {
    TAKEN.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).fold(Kinds::NONE, |k, (_, &x)| k | x)
}

/// Probes with random masks; `first_taker`: probes before it do not handle `Exec` (so every cut at
/// or above it leaves the upstream thread without feedback: the placements that must agree).
fn case() -> impl Strategy<Value = (Case, usize)> {
    let probe = (any::<u8>(), any::<u8>(), any::<bool>(), 2i64..6);
    (1u32..600, 1u32..40, any::<u64>(), prop::collection::vec(probe, 1..7), any::<prop::sample::Index>())
        .prop_map(|(n, burst, seed, ps, f)| {
            let first_taker = f.index(ps.len() + 1);
            let probes = ps
                .into_iter()
                .enumerate()
                .map(|(i, (h, c, answers, modulus))| {
                    let mut handles = kinds_of(h);
                    if i < first_taker {
                        handles = handles.without(Kinds::EXEC);
                    }
                    // Eos is never consumed: every actor downstream must see it to finish.
                    let consumes = handles.and(kinds_of(c)).without(Kinds::EOS);
                    Probe {
                        name: NAMES[i + 1],
                        handles,
                        consumes,
                        answers,
                        modulus,
                        fills: 0,
                        seen: vec![],
                        sent: vec![],
                    }
                })
                .collect();
            (Case { n, burst, seed, probes }, first_taker)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn forwarding_gives_every_actor_the_same_input_in_every_placement((c, first_taker) in case()) {
        let names = names(&c);
        let dir1 = tmp("fwd-one");
        let (one, _) = run_case(&c, PlacementConfig::one_thread(), Some(&dir1));
        check_journal(&dir1, &one, &names)?;
        // Every cut from just below the source to just above the first feedback taker.
        for cut in 1..=(first_taker + 1).min(c.probes.len()) {
            let p = PlacementConfig::two_threads(&names, cut);
            if cut == 1 {
                let dir2 = tmp("fwd-two");
                let (two, _) = run_case(&c, p, Some(&dir2));
                check_journal(&dir2, &two, &names)?;
                prop_assert_eq!(&one, &two, "cut {}", cut);
                let _ = std::fs::remove_dir_all(&dir2);
            } else {
                let (two, _) = run_case(&c, p, None);
                prop_assert_eq!(&one, &two, "cut {}", cut);
            }
        }
        let _ = std::fs::remove_dir_all(&dir1);
    }
}

#[test]
fn a_forwarding_case_with_feedback_skips_queues_and_journals_only_sends() {
    // A fixed case where every path is taken: quotes and depth updates skip actors that do not
    // handle them, are consumed halfway, execution reports come back up through actors that only
    // forward them, and feedback makes new trades.
    let p = |name, handles: Kinds, consumes, answers, modulus| Probe {
        name,
        handles,
        consumes,
        answers,
        modulus,
        fills: 0,
        seen: vec![],
        sent: vec![],
    };
    let probes = vec![
        p("p1", Kinds::QUOTE | Kinds::DEPTH, Kinds::NONE, false, 3),
        p("p2", Kinds::EOS, Kinds::NONE, false, 2),
        p("p3", Kinds::EXEC | Kinds::QUOTE, Kinds::QUOTE, false, 4),
        p("p4", Kinds::DEPTH | Kinds::TRADE, Kinds::NONE, false, 2),
        p("p5", Kinds::TRADE | Kinds::QUOTE | Kinds::EOS, Kinds::TRADE, true, 2),
    ];
    let c = Case { n: 2_000, burst: 16, seed: 11, probes };
    let names = names(&c);
    let dir = tmp("fwd-fixed");
    let (one, out) = run_case(&c, PlacementConfig::one_thread(), Some(&dir));
    let records = check_journal(&dir, &one, &names).unwrap();
    let seen = |i: usize, kind: Kinds| one.1[i].0.iter().filter(|s| kind.0 & (1 << s.0) != 0).count();
    let sent_by_probes: usize = one.1.iter().map(|p| p.1.len()).sum();
    let link_sent: u64 = out.links.iter().map(|l| l.stats.sent).sum();
    println!(
        "fixed case: p1 quotes {} depth {}; p3 quotes {} execs {}; p4 depth {} trades {}; p5 quotes {} trades {}; \
         sent by probes {sent_by_probes}; journal records {records}; messages over links {link_sent}",
        seen(0, Kinds::QUOTE),
        seen(0, Kinds::DEPTH),
        seen(2, Kinds::QUOTE),
        seen(2, Kinds::EXEC),
        seen(3, Kinds::DEPTH),
        seen(3, Kinds::TRADE),
        seen(4, Kinds::QUOTE),
        seen(4, Kinds::TRADE),
    );
    assert_eq!(seen(0, Kinds::QUOTE) + seen(0, Kinds::DEPTH), 2_000, "p1 saw every market message");
    assert_eq!(
        seen(3, Kinds::DEPTH),
        seen(0, Kinds::DEPTH),
        "depth updates skip p2 and p3 with their levels"
    );
    assert_eq!(seen(4, Kinds::QUOTE), 0, "p3 consumes quotes");
    assert!(seen(2, Kinds::EXEC) > 10, "feedback comes back up to p3 through p4, which only forwards it");
    assert!(one.1[2].1.iter().any(|m| matches!(m, Msg::Trade(_))), "feedback makes trades");
    assert_eq!(records as usize, one.0.len() + sent_by_probes, "one record per send, none per forward");
    assert!(link_sent > records, "forwards travelled without being journaled");
    for cut in 1..=3 {
        let (two, _) = run_case(&c, PlacementConfig::two_threads(&names, cut), None);
        assert_eq!(one, two, "cut {cut}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_burst_does_not_overtake_feedback_at_a_skipped_actor() {
    // The property test's first find (the runtime let the second message of a poll skip `p1`,
    // which takes feedback, while the first was still queued at `p2`: in one thread `p2` then saw
    // that message before the trade `p1` made from the first one's fill; across threads, after).
    let probe = |name, handles, answers, modulus| Probe {
        name,
        handles,
        consumes: Kinds::NONE,
        answers,
        modulus,
        fills: 0,
        seen: vec![],
        sent: vec![],
    };
    let c = Case {
        n: 26,
        burst: 2,
        seed: 3854676997795177014,
        probes: vec![
            probe("p1", Kinds::EXEC, false, 2),
            probe("p2", Kinds::QUOTE | Kinds::TRADE | Kinds::DEPTH, false, 2),
            probe("p3", Kinds::TRADE | Kinds::DEPTH, true, 3),
        ],
    };
    let names = names(&c);
    let (one, _) = run_case(&c, PlacementConfig::one_thread(), None);
    let (two, _) = run_case(&c, PlacementConfig::two_threads(&names, 1), None);
    assert!(one.1[0].0.len() > 5, "p1 took feedback: {:?}", one.1[0].0);
    assert_eq!(one, two);
}

// ---------------------------------------------------------------------------------------------
// 4. No Up link into a thread whose actors take no feedback.

fn up_links<'a>(links: &'a [LinkReport], names: &[&str]) -> Vec<&'a LinkReport> {
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
    links.iter().filter(|l| pos(l.to) < pos(l.from)).collect()
}

#[test]
fn no_up_link_into_a_thread_without_feedback_takers() {
    let probe = |name, handles| Probe {
        name,
        handles,
        consumes: Kinds::NONE,
        answers: name == "p3",
        modulus: 2,
        fills: 0,
        seen: vec![],
        sent: vec![],
    };
    // The feed takes nothing; p1 takes quotes only; p2 takes feedback; p3 answers trades.
    let c = Case {
        n: 500,
        burst: 8,
        seed: 3,
        probes: vec![
            probe("p1", Kinds::QUOTE),
            probe("p2", Kinds::EXEC | Kinds::QUOTE),
            probe("p3", Kinds::TRADE),
        ],
    };
    let names = names(&c);
    for cut in 1..=3 {
        let (t, out) = run_case(&c, PlacementConfig::two_threads(&names, cut), None);
        let ups = up_links(&out.links, &names);
        let all: Vec<(&str, &str, bool)> = out.links.iter().map(|l| (l.from, l.to, l.cross_thread)).collect();
        println!("cut {cut}: links {all:?}");
        assert!(out.links.iter().all(|l| l.to != "src"), "cut {cut}: no link into the feed: {all:?}");
        assert!(
            ups.iter().all(|l| l.from == "p3" && l.to == "p2"),
            "cut {cut}: the only Up link feeds p2: {all:?}"
        );
        assert_eq!(ups.len(), 1, "cut {cut}: {all:?}");
        assert_eq!(ups[0].cross_thread, cut == 3);
        assert!(t.1[1].0.iter().any(|s| s.0 == Msg::Exec(ExecReport::default()).kind_index() as u8));
    }
    // Nobody takes feedback: no Up link at all, in any placement; the answers are dropped.
    let mut c = c;
    c.probes[1].handles = Kinds::QUOTE;
    for cut in 1..=3 {
        let (_, out) = run_case(&c, PlacementConfig::two_threads(&names, cut), None);
        let all: Vec<(&str, &str, bool)> = out.links.iter().map(|l| (l.from, l.to, l.cross_thread)).collect();
        assert!(up_links(&out.links, &names).is_empty(), "cut {cut}: {all:?}");
        assert_eq!(out.links.len(), 3, "the three Down links: {all:?}");
        assert!(out.dropped_at_ends > 0, "the venue's answers went nowhere");
    }
}
