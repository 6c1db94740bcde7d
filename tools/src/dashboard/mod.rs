//! `alphapulse dashboard`: an HTTP server (axum on a small tokio runtime, in this process only)
//! over [`crate::view`], the model of a run built from its journal.
//!
//! - [`page`]: the web page's routes (`/` and static assets).
//!
//! The API and WebSocket shapes are documented in [`crate::view::shapes`].

pub mod page;
