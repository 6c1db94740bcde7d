//! Injected clocks. Actors read time only through `Ctx::now()`, which the runtime fills from the
//! placement's clock, so the same actor code runs on event time in a backtest and on the TSC live.

use alphapulse_types::Msg;

/// Which clock a placement uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockKind {
    /// Event time: the timestamp carried by the message being handled, never going backwards for
    /// one actor. Deterministic: the backtest clock.
    #[default]
    Event,
    /// The CPU's time-stamp counter via `quanta`, in nanoseconds since the Unix epoch.
    Tsc,
}

/// One actor's clock. Each actor gets its own, so a placement cannot change what time an actor sees.
#[derive(Clone, Debug)]
pub enum Clock {
    Event { now: u64 },
    Tsc { clock: quanta::Clock, base_raw: u64, base_unix_ns: u64 },
}

impl Clock {
    pub fn new(kind: ClockKind) -> Self {
        match kind {
            ClockKind::Event => Clock::Event { now: 0 },
            ClockKind::Tsc => {
                let clock = quanta::Clock::new();
                let base_unix_ns = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0);
                let base_raw = clock.raw();
                Clock::Tsc { clock, base_raw, base_unix_ns }
            }
        }
    }

    /// The time at which `msg` is handled.
    #[inline(always)]
    pub fn at_message(&mut self, msg: &Msg) -> u64 {
        match self {
            Clock::Event { now } => {
                *now = (*now).max(msg.event_ts());
                *now
            }
            Clock::Tsc { .. } => self.read(),
        }
    }

    /// Advance an event clock past `msg` without handling it (a pass-through); TSC clocks ignore it.
    #[inline(always)]
    pub fn observe(&mut self, msg: &Msg) {
        if let Clock::Event { now } = self {
            *now = (*now).max(msg.event_ts());
        }
    }

    /// The time now without advancing anything: an event clock's current time, or a TSC reading.
    #[inline(always)]
    pub fn peek(&self) -> u64 {
        match self {
            Clock::Event { now } => *now,
            Clock::Tsc { clock, base_raw, base_unix_ns } => {
                *base_unix_ns + clock.delta_as_nanos(*base_raw, clock.raw())
            }
        }
    }

    /// Whether this is a live (TSC) clock.
    pub fn is_live(&self) -> bool {
        matches!(self, Clock::Tsc { .. })
    }

    /// The time now (for polls): event clocks stay where the last message left them.
    #[inline(always)]
    pub fn read(&mut self) -> u64 {
        match self {
            Clock::Event { now } => *now,
            Clock::Tsc { clock, base_raw, base_unix_ns } => {
                *base_unix_ns + clock.delta_as_nanos(*base_raw, clock.raw())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_types::EndOfStream;

    #[test]
    fn event_clock_is_monotonic() {
        let mut c = Clock::new(ClockKind::Event);
        assert_eq!(c.at_message(&Msg::Eos(EndOfStream { ts: 10 })), 10);
        assert_eq!(c.at_message(&Msg::Eos(EndOfStream { ts: 5 })), 10);
        assert_eq!(c.read(), 10);
    }

    #[test]
    fn clones_share_one_base() {
        // The runtime hands every actor a clone of one clock: readings interleaved across clones
        // must never go backwards (separately created clocks differ by microseconds).
        let mut a = Clock::new(ClockKind::Tsc);
        let mut b = a.clone();
        let mut last = 0;
        for i in 0..10_000 {
            let t = if i % 2 == 0 { a.read() } else { b.read() };
            assert!(t >= last, "clone read {t} before {last}");
            last = t;
        }
    }

    #[test]
    fn tsc_clock_advances() {
        let mut c = Clock::new(ClockKind::Tsc);
        let a = c.read();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = c.read();
        assert!(b > a && a > 1_600_000_000_000_000_000);
    }
}
