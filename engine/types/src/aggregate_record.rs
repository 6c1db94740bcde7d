//! Payload of the journal-only [`crate::Msg::Aggregate`] (kind 19): one decision of the strategy
//! host's aggregator — the combined score of an instrument past its entry threshold, the confidence
//! it was given and the three parts that confidence came from, which strategies' signals it
//! weighed, and what became of it (an intent sent, or the check that held it back). The inputs
//! themselves are the strategies' `Msg::Signal` records: bit `i` of [`AggregateRecord::agents`]
//! says that strategy `i`'s latest signal for the instrument (journaled before this record, in the
//! same stream) was live and counted. So `alphapulse journal tail` shows why an order was sent.

use crate::InstrumentId;

/// What became of an aggregate decision ([`AggregateRecord::outcome`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AggregateOutcome {
    /// An intent was sent (`intent_id` is its id).
    #[default]
    Sent = 0,
    /// The aggregator is halted (operator or config).
    Halted = 1,
    /// The instrument's previous intent has not ended.
    Outstanding = 2,
    /// Within `min_interval_ns` of the instrument's last intent.
    Cooldown = 3,
    /// No two-sided quote to price the order.
    NoMarket = 4,
    /// The position cap leaves no room.
    PositionCap = 5,
    /// Under the instrument's minimum quantity or notional.
    TooSmall = 6,
    /// Confidence under `confidence.min_confidence_bps`.
    LowConfidence = 7,
    /// Risk refused the instrument's last intent less than `confidence.risk_backoff_ns` ago.
    RiskBackoff = 8,
    /// The strategy's intent ids are used up.
    IdsExhausted = 9,
}

impl AggregateOutcome {
    pub const COUNT: usize = 10;
    /// The stable `snake_case` name (journal exports, reports).
    pub const fn name(self) -> &'static str {
        match self {
            AggregateOutcome::Sent => "sent",
            AggregateOutcome::Halted => "halted",
            AggregateOutcome::Outstanding => "outstanding",
            AggregateOutcome::Cooldown => "cooldown",
            AggregateOutcome::NoMarket => "no_market",
            AggregateOutcome::PositionCap => "position_cap",
            AggregateOutcome::TooSmall => "too_small",
            AggregateOutcome::LowConfidence => "low_confidence",
            AggregateOutcome::RiskBackoff => "risk_backoff",
            AggregateOutcome::IdsExhausted => "ids_exhausted",
        }
    }
}

/// One aggregate decision (journal-only [`crate::Msg::Aggregate`], the strategy host's stream).
/// Scores and the confidence parts are basis points (`0..=10_000`, the score signed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct AggregateRecord {
    /// When the host decided (its clock).
    pub ts: u64,
    /// The event time of the market event that led to it (`local_ts`).
    pub origin_ts: u64,
    /// The intent's id when one was sent; 0 otherwise.
    pub intent_id: u64,
    /// Bit `i`: strategy `i`'s signal (its index in the host) was live and weighed.
    pub agents: u64,
    pub inst: InstrumentId,
    /// The score the decision followed: the weighted combination, or the one strategy's own score
    /// when it traded on its conviction alone (`solo`).
    pub combined: i32,
    /// `|combined|` scaled by agreement, freshness and accuracy (see the aggregator's docs).
    pub confidence: u16,
    /// Share of the weighted signal mass pointing the way of `combined`.
    pub agreement: u16,
    /// Weighted recent hit rate of the strategies weighed (5 000 = no better than a coin).
    pub accuracy: u16,
    /// Weighted share of each signal's time to live still ahead of it.
    pub freshness: u16,
    pub outcome: AggregateOutcome,
    /// 1 when one strategy's conviction alone carried it (`solo_entry_bps`), else 0.
    pub solo: u8,
    pub _pad: [u8; 6],
}

const _: () = assert!(core::mem::size_of::<AggregateRecord>() == 56);
