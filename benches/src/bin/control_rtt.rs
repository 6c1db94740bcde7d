//! Control socket round trip (issue 11): `status` from a client to the control server and back,
//! over the real Unix socket, against a mock engine whose handler builds a status result of the
//! documented shape (a few actors and feeds, the server's counters).
//!
//! `control_rtt [--requests N] [--warmup N] [--clients C]`: C client threads (default 1), each
//! sending N requests one after the other (each waits for its answer) after W unmeasured ones;
//! every round trip (write the request line → read the response line, parsed) goes into one HDR
//! histogram; prints p50 / p99 / p99.9 / max in microseconds and the requests per second.

#![forbid(unsafe_code)]

use alphapulse_control::{
    Client, Command, CommandError, ControlConfig, ControlServer, Counters, Handler, Peer,
};
use clap::Parser;
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Control socket round trip of `status` (p50/p99/p99.9) against a mock engine")]
struct Opts {
    /// Measured requests per client.
    #[arg(long, default_value_t = 20_000)]
    requests: u64,
    /// Unmeasured requests per client first.
    #[arg(long, default_value_t = 2_000)]
    warmup: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 1)]
    clients: u64,
}

struct Mock(Arc<Counters>);

impl Handler for Mock {
    fn handle(&mut self, _peer: &Peer, command: &Command) -> Result<Value, CommandError> {
        match command {
            Command::Status => {
                let actors: Vec<Value> = ["feed", "strategy", "risk", "router", "sim_gateway"]
                    .iter()
                    .enumerate()
                    .map(|(i, n)| json!({"name": n, "thread": i / 3, "handled": 1_000_000 + i, "queue_depth": 0, "lag_ns": 120}))
                    .collect();
                Ok(json!({
                "health": {"state": "Healthy", "reason": ""},
                "mode": "paper", "halted": false, "uptime_s": 1234,
                "actors": actors,
                "feeds": [{"symbol": "BTCUSDT", "state": "Synced"}, {"symbol": "ETHUSDT", "state": "Synced"}],
                "control": self.0.snapshot(),
                }))
            }
            _ => Err(CommandError::failed("not in this benchmark")),
        }
    }
}

fn main() -> std::process::ExitCode {
    let o = Opts::parse();
    let dir = std::env::temp_dir().join(format!("ap-control-rtt-{}", std::process::id()));
    let config = ControlConfig { socket: Some(dir.join("sock/control.sock")), ..ControlConfig::default() };
    let server = match ControlServer::bind(&config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let counters = server.counters();
    let path = server.path().to_path_buf();
    let running = match server.spawn(Mock(counters)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let started = Instant::now();
    let threads: Vec<_> = (0..o.clients)
        .map(|_| {
            let path = path.clone();
            let (requests, warmup) = (o.requests, o.warmup);
            std::thread::spawn(move || -> Result<Histogram<u64>, String> {
                let mut h = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
                let mut c = Client::connect(&path, Duration::from_secs(10)).map_err(|e| e.to_string())?;
                for i in 0..warmup + requests {
                    let t = Instant::now();
                    let r = c.request("status", &[]).map_err(|e| e.to_string())?;
                    let ns = t.elapsed().as_nanos() as u64;
                    if !r.ok {
                        return Err(format!("status failed: {r:?}"));
                    }
                    if i >= warmup {
                        h.record(ns.max(1)).map_err(|e| e.to_string())?;
                    }
                }
                Ok(h)
            })
        })
        .collect();
    let mut all = match Histogram::<u64>::new(3) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    for t in threads {
        match t.join() {
            Ok(Ok(h)) => {
                let _ = all.add(&h);
            }
            Ok(Err(e)) => eprintln!("error: {e}"),
            Err(_) => eprintln!("error: a client thread panicked"),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = running.stop();
    let _ = std::fs::remove_dir_all(&dir);
    if all.is_empty() {
        return std::process::ExitCode::from(1);
    }
    let us = |q: f64| all.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "control_rtt status: clients {} requests {} p50 {:.1} us p99 {:.1} us p99.9 {:.1} us max {:.1} us ({:.0} requests/s)",
        o.clients,
        all.len(),
        us(0.5),
        us(0.99),
        us(0.999),
        all.max() as f64 / 1000.0,
        (o.clients * (o.requests + o.warmup)) as f64 / secs
    );
    std::process::ExitCode::SUCCESS
}
