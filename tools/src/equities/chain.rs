//! The equities chain: config defaults and sizing, the actors ([`DailyBars`] → strategy host with
//! one `board` strategy per slow agent → risk → router → simulated exchange), the run on one
//! thread, and what it reports ([`EquitiesRun`]).

use super::bars::{DailyBars, POLL_PERIOD_NS};
use super::summary::{figures, DailyFigures};
use crate::backtest::CHAIN;
use crate::config::{Config, ConfigError};
use crate::report::Report;
use crate::stage::Stage;
use alphapulse_agents::prices::PriceSeries;
use alphapulse_agents::Date;
use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{run_with, ClockKind};
use alphapulse_strategy::{PluginEntry, SlowAgent, SlowRunner, SlowRunnerConfig, SlowStats, StrategyHost};
use alphapulse_types::{Instrument, InstrumentId, InstrumentTable, Money, Price, Qty};
use anyhow::Context;
use serde_json::{json, Value};
use std::fmt::Write;

/// The built-in default config (tools/config/equities.toml).
pub const DEFAULT_TOML: &str = include_str!("../../config/equities.toml");

/// [`DEFAULT_TOML`], parsed and validated.
pub fn default_config() -> Result<Config, ConfigError> {
    let cfg: Config = toml::from_str(DEFAULT_TOML).map_err(|e| ConfigError::Parse {
        path: "tools/config/equities.toml (built in)".into(),
        message: e.to_string(),
    })?;
    cfg.validate()?;
    Ok(cfg)
}

/// What to run: the tickers (one instrument each, in order) and their daily prices.
#[derive(Clone, Debug, Default)]
pub struct RunSpec {
    pub tickers: Vec<String>,
    pub series: Vec<PriceSeries>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Fee in bps of each fill's notional (overrides `[sim]`'s fees).
    pub cost_bps: Option<f64>,
    /// Shares per ticker; default: the starting cash split across the tickers at the first open.
    pub shares: Option<u64>,
}

/// One slow agent's lot at the end of a run.
#[derive(Clone, Debug)]
pub struct AgentLine {
    pub slow: SlowStats,
    /// Signals its `board` strategy passed to the aggregator.
    pub signals: u64,
    /// Of those, found stale by the aggregator (past their TTL) and retired.
    pub expired: u64,
}

/// What an equities run gives.
pub struct EquitiesRun {
    /// The backtest's report, as `alphapulse backtest` prints it.
    pub report: Report,
    pub tickers: Vec<String>,
    pub shares: u64,
    pub events: usize,
    pub agents: Vec<AgentLine>,
    /// Equity at each day's close.
    pub daily_equity: Vec<(String, f64)>,
    pub figures: Option<DailyFigures>,
    /// The fills the ledger saw (`bars::FillSeen`).
    pub fills: Vec<super::bars::FillSeen>,
}

fn instrument(k: usize, ticker: &str) -> Instrument {
    Instrument {
        id: InstrumentId(k as u32),
        symbol: ticker.to_string(),
        base: ticker.to_string(),
        quote: "USD".into(),
        tick: Price::from_raw(1_000_000), // 0.01
        lot: Qty::from_units(1),
        min_qty: Qty::from_units(1),
        min_notional: Money::from_units(1),
    }
}

/// The prices of the period: (first open, highest price) over every ticker.
fn period_prices(spec: &RunSpec) -> (Option<f64>, f64) {
    let mut first: Option<f64> = None;
    let mut high = 0.0f64;
    for s in &spec.series {
        let in_period = |d: &Date| spec.from.is_none_or(|f| *d >= f) && spec.to.is_none_or(|t| *d <= t);
        for (i, _) in s.dates.iter().enumerate().filter(|(_, d)| in_period(d)) {
            if i == 0 || !in_period(&s.dates[i - 1]) {
                first = Some(first.map_or(s.open[i], |f: f64| f.max(s.open[i])));
            }
            high = high.max(s.open[i]).max(s.close[i]);
        }
    }
    (first, high)
}

