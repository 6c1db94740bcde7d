//! Journal record appended → WebSocket client received, through `alphapulse dashboard` (run
//! in-process on its own threads: the tail thread and the tokio runtime). Trades are appended to a
//! `feed` stream with their journal timestamp = the wall clock at the append; the client (on
//! `/ws?types=price`) takes the wall clock at receipt: same clock, so the difference is the
//! latency. The dashboard runs with `[dashboard] price_event_ms = 0`, so every trade is an event. p50/p99/max go to `latency-reports/dashboard.md` (`--smoke`: a short run, no file).
#![forbid(unsafe_code)]

use alphapulse_shm::{StreamConfig, Writer};
use alphapulse_types::{InstrumentId, Msg, Price, Qty, Side, Trade, CODEC_VERSION, ENCODED_LEN};
use hdrhistogram::Histogram;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

fn run() -> Result<String, String> {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (rate, secs) = if smoke { (500u64, 1.0f64) } else { (2000, 10.0) };
    let dir = std::env::temp_dir().join(format!("ap-dashboard-ws-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let journal = dir.join("journal");
    std::fs::create_dir_all(&journal).map_err(|e| e.to_string())?;
    let mut w =
        Writer::create_or_open(journal.join("feed"), StreamConfig::default()).map_err(|e| e.to_string())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    // Every trade its own price event (the default sends at most one per symbol per 100 ms): the
    // figure is the pipeline's latency, record by record.
    let cfg = dir.join("dashboard.toml");
    std::fs::write(&cfg, "[dashboard]\nprice_event_ms = 0\n").map_err(|e| e.to_string())?;
    let args = alphapulse_tools::dashboard::Args {
        journal: journal.clone(),
        bind: Some(format!("127.0.0.1:{port}")),
        config: Some(cfg),
        control_socket: None,
        priority: Default::default(), // not applied in-process
    };
    std::thread::spawn(move || alphapulse_tools::dashboard::main(args));
    let start = Instant::now();
    let mut ws = loop {
        match tungstenite::connect(format!("ws://127.0.0.1:{port}/ws?types=price")) {
            Ok((ws, _)) => break ws,
            Err(_) if start.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => return Err(format!("connect: {e}")),
        }
    };
    let total = (rate as f64 * secs) as u64;
    let writer = std::thread::spawn(move || -> Result<(), String> {
        let gap = Duration::from_nanos(1_000_000_000 / rate);
        let t0 = Instant::now();
        for i in 0..total {
            while t0.elapsed() < gap * i as u32 {
                std::hint::spin_loop();
            }
            let ts = now_ns();
            let t = Trade {
                inst: InstrumentId(0),
                aggressor: Side::Buy,
                px: Price(6_000_000_000_000 + i as i64),
                qty: Qty(100_000),
                trade_id: i,
                exch_ts: ts,
                local_ts: ts,
                ..Default::default()
            };
            let m = Msg::Trade(t);
            let mut buf = [0u8; ENCODED_LEN];
            m.encode(&mut buf);
            w.append(m.kind(), CODEC_VERSION, ts, &buf).map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).map_err(|e| e.to_string())?;
    let mut got = 0u64;
    let warm = total / 10;
    while got < total {
        let m = ws.read().map_err(|e| e.to_string())?;
        let at = now_ns();
        if !m.is_text() {
            continue;
        }
        let Ok(text) = m.to_text() else { continue };
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if v["type"] != "price" {
            continue;
        }
        got += 1;
        if got > warm {
            let _ = h.record(at.saturating_sub(v["ts_ns"].as_u64().unwrap_or(at)).max(1));
        }
    }
    writer.join().map_err(|_| "writer panicked".to_string())??;
    let _ = std::fs::remove_dir_all(&dir);
    let us = |q: f64| h.value_at_quantile(q) as f64 / 1e3;
    Ok(format!(
        "{} trades at {rate}/s ({} measured after {warm} warm-up): p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        total,
        h.len(),
        us(0.5),
        us(0.9),
        us(0.99),
        h.max() as f64 / 1e3
    ))
}

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("dashboard_ws: {line}");
            if !std::env::args().any(|a| a == "--smoke") {
                let text = format!(
                    "# Journal record → WebSocket client (alphapulse dashboard)\n\n`cargo run --release -p alphapulse-benches --bin dashboard_ws`: trades appended to a journal's `feed` stream at a fixed rate, their journal timestamp = wall clock at the append; a client on `/ws?types=price` takes the wall clock at receipt (same clock). The tail thread polls every 1 ms when idle.\n\n{line}\n"
                );
                if let Err(e) = std::fs::write("latency-reports/dashboard.md", text) {
                    eprintln!("latency-reports/dashboard.md: {e}");
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dashboard_ws: {e}");
            ExitCode::FAILURE
        }
    }
}
