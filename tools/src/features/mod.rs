//! `alphapulse features`: export the ML agent's microstructure features, with future-mid labels,
//! from capture files or a journal's `feed` stream, as CSV for training (tools/models/train_micro.py).
//!
//! The market events go through a [`StrategyHost`] (which keeps the market view and the L2 books
//! as in a backtest) holding one [`sample::Sampler`], which runs engine/ml's [`FeatureSet`] exactly
//! as the ML agent does; [`sample::Labeller`] labels the sampled rows from later rows' mids.

pub mod sample;

use crate::config::{Config, ConfigError};
use alphapulse_feeds::{FeedActor, FeedOptions, JournalFeed};
use alphapulse_ml::FeatureSet;
use alphapulse_runtime::{levels_in, Actor, Ctx, Poll, Source, VecOutbox};
use alphapulse_strategy::{StrategyConfig, StrategyHost};
use alphapulse_types::{InstrumentTable, Msg};
use anyhow::Context;
use sample::{Every, Labelled, Labeller, Sampler};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The features written when `--features` is not given (those of engine/ml's test models).
pub const DEFAULT_FEATURES: &str = "imbalance_1,imbalance_5,imbalance_10,imbalance_20,spread_bps,\
microprice_bps,return_1,return_10,return_50,trade_flow_10,trade_flow_50,trade_flow_200";

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Output: CSV with a header line, one row per sample:\n  \
ts_ns,instrument,<feature…>,mid,label_<h>…\n\
- ts_ns: exchange time (ns since the epoch) of the depth update sampled (its receive time if the\n  \
  exchange gave none); rows are in replay order, so ts_ns rises within each instrument;\n\
- instrument: the symbol;\n\
- one column per --features name, computed by engine/ml's FeatureSet, the very code the ML agent runs\n  \
  (imbalance_N, spread_bps, microprice_bps, return_N, trade_flow_N: see engine/ml/src/features.rs),\n  \
  from the L2 book after that update and the trades before it;\n\
- mid: (best bid + best ask) / 2 after that update;\n\
- label_<h> for each --horizons entry h: the sign (-1, 0, +1) of mid(t + h) - mid(t), where mid(t + h)\n  \
  is the mid of the last row of the same instrument with ts_ns <= t + h. A row is written once a row\n  \
  of its instrument later than t + h has been seen for every horizon; rows whose horizon runs past the\n  \
  end of the data are dropped (counted on stderr).\n\n\
Sampling: every --every of exchange time (the first book update in each slot; default 100ms), or\n\
every --every-updates book updates. The features advance on every book update and trade either way.\n\n\
Input: capture files (--data, --exchange-info, as for backtest; default the shipped sample) or\n\
--from-journal DIR, the market events journaled by a backtest or a recorder (its `feed` stream).\n\
Exit codes: 0 ok, 1 the work failed, 2 bad usage.")]
pub struct Args {
    /// Capture files to read, in order (as for `backtest --data`).
    #[arg(long, num_args = 1.., conflicts_with = "from_journal")]
    pub data: Vec<PathBuf>,
    /// Binance exchangeInfo JSON for the instrument table (default: the shipped sample's).
    #[arg(long)]
    pub exchange_info: Option<PathBuf>,
    /// Only these symbols (comma-separated; default all those of the data).
    #[arg(long, value_delimiter = ',')]
    pub symbols: Vec<String>,
    /// Read the `feed` stream of this journal folder instead of capture files.
    #[arg(long, value_name = "DIR")]
    pub from_journal: Option<PathBuf>,
    /// Feature names, comma-separated, in column order.
    #[arg(long, default_value = DEFAULT_FEATURES)]
    pub features: String,
    /// Sample every this much exchange time: a number with ns, us, ms, s or m.
    #[arg(long, default_value = "100ms", conflicts_with = "every_updates")]
    pub every: String,
    /// Sample every N book updates of each instrument instead.
    #[arg(long, value_name = "N")]
    pub every_updates: Option<u64>,
    /// Label horizons, comma-separated (e.g. 1s,5s).
    #[arg(long, default_value = "1s,5s")]
    pub horizons: String,
    /// Write the CSV here (default: standard output). An existing file is replaced.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// What an export did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    /// Rows sampled whose horizon ran past the end of the data.
    pub dropped: u64,
    pub market_events: u64,
}

/// Export options, validated.
#[derive(Clone, Debug)]
pub struct Plan {
    pub features: Vec<String>,
    pub every: Every,
    /// (name as given, ns).
    pub horizons: Vec<(String, u64)>,
}

/// A duration such as `100ms`, `1s`, `250us`, `5m`, `1000ns`.
pub fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        _ => return None,
    };
    n.checked_mul(mult).filter(|&v| v > 0)
}

