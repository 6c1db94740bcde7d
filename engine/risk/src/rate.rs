//! [`RateWindow`]: at most N approvals in any sliding one-second window of event time.

/// Length of the sliding window, in nanoseconds.
pub const WINDOW_NS: u64 = 1_000_000_000;

/// A ring of the last `max` approval times (preallocated, never grows).
///
/// An approval at time `t` counts against every later time `now` with `now - t < 1 s`. With the
/// ring full, a new approval is allowed only once the oldest kept time has left the window:
/// `now - oldest >= 1 s`. Keeping the last `max` times is enough: if the `max`-th most recent
/// approval is out of the window, fewer than `max` are in it.
#[derive(Clone, Debug)]
pub struct RateWindow {
    times: Vec<u64>,
    /// The limit in force, at most `times.len()` (lowered live by an operator).
    max: usize,
    /// Index of the oldest kept time.
    head: usize,
    len: usize,
}

impl RateWindow {
    /// A window allowing `max` approvals per second (`max >= 1`; 0 is treated as 1).
    pub fn new(max: u32) -> Self {
        let max = max.max(1) as usize;
        RateWindow { times: alphapulse_types::mem::prefaulted(max), max, head: 0, len: 0 }
    }

    /// Allow `max` approvals per second from now on, at most the capacity given at construction
    /// (the times kept are enough to judge any lower limit). False, and nothing changed, if above.
    pub fn set_max(&mut self, max: u32) -> bool {
        if max == 0 || max as usize > self.times.len() {
            return false;
        }
        self.max = max as usize;
        true
    }

    /// Whether one more approval at `now` keeps every one-second window within the limit.
    /// A clock that went backwards (`now` before the oldest kept time) is refused.
    #[inline]
    pub fn allows(&self, now: u64) -> bool {
        if self.len < self.max {
            return true;
        }
        // The `max`-th most recent approval must have left the window.
        let i = (self.head + self.len - self.max) % self.times.len();
        now.checked_sub(self.times[i]).is_some_and(|d| d >= WINDOW_NS)
    }

    /// Record an approval at `now` (drops the oldest kept time when full).
    #[inline]
    pub fn record(&mut self, now: u64) {
        let cap = self.times.len();
        if self.len < cap {
            let i = (self.head + self.len) % cap;
            self.times[i] = now;
            self.len += 1;
        } else {
            self.times[self.head] = now;
            self.head = (self.head + 1) % cap;
        }
    }

    /// Approvals still kept (at most `max`).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_sliding_and_exclusive_at_one_second() {
        let mut w = RateWindow::new(2);
        assert!(w.allows(0));
        w.record(100);
        w.record(200);
        assert!(!w.allows(200));
        assert!(!w.allows(100 + WINDOW_NS - 1));
        assert!(w.allows(100 + WINDOW_NS));
        w.record(100 + WINDOW_NS);
        // 200 is still in the window at 200 + 1 s - 1.
        assert!(!w.allows(200 + WINDOW_NS - 1));
        assert!(w.allows(200 + WINDOW_NS));
        assert!(!w.allows(50), "clock went backwards");
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn a_lowered_limit_counts_the_most_recent_approvals() {
        let mut w = RateWindow::new(3);
        for t in [0, 10, 20] {
            w.record(t);
        }
        assert!(!w.allows(30));
        assert!(w.set_max(2));
        // The 2nd most recent (10) decides now.
        assert!(!w.allows(10 + WINDOW_NS - 1));
        assert!(w.allows(10 + WINDOW_NS));
        assert!(!w.set_max(4), "above the capacity");
        assert!(!w.set_max(0));
        assert!(w.set_max(3));
        // Back to 3: at 20 + 1 s − 1 only 20 is in the window.
        assert!(w.allows(20 + WINDOW_NS - 1));
        assert!(!w.allows(20));
    }
}
