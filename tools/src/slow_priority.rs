//! The slow path's CPU priority: `alphapulse dashboard` and `alphapulse persist` lower their own
//! scheduling priority (nice) before they start any thread, so that on a machine where they share
//! cores with an engine they take only the CPU the engine leaves.
//!
//! Why: the engine's threads are not the only ones it needs. A backtest from `.gz` files decodes
//! each file on an `ap-inflate` thread the kernel places freely; with two cores, the hot thread
//! pinned on one and the slow path on the other, the inflaters shared that core with the slow path
//! at equal priority and the backtest ran ~25 % slower (measured: a plain busy loop on the other core
//! costs it ~20 %; the same loop at nice 19 costs it nothing measurable). At nice 10 a slow-path
//! thread gets about a tenth of a core against a nice-0 thread that wants it, and all of an idle
//! one; it falls behind during a burst and catches up after, which is what a journal reader is
//! for. Linux applies nice per thread and new threads inherit it, so this must run first.

use thiserror::Error;

/// The nice value the slow-path subcommands take unless told otherwise.
pub const DEFAULT_NICE: i32 = 10;

/// `--nice N`: flattened into the slow-path subcommands' arguments.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct SlowPriority {
    /// Scheduling priority of this process (nice, 0 = normal … 19 = lowest). The slow path lowers
    /// itself so that it never takes CPU an engine on the same cores wants; 0 keeps the normal
    /// priority (e.g. on a machine of its own).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_NICE,
          value_parser = clap::value_parser!(i32).range(0..=19))]
    pub nice: i32,
}

impl Default for SlowPriority {
    fn default() -> Self {
        SlowPriority { nice: DEFAULT_NICE }
    }
}

/// Setting the priority failed.
#[derive(Debug, Error)]
#[error("setting this process's nice value to {nice}: {source}")]
pub struct PriorityError {
    nice: i32,
    source: std::io::Error,
}

impl SlowPriority {
    /// Sets the calling thread's nice value (every thread started after inherits it). Call it
    /// before any other thread starts. Lowering needs no privilege.
    pub fn apply(self) -> Result<(), PriorityError> {
        rustix::process::setpriority_process(None, self.nice)
            .map_err(|e| PriorityError { nice: self.nice, source: e.into() })
    }

    /// The calling thread's nice value now.
    pub fn current() -> i32 {
        rustix::process::getpriority_process(None).unwrap_or(0)
    }
}
