//! The command line of `tick_to_trade`.

use std::path::PathBuf;

/// How the capture is fed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Each frame as soon as the previous one has been taken: latency is measured from the moment the
    /// feed takes the frame.
    AsFastAsPossible,
    /// `frames_per_sec` frames a second, evenly spaced; latency measured from each frame's intended
    /// send time (corrects for coordinated omission).
    Rate { frames_per_sec: f64 },
    /// The capture's own receive times, `speedup` × faster; latency from the intended send time.
    Speedup { factor: f64 },
}

impl Mode {
    /// Short label for reports and folder names.
    pub fn label(&self) -> String {
        match self {
            Mode::AsFastAsPossible => "as fast as possible".into(),
            Mode::Rate { frames_per_sec } => format!("paced at {frames_per_sec} frames/s"),
            Mode::Speedup { factor } => format!("paced at the capture's own timing × {factor}"),
        }
    }
    /// Folder-name suffix (empty for the default mode).
    pub fn tag(&self) -> String {
        match self {
            Mode::AsFastAsPossible => String::new(),
            Mode::Rate { frames_per_sec } => format!("-rate-{frames_per_sec}"),
            Mode::Speedup { factor } => format!("-speedup-{factor}"),
        }
    }
}

/// `tick_to_trade` arguments.
#[derive(clap::Parser, Debug)]
#[command(
    name = "tick_to_trade",
    about = "Tick-to-trade latency of the live chain (pinned threads, TSC clock) on a real capture",
    after_help = "Writes latency-reports/<date>-<placement>[-<mode>][-<data>]/ (summary.md, figures.json, \
*.hgrm, latency.svg) and indexes it in latency-reports/README.md; --smoke or --out write elsewhere.\n\
Exit codes: 0 the run completed (whatever the timings), 1 the run failed, 2 bad usage (or a placement \
this machine has not the cores for)."
)]
pub struct Args {
    /// Threads of the chain: `one` (all actors on one hot thread), `two` (feed | the rest), `three`,
    /// `four`, `five` (one more actor on a thread of its own each; refused without the cores).
    #[arg(long, default_value = "one")]
    pub placement: String,
    /// Pace the feed at N frames per second (latency from the intended send time).
    #[arg(long, value_name = "N", conflicts_with = "speedup")]
    pub rate: Option<f64>,
    /// Pace the feed at the capture's own receive times sped up X times.
    #[arg(long, value_name = "X")]
    pub speedup: Option<f64>,
    /// Seconds per run (the capture is replayed again while time is left). Default 10, smoke 3.
    #[arg(long, value_name = "S")]
    pub duration: Option<f64>,
    /// Capture files (default: the repo sample feeds/testdata/btcusdt_20240808.gz).
    #[arg(long, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Runs; the report kept is the run with the median end-to-end p99, and lists every run.
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// CI smoke test: 3 s, one run, report into a temporary folder unless --out; counts allocations.
    #[arg(long)]
    pub smoke: bool,
    /// Write the report here instead of latency-reports/ (the README index is then left alone).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Count heap allocations made inside every actor's handle/poll (adds a thread-local write per call).
    #[arg(long)]
    pub count_allocs: bool,
    /// Frames at the start of each pass whose orders are not measured: every pass builds a new
    /// chain, whose first messages run on cold tables and caches (0 measures them too).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub warmup_frames: u64,
    /// Cores to pin thread i to (default 0, 1, …).
    #[arg(long, value_delimiter = ',')]
    pub cores: Vec<usize>,
}

impl Args {
    /// The feed mode asked for (validated: positive, finite).
    pub fn mode(&self) -> Result<Mode, String> {
        let ok = |v: f64, key: &str| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(format!("--{key} must be a positive number (got {v})"))
            }
        };
        Ok(match (self.rate, self.speedup) {
            (Some(r), _) => Mode::Rate { frames_per_sec: ok(r, "rate")? },
            (None, Some(s)) => Mode::Speedup { factor: ok(s, "speedup")? },
            (None, None) => Mode::AsFastAsPossible,
        })
    }

    /// Seconds per run.
    pub fn duration_secs(&self) -> Result<f64, String> {
        let d = self.duration.unwrap_or(if self.smoke { 3.0 } else { 10.0 });
        if d.is_finite() && d > 0.0 && d <= 86_400.0 {
            Ok(d)
        } else {
            Err(format!("--duration must be in (0, 86400] seconds (got {d})"))
        }
    }

    /// Number of threads of the placement.
    pub fn threads(&self) -> Result<usize, String> {
        match self.placement.as_str() {
            "one" | "1" => Ok(1),
            "two" | "2" => Ok(2),
            "three" | "3" => Ok(3),
            "four" | "4" => Ok(4),
            "five" | "5" => Ok(5),
            p => Err(format!(
                "--placement {p}: expected one, two, three, four or five (the chain has 5 actors)"
            )),
        }
    }
}
