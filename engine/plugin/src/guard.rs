//! [`Guard`]: what the plugin adapter and its built-in twin share — health counters, the time
//! budget (measured with `quanta` only when one is set) and the fault.

use alphapulse_strategy::{Fault, StrategyHealth};

/// Bytes kept for a panic or error message (longer ones are cut).
pub const MESSAGE_CAP: usize = 1024;

/// Health, time budget and fault of one strategy.
pub struct Guard {
    name: String,
    clock: Option<quanta::Clock>,
    health: StrategyHealth,
    /// The panic message, kept for status (also handed once to the host as a [`Fault`]).
    message: Option<String>,
    pending: Option<Fault>,
}

impl Guard {
    /// A guard for strategy `name` with a time budget per call of `budget_ns` (0 = off).
    pub fn new(name: &str, budget_ns: u64) -> Self {
        Guard {
            name: name.to_string(),
            clock: (budget_ns > 0).then(quanta::Clock::new),
            health: StrategyHealth { enabled: true, budget_ns, ..Default::default() },
            message: None,
            pending: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    #[inline(always)]
    pub fn enabled(&self) -> bool {
        self.health.enabled
    }

    /// Start a call: the clock's raw reading when a budget is set.
    #[inline(always)]
    pub fn start(&self) -> u64 {
        self.clock.as_ref().map_or(0, |c| c.raw())
    }

    /// End a call started at `t0`: count it, and against the budget if one is set.
    #[inline(always)]
    pub fn finish(&mut self, t0: u64) {
        self.health.calls += 1;
        if let Some(c) = &self.clock {
            let ns = c.delta_as_nanos(t0, c.raw());
            self.health.worst_call_ns = self.health.worst_call_ns.max(ns);
            if ns > self.health.budget_ns {
                self.health.overruns += 1;
            }
        }
    }

    /// The strategy panicked with `message`: disable it (cold path; allocates the message).
    #[cold]
    pub fn panicked(&mut self, message: &str) {
        self.health.enabled = false;
        self.health.panicked = true;
        self.message = Some(message.to_string());
        self.pending = Some(Fault { strategy: self.name.clone(), message: message.to_string() });
    }

    /// The fault not yet handed to the host.
    #[inline(always)]
    pub fn take_fault(&mut self) -> Option<Fault> {
        self.pending.take()
    }

    pub fn health(&self) -> StrategyHealth {
        self.health
    }

    /// The panic message, once it panicked.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}
