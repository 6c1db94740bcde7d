//! `live_ingress`: the live feed's ingress against the local exchange simulator (issue 10,
//! "Benchmarks"), our stack against tokio-tungstenite, on the real captures.
//!
//! ```text
//! cargo run --release -p alphapulse-benches --bin live_ingress -- [--rounds N] [--reconnects N] [--smoke] [--out DIR]
//! ```
//!
//! 1. Ingress: per round a fresh in-process `alphapulse-exsim` serves the captures once at
//!    `Speed::Max` to one `LiveFeed` polled on this thread: ours (`BinanceNet`: `WsClient` over mio)
//!    or tokio-tungstenite on its own thread feeding an `rtrb` byte ring (`tokio_net`), rounds
//!    alternating. Per market frame: poll start → first event at the sink, and for tokio also its
//!    receive stamp → event (see `ingress`). Frames per second over the round.
//! 2. Reconnect-to-synced: `Fault::Disconnect` injected N times into our feed, with the default
//!    initial backoff (500 ms) and with 10 ms (see `reconnect`).
//!
//! `LIVE_INGRESS_DEBUG=1` prints each round's simulator and feed counters and each reconnect's
//! timeline of feed events on stderr.
//!
//! Writes `latency-reports/live-ingress.md` and `live-ingress.json` (or, with `--smoke`, a short
//! run into a temporary folder). Timings never fail the run: exit 0 when it completed, 1 when it
//! broke, 2 on bad usage.
#![forbid(unsafe_code)]

#[allow(dead_code)]
#[path = "../../harness/hist.rs"]
mod hist;
mod ingress;
#[allow(dead_code)]
#[path = "../../harness/machine.rs"]
mod machine;
mod probe;
mod reconnect;
mod report;
mod tokio_net;

