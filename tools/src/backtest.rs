//! `alphapulse backtest`: replay captures through feed → agents → risk → router → sim gateway.

use crate::config::{Config, ConfigError};
use crate::progress::Progress;
use crate::report::Report;
use alphapulse_feeds::{FeedActor, FeedOptions};
use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{run, Actor, ClockKind, PlacementConfig, RunOutput};
use alphapulse_strategy::StrategyHost;
use alphapulse_types::InstrumentTable;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// The chain, in order. `[placement].threads` names these.
pub const CHAIN: [&str; 5] = ["feed", "strategy", "risk", "router", "sim_gateway"];

/// Where the repo's real sample lives (used when no data is given).
pub fn sample_data() -> PathBuf {
    alphapulse_feeds::testdata::sample_capture()
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Exit codes: 0 ok, 1 the run failed, 2 bad usage or config.\n\n\
Without --config every setting has its default (see tools/config/backtest.toml); without --data the\n\
real BTCUSDT sample shipped in feeds/testdata/ is replayed.")]
pub struct Args {
    /// TOML config file (every key optional; see tools/config/backtest.toml).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Capture files to replay, in order (Binance `<ns> <frame>` gzip captures, or cryptofeed
    /// BINANCE.ws.* with BINANCE.http.* snapshots). Overrides `data` in the config.
    #[arg(long, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Binance exchangeInfo JSON to build the instrument table from (default: the shipped sample's).
    #[arg(long)]
    pub exchange_info: Option<PathBuf>,
    /// Thread placement preset; overrides `[placement].threads`. `two` puts the feed on its own thread.
    #[arg(long, value_enum)]
    pub threads: Option<Threads>,
    /// Pin the threads to these cores (one per thread), e.g. `--cores 0,1`.
    #[arg(long, value_delimiter = ',')]
    pub cores: Vec<usize>,
    /// Print the report as one JSON object (stable keys; see README) instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    One,
    Two,
}

/// Resolve arguments and config into one validated config.
pub fn resolve(args: &Args) -> Result<Config, ConfigError> {
    let mut cfg = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if !args.data.is_empty() {
        cfg.data = args.data.clone();
    }
    if cfg.data.is_empty() {
        cfg.data.push(sample_data());
    }
    if args.exchange_info.is_some() {
        cfg.exchange_info = args.exchange_info.clone();
    }
    match args.threads {
        Some(Threads::One) => cfg.placement.threads.clear(),
        Some(Threads::Two) => cfg.placement.threads = PlacementConfig::two_threads(&CHAIN, 1).threads,
        None => {}
    }
    if !args.cores.is_empty() {
        cfg.placement.cores = args.cores.clone();
    }
    check(&mut cfg)?;
    Ok(cfg)
}

/// What a backtest requires of a config: event time, a deterministic placement, existing data.
pub fn check(cfg: &mut Config) -> Result<(), ConfigError> {
    // Backtests run on event time, and only the feed may sit on a thread of its own: feedback across
    // any other cut would make the result depend on thread timing.
    cfg.placement.clock = ClockKind::Event;
    let p = cfg
        .placement
        .resolve(&CHAIN)
        .map_err(|e| ConfigError::Invalid { key: "placement".into(), message: e.to_string() })?;
    if let Some(cut) = p.cuts().find(|&c| c != 1) {
        return Err(ConfigError::Invalid {
            key: "placement.threads".into(),
            message: format!(
                "a backtest may put only `feed` on a thread of its own; a thread boundary before `{}` \
                 would make results depend on thread timing",
                CHAIN[cut]
            ),
        });
    }
    for f in &cfg.data {
        if !f.is_file() {
            return Err(ConfigError::Usage(format!("data file {} does not exist", f.display())));
        }
    }
    Ok(())
}

/// Build the instrument table the config asks for.
pub fn instruments(cfg: &Config) -> anyhow::Result<InstrumentTable> {
    let table = match &cfg.exchange_info {
        Some(p) => alphapulse_feeds::load_exchange_info(p)
            .with_context(|| format!("loading instruments from {}", p.display()))?,
        None => alphapulse_feeds::sample_instruments(),
    };
    let wanted = if !cfg.symbols.is_empty() {
        for s in &cfg.symbols {
            table.by_symbol(s).with_context(|| format!("config key `symbols`: unknown symbol `{s}`"))?;
        }
        cfg.symbols.clone()
    } else if cfg.exchange_info.is_some() {
        // A full exchangeInfo lists ~1,700 symbols and the feed preallocates a book per instrument:
        // intern only those the captures carry.
        alphapulse_feeds::capture_symbols(&cfg.data).context("scanning the captures for symbols")?
    } else {
        return Ok(table);
    };
    let mut only = InstrumentTable::new();
    for inst in wanted.iter().filter_map(|s| table.by_symbol(s)) {
        only.add(inst.clone())?;
    }
    if only.is_empty() {
        anyhow::bail!("none of the captures' symbols {wanted:?} is in the exchange info");
    }
    Ok(only)
}

/// The five actors of a backtest, in chain order, and the feed's input size in bytes.
pub fn build_chain(
    cfg: &Config,
    table: &InstrumentTable,
    progress: Option<Arc<AtomicU64>>,
) -> anyhow::Result<(Vec<Box<dyn Actor>>, u64)> {
    let opts = FeedOptions { progress, ..FeedOptions::from_config(&cfg.feed) };
    let feed = FeedActor::open(&cfg.data, table, opts).context("opening the capture files")?;
    let total = feed.total_input_bytes();
    let actors: Vec<Box<dyn Actor>> = vec![
        Box::new(feed),
        Box::new(StrategyHost::new(&cfg.strategy, table, cfg.feed.book_levels)?),
        Box::new(RiskActor::new(cfg.risk.clone(), table)?),
        Box::new(RouterActor::new(cfg.router.clone(), table.len())?),
        Box::new(SimGateway::new(cfg.sim.clone(), table, cfg.feed.book_levels)?),
    ];
    Ok((actors, total))
}

/// Build the chain, run it, and fill the report from the actors' final state.
pub fn execute(cfg: &Config, show_progress: bool) -> anyhow::Result<Report> {
    let table = instruments(cfg)?;
    let progress = Arc::new(AtomicU64::new(0));
    let (actors, total) = build_chain(cfg, &table, Some(progress.clone()))?;
    let placement = cfg.placement.resolve(&CHAIN)?;
    let bar = Progress::start(progress, total, show_progress);
    let out: RunOutput = run(actors, &placement, Default::default())?;
    drop(bar);
    Report::from_run(cfg, &table, &placement, &out)
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = resolve(&args)?;
    let report = execute(&cfg, !args.quiet && !args.json)?;
    for w in report.warnings() {
        eprintln!("warning: {w}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(ExitCode::SUCCESS)
}
