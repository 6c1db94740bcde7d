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

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_runtime::DEFAULT_RING_CAPACITY;
use alphapulse_types::{EndOfStream, Msg};
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

criterion_group! { name = benches; config = config(); targets = ring }
criterion_main!(benches);
