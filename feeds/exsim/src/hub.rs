//! The connection registry: every open stream connection with its subscriptions and its bounded
//! frame queue, and the broadcast that hands a shared frame to each subscriber.

use crate::stats::Stats;
use std::collections::BTreeSet;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use tungstenite::Utf8Bytes;

/// One frame as every subscriber gets it (built once, shared).
pub(crate) struct Frame {
    /// Stream kind for the stats (`depth@100ms`, `trade`, ...).
    pub kind: String,
    /// The combined-stream wrapper, for `/stream` connections.
    pub combined: Utf8Bytes,
    /// The data object alone, for `/ws` connections.
    pub raw: Utf8Bytes,
}

impl Frame {
    /// A frame of `stream` whose data object is `data`.
    pub fn new(stream: &str, data: &str) -> Frame {
        let kind = stream_kind(stream);
        let combined = format!("{{\"stream\":\"{stream}\",\"data\":{data}}}");
        Frame { kind, combined: combined.into(), raw: data.into() }
    }
}

/// The kind part of a stream name, for the stats (`btcusdt@depth@100ms` → `depth@100ms`).
pub(crate) fn stream_kind(stream: &str) -> String {
    stream.split_once('@').map_or(stream, |(_, k)| k).to_string()
}

/// What a connection is subscribed to.
#[derive(Default)]
pub(crate) struct Subs {
    pub streams: BTreeSet<String>,
    /// Wrapped frames (`/stream`, or `SET_PROPERTY combined true`).
    pub combined: bool,
}

/// One open stream connection, as the market and the fault injector see it.
pub(crate) struct Conn {
    pub id: u64,
    pub subs: Mutex<Subs>,
    tx: SyncSender<Arc<Frame>>,
    tcp: TcpStream,
    /// Set when the server dropped the connection (fault, slow consumer, shutdown).
    pub killed: AtomicBool,
    /// `serverShutdown`: when to close (ms since start; 0 = not asked).
    pub shutdown_at: AtomicU64,
}

impl Conn {
    pub fn new(id: u64, subs: Subs, tx: SyncSender<Arc<Frame>>, tcp: TcpStream) -> Conn {
        Conn {
            id,
            subs: Mutex::new(subs),
            tx,
            tcp,
            killed: AtomicBool::new(false),
            shutdown_at: AtomicU64::new(0),
        }
    }
    pub fn lock_subs(&self) -> std::sync::MutexGuard<'_, Subs> {
        self.subs.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn wants(&self, stream: &str) -> bool {
        self.lock_subs().streams.contains(stream)
    }
    /// Close the TCP connection at once, without a close frame.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Relaxed);
        let _ = self.tcp.shutdown(Shutdown::Both);
    }
}

/// Every open connection.
#[derive(Default)]
pub(crate) struct Hub {
    conns: Mutex<Vec<Arc<Conn>>>,
    next_id: AtomicU64,
    /// Connections ever accepted (the market's start gate counts them).
    pub accepted: AtomicU64,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// A fresh connection id (1, 2, ...).
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }
    pub fn add(&self, c: Arc<Conn>) {
        self.lock().push(c);
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }
    pub fn remove(&self, id: u64) {
        self.lock().retain(|c| c.id != id);
    }
    pub fn open(&self) -> u64 {
        self.lock().len() as u64
    }
    pub fn all(&self) -> Vec<Arc<Conn>> {
        self.lock().clone()
    }

    /// Hand the frame `build` makes (only if someone subscribes to `stream`) to every
    /// subscriber. `block`: wait for room in a full queue (Max speed); else a full queue drops
    /// that connection as a slow consumer. Returns the frame, if built, for a second send.
    pub fn broadcast(
        &self,
        stream: &str,
        build: impl FnOnce() -> Frame,
        block: bool,
        stats: &Stats,
    ) -> Option<Arc<Frame>> {
        let subs: Vec<Arc<Conn>> = self.lock().iter().filter(|c| c.wants(stream)).cloned().collect();
        if subs.is_empty() {
            return None;
        }
        let frame = Arc::new(build());
        self.send(&subs, &frame, block, stats);
        Some(frame)
    }

    /// Send an already built frame to the subscribers of `stream`.
    pub fn resend(&self, stream: &str, frame: &Arc<Frame>, block: bool, stats: &Stats) {
        let subs: Vec<Arc<Conn>> = self.lock().iter().filter(|c| c.wants(stream)).cloned().collect();
        self.send(&subs, frame, block, stats);
    }

    fn send(&self, subs: &[Arc<Conn>], frame: &Arc<Frame>, block: bool, stats: &Stats) {
        for c in subs {
            if c.killed.load(Ordering::Relaxed) {
                continue;
            }
            if block {
                let _ = c.tx.send(frame.clone());
            } else if let Err(TrySendError::Full(_)) = c.tx.try_send(frame.clone()) {
                c.kill();
                stats.with(|s| s.slow_consumer_disconnects += 1);
            }
        }
    }

    /// Close every connection (or the one with `id`) abruptly; how many.
    pub fn kill(&self, id: Option<u64>) -> usize {
        let conns = self.all();
        let mut n = 0;
        for c in conns.iter().filter(|c| id.is_none_or(|i| i == c.id)) {
            c.kill();
            n += 1;
        }
        n
    }
}
