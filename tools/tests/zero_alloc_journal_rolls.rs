//! Zero heap allocations on the hot thread with journaling on and segments rolling (2 MiB
//! segments over both BTCUSDT captures, 1 MiB over the repo's sample alone, so that either way the
//! feed stream rolls over ten times, one every ~10 ms, each needing a segment the upkeep
//! thread — which wakes at least every millisecond — prepared in time; a CPU-starved upkeep
//! thread shows up as `inline_prepares`). The journal upkeep thread allocates while it
//! prepares the next segments — that is its job, off the hot path — so this test counts only the
//! hot thread: every actor call (`handle`/`poll`, which includes every send, every journal append
//! and every roll) after the warm-up runs inside `alloc_count::allocations_in`. The scheduler loop
//! between calls is covered by the process-wide counts of `zero_alloc.rs` and
//! `zero_alloc_journal.rs`.

mod common;

use alphapulse_runtime::{run_with, Actor, Books, Ctx, JournalSpec, Poll, Source};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_shm::StreamConfig;
use alphapulse_tools::backtest::{build_chain, check, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::{Kinds, Msg};
use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

const WARM_UP_POLLS: u64 = 5_000;
static ARMED: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicU64 = AtomicU64::new(0);
static CALLS: AtomicU64 = AtomicU64::new(0);

/// Counts the allocations of every call into the wrapped actor while armed; the feed's wrapper
/// (`source`) arms after the warm-up and disarms when the input is exhausted.
struct Counted {
    inner: Box<dyn Actor>,
    source: bool,
    polls: u64,
}

impl Counted {
    fn count<R>(&mut self, f: impl FnOnce(&mut dyn Actor) -> R) -> R {
        if !ARMED.load(Ordering::Relaxed) {
            return f(&mut *self.inner);
        }
        let (r, n) = allocations_in(|| f(&mut *self.inner));
        COUNT.fetch_add(n, Ordering::Relaxed);
        CALLS.fetch_add(1, Ordering::Relaxed);
        r
    }
}

impl Actor for Counted {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn handles(&self) -> Kinds {
        self.inner.handles()
    }
    fn consumes(&self) -> Kinds {
        self.inner.consumes()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        self.count(|a| a.handle(msg, ctx))
    }
    fn books(&self) -> Option<&dyn Books> {
        self.inner.books()
    }
    fn lent_books(&mut self, lent: bool) {
        self.inner.lent_books(lent)
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        if self.inner.source().is_some() {
            Some(self)
        } else {
            None
        }
    }
    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
}

impl Source for Counted {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.source {
            self.polls += 1;
            if self.polls == WARM_UP_POLLS {
                ARMED.store(true, Ordering::Relaxed);
            }
        }
        let r = self.count(|a| a.source().expect("polled only with a source").poll(ctx));
        if self.source && r == Poll::Done {
            ARMED.store(false, Ordering::Relaxed);
        }
        r
    }
}

#[test]
fn journal_rolls_do_not_allocate_on_the_hot_thread() {
    let data = common::btc_captures();
    // 1 MiB segments: both BTCUSDT days journal ≈ 12 MB of feed records (≥ 10 rolls), the sample
    // alone ≈ 5 MB (one record per depth update: ≥ 4 rolls). Smaller segments roll faster than the
    // upkeep thread is sure to be scheduled on a loaded 2-core machine (256 KiB: one inline
    // prepare seen in CI), which is not what this test is about.
    let min_rolls = if data.len() > 1 { 10 } else { 4 };
    let segment_size = 1 << 20;
    let mut cfg = Config { data, ..Config::default() };
    check(&mut cfg).unwrap();
    let table = instruments(&cfg).unwrap();
    let (actors, _) = build_chain(&cfg, &table, None).unwrap();
    let actors: Vec<Box<dyn Actor>> = actors
        .into_iter()
        .enumerate()
        .map(|(i, a)| Box::new(Counted { inner: a, source: i == 0, polls: 0 }) as Box<dyn Actor>)
        .collect();
    let placement = cfg.placement.resolve(&CHAIN).unwrap();
    let dir =
        alphapulse_shm::test_scratch::root().join(format!("ap-zero-alloc-rolls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = JournalSpec {
        dir: dir.clone(),
        stream: StreamConfig { segment_size, ..Default::default() },
        on_full: Default::default(),
    };
    let out = run_with(actors, &placement, Default::default(), Some(&spec)).unwrap();
    let feed = &out.journals[0];
    let n = COUNT.load(Ordering::SeqCst);
    println!(
        "hot-thread allocations with journaling on: {n} over {} actor calls; feed stream {} records, \
         {} rolls, {} inline prepares",
        CALLS.load(Ordering::SeqCst),
        feed.records,
        feed.stats.rolls,
        feed.stats.inline_prepares
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(CALLS.load(Ordering::SeqCst) > 100_000, "the window must cover most of the replay");
    assert!(feed.stats.rolls >= min_rolls, "the window must include rolls: {:?}", feed.stats);
    assert_eq!(feed.stats.inline_prepares, 0, "the upkeep thread kept a segment ready for every roll");
    assert!(out.journals.iter().all(|j| j.errors == 0));
    assert_eq!(n, 0, "hot thread allocated");
}
