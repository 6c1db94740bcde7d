//! `tick_to_trade`: tick-to-trade latency of the live chain on a real capture (issue 5).
//!
//! ```text
//! cargo run --release -p alphapulse-benches --bin tick_to_trade -- --placement one|two \
//!     [--rate N | --speedup X] [--duration S] [--runs N] [--data FILE…] [--smoke] [--out DIR]
//! ```
//!
//! The capture (default: the repo sample) is decompressed into memory, then replayed through
//! `feed → strategy → risk → router → sim_gateway` on pinned threads with the TSC clock, every actor
//! wrapped by a probe (`src/harness/probe.rs`). The report goes to `latency-reports/<date>-<placement>…/`
//! (see `latency-reports/README.md`), or a temporary folder with `--smoke`. Timings never fail the
//! run: exit 0 when it completed, 1 when it broke, 2 on bad usage or a placement without the cores.
#![forbid(unsafe_code)]

#[path = "../harness/mod.rs"]
mod harness;

use alphapulse_runtime::{Clock, ClockKind};
use alphapulse_shm::alloc_count::CountingAllocator;
use clap::Parser;
use harness::args::{Args, Mode};
use harness::chain::{self, PassSpec, PassStats};
use harness::data::Data;
use harness::hist::{fmt_ns, Figures, Latencies, SERIES};
use harness::machine::{Machine, OsCounters};
use harness::probe::Pace;
use harness::report::{self, RunResult, Setup};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

