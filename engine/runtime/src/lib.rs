//! Actor runtime: the [`Actor`] trait, rtrb links between actors, placement of actors on threads
//! pinned to cores, idle strategies and injected clocks. The same actor code runs in every
//! placement.
//!
//! - [`actor`]: the contract (`Actor`, `Ctx`, `Port`) and the forwarding conventions;
//! - [`placement`]: which actors go on which thread and core (from config, validated);
//! - `group` (private): one thread's scheduling loop and the rule that makes backtests identical in
//!   every placement;
//! - `link` (private): rings with counted overflow policies ([`MarketOverflow`]): rtrb between
//!   threads, a plain local ring between actors of one thread;
//! - `wires` (private): one thread's rings, the pending mask that picks the next input, the
//!   forwarding of what an actor does not handle or consume ([`Actor::handles`]), the outbox;
//! - [`control`]: the operator's way in: per-thread control rings to the actors
//!   ([`Actor::control`]) and the [`Board`] of counters hot threads publish;
//! - [`clock`], [`idle`]: injected time (event time or TSC) and what an idle thread does;
//! - [`run()`]: wires the links, spawns and pins the threads, joins them and hands the actors back;
//!   [`run_with`] does the same with every actor's output journaled ([`journal`]: one stream per
//!   actor, what counts as output, the upkeep thread).
//!
//! ```
//! use alphapulse_runtime::{run, Actor, Ctx, Kinds, PlacementConfig, Poll, Source};
//! use alphapulse_types::{EndOfStream, Msg};
//! use std::any::Any;
//!
//! struct Feed(u64);
//! impl Actor for Feed {
//!     fn name(&self) -> &'static str { "source" }
//!     fn handles(&self) -> Kinds { Kinds::NONE }
//!     fn handle(&mut self, _: &Msg, _: &mut Ctx<'_>) {}
//!     fn source(&mut self) -> Option<&mut dyn Source> { Some(self) }
//!     fn as_any(&self) -> &dyn Any { self }
//! }
//! impl Source for Feed {
//!     fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
//!         self.0 += 1;
//!         ctx.down(Msg::Eos(EndOfStream { ts: self.0 }));
//!         Poll::Done
//!     }
//! }
//! struct Sink(u64);
//! impl Actor for Sink {
//!     fn name(&self) -> &'static str { "sink" }
//!     fn handles(&self) -> Kinds { Kinds::EOS }
//!     fn handle(&mut self, m: &Msg, _: &mut Ctx<'_>) { self.0 += m.event_ts(); }
//!     fn as_any(&self) -> &dyn Any { self }
//! }
//! let placement = PlacementConfig::two_threads(&["source", "sink"], 1).resolve(&["source", "sink"]).unwrap();
//! let actors: Vec<Box<dyn Actor>> = vec![Box::new(Feed(0)), Box::new(Sink(0))];
//! let out = run(actors, &placement, Default::default()).unwrap();
//! assert_eq!(out.actor::<Sink>().unwrap().0, 1);
//! ```
#![forbid(unsafe_code)]

pub mod actor;
pub mod clock;
pub mod control;
mod error;
mod group;
pub mod idle;
pub mod journal;
mod link;
pub mod placement;
mod run;
mod wires;

pub use actor::{
    levels_in, Actor, BookLevels, Books, Ctx, Flow, LevelStore, Outbox, Poll, Port, Source, VecOutbox,
};
pub use alphapulse_types::Kinds;
pub use clock::{Clock, ClockKind};
pub use control::{control_plane, Answer, Board, ControlError, ControlPlane, ControlPort, Replies};
pub use error::RuntimeError;
pub use idle::IdleStrategy;
pub use journal::{JournalReport, JournalSpec, OnFull};
pub use link::{LinkStats, MarketOverflow};
pub use placement::{
    Placement, PlacementConfig, ThreadSpec, DEFAULT_LEVEL_CAPACITY, DEFAULT_RING_CAPACITY,
    MAX_LEVEL_CAPACITY, MAX_RING_CAPACITY, MIN_LEVEL_CAPACITY, MIN_RING_CAPACITY,
};
pub use run::{run, run_controlled, run_with, run_with_clock, threads_of, LinkReport, RunOutput};
