//! One round of the ingress benchmark: a fresh exchange simulator serves the captures once at
//! `Speed::Max` to one `LiveFeed` (ours, or over the tokio stack), polled on this thread until
//! every frame the simulator sent has been handled.
//!
//! Per poll that handled a market frame and gave at least one event, with `start` the raw stamp
//! taken just before `poll` and `emit` the sink's stamp of the poll's first event:
//! - `poll_to_emit` = emit − start (ours: the socket read if the frame was not yet buffered,
//!   WebSocket decode, JSON parse, book, emit; tokio: ring pop and copy, parse, book, emit);
//! - `poll_to_frame` = frame handed to the feed − start, `frame_to_emit` = emit − that;
//! - `recv_to_emit` (tokio only) = emit − the tokio thread's stamp when tungstenite gave it the
//!   message: includes the time the message waited in the ring.

use crate::probe::{Probe, StampSink};
use alphapulse_exsim::{SimConfig, SimHandle, Speed};
use alphapulse_feeds::live::{LiveConfig, LiveFeed, Net, TscClock, WallClock};
use alphapulse_feeds::FeedOptions;
use alphapulse_types::{FeedEvent, InstrumentTable};
use anyhow::{bail, Context};
use hdrhistogram::Histogram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Series of one round, in this order.
pub const SERIES: [&str; 4] = ["poll_to_emit", "poll_to_frame", "frame_to_emit", "recv_to_emit"];

/// What one round measured.
pub struct Round {
    /// Market frames the feed handled.
    pub frames: u64,
    /// Seconds from the first market frame to the last.
    pub secs: f64,
    /// One histogram per [`SERIES`] (ns).
    pub h: Vec<Histogram<u64>>,
    /// Disconnections during the round (a clean round has none).
    pub disconnects: u64,
    /// Capture frames the simulator replayed, and the frames it sent this connection.
    pub replayed: u64,
    pub sent: u64,
}

impl Round {
    /// Frames per second over the round.
    pub fn rate(&self) -> f64 {
        if self.secs > 0.0 {
            self.frames as f64 / self.secs
        } else {
            0.0
        }
    }
}

/// A histogram of 1 ns .. 60 s, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds")
}

/// A simulator serving `captures` once, as fast as its one client reads.
pub fn simulator(captures: &[PathBuf], speed: Speed, loop_forever: bool) -> anyhow::Result<SimHandle> {
    let mut cfg = SimConfig::new(captures.to_vec());
    cfg.speed = speed;
    cfg.loop_forever = loop_forever;
    cfg.wait_for_clients = 1;
    cfg.log = false;
    alphapulse_exsim::start(cfg).context("starting the exchange simulator")
}

/// The feed's config for a simulator.
pub fn live_config(sim: &SimHandle, symbol: &str) -> LiveConfig {
    LiveConfig {
        ws_url: format!("ws://{}", sim.ws_addr()),
        rest_url: format!("http://{}", sim.http_addr()),
        symbols: vec![symbol.to_ascii_lowercase()],
        ..LiveConfig::default()
    }
}

/// Feed options for a simulator running ahead of the clock (retimed exchange times at full
/// speed): the skew check is widened to an hour.
pub fn options() -> FeedOptions {
    FeedOptions { max_exchange_skew_ns: 3_600_000_000_000, ..FeedOptions::defaults() }
}

/// A feed over `net` for `cfg`.
pub fn feed<N: Net>(cfg: LiveConfig, table: &InstrumentTable, net: N) -> anyhow::Result<LiveFeed<N>> {
    LiveFeed::new(cfg, table, &options(), net, 7).context("creating the live feed")
}

/// Poll `feed` until it has handled `expected` market frames, every stream frame of the captures
/// (or `limit` passes: an error). The first `skip` frames are not recorded (connection, first
/// snapshot).
pub fn run<N: Net>(
    sim: &SimHandle,
    feed: &mut LiveFeed<N>,
    probe: &Probe,
    clock: &quanta::Clock,
    skip: u64,
    expected: u64,
    limit: Duration,
) -> anyhow::Result<Round> {
    let mut h: Vec<Histogram<u64>> = SERIES.iter().map(|_| histogram()).collect();
    let mut sink = StampSink::new(clock.clone(), 1024);
    let mut wall = TscClock::default();
    let deadline = Instant::now() + limit;
    let (mut first, mut last, mut first_frames) = (0u64, 0u64, 0u64);
    let mut polls = 0u64;
    loop {
        let now = wall.now();
        sink.clear();
        probe.clear();
        let before = feed.feed_stats().frames;
        let start = clock.raw();
        let busy = feed.poll(now, &mut sink);
        let frames = feed.feed_stats().frames;
        if frames > before {
            let emit = sink.first_emit;
            let end = if emit != 0 { emit } else { clock.raw() };
            if first == 0 {
                (first, first_frames) = (end, frames);
            }
            last = end;
            if frames > skip && emit != 0 {
                let d = |a: u64, b: u64| clock.delta_as_nanos(a, b).max(1);
                h[0].saturating_record(d(start, emit));
                let delivered = probe.delivered.get();
                if delivered != 0 {
                    h[1].saturating_record(d(start, delivered));
                    h[2].saturating_record(d(delivered, emit));
                }
                let received = probe.received.get();
                if received != 0 {
                    h[3].saturating_record(d(received, emit));
                }
            }
        }
        if frames >= expected {
            break;
        }
        polls += 1;
        if !busy && polls.is_multiple_of(1024) && Instant::now() > deadline {
            bail!("round not finished after {limit:?}: {frames} of {expected} frames handled");
        }
    }
    let frames = feed.feed_stats().frames;
    let st = sim.stats();
    if std::env::var_os("LIVE_INGRESS_DEBUG").is_some() {
        eprintln!("  sim {st:?}\n  feed {:?}", feed.feed_stats());
    }
    let secs = clock.delta_as_nanos(first, last) as f64 / 1e9;
    Ok(Round {
        frames: frames - first_frames.min(frames),
        secs,
        h,
        disconnects: feed.stats().count(FeedEvent::Disconnected),
        replayed: st.frames_replayed,
        sent: st.frames_sent.values().sum(),
    })
}

/// Stream frames of the captures (lines carrying `"stream":`; the REST snapshot lines are served
/// over HTTP instead).
pub fn stream_frames(files: &[PathBuf]) -> anyhow::Result<u64> {
    use std::io::BufRead;
    let mut n = 0;
    for f in files {
        let file = std::fs::File::open(f).with_context(|| format!("opening {}", f.display()))?;
        let r = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
        for line in r.split(b'\n') {
            let line = line.with_context(|| format!("reading {}", f.display()))?;
            n += u64::from(has_stream_key(&line));
        }
    }
    Ok(n)
}

fn has_stream_key(line: &[u8]) -> bool {
    const KEY: &[u8] = b"\"stream\":";
    line.windows(KEY.len()).any(|w| w == KEY)
}
