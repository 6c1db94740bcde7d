//! Actor runtime: the [`Actor`] trait, rtrb links between actors, placement of actors on threads
//! pinned to cores, idle strategies and injected clocks. The same actor code runs in every
//! placement; see `ARCHITECTURE.md` at the repo root for the chain and the scheduling rule.
#![forbid(unsafe_code)]

pub mod actor;

pub use actor::{Actor, Ctx, Outbox, Poll, Port, VecOutbox};
