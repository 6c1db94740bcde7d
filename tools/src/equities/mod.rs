//! `alphapulse backtest-equities`: the slow agents (fundamental, value, Buffett, activist, and
//! sentiment when asked for) run
//! through the engine's own chain over daily prices — board agents → aggregator → risk → router →
//! simulated exchange → portfolio and report — filled at the next open with costs.
//!
//! - [`clock`]: New York open/close times (DST) and the date an agent may know at a time;
//! - [`adapter`]: [`EquityAgent`], an `alphapulse-agents` agent as an engine `SlowAgent`;
//! - [`bars`]: [`DailyBars`], the source actor (daily quotes, the slow agents stepped by event
//!   time, the daily equity ledger);
//! - [`chain`]: the config defaults, sizing and the run ([`run`], [`EquitiesRun`]);
//! - [`summary`]: return, volatility, Sharpe and drawdown over days.

pub mod adapter;
pub mod bars;
pub mod chain;
pub mod clock;
pub mod summary;

pub use adapter::EquityAgent;
pub use bars::DailyBars;
pub use chain::{default_config, run, EquitiesRun, RunSpec};

use crate::evaluate::data::{self, AgentKind, Agents};
use alphapulse_agents::Date;
use alphapulse_strategy::SlowAgent;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "What runs: per trading day of each ticker, two quotes go down the engine's chain: the open\n\
(09:30 New York) and the close (16:00), each bid = price − 1 tick, ask = price + 1 tick (tick 0.01,\n\
lot 1 share). Before each quote the slow agents are stepped by its time; they are polled at each\n\
open, as of the previous close (they see only data dated up to it), and publish on the board.\n\
Their `board` strategies pass each publication to the aggregator (weights and TTLs from\n\
[strategy.aggregator]), whose intent (an IOC at the open's ask or bid) goes through risk and the\n\
router to the simulated exchange, which fills it at that open's price with the fees of [sim]\n\
(--cost-bps). So a signal from data up to day D trades at D+1's open, as in `alphapulse evaluate`.\n\n\
Sizing: N shares per ticker (--shares; default: the starting cash [risk].initial_cash split across\n\
the tickers, at the highest first open). It sets aggregator.max_position = risk.max_position = N and\n\
aggregator.order_qty = risk.max_order_qty = 2N (a reversal is one order), and raises\n\
risk.max_order_notional to 2N × the period's highest price if it is lower.\n\n\
Printed: the backtest report (orders, fills, fees, PnL, drawdown, each agent's signals), then per\n\
slow agent its polls, publications, expired signals and whether it panicked (a panicking agent\n\
is never asked again; its last signal goes stale), and over days: total and annual return,\n\
volatility, Sharpe (rf = 0, 252 days) and max drawdown. Not journaled.\n\n\
Sentiment (--agents sentiment): stocknet tweets scored once at load by the ONNX model\n\
(--sentiment-model); polled at D+1's open it answers as of D 20:00 UTC (the mean p_bull - p_bear\n\
of the tweets of the 3 days up to then, at least 5), as in `alphapulse evaluate`.\n\n\
Data: the shared equities folder (prices-kaggle/, stocknet/price/raw/, stocknet/tweet/, sec/), as\n\
`alphapulse evaluate`. Exit codes: 0 ok, 1 the run failed or bad data, 2 bad usage, config, or data not found."
)]
pub struct Args {
    /// The equities folder. Default: $ALPHAPULSE_SHARED_DATA/equities, else
    /// ../shared/data/equities (as `alphapulse evaluate`).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Tickers, comma-separated (one instrument each). Default: every ticker with daily prices and
    /// SEC company facts (AAPL in the shared data).
    #[arg(long, value_delimiter = ',', value_name = "T,..")]
    pub tickers: Vec<String>,
    /// Slow agents, comma-separated. Default: all.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "AGENT,..")]
    pub agents: Vec<AgentKind>,
    /// First trading day (YYYY-MM-DD). Default: the price file's first day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub from: Option<Date>,
    /// Last trading day (YYYY-MM-DD). Default: the price file's last day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub to: Option<Date>,
    /// Fee per fill in bps of its notional (sets [sim] maker_fee_ppm and taker_fee_ppm); the
    /// one-tick half spread comes on top.
    #[arg(long, default_value_t = 5.0, value_parser = parse_cost, value_name = "BPS")]
    pub cost_bps: f64,
    /// Shares per ticker held long or short (see Sizing below).
    #[arg(long, value_name = "N")]
    pub shares: Option<u64>,
    /// The sentiment agent's ONNX model (with `--agents sentiment`). Default:
    /// tools/models/sentiment/sentiment.onnx of the repo this binary was built from.
    #[arg(long, value_name = "FILE")]
    pub sentiment_model: Option<PathBuf>,
    /// TOML config (every key optional; default: tools/config/equities.toml, built in).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Print one JSON object ({"report": …, "equities": …}) instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse_iso(s).ok_or_else(|| format!("{s:?} is not a YYYY-MM-DD date"))
}

