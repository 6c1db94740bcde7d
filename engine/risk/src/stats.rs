//! [`RiskStats`]: what the risk actor counted.

use alphapulse_types::Verdict;

/// Number of verdict tags (`Verdict` is `repr(u8)`, 0..=9).
pub const VERDICTS: usize = 10;

/// Counters kept by [`crate::RiskActor`]; read after a run or by the slow path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RiskStats {
    /// Intents checked.
    pub intents: u64,
    pub approved: u64,
    /// Rejects indexed by `Verdict as usize` (index 0, `Approved`, stays 0).
    pub rejected: [u64; VERDICTS],
    /// Orders approved and not yet terminal per the execution reports.
    pub open_orders: u32,
    /// Approvals the open-order table refused (id held already, or `max_open_orders` held): it
    /// stays 0 while the check enforces the limit and ids rise; such an order is not tracked.
    pub open_refused: u64,
    /// Halt commands that engaged the kill switch (and resumes that released it).
    pub halts: u64,
    pub resumes: u64,
    /// Limits an operator changed live.
    pub limit_changes: u64,
    /// Execution reports seen, and fills among them.
    pub execs: u64,
    pub fills: u64,
    /// Reports for an order id risk did not hold as open (e.g. a late fill after the end).
    pub exec_unknown_order: u64,
    /// Refusal reports (`Rejected`, `VenueReject::RiskRefused`) sent up for intents not approved.
    pub refusals_sent: u64,
    /// Approved intents whose id was 0 or already open (the order manager refuses their order).
    pub duplicate_ids: u64,
    /// Market events or fills for an instrument id outside the table.
    pub unknown_instrument: u64,
    /// Messages that do not belong on risk's input (orders, decisions): dropped, never forwarded.
    pub unexpected: u64,
}

impl RiskStats {
    /// Rejections with reason `v`.
    pub fn rejected_by(&self, v: Verdict) -> u64 {
        self.rejected[v as usize]
    }
    /// All rejections.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }
}
