//! Diff-depth book sync for one instrument, per Binance's documented procedure (see PROTOCOL.md,
//! "Local order book"):
//! - until a snapshot arrives, depth events are buffered (bounded: [`crate::pending`]);
//! - on a snapshot: book := snapshot, id := `lastUpdateId`; `BookStatus{Synced}` and the whole book
//!   as one `Depth` update are emitted; then buffered events are replayed through the rules below;
//! - first event after a snapshot: `u <= id` → dropped (stale); `U <= id+1 <= u` (the OLD inequality)
//!   → applied; `U > id+1` → gap. USD-M (events carry `pu`): `u < id` stale, `U <= id+1 && u >= id`
//!   applied;
//! - later events: `u < id` → ignored; spot `U > id+1` / USD-M `pu != id` → gap; else applied and
//!   id := `u`;
//! - gap: the book is cleared, `BookStatus{Gap}` emitted, and events are buffered again until the next
//!   snapshot (which counts as a resync). A snapshot that arrives while synced is ignored (counted).
//! - a depth update the feed refused (malformed values such as a price <= 0 or a negative quantity,
//!   or a bad timestamp; see [`BookSync::on_refused_depth`]) is a gap too: its changes cannot be
//!   applied, and skipping them would leave a book that looks synced but is wrong.
//!
//! The buffered events are replayed one per feed step ([`BookSync::drain_one`], called by the
//! replay before it reads the next line): every step emits at most one depth update, so a book
//! this feed lends to the actors of its thread is at the state of the update they are handling.
//! Messages emitted while draining the buffer carry the snapshot frame's `local_ts` (the time they
//! are emitted, so event time never goes backwards) and each event's own `exch_ts`.

use crate::pending::{DepthEvent, Pending};
use crate::stats::FeedStats;
use alphapulse_book::Book;
use alphapulse_types::{BookState, BookStatus, Depth, InstrumentId, Msg, Price, Qty, Quote, Side};

/// Where replayed messages go, with hooks for tests that check books against update ids.
pub trait ReplaySink {
    /// A message for the chain (not a depth update: see [`ReplaySink::emit_depth`]).
    fn emit(&mut self, msg: Msg);
    /// A depth update for the chain: its header and its levels, bids then asks, in the order the
    /// book applied them (`d.bids`/`d.asks` are their counts).
    fn emit_depth(&mut self, d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]);
    /// Called after each applied depth event, with the book.
    fn depth_applied(&mut self, _inst: InstrumentId, _book: &Book) {}
    /// Called for each bookTicker with its `u`.
    fn book_ticker(&mut self, _inst: InstrumentId, _update_id: u64, _quote: &Quote) {}
    /// A journal-only record (a live feed's state change): to the feed's journal stream, never
    /// down the chain. Dropped by default.
    fn journal(&mut self, _msg: Msg) {}
}

#[inline]
pub(crate) fn emit<S: ReplaySink + ?Sized>(stats: &mut FeedStats, sink: &mut S, msg: Msg) {
    stats.emitted[msg.kind_index()] += 1;
    sink.emit(msg);
}

/// Emit a depth update of `inst` with these levels; the header carries `book`'s best prices after it.
#[inline]
#[allow(clippy::too_many_arguments)]
fn emit_depth<S: ReplaySink + ?Sized>(
    stats: &mut FeedStats,
    sink: &mut S,
    inst: InstrumentId,
    book: &Book,
    update_id: u64,
    exch_ts: u64,
    local_ts: u64,
    bids: &[(Price, Qty)],
    asks: &[(Price, Qty)],
) {
    let d = Depth {
        inst,
        bids: bids.len() as u32,
        asks: asks.len() as u32,
        at: 0,
        update_id,
        exch_ts,
        local_ts,
        best_bid: book.best_bid().map_or(Price::ZERO, |l| l.0),
        best_ask: book.best_ask().map_or(Price::ZERO, |l| l.0),
    };
    stats.emitted[Msg::Depth(d).kind_index()] += 1;
    stats.levels_emitted += (bids.len() + asks.len()) as u64;
    sink.emit_depth(d, bids, asks);
}

/// When a book synced: the snapshot's exchange time (its own, else the instrument's last exchange
/// time seen) and its receive time, in ns since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncTime {
    pub exch_ts: u64,
    pub local_ts: u64,
}

