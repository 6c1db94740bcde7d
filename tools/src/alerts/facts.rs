//! What alert rules look at: one snapshot of the run as the slow path sees it from the journal
//! (and, where the engine serves one, its control socket's `status`). Plain values (f64 for money
//! and prices: this is reporting, never an order), filled by the reader; the alert engine keeps its
//! own history (windows, previous states) between snapshots.

use std::collections::BTreeMap;

/// A symbol's market-data state, as `alphapulse ctl status` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedState {
    Synced,
    Resyncing,
    Reconnecting,
    Stale,
}

/// How far `alphapulse persist` is behind the journal it writes from.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct PersistLag {
    /// Records journaled but not yet committed to the database.
    pub records: u64,
    /// Journal time of the newest record minus that of the last committed one, in seconds.
    pub seconds: f64,
}

/// One snapshot of the run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Facts {
    /// Time of the newest journal record seen (ns since the epoch): the clock rules run on, so a
    /// replayed journal gives the same alerts as the live run did.
    pub now_ns: u64,
    /// Last trade price per symbol.
    pub last_price: BTreeMap<String, f64>,
    /// Portfolio equity (cash + positions at mark, fees paid) and its peak so far.
    pub equity: Option<f64>,
    pub peak_equity: Option<f64>,
    /// Running totals since the start of the run: decisions risk made and those it rejected
    /// (the engine keeps its own window over their deltas).
    pub decisions: u64,
    pub rejects: u64,
    /// Tick-to-trade p99 (market event received → order sent) over the recent window, ns.
    pub tick_to_trade_p99_ns: Option<u64>,
    /// Per symbol; absent for a replay, which has no connection.
    pub feed: BTreeMap<String, FeedState>,
    /// Health state name (`Healthy`, `Warning`, … as `status` prints it) and its reason.
    pub health: Option<(String, String)>,
    /// None when no persist process reports on this journal.
    pub persist_lag: Option<PersistLag>,
}
