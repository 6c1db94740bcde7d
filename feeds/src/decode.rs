//! [`Decoder`]: one frame's text in, market messages out — the part of the feed that the replay of
//! capture files and the live feed share, so both produce the same messages from the same frames.
//!
//! It owns the parser, the symbol map, every instrument's [`BookSync`] and the counters. A caller
//! hands it each frame with its receive time ([`Decoder::frame`]) and, before the next one, lets it
//! replay one buffered depth event ([`Decoder::drain_one`]): every step emits at most one depth
//! update, so a book lent to the actors of the feed's thread is at the state of the update they are
//! handling (see `crate::sync`).
//!
//! A frame's exchange times `E`/`T` are checked against its receive time (`max_exchange_skew_ns`);
//! a refused depth update discards its instrument's book as a gap ([`BookSync::on_refused_depth`]).

use crate::instruments::SymbolMap;
use crate::parse::Parser;
use crate::pending::DepthEvent;
use crate::stats::{FeedStats, FrameKind, MalformedKind};
use crate::sync::{emit, BookSync, BookSyncStatus, ReplaySink};
use crate::FeedOptions;
use alphapulse_book::Book;
use alphapulse_runtime::Books;
use alphapulse_types::{InstrumentId, InstrumentTable, Msg, Qty, Quote, Side, Trade};

/// Where a frame came from, for the first occurrence of a malformed kind: (index into
/// [`FeedStats::files`], 1-based line). A live connection uses its own numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramePos {
    pub file: u32,
    pub line: u64,
}

/// What became of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Parsed and dispatched.
    Frame(FrameKind),
    /// Refused (counted as malformed of this kind).
    Refused(MalformedKind),
    /// Parsed, but an exchange time is too far from the receive time: refused as
    /// [`MalformedKind::BadTimestamp`]; the receive time may be the wrong one.
    Skewed,
    /// Parsed, but already seen: its id is not above the last one of its kind and instrument
    /// (only with [`Decoder::enable_dedup`]); counted in [`FeedStats::duplicates`], not dispatched.
    Duplicate(FrameKind, InstrumentId),
    /// Parsed and new, but held back: it came from a connection not yet aligned with the stream
    /// already applied for this kind and instrument ([`Decoder::frame_gated`]). Not dispatched and
    /// not remembered: the other connection delivers it.
    Held(FrameKind, InstrumentId),
}

/// Which de-duplicated streams of an instrument a second connection has been seen to carry in
/// step with the first (index [`dedup_slot`]): set by the first duplicate it delivers.
pub type Aligned = [bool; 4];

/// The index of `kind` in [`Aligned`] (depth, bookTicker, trade, aggTrade), if it has ids.
pub const fn dedup_slot(kind: FrameKind) -> Option<usize> {
    match kind {
        FrameKind::Depth => Some(0),
        FrameKind::BookTicker => Some(1),
        FrameKind::Trade => Some(2),
        FrameKind::AggTrade => Some(3),
        _ => None,
    }
}

/// What [`Decoder::seen`] decided.
enum Seen {
    New,
    Duplicate(InstrumentId),
    Held(InstrumentId),
}

/// The last id seen per kind of one instrument (depth `u`, bookTicker `u`, trade `t`, aggTrade `a`;
/// each strictly increases in Binance's streams).
#[derive(Clone, Copy, Debug, Default)]
struct LastIds {
    depth: u64,
    book_ticker: u64,
    trade: u64,
    agg_trade: u64,
}

/// The shared frame path (see the module doc).
pub struct Decoder {
    pub(crate) parser: Parser,
    pub(crate) symbols: SymbolMap,
    books: Vec<BookSync>,
    /// Last exchange time seen per instrument (stamped on spot bookTickers, which carry none).
    last_exch: Vec<u64>,
    pub(crate) stats: FeedStats,
    /// `max_exchange_skew_ns`.
    max_skew: u64,
    last_local_ts: u64,
    /// Per instrument, with de-duplication on (live: two connections overlap during a rollover,
    /// and a server may repeat a frame); empty when off (the replay of a capture).
    dedup: Vec<LastIds>,
}

