//! [`EquityAgent`]: one of `alphapulse-agents`' slow agents (fundamental, value, Buffett,
//! activist) as an engine [`SlowAgent`], so a [`alphapulse_strategy::SlowRunner`] can poll it and
//! publish on the board.
//!
//! Asked about instrument `i` as of `now_ns`, it asks the agent about instrument `i`'s ticker at
//! the last date whose New York close is at or before `now_ns` ([`super::clock::known_date`]):
//! the agent sees only data dated at or before that date. The time it answers with is the
//! agent's `as_of` (the filing or price date its signal rests on, 00:00 UTC), which is at or
//! before `now_ns`.

use super::clock::known_date;
use crate::evaluate::data::{AgentKind, Agents};
use alphapulse_strategy::SlowAgent;
use alphapulse_types::InstrumentId;
use std::sync::Arc;

/// A slow agent of `alphapulse-agents` over some tickers (one per instrument id, in order).
pub struct EquityAgent {
    kind: AgentKind,
    agents: Arc<Agents>,
    tickers: Arc<Vec<String>>,
}

impl EquityAgent {
    /// Agent `kind` of `agents`, answering for `tickers[i]` when asked about `InstrumentId(i)`.
    pub fn new(kind: AgentKind, agents: Arc<Agents>, tickers: Arc<Vec<String>>) -> EquityAgent {
        EquityAgent { kind, agents, tickers }
    }
}

impl SlowAgent for EquityAgent {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signal(&mut self, inst: InstrumentId, now_ns: u64) -> Option<(i32, u64)> {
        let ticker = self.tickers.get(inst.index())?;
        let s = self.agents.signal(self.kind, ticker, known_date(now_ns))?;
        Some((s.score, s.as_of_ns()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equities::clock::{close_ns, open_ns};
    use crate::evaluate::data::TickerData;
    use alphapulse_agents::prices::PriceSeries;
    use alphapulse_agents::sec::submissions::Submissions;
    use alphapulse_agents::Date;
    use std::path::Path;

    /// Submissions with one 8-K (item 1.01, a material agreement) filed on 2014-04-23: the activist agent
    /// acts on it from the next trading day, and not before.
    fn data() -> Vec<TickerData> {
        let csv = "date,open,high,low,close,volume,Name\n\
                   2014-04-22,75,75,75,75,1,XYZ\n2014-04-23,74,74,74,74,1,XYZ\n\
                   2014-04-24,80,80,80,80,1,XYZ\n2014-04-25,81,81,81,81,1,XYZ\n";
        let prices = PriceSeries::parse(Path::new("xyz.csv"), csv).expect("prices");
        let json = r#"{"cik":"1","name":"XYZ","tickers":["XYZ"],"filings":{"recent":{
            "accessionNumber":["0000000001-14-000001"],"filingDate":["2014-04-23"],
            "reportDate":["2014-04-23"],"acceptanceDateTime":["2014-04-23T16:30:00.000Z"],
            "form":["8-K"],"items":["1.01"],"primaryDocument":["x.htm"]},"files":[]}}"#;
        let doc: serde_json::Value = serde_json::from_str(json).expect("json");
        let subs = Submissions::from_value(Path::new("xyz_submissions.json"), &doc).expect("submissions");
        vec![TickerData {
            ticker: "XYZ".into(),
            prices: Arc::new(prices),
            facts: None,
            submissions: Some((Path::new("xyz_submissions.json").into(), subs)),
        }]
    }

    #[test]
    fn asks_the_ticker_of_the_instrument_as_of_the_last_known_close() {
        let agents = Arc::new(Agents::new(&data()));
        let tickers = Arc::new(vec!["XYZ".to_string()]);
        let mut a = EquityAgent::new(AgentKind::Activist, agents.clone(), tickers);
        assert_eq!(a.name(), "activist");
        let d = |s| Date::parse_iso(s).expect("date");
        // Every answer equals the agent's own answer at the known date, dated by its as_of.
        let times = [
            open_ns(d("2014-04-23")),
            close_ns(d("2014-04-23")),
            open_ns(d("2014-04-24")),
            close_ns(d("2014-04-24")),
            open_ns(d("2014-04-25")),
        ];
        let mut answered = 0;
        for t in times.into_iter().map(|t| t.expect("time")) {
            let want =
                agents.signal(AgentKind::Activist, "XYZ", known_date(t)).map(|s| (s.score, s.as_of_ns()));
            let got = a.signal(InstrumentId(0), t);
            assert_eq!(got, want, "at {t}");
            if let Some((_, ts)) = got {
                assert!(ts <= t, "dated after the time asked: {ts} > {t}");
                answered += 1;
            }
        }
        // Nothing is known before the filing day's close has passed.
        assert_eq!(a.signal(InstrumentId(0), open_ns(d("2014-04-23")).expect("open")), None);
        assert!(answered > 0, "the 8-K gives a signal after it was filed");
        assert_eq!(a.signal(InstrumentId(1), times[4].expect("time")), None, "no ticker for instrument 1");
    }
}