fn main() -> ExitCode {
    let args = Args::parse();
    let usage = |m: String| {
        eprintln!("tick_to_trade: {m}");
        ExitCode::from(2)
    };
    let (mode, duration, threads) = match (args.mode(), args.duration_secs(), args.threads()) {
        (Ok(m), Ok(d), Ok(t)) => (m, d, t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return usage(e),
    };
    let (pcfg, cores) = match chain::placement(threads, &args.cores) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    for f in &args.data {
        if !f.is_file() {
            return usage(format!("data file {} does not exist", f.display()));
        }
    }
    match measure(&args, mode, duration, threads, pcfg, cores) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tick_to_trade: the run failed: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn measure(
    args: &Args,
    mode: Mode,
    duration: f64,
    threads: usize,
    pcfg: alphapulse_runtime::PlacementConfig,
    cores: Vec<usize>,
) -> anyhow::Result<()> {
    // Before any pass: the runtime pins the calling thread, which narrows what it may see.
    let machine = Machine::detect();
    let sources = if args.data.is_empty() {
        vec![alphapulse_feeds::testdata::sample_capture()]
    } else {
        args.data.clone()
    };
    let data = Data::prepare(&sources)?;
    let cfg = chain::trading_config(&data);
    let table = alphapulse_tools::backtest::instruments(&cfg)?;
    let placement = pcfg.resolve(&alphapulse_tools::backtest::CHAIN)?;
    let pace = match mode {
        Mode::AsFastAsPossible => Pace::Free,
        Mode::Rate { frames_per_sec } => Pace::Interval { interval_ns: 1e9 / frames_per_sec },
        Mode::Speedup { factor } => Pace::Offsets {
            offsets_ns: data.offsets_ns.iter().map(|&o| (o as f64 / factor) as u64).collect(),
        },
    };
    let count_allocs = args.count_allocs || args.smoke;
    let runs_wanted = if args.smoke { 1 } else { args.runs.max(1) };
    let placement_name = match threads {
        1 => "one-thread".to_string(),
        2 => "two-threads".to_string(),
        n => format!("{n}-threads"),
    };
    let mut runs = Vec::new();
    for run in 0..runs_wanted {
        let clock = Clock::new(ClockKind::Tsc);
        let mut now_clock = clock.clone();
        let deadline = now_clock.read() + (duration * 1e9) as u64;
        let spec = PassSpec {
            cfg: &cfg,
            table: &table,
            placement: &placement,
            pace: pace.clone(),
            deadline,
            clock: &clock,
            count_allocs,
            warmup_frames: args.warmup_frames,
            capacity: data.frames + 1024,
        };
        let mut lat = Latencies::new();
        let mut totals = PassStats::default();
        let mut passes = 0;
        let os0 = OsCounters::now();
        while now_clock.read() < deadline {
            let p = chain::run_pass(&spec, &mut lat)?;
            passes += 1;
            add(&mut totals, &p);
        }
        let os = OsCounters::now().since(&os0);
        let r = RunResult { lat, totals, passes, os };
        let f = Figures::of(r.lat.end_to_end());
        eprintln!(
            "run {}/{runs_wanted}: {passes} passes, {} frames, {:.3} M frames/s, {} orders; tick-to-trade p50 {} p99 {} p99.9 {} max {}",
            run + 1,
            r.totals.frames,
            r.frames_per_sec() / 1e6,
            f.count,
            fmt_ns(f.p50()),
            fmt_ns(f.p99()),
            fmt_ns(f.p999()),
            fmt_ns(f.max)
        );
        runs.push(r);
    }
    // The run with the median end-to-end p99.
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by_key(|&i| Figures::of(runs[i].lat.end_to_end()).p99());
    let chosen = order[order.len() / 2];

    let data_tag = if args.data.is_empty() {
        String::new()
    } else {
        let first = sources[0].file_name().and_then(|n| n.to_str()).unwrap_or("data");
        let stem = first.split('.').next().unwrap_or(first);
        if sources.len() > 1 {
            format!("-{stem}+{}", sources.len() - 1)
        } else {
            format!("-{stem}")
        }
    };
    let name = format!("{}-{placement_name}{}{data_tag}", machine.date, mode.tag());
    let reports = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../latency-reports"));
    let (dir, index) = match (&args.out, args.smoke) {
        (Some(d), _) => (d.clone(), false),
        (None, true) => (
            std::env::temp_dir().join(format!("alphapulse-tick-to-trade-smoke-{}", std::process::id())),
            false,
        ),
        (None, false) => (reports.join(&name), true),
    };
    let setup = Setup {
        machine,
        placement: placement_name,
        threads,
        cores,
        mode,
        duration_secs: duration,
        data: sources.iter().map(|p| display_path(p)).collect(),
        frames_per_pass: data.frames,
        config: chain::config_changes(),
        count_allocs,
        warmup_frames: args.warmup_frames,
        command: format!(
            "cargo run --release -p alphapulse-benches --bin tick_to_trade -- {}",
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        ),
    };
    report::write(&dir, &setup, &runs, chosen)?;
    if index {
        report::update_index(&reports.join("README.md"), &name, &setup, &runs, chosen)?;
    }
    let r = &runs[chosen];
    println!("report: {}", dir.display());
    for (i, h) in r.lat.h.iter().enumerate() {
        let f = Figures::of(h);
        println!(
            "{:>18}: n={} p50 {} p90 {} p99 {} p99.9 {} p99.99 {} max {}",
            SERIES[i].1,
            f.count,
            fmt_ns(f.pct[0]),
            fmt_ns(f.pct[1]),
            fmt_ns(f.pct[2]),
            fmt_ns(f.pct[3]),
            fmt_ns(f.pct[4]),
            fmt_ns(f.max)
        );
    }
    if count_allocs {
        println!("heap allocations inside the actors: {}", r.totals.allocs);
    }
    Ok(())
}

fn add(t: &mut PassStats, p: &PassStats) {
    t.frames += p.frames;
    t.intents += p.intents;
    for (a, b) in t.suppressed.iter_mut().zip(p.suppressed) {
        *a += b;
    }
    t.timed_out += p.timed_out;
    t.approved += p.approved;
    t.encoded += p.encoded;
    t.fills += p.fills;
    t.elapsed_ns += p.elapsed_ns;
    t.measured += p.measured;
    t.warmup_orders += p.warmup_orders;
    t.unmatched += p.unmatched;
    t.negative_hops += p.negative_hops;
    t.trigger_mismatches += p.trigger_mismatches;
    t.record_overflow += p.record_overflow;
    t.late_frames += p.late_frames;
    t.max_lag_ns = t.max_lag_ns.max(p.max_lag_ns);
    t.allocs += p.allocs;
    t.offsets = p.offsets;
    t.cut_at_deadline |= p.cut_at_deadline;
}

/// A path relative to the workspace root when it is inside it.
fn display_path(p: &std::path::Path) -> String {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let (p, root) = (p.canonicalize().unwrap_or(p.into()), root.canonicalize().unwrap_or(root.into()));
    p.strip_prefix(&root).map(|r| r.display().to_string()).unwrap_or_else(|_| p.display().to_string())
}