impl Decoder {
    /// Books and buffers for every instrument of `instruments`, sized by `opts` (validated by the
    /// caller); `stats` starts the counters (files, damage slots).
    pub fn new(instruments: &InstrumentTable, opts: &FeedOptions, mut stats: FeedStats) -> Self {
        let level_cap = opts.book_levels.max(opts.max_frame_levels);
        let books = instruments
            .iter()
            .map(|i| {
                let mut b = BookSync::new(
                    i.id,
                    i.tick,
                    opts.book_levels,
                    opts.max_buffered_depth_events,
                    opts.max_buffered_levels,
                );
                b.reserve_replaced(level_cap);
                b
            })
            .collect();
        stats.books = instruments.iter().map(|i| BookSyncStatus::new(i.id)).collect();
        Decoder {
            parser: Parser::new(opts.max_line_bytes, level_cap),
            symbols: SymbolMap::new(instruments),
            books,
            last_exch: vec![0; instruments.len()],
            stats,
            max_skew: opts.max_exchange_skew_ns,
            last_local_ts: 0,
            dedup: Vec::new(),
        }
    }

    /// Drop frames already seen ([`Decoded::Duplicate`]): a depth update, bookTicker, trade or
    /// aggTrade whose id is not above the last one of its kind for its instrument. For a live feed,
    /// where two connections overlap during a rollover: every event is applied once.
    pub fn enable_dedup(&mut self) {
        self.dedup = vec![LastIds::default(); self.books.len()];
    }

    /// Forget the ids seen for `inst` (its stream restarts with ids that need not continue).
    pub fn forget_ids(&mut self, inst: InstrumentId) {
        if let Some(d) = self.dedup.get_mut(inst.index()) {
            *d = LastIds::default();
        }
    }

    /// The frame last parsed (fields by its kind; see [`crate::parse::Frame`]).
    pub fn last_frame(&self) -> &crate::parse::Frame {
        &self.parser.frame
    }

    /// Whether the parsed frame of `kind` was seen before (dedup on; duplicates counted). With a
    /// `gate` (frames from a second connection), a new frame of a stream that connection is not
    /// yet aligned on is held, and a duplicate marks it aligned.
    #[inline]
    fn seen(&mut self, kind: FrameKind, gate: Option<&mut [Aligned]>) -> Seen {
        let f = &self.parser.frame;
        let (Some(inst), Some(slot)) = (f.inst, dedup_slot(kind)) else { return Seen::New };
        let Some(ids) = self.dedup.get_mut(inst.index()) else { return Seen::New };
        let (last, id) = match kind {
            FrameKind::Depth => (&mut ids.depth, f.last_id),
            FrameKind::BookTicker => (&mut ids.book_ticker, f.last_id),
            FrameKind::Trade => (&mut ids.trade, f.trade_id),
            _ => (&mut ids.agg_trade, f.trade_id),
        };
        let aligned = gate.and_then(|g| g.get_mut(inst.index())).map(|a| &mut a[slot]);
        if id <= *last {
            self.stats.duplicates += 1;
            if let Some(a) = aligned {
                *a = true;
            }
            return Seen::Duplicate(inst);
        }
        if let Some(a) = aligned.filter(|a| !**a) {
            // A new frame from a connection not yet aligned is safe when it continues exactly
            // what was applied (depth: `U == u + 1`, USD-M `pu == u`; trades: the next id) —
            // then the stream is aligned; otherwise it is held. Quotes are never held: each is the
            // whole top of book and the ids order them.
            let next = match kind {
                FrameKind::Depth => f.prev_id.map_or(f.first_id == *last + 1, |pu| pu == *last),
                FrameKind::BookTicker => true,
                _ => id == *last + 1,
            };
            if !next {
                return Seen::Held(inst);
            }
            *a = true;
        }
        *last = id;
        Seen::New
    }

    /// Instruments it keeps books for (ids `0..n`).
    pub fn instruments(&self) -> usize {
        self.books.len()
    }

