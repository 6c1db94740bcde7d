//! A model of a run built from its journal records (every stream; a tail thread follows the
//! streams as they grow and picks up streams that appear later), exact and incremental: what the
//! dashboard serves.
//!
//! - [`shapes`]: the JSON shapes of every API answer and WebSocket event (the contract with the
//!   page; documented there with examples).

pub mod shapes;