impl Plan {
    /// Check the arguments; errors name the flag and value.
    pub fn from_args(a: &Args) -> Result<Plan, ConfigError> {
        let features: Vec<String> = a.features.split(',').map(|s| s.trim().to_string()).collect();
        FeatureSet::new(&features, 1).map_err(|e| ConfigError::Usage(format!("--features: {e}")))?;
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = features.iter().find(|f| !seen.insert(f.as_str())) {
            return Err(ConfigError::Usage(format!("--features: `{dup}` is listed twice")));
        }
        let every = match a.every_updates {
            Some(0) => return Err(ConfigError::Usage("--every-updates 0: must be at least 1".into())),
            Some(n) => Every::Updates(n),
            None => Every::Nanos(parse_duration(&a.every).ok_or_else(|| {
                ConfigError::Usage(format!("--every `{}`: expected a positive duration like 100ms", a.every))
            })?),
        };
        let mut horizons = Vec::new();
        for h in a.horizons.split(',').map(str::trim) {
            let ns = parse_duration(h).ok_or_else(|| {
                ConfigError::Usage(format!("--horizons: `{h}` is not a positive duration like 1s or 500ms"))
            })?;
            if horizons.iter().any(|(n, _)| n == h) {
                return Err(ConfigError::Usage(format!("--horizons: `{h}` is listed twice")));
            }
            horizons.push((h.to_string(), ns));
        }
        Ok(Plan { features, every, horizons })
    }

    /// The CSV header line (no newline).
    pub fn header(&self) -> String {
        let mut cols = vec!["ts_ns".to_string(), "instrument".into()];
        cols.extend(self.features.iter().cloned());
        cols.push("mid".into());
        cols.extend(self.horizons.iter().map(|(n, _)| format!("label_{n}")));
        cols.join(",")
    }
}

/// The market-event source: capture files or a journal's feed stream.
enum Input {
    Captures(Box<FeedActor>),
    Journal(Box<JournalFeed>),
}

impl Input {
    fn poll(&mut self, out: &mut VecOutbox) -> Poll {
        let mut ctx = Ctx::new(0, out);
        match self {
            Input::Captures(f) => f.poll(&mut ctx),
            Input::Journal(f) => f.poll(&mut ctx),
        }
    }
}

fn open(a: &Args) -> anyhow::Result<(Input, InstrumentTable)> {
    let mut cfg =
        Config { symbols: a.symbols.clone(), exchange_info: a.exchange_info.clone(), ..Default::default() };
    if let Some(dir) = &a.from_journal {
        crate::backtest::replay_config(&mut cfg, dir, a.exchange_info.is_some())?;
        for w in crate::backtest::check_replay_source(dir, false)? {
            eprintln!("warning: {w}");
        }
    } else {
        cfg.data = if a.data.is_empty() { vec![crate::backtest::sample_data()] } else { a.data.clone() };
    }
    crate::backtest::check(&mut cfg)?;
    let table = crate::backtest::instruments(&cfg)?;
    let input = match &a.from_journal {
        Some(dir) => Input::Journal(Box::new(
            JournalFeed::open(dir.join("feed"))
                .with_context(|| format!("opening the feed stream of {}", dir.display()))?,
        )),
        None => Input::Captures(Box::new(
            FeedActor::open(&cfg.data, &table, FeedOptions::from_config(&cfg.feed))
                .context("opening the capture files")?,
        )),
    };
    Ok((input, table))
}

