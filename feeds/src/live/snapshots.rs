//! REST depth snapshots, per Binance's procedure (PROTOCOL.md, "Local order book"): a symbol whose
//! book is not synced and that has buffered at least one depth event gets a snapshot request;
//! the answer goes through the decoder like any frame (the book syncs, or the buffered events show
//! it did not bridge and the symbol asks again after `snapshot_retry_ms`). Requests are weighted
//! and budgeted ([`super::policy::RestGate`]); a 429 backs off, a 418 stops every request until the
//! ban ends; a slow request is abandoned at `snapshot_timeout_ms`.

use super::feed::{LiveFeed, LIVE_FILE_BASE};
use super::io::{HttpIo, Net};
use super::policy::RestWait;
use crate::decode::{Decoded, FramePos};
use crate::stats::FrameKind;
use crate::sync::ReplaySink;
use alphapulse_types::{FeedEvent, FeedReason, InstrumentId};

const MS: u64 = 1_000_000;

/// One configured symbol.
pub(crate) struct Sym<H> {
    pub(crate) inst: InstrumentId,
    /// Its number in the config (the recorder's file).
    pub(crate) index: u16,
    /// Has a depth stream (needs snapshots).
    pub(crate) depth: bool,
    /// `/api/v3/depth?symbol=X&limit=N`, built once.
    path: String,
    pub(crate) group: usize,
    req: Option<(H, u64)>,
    retry_at: u64,
    /// The REST wait last journaled, so a long wait is journaled once.
    noted: Option<RestWait>,
}

impl<H> Sym<H> {
    pub(crate) fn new(inst: InstrumentId, index: u16, depth: bool, path: String) -> Self {
        Sym { inst, index, depth, path, group: 0, req: None, retry_at: 0, noted: None }
    }
    /// Drop a request in flight (its answer would be of the past).
    pub(crate) fn abandon(&mut self) {
        self.req = None;
    }
}

impl<N: Net> LiveFeed<N> {
    /// Start the snapshot requests that are due; abandon those past their timeout.
    pub(super) fn sweep_snapshots(&mut self, now: u64) {
        let timeout = self.cfg.snapshot_timeout_ms * MS;
        let retry = self.cfg.snapshot_retry_ms * MS;
        let weight = self.cfg.venue.depth_weight(self.cfg.snapshot_limit);
        for si in 0..self.syms.len() {
            let s = &mut self.syms[si];
            if !s.depth {
                continue;
            }
            if let Some((_, started)) = &s.req {
                if now.saturating_sub(*started) > timeout {
                    s.req = None;
                    s.retry_at = now + retry;
                    self.in_flight -= 1;
                    let (inst, conn) = (s.inst, self.conn_of(si));
                    self.event(now, FeedEvent::SnapshotFailed, FeedReason::Timeout, conn, inst, 0);
                }
                continue;
            }
            let Some(b) = self.dec.book_sync(s.inst) else { continue };
            if b.is_synced() && b.buffered() == 0 {
                // Synced, its buffered events replayed: the snapshot bridged. The wait after a
                // snapshot guards against asking again and again for ones that do not; the next
                // resync of this symbol need not wait for it.
                s.retry_at = 0;
                continue;
            }
            if b.is_synced()
                || b.buffered() == 0
                || now < s.retry_at
                || self.in_flight >= self.cfg.max_snapshots_in_flight
            {
                continue;
            }
            if let Err((why, until)) = self.gate.check(now, weight) {
                s.retry_at = until;
                if s.noted != Some(why) && why == RestWait::Budget {
                    s.noted = Some(why);
                    let (inst, conn) = (s.inst, self.conn_of(si));
                    self.event(now, FeedEvent::RateLimited, FeedReason::None, conn, inst, (until - now) / MS);
                }
                continue;
            }
            s.noted = None;
            let inst = s.inst;
            let conn = self.conn_of(si);
            match self.net.get(&self.syms[si].path) {
                Ok(h) => {
                    self.gate.spend(weight);
                    self.syms[si].req = Some((h, now));
                    self.in_flight += 1;
                    self.event(
                        now,
                        FeedEvent::SnapshotRequested,
                        FeedReason::None,
                        conn,
                        inst,
                        u64::from(weight),
                    );
                }
                Err(f) => {
                    self.syms[si].retry_at = now + retry;
                    self.event(now, FeedEvent::SnapshotFailed, f.reason, conn, inst, u64::from(f.status));
                }
            }
        }
    }

    fn conn_of(&self, si: usize) -> u16 {
        self.groups[self.syms[si].group].links[0].conn
    }

    /// Poll the requests in flight; true when a snapshot was handed to the decoder (it emits the
    /// book: this poll is done).
    pub(super) fn poll_snapshots<S: ReplaySink + ?Sized>(&mut self, now: u64, sink: &mut S) -> bool {
        let retry = self.cfg.snapshot_retry_ms * MS;
        for si in 0..self.syms.len() {
            let conn = self.conn_of(si);
            let Self { syms, dec, tap, gate, stats, last_ts, .. } = self;
            let s = &mut syms[si];
            let Some((h, _)) = &mut s.req else { continue };
            let (event, reason, detail, applied) = match h.poll() {
                Ok(None) => continue,
                Err(f) => (FeedEvent::SnapshotFailed, f.reason, u64::from(f.status), false),
                Ok(Some(reply)) => {
                    stats.snapshot_replies += 1;
                    if let Some(used) = reply.used_weight_1m {
                        gate.reported(used);
                    }
                    match reply.status {
                        200 => {
                            // A receive time strictly after the last frame's, like every one.
                            *last_ts = now.max(*last_ts + 1);
                            let ts = *last_ts;
                            if let Some(t) = tap.as_mut() {
                                t.snapshot(s.index, ts, reply.body);
                            }
                            // Counted as a frame, like the snapshot line of a capture.
                            let fs = dec.stats_mut();
                            fs.frames += 1;
                            fs.bytes += reply.body.len() as u64;
                            let pos = FramePos { file: LIVE_FILE_BASE + u32::from(conn), line: 0 };
                            match dec.frame(reply.body, ts, Some(s.inst), false, pos, sink) {
                                Decoded::Frame(FrameKind::Snapshot) => (
                                    FeedEvent::SnapshotReceived,
                                    FeedReason::None,
                                    dec.last_frame().last_id,
                                    true,
                                ),
                                // Not a snapshot, or refused (counted as malformed by the decoder).
                                _ => (FeedEvent::SnapshotFailed, FeedReason::Protocol, 200, false),
                            }
                        }
                        429 | 418 => {
                            let banned = reply.status == 418;
                            let until = gate.refused(now, banned, reply.retry_after_secs);
                            let e = if banned { FeedEvent::Banned } else { FeedEvent::RateLimited };
                            (e, FeedReason::HttpStatus, (until - now) / MS, false)
                        }
                        status => {
                            (FeedEvent::SnapshotFailed, FeedReason::HttpStatus, u64::from(status), false)
                        }
                    }
                }
            };
            let s = &mut self.syms[si];
            let inst = s.inst;
            s.req = None;
            self.in_flight -= 1;
            s.retry_at = if matches!(event, FeedEvent::RateLimited | FeedEvent::Banned) {
                now + detail * MS
            } else {
                now + retry
            };
            self.event(now, event, reason, conn, inst, detail);
            if applied {
                return true;
            }
        }
        false
    }
}
