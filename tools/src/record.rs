//! `alphapulse record --symbols btcusdt,ethusdt --out DIR`: connect to Binance (or the local
//! exchange simulator: the `[live]` table's URLs) and write every raw frame and REST snapshot in
//! the capture format of `../shared/data/binance-spot` — gzip `<ns> <frame>` lines, one file per
//! symbol and hour (`btcusdt_20240808T23.gz`), a fresh snapshot after every resync — so that
//! `alphapulse backtest --data DIR/*.gz` replays it. Files are written as gzip members closed
//! every second: a file cut by a crash stays readable up to its last complete member
//! (`alphapulse_feeds::record`).
//!
//! The live feed runs alone on the runtime (its books are kept so that a gap or reconnect fetches
//! a fresh snapshot); SIGINT/SIGTERM or `--duration` stops it, the recorder drains and closes its
//! files, and a summary is printed.

use crate::backtest;
use crate::config::{Config, ConfigError};
use crate::stage::Stage;
use crate::status::StatusLine;
use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::live::{LiveConfig, LiveFeed, LiveFeedActor, TscClock};
use alphapulse_feeds::record::{self, RecordOptions, RecordSummary, RecordTap, Recorder};
use alphapulse_feeds::FeedOptions;
use alphapulse_runtime::{run_with, ClockKind, PlacementConfig, RunOutput};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
#[command(after_help = "Exit codes: 0 stopped cleanly with nothing lost, 1 the recording lost frames \
(ring full, write error) or failed, 2 bad usage or config.\n\n\
Endpoints, streams and every reconnect limit come from the [live] table of --config (default: Binance \
spot, depth@100ms + bookTicker + trade); --symbols overrides its symbols. Replay a recording with \
`alphapulse backtest --data DIR/*.gz`.")]
pub struct Args {
    /// Symbols to record, comma-separated (any case), e.g. `btcusdt,ethusdt`.
    #[arg(long, value_delimiter = ',', required = true)]
    pub symbols: Vec<String>,
    /// Folder for the files (created if missing; existing files are never overwritten).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// TOML config file: its [live] table (endpoints, streams, limits) and [feed] table.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Binance exchangeInfo JSON for the instruments (default: the shipped sample's).
    #[arg(long)]
    pub exchange_info: Option<PathBuf>,
    /// Stop after this many seconds (default: until SIGINT/SIGTERM).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// Pin the feed's thread to this core.
    #[arg(long)]
    pub core: Option<usize>,
    /// No status line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A recorder running beside a live feed: its tap goes into the feed.
pub struct Recording {
    recorder: Recorder,
    tap: Option<RecordTap>,
}

/// Start a recorder writing the symbols of `live` into `dir`.
pub fn open_recorder(dir: &Path, live: &LiveConfig) -> anyhow::Result<Recording> {
    let symbols = live.symbols.iter().map(|s| s.to_ascii_lowercase()).collect();
    let (tap, recorder) = record::start(RecordOptions::new(dir.to_path_buf(), symbols))
        .with_context(|| format!("starting the recorder in {}", dir.display()))?;
    Ok(Recording { recorder, tap: Some(tap) })
}

impl Recording {
    /// The tap, for the live feed (once).
    pub fn tap(&mut self) -> anyhow::Result<RecordTap> {
        self.tap.take().context("the recorder's tap was taken already")
    }
    /// Drain, close the files, and say what was written. Call once the feed holding the tap is
    /// gone (dropped with the run's actors).
    pub fn finish(self) -> anyhow::Result<RecordSummary> {
        let r = match self.tap {
            Some(t) => self.recorder.finish(t),
            None => self.recorder.close(),
        };
        Ok(r?)
    }
}

/// One paragraph for stderr: files, lines, bytes, and anything lost.
pub fn describe(s: &RecordSummary) -> String {
    let st = &s.stats;
    let mut out = format!(
        "recorded {} lines ({:.1} MB, {:.1} MB gzip) into {} file(s)",
        st.lines,
        st.raw_bytes as f64 / 1e6,
        st.gz_bytes as f64 / 1e6,
        s.files.len()
    );
    for f in &s.files {
        out.push_str(&format!("\n  {} ({} lines)", f.path.display(), f.lines));
    }
    if !s.is_complete() {
        out.push_str(&format!(
            "\n  INCOMPLETE: {} dropped (ring full), {} refused, {} lost to {} write error(s)",
            st.dropped, st.refused, st.lost, st.errors
        ));
    }
    out
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let mut cfg = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if args.exchange_info.is_some() {
        cfg.exchange_info = args.exchange_info.clone();
    }
    cfg.live.symbols = args.symbols.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
    cfg.live.validate().map_err(|e| ConfigError::Invalid { key: "live".into(), message: e.to_string() })?;
    cfg.symbols = cfg.live.symbols.iter().map(|s| s.to_ascii_uppercase()).collect();
    if let Some(d) = args.duration {
        if !(d > 0.0 && d.is_finite()) {
            return Err(
                ConfigError::Usage(format!("--duration {d}: must be a positive number of seconds")).into()
            );
        }
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let table = backtest::instruments(&cfg)?;
    let net = BinanceNet::new(&cfg.live).context("preparing the connections")?;
    let seed = std::process::id() as u64 ^ 0x2545_f491_4f6c_dd1d;
    let mut feed = LiveFeed::new(cfg.live.clone(), &table, &FeedOptions::from_config(&cfg.feed), net, seed)?;
    let mut recording = open_recorder(&args.out, &cfg.live)?;
    feed.set_tap(Box::new(recording.tap()?));
    let stop = crate::run::stop_on_signals()?;
    if let Some(secs) = args.duration {
        crate::run::stop_after(&stop, secs);
    }
    let actor = LiveFeedActor::new(feed, Box::new(TscClock::default()), stop);
    let line = StatusLine::start("record", actor.status(), !args.quiet, Duration::from_secs(10));
    let mut placement = PlacementConfig { clock: ClockKind::Event, ..cfg.placement.clone() };
    placement.threads.clear();
    placement.cores = args.core.into_iter().collect();
    let placement = placement.resolve(&["feed"])?;
    eprintln!(
        "recording {} from {} into {}; stop with Ctrl-C",
        cfg.live.symbols.join(","),
        cfg.live.ws_url,
        args.out.display()
    );
    let out: RunOutput<Stage> =
        run_with(vec![Stage::Live(Box::new(actor))], &placement, Default::default(), None)?;
    drop(line);
    let feed_report = out.actor::<LiveFeedActor<BinanceNet>>().map(|a| crate::report::live_summary(a.feed()));
    drop(out);
    let summary = recording.finish()?;
    if let Some(r) = feed_report {
        eprintln!("{r}");
    }
    eprintln!("{}", describe(&summary));
    Ok(if summary.is_complete() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
