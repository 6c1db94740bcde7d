//! The bounded buffer of depth events that wait for a snapshot: two preallocated rings, one of
//! event headers and one of their levels. When either is full the oldest events are dropped (and
//! counted); an event larger than the whole level ring is dropped itself.

use alphapulse_types::{Price, Qty};

/// A depth event, borrowed from the parser or copied out of the buffer.
#[derive(Clone, Copy, Debug)]
pub struct DepthEvent<'a> {
    /// `U`: first update id in the event.
    pub first_id: u64,
    /// `u`: final update id in the event.
    pub last_id: u64,
    /// USD-M `pu`: the previous event's `u`.
    pub prev_id: Option<u64>,
    /// Exchange time in ns (0 if unknown).
    pub exch_ts: u64,
    pub bids: &'a [(Price, Qty)],
    pub asks: &'a [(Price, Qty)],
}

#[derive(Clone, Copy, Debug, Default)]
struct Header {
    first_id: u64,
    last_id: u64,
    prev_id: Option<u64>,
    exch_ts: u64,
    start: usize,
    n_bids: u32,
    n_asks: u32,
}

/// Ring buffers of waiting depth events.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    evs: Vec<Header>,
    head: usize,
    len: usize,
    lv: Vec<(Price, Qty)>,
    lhead: usize,
    llen: usize,
}

impl Pending {
    pub(crate) fn new(max_events: usize, max_levels: usize) -> Self {
        Pending {
            evs: vec![Header::default(); max_events.max(1)],
            head: 0,
            len: 0,
            lv: vec![(Price::ZERO, Qty::ZERO); max_levels.max(1)],
            lhead: 0,
            llen: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Drop every buffered event.
    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
        self.lhead = 0;
        self.llen = 0;
    }

    /// Append `ev`; returns how many events were dropped to make room (or 1 if `ev` itself was).
    pub(crate) fn push(&mut self, ev: &DepthEvent<'_>) -> u64 {
        let n = ev.bids.len() + ev.asks.len();
        if n > self.lv.len() {
            return 1;
        }
        let mut dropped = 0;
        while self.len == self.evs.len() || self.llen + n > self.lv.len() {
            self.pop_front();
            dropped += 1;
        }
        let cap = self.lv.len();
        let start = (self.lhead + self.llen) % cap;
        for (k, l) in ev.bids.iter().chain(ev.asks).enumerate() {
            self.lv[(start + k) % cap] = *l;
        }
        self.llen += n;
        let slot = (self.head + self.len) % self.evs.len();
        self.evs[slot] = Header {
            first_id: ev.first_id,
            last_id: ev.last_id,
            prev_id: ev.prev_id,
            exch_ts: ev.exch_ts,
            start,
            n_bids: ev.bids.len() as u32,
            n_asks: ev.asks.len() as u32,
        };
        self.len += 1;
        dropped
    }

    /// Drop the oldest event.
    pub(crate) fn pop_front(&mut self) {
        if self.len == 0 {
            return;
        }
        let h = self.evs[self.head];
        let n = (h.n_bids + h.n_asks) as usize;
        self.lhead = (self.lhead + n) % self.lv.len();
        self.llen -= n;
        self.head = (self.head + 1) % self.evs.len();
        self.len -= 1;
    }

    /// Copy the oldest event's levels into `bids`/`asks` (cleared first; they must have the
    /// capacity) and return its header as an event over them.
    pub(crate) fn front<'s>(
        &self,
        bids: &'s mut Vec<(Price, Qty)>,
        asks: &'s mut Vec<(Price, Qty)>,
    ) -> Option<DepthEvent<'s>> {
        if self.len == 0 {
            return None;
        }
        let h = self.evs[self.head];
        let cap = self.lv.len();
        bids.clear();
        asks.clear();
        for k in 0..h.n_bids as usize {
            bids.push(self.lv[(h.start + k) % cap]);
        }
        for k in 0..h.n_asks as usize {
            asks.push(self.lv[(h.start + h.n_bids as usize + k) % cap]);
        }
        Some(DepthEvent {
            first_id: h.first_id,
            last_id: h.last_id,
            prev_id: h.prev_id,
            exch_ts: h.exch_ts,
            bids,
            asks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: u64, lv: &[(Price, Qty)]) -> DepthEvent<'_> {
        DepthEvent { first_id: id, last_id: id, prev_id: None, exch_ts: 0, bids: lv, asks: lv }
    }

    #[test]
    fn drops_oldest_when_full_and_wraps() {
        let l = [(Price::from_units(1), Qty::from_units(2)); 3];
        let mut p = Pending::new(3, 10);
        assert_eq!(p.push(&ev(1, &l)), 0); // 6 levels
        assert_eq!(p.push(&ev(2, &l[..1])), 0); // 8
        assert_eq!(p.push(&ev(3, &l)), 1); // needs 6: drops #1
        assert_eq!(p.len(), 2);
        let (mut b, mut a) = (Vec::with_capacity(10), Vec::with_capacity(10));
        let f = p.front(&mut b, &mut a).unwrap();
        assert_eq!((f.first_id, f.bids.len(), f.asks.len()), (2, 1, 1));
        p.pop_front();
        let f = p.front(&mut b, &mut a).unwrap();
        assert_eq!((f.first_id, f.bids.len(), f.asks.len()), (3, 3, 3));
        assert_eq!(p.push(&ev(4, &[(Price::ZERO, Qty::ZERO); 6])), 1); // 12 levels > 10: itself
        assert_eq!(p.len(), 1);
    }
}
