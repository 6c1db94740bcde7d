//! Counters of a live feed, beside the frame counters of [`crate::FeedStats`].

use alphapulse_types::{FeedEvent, FeedReason};

/// What a live feed counted: every state change by kind and reason, and the traffic.
#[derive(Clone, Debug, Default)]
pub struct LiveStats {
    /// State changes by [`FeedEvent`] (index `event as usize`); each is also journaled.
    pub events: [u64; FeedEvent::COUNT],
    /// Disconnections by [`FeedReason`] (index `reason as usize`).
    pub disconnects: [u64; FeedReason::COUNT],
    /// WebSocket text messages received (market frames, control answers, events).
    pub messages: u64,
    /// Bytes of those messages.
    pub bytes: u64,
    /// Pings received, pongs sent.
    pub pings: u64,
    pub pongs: u64,
    /// Pings answered late because the pacer held the pong (counted, not an error).
    pub pongs_held: u64,
    /// Answers to control messages (`{"result":..,"id":..}` / `{"error":..}`).
    pub control_replies: u64,
    /// Snapshot bodies received (any status).
    pub snapshot_replies: u64,
    /// Feed events that did not fit the journal queue (never expected: counted).
    pub events_dropped: u64,
}

impl LiveStats {
    /// Count of one event kind.
    pub fn count(&self, e: FeedEvent) -> u64 {
        self.events[e as usize]
    }
}
