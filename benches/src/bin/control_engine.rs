//! The control socket against a real engine (issue 11): the backtest chain on the real sample
//! capture, paced, on a TSC clock (every actor stamps wall-clock ns), journaled, with its control
//! socket; a client over the real Unix socket measures
//!
//! - **round trips** of `status` (answered from the counters the hot threads publish: no hot
//!   thread involved), `positions` and `limits` (each a request through risk's control ring,
//!   answered between two messages);
//! - **halt → last order cancelled**, from the journal: a passive strategy keeps an order resting;
//!   each trial waits for one, takes the time `t0` on the run's clock, sends `halt` (which the
//!   engine answers once the strategy host, risk and the router applied it and every working order
//!   was sent a cancel), then `resume`. Afterwards the router's `Cancel` records and the simulated
//!   venue's `Cancelled` reports are read back: per trial, the last of each after `t0`. The venue
//!   is given no latency (`[sim] order_latency_ns = response_latency_ns = 0`), so the figure is
//!   the engine's own; `t0` is taken just before the client writes `halt`, so it includes the
//!   socket hop.
//!
//! `control_engine [--trials N] [--requests N] [--pace X] [--data FILE…]` prints one line per
//! figure (p50 / p99 / max).

#![forbid(unsafe_code)]

use alphapulse_control::{Client, ControlConfig};
use alphapulse_runtime::{control_plane, run_controlled, threads_of, Clock, ClockKind, JournalSpec};
use alphapulse_shm::Reader;
use alphapulse_strategy::OrderStyle;
use alphapulse_tools::backtest::{build_stages, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_tools::operate::{serve::socket_control, start, RunInfo};
use alphapulse_tools::stage::Stage;
use alphapulse_types::{ExecKind, Msg, ENCODED_LEN};
use clap::Parser;
use hdrhistogram::Histogram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Control round trips and halt → last cancel against the real engine (issue 11)")]
struct Opts {
    /// Halt trials (each waits for a resting order).
    #[arg(long, default_value_t = 20)]
    trials: usize,
    /// Measured round trips per command.
    #[arg(long, default_value_t = 5_000)]
    requests: u64,
    /// Replay pace (× the capture's).
    #[arg(long, default_value_t = 10.0)]
    pace: f64,
    /// Capture files (default: the repo's sample).
    #[arg(long, num_args = 1..)]
    data: Vec<PathBuf>,
}

fn records(dir: &Path) -> Vec<Msg> {
    let Ok(mut r) = Reader::open(dir) else { return Vec::new() };
    let mut v = Vec::new();
    while let Ok(Some(x)) = r.next() {
        if let Ok(m) = Msg::decode(&x.payload[..ENCODED_LEN.min(x.payload.len())]) {
            v.push(m);
        }
    }
    v
}

fn line(what: &str, h: &Histogram<u64>) {
    let us = |v: u64| v as f64 / 1000.0;
    println!(
        "control_engine {what}: n {} p50 {:.1} us p99 {:.1} us max {:.1} us",
        h.len(),
        us(h.value_at_quantile(0.5)),
        us(h.value_at_quantile(0.99)),
        us(h.max())
    );
}

fn main() -> anyhow::Result<()> {
    let o = Opts::parse();
    let dir = std::env::temp_dir().join(format!("ap-control-engine-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut cfg = Config {
        data: if o.data.is_empty() {
            vec![alphapulse_feeds::testdata::sample_capture()]
        } else {
            o.data.clone()
        },
        ..Config::default()
    };
    cfg.strategy.aggregator.style = OrderStyle::Passive;
    cfg.router.order_ttl_ns = 0;
    cfg.sim.order_latency_ns = 0;
    cfg.sim.response_latency_ns = 0;
    cfg.control = ControlConfig { socket: Some(dir.join("sock/control.sock")), ..ControlConfig::default() };
    let table = instruments(&cfg)?;
    let (mut actors, _) = build_stages(&cfg, &table, None)?;
    let hold = Arc::new(AtomicBool::new(false));
    if let Some(Stage::Feed(f)) = actors.first_mut() {
        f.set_pace(o.pace);
        f.hold_at_end(hold.clone());
    }
    let placement = cfg.placement.resolve(&CHAIN)?;
    let journal = dir.join("journal");
    let spec =
        JournalSpec { dir: journal.clone(), stream: cfg.journal.stream(), on_full: cfg.journal.on_full };
    let names: Vec<&'static str> = CHAIN.to_vec();
    let (port, plane) = control_plane(&names, &threads_of(&placement));
    let (control, sock) = socket_control(&cfg.control, None, None, Duration::from_secs(5))?;
    let stop_server = control.stop.clone();
    let info = RunInfo {
        symbols: table.iter().map(|i| i.symbol.clone()).collect(),
        live: None,
        ring_capacity: placement.ring_capacity,
        clock: "tsc",
        journal: Some(journal.clone()),
        halted: false,
        stale_after: Duration::from_secs(5),
        loader: None,
    };
    let server = start(port, info, control)?;
    let clock = Clock::new(ClockKind::Tsc);
    let mut now = clock.clone();
    let run_clock = clock.clone();
    let runner = std::thread::spawn(move || {
        run_controlled(actors, &placement, Default::default(), Some(&spec), run_clock, plane)
    });

    let mut c = Client::connect(&sock, Duration::from_secs(10))?;
    let mut ask = |cmd: &str| -> anyhow::Result<serde_json::Value> {
        let r = c.request(cmd, &[])?;
        anyhow::ensure!(r.ok, "{cmd}: {:?}", r.error);
        Ok(r.result.unwrap_or_default())
    };
    // Halt trials.
    let mut t0s = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while t0s.len() < o.trials && Instant::now() < deadline {
        let orders = ask("orders")?;
        let resting =
            orders["orders"].as_array().is_some_and(|a| a.iter().any(|x| x["state"] != "cancelling"));
        if !resting {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        t0s.push(now.read());
        ask("halt")?;
        std::thread::sleep(Duration::from_millis(20));
        ask("resume")?;
    }
    // Round trips.
    let mut rtt = Vec::new();
    for cmd in ["status", "positions", "limits"] {
        let mut h = Histogram::<u64>::new(3)?;
        for i in 0..o.requests + 500 {
            let t = Instant::now();
            ask(cmd)?;
            if i >= 500 {
                h.record(t.elapsed().as_nanos() as u64)?;
            }
        }
        rtt.push((cmd, h));
    }
    drop(c);
    hold.store(true, Ordering::Relaxed);
    let out = runner.join().map_err(|_| anyhow::anyhow!("the engine panicked"))??;
    if let Some(s) = stop_server {
        s.store(true, Ordering::Release);
    }
    let _ = server.join();
    drop(out);

    for (cmd, h) in &rtt {
        line(&format!("round trip {cmd}"), h);
    }
    // Halt → the last cancel sent / the last cancel confirmed, per trial.
    let cancels: Vec<u64> = records(&journal.join("router"))
        .iter()
        .filter_map(|m| if let Msg::Cancel(c) = m { Some(c.ts) } else { None })
        .collect();
    let confirmed: Vec<u64> = records(&journal.join("sim_gateway"))
        .iter()
        .filter_map(|m| match m {
            Msg::Exec(r) if matches!(r.kind, ExecKind::Cancelled | ExecKind::CancelRejected) => Some(r.ts),
            _ => None,
        })
        .collect();
    let (mut sent, mut done) = (Histogram::<u64>::new(3)?, Histogram::<u64>::new(3)?);
    let mut orders = 0;
    for (i, &t0) in t0s.iter().enumerate() {
        let end = t0s.get(i + 1).copied().unwrap_or(u64::MAX);
        let window = |v: &[u64]| v.iter().copied().filter(|&t| t >= t0 && t < end).collect::<Vec<_>>();
        let (s, d) = (window(&cancels), window(&confirmed));
        if std::env::var_os("CONTROL_ENGINE_DEBUG").is_some() {
            eprintln!("trial {i}: t0 {t0} cancels {s:?} confirmed {d:?}");
        }
        orders += s.len();
        if let (Some(&ls), Some(&ld)) = (s.iter().max(), d.iter().max()) {
            sent.record(ls - t0)?;
            done.record(ld - t0)?;
        }
    }
    println!(
        "control_engine halt trials {} with cancels {} orders cancelled {orders}",
        t0s.len(),
        sent.len()
    );
    line("halt → last cancel sent (router)", &sent);
    line("halt → last order cancelled (venue report)", &done);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
