//! `exsim`: the exchange simulator as a command (a thin wrapper over the library). Prints one
//! JSON line `{"ws":"127.0.0.1:PORT","http":"127.0.0.1:PORT"}` on stdout when listening, logs to
//! stderr, and on SIGINT/SIGTERM prints the stats on stderr and exits 0. Bad input exits 2.

use alphapulse_exsim::{start, FaultSchedule, SimConfig, Speed, Venue, FAULT_KINDS};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Local Binance stand-in: serves real captures over WebSocket and HTTP with fault injection.
///
/// WebSocket: /stream?streams=a/b/c (combined) and /ws/<stream> (raw), live SUBSCRIBE /
/// UNSUBSCRIBE / LIST_SUBSCRIPTIONS. REST: /api/v3/{depth,exchangeInfo,ping,time} (spot) and
/// /fapi/v1/{depth,exchangeInfo,ping,time} (USD-M). Control: POST /_sim/fault?kind=K&symbol=S&count=N&ms=T[&conn=ID]
/// and GET /_sim/stats on the HTTP listener. Fault kinds: disconnect, drop_depth, malformed,
/// duplicate, stale_snapshot, slow_snapshot, server_shutdown, stall, slow_consumer, http_429,
/// http_418. Streams the captures lack are synthesized: <s>@aggTrade, <s>@kline_1m, <s>@kline_1s;
/// depth is served as both @depth@100ms and @depth@0ms.
///
/// On start it prints one JSON line {"ws":"ADDR","http":"ADDR"} on stdout. Exit: SIGINT/SIGTERM
/// (stats on stderr, exit 0); bad input: exit 2.
#[derive(Parser, Debug)]
#[command(name = "exsim", version, verbatim_doc_comment)]
struct Args {
    /// Capture files (gzip `<ns> <frame>` lines). Same name prefix (e.g. btcusdt_) = one symbol,
    /// continued in name order; several symbols merge by time.
    #[arg(long = "capture", required = true, num_args = 1..)]
    captures: Vec<PathBuf>,
    /// Replay pace: a multiplier of the capture's pace (1, 10, 0.5) or `max` (as fast as the
    /// slowest client reads).
    #[arg(long, default_value = "1")]
    speed: Speed,
    /// Start again at the end, ids and times shifted past the last ones (a declared gap).
    #[arg(long = "loop")]
    loop_forever: bool,
    /// Keep the captured exchange times (default: shift them so the first frame is now).
    #[arg(long)]
    no_retime: bool,
    /// Force the venue of every capture: spot or usdm (default: detected per file).
    #[arg(long, value_parser = ["spot", "usdm"])]
    venue: Option<String>,
    /// WebSocket listen address.
    #[arg(long, default_value = "127.0.0.1:0")]
    ws: SocketAddr,
    /// HTTP listen address (REST and /_sim/ control).
    #[arg(long, default_value = "127.0.0.1:0")]
    http: SocketAddr,
    /// Hold the market until this many WebSocket clients connected.
    #[arg(long, default_value_t = 0)]
    wait_for_clients: usize,
    /// Random faults on a timer: every=3s[,kinds=a+b+c][,seed=N].
    #[arg(long)]
    faults: Option<FaultSchedule>,
    /// Serve this file verbatim as exchangeInfo (default: generated from the captures).
    #[arg(long)]
    exchange_info: Option<PathBuf>,
    /// Server ping period in seconds.
    #[arg(long, default_value_t = 20.0)]
    ping_interval: f64,
    /// Seconds to wait for a pong before disconnecting.
    #[arg(long, default_value_t = 60.0)]
    pong_timeout: f64,
    /// Maximum connection age in seconds.
    #[arg(long, default_value_t = 86400.0)]
    max_connection_age: f64,
    /// REST weight per IP per minute (default: 6000 spot, 2400 USD-M).
    #[arg(long)]
    ip_weight_per_minute: Option<u32>,
    /// WebSocket connection attempts per IP per 5 minutes.
    #[arg(long, default_value_t = 300)]
    max_connects_per_5min: u32,
    /// Incoming WebSocket messages per connection per second.
    #[arg(long, default_value_t = 5)]
    max_incoming_msgs_per_sec: u32,
    /// Frames queued per connection before it is a slow consumer.
    #[arg(long, default_value_t = 4096)]
    max_queue_frames: usize,
    /// Seconds between the serverShutdown event and the close.
    #[arg(long, default_value_t = 5.0)]
    shutdown_grace: f64,
    /// No log lines on stderr.
    #[arg(long)]
    quiet: bool,
}

fn secs(name: &str, v: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(v).map_err(|_| format!("--{name} must be a non-negative number of seconds"))
}

fn config(a: Args) -> Result<SimConfig, String> {
    for p in &a.captures {
        if !p.is_file() {
            return Err(format!("capture file not found: {}", p.display()));
        }
    }
    let mut c = SimConfig::new(a.captures);
    c.speed = a.speed;
    c.loop_forever = a.loop_forever;
    c.retime = !a.no_retime;
    c.venue = a.venue.map(|v| if v == "usdm" { Venue::UsdM } else { Venue::Spot });
    c.ws_bind = a.ws;
    c.http_bind = a.http;
    c.wait_for_clients = a.wait_for_clients;
    c.fault_schedule = a.faults;
    c.exchange_info = a.exchange_info;
    c.ping_interval = secs("ping-interval", a.ping_interval)?;
    c.pong_timeout = secs("pong-timeout", a.pong_timeout)?;
    c.max_connection_age = secs("max-connection-age", a.max_connection_age)?;
    c.ip_weight_per_minute = a.ip_weight_per_minute;
    c.max_connects_per_5min = a.max_connects_per_5min;
    c.max_incoming_msgs_per_sec = a.max_incoming_msgs_per_sec;
    c.max_queue_frames = a.max_queue_frames;
    c.shutdown_grace = secs("shutdown-grace", a.shutdown_grace)?;
    c.log = !a.quiet;
    Ok(c)
}

fn main() {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let fail = |msg: String| -> ! {
        eprintln!("exsim: {msg}");
        std::process::exit(2);
    };
    let cfg = config(args).unwrap_or_else(|m| fail(m));
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, stop.clone()) {
            fail(format!("cannot handle signal {sig}: {e}"));
        }
    }
    let sim = start(cfg).unwrap_or_else(|e| fail(e.to_string()));
    println!("{}", serde_json::json!({"ws": sim.ws_addr().to_string(), "http": sim.http_addr().to_string()}));
    eprintln!("exsim: listening; fault kinds: {}", FAULT_KINDS.join(", "));
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = sim.stats();
    sim.shutdown();
    match serde_json::to_string_pretty(&stats) {
        Ok(s) => eprintln!("exsim: stopped; stats:\n{s}"),
        Err(e) => eprintln!("exsim: stopped; stats not serializable: {e}"),
    }
}
