//! Zero heap allocations on the hot path in steady state, over a real replay through the whole
//! chain (feed → agents → risk → router → sim gateway) on one thread. Counting starts after a
//! warm-up of frames (buffers reach their working size: the largest frame, the book's levels) and
//! stops when the feed finds its input exhausted — by then every frame has been processed to
//! quiescence, with every order and fill it caused.

mod common;

use alphapulse_runtime::{run, Actor, Ctx, Poll};
use alphapulse_shm::alloc_count::{arm, disarm, CountingAllocator};
use alphapulse_tools::backtest::{build_chain, check, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::Msg;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

const WARM_UP_POLLS: u64 = 5_000;
static RESULT: AtomicU64 = AtomicU64::new(u64::MAX);
static BYTES: AtomicU64 = AtomicU64::new(0);
static POLLS: AtomicU64 = AtomicU64::new(0);

/// Wraps the feed: arms the counter after the warm-up, disarms when the input is exhausted.
struct Window(Box<dyn Actor>, u64);

impl Actor for Window {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        self.0.handle(msg, ctx)
    }
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        self.1 += 1;
        if self.1 == WARM_UP_POLLS {
            arm();
        }
        let r = self.0.poll(ctx);
        if r == Poll::Done && self.1 >= WARM_UP_POLLS {
            let (n, bytes) = disarm();
            RESULT.store(n, Ordering::SeqCst);
            BYTES.store(bytes, Ordering::SeqCst);
            POLLS.store(self.1 - WARM_UP_POLLS, Ordering::SeqCst);
        }
        r
    }
    fn as_any(&self) -> &dyn Any {
        self.0.as_any()
    }
}

#[test]
fn steady_state_replay_does_not_allocate() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    check(&mut cfg).unwrap();
    let table = instruments(&cfg).unwrap();
    let (mut actors, _) = build_chain(&cfg, &table, None).unwrap();
    let feed = actors.remove(0);
    actors.insert(0, Box::new(Window(feed, 0)));
    let placement = cfg.placement.resolve(&CHAIN).unwrap();
    let out = run(actors, &placement, Default::default()).unwrap();
    let report = alphapulse_tools::report::Report::from_run(&cfg, &table, &placement, &out).unwrap();
    let n = RESULT.load(Ordering::SeqCst);
    println!(
        "allocations in steady state: {n} ({} bytes) over {} polls after a warm-up of {WARM_UP_POLLS}; \
         orders sent {}, fills {}",
        BYTES.load(Ordering::SeqCst),
        POLLS.load(Ordering::SeqCst),
        report.orders_sent,
        report.fills
    );
    assert!(POLLS.load(Ordering::SeqCst) > 30_000, "the window must cover most of the replay");
    assert!(report.orders_sent > 0, "the window must include trading");
    assert_eq!(n, 0, "hot path allocated");
}
