//! The operator tools behind the `alphapulse` binary, as a library so that integration tests drive
//! the same code paths: [`backtest`] (wiring the chain from a [`config::Config`] out of
//! [`stage::Stage`]s, statically dispatched), [`report`],
//! [`run_journal`] (a run's journal folder and `run.json`), [`journal`] (`stat`, `tail`, `export`),
//! [`run`] (paper trading on the live feed), [`record`] (live frames to capture files),
//! [`operate`] (what each operator command does to a running chain, behind the control socket)
//! and [`ctl`] (one command to a running engine's control socket); [`evaluate`] (the slow agents
//! against forward returns on daily prices).

pub mod alerts;
pub mod backtest;
pub mod bars;
pub mod cli;
pub mod config;
pub mod ctl;
pub mod dashboard;
pub mod equities;
pub mod evaluate;
pub mod features;
pub mod journal;
pub mod operate;
pub mod persist;
mod progress;
pub mod record;
pub mod report;
pub mod run;
pub mod run_journal;
pub mod slow_priority;
pub mod stage;
mod status;
pub mod view;
