//! The event log behind the WebSocket: every update of the view as one serialized
//! [`WsEvent`](super::shapes::WsEvent) under a cursor (1, 2, … in the order the view applied
//! them), the newest `capacity` kept, so a client that reconnects with the last cursor it saw
//! gets exactly what it missed.

use super::shapes::{WsData, WsEvent};
use std::collections::VecDeque;
use std::sync::Arc;

/// One event, serialized once for every client.
#[derive(Clone, Debug)]
pub struct Logged {
    pub cursor: u64,
    /// The `type` tag.
    pub kind: &'static str,
    pub json: Arc<str>,
}

/// The newest events.
#[derive(Debug)]
pub struct EventLog {
    events: VecDeque<Logged>,
    capacity: usize,
    next: u64,
}

/// What a client resuming after `since` gets.
#[derive(Debug)]
pub struct Resume {
    /// True when every event after `since` is still kept (they are all in `events`).
    pub resumed: bool,
    pub oldest: u64,
    pub newest: u64,
    pub events: Vec<Logged>,
}

impl EventLog {
    pub fn new(capacity: usize) -> EventLog {
        EventLog {
            events: VecDeque::with_capacity(capacity.min(1 << 16)),
            capacity: capacity.max(1),
            next: 1,
        }
    }

    /// Append one event; returns its cursor.
    pub fn push(&mut self, ts_ns: u64, data: WsData) -> u64 {
        let cursor = self.next;
        self.next += 1;
        let kind = data.kind();
        let ev = WsEvent { cursor, ts_ns, ts: crate::report::utc_ms(ts_ns), data };
        let json: Arc<str> = match serde_json::to_string(&ev) {
            Ok(s) => s.into(),
            // Plain structs of numbers and strings always serialize; keep the cursor dense anyway.
            Err(e) => format!("{{\"cursor\":{cursor},\"type\":\"error\",\"error\":\"{e}\"}}").into(),
        };
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        self.events.push_back(Logged { cursor, kind, json });
        cursor
    }

    /// The newest cursor (0: none yet).
    pub fn newest(&self) -> u64 {
        self.next - 1
    }

    /// The oldest cursor still kept (the next one when empty).
    pub fn oldest(&self) -> u64 {
        self.events.front().map_or(self.next, |e| e.cursor)
    }

    /// Events after `since` (all kept ones for None), at most `max`.
    pub fn after(&self, since: Option<u64>, max: usize) -> Resume {
        let oldest = self.oldest();
        let newest = self.newest();
        let from = since.map_or(oldest, |s| s.saturating_add(1));
        let resumed = since.is_some_and(|s| s <= newest && s.saturating_add(1) >= oldest);
        let skip = from.saturating_sub(oldest) as usize;
        let events = self.events.iter().skip(skip).take(max).cloned().collect();
        Resume { resumed, oldest, newest, events }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::shapes::SignalView;

    fn sig(n: i32) -> WsData {
        WsData::Signal(SignalView {
            ts_ns: 1,
            agent: 0,
            agent_name: "a".into(),
            symbol: "X".into(),
            score_bps: n,
        })
    }

    #[test]
    fn resumes_exactly_after_the_cursor_and_says_when_it_cannot() {
        let mut log = EventLog::new(4);
        for n in 0..6 {
            log.push(1, sig(n));
        }
        assert_eq!((log.oldest(), log.newest()), (3, 6));
        let r = log.after(Some(4), 100);
        assert!(r.resumed);
        assert_eq!(r.events.iter().map(|e| e.cursor).collect::<Vec<_>>(), vec![5, 6]);
        assert!(
            r.events[0].json.contains("\"cursor\":5") && r.events[0].json.contains("\"type\":\"signal\"")
        );
        // Cursor 1's successor (2) is gone: not resumable.
        assert!(!log.after(Some(1), 100).resumed);
        // Cursor 2's successor (3) is the oldest kept: resumable.
        assert!(log.after(Some(2), 100).resumed);
        // A cursor from the future (another epoch) is not.
        assert!(!log.after(Some(99), 100).resumed);
        assert!(log.after(Some(6), 100).events.is_empty());
    }
}
