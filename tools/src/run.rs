//! `alphapulse run --config paper.toml`: paper trading. The live Binance feed (or the local
//! exchange simulator, same config with other endpoints) into the whole chain — agents, risk,
//! router — and the simulated exchange, on the placement's threads (pinned when `cores` are set).
//!
//! The chain runs on event time, the receive times the feed stamps on each frame: the simulated
//! exchange fills by those times exactly as in a backtest, so a recording of the run (`--record`)
//! replayed by `alphapulse backtest` gives the same report. A status line shows the feed's state;
//! SIGINT or SIGTERM (or `--duration`) stops the feed, which closes its connections, journals the
//! disconnections and sends end-of-stream: the chain drains, the journal closes, and the report is
//! printed as a backtest's is.

use crate::backtest::{self, CHAIN};
use crate::cli::{ControlArgs, JournalArgs, PlacementArgs};
use crate::config::{Config, ConfigError};
use crate::operate::serve::socket_control;
use crate::operate::{run_steered, ControlRun, RunInfo};
use crate::record::{describe, open_recorder, Recording};
use crate::report::Report;
use crate::run_journal;
use crate::stage::Stage;
use crate::status::StatusLine;
use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::live::{LiveFeed, LiveFeedActor, TscClock};
use alphapulse_feeds::FeedOptions;
use alphapulse_runtime::{run_with, ClockKind, JournalSpec, RunOutput};
use alphapulse_types::InstrumentTable;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
#[command(after_help = "Exit codes: 0 stopped cleanly (SIGINT, SIGTERM or --duration), 1 the run failed, \
2 bad usage or config.\n\n\
The [live] table of the config says where to connect (ws_url, rest_url: Binance, or the local exchange \
simulator `exsim`), which symbols and streams, and every reconnect and rate limit; see \
tools/config/paper.toml (simulator) and tools/config/paper-binance.toml (Binance). The run is journaled \
like a backtest (runs/<UTC time>-<pid>/journal or --journal DIR), including every connection and sync \
state change of the feed (`alphapulse journal tail DIR --stream feed`).")]
pub struct Args {
    /// TOML config file (every key optional; the [live] table says where to connect).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Binance exchangeInfo JSON for the instrument table (default: the shipped sample's).
    #[arg(long)]
    pub exchange_info: Option<PathBuf>,
    #[command(flatten)]
    pub placement: PlacementArgs,
    /// Stop after this many seconds (default: run until SIGINT/SIGTERM).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// Also record every raw frame and snapshot into DIR, in the capture format (`alphapulse
    /// backtest --data DIR/*.gz` replays it).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Print the final report as JSON.
    #[arg(long)]
    pub json: bool,
    /// No status line.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Do not serve the control socket (by default a paper run serves it: `alphapulse ctl`).
    #[arg(long)]
    pub no_control: bool,
    #[command(flatten)]
    pub control: ControlArgs,
}

/// The config of a paper run: the file (or defaults) with the command line's overrides.
pub fn resolve(args: &Args) -> Result<Config, ConfigError> {
    let mut cfg = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if args.exchange_info.is_some() {
        cfg.exchange_info = args.exchange_info.clone();
    }
    args.placement.apply(&mut cfg.placement);
    args.control.apply(&mut cfg.control)?;
    if let Some(d) = args.duration {
        if !(d > 0.0 && d.is_finite()) {
            return Err(ConfigError::Usage(format!("--duration {d}: must be a positive number of seconds")));
        }
    }
    // The symbols traded are the live feed's.
    cfg.symbols = cfg.live.symbols.iter().map(|s| s.to_ascii_uppercase()).collect();
    cfg.data.clear();
    // Paper trading fills on event time, like a backtest (see the module doc).
    cfg.placement.clock = ClockKind::Event;
    cfg.placement
        .resolve(&CHAIN)
        .map_err(|e| ConfigError::Invalid { key: "placement".into(), message: e.to_string() })?;
    if let Some(p) = cfg.exchange_info.as_ref().filter(|p| !p.is_file()) {
        return Err(ConfigError::Usage(format!("exchange info file {} does not exist", p.display())));
    }
    Ok(cfg)
}

/// What a paper run leaves: the report, and what the recorder wrote.
pub struct Outcome {
    pub report: Report,
    pub recording: Option<alphapulse_feeds::record::RecordSummary>,
}

/// Run the paper chain until `stop` is raised; journal into `journal`, record into `record`.
pub fn execute(
    cfg: &Config,
    stop: Arc<AtomicBool>,
    journal: Option<PathBuf>,
    record: Option<PathBuf>,
    status: bool,
) -> anyhow::Result<Outcome> {
    execute_controlled(cfg, stop, journal, record, status, None)
}

