//! Connections: a [`Group`] is one connection's worth of streams (at most
//! `streams_per_connection`); it has a main [`Link`] and, during a rollover, a spare one carrying
//! the same streams. What a link does over time:
//! - down → (backoff, attempt budget) → connecting → open → down again on any failure;
//! - open: answer the server's pings (paced), send the SUBSCRIBE messages (paced), watch for a
//!   stall (no market data for `stall_timeout_ms`);
//! - at `rollover_after_secs`, or on `serverShutdown`, a spare connects; once it has delivered the
//!   same events as the main link for every instrument of the group (proven by the duplicates the
//!   decoder drops) the main link is closed and the spare takes its place: no event is missed.
//!   Until a stream of the spare is aligned (its first duplicate, or a frame that continues exactly
//!   what was applied), its new frames are held back (`Decoder::frame_gated`): the main link
//!   delivers them in order, so two links at different lags never make an update arrive ahead of
//!   its predecessors. Past `rollover_overlap_max_ms`
//!   the switch happens anyway and instruments whose depth was not aligned resync.
//! - a failure of the main link without a spare resyncs every instrument of the group (books
//!   cleared first: no ghost levels).

use super::config::LiveConfig;
use super::feed::{LiveFeed, NO_INST};
use super::io::{Failure, Net, WsIo};
use super::policy::{Backoff, Pacer, DEFAULT_RETRY_AFTER_SECS};
use super::snapshots::Sym;
use crate::decode::Aligned;
use crate::sync::ReplaySink;
use alphapulse_types::{FeedEvent, FeedReason, InstrumentId};

const MS: u64 = 1_000_000;

/// An open connection.
pub(crate) struct Open<W> {
    pub(crate) ws: W,
    pub(crate) opened_at: u64,
    /// Last market frame (or the open).
    pub(crate) last_data: u64,
    pub(crate) got_data: bool,
    /// Next SUBSCRIBE message to send (of the group's `subs`).
    pub(crate) next_sub: usize,
    pub(crate) pong: [u8; 125],
    pub(crate) pong_len: u8,
    pub(crate) pong_due: bool,
    pub(crate) pacer: Pacer,
}

pub(crate) enum LinkState<W> {
    /// Not connected; the next attempt is due at `retry_at` (`u64::MAX`: not wanted).
    Down {
        retry_at: u64,
    },
    Connecting {
        ws: W,
        since: u64,
    },
    Open(Open<W>),
}

pub(crate) struct Link<W> {
    /// The connection's number (new per attempt), in events.
    pub(crate) conn: u16,
    pub(crate) state: LinkState<W>,
    /// A budget-spent event was journaled for the current wait.
    budget_noted: bool,
}

impl<W> Link<W> {
    fn down(retry_at: u64) -> Self {
        Link { conn: 0, state: LinkState::Down { retry_at }, budget_noted: false }
    }
}

/// A rollover in progress.
pub(crate) struct Rollover {
    started: u64,
    /// Per instrument id: which of its streams the spare carries in step with the main link.
    pub(crate) aligned: Vec<Aligned>,
}

pub(crate) struct Group<W> {
    /// `/stream?streams=...` (everything, or the first stream when subscribing by messages).
    path: String,
    /// SUBSCRIBE messages for the rest (subscribe by messages), sent in order, paced.
    subs: Vec<String>,
    /// Indices into the feed's symbols.
    pub(crate) syms: Vec<usize>,
    /// The instruments of those symbols.
    insts: Vec<InstrumentId>,
    /// The de-duplicated streams subscribed per symbol (see `Aligned`).
    kinds: Aligned,
    /// `[main, spare]`.
    pub(crate) links: [Link<W>; 2],
    pub(crate) backoff: Backoff,
    pub(crate) rollover: Option<Rollover>,
}

