//! `alphapulse`: the operator binary.
//!
//! Subcommands live one per module; each parses its own arguments (clap) and returns an exit code.
//! Exit codes: 0 success, 1 the work failed (bad data, runtime error), 2 bad usage or config,
//! 3 a backtest read damaged input (`backtest --accept-damaged` exits 0 instead).
//! `ctl` has its own: 0 ok, 2 usage, 3 refused, 4 failed, 5 unreachable (`alphapulse ctl --help`).

use alphapulse_tools::ctl;
use alphapulse_tools::{
    backtest, config, dashboard, equities, evaluate, features, journal, persist, record, run,
};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// AlphaPulse: a low-latency trading engine. Market data → agents → risk → router → exchange.
#[derive(Parser)]
#[command(
    name = "alphapulse",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Exit codes: 0 ok, 1 the work failed, 2 bad usage or config, 3 a backtest read damaged \
                  input (a cut or corrupt gzip file, a read error; reported with file, byte offset and \
                  lines read; `backtest --accept-damaged` exits 0)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay captured market data through the whole actor chain into the simulated exchange and
    /// print a trading report.
    Backtest(backtest::Args),
    /// The slow agents over daily prices through the whole chain (risk, router, simulated
    /// exchange, report), filled at the next open with costs; returns, Sharpe, drawdown over days.
    BacktestEquities(equities::Args),
    /// Paper trading: the live Binance feed (or the local exchange simulator) through the whole
    /// chain into the simulated exchange, until Ctrl-C; then the report.
    Run(run::Args),
    /// Record live Binance frames and snapshots into gzip capture files (replayable by backtest).
    Record(record::Args),
    /// Inspect a run's journal: `stat`, `tail [-f]`, `export --format jsonl|csv`.
    Journal(journal::Args),
    /// Send a command to a running engine's control socket (status, halt, positions, set-limit, …;
    /// `alphapulse ctl --help` lists them with their levels and exit codes).
    Ctl(ctl::Args),
    /// Serve a run's journal (live or finished) over HTTP: JSON API, WebSocket, Prometheus
    /// /metrics and the web page; 127.0.0.1:8080 by default.
    Dashboard(dashboard::Args),
    /// Write a run's journal (orders, fills, positions, PnL, bars, signals, risk decisions, alerts)
    /// into SQLite or PostgreSQL, exactly once; resumes after any stop. Options from flags or the
    /// `[persist]` table of --config.
    Persist(persist::Args),
    /// Evaluate the slow agents (fundamental, value, Buffett, activist) on daily prices: hit rate
    /// and information coefficient against forward returns per horizon, and a daily long/flat/short
    /// backtest with costs against buy-and-hold; with the period and sample size.
    Evaluate(evaluate::Args),
    /// Export the ML agent's microstructure features (engine/ml's FeatureSet) with future-mid labels
    /// from captures or a journal, as CSV for training (tools/models/train_micro.py).
    Features(features::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Backtest(args) => backtest::main(args),
        Command::BacktestEquities(args) => equities::main(args),
        Command::Run(args) => run::main(args),
        Command::Record(args) => record::main(args),
        Command::Journal(args) => journal::main(args),
        Command::Ctl(args) => ctl::main(args),
        // The slow path lowers its priority before it starts a thread (see `slow_priority`).
        Command::Dashboard(args) => {
            args.priority.apply().map_err(Into::into).and_then(|()| dashboard::main(args))
        }
        Command::Persist(args) => {
            args.priority.apply().map_err(Into::into).and_then(|()| persist::main(args))
        }
        Command::Evaluate(args) => evaluate::main(args),
        Command::Features(args) => features::main(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(e.downcast_ref::<config::ConfigError>().map_or(1, |_| 2))
        }
    }
}