    /// Counters so far.
    pub fn stats(&self) -> &FeedStats {
        &self.stats
    }
    /// The counters, for a caller that counts its own events in them.
    pub fn stats_mut(&mut self) -> &mut FeedStats {
        &mut self.stats
    }
    /// The sync state and book of `inst`.
    pub fn book_sync(&self, inst: InstrumentId) -> Option<&BookSync> {
        self.books.get(inst.index())
    }
    /// The sync state and book of `inst`, to reset it (a live connection lost).
    pub fn book_sync_mut(&mut self, inst: InstrumentId) -> Option<(&mut BookSync, &mut FeedStats)> {
        Some((self.books.get_mut(inst.index())?, &mut self.stats))
    }
    /// The book of `inst` (`None` for an unknown id; empty unless synced).
    pub fn book(&self, inst: InstrumentId) -> Option<&Book> {
        self.books.get(inst.index()).map(BookSync::book)
    }
    /// What the levels of the last depth update of `inst` replaced (see [`BookSync::replaced`]).
    pub fn replaced(&self, inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        self.books.get(inst.index())?.replaced()
    }
    /// The book the last gap of `inst` discarded (see [`BookSync::discarded`]).
    pub fn discarded(&self, inst: InstrumentId) -> Option<alphapulse_runtime::BookLevels<'_>> {
        self.books.get(inst.index())?.discarded()
    }
    /// Receive time of the last frame processed.
    pub fn last_local_ts(&self) -> u64 {
        self.last_local_ts
    }
    /// The instrument of a symbol (upper case, as in the instrument table), without allocating.
    pub fn instrument(&mut self, symbol: &[u8]) -> Option<InstrumentId> {
        self.symbols.get(symbol)
    }

    /// Replay one depth event buffered before a snapshot, if any (see `crate::sync`); true when a
    /// step was taken (then no frame should be handled before the next call).
    pub fn drain_one<S: ReplaySink + ?Sized>(&mut self, sink: &mut S) -> bool {
        for b in &mut self.books {
            if b.drain_one(&mut self.stats, sink) {
                return true;
            }
        }
        false
    }

    /// Parse one frame received at `local_ts` and dispatch its events. `snapshot_inst`: the
    /// instrument a REST snapshot in `json` belongs to (the body names none). `bad_ts`: the caller
    /// already refused the receive time (the frame is then parsed only to discard a depth update's
    /// book). Malformed frames are counted here, at `pos`.
    pub fn frame<S: ReplaySink + ?Sized>(
        &mut self,
        json: &mut [u8],
        local_ts: u64,
        snapshot_inst: Option<InstrumentId>,
        bad_ts: bool,
        pos: FramePos,
        sink: &mut S,
    ) -> Decoded {
        self.frame_inner(json, local_ts, snapshot_inst, bad_ts, pos, None, sink)
    }

    /// [`Decoder::frame`] for a frame from a second connection that carries the same streams
    /// (a live rollover): with dedup on, a new frame of a stream the connection is not yet
    /// aligned on (`aligned`, per instrument) is held back ([`Decoded::Held`]) — the first
    /// connection, still open, delivers it in order — and a duplicate, or a frame that continues
    /// exactly what was applied, marks the stream aligned (quotes are never held).
    /// Merging two connections that run at different lags therefore never applies an update
    /// ahead of its predecessors (no false gap).
    pub fn frame_gated<S: ReplaySink + ?Sized>(
        &mut self,
        json: &mut [u8],
        local_ts: u64,
        pos: FramePos,
        aligned: &mut [Aligned],
        sink: &mut S,
    ) -> Decoded {
        self.frame_inner(json, local_ts, None, false, pos, Some(aligned), sink)
    }

    #[allow(clippy::too_many_arguments)]
    fn frame_inner<S: ReplaySink + ?Sized>(
        &mut self,
        json: &mut [u8],
        local_ts: u64,
        snapshot_inst: Option<InstrumentId>,
        bad_ts: bool,
        pos: FramePos,
        gate: Option<&mut [Aligned]>,
        sink: &mut S,
    ) -> Decoded {
        let parsed = self.parser.parse(json, snapshot_inst, &mut self.symbols);
        let skew_ok = |ts: u64| ts == 0 || ts.abs_diff(local_ts) <= self.max_skew;
        let f = &self.parser.frame;
        let mut skewed = false;
        let parsed = match parsed {
            _ if bad_ts => Err(MalformedKind::BadTimestamp),
            Ok(_) if !skew_ok(f.exch_ts) || !skew_ok(f.txn_ts) => {
                skewed = true;
                Err(MalformedKind::BadTimestamp)
            }
            r => r,
        };
        match parsed {
            Ok(kind) => {
                if !self.dedup.is_empty() {
                    match self.seen(kind, gate) {
                        Seen::New => {}
                        Seen::Duplicate(inst) => return Decoded::Duplicate(kind, inst),
                        Seen::Held(inst) => return Decoded::Held(kind, inst),
                    }
                }
                self.last_local_ts = local_ts;
                self.stats.by_kind[kind as usize] += 1;
                self.dispatch(kind, local_ts, sink);
                Decoded::Frame(kind)
            }
            Err(kind) => {
                if kind == MalformedKind::UnknownStream {
                    self.stats.by_kind[FrameKind::Other as usize] += 1;
                }
                self.stats.malformed_at(kind, pos.file, pos.line);
                let f = &self.parser.frame;
                if f.kind == Some(FrameKind::Depth) {
                    if let Some(book) = f.inst.and_then(|i| self.books.get_mut(i.index())) {
                        let local_ts = local_ts.max(self.last_local_ts);
                        book.on_refused_depth(f.exch_ts, local_ts, &mut self.stats, sink);
                    }
                }
                if skewed {
                    Decoded::Skewed
                } else {
                    Decoded::Refused(kind)
                }
            }
        }
    }

    /// The instrument of the frame last parsed, if it named a known one.
    pub fn last_frame_inst(&self) -> Option<InstrumentId> {
        self.parser.frame.inst
    }

    fn dispatch<S: ReplaySink + ?Sized>(&mut self, kind: FrameKind, local_ts: u64, sink: &mut S) {
        let f = &self.parser.frame;
        self.stats.level_overflows += f.dropped_levels as u64;
        if matches!(kind, FrameKind::Kline | FrameKind::Other) {
            return;
        }
        let Some(inst) = f.inst else {
            self.stats.unknown_symbols += 1;
            return;
        };
        let Some(book) = self.books.get_mut(inst.index()) else {
            self.stats.unknown_symbols += 1;
            return;
        };
        if let Some(b) = self.stats.books.get_mut(inst.index()) {
            b.frames += 1;
        }
        let last_exch = &mut self.last_exch[inst.index()];
        if f.exch_ts != 0 {
            *last_exch = f.exch_ts;
        }
        let stats = &mut self.stats;
        match kind {
            FrameKind::Depth => {
                let ev = DepthEvent {
                    first_id: f.first_id,
                    last_id: f.last_id,
                    prev_id: f.prev_id,
                    exch_ts: f.exch_ts,
                    bids: &f.bids,
                    asks: &f.asks,
                };
                book.on_depth(&ev, local_ts, stats, sink);
            }
            FrameKind::Snapshot => {
                let exch = if f.exch_ts != 0 { f.exch_ts } else { *last_exch };
                book.on_snapshot(f.last_id, &f.bids, &f.asks, exch, local_ts, stats, sink);
            }
            FrameKind::BookTicker => {
                let q = Quote {
                    inst,
                    bid_px: f.bid_px,
                    bid_qty: f.bid_qty,
                    ask_px: f.ask_px,
                    ask_qty: f.ask_qty,
                    update_id: f.last_id,
                    local_ts,
                    ..Default::default()
                };
                sink.book_ticker(inst, f.last_id, &q);
                emit(stats, sink, Msg::Quote(q));
            }
            FrameKind::Trade | FrameKind::AggTrade => {
                let t = Trade {
                    inst,
                    aggressor: if f.buyer_maker { Side::Sell } else { Side::Buy },
                    px: f.px,
                    qty: f.qty,
                    trade_id: f.trade_id,
                    exch_ts: f.exch_ts,
                    local_ts,
                    ..Default::default()
                };
                emit(stats, sink, Msg::Trade(t));
            }
            FrameKind::Kline | FrameKind::Other => {}
        }
    }
}

/// The books a feed lends to the actors after it on its thread (`Actor::books`): the replay's and
/// the live feed's are their decoder's.
impl Books for Decoder {
    #[inline]
    fn book(&self, inst: InstrumentId) -> Option<&Book> {
        Decoder::book(self, inst)
    }
    #[inline]
    fn replaced(&self, inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        Decoder::replaced(self, inst)
    }
    #[inline]
    fn discarded(&self, inst: InstrumentId) -> Option<alphapulse_runtime::BookLevels<'_>> {
        Decoder::discarded(self, inst)
    }
}