impl<W> Group<W> {
    /// Cut the configured streams into groups of at most `streams_per_connection`, keeping a
    /// symbol's streams together (a symbol never spans two connections).
    pub(crate) fn plan<H>(cfg: &LiveConfig, syms: &[Sym<H>]) -> Vec<Group<W>> {
        let per_sym = cfg.streams.len();
        let syms_per_group = (cfg.streams_per_connection / per_sym).max(1);
        let names = cfg.stream_names();
        let mut groups = Vec::new();
        for (k, chunk) in (0..syms.len()).collect::<Vec<_>>().chunks(syms_per_group).enumerate() {
            let streams: Vec<&str> = chunk
                .iter()
                .flat_map(|&i| names[i * per_sym..(i + 1) * per_sym].iter().map(String::as_str))
                .collect();
            let (path, subs) = if cfg.subscribe.by_messages() {
                let first = format!("/stream?streams={}", streams[0]);
                let subs = streams[1..]
                    .chunks(cfg.subscribe_batch)
                    .enumerate()
                    .map(|(j, b)| {
                        let params: Vec<String> = b.iter().map(|s| format!("\"{s}\"")).collect();
                        // Ids unique per feed: group in the high digits.
                        format!(
                            r#"{{"method":"SUBSCRIBE","params":[{}],"id":{}}}"#,
                            params.join(","),
                            k * 10_000 + j + 1
                        )
                    })
                    .collect();
                (first, subs)
            } else {
                (format!("/stream?streams={}", streams.join("/")), Vec::new())
            };
            groups.push(Group {
                path,
                subs,
                syms: chunk.to_vec(),
                insts: chunk.iter().map(|&i| syms[i].inst).collect(),
                // Streams that must be contiguous across the switch: depth (the book) and trades
                // (none lost); quotes need not be (each is the whole top of book).
                kinds: [
                    cfg.has_depth(),
                    false,
                    cfg.streams.iter().any(|s| s == "trade"),
                    cfg.streams.iter().any(|s| s == "aggTrade"),
                ],
                links: [Link::down(0), Link::down(u64::MAX)],
                backoff: Backoff::new(cfg.backoff_initial_ms, cfg.backoff_max_ms),
                rollover: None,
            });
        }
        groups
    }

    /// The instruments whose subscribed streams are not all aligned yet (`depth`: only their
    /// depth stream counts).
    fn unaligned(&self, r: &Rollover, depth: bool) -> Vec<usize> {
        (0..self.insts.len())
            .filter(|&k| {
                let a = r.aligned.get(self.insts[k].index()).copied().unwrap_or([true; 4]);
                (0..4).any(|s| self.kinds[s] && !a[s] && (!depth || s == 0))
            })
            .collect()
    }
}

impl<N: Net> LiveFeed<N> {
    /// The upgrade succeeded on link `w` of group `g`.
    pub(super) fn on_open(&mut self, g: usize, w: usize, now: u64) {
        let link = &mut self.groups[g].links[w];
        let conn = link.conn;
        let st = std::mem::replace(&mut link.state, LinkState::Down { retry_at: u64::MAX });
        link.state = match st {
            LinkState::Connecting { ws, .. } => LinkState::Open(Open {
                ws,
                opened_at: now,
                last_data: now,
                got_data: false,
                next_sub: 0,
                pong: [0; 125],
                pong_len: 0,
                pong_due: false,
                pacer: Pacer::new(self.cfg.max_outgoing_per_sec),
            }),
            other => other,
        };
        let streams = self.groups[g].syms.len() * self.cfg.streams.len();
        self.event(now, FeedEvent::Connected, FeedReason::None, conn, NO_INST, streams as u64);
    }

    /// Link `w` of group `g` failed (or was closed by the feed for `f.reason`).
    pub(super) fn on_fail<S: ReplaySink + ?Sized>(
        &mut self,
        g: usize,
        w: usize,
        f: Failure,
        now: u64,
        sink: &mut S,
    ) {
        let conn = self.groups[g].links[w].conn;
        if let LinkState::Open(o) = &mut self.groups[g].links[w].state {
            o.ws.close();
        }
        self.stats.disconnects[f.reason as usize] += 1;
        let detail = f.close_code.map_or(u64::from(f.status), u64::from);
        self.event(now, FeedEvent::Disconnected, f.reason, conn, NO_INST, detail);
        let retry_at = if matches!(f.status, 429 | 418) {
            let wait = f.retry_after_secs.filter(|s| *s > 0).unwrap_or(DEFAULT_RETRY_AFTER_SECS) * 1_000 * MS;
            self.event(
                now,
                FeedEvent::ConnectRefused,
                FeedReason::HttpStatus,
                conn,
                NO_INST,
                u64::from(f.status),
            );
            now + wait
        } else {
            let d = self.groups[g].backoff.next_delay(&mut self.jitter);
            self.event(now, FeedEvent::BackingOff, f.reason, conn, NO_INST, d / MS);
            now + d
        };
        let grp = &mut self.groups[g];
        grp.links[w].state = LinkState::Down { retry_at };
        grp.links[w].budget_noted = false;
        if w == 1 {
            // The spare of a rollover failed: the main link goes on; try again after the wait.
            return;
        }
        let spare_open = matches!(grp.links[1].state, LinkState::Open(_));
        if spare_open {
            // The spare carries the same streams: it takes over; a depth gap in between, if any,
            // shows in the update ids and resyncs that symbol alone.
            grp.links.swap(0, 1);
            grp.links[1].state = LinkState::Down { retry_at: u64::MAX };
            grp.rollover = None;
            return;
        }
        grp.rollover = None;
        grp.links[1].state = LinkState::Down { retry_at: u64::MAX };
        self.resync_group(g, now, FeedReason::Reconnect, sink);
    }

