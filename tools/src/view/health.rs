//! Health and feed state derived from the journal: the feed's book status and connection events
//! (per symbol: synced, resyncing, reconnecting, stale), operator halt/resume commands, strategy
//! faults and the ends of streams, assessed by the engine's own rules
//! ([`crate::operate::health::assess`]). When the control socket answers `status`, its health is
//! used instead (it also knows ring depths and unanswered commands). A run that goes on (its
//! streams not closed) while no record has arrived for `Model::stale_after` is stale: the engine
//! is stalled or gone without closing its journal (the dashboard's clock re-assesses this with no
//! record arriving, `dashboard::clock`). Also the alert rules' [`Facts`].

use super::model::Model;
use super::shapes::{FeedChange, HealthView, WsData};
use crate::alerts::{Facts, FeedState, PersistLag};
use crate::operate::health::{assess, Health, Inputs};
use alphapulse_types::{
    BookState, BookStatus, CommandOutcome, CommandRecord, FeedEvent, FeedEventRecord, OperatorCommand,
};

impl Model {
    pub(super) fn feed_book(&mut self, b: &BookStatus, ts: u64) {
        let state = match b.state {
            BookState::Synced => FeedState::Synced,
            BookState::Gap => FeedState::Resyncing,
        };
        self.set_feed(
            Some(b.inst.index()),
            state,
            ts,
            if state == FeedState::Synced { "synced" } else { "gap" },
            "none",
        );
    }

    pub(super) fn feed_event(&mut self, f: &FeedEventRecord, ts: u64) {
        let state = match f.event {
            FeedEvent::Resync => FeedState::Resyncing,
            FeedEvent::Disconnected => FeedState::Reconnecting,
            FeedEvent::Stalled => FeedState::Stale,
            _ => {
                let c = FeedChange {
                    ts_ns: ts,
                    symbol: (f.inst.0 != u32::MAX).then(|| self.symbol(f.inst)),
                    event: f.event.name().into(),
                    reason: f.reason.name().into(),
                    state: None,
                };
                self.events.push(ts, WsData::Feed(c));
                return;
            }
        };
        let inst = (f.inst.0 != u32::MAX).then(|| f.inst.index());
        self.set_feed(inst, state, ts, f.event.name(), f.reason.name());
    }

    /// Set one symbol's feed state (`None`: a connection event, every symbol).
    fn set_feed(&mut self, inst: Option<usize>, state: FeedState, ts: u64, event: &str, reason: &str) {
        let all: Vec<usize> = match inst {
            Some(i) => vec![i],
            None => (0..self.symbols.len()).collect(),
        };
        for i in all {
            self.market.set_feed(i, state);
            let c = FeedChange {
                ts_ns: ts,
                symbol: Some(self.symbol(alphapulse_types::InstrumentId(i as u32))),
                event: event.into(),
                reason: reason.into(),
                state: Some(super::market::feed_name(state)),
            };
            self.events.push(ts, WsData::Feed(c));
        }
    }

    pub(super) fn command(&mut self, c: &CommandRecord) {
        if c.outcome != CommandOutcome::Ok {
            return;
        }
        match c.command {
            OperatorCommand::Halt => self.stats.halted = true,
            OperatorCommand::Resume => self.stats.halted = false,
            _ => {}
        }
    }

    /// Feed state per symbol (symbols the feed has told about).
    pub fn feed_states(&self) -> Vec<(String, FeedState)> {
        self.market
            .symbols
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.feed.map(|f| (self.symbol(alphapulse_types::InstrumentId(i as u32)), f)))
            .collect()
    }

    /// The health now: the control socket's when it answered, else assessed from the journal.
    pub fn assess_health(&self) -> HealthView {
        let since = self.health.as_ref().map_or(self.as_of, |h| h.2);
        if let Some(h) = self.control.as_ref().and_then(|c| c.get("health")) {
            let s = |k: &str| h.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            return HealthView {
                state: s("state"),
                reason: s("reason"),
                source: "control".into(),
                since_ns: since,
            };
        }
        let feeds = self.feed_states();
        let count = |f: FeedState| feeds.iter().filter(|(_, s)| *s == f).count();
        let n = self.symbols.len().max(feeds.len());
        let inputs = Inputs {
            handled: self.stats.streams.values().map(|s| s.records).sum(),
            symbols: (!feeds.is_empty()).then(|| {
                (n, count(FeedState::Synced), count(FeedState::Resyncing), count(FeedState::Reconnecting))
            }),
            was_synced: !feeds.is_empty(),
            stale: count(FeedState::Stale) > 0,
            ring_fill: 0.0,
            threads_done: self.stats.streams.values().filter(|s| s.ended).count(),
            threads: self.stats.streams.len(),
            unanswered: None,
            halted: self.stats.halted,
            faulted: self.stats.faulted.len(),
        };
        let (mut state, mut reason) = assess(&inputs);
        if let Some(limit) = self.quiet_beyond() {
            if matches!(state, Health::Initializing | Health::HealthCheck | Health::Healthy | Health::Warning)
            {
                state = Health::Degraded;
                reason = format!(
                    "stale: no journal record for over {:.1} s while the run goes on (the engine is stalled \
                     or stopped without closing its journal)",
                    limit.as_secs_f64()
                );
            }
        }
        HealthView { state: format!("{state:?}"), reason, source: "journal".into(), since_ns: since }
    }

    /// The stale limit, when the run goes on (some stream not closed) and no record has been
    /// applied for longer than it.
    fn quiet_beyond(&self) -> Option<std::time::Duration> {
        let limit = self.stale_after?;
        let last = self.last_record_at?;
        (!self.stats.finished() && last.elapsed() > limit).then_some(limit)
    }

    /// Re-assess the health; publish a `health` event when its state or reason changed (true then).
    pub fn refresh_health(&mut self) -> bool {
        let h = self.assess_health();
        let changed = self.health.as_ref().is_none_or(|(s, r, _)| *s != h.state || *r != h.reason);
        if changed {
            let h = HealthView { since_ns: self.as_of, ..h };
            self.health = Some((h.state.clone(), h.reason.clone(), self.as_of));
            self.events.push(self.as_of, WsData::Health(h));
        }
        changed
    }

    /// What the alert rules read.
    pub fn facts(&self) -> Facts {
        let last_price = self
            .market
            .symbols
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.trade.map(|t| (self.symbol(alphapulse_types::InstrumentId(i as u32)), t.px.to_f64()))
            })
            .collect();
        let e = self.pf.exact();
        let h = self.assess_health();
        Facts {
            now_ns: self.as_of,
            last_price,
            equity: Some(super::model::wide(e.equity)),
            peak_equity: Some(super::model::wide(e.peak_equity)),
            decisions: self.stats.decisions,
            rejects: self.stats.rejected_total(),
            tick_to_trade_p99_ns: self.stats.tick_to_trade_p99(),
            feed: self.feed_states().into_iter().collect(),
            health: Some((h.state, h.reason)),
            persist_lag: self
                .persist
                .as_ref()
                .map(|p| PersistLag { records: p.lag_records, seconds: p.lag_seconds }),
        }
    }
}
