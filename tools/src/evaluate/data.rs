//! The equities data folder (`../shared/data/equities`, not shipped in the repo): which tickers
//! have what, loading them, and the slow agents built over them (the sentiment agent on request:
//! it needs the ONNX Runtime library and the stocknet tweets).

use alphapulse_agents::activist::{ActivistAgent, EventConfig};
use alphapulse_agents::buffett::BuffettAgent;
use alphapulse_agents::fundamental::FundamentalAgent;
use alphapulse_agents::prices::PriceSeries;
use alphapulse_agents::sec::facts::CompanyFacts;
use alphapulse_agents::sec::submissions::Submissions;
use alphapulse_agents::sentiment::{self, MlError, SentimentAgent, SentimentConfig};
use alphapulse_agents::value::{ValueAgent, ValueConfig};
use alphapulse_agents::{AgentSignal, Date, LoadError};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(
        "equities data folder {0} not found: it is the shared real data (../shared/data/equities \
         next to the repo, or $ALPHAPULSE_SHARED_DATA/equities), not shipped in the repo; pass --data DIR"
    )]
    NoDataDir(PathBuf),
    #[error("{ticker}: no daily prices: neither {kaggle} nor {stocknet} exists (the ../shared data)")]
    NoPrices { ticker: String, kaggle: PathBuf, stocknet: PathBuf },
    #[error(
        "{0}: no ticker has both daily prices (prices-kaggle/<T>_data.csv or stocknet/price/raw/<T>.csv) \
         and SEC company facts (sec/<t>_companyfacts.*): is this the ../shared equities folder?"
    )]
    NoTickers(PathBuf),
    #[error("{ticker}: no trading day of {prices} inside the period {from} … {to}")]
    EmptyPeriod { ticker: String, prices: PathBuf, from: String, to: String },
    #[error("--from {from} is after --to {to}")]
    BadPeriod { from: Date, to: Date },
    #[error("--horizons: {0} (give trading days ≥ 1, e.g. 1,5,20,60)")]
    BadHorizon(String),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("sentiment model: {0}")]
    Ml(#[from] MlError),
}

impl EvalError {
    /// True for errors of usage (a path, option or period to fix), false for bad data.
    pub fn is_usage(&self) -> bool {
        !matches!(self, EvalError::Load(_) | EvalError::Ml(_))
    }
}

/// One of the slow agents.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    Fundamental,
    Value,
    Buffett,
    Activist,
    /// Stocknet tweets scored by the ONNX sentiment model (only when asked for: `--agents sentiment`).
    Sentiment,
}

impl AgentKind {
    /// The default set: the four agents over SEC filings and prices (sentiment is asked for by name).
    pub const ALL: [AgentKind; 4] =
        [AgentKind::Fundamental, AgentKind::Value, AgentKind::Buffett, AgentKind::Activist];
    pub fn name(self) -> &'static str {
        match self {
            AgentKind::Fundamental => "fundamental",
            AgentKind::Value => "value",
            AgentKind::Buffett => "buffett",
            AgentKind::Activist => "activist",
            AgentKind::Sentiment => "sentiment",
        }
    }
}

/// The first of `dir/stem.ext` that is a file.
fn first_file(dir: &Path, stem: &str, exts: &[&str]) -> Option<PathBuf> {
    exts.iter().map(|e| dir.join(format!("{stem}.{e}"))).find(|p| p.is_file())
}

fn facts_file(dir: &Path, ticker: &str) -> Option<PathBuf> {
    let stem = format!("{}_companyfacts", ticker.to_ascii_lowercase());
    first_file(&dir.join("sec"), &stem, &["json", "cassette.yaml", "pydict"])
}

fn submissions_file(dir: &Path, ticker: &str) -> Option<PathBuf> {
    let stem = format!("{}_submissions", ticker.to_ascii_lowercase());
    first_file(&dir.join("sec"), &stem, &["json", "cassette.yaml"])
}

/// The daily price file of `ticker`: kaggle's, else stocknet's.
pub fn prices_file(dir: &Path, ticker: &str) -> Result<PathBuf, EvalError> {
    let kaggle = dir.join(format!("prices-kaggle/{ticker}_data.csv"));
    let stocknet = dir.join(format!("stocknet/price/raw/{ticker}.csv"));
    if kaggle.is_file() {
        Ok(kaggle)
    } else if stocknet.is_file() {
        Ok(stocknet)
    } else {
        Err(EvalError::NoPrices { ticker: ticker.to_string(), kaggle, stocknet })
    }
}

/// Checks that `dir` exists.
pub fn check_dir(dir: &Path) -> Result<(), EvalError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(EvalError::NoDataDir(dir.to_path_buf()))
    }
}

/// Tickers with both daily prices and SEC company facts, sorted.
pub fn default_tickers(dir: &Path) -> Result<Vec<String>, EvalError> {
    check_dir(dir)?;
    let mut names = Vec::new();
    for (sub, suffix) in [("prices-kaggle", "_data.csv"), ("stocknet/price/raw", ".csv")] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else { continue };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(t) = name.strip_suffix(suffix) {
                names.push(t.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names.retain(|t| facts_file(dir, t).is_some());
    if names.is_empty() {
        return Err(EvalError::NoTickers(dir.to_path_buf()));
    }
    Ok(names)
}

/// The stocknet tweet folder of `ticker`, if there is one.
pub fn tweets_dir(dir: &Path, ticker: &str) -> Option<PathBuf> {
    let p = dir.join("stocknet/tweet/preprocessed").join(ticker);
    p.is_dir().then_some(p)
}

/// Tickers with both stocknet tweets and daily prices, sorted (for `--agents sentiment`).
pub fn sentiment_tickers(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir.join("stocknet/tweet/preprocessed")) else { return Vec::new() };
    let mut names: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|t| prices_file(dir, t).is_ok())
        .collect();
    names.sort();
    names
}

