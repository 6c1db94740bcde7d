//! `alphapulse evaluate`: each slow agent (fundamental, value, Buffett, activist, and sentiment
//! when asked for; crate `alphapulse-agents`) evaluated on daily prices, honestly and however
//! modest the result.
//!
//! On every trading day `D` of the period an agent gives its signal at `D`'s close (it sees only
//! data dated `≤ D`); the signal trades at the next open. Per agent × ticker:
//! - [`stats`]: forward open-to-open returns, hit rate (against the share of up days) and the
//!   Spearman information coefficient, per horizon;
//! - [`daily`]: a long/flat/short backtest with costs per change of position, and buy-and-hold;
//! - [`report`]: the report's shape and [`report::evaluate_signals`] (the alignment), [`text`]
//!   renders it; [`data`]: the equities folder, tickers, the agents, [`EvalError`].

pub mod daily;
pub mod data;
pub mod report;
pub mod stats;
pub mod text;

use alphapulse_agents::Date;
use daily::{backtest, Sizing};
pub use data::EvalError;
use data::{AgentKind, Agents, TickerData};
use report::{evaluate_signals, Report, Skipped, TickerReport};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "What is measured, for each agent × ticker, on every trading day D of the period:\n\
- the agent's signal at D's close, from data dated ≤ D only; it trades at the NEXT day's open;\n\
- hit rate at each horizon h: share of days with a non-zero signal whose sign matches the sign of the\n  \
  forward return open(D+1) → open(D+1+h), next to `up share` (what an always-long signal scores);\n\
- IC: Spearman rank correlation of the score with that forward return, with n (with one ticker it\n  \
  is a time-series IC: one stock's days, not a cross-section of stocks);\n\
- a daily backtest: position from the signal, entered at the next open, costs per unit of position\n  \
  change; total and annualised return, volatility, Sharpe (rf = 0, 252 days), max drawdown, trades,\n  \
  exposure; and buy-and-hold over the same days.\n\n\
The data is the shared real data folder (../shared/data/equities), which is not shipped in the repo.\n\
Only AAPL has both daily prices and SEC facts there: the sample is one stock over five years, and\n\
slow signals change a few times a year.\n\n\
Sentiment (`--agents sentiment`, not in the default set: it needs the ONNX Runtime library of\n\
tools/setup.sh): stocknet tweets (AAPL 2015; BAC, GE, KO, WFC, BRK-A 2014-2015) scored once by\n\
tools/models/sentiment/sentiment.onnx; the signal at D's close is the mean p_bull - p_bear of the\n\
tweets created in the 3 days up to D 20:00 UTC (16:00 New York in summer, 15:00 in winter: never\n\
after the close), at least 5 of them, else no signal. Tickers without SEC facts are allowed for it.\n\
Exit codes: 0 ok, 1 bad data, 2 bad usage or data not found.")]
pub struct Args {
    /// The equities folder (prices-kaggle/, stocknet/price/raw/, sec/). Default:
    /// $ALPHAPULSE_SHARED_DATA/equities, else ../shared/data/equities from the current folder,
    /// else next to the repo this binary was built from.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Tickers, comma-separated. Default: every ticker with both daily prices and SEC company
    /// facts (AAPL in the shared data).
    #[arg(long, value_delimiter = ',', value_name = "T,..")]
    pub tickers: Vec<String>,
    /// Agents, comma-separated. Default: fundamental, value, buffett, activist (sentiment only
    /// when named).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "AGENT,..")]
    pub agents: Vec<AgentKind>,
    /// Forward-return horizons in trading days, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,5,20,60", value_name = "DAYS,..")]
    pub horizons: Vec<usize>,
    /// First trading day of the period (YYYY-MM-DD). Default: the price file's first day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub from: Option<Date>,
    /// Last trading day of the period (YYYY-MM-DD). Default: the price file's last day.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub to: Option<Date>,
    /// Cost in bps of capital per unit of position change (entering long: 1 unit; flipping long
    /// to short: 2).
    #[arg(long, default_value_t = 5.0, value_parser = parse_cost, value_name = "BPS")]
    pub cost_bps: f64,
    /// How a score becomes a position.
    #[arg(long, value_enum, default_value_t = Sizing::Sign)]
    pub position: Sizing,
    /// The sentiment agent's ONNX model. Default: tools/models/sentiment/sentiment.onnx of the
    /// repo this binary was built from.
    #[arg(long, value_name = "FILE")]
    pub sentiment_model: Option<PathBuf>,
    /// Print the report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse_iso(s).ok_or_else(|| format!("{s:?} is not a YYYY-MM-DD date"))
}

