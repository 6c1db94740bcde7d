//! [`SentimentSlowAgent`]: the sentiment agent as an `alphapulse_strategy::slow::SlowAgent`, so a
//! `SlowRunner` can poll it off the hot path (each instrument mapped to a ticker).

use super::SentimentAgent;
use alphapulse_strategy::slow::SlowAgent;
use alphapulse_types::InstrumentId;
use std::collections::HashMap;
use std::sync::Arc;

/// The adapter: `signal(inst, now)` = the agent's signal on `inst`'s ticker as of `now`, dated by
/// the newest text used (≤ `now`).
#[derive(Debug)]
pub struct SentimentSlowAgent {
    name: String,
    agent: Arc<SentimentAgent>,
    tickers: HashMap<InstrumentId, String>,
}

impl SentimentSlowAgent {
    /// `tickers`: which ticker each instrument is.
    pub fn new(
        name: impl Into<String>,
        agent: Arc<SentimentAgent>,
        tickers: HashMap<InstrumentId, String>,
    ) -> Self {
        SentimentSlowAgent { name: name.into(), agent, tickers }
    }
}

impl SlowAgent for SentimentSlowAgent {
    fn name(&self) -> &str {
        &self.name
    }

    fn signal(&mut self, inst: InstrumentId, now_ns: u64) -> Option<(i32, u64)> {
        let ticker = self.tickers.get(&inst)?;
        let now = i64::try_from(now_ns).unwrap_or(i64::MAX);
        let (s, last) = self.agent.signal_as_of(ticker, now)?;
        Some((s.score, u64::try_from(last).unwrap_or(0)))
    }
}