/// Run the export of `a` into `w`.
pub fn export(a: &Args, w: &mut dyn Write) -> anyhow::Result<Summary> {
    let plan = Plan::from_args(a)?;
    let (mut input, table) = open(a)?;
    let features = FeatureSet::new(&plan.features, table.len())?;
    let (tx, rx) = std::sync::mpsc::channel();
    let host_cfg = StrategyConfig { ema_cross: None, imbalance: None, technical: None, ..Default::default() };
    let mut host = StrategyHost::new(&host_cfg, &table, Config::default().feed.book_levels)?;
    host.add_strategy(Box::new(Sampler::new(features, table.len(), plan.every, tx)), 1)?;
    let mut labeller = Labeller::new(plan.horizons.iter().map(|h| h.1).collect());
    writeln!(w, "{}", plan.header())?;
    let mut summary = Summary::default();
    let mut write_err: Option<std::io::Error> = None;
    let mut line = String::new();
    let mut emit = |x: Labelled, summary: &mut Summary| {
        if write_err.is_some() {
            return;
        }
        line.clear();
        format_row(&mut line, &x, &table);
        match w.write_all(line.as_bytes()) {
            Ok(()) => summary.rows += 1,
            Err(e) => write_err = Some(e),
        }
    };
    let (mut src, mut to_host) = (VecOutbox::default(), VecOutbox::default());
    loop {
        let p = input.poll(&mut src);
        for m in &src.down {
            if !m.is_market() {
                continue;
            }
            summary.market_events += 1;
            match m {
                Msg::Depth(d) => {
                    let (b, a) = levels_in(src.levels.as_slice(), d);
                    let msg = to_host.depth(*d, b, a);
                    to_host.handle(&mut host, &msg, m.event_ts());
                }
                _ if host.handles().contains(m) => to_host.handle(&mut host, m, m.event_ts()),
                _ => {}
            }
            to_host.clear();
            while let Ok(row) = rx.try_recv() {
                labeller.push(row, |x| emit(x, &mut summary));
            }
        }
        src.clear();
        if p == Poll::Done {
            break;
        }
    }
    if let Input::Journal(f) = &input {
        if let Some(e) = f.error() {
            anyhow::bail!("the journal's feed stream stopped at a bad record: {e}");
        }
    }
    summary.dropped = labeller.finish(|x| emit(x, &mut summary));
    if let Some(e) = write_err {
        return Err(e).context("writing the CSV");
    }
    w.flush().context("writing the CSV")?;
    Ok(summary)
}

fn format_row(line: &mut String, x: &Labelled, table: &InstrumentTable) {
    use std::fmt::Write as _;
    let sym = table.get(x.row.inst).map_or("?", |i| i.symbol.as_str());
    let _ = write!(line, "{},{}", x.row.ts, sym);
    for v in &x.row.features {
        let _ = write!(line, ",{v}");
    }
    let scale = alphapulse_types::SCALE as f64;
    let _ = write!(line, ",{}", x.row.mid2 as f64 / 2.0 / scale);
    for l in &x.labels {
        let _ = write!(line, ",{l}");
    }
    line.push('\n');
}

pub fn main(a: Args) -> anyhow::Result<ExitCode> {
    let summary = match &a.out {
        Some(p) => {
            check_out(p)?;
            let f = std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
            export(&a, &mut std::io::BufWriter::new(f))?
        }
        None => export(&a, &mut std::io::BufWriter::new(std::io::stdout().lock()))?,
    };
    eprintln!(
        "features: {} rows written{}, {} dropped (a horizon ran past the end of the data), {} market events read",
        summary.rows,
        a.out.as_ref().map_or(String::new(), |p| format!(" to {}", p.display())),
        summary.dropped,
        summary.market_events
    );
    Ok(ExitCode::SUCCESS)
}

fn check_out(p: &Path) -> Result<(), ConfigError> {
    if p.is_dir() {
        return Err(ConfigError::Usage(format!("--out {}: is a folder", p.display())));
    }
    match p.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) if !d.is_dir() => {
            Err(ConfigError::Usage(format!("--out {}: folder {} does not exist", p.display(), d.display())))
        }
        _ => Ok(()),
    }
}