fn parse_cost(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a cost in bps (a number ≥ 0)")),
    }
}

/// The equities folder to read when `--data` is not given (see `Args::data`).
pub fn default_data_dir() -> PathBuf {
    if let Some(v) = std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        return PathBuf::from(v).join("equities");
    }
    let here = PathBuf::from("../shared/data/equities");
    if here.is_dir() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/equities")
}

/// The sentiment model to use when `--sentiment-model` is not given.
pub fn default_sentiment_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/sentiment/sentiment.onnx")
}

/// Runs the evaluation the arguments ask for.
pub fn evaluate(args: &Args) -> Result<Report, EvalError> {
    let dir = args.data.clone().unwrap_or_else(default_data_dir);
    data::check_dir(&dir)?;
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from > to {
            return Err(EvalError::BadPeriod { from, to });
        }
    }
    let mut horizons = args.horizons.clone();
    horizons.sort_unstable();
    horizons.dedup();
    if horizons.is_empty() || horizons[0] == 0 {
        return Err(EvalError::BadHorizon("a horizon must be at least 1 trading day".into()));
    }
    let kinds = if args.agents.is_empty() { AgentKind::ALL.to_vec() } else { args.agents.clone() };
    let sentiment = kinds.contains(&AgentKind::Sentiment);
    let tickers = if !args.tickers.is_empty() {
        args.tickers.iter().map(|t| t.trim().to_ascii_uppercase()).collect()
    } else if sentiment && kinds.len() == 1 {
        data::sentiment_tickers(&dir)
    } else {
        data::default_tickers(&dir)?
    };
    if tickers.is_empty() {
        return Err(EvalError::NoTickers(dir));
    }
    let loaded = tickers.iter().map(|t| data::load_ticker(&dir, t)).collect::<Result<Vec<_>, _>>()?;
    let mut agents = Agents::new(&loaded);
    if sentiment {
        let model = args.sentiment_model.clone().unwrap_or_else(default_sentiment_model);
        agents.add_sentiment(&dir, &tickers, &model)?;
    }
    let mut out = Vec::new();
    for t in &loaded {
        out.push(ticker_report(args, t, &agents, &kinds, &horizons)?);
    }
    let ic_kind = if out.len() == 1 { "time-series (one ticker)" } else { "time-series per ticker" };
    Ok(Report {
        data: dir.display().to_string(),
        from: args.from.map(|d| d.to_string()),
        to: args.to.map(|d| d.to_string()),
        horizons,
        cost_bps: args.cost_bps,
        sizing: args.position,
        ic_kind: ic_kind.to_string(),
        notes: notes(out.len(), sentiment),
        tickers: out,
    })
}

fn ticker_report(
    args: &Args,
    t: &TickerData,
    agents: &Agents,
    kinds: &[AgentKind],
    horizons: &[usize],
) -> Result<TickerReport, EvalError> {
    let px = &t.prices;
    let lo = args.from.map_or(0, |f| px.dates.partition_point(|&d| d < f));
    let hi = args.to.map_or(px.dates.len(), |to| px.dates.partition_point(|&d| d <= to));
    if hi < lo + 2 {
        return Err(EvalError::EmptyPeriod {
            ticker: t.ticker.clone(),
            prices: px.source.clone(),
            from: args.from.map_or("start".into(), |d| d.to_string()),
            to: args.to.map_or("end".into(), |d| d.to_string()),
        });
    }
    let (dates, open) = (&px.dates[lo..hi], &px.open[lo..hi]);
    let hold = vec![1.0; open.len() - 1];
    let buy_and_hold = backtest(open, &hold, args.cost_bps).ok_or_else(|| EvalError::EmptyPeriod {
        ticker: t.ticker.clone(),
        prices: px.source.clone(),
        from: dates[0].to_string(),
        to: dates[dates.len() - 1].to_string(),
    })?;
    let (mut reports, mut skipped) = (Vec::new(), Vec::new());
    for &kind in kinds {
        let no_tweets = kind == AgentKind::Sentiment && !agents.sentiment_inputs.contains_key(&t.ticker);
        let missing = if no_tweets {
            Some("no stocknet/tweet/preprocessed/<T>/ tweets")
        } else {
            data::missing_input(kind, t)
        };
        if let Some(why) = missing {
            skipped.push(Skipped { agent: kind.name().into(), why: why.into() });
            continue;
        }
        let signals: Vec<Option<(i32, Date)>> =
            dates.iter().map(|&d| agents.signal(kind, &t.ticker, d).map(|s| (s.score, s.as_of))).collect();
        if let Some(r) = evaluate_signals(kind.name(), open, &signals, horizons, args.cost_bps, args.position)
        {
            reports.push(r);
        }
    }
    Ok(TickerReport {
        ticker: t.ticker.clone(),
        prices: px.source.display().to_string(),
        inputs: inputs(t, agents),
        first_date: dates[0].to_string(),
        last_date: dates[dates.len() - 1].to_string(),
        days: dates.len(),
        first_open: open[0],
        last_open: open[open.len() - 1],
        buy_and_hold,
        agents: reports,
        skipped,
    })
}

