//! `alphapulse backtest`: replay captures through feed → agents → risk → router → sim gateway.

pub use crate::cli::Threads;
use crate::cli::{JournalArgs, PlacementArgs};
use crate::config::{json_differences, Config, ConfigError};
use crate::operate::{run_steered, ControlRun};
use crate::progress::Progress;
use crate::report::Report;
use crate::run_journal;
use crate::stage::Stage;
use alphapulse_feeds::{FeedActor, FeedOptions, JournalFeed};
use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{run_with, Actor, ClockKind, JournalSpec, RunOutput};
use alphapulse_strategy::StrategyHost;
use alphapulse_types::InstrumentTable;
use anyhow::Context;
use std::path::{Path, PathBuf};
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
#[command(
    after_help = "Exit codes: 0 ok, 1 the run failed, 2 bad usage or config, 3 damaged input (a gzip\n\
file cut short or corrupt, or a read error: the report covers the lines read before the damage and\n\
names file, byte offset and lines read; --accept-damaged exits 0 instead).\n\n\
Without --config every setting has its default (see tools/config/backtest.toml); without --data the\n\
real BTCUSDT sample shipped in feeds/testdata/ is replayed.\n\n\
Every actor's output is journaled (one stream per actor) into runs/<UTC time>-<pid>/journal, or\n\
--journal DIR; inspect it with `alphapulse journal stat|tail|export`. Only the newest run folders of\n\
runs/ are kept (--keep-runs, default 5; older ones are removed and named on stderr). --from-journal DIR\n\
replays the market events of such a journal (no parsing) with the config recorded in DIR/run.json\n\
(unless --config is given) and gives bit-identical streams."
)]
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
    #[command(flatten)]
    pub placement: PlacementArgs,
    /// Print the report as one JSON object (stable keys; see README) instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Replay the market events journaled by an earlier run (the `feed` stream of its journal DIR)
    /// instead of capture files: no parsing. Instruments come from DIR/run.json.
    #[arg(long, value_name = "DIR", conflicts_with = "data")]
    pub from_journal: Option<PathBuf>,
    /// With --from-journal: replay a journal whose `feed` stream is damaged or incomplete (no
    /// clean close: its writer crashed or its disk was full; segments missing) as far as it reads.
    /// Without it such a journal is refused (exit 1).
    #[arg(long, requires = "from_journal")]
    pub accept_incomplete: bool,
    /// Exit 0 even when an input file is damaged (cut or corrupt gzip, read error). The damage is
    /// still reported; without this flag the run exits with status 3.
    #[arg(long)]
    pub accept_damaged: bool,
    /// Run folders to keep under the default runs/ (this run's included; older ones are removed,
    /// named on stderr with their sizes); 0 keeps all. Overrides `[journal] keep_runs` (default 5).
    /// Never applies to --journal DIR.
    #[arg(long, value_name = "N")]
    pub keep_runs: Option<usize>,
    /// Serve the control socket while the backtest runs (`alphapulse ctl` steers it), and at the
    /// end of the data keep the engine up for the operator until SIGINT or SIGTERM; then the
    /// report. See `--pace`.
    #[arg(long)]
    pub control: bool,
    /// Replay at N× the capture's pace (receive times against the wall clock) instead of as fast
    /// as possible, so an operator can steer the run as it goes (e.g. `--pace 10`).
    #[arg(long, value_name = "N", requires = "control")]
    pub pace: Option<f64>,
    #[command(flatten)]
    pub control_args: crate::cli::ControlArgs,
    /// After the run, write its journal into this database exactly as `alphapulse persist
    /// --journal DIR --db URL` does (orders, fills, positions, PnL, bars, signals, risk events):
    /// `sqlite:PATH` (created if missing; several runs share one file). Needs a journal.
    #[arg(long, value_name = "URL", conflicts_with = "no_journal")]
    pub persist: Option<String>,
}

/// Exit status of a backtest that read a damaged input file (without `--accept-damaged`).
pub const EXIT_DAMAGED: u8 = 3;

/// How to run a resolved config: journaling, replay source, progress bar.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub show_progress: bool,
    /// Journal every actor's output into this folder.
    pub journal: Option<PathBuf>,
    /// Replay the `feed` stream of this journal folder instead of the config's capture files.
    pub from_journal: Option<PathBuf>,
    /// Replay `from_journal` even if its `feed` stream is damaged or incomplete (warned).
    pub accept_incomplete: bool,
}

