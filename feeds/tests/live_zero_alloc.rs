//! Zero allocation on the live hot path: once warm, receiving frames over a real ws:// socket
//! from the exchange simulator (serving the real sample), decoding them, keeping the book and
//! handing out the market messages allocates nothing on the feed's thread (counting global
//! allocator, this thread only; the simulator's threads are not counted). Over wss:// rustls 0.23
//! allocates per TLS record (measured in alphapulse-net's zero_alloc test): ws:// is the path
//! proven here.

use alphapulse_exsim::{SimConfig, Speed};
use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::live::{LiveConfig, LiveFeed, TscClock, WallClock};
use alphapulse_feeds::{sample_instruments, testdata, FeedOptions, ReplaySink};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_types::{Depth, Msg, Price, Qty, MSG_KINDS};
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Counts what the feed hands out, allocating nothing.
#[derive(Default)]
struct Tally {
    kinds: [u64; MSG_KINDS],
    levels: u64,
}

impl ReplaySink for Tally {
    fn emit(&mut self, msg: Msg) {
        self.kinds[msg.kind_index()] += 1;
    }
    fn emit_depth(&mut self, d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        self.kinds[Msg::Depth(d).kind_index()] += 1;
        self.levels += (bids.len() + asks.len()) as u64;
    }
}

#[test]
fn receiving_and_decoding_live_frames_allocates_nothing() {
    let mut sc = SimConfig::new(vec![testdata::sample_capture()]);
    sc.speed = Speed::Max;
    sc.wait_for_clients = 1;
    let h = alphapulse_exsim::start(sc).unwrap();
    let cfg = LiveConfig {
        ws_url: format!("ws://{}", h.ws_addr()),
        rest_url: format!("http://{}", h.http_addr()),
        symbols: vec!["btcusdt".into()],
        ..LiveConfig::default()
    };
    let opts = FeedOptions { max_exchange_skew_ns: 3_600_000_000_000, ..FeedOptions::defaults() };
    let ins = sample_instruments();
    let net = BinanceNet::new(&cfg).unwrap();
    let mut feed = LiveFeed::new(cfg, &ins, &opts, net, 1).unwrap();
    let mut clock = TscClock::default();
    let mut tally = Tally::default();
    let inst = ins.id_of("BTCUSDT").unwrap();
    let start = Instant::now();
    // Warm up: connected, synced, and 5,000 frames through (buffers at their working size).
    while !(feed.feed_stats().frames >= 5_000 && feed.decoder().book_sync(inst).unwrap().is_synced()) {
        feed.poll(clock.now(), &mut tally);
        assert!(start.elapsed() < Duration::from_secs(60), "warm-up");
    }
    let before = feed.feed_stats().frames;
    let ((), n) = allocations_in(|| {
        while feed.feed_stats().frames < before + 30_000 && start.elapsed() < Duration::from_secs(120) {
            feed.poll(clock.now(), &mut tally);
        }
    });
    let frames = feed.feed_stats().frames - before;
    println!(
        "live ws:// hot path: {n} allocations over {frames} frames; messages {:?}, levels {}",
        tally.kinds, tally.levels
    );
    assert!(frames >= 30_000, "the window covered 30,000 frames: {frames}");
    assert_eq!(feed.feed_stats().gaps, 0);
    assert_eq!(n, 0, "the live feed's thread allocated");
    h.shutdown();
}
