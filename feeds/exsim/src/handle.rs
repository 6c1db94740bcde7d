//! `start` and `SimHandle`: load the captures, bind, spawn the threads; then inject faults,
//! read stats, wait, shut down.

use crate::book::{Book, SymbolBook};
use crate::capture;
use crate::config::SimConfig;
use crate::error::SimError;
use crate::fault::{scheduled, Fault};
use crate::hub::Hub;
use crate::limits::{ConnectLimiter, WeightLimiter};
use crate::shared::{Shared, SymbolInfo};
use crate::stats::{SimStats, Stats};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running simulator. Dropping it without [`SimHandle::shutdown`] leaves it running until
/// the process ends.
pub struct SimHandle {
    sh: Arc<Shared>,
    ws: SocketAddr,
    http: SocketAddr,
    threads: Vec<JoinHandle<()>>,
}

fn bind(addr: SocketAddr) -> Result<TcpListener, SimError> {
    let l = TcpListener::bind(addr).map_err(|source| SimError::Bind { addr, source })?;
    l.set_nonblocking(true).map_err(|source| SimError::Bind { addr, source })?;
    Ok(l)
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, SimError> {
    std::thread::Builder::new().name(name.into()).spawn(f).map_err(SimError::Spawn)
}

/// Load and check the captures, bind both listeners, and start serving.
pub fn start(cfg: SimConfig) -> Result<SimHandle, SimError> {
    cfg.validate()?;
    let caps = capture::load(&cfg.captures, cfg.venue)?;
    let mut symbols = Vec::new();
    for c in &caps {
        let book = Book::from_snapshot(&c.snapshot).map_err(|why| SimError::NotCapture {
            path: cfg.captures[0].clone(),
            line: 0,
            why: format!("{} snapshot: {why}", c.name),
        })?;
        symbols.push(SymbolInfo {
            name: c.name.clone(),
            venue: c.venue,
            book: Mutex::new(SymbolBook::new(book)),
            price_step: c.price_step,
            qty_step: c.qty_step,
            price_places: c.price_places,
            qty_places: c.qty_places,
        });
    }
    let exchange_info = match &cfg.exchange_info {
        Some(p) => {
            let bad = |why: String| SimError::ExchangeInfo { path: p.clone(), why };
            let text = std::fs::read_to_string(p).map_err(|e| bad(e.to_string()))?;
            serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| bad(e.to_string()))?;
            Some(text)
        }
        None => None,
    };
    let ws_l = bind(cfg.ws_bind)?;
    let http_l = bind(cfg.http_bind)?;
    let ws = ws_l.local_addr().map_err(|source| SimError::Bind { addr: cfg.ws_bind, source })?;
    let http = http_l.local_addr().map_err(|source| SimError::Bind { addr: cfg.http_bind, source })?;
    let weight = cfg.ip_weight_per_minute.unwrap_or_else(|| crate::exinfo::default_weight(caps[0].venue));
    let sh = Arc::new(Shared {
        weight: WeightLimiter::new(weight, cfg.backoff_strikes, cfg.ban_duration),
        connects: ConnectLimiter::new(cfg.max_connects_per_5min),
        cfg,
        epoch: Instant::now(),
        stop: AtomicBool::new(false),
        done: AtomicBool::new(false),
        hub: Hub::default(),
        stats: Stats::default(),
        faults: Default::default(),
        symbols,
        exchange_info,
    });
    let mut threads = Vec::new();
    let s = sh.clone();
    threads.push(spawn("exsim-ws", move || crate::ws::accept_loop(s, ws_l))?);
    let s = sh.clone();
    threads.push(spawn("exsim-http", move || crate::http::accept_loop(s, http_l))?);
    let s = sh.clone();
    threads.push(spawn("exsim-market", move || crate::market::run(s, caps))?);
    if let Some(sch) = sh.cfg.fault_schedule.clone() {
        let s = sh.clone();
        threads.push(spawn("exsim-faults", move || schedule(s, sch))?);
    }
    Ok(SimHandle { sh, ws, http, threads })
}

fn schedule(sh: Arc<Shared>, sch: crate::FaultSchedule) {
    let names: Vec<String> = sh.symbols.iter().map(|s| s.name.clone()).collect();
    let mut rng = sch.seed;
    let mut next = Instant::now() + sch.every;
    while !sh.stopping() {
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        next += sch.every;
        match scheduled(&sch.kinds, &names, &mut rng) {
            Ok(f) => sh.inject(f),
            Err(e) => sh.log(|| format!("fault schedule: {e}")),
        }
    }
}

impl SimHandle {
    /// The WebSocket listener's address.
    pub fn ws_addr(&self) -> SocketAddr {
        self.ws
    }
    /// The HTTP listener's address (REST and `/_sim/`).
    pub fn http_addr(&self) -> SocketAddr {
        self.http
    }
    /// Inject a fault (logged when `log` is on, counted in the stats).
    pub fn inject(&self, f: Fault) {
        self.sh.inject(f);
    }
    /// A copy of the counters.
    pub fn stats(&self) -> SimStats {
        let mut s = self.sh.stats.snapshot();
        s.connections_open = self.sh.hub.open();
        s
    }
    /// Wait until the replay has ended (never with `loop_forever`) or `timeout` passed; true if
    /// it ended.
    pub fn wait_until_done(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while !self.sh.done.load(Ordering::Relaxed) {
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
    /// Has the replay ended?
    pub fn is_done(&self) -> bool {
        self.sh.done.load(Ordering::Relaxed)
    }
    /// Stop: close every connection, stop the threads, and wait for them.
    pub fn shutdown(self) {
        self.sh.stop.store(true, Ordering::Relaxed);
        self.sh.hub.kill(None);
        for t in self.threads {
            let _ = t.join();
        }
    }
}