/// Resolve arguments and config into one validated config.
pub fn resolve(args: &Args) -> Result<Config, ConfigError> {
    resolve_noting(args, &mut Vec::new())
}

/// [`resolve`], adding to `notes` what the operator should be told on stderr (which config a
/// replay runs with).
pub fn resolve_noting(args: &Args, notes: &mut Vec<String>) -> Result<Config, ConfigError> {
    let mut cfg = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if let Some(dir) = &args.from_journal {
        cfg = replay_base(cfg, dir, args.config.as_deref(), notes)?;
    }
    if !args.data.is_empty() {
        cfg.data = args.data.clone();
    }
    if cfg.data.is_empty() && args.from_journal.is_none() {
        cfg.data.push(sample_data());
    }
    if args.exchange_info.is_some() {
        cfg.exchange_info = args.exchange_info.clone();
    }
    args.placement.apply(&mut cfg.placement);
    args.control_args.apply(&mut cfg.control)?;
    if let Some(p) = args.pace {
        if !(p > 0.0 && p.is_finite()) {
            return Err(ConfigError::Usage(format!("--pace {p}: must be a positive number")));
        }
    }
    if let Some(k) = args.keep_runs {
        cfg.journal.keep_runs = k;
    }
    if let Some(dir) = &args.from_journal {
        replay_config(&mut cfg, dir, args.exchange_info.is_some())?;
    }
    check(&mut cfg)?;
    Ok(cfg)
}

/// The config a replay of `dir` starts from: the one recorded in its `run.json`, unless `--config`
/// gave one (`loaded`, from `config_path`), which then overrides it (the differing keys are noted).
/// The recorded capture files are dropped: the journal's feed stream is the data.
pub fn replay_base(
    loaded: Config,
    dir: &Path,
    config_path: Option<&Path>,
    notes: &mut Vec<String>,
) -> Result<Config, ConfigError> {
    let run_file = dir.join(run_journal::RUN_FILE);
    let recorded = run_journal::read_meta(dir)?.and_then(|m| m.config);
    let mut cfg = match (config_path, recorded) {
        (None, Some(v)) => {
            let cfg = Config::from_json(&v).map_err(|e| {
                ConfigError::Usage(format!("{}: the recorded config cannot be read: {e}", run_file.display()))
            })?;
            notes.push(format!("replaying with the config recorded in {}", run_file.display()));
            cfg
        }
        (Some(path), Some(v)) => {
            let diffs: Vec<String> = json_differences(&v, &loaded.to_json())
                .into_iter()
                .filter(|(k, _, _)| k != "data")
                .map(|(k, was, now)| format!("{k} (recorded {was}, now {now})"))
                .collect();
            notes.push(format!(
                "--config {} overrides the config recorded in {}; differences: {}",
                path.display(),
                run_file.display(),
                if diffs.is_empty() { "none".to_string() } else { diffs.join(", ") }
            ));
            loaded
        }
        (None, None) => {
            notes.push(format!(
                "{} records no config (a journal written before configs were recorded): replaying with \
                 the defaults; pass --config to replay with another",
                run_file.display()
            ));
            loaded
        }
        (Some(path), None) => {
            notes.push(format!(
                "{} records no config: replaying with --config {}",
                run_file.display(),
                path.display()
            ));
            loaded
        }
    };
    cfg.data.clear();
    Ok(cfg)
}

/// The run options the arguments ask for (the default journal folder is named here).
pub fn run_options(args: &Args) -> Result<RunOptions, ConfigError> {
    let journal = args.journal.dir();
    if let Some(d) = &journal {
        run_journal::check_fresh(d)?;
    }
    let show_progress = !args.quiet && !args.json;
    Ok(RunOptions {
        show_progress,
        journal,
        from_journal: args.from_journal.clone(),
        accept_incomplete: args.accept_incomplete,
    })
}