use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::{sample_instruments, testdata};
use anyhow::Context;
use clap::Parser;
use ingress::{feed, live_config, simulator, Round};
use probe::{Probe, StampNet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;
use tokio_net::TokioNet;

/// Live feed ingress and reconnects against the exchange simulator, ours against tokio-tungstenite.
#[derive(Parser, Debug)]
#[command(name = "live_ingress")]
pub struct Args {
    /// Rounds per stack and capture set (medians are taken over them).
    #[arg(long, default_value_t = 7)]
    pub rounds: usize,
    /// Disconnects injected per backoff setting.
    #[arg(long, default_value_t = 20)]
    pub reconnects: usize,
    /// CI smoke test: the sample only, one round per stack, 3 reconnects; report into a
    /// temporary folder unless --out.
    #[arg(long)]
    pub smoke: bool,
    /// Folder of the report (default latency-reports/).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A capture set served to the feed.
pub struct Dataset {
    pub name: String,
    pub files: Vec<PathBuf>,
    pub symbol: &'static str,
    /// Stream frames in the files (what a round must handle).
    pub frames: u64,
}

/// Rounds of one stack on one capture set.
pub struct StackRounds {
    pub dataset: String,
    pub stack: &'static str,
    pub rounds: Vec<Round>,
}

/// Frames of a round's start not measured (connection, first snapshot, cold caches).
const SKIP_FRAMES: u64 = 1000;
const ROUND_LIMIT: Duration = Duration::from_secs(300);

fn datasets(smoke: bool) -> Vec<Dataset> {
    let mut v = vec![Dataset {
        name: "sample btcusdt_20240808 (repo)".into(),
        files: vec![testdata::sample_capture()],
        symbol: "btcusdt",
        frames: 0,
    }];
    if let (false, Some(dir)) = (smoke, testdata::shared_data_dir()) {
        let files: Vec<PathBuf> = ["btcusdt_20240808.gz", "btcusdt_20240809.gz"]
            .iter()
            .map(|f| dir.join("binance-spot").join(f))
            .collect();
        if files.iter().all(|f| f.is_file()) {
            v.push(Dataset {
                name: "BTCUSDT 08+09 (../shared/data)".into(),
                files,
                symbol: "btcusdt",
                frames: 0,
            });
        }
    }
    v
}

fn ours(d: &Dataset, clock: &quanta::Clock) -> anyhow::Result<Round> {
    let sim = simulator(&d.files, alphapulse_exsim::Speed::Max, false)?;
    let cfg = live_config(&sim, d.symbol);
    let probe = Rc::new(Probe::default());
    let net = StampNet { inner: BinanceNet::new(&cfg)?, probe: probe.clone(), clock: clock.clone() };
    let mut f = feed(cfg, &sample_instruments(), net)?;
    let r = ingress::run(&sim, &mut f, &probe, clock, SKIP_FRAMES, d.frames, ROUND_LIMIT);
    drop(f);
    sim.shutdown();
    r
}

fn tokio(d: &Dataset, clock: &quanta::Clock) -> anyhow::Result<Round> {
    let sim = simulator(&d.files, alphapulse_exsim::Speed::Max, false)?;
    let cfg = live_config(&sim, d.symbol);
    let probe = Rc::new(Probe::default());
    let net = TokioNet {
        rest: BinanceNet::new(&cfg)?,
        ws_addr: sim.ws_addr(),
        probe: probe.clone(),
        clock: clock.clone(),
    };
    let mut f = feed(cfg, &sample_instruments(), net)?;
    let r = ingress::run(&sim, &mut f, &probe, clock, SKIP_FRAMES, d.frames, ROUND_LIMIT);
    drop(f);
    sim.shutdown();
    r
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("live_ingress: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let rounds = if args.smoke { 1 } else { args.rounds.max(1) };
    let reconnects = if args.smoke { 3 } else { args.reconnects.max(1) };
    let clock = quanta::Clock::new();
    let load_start = report::loadavg();
    let mut all = Vec::new();
    for mut d in datasets(args.smoke) {
        d.frames = ingress::stream_frames(&d.files)?;
        let mut a = StackRounds { dataset: d.name.clone(), stack: "ours", rounds: Vec::new() };
        let mut b = StackRounds { dataset: d.name.clone(), stack: "tokio", rounds: Vec::new() };
        for i in 0..rounds {
            let r = ours(&d, &clock).with_context(|| format!("{}: ours, round {i}", d.name))?;
            eprintln!("{} round {i}: ours {:.0} frames/s", d.name, r.rate());
            a.rounds.push(r);
            let r = tokio(&d, &clock).with_context(|| format!("{}: tokio, round {i}", d.name))?;
            eprintln!("{} round {i}: tokio {:.0} frames/s", d.name, r.rate());
            b.rounds.push(r);
        }
        all.push(a);
        all.push(b);
    }
    let sample = &datasets(true)[0];
    let mut rec = Vec::new();
    for backoff in [500u64, 10] {
        let r = reconnect::measure(&sample.files, sample.symbol, backoff, reconnects)
            .with_context(|| format!("reconnects with {backoff} ms backoff"))?;
        eprintln!("reconnects with {backoff} ms initial backoff: {} measured", r.len());
        rec.push((backoff, r));
    }
    let out = match (&args.out, args.smoke) {
        (Some(d), _) => d.clone(),
        (None, true) => std::env::temp_dir().join(format!("alphapulse-live-ingress-{}", std::process::id())),
        (None, false) => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../latency-reports")),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let ctx =
        report::Context { rounds, reconnects, smoke: args.smoke, load_start, load_end: report::loadavg() };
    let md = report::markdown(&ctx, &all, &rec);
    let json = report::json(&ctx, &all, &rec);
    std::fs::write(out.join("live-ingress.md"), md).context("writing live-ingress.md")?;
    std::fs::write(out.join("live-ingress.json"), serde_json::to_string_pretty(&json)?)
        .context("writing live-ingress.json")?;
    eprintln!("live_ingress: wrote {}", out.join("live-ingress.md").display());
    Ok(())
}
