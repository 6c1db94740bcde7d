//! Alerts on the slow path: rules from config evaluated over [`Facts`] (what the dashboard's view
//! of the journal knows at one moment), producing journaled alert events with de-duplication and a
//! cool-down, sent to the configured channels.
//!
//! - [`facts`]: the inputs a rule can test, filled by whoever reads the journal (the dashboard).

pub mod facts;

pub use facts::{Facts, FeedState, PersistLag};
