//! [`LiveFeed`]: Binance's live streams and REST snapshots in, the same market messages as the
//! replay out (both go through the [`Decoder`]). Sans-IO: it runs over any [`Net`] and is given
//! the time on each call, so the same code runs over real sockets and over a scripted fake.
//!
//! Each call of [`LiveFeed::poll`] does at most one thing that emits market messages (one frame,
//! one snapshot, or one buffered depth event replayed), so a book the feed lends to the actors of
//! its thread is at the state of the update they are handling; in between it drives connections,
//! snapshots and timers (`super::links`, `super::snapshots`).

use super::config::{LiveConfig, Subscribe};
use super::io::{Net, WsIn, WsIo};
use super::links::{Group, LinkState};
use super::policy::{AttemptWindow, Jitter, RestGate};
use super::snapshots::Sym;
use super::stats::LiveStats;
use crate::decode::{Decoded, Decoder, FramePos};
use crate::sync::ReplaySink;
use crate::{FeedError, FeedOptions, FeedStats};
use alphapulse_book::Book;
use alphapulse_types::{FeedEvent, FeedEventRecord, FeedReason, InstrumentId, InstrumentTable, Msg};

/// Receives every raw frame and snapshot body before it is parsed (the recorder).
pub trait FrameTap {
    /// A WebSocket text message received at `local_ts`.
    fn frame(&mut self, local_ts: u64, bytes: &[u8]);
    /// A REST depth snapshot of symbol number `sym` (the order of `LiveConfig::symbols`).
    fn snapshot(&mut self, sym: u16, local_ts: u64, body: &[u8]);
}

/// Where a frame's malformed occurrences are counted: a live feed has no files, so the first
/// occurrence names the connection (`file` = `LIVE_FILE_BASE` + connection number) and the message
/// number.
pub const LIVE_FILE_BASE: u32 = 1 << 31;

/// Connection-wide events name no instrument.
pub const NO_INST: InstrumentId = InstrumentId(u32::MAX);

/// Events queued for the journal between two polls (more are counted as dropped).
const EVENT_QUEUE: usize = 1024;

/// The live feed (see the module doc).
pub struct LiveFeed<N: Net> {
    pub(super) cfg: LiveConfig,
    pub(super) net: N,
    pub(super) dec: Decoder,
    pub(super) groups: Vec<Group<N::Ws>>,
    pub(super) syms: Vec<Sym<N::Http>>,
    pub(super) gate: RestGate,
    pub(super) window: AttemptWindow,
    pub(super) jitter: Jitter,
    pub(super) stats: LiveStats,
    pub(super) events: Vec<FeedEventRecord>,
    pub(super) tap: Option<Box<dyn FrameTap + Send>>,
    /// Receive times handed out: strictly increasing, so frames keep one order everywhere.
    pub(super) last_ts: u64,
    pub(super) next_conn: u16,
    /// The next link to poll first (round robin).
    rr: usize,
    next_sweep: u64,
    pub(super) in_flight: usize,
    pub(super) stopped: bool,
}

/// Where one symbol's feed stands (`LiveFeed::symbol_sync`, published in `LiveStatus`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum SymbolSync {
    /// Not reported yet.
    #[default]
    Unknown = 0,
    /// The book is synced (or, without a depth stream, the connection is open).
    Synced = 1,
    /// Connected, the book is being (re)built from a snapshot.
    Resyncing = 2,
    /// The connection carrying it is down: reconnecting.
    Reconnecting = 3,
}

impl SymbolSync {
    /// The stable name (`status` over the control socket).
    pub const fn name(self) -> &'static str {
        match self {
            SymbolSync::Unknown => "unknown",
            SymbolSync::Synced => "synced",
            SymbolSync::Resyncing => "resyncing",
            SymbolSync::Reconnecting => "reconnecting",
        }
    }
    /// From its number (`as u8`); unknown numbers are `Unknown`.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            1 => SymbolSync::Synced,
            2 => SymbolSync::Resyncing,
            3 => SymbolSync::Reconnecting,
            _ => SymbolSync::Unknown,
        }
    }
}