/// One ticker's inputs.
#[derive(Debug)]
pub struct TickerData {
    pub ticker: String,
    pub prices: Arc<PriceSeries>,
    pub facts: Option<(PathBuf, Arc<CompanyFacts>)>,
    pub submissions: Option<(PathBuf, Submissions)>,
}

/// Loads `ticker`'s prices (required), facts and submissions (when present).
pub fn load_ticker(dir: &Path, ticker: &str) -> Result<TickerData, EvalError> {
    check_dir(dir)?;
    let prices = Arc::new(PriceSeries::load(&prices_file(dir, ticker)?)?);
    let facts = match facts_file(dir, ticker) {
        Some(p) => Some((p.clone(), Arc::new(CompanyFacts::load(&p)?))),
        None => None,
    };
    let submissions = match submissions_file(dir, ticker) {
        Some(p) => Some((p.clone(), Submissions::load(&p)?)),
        None => None,
    };
    Ok(TickerData { ticker: ticker.to_string(), prices, facts, submissions })
}

/// The agents over the loaded tickers (default configurations); the sentiment agent only after
/// [`Agents::add_sentiment`].
#[derive(Debug)]
pub struct Agents {
    fundamental: FundamentalAgent,
    value: ValueAgent,
    buffett: BuffettAgent,
    activist: ActivistAgent,
    sentiment: Option<SentimentAgent>,
    /// Per ticker with tweets: what was loaded (for the report's inputs).
    pub sentiment_inputs: HashMap<String, String>,
}

impl Agents {
    pub fn new(data: &[TickerData]) -> Agents {
        let (mut fundamental, mut for_buffett) = (FundamentalAgent::new(), FundamentalAgent::new());
        let mut value = ValueAgent::new(ValueConfig::default());
        let mut activist = ActivistAgent::new(EventConfig::default());
        for t in data {
            if let Some((_, f)) = &t.facts {
                fundamental.add(&t.ticker, Arc::clone(f));
                for_buffett.add(&t.ticker, Arc::clone(f));
                value.add(&t.ticker, Arc::clone(f), Arc::clone(&t.prices));
            }
            if let Some((_, s)) = &t.submissions {
                activist.add(&t.ticker, s, Some(&t.prices));
            }
        }
        Agents {
            fundamental,
            value,
            buffett: BuffettAgent::new(for_buffett),
            activist,
            sentiment: None,
            sentiment_inputs: HashMap::new(),
        }
    }

    /// Loads the stocknet tweets of `tickers` (those that have a folder) and scores them all with
    /// the model at `model` (once, in batches).
    pub fn add_sentiment(&mut self, dir: &Path, tickers: &[String], model: &Path) -> Result<(), EvalError> {
        let mut classifier = sentiment::load_model(model)?;
        let mut items = Vec::new();
        for t in tickers {
            let Some(folder) = tweets_dir(dir, t) else { continue };
            let l = sentiment::load_stocknet(&dir.join("stocknet/tweet/preprocessed"), t)?;
            let first = l.items.iter().map(|i| i.ts_ns).min().map(sentiment::time::date_of);
            let last = l.items.iter().map(|i| i.ts_ns).max().map(sentiment::time::date_of);
            if let (Some(a), Some(b)) = (first, last) {
                self.sentiment_inputs.insert(
                    t.clone(),
                    format!(
                        "{}: {} tweets created {a} … {b} UTC, {} lines refused (the sentiment agent is silent \
                         outside); scored by {}",
                        folder.display(),
                        l.items.len(),
                        l.refused.len(),
                        model.display()
                    ),
                );
            }
            items.extend(l.items);
        }
        self.sentiment = Some(SentimentAgent::new(SentimentConfig::default(), &mut classifier, &items)?);
        Ok(())
    }

    /// `kind`'s signal on `ticker` at the end of `date` (it sees nothing dated after `date`).
    pub fn signal(&self, kind: AgentKind, ticker: &str, date: Date) -> Option<AgentSignal> {
        match kind {
            AgentKind::Fundamental => self.fundamental.signal_at(ticker, date),
            AgentKind::Value => self.value.signal_at(ticker, date),
            AgentKind::Buffett => self.buffett.signal_at(ticker, date),
            AgentKind::Activist => self.activist.signal_at(ticker, date),
            AgentKind::Sentiment => self.sentiment.as_ref()?.signal_at(ticker, date),
        }
    }
}

/// Why `kind` cannot say anything on `t` (its input file is missing), if so.
pub fn missing_input(kind: AgentKind, t: &TickerData) -> Option<&'static str> {
    match kind {
        AgentKind::Activist if t.submissions.is_none() => Some("no sec/<t>_submissions.* file"),
        AgentKind::Activist => None,
        AgentKind::Sentiment => None, // checked against the tweets by the caller
        _ if t.facts.is_none() => Some("no sec/<t>_companyfacts.* file"),
        _ => None,
    }
}
