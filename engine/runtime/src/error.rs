//! Runtime errors.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RuntimeError {
    #[error("invalid placement: {0}")]
    Placement(String),
    #[error("could not pin thread {thread} to core {core}")]
    Pin { thread: usize, core: usize },
    #[error("could not start thread {thread}: {reason}")]
    Spawn { thread: usize, reason: String },
    /// A link between two actors on the same thread filled up: the thread cannot drain it while it
    /// is still producing. Raise `placement.ring_capacity`.
    #[error(
        "link {from} -> {to} overflowed on one thread (capacity {capacity}); raise placement.ring_capacity"
    )]
    RingOverflow { from: &'static str, to: &'static str, capacity: usize },
    /// A thread's depth level store could not hold what one input produced (a snapshot and the
    /// updates buffered before it, say). Raise `placement.level_capacity`.
    #[error(
        "the level store of `{actor}`'s thread is full ({capacity} levels); raise placement.level_capacity"
    )]
    LevelStoreFull { actor: &'static str, capacity: usize },
    /// A depth update's levels were not where its header said (a bug in a source or a link).
    #[error("`{actor}`: a depth update's levels are missing")]
    LevelsMissing { actor: &'static str },
    #[error("actor `{actor}` panicked: {message}")]
    Panicked { actor: &'static str, message: String },
    /// A journal stream could not be opened or its upkeep thread started (errors while running
    /// are counted in the run's journal reports instead).
    #[error("journal: {0}")]
    Journal(String),
    #[error("stopped because thread {0} failed")]
    Aborted(usize),
}