/// Set the sizing keys from `shares` (see `--help`) and the fees from `cost_bps`.
fn size(cfg: &mut Config, spec: &RunSpec) -> anyhow::Result<u64> {
    let (first, high) = period_prices(spec);
    let Some(first) = first else {
        return Err(ConfigError::Usage(format!(
            "no trading day of {} inside the period {} … {}",
            spec.tickers.join(", "),
            spec.from.map_or("start".into(), |d| d.to_string()),
            spec.to.map_or("end".into(), |d| d.to_string())
        ))
        .into());
    };
    let cash = cfg.risk.initial_cash.to_f64();
    let n = match spec.shares {
        Some(n) => n,
        None => (cash / spec.tickers.len().max(1) as f64 / first).floor() as u64,
    };
    if n == 0 || n > 1_000_000_000 {
        return Err(ConfigError::Usage(format!(
            "{n} shares per ticker: give --shares N in 1..=1000000000 (or more [risk].initial_cash)"
        ))
        .into());
    }
    let (one, two) = (Qty::from_units(n as i64), Qty::from_units(2 * n as i64));
    let agg = &mut cfg.strategy.aggregator;
    agg.order_qty = two;
    agg.max_position = one;
    cfg.risk.max_position = one;
    cfg.risk.max_order_qty = two;
    let need = Money::from_raw((2.0 * n as f64 * high * 1e8).ceil().min(i64::MAX as f64) as i64);
    if cfg.risk.max_order_notional < need {
        cfg.risk.max_order_notional = need;
    }
    if let Some(bps) = spec.cost_bps {
        let ppm = (bps * 100.0).round() as i64;
        cfg.sim.maker_fee_ppm = ppm;
        cfg.sim.taker_fee_ppm = ppm;
    }
    Ok(n)
}

/// Run `agents` over `spec` with `cfg` (its `[strategy.aggregator]`, `[risk]`, `[router]`,
/// `[sim]`; one thread, event time). Each agent gets a `board` strategy of its name unless the
/// config lists one.
pub fn run(mut cfg: Config, spec: &RunSpec, agents: Vec<Box<dyn SlowAgent>>) -> anyhow::Result<EquitiesRun> {
    if agents.is_empty() {
        return Err(ConfigError::Usage("no slow agent to run (--agents)".into()).into());
    }
    if spec.tickers.len() != spec.series.len() || spec.tickers.is_empty() {
        return Err(ConfigError::Usage("one price series per ticker, at least one".into()).into());
    }
    let shares = size(&mut cfg, spec)?;
    for a in &agents {
        if !cfg.strategy.plugins.iter().any(|e| e.name == a.name()) {
            cfg.strategy.plugins.push(PluginEntry {
                name: a.name().to_string(),
                path: None,
                builtin: Some(alphapulse_plugin::board::BOARD.to_string()),
                weight: None,
                budget_ns: 0,
                params: Default::default(),
            });
        }
    }
    // One thread: the runner is stepped by the source, before the host sees the event.
    cfg.placement.threads.clear();
    cfg.placement.clock = ClockKind::Event;
    cfg.validate()?;
    let mut table = InstrumentTable::new();
    for (k, t) in spec.tickers.iter().enumerate() {
        table.add(instrument(k, t)).with_context(|| format!("ticker {t}"))?;
    }
    let board = alphapulse_plugin::board_for(&cfg.strategy, table.len())?
        .ok_or_else(|| anyhow::anyhow!("no `board` strategy in the config"))?;
    let levels = cfg.feed.book_levels.min(16);
    let mut host = StrategyHost::new(&cfg.strategy, &table, levels)?;
    let added = alphapulse_plugin::add_configured_with(&mut host, &cfg.strategy, &table, Some(&board))
        .context("adding the board strategies")?;
    let mut runner = SlowRunner::new(board, SlowRunnerConfig { period_ns: POLL_PERIOD_NS, nice: 0 })?;
    let mut names = Vec::new();
    for a in agents {
        names.push(a.name().to_string());
        runner.add(a)?;
    }
    let bars = DailyBars::new(&spec.series, &table, spec.from, spec.to, runner, cfg.risk.initial_cash);
    let events = bars.events().len();
    let actors = vec![
        Stage::Other(Box::new(bars)),
        Stage::Strategy(Box::new(host)),
        Stage::Risk(Box::new(RiskActor::new(cfg.risk.clone(), &table)?)),
        Stage::Router(Box::new(RouterActor::new(cfg.router.clone(), table.len())?)),
        Stage::Sim(Box::new(SimGateway::new(cfg.sim.clone(), &table, levels)?)),
    ];
    let placement = cfg.placement.resolve(&CHAIN)?;
    let out = run_with(actors, &placement, Default::default(), None)?;
    let mut report = Report::from_run(&cfg, &table, &placement, &out)?;
    let bars = out.actor::<DailyBars>().ok_or_else(|| anyhow::anyhow!("the chain lost its source"))?;
    let host = out.actor::<StrategyHost>().ok_or_else(|| anyhow::anyhow!("the chain has no host"))?;
    report.files = spec.series.iter().map(|s| s.source.display().to_string()).collect();
    report.events = events as u64;
    report.events_per_sec = events as f64 / report.elapsed_sec.max(1e-9);
    report.messages_by_type = [("book_ticker".to_string(), json!(events))].into_iter().collect();
    let hs = host.stats();
    let agents = runner_lines(bars.runner().stats(), &names, &cfg, &added, hs.agents, host);
    let daily_equity: Vec<(String, f64)> =
        bars.daily_equity().iter().map(|(d, e)| (d.to_string(), *e)).collect();
    Ok(EquitiesRun {
        figures: figures(cfg.risk.initial_cash.to_f64(), &daily_equity),
        report,
        tickers: spec.tickers.clone(),
        shares,
        events,
        agents,
        daily_equity,
        fills: bars.fills().to_vec(),
    })
}

