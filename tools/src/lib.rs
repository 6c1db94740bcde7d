//! The operator tools behind the `alphapulse` binary, as a library so that integration tests drive
//! the same code paths: [`backtest`] (wiring the chain from a [`config::Config`]) and [`report`].

pub mod backtest;
pub mod config;
mod progress;
pub mod report;