    /// Clear the books of every instrument of group `g` (they missed events) and journal it.
    fn resync_group<S: ReplaySink + ?Sized>(&mut self, g: usize, now: u64, reason: FeedReason, sink: &mut S) {
        for k in 0..self.groups[g].syms.len() {
            let si = self.groups[g].syms[k];
            self.resync_sym(si, now, reason, sink);
        }
    }

    /// Clear one symbol's book and buffered events; its next snapshot resyncs it.
    pub(super) fn resync_sym<S: ReplaySink + ?Sized>(
        &mut self,
        si: usize,
        now: u64,
        reason: FeedReason,
        sink: &mut S,
    ) {
        // The events queued so far (a disconnection, a backoff) go first: the gap sent below is
        // stamped after them, and a journal stream's times never go back.
        self.flush_events(sink);
        let inst = self.syms[si].inst;
        let conn = self.groups[self.syms[si].group].links[0].conn;
        let ts = self.stamp(now);
        if let Some((b, stats)) = self.dec.book_sync_mut(inst) {
            let was_synced = b.reset(ts, stats, sink);
            self.event(ts, FeedEvent::Resync, reason, conn, inst, u64::from(was_synced));
        }
        self.syms[si].abandon();
    }

    /// Open a spare link for group `g` (24 h limit or `serverShutdown`).
    pub(super) fn start_rollover(&mut self, g: usize, now: u64, reason: FeedReason) {
        let n = self.dec.instruments();
        let grp = &mut self.groups[g];
        if grp.rollover.is_some() {
            return;
        }
        grp.rollover = Some(Rollover { started: now, aligned: vec![[false; 4]; n] });
        grp.links[1].state = LinkState::Down { retry_at: now };
        let conn = grp.links[0].conn;
        self.event(now, FeedEvent::RolloverStarted, reason, conn, NO_INST, 0);
    }

    /// Timers of every link: connect attempts, connect timeouts, stalls, pongs, SUBSCRIBEs,
    /// rollovers.
    pub(super) fn sweep_links<S: ReplaySink + ?Sized>(&mut self, now: u64, sink: &mut S) {
        for g in 0..self.groups.len() {
            for w in 0..2 {
                self.sweep_link(g, w, now, sink);
            }
            self.sweep_rollover(g, now, sink);
        }
    }

    fn sweep_link<S: ReplaySink + ?Sized>(&mut self, g: usize, w: usize, now: u64, sink: &mut S) {
        let connect_timeout = self.cfg.connect_timeout_ms * MS;
        let stall = self.cfg.stall_timeout_ms * MS;
        let rollover_after = self.cfg.rollover_after_secs * 1_000 * MS;
        let link = &mut self.groups[g].links[w];
        match &mut link.state {
            LinkState::Down { retry_at } if now >= *retry_at => {
                let allowed = self.window.next_allowed(now);
                if allowed > now {
                    *retry_at = allowed;
                    if !link.budget_noted {
                        link.budget_noted = true;
                        let conn = link.conn;
                        self.event(
                            now,
                            FeedEvent::ConnectBudgetSpent,
                            FeedReason::None,
                            conn,
                            NO_INST,
                            (allowed - now) / MS,
                        );
                    }
                    return;
                }
                self.connect(g, w, now, sink);
            }
            LinkState::Down { .. } => {}
            LinkState::Connecting { since, .. } => {
                if now.saturating_sub(*since) > connect_timeout {
                    if let LinkState::Connecting { ws, .. } = &mut link.state {
                        ws.close();
                    }
                    self.on_fail(g, w, Failure::of(FeedReason::Timeout), now, sink);
                }
            }
            LinkState::Open(o) => {
                let conn = link.conn;
                let idle = now.saturating_sub(o.last_data);
                if idle > stall {
                    self.event(now, FeedEvent::Stalled, FeedReason::Stalled, conn, NO_INST, idle / MS);
                    self.on_fail(g, w, Failure::of(FeedReason::Stalled), now, sink);
                    return;
                }
                if o.pong_due && o.pacer.ready(now) {
                    o.pong_due = false;
                    o.pacer.sent(now);
                    let r = o.ws.send_pong(&o.pong[..o.pong_len as usize]);
                    self.stats.pongs += 1;
                    if let Err(f) = r {
                        self.on_fail(g, w, f, now, sink);
                        return;
                    }
                }
                let Group { subs, links, .. } = &mut self.groups[g];
                let LinkState::Open(o) = &mut links[w].state else { return };
                if o.next_sub < subs.len() && o.pacer.ready(now) {
                    o.pacer.sent(now);
                    let r = o.ws.send_text(subs[o.next_sub].as_bytes());
                    o.next_sub += 1;
                    let id = (g * 10_000 + o.next_sub) as u64;
                    self.event(now, FeedEvent::SubscribeSent, FeedReason::None, conn, NO_INST, id);
                    if let Err(f) = r {
                        self.on_fail(g, w, f, now, sink);
                        return;
                    }
                }
                let LinkState::Open(o) = &self.groups[g].links[w].state else { return };
                if w == 0 && now.saturating_sub(o.opened_at) >= rollover_after {
                    self.start_rollover(g, now, FeedReason::Rollover);
                }
            }
        }
    }