impl<N: Net> LiveFeed<N> {
    /// A feed for `cfg` over `net`; the books and buffers are sized by `opts`. Every symbol must be
    /// in `instruments`. Nothing connects before the first [`Self::poll`].
    pub fn new(
        cfg: LiveConfig,
        instruments: &InstrumentTable,
        opts: &FeedOptions,
        net: N,
        seed: u64,
    ) -> Result<Self, FeedError> {
        cfg.validate()?;
        opts.validate()?;
        let mut dec = Decoder::new(instruments, opts, FeedStats::default());
        dec.enable_dedup();
        let depth = cfg.has_depth();
        let mut syms = Vec::with_capacity(cfg.symbols.len());
        for (i, s) in cfg.symbols.iter().enumerate() {
            let upper = s.to_ascii_uppercase();
            let inst = dec.instrument(upper.as_bytes()).ok_or_else(|| FeedError::Config {
                key: "live.symbols",
                problem: format!("`{s}` is not in the instrument table"),
            })?;
            if syms.iter().any(|x: &Sym<N::Http>| x.inst == inst) {
                return Err(FeedError::Config { key: "live.symbols", problem: format!("`{s}` twice") });
            }
            let path = format!("{}?symbol={upper}&limit={}", cfg.venue.depth_path(), cfg.snapshot_limit);
            syms.push(Sym::new(inst, i as u16, depth, path));
        }
        let groups = Group::plan(&cfg, &syms);
        for (g, grp) in groups.iter().enumerate() {
            for &si in &grp.syms {
                syms[si].group = g;
            }
        }
        Ok(LiveFeed {
            gate: RestGate::new(cfg.rest_weight_per_minute),
            window: AttemptWindow::new(cfg.max_connects_per_window, cfg.connect_window_secs),
            jitter: Jitter::new(seed),
            cfg,
            net,
            dec,
            groups,
            syms,
            stats: LiveStats::default(),
            events: Vec::with_capacity(EVENT_QUEUE),
            tap: None,
            last_ts: 0,
            next_conn: 0,
            rr: 0,
            next_sweep: 0,
            in_flight: 0,
            stopped: false,
        })
    }

    /// Hand every raw frame and snapshot to `tap` (the recorder) before it is parsed.
    pub fn set_tap(&mut self, tap: Box<dyn FrameTap + Send>) {
        self.tap = Some(tap);
    }