fn parse_cost(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=10_000.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a cost in bps (a number in 0..=10000)")),
    }
}

/// `alphapulse backtest-equities`.
pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = match &args.config {
        Some(p) => crate::config::Config::load(p)?,
        None => default_config()?,
    };
    let dir = args.data.clone().unwrap_or_else(crate::evaluate::default_data_dir);
    let kinds = if args.agents.is_empty() { AgentKind::ALL.to_vec() } else { args.agents.clone() };
    let sentiment = kinds.contains(&AgentKind::Sentiment);
    let tickers = if args.tickers.is_empty() && sentiment && kinds.len() == 1 {
        data::check_dir(&dir).map(|()| data::sentiment_tickers(&dir))
    } else if args.tickers.is_empty() {
        data::default_tickers(&dir)
    } else {
        data::check_dir(&dir).map(|()| args.tickers.iter().map(|t| t.trim().to_ascii_uppercase()).collect())
    };
    let loaded = match tickers.and_then(|ts| ts.iter().map(|t| data::load_ticker(&dir, t)).collect()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(if e.is_usage() { 2 } else { 1 }));
        }
    };
    let loaded: Vec<data::TickerData> = loaded;
    let names: Arc<Vec<String>> = Arc::new(loaded.iter().map(|t| t.ticker.clone()).collect());
    let mut all = Agents::new(&loaded);
    if sentiment {
        let model = args.sentiment_model.clone().unwrap_or_else(crate::evaluate::default_sentiment_model);
        if let Err(e) = all.add_sentiment(&dir, &names, &model) {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(if e.is_usage() { 2 } else { 1 }));
        }
        for line in names.iter().filter_map(|t| all.sentiment_inputs.get(t)) {
            eprintln!("{line}");
        }
    }
    let all = Arc::new(all);
    let agents: Vec<Box<dyn SlowAgent>> = kinds
        .iter()
        .map(|&k| Box::new(EquityAgent::new(k, all.clone(), names.clone())) as Box<dyn SlowAgent>)
        .collect();
    let spec = RunSpec {
        tickers: names.to_vec(),
        series: loaded.iter().map(|t| (*t.prices).clone()).collect(),
        from: args.from,
        to: args.to,
        cost_bps: Some(args.cost_bps),
        shares: args.shares,
    };
    let out = run(cfg, &spec, agents)?;
    for w in out.report.warnings() {
        eprintln!("warning: {w}");
    }
    for a in out.agents.iter().filter(|a| a.slow.panicked) {
        eprintln!(
            "warning: slow agent `{}` panicked after {} polls: never asked again, its last signal went stale",
            a.slow.name, a.slow.polls
        );
    }
    if args.json {
        let v = serde_json::json!({ "report": out.report.to_json(), "equities": out.summary_json() });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", out.report.to_text());
        print!("{}", out.summary_text());
    }
    Ok(ExitCode::SUCCESS)
}
