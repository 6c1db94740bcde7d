//! Sentiment agent: dated, ticker-tagged texts (stocknet tweets or a JSONL file, [`source`])
//! scored once at load by the ONNX text classifier (`tools/models/sentiment/sentiment.onnx`
//! through `alphapulse_ml::TextClassifier`), kept per ticker as time-sorted
//! `(time, p_bull − p_bear)` rows, and aggregated over a trailing window on demand.
//!
//! **The signal** as of `t` (Unix ns) on a ticker: the texts with `t − window < time ≤ t`; with
//! fewer than `min_count` of them, no signal; else the mean of `p_bull − p_bear` (in −1…1) scaled
//! to ±10 000 bps. Texts dated after `t` are never used, not even by 1 ns (no look-ahead).
//! [`SentimentAgent::signal_at`] asks as of a date's close cutoff (`close_cutoff_secs` after
//! 00:00 UTC; default 20:00 UTC = 16:00 New York in summer time and 15:00 in winter: it never
//! reaches past the 16:00 close, so in winter it leaves out the last trading hour's texts).
//!
//! - [`normalise()`]: the model's text normalisation (port of `tools/models/normalise.py`);
//! - [`source`]: [`TextItem`] and the loaders; [`time`]: timestamp parsing;
//! - [`slow`]: [`SentimentSlowAgent`], the `SlowAgent` adapter a `SlowRunner` drives.

pub mod normalise;
pub mod slow;
pub mod source;
pub mod time;

pub use normalise::normalise;
pub use slow::SentimentSlowAgent;
pub use source::{load_jsonl, load_stocknet, Loaded, TextItem};

use crate::{AgentSignal, Date};
pub use alphapulse_ml::{MlError, TextClassifier, TextSpec};
use std::collections::HashMap;

const NS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// Loads the sentiment model `model` (interface: [`TextSpec::sentiment`]) with the default ONNX
/// Runtime library search.
pub fn load_model(model: &std::path::Path) -> Result<TextClassifier, MlError> {
    TextClassifier::load(&TextSpec::sentiment(model))
}

/// The agent's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct SentimentConfig {
    /// Trailing window in days (fractions allowed).
    pub window_days: f64,
    /// Fewest texts in the window for a signal.
    pub min_count: usize,
    /// The bullish and bearish class indices of the model (sentiment.onnx: 1 and 0).
    pub bull_class: usize,
    pub bear_class: usize,
    /// [`SentimentAgent::signal_at`]'s cutoff on a date, in seconds after 00:00 UTC.
    pub close_cutoff_secs: i64,
}

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig {
            window_days: 3.0,
            min_count: 5,
            bull_class: 1,
            bear_class: 0,
            close_cutoff_secs: 20 * 3600,
        }
    }
}

impl SentimentConfig {
    /// The window in ns (at least 1).
    pub fn window_ns(&self) -> i64 {
        let w = self.window_days * NS_PER_DAY as f64;
        if w.is_finite() && w >= 1.0 {
            w as i64
        } else {
            1
        }
    }
}

/// One scored text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    pub ts_ns: i64,
    /// `p_bull − p_bear`, in −1…1.
    pub net: f32,
}

/// The aggregate over one window.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// Texts in the window.
    pub count: usize,
    /// Their mean `p_bull − p_bear`.
    pub mean: f64,
    /// The newest text's time (what the opinion refers to), ≤ the query time.
    pub last_ns: i64,
}

/// The sentiment agent over several tickers' scored texts; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct SentimentAgent {
    pub config: SentimentConfig,
    rows: HashMap<String, Vec<Scored>>,
}

impl SentimentAgent {
    /// Normalises and scores every text once (one batched classifier pass) and keeps the rows
    /// per ticker, sorted by time.
    pub fn new(
        config: SentimentConfig,
        classifier: &mut TextClassifier,
        items: &[TextItem],
    ) -> Result<SentimentAgent, MlError> {
        let classes = classifier.spec().classes;
        if config.bull_class >= classes || config.bear_class >= classes {
            return Err(MlError::Config {
                key: "bull_class/bear_class".into(),
                problem: format!(
                    "{} / {} outside the model's {classes} classes",
                    config.bull_class, config.bear_class
                ),
            });
        }
        let texts: Vec<String> = items.iter().map(|i| normalise(&i.text)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let results = classifier.classify(&refs)?;
        let mut rows: HashMap<String, Vec<Scored>> = HashMap::new();
        for (item, r) in items.iter().zip(&results) {
            let net = r.probabilities[config.bull_class] - r.probabilities[config.bear_class];
            rows.entry(item.ticker.to_ascii_uppercase()).or_default().push(Scored { ts_ns: item.ts_ns, net });
        }
        for v in rows.values_mut() {
            v.sort_by_key(|s| s.ts_ns);
        }
        Ok(SentimentAgent { config, rows })
    }

    /// The scored texts of `ticker`, oldest first.
    pub fn rows(&self, ticker: &str) -> &[Scored] {
        self.rows.get(&ticker.to_ascii_uppercase()).map_or(&[], Vec::as_slice)
    }

    /// Tickers with texts, sorted.
    pub fn tickers(&self) -> Vec<String> {
        let mut t: Vec<String> = self.rows.keys().cloned().collect();
        t.sort();
        t
    }

    /// The window aggregate as of `now_ns` (texts with `now − window < time ≤ now`), whatever
    /// its count; `None` when the window is empty.
    pub fn aggregate(&self, ticker: &str, now_ns: i64) -> Option<Aggregate> {
        let rows = self.rows(ticker);
        let hi = rows.partition_point(|s| s.ts_ns <= now_ns);
        let from = now_ns.saturating_sub(self.config.window_ns());
        let lo = rows[..hi].partition_point(|s| s.ts_ns <= from);
        let w = &rows[lo..hi];
        let last = w.last()?;
        let mean = w.iter().map(|s| f64::from(s.net)).sum::<f64>() / w.len() as f64;
        Some(Aggregate { count: w.len(), mean, last_ns: last.ts_ns })
    }

    /// The signal as of `now_ns` (see the module docs) and the time of the newest text used.
    pub fn signal_as_of(&self, ticker: &str, now_ns: i64) -> Option<(AgentSignal, i64)> {
        let a = self.aggregate(ticker, now_ns)?;
        if a.count < self.config.min_count.max(1) {
            return None;
        }
        let reasons = vec![
            format!("{} texts in the {}-day window", a.count, self.config.window_days),
            format!("mean p_bull − p_bear {:+.4}", a.mean),
            format!("newest text {} ns (UTC date {})", a.last_ns, time::date_of(a.last_ns)),
        ];
        Some((AgentSignal::from_unit(a.mean, time::date_of(a.last_ns), reasons), a.last_ns))
    }

    /// The query time of `date`: its close cutoff in Unix ns.
    pub fn cutoff_ns(&self, date: Date) -> i64 {
        (date.unix_seconds() + self.config.close_cutoff_secs).saturating_mul(1_000_000_000)
    }

    /// The signal at `date`'s close cutoff (see the module docs).
    pub fn signal_at(&self, ticker: &str, date: Date) -> Option<AgentSignal> {
        self.signal_as_of(ticker, self.cutoff_ns(date)).map(|(s, _)| s)
    }
}
