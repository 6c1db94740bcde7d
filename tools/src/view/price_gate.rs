//! How often a symbol's price goes out on `/ws`. A capture holds hundreds of quotes per second
//! per symbol and a backtest replays them a thousand times faster than that: one event per quote
//! made serializing prices most of the dashboard's work (and 200,000 events of backlog), for a
//! chart that cannot show them. With a period `every`, a symbol's price goes out at once when
//! `every` of journal time has passed since its last one (so a replay keeps ~10 points per
//! second of market time at 100 ms), and otherwise waits: [`PriceGate::due`] names the symbols
//! whose latest price has not gone out and whose last one is `every` of wall-clock time old, so
//! the page never shows a stale last price for longer than that. Without a period every update
//! goes out. REST answers (`/api/market/prices`, the bars) are not affected.

use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
struct Slot {
    /// Journal time of the last price that went out.
    sent_ts: u64,
    /// Wall-clock time it went out.
    sent_at: Option<Instant>,
    /// An update arrived since.
    pending: bool,
}

/// Per-instrument state of the price events.
#[derive(Default)]
pub struct PriceGate {
    every: Option<Duration>,
    slots: Vec<Slot>,
    pending: usize,
}

impl PriceGate {
    /// At most one price event per symbol per `every` (None or zero: every update).
    pub fn new(every: Option<Duration>) -> PriceGate {
        PriceGate { every: every.filter(|d| !d.is_zero()), slots: Vec::new(), pending: 0 }
    }

    /// An update of `inst`'s price at journal time `ts`: true if it goes out now.
    pub fn update(&mut self, inst: usize, ts: u64) -> bool {
        let Some(every) = self.every else { return true };
        if self.slots.len() <= inst {
            self.slots.resize(inst + 1, Slot { sent_ts: 0, sent_at: None, pending: false });
        }
        let s = &mut self.slots[inst];
        if s.sent_at.is_none() || ts >= s.sent_ts.saturating_add(every.as_nanos() as u64) {
            if s.pending {
                s.pending = false;
                self.pending -= 1;
            }
            s.sent_ts = ts;
            s.sent_at = Some(Instant::now());
            true
        } else {
            if !s.pending {
                s.pending = true;
                self.pending += 1;
            }
            false
        }
    }

    /// The instruments whose latest price has not gone out and is due now (`all`: every one
    /// waiting, e.g. at the end of a finished journal); they count as sent at `ts`.
    pub fn due(&mut self, ts: u64, all: bool) -> Vec<usize> {
        if self.pending == 0 {
            return Vec::new();
        }
        let every = self.every.unwrap_or_default();
        let mut out = Vec::new();
        for (i, s) in self.slots.iter_mut().enumerate() {
            if s.pending && (all || s.sent_at.is_none_or(|t| t.elapsed() >= every)) {
                s.pending = false;
                s.sent_ts = s.sent_ts.max(ts);
                s.sent_at = Some(Instant::now());
                out.push(i);
            }
        }
        self.pending -= out.len();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn without_a_period_every_update_goes_out() {
        let mut g = PriceGate::new(None);
        assert!((0..100).all(|i| g.update(0, i)));
        assert!(g.due(100, true).is_empty());
        let mut g = PriceGate::new(Some(Duration::ZERO));
        assert!(g.update(3, 5) && g.update(3, 5));
    }

    #[test]
    fn one_per_period_of_journal_time_and_the_rest_held_until_due() {
        let mut g = PriceGate::new(Some(Duration::from_millis(100)));
        // Quotes every 10 ms of journal time for 1 s on two symbols: one in ten goes out at once.
        let mut sent = [0, 0];
        for k in 0..100u64 {
            for (inst, n) in sent.iter_mut().enumerate() {
                *n += g.update(inst, k * 10 * MS) as usize;
            }
        }
        assert_eq!(sent, [10, 10]);
        // The last ones (990 ms) are held: not yet due by the wall clock, due when forced.
        assert!(g.due(990 * MS, false).is_empty());
        assert_eq!(g.due(990 * MS, true), vec![0, 1]);
        assert!(g.due(990 * MS, true).is_empty(), "nothing twice");
        // Held ones go out once the period passed on the wall clock.
        let mut g = PriceGate::new(Some(Duration::from_millis(20)));
        assert!(g.update(1, 0));
        assert!(!g.update(1, MS));
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(g.due(MS, false), vec![1]);
        // Sent at 1 ms by the flush: the next update 100 ms of journal time later goes at once.
        assert!(g.update(1, 21 * MS + 1));
    }
}