/// Why a book is not synced (at the end of the input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotSynced {
    /// No depth update and no snapshot for the instrument (e.g. bookTicker or trades only).
    NoDepthStream,
    /// Depth updates but no snapshot in the input.
    NoSnapshot,
    /// Snapshots arrived, but none bridged the buffered updates (`U <= lastUpdateId+1 <= u` never
    /// held: the snapshot was too old or too new for the updates around it).
    NeverBridged,
    /// The book synced, then a gap discarded it and no later snapshot came.
    GapWithoutSnapshot,
}

impl NotSynced {
    pub const ALL: [NotSynced; 4] = [
        NotSynced::NoDepthStream,
        NotSynced::NoSnapshot,
        NotSynced::NeverBridged,
        NotSynced::GapWithoutSnapshot,
    ];
    /// Stable snake_case name (JSON).
    pub const fn name(self) -> &'static str {
        match self {
            NotSynced::NoDepthStream => "no_depth_stream",
            NotSynced::NoSnapshot => "no_snapshot",
            NotSynced::NeverBridged => "snapshot_never_bridged",
            NotSynced::GapWithoutSnapshot => "gap_without_later_snapshot",
        }
    }
    /// For a person.
    pub const fn describe(self) -> &'static str {
        match self {
            NotSynced::NoDepthStream => "no depth stream",
            NotSynced::NoSnapshot => "no snapshot in the input",
            NotSynced::NeverBridged => "the snapshot never bridged the buffered updates",
            NotSynced::GapWithoutSnapshot => "a gap with no later snapshot",
        }
    }
}

/// One instrument's book sync over a replay (in [`FeedStats::books`], indexed by instrument id).
/// A book counts as synced from a snapshot on, unless the first depth update tested against the
/// snapshot shows a gap (the snapshot did not bridge the updates: it never synced).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookSyncStatus {
    pub inst: InstrumentId,
    /// Parsed frames of any kind for the instrument.
    pub frames: u64,
    /// Depth updates received.
    pub depth_updates: u64,
    /// Snapshots received (applied or ignored).
    pub snapshots: u64,
    /// Snapshots applied whose first tested update showed a gap.
    pub unbridged: u64,
    /// First sync (`None`: never synced).
    pub first_sync: Option<SyncTime>,
    /// Syncs (snapshots that bridged, or were not contradicted by the end of input).
    pub syncs: u64,
    pub gaps: u64,
    pub resyncs: u64,
    /// Synced now (at the end of a finished replay: at the end of the input).
    pub synced: bool,
    /// The last snapshot applied, until the first update confirms or refutes it.
    candidate: Option<SyncTime>,
}

impl BookSyncStatus {
    /// Nothing seen yet.
    pub fn new(inst: InstrumentId) -> Self {
        BookSyncStatus {
            inst,
            frames: 0,
            depth_updates: 0,
            snapshots: 0,
            unbridged: 0,
            first_sync: None,
            syncs: 0,
            gaps: 0,
            resyncs: 0,
            synced: false,
            candidate: None,
        }
    }
    /// When the book first synced; a snapshot not yet tested by any update counts.
    pub fn first_synced(&self) -> Option<SyncTime> {
        self.first_sync.or(if self.synced { self.candidate } else { None })
    }
    /// Syncs, counting a snapshot not yet tested by any update.
    pub fn sync_count(&self) -> u64 {
        self.syncs + u64::from(self.synced && self.candidate.is_some())
    }
    /// Why the book is not synced now (`None`: it is).
    pub fn not_synced(&self) -> Option<NotSynced> {
        if self.synced {
            None
        } else if self.depth_updates == 0 && self.snapshots == 0 {
            Some(NotSynced::NoDepthStream)
        } else if self.first_sync.is_some() {
            Some(NotSynced::GapWithoutSnapshot)
        } else if self.snapshots == 0 {
            Some(NotSynced::NoSnapshot)
        } else {
            Some(NotSynced::NeverBridged)
        }
    }
    fn on_snapshot_applied(&mut self, at: SyncTime) {
        self.synced = true;
        self.candidate = Some(at);
    }
    /// The first update after a snapshot applied (`bridged`) or showed a gap.
    fn on_first_tested(&mut self, bridged: bool) {
        if let Some(at) = self.candidate.take() {
            if bridged {
                self.syncs += 1;
                self.first_sync.get_or_insert(at);
            } else {
                self.unbridged += 1;
            }
        }
    }
}

