//! The engine's health, as the original design names its states, assessed on the control thread
//! from what the hot threads publish (the runtime's board, the live feed's status, the kill
//! switch): asking never touches a hot thread.
//!
//! | state | when |
//! |---|---|
//! | `Initializing` | no actor has handled a message yet |
//! | `HealthCheck` | messages flow, the feed has not yet synced every symbol for the first time |
//! | `Healthy` | everything synced, rings far from full |
//! | `Warning` | a symbol is resyncing, a strategy faulted (disabled), or a ring between threads is over half full |
//! | `Degraded` | a symbol's connection is down (reconnecting), or the feed is stale |
//! | `Critical` | a thread has ended while the run goes on, or an actor did not answer a command |
//! | `EmergencyStop` | the operator's kill switch is on (`halt`) |
//!
//! The first that applies, from the bottom of the table up, is the state; the reason names what
//! made it so.

use serde::Serialize;

/// The health states of the original design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Health {
    Initializing,
    HealthCheck,
    Healthy,
    Warning,
    Degraded,
    Critical,
    EmergencyStop,
}

/// What the assessment reads (all published by hot threads or kept by the control thread).
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Messages handled by every actor, summed.
    pub handled: u64,
    /// Live runs: (symbols, synced, resyncing, reconnecting).
    pub symbols: Option<(usize, usize, usize, usize)>,
    /// Every symbol was synced at least once since start.
    pub was_synced: bool,
    /// Live runs: no frame for longer than the stale limit.
    pub stale: bool,
    /// The fullest ring between threads, as a fraction of its capacity.
    pub ring_fill: f64,
    /// Threads that have ended, and all threads.
    pub threads_done: usize,
    pub threads: usize,
    /// An actor did not answer a command in time (since the last successful answer).
    pub unanswered: Option<String>,
    pub halted: bool,
    /// Strategies that faulted (disabled for good), as journaled.
    pub faulted: usize,
}

/// The state and why.
pub fn assess(i: &Inputs) -> (Health, String) {
    if i.halted {
        return (Health::EmergencyStop, "the kill switch is on (`halt`); `resume` releases it".into());
    }
    if i.threads_done == i.threads && i.threads > 0 {
        return (Health::Critical, "the run has ended: every thread has stopped".into());
    }
    if i.threads_done > 0 {
        return (
            Health::Critical,
            format!("{} of {} threads have ended while the run goes on", i.threads_done, i.threads),
        );
    }
    if let Some(a) = &i.unanswered {
        return (Health::Critical, format!("`{a}` did not answer a command in time"));
    }
    if i.handled == 0 {
        return (Health::Initializing, "no market data handled yet".into());
    }
    if let Some((n, synced, resyncing, reconnecting)) = i.symbols {
        if !i.was_synced {
            return (Health::HealthCheck, format!("{synced} of {n} symbols synced so far"));
        }
        if reconnecting > 0 {
            return (Health::Degraded, format!("{reconnecting} of {n} symbols reconnecting"));
        }
        if i.stale {
            return (Health::Degraded, "the feed is stale: no frame for longer than the stale limit".into());
        }
        if resyncing > 0 {
            return (Health::Warning, format!("{resyncing} of {n} symbols resyncing"));
        }
    }
    if i.faulted > 0 {
        return (
            Health::Warning,
            format!("{} strategies faulted and were disabled (`strategies list`)", i.faulted),
        );
    }
    if i.ring_fill > 0.5 {
        return (Health::Warning, format!("a ring between threads is {:.0} % full", i.ring_fill * 100.0));
    }
    (Health::Healthy, "every actor running, nothing behind".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthy() -> Inputs {
        Inputs {
            handled: 10,
            symbols: Some((2, 2, 0, 0)),
            was_synced: true,
            threads: 2,
            ..Default::default()
        }
    }

    #[test]
    fn each_state_with_its_reason_and_precedence() {
        assert_eq!(assess(&healthy()).0, Health::Healthy);
        let cases: Vec<(Inputs, Health, &str)> = vec![
            (Inputs { handled: 0, ..healthy() }, Health::Initializing, "no market data"),
            (
                Inputs { was_synced: false, symbols: Some((2, 1, 1, 0)), ..healthy() },
                Health::HealthCheck,
                "1 of 2",
            ),
            (
                Inputs { symbols: Some((2, 1, 1, 0)), ..healthy() },
                Health::Warning,
                "1 of 2 symbols resyncing",
            ),
            (Inputs { ring_fill: 0.75, ..healthy() }, Health::Warning, "75 % full"),
            (Inputs { faulted: 1, ..healthy() }, Health::Warning, "1 strategies faulted"),
            (Inputs { symbols: Some((2, 1, 0, 1)), ..healthy() }, Health::Degraded, "reconnecting"),
            (Inputs { stale: true, ..healthy() }, Health::Degraded, "stale"),
            (Inputs { threads_done: 1, ..healthy() }, Health::Critical, "1 of 2 threads"),
            (Inputs { threads_done: 2, ..healthy() }, Health::Critical, "run has ended"),
            (Inputs { unanswered: Some("risk".into()), ..healthy() }, Health::Critical, "`risk`"),
            // The kill switch wins over everything else.
            (
                Inputs { halted: true, threads_done: 1, stale: true, ..healthy() },
                Health::EmergencyStop,
                "resume",
            ),
            // A backtest has no live symbols: healthy once data flows.
            (Inputs { symbols: None, ..healthy() }, Health::Healthy, "nothing behind"),
        ];
        for (i, want, reason) in cases {
            let (got, why) = assess(&i);
            assert_eq!(got, want, "{i:?}");
            assert!(why.contains(reason), "{why} lacks {reason}");
        }
    }
}
