//! The rules that keep a feed welcome at the exchange, as small clock-driven values (times in ns
//! since the Unix epoch, given by the caller; nothing here reads a clock or allocates after
//! construction):
//! - [`Backoff`]: jittered exponential delays between connection attempts;
//! - [`AttemptWindow`]: at most N connection attempts per sliding window (Binance: 300 per 5 minutes
//!   per IP), so an outage never becomes a reconnect storm;
//! - [`Pacer`]: at most N outgoing messages per second on a connection (Binance closes a connection
//!   that sends more than 5 per second, pings and pongs included);
//! - [`RestGate`]: the REST weight budget per minute, and what a 429 (back off) or a 418 (banned)
//!   imposes.

const MS: u64 = 1_000_000;

/// A small xorshift generator for jitter (not cryptographic; seeded per feed).
#[derive(Clone, Copy, Debug)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter(seed | 1)
    }
    /// Uniform in `0..=max`.
    pub fn below(&mut self, max: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        if max == u64::MAX {
            x
        } else {
            x % (max + 1)
        }
    }
}

/// Delays between failed connection attempts: the n-th is in `[d/2, d]` with
/// `d = min(max, initial × 2^n)` ("equal jitter": never zero, never in step with other clients).
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    initial_ns: u64,
    max_ns: u64,
    failures: u32,
}

impl Backoff {
    pub fn new(initial_ms: u64, max_ms: u64) -> Self {
        Backoff { initial_ns: initial_ms * MS, max_ns: max_ms.max(initial_ms) * MS, failures: 0 }
    }
    /// The delay before the next attempt after one more failure.
    pub fn next_delay(&mut self, jitter: &mut Jitter) -> u64 {
        let d = self.initial_ns.saturating_mul(1u64 << self.failures.min(40)).min(self.max_ns);
        self.failures = self.failures.saturating_add(1);
        d / 2 + jitter.below(d - d / 2)
    }
    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }
    /// A connection worked: start again from the initial delay.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// At most `max` attempts in any window of `window_ns` (a ring of the last `max` attempt times).
#[derive(Clone, Debug)]
pub struct AttemptWindow {
    times: Vec<u64>,
    next: usize,
    window_ns: u64,
}

impl AttemptWindow {
    pub fn new(max: u32, window_secs: u64) -> Self {
        AttemptWindow { times: vec![0; max.max(1) as usize], next: 0, window_ns: window_secs * 1_000 * MS }
    }
    /// When the next attempt may be made (`now` if at once).
    pub fn next_allowed(&self, now: u64) -> u64 {
        // The oldest of the last `max` attempts leaves the window at `oldest + window`.
        let oldest = self.times[self.next];
        if oldest == 0 {
            now
        } else {
            now.max(oldest + self.window_ns)
        }
    }
    /// Record an attempt at `now` (the caller checked [`Self::next_allowed`]).
    pub fn record(&mut self, now: u64) {
        self.times[self.next] = now.max(1);
        self.next = (self.next + 1) % self.times.len();
    }
}

/// At most `per_sec` messages in any one-second window (a ring of the last `per_sec` send times).
#[derive(Clone, Debug)]
pub struct Pacer {
    times: [u64; 5],
    n: usize,
    next: usize,
}

impl Pacer {
    /// `per_sec` in 1..=5.
    pub fn new(per_sec: u32) -> Self {
        Pacer { times: [0; 5], n: per_sec.clamp(1, 5) as usize, next: 0 }
    }
    /// True when a message may be sent at `now`.
    pub fn ready(&self, now: u64) -> bool {
        let oldest = self.times[self.next];
        oldest == 0 || now >= oldest + 1_000 * MS
    }
    /// A message was sent at `now`.
    pub fn sent(&mut self, now: u64) {
        self.times[self.next] = now.max(1);
        self.next = (self.next + 1) % self.n;
    }
}

/// Why the REST gate says no.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestWait {
    /// The feed's own weight budget for this minute is spent.
    Budget,
    /// The exchange answered 429: back off until then.
    BackOff,
    /// The exchange answered 418: banned until then.
    Banned,
}

/// The REST weight budget and the exchange's 429/418 answers.
#[derive(Clone, Copy, Debug)]
pub struct RestGate {
    per_minute: u32,
    /// The minute (`now / 60 s`) `used` counts for.
    minute: u64,
    used: u32,
    until: u64,
    wait: Option<RestWait>,
}

/// Wait after a 429 or 418 without a usable `Retry-After` (Binance bans last 2 minutes to 3 days).
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 60;