/// What the SEC files of `t` cover: an agent is silent before its input starts.
fn inputs(t: &TickerData, agents: &Agents) -> Vec<String> {
    let mut out: Vec<String> = agents.sentiment_inputs.get(&t.ticker).into_iter().cloned().collect();
    if let Some((p, f)) = &t.facts {
        out.push(format!("{}: {} facts in {} concepts", p.display(), f.accepted, f.concepts()));
    }
    if let Some((p, s)) = &t.submissions {
        let first = s.filings.iter().map(|f| f.filing_date).min();
        let last = s.filings.iter().map(|f| f.filing_date).max();
        if let (Some(a), Some(b)) = (first, last) {
            out.push(format!(
                "{}: {} filings {a} … {b} (the activist agent is silent before {a})",
                p.display(),
                s.filings.len()
            ));
        }
    }
    out
}

fn notes(tickers: usize, sentiment: bool) -> Vec<String> {
    let mut n = Vec::new();
    if sentiment {
        n.push(
            "Sentiment: stocknet tweets exist for 2015 (AAPL) or 2014-2015 (others) only; outside that \
             the agent is silent (no position), so read its figures over --from/--to inside the tweet \
             period. The model was trained on finance news headlines, the tweets are retail chatter \
             (domain shift, no labels to measure it). Tweet time is `created_at` (UTC), cut at D \
             20:00 UTC."
                .into(),
        );
    }
    if tickers == 1 {
        n.push(
            "One ticker: the IC correlates one stock's signal with its own later returns across days \
             (a time-series IC), not across stocks."
                .into(),
        );
    }
    n.extend(
        [
            "Slow signals: fundamental and Buffett move only when a 10-K/10-Q is filed (a few times a \
             year), activist only around 8-K/13G events, value daily with the price but rarely in sign. \
             Days share the same signal, so the information in n days is closer to the number of \
             changes than to n.",
            "Forward windows overlap for h > 1 (consecutive days share most of their return): the \
             effective sample is about n / h, and at 60 days it is a handful of independent periods.",
            "A hit rate means something only next to `up share`: an always-long signal scores the \
             share of up days. With a stock that rose over the period, long-biased agents look good \
             for that reason alone.",
            "No look-ahead: each agent sees facts filed ≤ D, filings acting from the trading day after \
             they were filed, and closes ≤ D; trades happen at the next open. Agent parameters are \
             hand-set priors, not fitted on these prices.",
            "Prices are split-adjusted but not dividend-adjusted: returns (buy-and-hold included) leave \
             out dividends.",
            "However modest, these are the figures: one stock, five years, default parameters; none is \
             evidence of skill on its own.",
        ]
        .map(String::from),
    );
    n
}

/// `alphapulse evaluate`.
pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    match evaluate(&args) {
        Ok(r) if args.json => println!("{}", serde_json::to_string_pretty(&r)?),
        Ok(r) => print!("{}", text::render(&r)),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(if e.is_usage() { 2 } else { 1 }));
        }
    }
    Ok(ExitCode::SUCCESS)
}