#[inline]
fn status(stats: &mut FeedStats, inst: InstrumentId) -> Option<&mut BookSyncStatus> {
    stats.books.get_mut(inst.index())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    AwaitSnapshot,
    Synced { first: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Apply,
    Stale,
    Old,
    Gap,
}

/// The book of one instrument and its sync state.
#[derive(Clone, Debug)]
pub struct BookSync {
    inst: InstrumentId,
    book: Book,
    state: State,
    after_gap: bool,
    pending: Pending,
    scratch_bids: Vec<(Price, Qty)>,
    scratch_asks: Vec<(Price, Qty)>,
    /// A snapshot's book, side by side, to emit as one depth update.
    snap_bids: Vec<(Price, Qty)>,
    snap_asks: Vec<(Price, Qty)>,
    /// After a snapshot, while buffered events remain to replay: the snapshot frame's `local_ts`.
    draining: Option<u64>,
    /// The quantities the levels of the last depth update emitted replaced (what the book held at
    /// each level's price just before the level was set), bids then asks, in the order applied;
    /// `replaced_ok` is false when they did not fit (see [`BookSync::replaced`]).
    replaced_bids: Vec<Qty>,
    replaced_asks: Vec<Qty>,
    replaced_ok: bool,
    /// True from a gap until the next snapshot: `snap_bids`/`snap_asks` hold the book the gap
    /// discarded (see [`BookSync::discarded`]).
    discarded: bool,
}

impl BookSync {
    /// A book of `levels` per side on a price grid of `tick`, buffering at most `max_events`
    /// events / `max_levels` levels.
    pub fn new(inst: InstrumentId, tick: Price, levels: usize, max_events: usize, max_levels: usize) -> Self {
        BookSync {
            inst,
            book: Book::with_grid(levels, tick),
            state: State::AwaitSnapshot,
            after_gap: false,
            pending: Pending::new(max_events, max_levels),
            scratch_bids: Vec::with_capacity(max_levels.max(1)),
            scratch_asks: Vec::with_capacity(max_levels.max(1)),
            snap_bids: Vec::with_capacity(levels.max(1)),
            snap_asks: Vec::with_capacity(levels.max(1)),
            draining: None,
            replaced_bids: Vec::with_capacity(levels.max(1)),
            replaced_asks: Vec::with_capacity(levels.max(1)),
            replaced_ok: false,
            discarded: false,
        }
    }

    /// The levels (bids, asks; best first) the book held when the last gap discarded it, until the
    /// next snapshot. An actor that reads this book while handling the gap's `BookStatus::Gap`
    /// (the book is already empty) can still see the book as it was before it.
    pub fn discarded(&self) -> Option<alphapulse_runtime::BookLevels<'_>> {
        self.discarded.then_some((&self.snap_bids[..], &self.snap_asks[..]))
    }

    /// Room for the replaced quantities of depth updates of up to `levels` levels per side
    /// (start-up only; see [`BookSync::replaced`]).
    pub fn reserve_replaced(&mut self, levels: usize) {
        self.replaced_bids.reserve(levels.saturating_sub(self.replaced_bids.len()));
        self.replaced_asks.reserve(levels.saturating_sub(self.replaced_asks.len()));
    }

    /// What the levels of the last depth update emitted for this instrument replaced: per side, the
    /// quantity the book held at each level's price just before the level was set (0: none), in
    /// the order of the update's levels. With the update's levels this gives the book as it was
    /// before it, for an actor that reads this book while handling the update (it is already
    /// applied) but must act on the state before it. `None` before the first update, or when an
    /// update had more levels than the room reserved (never more is recorded: no allocation).
    pub fn replaced(&self) -> Option<(&[Qty], &[Qty])> {
        self.replaced_ok.then_some((&self.replaced_bids[..], &self.replaced_asks[..]))
    }

    /// Set `qty` at `px` on `side`, recording what it replaces.
    #[inline]
    fn set_recording(&mut self, side: Side, px: Price, qty: Qty) {
        let old = self.book.qty_at(side, px);
        let v = match side {
            Side::Buy => &mut self.replaced_bids,
            Side::Sell => &mut self.replaced_asks,
        };
        if v.len() < v.capacity() {
            v.push(old);
        } else {
            self.replaced_ok = false;
        }
        self.book.set(side, px, qty);
    }

    #[inline]
    fn start_recording(&mut self) {
        self.replaced_bids.clear();
        self.replaced_asks.clear();
        self.replaced_ok = true;
    }

    /// The book (empty and meaningless unless [`Self::is_synced`]).
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// True when a snapshot has been applied and no gap seen since.
    pub fn is_synced(&self) -> bool {
        matches!(self.state, State::Synced { .. })
    }

    /// Depth events waiting for a snapshot.
    pub fn buffered(&self) -> usize {
        self.pending.len()
    }

    fn check(&self, ev: &DepthEvent<'_>, first: bool) -> Check {
        let id = self.book.update_id();
        match (first, ev.prev_id) {
            (true, None) if ev.last_id <= id => Check::Stale,
            (true, None) if ev.first_id <= id + 1 => Check::Apply,
            (true, Some(_)) if ev.last_id < id => Check::Stale,
            (true, Some(_)) if ev.first_id <= id + 1 => Check::Apply,
            (true, _) => Check::Gap,
            (false, _) if ev.last_id < id => Check::Old,
            (false, None) if ev.first_id > id + 1 => Check::Gap,
            (false, Some(pu)) if pu != id => Check::Gap,
            (false, _) => Check::Apply,
        }
    }

    /// Handle one depth event received at `local_ts`.
    pub fn on_depth<S: ReplaySink + ?Sized>(
        &mut self,
        ev: &DepthEvent<'_>,
        local_ts: u64,
        stats: &mut FeedStats,
        sink: &mut S,
    ) {
        if let Some(b) = status(stats, self.inst) {
            b.depth_updates += 1;
        }
        if self.state == State::AwaitSnapshot {
            stats.buffered += 1;
            stats.buffer_dropped += self.pending.push(ev);
            return;
        }
        if self.step(ev, local_ts, stats, sink) == Check::Gap {
            stats.buffered += 1;
            stats.buffer_dropped += self.pending.push(ev);
        }
    }

    /// Apply the rules to `ev` in a synced state; on a gap the book is discarded.
    fn step<S: ReplaySink + ?Sized>(
        &mut self,
        ev: &DepthEvent<'_>,
        local_ts: u64,
        stats: &mut FeedStats,
        sink: &mut S,
    ) -> Check {
        let State::Synced { first } = self.state else {
            return Check::Gap;
        };
        let c = self.check(ev, first);
        if first && matches!(c, Check::Apply | Check::Gap) {
            if let Some(b) = status(stats, self.inst) {
                b.on_first_tested(c == Check::Apply);
            }
        }
        match c {
            Check::Apply => {
                self.apply(ev, local_ts, stats, sink);
                self.state = State::Synced { first: false };
            }
            Check::Stale => stats.stale_dropped += 1,
            Check::Old => stats.old_ignored += 1,
            Check::Gap => self.discard(ev.exch_ts, local_ts, stats, sink),
        }
        c
    }

    /// Discard a synced book: count a gap, tell consumers, wait for the next snapshot.
    fn discard<S: ReplaySink + ?Sized>(
        &mut self,
        exch_ts: u64,
        local_ts: u64,
        stats: &mut FeedStats,
        sink: &mut S,
    ) {
        let id = self.book.update_id();
        stats.gaps += 1;
        if let Some(b) = status(stats, self.inst) {
            b.gaps += 1;
            b.synced = false;
        }
        // Keep what the book held for `discarded` (the snapshot buffers are free until the next
        // snapshot; a side holds at most their capacity).
        self.snap_bids.clear();
        self.snap_asks.clear();
        self.snap_bids.extend(self.book.levels(Side::Buy));
        self.snap_asks.extend(self.book.levels(Side::Sell));
        self.discarded = true;
        self.book.clear();
        self.state = State::AwaitSnapshot;
        self.after_gap = true;
        let st = BookStatus {
            inst: self.inst,
            state: BookState::Gap,
            update_id: id,
            exch_ts,
            local_ts,
            ..Default::default()
        };
        emit(stats, sink, Msg::Book(st));
    }

    /// Start again from nothing: the connection that carried this instrument's stream is lost, so
    /// what was buffered and the book are both of the past. A synced book is discarded as a gap
    /// (`BookStatus::Gap` at `local_ts`, counted); buffered events are dropped; the next snapshot
    /// resyncs. Returns true when a synced book was discarded.
    pub fn reset<S: ReplaySink + ?Sized>(
        &mut self,
        local_ts: u64,
        stats: &mut FeedStats,
        sink: &mut S,
    ) -> bool {
        let was = self.is_synced();
        if was {
            self.discard(0, local_ts, stats, sink);
        }
        self.pending.clear();
        self.draining = None;
        was
    }

    /// A depth update of this instrument was refused as malformed (a price <= 0, a negative
    /// quantity, a bad timestamp, a value that does not parse). It cannot be applied, and dropping it
    /// would patch the book silently: the sequence continues past changes the book never saw. So it
    /// counts as a gap: a synced book is discarded (`gaps`, `BookStatus::Gap` at `local_ts`) and
    /// waits for the next snapshot. While awaiting a snapshot nothing more is needed: the refused
    /// update is not buffered, so the hole shows in the update ids (`U > id + 1`) when the buffered
    /// events are replayed after the snapshot, unless the snapshot already covers it.
    pub fn on_refused_depth<S: ReplaySink + ?Sized>(
        &mut self,
        exch_ts: u64,
        local_ts: u64,
        stats: &mut FeedStats,
        sink: &mut S,
    ) {
        if self.is_synced() {
            self.discard(exch_ts, local_ts, stats, sink);
        }
    }

    fn apply<S: ReplaySink + ?Sized>(
        &mut self,
        ev: &DepthEvent<'_>,
        local_ts: u64,
        stats: &mut FeedStats,
        sink: &mut S,
    ) {
        self.start_recording();
        for (side, lv) in [(Side::Buy, ev.bids), (Side::Sell, ev.asks)] {
            for &(px, qty) in lv {
                self.set_recording(side, px, qty);
            }
        }
        self.book.set_update_id(ev.last_id);
        emit_depth(stats, sink, self.inst, &self.book, ev.last_id, ev.exch_ts, local_ts, ev.bids, ev.asks);
        stats.depth_applied += 1;
        sink.depth_applied(self.inst, &self.book);
    }

    /// Handle a REST snapshot received at `local_ts`.
    #[allow(clippy::too_many_arguments)]
    pub fn on_snapshot<S: ReplaySink + ?Sized>(
        &mut self,
        last_update_id: u64,
        bids: &[(Price, Qty)],
        asks: &[(Price, Qty)],
        exch_ts: u64,
        local_ts: u64,
        stats: &mut FeedStats,
        sink: &mut S,
    ) {
        if let Some(b) = status(stats, self.inst) {
            b.snapshots += 1;
        }
        if self.is_synced() {
            stats.snapshots_ignored += 1;
            return;
        }
        self.book.clear();
        for &(px, q) in bids {
            self.book.set(Side::Buy, px, q);
        }
        for &(px, q) in asks {
            self.book.set(Side::Sell, px, q);
        }
        self.book.set_update_id(last_update_id);
        // The whole book as one depth update replaces an empty book: every level replaced 0.
        self.start_recording();
        stats.snapshots_applied += 1;
        if let Some(b) = status(stats, self.inst) {
            if self.after_gap {
                b.resyncs += 1;
            }
            b.on_snapshot_applied(SyncTime { exch_ts, local_ts });
        }
        if self.after_gap {
            stats.resyncs += 1;
            self.after_gap = false;
        }
        self.state = State::Synced { first: true };
        let st = BookStatus {
            inst: self.inst,
            state: BookState::Synced,
            update_id: last_update_id,
            exch_ts,
            local_ts,
            ..Default::default()
        };
        emit(stats, sink, Msg::Book(st));
        // The whole book as one depth update (capacity: `levels` per side, so no allocation).
        self.discarded = false;
        self.snap_bids.clear();
        self.snap_asks.clear();
        self.snap_bids.extend(self.book.levels(Side::Buy));
        self.snap_asks.extend(self.book.levels(Side::Sell));
        let (nb, na) = (self.snap_bids.len(), self.snap_asks.len());
        if nb <= self.replaced_bids.capacity() && na <= self.replaced_asks.capacity() {
            self.replaced_bids.resize(nb, Qty::ZERO);
            self.replaced_asks.resize(na, Qty::ZERO);
        } else {
            self.replaced_ok = false;
        }
        emit_depth(
            stats,
            sink,
            self.inst,
            &self.book,
            last_update_id,
            exch_ts,
            local_ts,
            &self.snap_bids,
            &self.snap_asks,
        );
        self.draining = Some(local_ts);
    }

    /// True while buffered events remain to replay after a snapshot.
    pub fn is_draining(&self) -> bool {
        self.draining.is_some()
    }

    /// Replay the next buffered event after a snapshot (at most one depth update); on a gap, stop
    /// and keep the event for the next snapshot. False when there was nothing to replay.
    pub fn drain_one<S: ReplaySink + ?Sized>(&mut self, stats: &mut FeedStats, sink: &mut S) -> bool {
        let Some(local_ts) = self.draining else { return false };
        let mut bids = std::mem::take(&mut self.scratch_bids);
        let mut asks = std::mem::take(&mut self.scratch_asks);
        match self.pending.front(&mut bids, &mut asks) {
            Some(ev) => {
                if self.step(&ev, local_ts, stats, sink) == Check::Gap {
                    self.draining = None;
                } else {
                    self.pending.pop_front();
                    if self.pending.len() == 0 {
                        self.draining = None;
                    }
                }
            }
            None => self.draining = None,
        }
        self.scratch_bids = bids;
        self.scratch_asks = asks;
        true
    }
}