fn runner_lines(
    slow: Vec<SlowStats>,
    names: &[String],
    cfg: &Config,
    added: &[usize],
    stats: &[alphapulse_strategy::AgentStats],
    host: &StrategyHost,
) -> Vec<AgentLine> {
    slow.into_iter()
        .zip(names)
        .map(|(s, name)| {
            let k = cfg.strategy.plugins.iter().position(|e| &e.name == name).and_then(|i| added.get(i));
            let signals = k.and_then(|&k| stats.get(k)).map_or(0, |a| a.signals);
            let expired = k.map_or(0, |&k| host.aggregator().expired_signals(k));
            AgentLine { slow: s, signals, expired }
        })
        .collect()
}

impl EquitiesRun {
    /// The equities section of the text report.
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        let (first, last) = match (self.daily_equity.first(), self.daily_equity.last()) {
            (Some(a), Some(b)) => (a.0.as_str(), b.0.as_str()),
            _ => ("-", "-"),
        };
        let _ = writeln!(s, "equities");
        let _ = writeln!(
            s,
            "  tickers           {} ({} shares each, long or short; {} trading days, {} quotes)",
            self.tickers.join(", "),
            self.shares,
            self.daily_equity.len(),
            self.events
        );
        let _ = writeln!(s, "  period            {first} … {last}");
        let _ = writeln!(s, "  slow agents       (polled at each open as of the previous close)");
        for a in &self.agents {
            let state = if a.slow.panicked {
                "PANICKED: never asked again, its last signal goes stale"
            } else {
                "ok"
            };
            let _ = writeln!(
                s,
                "    {:<12}    polls {}  published {}  signals {}  expired {}  {state}",
                a.slow.name, a.slow.polls, a.slow.published, a.signals, a.expired
            );
        }
        match &self.figures {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "  over days         equity {:.2} → {:.2}: return {:+.2} % (annual {:+.2} %), volatility {:.2} %, Sharpe {}, max drawdown {:.2} % ({} days)",
                    f.start_equity,
                    f.end_equity,
                    100.0 * f.total_return,
                    100.0 * f.annual_return,
                    100.0 * f.annual_volatility,
                    f.sharpe.map_or("-".into(), |x| format!("{x:.2}")),
                    100.0 * f.max_drawdown,
                    f.days
                );
            }
            None => {
                let _ = writeln!(s, "  over days         no trading day");
            }
        }
        s
    }

    /// The equities section as JSON.
    pub fn summary_json(&self) -> Value {
        json!({
            "tickers": self.tickers,
            "shares": self.shares,
            "events": self.events,
            "days": self.daily_equity.len(),
            "agents": self.agents.iter().map(|a| json!({
                "name": a.slow.name, "polls": a.slow.polls, "published": a.slow.published,
                "clamped": a.slow.clamped, "panicked": a.slow.panicked,
                "signals": a.signals, "expired": a.expired,
            })).collect::<Vec<_>>(),
            "daily": self.figures,
        })
    }
}
