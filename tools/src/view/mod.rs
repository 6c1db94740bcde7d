//! A model of a run built from its journal records (every stream; a tail thread follows the
//! streams as they grow and picks up streams that appear later), exact and incremental: what the
//! dashboard serves. No tokio here: plain threads and a mutex.
//!
//! - [`shapes`]: the JSON shapes of every API answer and WebSocket event (the contract with the
//!   page; documented there with examples);
//! - [`model`]: [`Model`], the run's state, one record at a time (portfolio, orders, fills,
//!   positions, PnL curve); [`market`] (prices, bars, indicators), [`orders`], [`stats`]
//!   (counters, latency histograms per hop, streams), [`health`] (health and feed state, the
//!   alert rules' `Facts`), [`query`] (the API answers);
//! - [`events`]: the WebSocket event log with resumable cursors;
//! - [`tail`]: the thread that follows the journal and merges its streams in the chain's order;
//! - [`poll`]: the control socket's `status` and `persist.status.json`, once a second.

pub mod events;
pub mod health;
pub mod market;
pub mod model;
pub mod orders;
pub mod poll;
pub mod price_gate;
pub mod query;
pub mod shapes;
pub mod stats;
pub mod tail;

pub use model::Model;
