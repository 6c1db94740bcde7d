//! Per-IP limits: REST request weight per sliding minute (429, then 418 ban for requests that
//! keep coming), and WebSocket connection attempts per sliding 5 minutes.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MINUTE: Duration = Duration::from_secs(60);
const FIVE_MINUTES: Duration = Duration::from_secs(300);

/// What the weight limiter says about one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead; `used` is the weight used in the last minute, this request included.
    Ok { used: u32 },
    /// 429: over the limit; retry after `retry` seconds.
    TooMany { used: u32, retry: u64 },
    /// 418: banned (kept coming while told to back off); retry after `retry` seconds.
    Banned { used: u32, retry: u64 },
}

#[derive(Default)]
struct IpWeight {
    window: VecDeque<(Instant, u32)>,
    strikes: u32,
    banned_until: Option<Instant>,
}

/// REST weight per IP per sliding minute.
pub(crate) struct WeightLimiter {
    per_minute: u32,
    strikes: u32,
    ban: Duration,
    ips: Mutex<HashMap<IpAddr, IpWeight>>,
}

fn secs_ceil(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000).max(1) as u64
}

impl WeightLimiter {
    pub fn new(per_minute: u32, strikes: u32, ban: Duration) -> WeightLimiter {
        WeightLimiter { per_minute, strikes, ban, ips: Mutex::new(HashMap::new()) }
    }

    /// Count a request of `weight` from `ip` at `now`.
    pub fn check(&self, ip: IpAddr, weight: u32, now: Instant) -> Verdict {
        let mut ips = self.ips.lock().unwrap_or_else(|p| p.into_inner());
        let w = ips.entry(ip).or_default();
        while w.window.front().is_some_and(|(t, _)| now.duration_since(*t) >= MINUTE) {
            w.window.pop_front();
        }
        let used: u32 = w.window.iter().map(|(_, n)| n).sum();
        if let Some(until) = w.banned_until {
            if now < until {
                return Verdict::Banned { used, retry: secs_ceil(until - now) };
            }
            w.banned_until = None;
            w.strikes = 0;
        }
        if used + weight > self.per_minute {
            w.strikes += 1;
            if w.strikes > self.strikes {
                w.banned_until = Some(now + self.ban);
                return Verdict::Banned { used, retry: secs_ceil(self.ban) };
            }
            let oldest = w.window.front().map_or(now, |(t, _)| *t);
            return Verdict::TooMany { used, retry: secs_ceil(MINUTE.saturating_sub(now - oldest)) };
        }
        w.strikes = 0;
        w.window.push_back((now, weight));
        Verdict::Ok { used: used + weight }
    }

    /// Weight used by `ip` in the last minute.
    pub fn used(&self, ip: IpAddr, now: Instant) -> u32 {
        let ips = self.ips.lock().unwrap_or_else(|p| p.into_inner());
        ips.get(&ip).map_or(0, |w| {
            w.window.iter().filter(|(t, _)| now.duration_since(*t) < MINUTE).map(|(_, n)| n).sum()
        })
    }
}

/// WebSocket connection attempts per IP per sliding 5 minutes.
pub(crate) struct ConnectLimiter {
    max: u32,
    ips: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl ConnectLimiter {
    pub fn new(max: u32) -> ConnectLimiter {
        ConnectLimiter { max, ips: Mutex::new(HashMap::new()) }
    }

    /// Count an attempt; false when it is over the limit (refuse with 429).
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let mut ips = self.ips.lock().unwrap_or_else(|p| p.into_inner());
        let q = ips.entry(ip).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= FIVE_MINUTES) {
            q.pop_front();
        }
        q.push_back(now);
        q.len() <= self.max as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_429_then_ban_then_recovery() {
        let ip = IpAddr::from([127, 0, 0, 1]);
        let l = WeightLimiter::new(10, 3, Duration::from_secs(120));
        let t = Instant::now();
        assert_eq!(l.check(ip, 5, t), Verdict::Ok { used: 5 });
        assert_eq!(l.check(ip, 5, t), Verdict::Ok { used: 10 });
        for _ in 0..3 {
            assert!(matches!(l.check(ip, 5, t), Verdict::TooMany { used: 10, retry: 60 }));
        }
        assert!(matches!(l.check(ip, 5, t), Verdict::Banned { retry: 120, .. }));
        assert!(matches!(l.check(ip, 1, t + Duration::from_secs(61)), Verdict::Banned { .. }));
        assert_eq!(l.check(ip, 1, t + Duration::from_secs(121)), Verdict::Ok { used: 1 });
        let c = ConnectLimiter::new(2);
        assert!(c.allow(ip, t) && c.allow(ip, t) && !c.allow(ip, t));
        assert!(c.allow(ip, t + FIVE_MINUTES));
    }
}