    /// Frame counters (shared with the replay).
    pub fn feed_stats(&self) -> &FeedStats {
        self.dec.stats()
    }
    /// Connection and snapshot counters.
    pub fn stats(&self) -> &LiveStats {
        &self.stats
    }
    /// The config it runs with.
    pub fn config(&self) -> &LiveConfig {
        &self.cfg
    }
    /// The frame path (books, sync state).
    pub fn decoder(&self) -> &Decoder {
        &self.dec
    }
    /// The book of `inst` (empty unless synced).
    pub fn book(&self, inst: InstrumentId) -> Option<&Book> {
        self.dec.book(inst)
    }
    /// Receive time of the last frame handed out.
    pub fn last_local_ts(&self) -> u64 {
        self.last_ts
    }
    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.groups
            .iter()
            .flat_map(|g| g.links.iter())
            .filter(|l| matches!(l.state, LinkState::Open(_)))
            .count()
    }
    /// Per configured symbol: its instrument and whether its book is synced (true for symbols
    /// without a depth stream once their connection is open).
    pub fn symbol_states(&self) -> impl Iterator<Item = (InstrumentId, bool)> + '_ {
        self.symbol_sync().map(|(inst, s)| (inst, s == SymbolSync::Synced))
    }

    /// Per configured symbol: its instrument and where its sync stands.
    pub fn symbol_sync(&self) -> impl Iterator<Item = (InstrumentId, SymbolSync)> + '_ {
        self.syms.iter().map(|s| {
            let open = matches!(self.groups[s.group].links[0].state, LinkState::Open(_));
            let synced =
                if s.depth { self.dec.book_sync(s.inst).is_some_and(|b| b.is_synced()) } else { open };
            let state = match (open, synced) {
                (_, true) => SymbolSync::Synced,
                (true, false) => SymbolSync::Resyncing,
                (false, false) => SymbolSync::Reconnecting,
            };
            (s.inst, state)
        })
    }

    /// A receive time for a message that arrived at `now`: never equal to or before the last.
    pub(super) fn stamp(&mut self, now: u64) -> u64 {
        self.last_ts = now.max(self.last_ts + 1);
        self.last_ts
    }

    /// Count and queue a state change for the journal.
    pub(super) fn event(
        &mut self,
        ts: u64,
        event: FeedEvent,
        reason: FeedReason,
        conn: u16,
        inst: InstrumentId,
        detail: u64,
    ) {
        // Stamped no earlier than the last frame, so a journal stream's times never go back.
        let ts = ts.max(self.last_ts);
        record(&mut self.stats, &mut self.events, FeedEventRecord { ts, detail, inst, conn, event, reason });
    }

    pub(super) fn flush_events<S: ReplaySink + ?Sized>(&mut self, sink: &mut S) {
        for e in self.events.drain(..) {
            sink.journal(Msg::FeedEvent(e));
        }
    }

    /// Do the next thing at time `now` (ns since the Unix epoch). Returns true when something was
    /// done (a frame, a snapshot, a state change); false when idle.
    pub fn poll<S: ReplaySink + ?Sized>(&mut self, now: u64, sink: &mut S) -> bool {
        if self.stopped {
            return false;
        }
        let busy = self.step(now, sink);
        if !self.events.is_empty() {
            self.flush_events(sink);
            return true;
        }
        busy
    }

    fn step<S: ReplaySink + ?Sized>(&mut self, now: u64, sink: &mut S) -> bool {
        if self.dec.drain_one(sink) {
            return true;
        }
        let n = self.groups.len() * 2;
        for k in 0..n {
            let i = (self.rr + k) % n;
            if self.poll_link(i / 2, i % 2, now, sink) {
                self.rr = (i + 1) % n;
                return true;
            }
        }
        if self.in_flight > 0 && self.poll_snapshots(now, sink) {
            return true;
        }
        if now >= self.next_sweep {
            self.next_sweep = now + 1_000_000;
            self.sweep_links(now, sink);
            self.sweep_snapshots(now);
        }
        false
    }

    /// Poll one link; true when it did something that ends this poll (a text message, a failure).
    fn poll_link<S: ReplaySink + ?Sized>(&mut self, g: usize, w: usize, now: u64, sink: &mut S) -> bool {
        loop {
            let after = {
                let Self { groups, dec, stats, tap, events, last_ts, .. } = self;
                let grp = &mut groups[g];
                let link = &mut grp.links[w];
                let conn = link.conn;
                let ws = match &mut link.state {
                    LinkState::Connecting { ws, .. } => ws,
                    LinkState::Open(o) => &mut o.ws,
                    LinkState::Down { .. } => return false,
                };
                match ws.next_event() {
                    Ok(None) => return false,
                    Ok(Some(WsIn::Opened)) => After::Opened,
                    Ok(Some(WsIn::Other)) => After::Nothing,
                    Ok(Some(WsIn::Ping(p))) => {
                        let mut payload = [0u8; 125];
                        let n = p.len().min(payload.len());
                        payload[..n].copy_from_slice(&p[..n]);
                        After::Ping(payload, n as u8)
                    }
                    Ok(Some(WsIn::Text(text))) => {
                        *last_ts = now.max(*last_ts + 1);
                        let ts = *last_ts;
                        stats.messages += 1;
                        stats.bytes += text.len() as u64;
                        if let Some(t) = tap.as_mut() {
                            t.frame(ts, text);
                        }
                        let kind = classify(text);
                        let mut after = After::Done;
                        match kind {
                            Kind::Control => {
                                stats.control_replies += 1;
                                let (ok, id) = control_reply(text);
                                let e =
                                    if ok { FeedEvent::SubscribeAcked } else { FeedEvent::SubscribeRefused };
                                record(
                                    stats,
                                    events,
                                    FeedEventRecord {
                                        ts,
                                        detail: id,
                                        inst: NO_INST,
                                        conn,
                                        event: e,
                                        reason: FeedReason::None,
                                    },
                                );
                            }
                            Kind::ServerShutdown => {
                                let e = FeedEvent::ServerShutdown;
                                record(
                                    stats,
                                    events,
                                    FeedEventRecord {
                                        ts,
                                        detail: 0,
                                        inst: NO_INST,
                                        conn,
                                        event: e,
                                        reason: FeedReason::ServerShutdown,
                                    },
                                );
                                after = After::Shutdown;
                            }
                            Kind::Market => {
                                let fs = dec.stats_mut();
                                fs.frames += 1;
                                fs.bytes += text.len() as u64;
                                let pos =
                                    FramePos { file: LIVE_FILE_BASE + u32::from(conn), line: stats.messages };
                                // The spare of a rollover is gated until aligned (see `links`).
                                let d = match (&mut grp.rollover, w) {
                                    (Some(r), 1) => dec.frame_gated(text, ts, pos, &mut r.aligned, sink),
                                    _ => dec.frame(text, ts, None, false, pos, sink),
                                };
                                if let (Decoded::Frame(_), LinkState::Open(o)) = (d, &mut grp.links[w].state)
                                {
                                    if !o.got_data {
                                        // A connection that delivers data has worked: the next
                                        // failure backs off from the start.
                                        o.got_data = true;
                                        grp.backoff.reset();
                                    }
                                }
                            }
                        }
                        if kind == Kind::Market {
                            if let LinkState::Open(o) = &mut grp.links[w].state {
                                o.last_data = now;
                            }
                        }
                        after
                    }
                    Err(f) => After::Failed(f),
                }
            };
            match after {
                After::Nothing => {}
                After::Ping(payload, n) => {
                    self.stats.pings += 1;
                    if let LinkState::Open(o) = &mut self.groups[g].links[w].state {
                        if o.pong_due {
                            self.stats.pongs_held += 1;
                        }
                        o.pong = payload;
                        o.pong_len = n;
                        o.pong_due = true;
                    }
                }
                After::Opened => self.on_open(g, w, now),
                After::Done => return true,
                After::Shutdown => {
                    self.start_rollover(g, now, FeedReason::ServerShutdown);
                    return true;
                }
                After::Failed(f) => {
                    self.on_fail(g, w, f, now, sink);
                    return true;
                }
            }
        }
    }
}