/// A replay takes its instruments (ids are indices into the table) from the journal's `run.json`.
pub fn replay_config(cfg: &mut Config, dir: &Path, exchange_info_given: bool) -> Result<(), ConfigError> {
    let feed = dir.join("feed");
    if !feed.join(alphapulse_shm::META_FILE).is_file() {
        return Err(ConfigError::Usage(format!(
            "{} is not a backtest journal: it has no `feed` stream ({} missing)",
            dir.display(),
            feed.join(alphapulse_shm::META_FILE).display()
        )));
    }
    if let Some(meta) = run_journal::read_meta(dir)? {
        if cfg.symbols.is_empty() {
            cfg.symbols = meta.instruments;
        }
        if !exchange_info_given && cfg.exchange_info.is_none() {
            cfg.exchange_info = meta.exchange_info;
        }
    }
    Ok(())
}

/// A replay's source must be whole: the journal's `feed` stream closed cleanly (or by `journal
/// recover`), no segment missing, no bad byte (`alphapulse_shm::verify`). Otherwise an error naming
/// the problems, unless `accept`: then the problems are returned as warnings.
pub fn check_replay_source(dir: &Path, accept: bool) -> anyhow::Result<Vec<String>> {
    let feed = dir.join("feed");
    let v = alphapulse_shm::verify(&feed).with_context(|| format!("checking {}", feed.display()))?;
    let mut why: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
    if !v.is_complete() {
        why.insert(0, v.state.to_string());
    }
    if why.is_empty() {
        if let alphapulse_shm::StreamState::Ended(e) = v.state {
            if e.status == alphapulse_shm::EndStatus::Recovered {
                return Ok(vec![format!("{}: {}", feed.display(), e.status)]);
            }
        }
        return Ok(Vec::new());
    }
    let msg =
        format!("the journal's feed stream {} is damaged or incomplete: {}", feed.display(), why.join("; "));
    if !accept {
        anyhow::bail!(
            "{msg}. Refusing to replay it: --accept-incomplete replays what reads, \
             `alphapulse journal recover` closes it"
        );
    }
    Ok(vec![msg])
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
    if let Some(p) = cfg.exchange_info.as_ref().filter(|p| !p.is_file()) {
        return Err(ConfigError::Usage(format!("exchange info file {} does not exist", p.display())));
    }
    for f in &cfg.data {
        if !f.is_file() {
            return Err(ConfigError::Usage(format!("data file {} does not exist", f.display())));
        }
    }
    Ok(())
}

/// Keep the newest `keep` run folders of `runs/` counting the one about to be made (0: keep all),
/// naming each removed folder and its size on stderr.
pub fn prune_default_runs(keep: usize) {
    if keep == 0 {
        return;
    }
    let (removed, failed) = run_journal::prune_runs(Path::new(run_journal::RUNS_DIR), keep - 1);
    for p in &removed {
        eprintln!(
            "note: removed old run folder {} ({:.1} MB; keeping the newest {keep} runs, see --keep-runs)",
            p.path.display(),
            p.bytes as f64 / 1e6
        );
    }
    for f in &failed {
        eprintln!("warning: could not remove old run folder {f}");
    }
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
            if table.by_symbol(s).is_none() {
                // A config error (exit 2), not a failed run.
                return Err(ConfigError::Invalid {
                    key: "symbols".into(),
                    message: format!(
                        "unknown symbol `{s}`: not in {}",
                        cfg.exchange_info.as_ref().map_or("the sample's instruments".into(), |p| {
                            format!("the exchange info {}", p.display())
                        })
                    ),
                }
                .into());
            }
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
        return Err(ConfigError::Invalid {
            key: "exchange_info".into(),
            message: format!("none of the captures' symbols {wanted:?} is in the exchange info"),
        }
        .into());
    }
    Ok(only)
}

/// The five actors of a backtest, in chain order, and the feed's input size in bytes: the chain
/// [`execute`] runs, statically dispatched (see [`Stage`]).
pub fn build_stages(
    cfg: &Config,
    table: &InstrumentTable,
    progress: Option<Arc<AtomicU64>>,
) -> anyhow::Result<(Vec<Stage>, u64)> {
    let opts = FeedOptions { progress, ..FeedOptions::from_config(&cfg.feed) };
    let feed = FeedActor::open(&cfg.data, table, opts).context("opening the capture files")?;
    let total = feed.total_input_bytes();
    let mut actors = vec![Stage::Feed(Box::new(feed))];
    actors.extend(downstream(cfg, table)?);
    Ok((actors, total))
}

