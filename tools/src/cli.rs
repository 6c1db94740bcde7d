//! Command-line options shared by the commands that run the chain (`backtest`, `run`): the thread
//! placement and the journal folder, flattened into each command's arguments.

use crate::backtest::CHAIN;
use crate::run_journal;
use alphapulse_runtime::PlacementConfig;
use std::path::PathBuf;

/// A thread placement preset.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    One,
    Two,
}

/// `--threads` and `--cores`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PlacementArgs {
    /// Thread placement preset; overrides `[placement].threads`. `two` puts the feed on its own thread.
    #[arg(long, value_enum)]
    pub threads: Option<Threads>,
    /// Pin the threads to these cores (one per thread), e.g. `--cores 0,1`.
    #[arg(long, value_delimiter = ',')]
    pub cores: Vec<usize>,
}

impl PlacementArgs {
    /// Apply the options to the config's placement.
    pub fn apply(&self, p: &mut PlacementConfig) {
        match self.threads {
            Some(Threads::One) => p.threads.clear(),
            Some(Threads::Two) => p.threads = PlacementConfig::two_threads(&CHAIN, 1).threads,
            None => {}
        }
        if !self.cores.is_empty() {
            p.cores = self.cores.clone();
        }
    }
}

/// `--journal DIR` and `--no-journal`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct JournalArgs {
    /// Journal every actor's output into DIR (new or empty). Default: runs/<UTC time>-<pid>/journal.
    #[arg(long, value_name = "DIR", conflicts_with = "no_journal")]
    pub journal: Option<PathBuf>,
    /// Do not journal.
    #[arg(long)]
    pub no_journal: bool,
}

impl JournalArgs {
    /// The journal folder asked for: none, the one given, or a new one under `runs/`.
    pub fn dir(&self) -> Option<PathBuf> {
        match (&self.journal, self.no_journal) {
            (_, true) => None,
            (Some(d), false) => Some(d.clone()),
            (None, false) => Some(run_journal::default_dir()),
        }
    }
    /// True when the journal goes to the default `runs/` (whose old folders are pruned).
    pub fn is_default(&self) -> bool {
        self.journal.is_none() && !self.no_journal
    }
}

/// `--control-socket PATH`: where the control socket goes (overrides `[control].socket`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ControlArgs {
    /// The control socket's path (absolute; default `[control].socket`, else
    /// $XDG_RUNTIME_DIR/alphapulse/control.sock, else /tmp/alphapulse-<uid>/control.sock).
    /// `alphapulse ctl --socket PATH` reaches it.
    #[arg(long, value_name = "PATH")]
    pub control_socket: Option<PathBuf>,
}

impl ControlArgs {
    /// Apply the option to the config's `[control]` table.
    pub fn apply(&self, c: &mut alphapulse_control::ControlConfig) -> Result<(), crate::config::ConfigError> {
        if let Some(p) = &self.control_socket {
            c.socket = Some(p.clone());
            c.validate()
                .map_err(|e| crate::config::ConfigError::Invalid { key: e.key, message: e.message })?;
        }
        Ok(())
    }
}