/// What `poll_link` does once the connection's borrow ends.
enum After {
    Nothing,
    /// A ping's payload (at most 125 bytes) and its length.
    Ping([u8; 125], u8),
    Opened,
    Done,
    Shutdown,
    Failed(super::io::Failure),
}

/// Count a state change and queue it for the journal (more than the queue holds: counted dropped).
pub(super) fn record(stats: &mut LiveStats, events: &mut Vec<FeedEventRecord>, e: FeedEventRecord) {
    stats.events[e.event as usize] += 1;
    if events.len() < events.capacity() {
        events.push(e);
    } else {
        stats.events_dropped += 1;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Market,
    /// `{"result":..,"id":N}` or `{"error":{..},"id":N}`: the answer to a control message.
    Control,
    /// `{"stream":"!serverShutdown",..}` or `{"e":"serverShutdown",..}`.
    ServerShutdown,
}

fn classify(text: &[u8]) -> Kind {
    if text.starts_with(b"{\"result\"") || text.starts_with(b"{\"error\"") || text.starts_with(b"{\"id\"") {
        return Kind::Control;
    }
    let head = &text[..text.len().min(48)];
    if memchr::memmem::find(head, b"serverShutdown").is_some() {
        return Kind::ServerShutdown;
    }
    Kind::Market
}

/// (success, id) of a control answer; id 0 when absent.
fn control_reply(text: &[u8]) -> (bool, u64) {
    let ok = !text.starts_with(b"{\"error\"") && memchr::memmem::find(text, b"\"error\"").is_none();
    let id = memchr::memmem::find(text, b"\"id\":")
        .map(|at| {
            text[at + 5..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .fold(0u64, |n, b| n.saturating_mul(10) + u64::from(b - b'0'))
        })
        .unwrap_or(0);
    (ok, id)
}

impl Subscribe {
    /// True when streams are requested by SUBSCRIBE messages.
    pub(super) fn by_messages(self) -> bool {
        self == Subscribe::Messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_answers_and_shutdown_are_told_apart() {
        assert!(matches!(classify(br#"{"result":null,"id":3}"#), Kind::Control));
        assert_eq!(control_reply(br#"{"result":null,"id":3}"#), (true, 3));
        assert_eq!(control_reply(br#"{"error":{"code":2,"msg":"Invalid request"},"id":17}"#), (false, 17));
        assert!(matches!(
            classify(br#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}"#),
            Kind::ServerShutdown
        ));
        assert!(matches!(classify(br#"{"e":"serverShutdown","E":1}"#), Kind::ServerShutdown));
        assert!(matches!(classify(br#"{"stream":"btcusdt@trade","data":{"e":"trade"}}"#), Kind::Market));
    }
}
