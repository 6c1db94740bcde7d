//! The operator tools behind the `alphapulse` binary, as a library so that integration tests drive
//! the same code paths: [`backtest`] (wiring the chain from a [`config::Config`] out of
//! [`stage::Stage`]s, statically dispatched), [`report`],
//! [`run_journal`] (a run's journal folder and `run.json`), [`journal`] (`stat`, `tail`, `export`),
//! [`run`] (paper trading on the live feed), [`record`] (live frames to capture files) and
//! [`operate`] (what each operator command does to a running chain).

pub mod backtest;
pub mod cli;
pub mod config;
pub mod journal;
pub mod operate;
mod progress;
pub mod record;
pub mod report;
pub mod run;
pub mod run_journal;
pub mod stage;
mod status;