/// [`build_stages`], each behind a box: for code that wraps actors (tests, probes).
pub fn build_chain(
    cfg: &Config,
    table: &InstrumentTable,
    progress: Option<Arc<AtomicU64>>,
) -> anyhow::Result<(Vec<Box<dyn Actor>>, u64)> {
    let (stages, total) = build_stages(cfg, table, progress)?;
    Ok((stages.into_iter().map(Stage::boxed).collect(), total))
}

/// The chain of a replay: a [`JournalFeed`] over `journal`'s `feed` stream, then the same four
/// actors as [`build_stages`].
pub fn build_replay_chain(
    cfg: &Config,
    table: &InstrumentTable,
    journal: &Path,
) -> anyhow::Result<Vec<Stage>> {
    let feed = JournalFeed::open(journal.join("feed"))
        .with_context(|| format!("opening the feed stream of {}", journal.display()))?
        .lending_books(table, cfg.feed.book_levels);
    let mut actors = vec![Stage::Replay(Box::new(feed))];
    actors.extend(downstream(cfg, table)?);
    Ok(actors)
}

/// Everything after the feed, in chain order.
pub fn downstream(cfg: &Config, table: &InstrumentTable) -> anyhow::Result<Vec<Stage>> {
    let mut host = StrategyHost::new(&cfg.strategy, table, cfg.feed.book_levels)?;
    // `[[strategy.plugins]]`: plugin files and linked-in strategies, interchangeably.
    // A plugin or built-in that cannot be made from its entry (a missing file, bad params, a model
    // whose shape differs from its spec, no ONNX Runtime) is a config problem: exit status 2.
    alphapulse_plugin::add_configured(&mut host, &cfg.strategy, table)
        .map_err(|e| ConfigError::Invalid { key: "strategy.plugins".into(), message: e.to_string() })?;
    Ok(vec![
        Stage::Strategy(Box::new(host)),
        Stage::Risk(Box::new(RiskActor::new(cfg.risk.clone(), table)?)),
        Stage::Router(Box::new(RouterActor::new(cfg.router.clone(), table.len())?)),
        Stage::Sim(Box::new(SimGateway::new(cfg.sim.clone(), table, cfg.feed.book_levels)?)),
    ])
}

/// Build the chain, run it (not journaled), and fill the report from the actors' final state.
pub fn execute(cfg: &Config, show_progress: bool) -> anyhow::Result<Report> {
    execute_with(cfg, &RunOptions { show_progress, ..RunOptions::default() })
}

/// [`execute`] with a journal and/or a journal as the source.
pub fn execute_with(cfg: &Config, opts: &RunOptions) -> anyhow::Result<Report> {
    execute_controlled(cfg, opts, None)
}

