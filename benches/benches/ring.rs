//! Ring hops with the engine's one message type (`Msg`, 64 bytes), carrying a real quote from the
//! feed's stream over the capture. Capacity: the runtime's `DEFAULT_RING_CAPACITY`. The runtime's
//! own link type (`link::Out`, with its counted overflow policy) is private, so this times the rtrb
//! ring it wraps.
//!
//! - `ring/<queue>_push_pop_same_thread`: one push then one pop on one thread;
//! - `ring/<queue>_round_trip_2_threads`: ping-pong between the bench thread (pinned to core 0) and an
//!   echo thread (pinned to core 1), one message in flight; the time is the round trip, one hop is
//!   half of it. Skipped if the two cores cannot be pinned.
//!
//! `<queue>` is `rtrb` (SPSC, what the runtime uses) or `crossbeam_array_queue` (MPMC, comparison).
//!
//! - `ring/rtrb_depth_<n>_levels_push_pop_same_thread`: a real depth update crossing a thread
//!   boundary as the runtime's link carries it, on one thread: its levels published as one chunk of
//!   a companion `PxQty` ring (`write_chunk_uninit` + `fill_from_iter`, capacity
//!   `DEFAULT_LEVEL_CAPACITY`), then its `Msg::Depth` header pushed; the header popped, then its
//!   levels read as one chunk and copied into a preallocated level store (the thread's store the
//!   receiving actors read). `n` = 20, the capture's median and 46 levels, as in `book/` and `parse/`.

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_runtime::{DEFAULT_LEVEL_CAPACITY, DEFAULT_RING_CAPACITY};
use alphapulse_types::{Depth, EndOfStream, Msg, PxQty};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crossbeam_queue::ArrayQueue;
use std::hint::{black_box, spin_loop};
use std::sync::Arc;
use std::time::{Duration, Instant};

trait Tx: Send + 'static {
    fn try_push(&mut self, m: Msg) -> bool;
}
trait Rx: Send + 'static {
    fn try_pop(&mut self) -> Option<Msg>;
}
impl Tx for rtrb::Producer<Msg> {
    #[inline]
    fn try_push(&mut self, m: Msg) -> bool {
        self.push(m).is_ok()
    }
}
impl Rx for rtrb::Consumer<Msg> {
    #[inline]
    fn try_pop(&mut self) -> Option<Msg> {
        self.pop().ok()
    }
}
/// One end of a crossbeam `ArrayQueue` (both ends share it).
struct Cb(Arc<ArrayQueue<Msg>>);
impl Tx for Cb {
    #[inline]
    fn try_push(&mut self, m: Msg) -> bool {
        self.0.push(m).is_ok()
    }
}
impl Rx for Cb {
    #[inline]
    fn try_pop(&mut self) -> Option<Msg> {
        self.0.pop()
    }
}

fn rtrb_pair() -> (rtrb::Producer<Msg>, rtrb::Consumer<Msg>) {
    rtrb::RingBuffer::new(DEFAULT_RING_CAPACITY)
}
fn cb_pair() -> (Cb, Cb) {
    let q = Arc::new(ArrayQueue::new(DEFAULT_RING_CAPACITY));
    (Cb(q.clone()), Cb(q))
}

#[inline]
fn send<T: Tx>(tx: &mut T, m: Msg) {
    while !tx.try_push(m) {
        spin_loop();
    }
}
#[inline]
fn recv<R: Rx>(rx: &mut R) -> Msg {
    loop {
        if let Some(m) = rx.try_pop() {
            return m;
        }
        spin_loop();
    }
}

fn pin(core: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: core })
}

/// `iters` round trips of `msg` to an echo thread on core 1; the echo thread ends on `Eos`.
fn round_trips<T: Tx, R: Rx>(iters: u64, msg: Msg, pair: fn() -> (T, R)) -> Duration {
    let (mut ping_tx, mut ping_rx) = pair();
    let (mut pong_tx, mut pong_rx) = pair();
    let echo = std::thread::spawn(move || {
        assert!(pin(1), "pin the echo thread to core 1");
        loop {
            let m = recv(&mut ping_rx);
            send(&mut pong_tx, m);
            if matches!(m, Msg::Eos(_)) {
                return;
            }
        }
    });
    for _ in 0..1000 {
        send(&mut ping_tx, msg);
        recv(&mut pong_rx);
    }
    let start = Instant::now();
    for _ in 0..iters {
        send(&mut ping_tx, black_box(msg));
        black_box(recv(&mut pong_rx));
    }
    let elapsed = start.elapsed();
    send(&mut ping_tx, Msg::Eos(EndOfStream { ts: 0 }));
    recv(&mut pong_rx);
    echo.join().expect("echo thread");
    elapsed
}