/// [`execute`], steered over the control plane by `control` (the control socket, by default).
pub fn execute_controlled(
    cfg: &Config,
    stop: Arc<AtomicBool>,
    journal: Option<PathBuf>,
    record: Option<PathBuf>,
    status: bool,
    control: Option<ControlRun>,
) -> anyhow::Result<Outcome> {
    let table: InstrumentTable = backtest::instruments(cfg)?;
    let net = BinanceNet::new(&cfg.live).context("preparing the connections")?;
    let opts = FeedOptions::from_config(&cfg.feed);
    let seed = std::process::id() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut feed = LiveFeed::new(cfg.live.clone(), &table, &opts, net, seed)?;
    let recording: Option<Recording> = match &record {
        Some(dir) => {
            let mut r = open_recorder(dir, &cfg.live)?;
            feed.set_tap(Box::new(r.tap()?));
            Some(r)
        }
        None => None,
    };
    let actor = LiveFeedActor::new(feed, Box::new(TscClock::default()), stop);
    let live_status = actor.status();
    let mut actors = vec![Stage::Live(Box::new(actor))];
    actors.extend(backtest::downstream(cfg, &table)?);
    let placement = cfg.placement.resolve(&CHAIN)?;
    let spec = match &journal {
        Some(dir) => {
            run_journal::check_fresh(dir)?;
            run_journal::write_meta(dir, cfg, &table, None, Stage::strategy_names(&actors))?;
            Some(JournalSpec { dir: dir.clone(), stream: cfg.journal.stream(), on_full: cfg.journal.on_full })
        }
        None => None,
    };
    let line = StatusLine::start("paper", live_status.clone(), status, Duration::from_secs(10));
    let out: RunOutput<Stage> = match control {
        None => run_with(actors, &placement, Default::default(), spec.as_ref())?,
        Some(c) => {
            let info = RunInfo {
                symbols: table.iter().map(|i| i.symbol.clone()).collect(),
                live: Some(live_status),
                ring_capacity: placement.ring_capacity,
                clock: if placement.clock == ClockKind::Tsc { "tsc" } else { "event" },
                journal: journal.clone(),
                halted: cfg.risk.halted,
                stale_after: c.stale_after,
                loader: crate::operate::Loader::of(&mut actors, &table, cfg),
            };
            run_steered(actors, &placement, spec.as_ref(), info, c)?
        }
    };
    drop(line);
    let report = Report::from_run(cfg, &table, &placement, &out)?;
    // The tap lives in the feed: the recorder closes once the actors are gone.
    drop(out);
    let recording = recording.map(|r| r.finish()).transpose()?;
    Ok(Outcome { report, recording })
}

/// A flag raised by SIGINT and SIGTERM.
pub fn stop_on_signals() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("installing the signal handlers")?;
    }
    Ok(stop)
}

/// Raise `stop` after `secs` (a thread that sleeps; nothing on the hot path).
pub fn stop_after(stop: &Arc<AtomicBool>, secs: f64) {
    let s = stop.clone();
    std::thread::Builder::new()
        .name("ap-duration".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(secs));
            s.store(true, std::sync::atomic::Ordering::Relaxed);
        })
        .ok();
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = resolve(&args)?;
    if args.journal.is_default() {
        backtest::prune_default_runs(cfg.journal.keep_runs);
    }
    let journal = args.journal.dir();
    let stop = stop_on_signals()?;
    if let Some(secs) = args.duration {
        stop_after(&stop, secs);
    }
    eprintln!(
        "paper trading {} on {} (REST {}); stop with Ctrl-C",
        cfg.live.symbols.join(","),
        cfg.live.ws_url,
        cfg.live.rest_url
    );
    let control = if args.no_control {
        None
    } else {
        let stale = Duration::from_millis(cfg.live.stall_timeout_ms.max(1000));
        let (c, path) = socket_control(&cfg.control, None, None, stale)?;
        eprintln!("control socket {} (alphapulse ctl --socket {} status)", path.display(), path.display());
        Some(c)
    };
    let out =
        execute_controlled(&cfg, stop, journal, args.record.clone(), !args.quiet && !args.json, control)?;
    for w in out.report.warnings() {
        eprintln!("warning: {w}");
    }
    if let Some(r) = &out.recording {
        eprintln!("{}", describe(r));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out.report.to_json())?);
    } else {
        print!("{}", out.report.to_text());
    }
    if out.report.journal_stopped_run {
        eprintln!("error: the run stopped early: its journal's disk is full (see the report)");
        return Ok(ExitCode::from(1));
    }
    if out.recording.as_ref().is_some_and(|r| !r.is_complete()) {
        eprintln!("error: the recording lost frames (its ring was full): it is incomplete");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
