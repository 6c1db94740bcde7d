//! Reconnect-to-synced: our feed against a simulator replaying at the capture's own pace (at
//! `Speed::Max` the replay would loop every second or so, and each loop's declared gap resyncs the
//! book on its own); `Fault::Disconnect` injected `n` times, each once the book has been synced
//! for [`SETTLE`]: the backoff has started again from its initial delay, and the feed's
//! `snapshot_retry_ms` (1 s by default), which it also waits after a snapshot that *was* applied,
//! has passed (injected 300 ms after a sync, every resync waited ≈ 700 ms for it).
//!
//! Per disconnect, from the raw stamps the sink took when the feed's state changes reached it:
//! `total` = synced again − `Disconnected`; `backoff` = the `BackingOff` event's delay;
//! `to_connected` = `Connected` − `Disconnected` (backoff, TCP connect, upgrade);
//! `to_synced` = synced − `Connected` (first depth events, REST snapshot, the event that bridges
//! it); `detect` = `Disconnected` − the injection (the simulator closing the socket, the feed
//! seeing it).

use crate::ingress::{feed, live_config, simulator};
use crate::probe::StampSink;
use alphapulse_exsim::{Fault, Speed};
use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::live::{LiveFeed, TscClock, WallClock};
use alphapulse_types::FeedEvent;
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long the book stays synced before each disconnect: longer than the feed's default
/// `snapshot_retry_ms` (1000).
pub const SETTLE: Duration = Duration::from_millis(1200);

/// One disconnect's figures (ns; `backoff` as the feed reported it).
#[derive(Clone, Copy, Debug, Default)]
pub struct Reconnect {
    pub total: u64,
    pub backoff: u64,
    pub to_connected: u64,
    pub to_synced: u64,
    pub detect: u64,
}

/// Poll until `done` holds or `limit` passes; true when it held.
fn poll_until(
    f: &mut LiveFeed<BinanceNet>,
    sink: &mut StampSink,
    wall: &mut TscClock,
    limit: Duration,
    mut done: impl FnMut(&LiveFeed<BinanceNet>, &StampSink) -> bool,
) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        for _ in 0..64 {
            if !f.poll(wall.now(), sink) {
                break;
            }
        }
        if done(f, sink) {
            return true;
        }
        std::thread::yield_now();
    }
    false
}

/// Inject `n` disconnects into a feed with `backoff_ms` as its initial backoff.
pub fn measure(
    captures: &[PathBuf],
    symbol: &str,
    backoff_ms: u64,
    n: usize,
) -> anyhow::Result<Vec<Reconnect>> {
    let sim = simulator(captures, Speed::Paced(1.0), false)?;
    let mut cfg = live_config(&sim, symbol);
    cfg.backoff_initial_ms = backoff_ms;
    let table = alphapulse_feeds::sample_instruments();
    let inst = table.id_of(&symbol.to_ascii_uppercase()).context("symbol not in the instrument table")?;
    let net = BinanceNet::new(&cfg).context("connections")?;
    let mut f = feed(cfg, &table, net)?;
    let clock = quanta::Clock::new();
    let mut sink = StampSink::new(clock.clone(), 4096);
    let mut wall = TscClock::default();
    let synced = |f: &LiveFeed<BinanceNet>| f.decoder().book_sync(inst).is_some_and(|b| b.is_synced());
    let limit = Duration::from_secs(60);
    let mut out = Vec::with_capacity(n);
    if !poll_until(&mut f, &mut sink, &mut wall, limit, |f, _| synced(f)) {
        bail!("the book did not sync in {limit:?}");
    }
    for i in 0..n {
        // Synced for a while, with data flowing: the backoff is back at its initial delay.
        poll_until(&mut f, &mut sink, &mut wall, SETTLE, |_, _| false);
        sink.events.clear();
        let injected = clock.raw();
        sim.inject(Fault::Disconnect { conn: None });
        let down = |s: &StampSink| s.events.iter().any(|(_, e)| e.event == FeedEvent::Disconnected);
        if !poll_until(&mut f, &mut sink, &mut wall, limit, |_, s| down(s)) {
            bail!("disconnect {i}: the feed saw no disconnection in {limit:?}");
        }
        if !poll_until(&mut f, &mut sink, &mut wall, limit, |f, _| synced(f)) {
            bail!("disconnect {i}: the book did not sync again in {limit:?}");
        }
        let back = clock.raw();
        if std::env::var_os("LIVE_INGRESS_DEBUG").is_some() {
            for (t, e) in &sink.events {
                eprintln!(
                    "  +{:>10} ns {:?} {:?} detail {}",
                    clock.delta_as_nanos(injected, *t),
                    e.event,
                    e.reason,
                    e.detail
                );
            }
            eprintln!("  +{:>10} ns synced", clock.delta_as_nanos(injected, back));
        }
        let at = |ev: FeedEvent| sink.events.iter().find(|(_, e)| e.event == ev).copied();
        let Some((d_at, _)) = at(FeedEvent::Disconnected) else { bail!("disconnect {i}: no event") };
        let c_at = at(FeedEvent::Connected).map_or(back, |(t, _)| t);
        let backoff = at(FeedEvent::BackingOff).map_or(0, |(_, e)| e.detail * 1_000_000);
        let ns = |a: u64, b: u64| clock.delta_as_nanos(a, b);
        out.push(Reconnect {
            total: ns(d_at, back),
            backoff,
            to_connected: ns(d_at, c_at),
            to_synced: ns(c_at, back),
            detect: ns(injected, d_at),
        });
    }
    sim.shutdown();
    Ok(out)
}