    fn connect<S: ReplaySink + ?Sized>(&mut self, g: usize, w: usize, now: u64, sink: &mut S) {
        self.window.record(now);
        let conn = self.next_conn;
        self.next_conn = self.next_conn.wrapping_add(1);
        let attempt = u64::from(self.groups[g].backoff.failures()) + 1;
        self.event(now, FeedEvent::Connecting, FeedReason::None, conn, NO_INST, attempt);
        let link = &mut self.groups[g].links[w];
        link.conn = conn;
        link.budget_noted = false;
        match self.net.connect(&self.groups[g].path) {
            Ok(ws) => self.groups[g].links[w].state = LinkState::Connecting { ws, since: now },
            Err(f) => self.on_fail(g, w, f, now, sink),
        }
    }

    fn sweep_rollover<S: ReplaySink + ?Sized>(&mut self, g: usize, now: u64, sink: &mut S) {
        let overlap_max = self.cfg.rollover_overlap_max_ms * MS;
        let grp = &self.groups[g];
        let Some(r) = &grp.rollover else { return };
        let spare_open = matches!(grp.links[1].state, LinkState::Open(_));
        let all = grp.unaligned(r, false).is_empty();
        let late = now.saturating_sub(r.started) > overlap_max;
        if !(late || spare_open && all) {
            return;
        }
        if !spare_open {
            // Late and still no spare: keep the main link and try again later.
            let r = self.groups[g].rollover.as_mut().expect("rollover");
            r.started = now;
            return;
        }
        let unaligned = grp.unaligned(r, false).len();
        let depth_unaligned: Vec<usize> = grp.unaligned(r, true).iter().map(|&k| grp.syms[k]).collect();
        let grp = &mut self.groups[g];
        let old = grp.links[0].conn;
        if let LinkState::Open(o) = &mut grp.links[0].state {
            o.ws.close();
        }
        grp.links.swap(0, 1);
        grp.links[1].state = LinkState::Down { retry_at: u64::MAX };
        grp.rollover = None;
        self.stats.disconnects[FeedReason::Rollover as usize] += 1;
        self.event(now, FeedEvent::Disconnected, FeedReason::Rollover, old, NO_INST, 0);
        let new = self.groups[g].links[0].conn;
        self.event(now, FeedEvent::RolloverDone, FeedReason::Rollover, new, NO_INST, unaligned as u64);
        for si in depth_unaligned {
            self.resync_sym(si, now, FeedReason::Rollover, sink);
        }
    }

    /// Stop: close every connection (clean close frames), abandon snapshot requests, and journal
    /// the disconnections; later polls do nothing.
    ///
    /// The disconnections are stamped with the last frame's receive time, not `now`: the feed's
    /// end of stream carries that time, and a journal stream's times never go back.
    pub fn stop<S: ReplaySink + ?Sized>(&mut self, now: u64, sink: &mut S) {
        self.stopped = true;
        let now = if self.last_ts > 0 { self.last_ts } else { now };
        for g in 0..self.groups.len() {
            for w in 0..2 {
                let link = &mut self.groups[g].links[w];
                let conn = link.conn;
                let open = match &mut link.state {
                    LinkState::Open(o) => {
                        o.ws.close();
                        true
                    }
                    LinkState::Connecting { ws, .. } => {
                        ws.close();
                        true
                    }
                    LinkState::Down { .. } => false,
                };
                link.state = LinkState::Down { retry_at: u64::MAX };
                if open {
                    self.stats.disconnects[FeedReason::Stopped as usize] += 1;
                    self.event(now, FeedEvent::Disconnected, FeedReason::Stopped, conn, NO_INST, 0);
                }
            }
        }
        for s in &mut self.syms {
            s.abandon();
        }
        self.in_flight = 0;
        self.flush_events(sink);
    }
}