impl RestGate {
    pub fn new(per_minute: u32) -> Self {
        RestGate { per_minute, minute: 0, used: 0, until: 0, wait: None }
    }
    /// `Ok` when a request of `weight` may go at `now`; else why not and until when.
    pub fn check(&mut self, now: u64, weight: u32) -> Result<(), (RestWait, u64)> {
        if let Some(w) = self.wait {
            if now < self.until {
                return Err((w, self.until));
            }
            self.wait = None;
        }
        let minute = now / (60_000 * MS);
        if minute != self.minute {
            self.minute = minute;
            self.used = 0;
        }
        if self.used + weight > self.per_minute {
            return Err((RestWait::Budget, (minute + 1) * 60_000 * MS));
        }
        Ok(())
    }
    /// A request of `weight` went out at `now`.
    pub fn spend(&mut self, weight: u32) {
        self.used += weight;
    }
    /// The exchange reported its count of this IP's weight this minute (`X-MBX-USED-WEIGHT-1M`):
    /// other clients of the IP spend it too, so the larger count stands.
    pub fn reported(&mut self, used: u32) {
        self.used = self.used.max(used);
    }
    /// HTTP 429 (`banned` false) or 418 (`banned` true) at `now` with `Retry-After` seconds:
    /// returns until when requests stop.
    pub fn refused(&mut self, now: u64, banned: bool, retry_after_secs: Option<u64>) -> u64 {
        let secs = retry_after_secs.filter(|s| *s > 0).unwrap_or(DEFAULT_RETRY_AFTER_SECS);
        self.until = self.until.max(now + secs * 1_000 * MS);
        self.wait = Some(if banned || self.wait == Some(RestWait::Banned) {
            RestWait::Banned
        } else {
            RestWait::BackOff
        });
        self.until
    }
    /// Banned now.
    pub fn banned(&self, now: u64) -> bool {
        self.wait == Some(RestWait::Banned) && now < self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: u64 = 1_000 * MS;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(500, 30_000);
        let mut j = Jitter::new(7);
        let mut caps = Vec::new();
        for _ in 0..10 {
            let d = b.next_delay(&mut j);
            caps.push(d);
        }
        for (n, d) in caps.iter().enumerate() {
            let cap = ((500 * MS) << n).min(30 * S);
            assert!(*d >= cap / 2 && *d <= cap, "attempt {n}: {d} not in [{}, {cap}]", cap / 2);
        }
        b.reset();
        assert!(b.next_delay(&mut j) <= 500 * MS);
    }

    proptest! {
        #[test]
        fn attempts_never_exceed_the_window(max in 1u32..20, gaps in proptest::collection::vec(0u64..3 * S, 1..200)) {
            let mut w = AttemptWindow::new(max, 10);
            let mut now = 1_700_000_000 * S;
            let mut made: Vec<u64> = Vec::new();
            for g in gaps {
                now += g;
                let at = w.next_allowed(now);
                prop_assert!(at >= now);
                w.record(at);
                now = at;
                made.push(at);
                let in_window = made.iter().filter(|t| **t + 10 * S > at).count();
                prop_assert!(in_window as u32 <= max, "{} attempts within 10 s", in_window);
            }
        }

        #[test]
        fn pacer_sends_at_most_n_per_second(n in 1u32..=5, gaps in proptest::collection::vec(0u64..400 * MS, 1..300)) {
            let mut p = Pacer::new(n);
            let mut now = 1_700_000_000 * S;
            let mut sent: Vec<u64> = Vec::new();
            for g in gaps {
                now += g;
                if p.ready(now) {
                    p.sent(now);
                    sent.push(now);
                    let in_window = sent.iter().filter(|t| **t + S > now).count();
                    prop_assert!(in_window as u32 <= n);
                }
            }
        }
    }

    #[test]
    fn rest_gate_budget_429_and_418() {
        let t0 = 1_700_000_000 * S;
        let mut g = RestGate::new(100);
        assert!(g.check(t0, 50).is_ok());
        g.spend(50);
        assert!(g.check(t0, 50).is_ok());
        g.spend(50);
        let (why, until) = g.check(t0, 50).unwrap_err();
        assert_eq!(why, RestWait::Budget);
        assert!(until > t0 && until <= t0 + 60 * S);
        assert!(g.check(until, 50).is_ok(), "a new minute, a new budget");
        // 429 with Retry-After 7: back off 7 s.
        let until = g.refused(t0 + 61 * S, false, Some(7));
        assert_eq!(until, t0 + 68 * S);
        assert_eq!(g.check(t0 + 62 * S, 5), Err((RestWait::BackOff, until)));
        assert!(g.check(until, 5).is_ok());
        // 418 without Retry-After: banned for the default wait; a later 429 does not lift it.
        let until = g.refused(t0 + 100 * S, true, None);
        assert!(g.banned(t0 + 101 * S));
        g.refused(t0 + 101 * S, false, Some(1));
        assert_eq!(g.check(t0 + 102 * S, 5), Err((RestWait::Banned, until)));
        // The exchange's own count of the IP's weight stands when larger.
        let mut g = RestGate::new(100);
        assert!(g.check(t0, 10).is_ok());
        g.reported(95);
        assert!(g.check(t0, 10).is_err());
    }
}