fn ring(c: &mut Criterion) {
    let cap = Capture::sample();
    let stream = flow::market_stream(&cap.path);
    let msg = *stream.msgs.iter().find(|m| matches!(m, Msg::Quote(_))).expect("a real quote");

    let mut g = c.benchmark_group("ring");
    g.throughput(Throughput::Elements(1));
    let (mut tx, mut rx) = rtrb_pair();
    g.bench_function("rtrb_push_pop_same_thread", |b| {
        b.iter(|| {
            send(&mut tx, black_box(msg));
            recv(&mut rx)
        })
    });
    let (mut tx, mut rx) = cb_pair();
    g.bench_function("crossbeam_array_queue_push_pop_same_thread", |b| {
        b.iter(|| {
            send(&mut tx, black_box(msg));
            recv(&mut rx)
        })
    });

    depth_hops(&mut g, &cap, &stream);

    let cores = core_affinity::get_core_ids().map_or(0, |v| v.len());
    if cores >= 2 && pin(0) {
        g.bench_function("rtrb_round_trip_2_threads", |b| b.iter_custom(|n| round_trips(n, msg, rtrb_pair)));
        g.bench_function("crossbeam_array_queue_round_trip_2_threads", |b| {
            b.iter_custom(|n| round_trips(n, msg, cb_pair))
        });
    } else {
        eprintln!("skipped: ring/*_round_trip_2_threads need cores 0 and 1 ({cores} visible)");
    }
    g.finish();
}

/// A header ring, its companion level ring, and the receiving thread's level store.
struct DepthLink {
    tx: rtrb::Producer<Msg>,
    rx: rtrb::Consumer<Msg>,
    ltx: rtrb::Producer<PxQty>,
    lrx: rtrb::Consumer<PxQty>,
    store: Vec<PxQty>,
}

impl DepthLink {
    fn new() -> DepthLink {
        let (tx, rx) = rtrb_pair();
        let (ltx, lrx) = rtrb::RingBuffer::new(DEFAULT_LEVEL_CAPACITY);
        DepthLink { tx, rx, ltx, lrx, store: vec![PxQty::default(); DEFAULT_LEVEL_CAPACITY] }
    }

    /// Publish `d`'s levels then `d`; take the header, then its levels into the store. Returns
    /// the levels received.
    #[inline]
    fn hop(&mut self, d: Depth, bids: &[PxQty], asks: &[PxQty]) -> usize {
        let n = bids.len() + asks.len();
        let chunk = self.ltx.write_chunk_uninit(n).expect("room for the levels");
        chunk.fill_from_iter(bids.iter().chain(asks).copied());
        send(&mut self.tx, Msg::Depth(d));
        let Msg::Depth(h) = recv(&mut self.rx) else { unreachable!("only depth headers here") };
        let chunk = self.lrx.read_chunk(h.len()).expect("levels published before their header");
        let (a, b) = chunk.as_slices();
        self.store[..a.len()].copy_from_slice(a);
        self.store[a.len()..a.len() + b.len()].copy_from_slice(b);
        chunk.commit_all();
        h.len()
    }
}

/// A depth update through a header ring and its companion level ring (see the module docs).
fn depth_hops(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    cap: &Capture,
    stream: &flow::Replayed,
) {
    let mut link = DepthLink::new();
    for levels in [20, cap.median_depth_levels(), 46] {
        let (d, _) = flow::depth_with(stream, 0, levels);
        let (bids, asks) = stream.levels_of(&d);
        assert_eq!(link.hop(d, bids, asks), d.len());
        assert_eq!(&link.store[..d.len()], [bids, asks].concat().as_slice(), "the levels arrive intact");
        g.bench_function(format!("rtrb_depth_{}_levels_push_pop_same_thread", d.len()), |b| {
            b.iter(|| link.hop(black_box(d), bids, asks))
        });
    }
}

criterion_group! { name = benches; config = config(); targets = ring }
criterion_main!(benches);