/// [`execute_with`], steered over the control plane by `control` (`backtest --control`): the
/// replay paced and/or held at its end as asked, an operator on the control thread.
pub fn execute_controlled(
    cfg: &Config,
    opts: &RunOptions,
    control: Option<ControlRun>,
) -> anyhow::Result<Report> {
    let table = instruments(cfg)?;
    let progress = Arc::new(AtomicU64::new(0));
    let (actors, total) = match &opts.from_journal {
        Some(dir) => {
            for w in check_replay_source(dir, opts.accept_incomplete)? {
                eprintln!("warning: {w}");
            }
            if let Some(meta) = run_journal::read_meta(dir)? {
                let ours: Vec<&str> = table.iter().map(|i| i.symbol.as_str()).collect();
                if ours != meta.instruments {
                    return Err(ConfigError::Usage(format!(
                        "the instrument table {ours:?} differs from the journal's {:?} ({}): \
                         instrument ids would not match",
                        meta.instruments,
                        dir.join(run_journal::RUN_FILE).display()
                    ))
                    .into());
                }
            }
            (build_replay_chain(cfg, &table, dir)?, 0)
        }
        None => build_stages(cfg, &table, Some(progress.clone()))?,
    };
    let mut actors = actors;
    let placement = cfg.placement.resolve(&CHAIN)?;
    let spec = match &opts.journal {
        Some(dir) => {
            run_journal::check_fresh(dir)?;
            let names = Stage::strategy_names(&actors);
            run_journal::write_meta(dir, cfg, &table, opts.from_journal.as_deref(), names)?;
            Some(JournalSpec { dir: dir.clone(), stream: cfg.journal.stream(), on_full: cfg.journal.on_full })
        }
        None => None,
    };
    let bar = Progress::start(progress, total, opts.show_progress);
    let out: RunOutput<Stage> = match control {
        None => run_with(actors, &placement, Default::default(), spec.as_ref())?,
        Some(c) => {
            if let Some(Stage::Feed(f)) = actors.first_mut() {
                if let Some(speed) = c.pace {
                    f.set_pace(speed);
                }
                if let Some(h) = &c.hold {
                    f.hold_at_end(h.clone());
                }
            }
            let info = crate::operate::RunInfo {
                symbols: table.iter().map(|i| i.symbol.clone()).collect(),
                live: None,
                ring_capacity: placement.ring_capacity,
                clock: if placement.clock == ClockKind::Tsc { "tsc" } else { "event" },
                journal: opts.journal.clone(),
                halted: cfg.risk.halted,
                stale_after: c.stale_after,
                loader: crate::operate::Loader::of(&mut actors, &table, cfg),
            };
            run_steered(actors, &placement, spec.as_ref(), info, c)?
        }
    };
    drop(bar);
    if out.actor::<FeedActor>().is_some_and(FeedActor::stopped_early) {
        eprintln!(
            "note: stopped (SIGINT/SIGTERM) before the end of the data: the report covers the frames read"
        );
    }
    if let Some(e) = out.actor::<JournalFeed>().and_then(|f| f.error()) {
        if !opts.accept_incomplete {
            anyhow::bail!("the replay stopped at a bad record: {e}");
        }
        eprintln!("warning: the replay stopped at a bad record (--accept-incomplete): {e}");
    }
    Report::from_run(cfg, &table, &placement, &out)
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let mut notes = Vec::new();
    let cfg = resolve_noting(&args, &mut notes)?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    let opts = run_options(&args)?;
    if let Some(db) = &args.persist {
        // Refused before the run rather than after it.
        if !["sqlite:", "postgres://", "postgresql://"].iter().any(|p| db.starts_with(p)) {
            return Err(ConfigError::Usage(format!(
                "--persist {db}: expected sqlite:PATH or postgres://USER@HOST:PORT/DB"
            ))
            .into());
        }
    }
    if args.journal.is_default() {
        // Only the default location is pruned; this run's folder does not exist yet.
        prune_default_runs(cfg.journal.keep_runs);
    }
    let control = if args.control {
        // SIGINT/SIGTERM end the held run (the report is printed as usual).
        let hold = crate::run::stop_on_signals()?;
        let (c, path) = crate::operate::serve::socket_control(
            &cfg.control,
            args.pace,
            Some(hold),
            std::time::Duration::from_secs(5),
        )?;
        eprintln!(
            "control socket {} (alphapulse ctl --socket {} status); the engine stays up at the end of \
             the data until Ctrl-C or SIGTERM",
            path.display(),
            path.display()
        );
        Some(c)
    } else {
        None
    };
    let report = execute_controlled(&cfg, &opts, control)?;
    for w in report.warnings() {
        eprintln!("warning: {w}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.to_text());
    }
    if report.journal_stopped_run {
        eprintln!("error: the run stopped early: its journal's disk is full (see the report)");
        return Ok(ExitCode::from(1));
    }
    if let (Some(db), Some(dir)) = (&args.persist, &opts.journal) {
        // The slow path, after the run: the journal is closed, the hot threads have ended.
        let code = crate::persist::main(crate::persist::Args {
            journal: dir.clone(),
            db: db.clone(),
            follow: false,
            batch: 5000,
            interval: "1m".into(),
            status: None,
            priority: Default::default(), // not applied in-process
        })?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    if report.has_damaged_input() && !args.accept_damaged {
        eprintln!(
            "error: {} damaged input file(s): the results cover only the lines read before the damage \
             (exit {EXIT_DAMAGED}; --accept-damaged exits 0)",
            report.damaged_files.len()
        );
        return Ok(ExitCode::from(EXIT_DAMAGED));
    }
    Ok(ExitCode::SUCCESS)
}
