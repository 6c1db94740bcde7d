//! State shared by the simulator's threads (market, acceptors, connections, scheduler).

use crate::book::SymbolBook;
use crate::config::{SimConfig, Venue};
use crate::fault::{Fault, FaultState};
use crate::hub::Hub;
use crate::limits::{ConnectLimiter, WeightLimiter};
use crate::stats::{bump, Stats};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What the REST side knows of one symbol.
pub(crate) struct SymbolInfo {
    pub name: String,
    pub venue: Venue,
    pub book: Mutex<SymbolBook>,
    pub price_step: u128,
    pub qty_step: u128,
    pub price_places: u32,
    pub qty_places: u32,
}

pub(crate) struct Shared {
    pub cfg: SimConfig,
    pub epoch: Instant,
    pub stop: AtomicBool,
    pub done: AtomicBool,
    pub hub: Hub,
    pub stats: Stats,
    pub faults: FaultState,
    pub symbols: Vec<SymbolInfo>,
    pub weight: WeightLimiter,
    pub connects: ConnectLimiter,
    /// `--exchange-info` file contents, served verbatim.
    pub exchange_info: Option<String>,
}

impl Shared {
    /// Milliseconds since the simulator started (the clock of the fault timers).
    pub fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
    pub fn symbol(&self, name: &str) -> Option<&SymbolInfo> {
        self.symbols.iter().find(|s| s.name == name)
    }
    /// Log a line on stderr when the config asks for it (the binary does).
    pub fn log(&self, msg: impl FnOnce() -> String) {
        if self.cfg.log {
            eprintln!("exsim: {}", msg());
        }
    }

    /// Inject a fault: act at once or leave it pending; logged and counted.
    pub fn inject(&self, f: Fault) {
        self.log(|| format!("fault {f:?}"));
        self.stats.with(|s| bump(&mut s.faults_injected, f.kind(), 1));
        let now = self.now_ms();
        match &f {
            Fault::Disconnect { conn } => {
                self.hub.kill(*conn);
            }
            Fault::Malformed => {
                self.faults.malformed_gen.fetch_add(1, Ordering::Relaxed);
            }
            Fault::ServerShutdown => {
                let at = now + self.cfg.shutdown_grace.as_millis() as u64;
                for c in self.hub.all() {
                    c.shutdown_at.store(at.max(1), Ordering::Relaxed);
                }
            }
            Fault::Stall { period } => {
                self.faults.stall_until.store(now + period.as_millis() as u64, Ordering::Relaxed);
            }
            Fault::SlowConsumer { period } => {
                self.faults.slow_until.store(now + period.as_millis() as u64, Ordering::Relaxed);
            }
            held => {
                self.faults.hold(held);
            }
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch.
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
