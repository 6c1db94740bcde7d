//! [`SimGateway`]: construction, the [`Actor`] dispatch, the gateway side of an order (validation,
//! encoding, the in-flight queue) and accessors. What the venue does when a request arrives is in
//! `arrival.rs`; what market events do to resting orders is in `resting.rs`.

use super::config::{SimConfig, SimError};
use super::outgoing::Outgoing;
use super::pending::{Op, Pending, PendingQueue};
use super::report::Tariff;
use super::stats::SimStats;
use super::table::OrderTable;
use super::view::{Base, Patch, PreImage, View};
use super::wire::{encode_order, WIRE_LEN};
use alphapulse_runtime::{Actor, Books, Ctx, Kinds};
use alphapulse_types::{
    BookState, Instrument, InstrumentTable, Msg, OrdType, OrderCancel, OrderNew, Qty, Side, VenueReject,
};
use std::any::Any;

/// The simulated exchange: the last actor of the chain. See the [module docs](super).
#[derive(Debug)]
pub struct SimGateway {
    pub(crate) cfg: SimConfig,
    pub(crate) tariff: Tariff,
    pub(crate) insts: Vec<Instrument>,
    pub(crate) views: Vec<View>,
    /// While a depth update is handled with lent books: what the lent book held before it.
    pub(crate) pre: PreImage,
    /// True when the feed lends its books on this thread (the views keep no book of their own).
    lent: bool,
    pub(crate) table: OrderTable,
    pub(crate) pending: PendingQueue,
    pub(crate) outgoing: Outgoing,
    pub(crate) stats: SimStats,
    wire: [u8; WIRE_LEN],
    finished: bool,
}

impl SimGateway {
    /// A simulator for the instruments of `table`, keeping `book_levels` levels per side of each
    /// instrument's book. Allocates everything it will ever use now.
    pub fn new(cfg: SimConfig, table: &InstrumentTable, book_levels: usize) -> Result<SimGateway, SimError> {
        cfg.validate()?;
        if table.is_empty() {
            return Err(SimError::NoInstruments);
        }
        if book_levels == 0 {
            return Err(SimError::NoBookLevels);
        }
        let tariff = Tariff {
            maker_ppm: cfg.maker_fee_ppm,
            taker_ppm: cfg.taker_fee_ppm,
            response_ns: cfg.response_latency_ns,
        };
        Ok(SimGateway {
            tariff,
            insts: table.iter().cloned().collect(),
            views: table.iter().map(|i| View::new(book_levels, i.tick)).collect(),
            pre: PreImage::new(book_levels),
            lent: false,
            table: OrderTable::new(cfg.max_orders),
            pending: PendingQueue::new(cfg.max_pending),
            outgoing: Outgoing::new(cfg.max_reports),
            cfg,
            stats: SimStats::default(),
            wire: [0; WIRE_LEN],
            finished: false,
        })
    }

    /// The counters of this run.
    pub fn stats(&self) -> &SimStats {
        &self.stats
    }
    /// Orders resting in the order table.
    pub fn open_orders(&self) -> usize {
        self.table.len()
    }
    /// Orders and cancels still in flight to the matching engine.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }
    /// Execution reports waiting for their delivery time.
    pub fn reports_in_flight(&self) -> usize {
        self.outgoing.len()
    }
    /// The config this simulator runs with.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }
    /// Gateway time (ns) at which the last order was encoded (0 before the first).
    pub fn last_encoded_ts(&self) -> u64 {
        self.stats.last_encoded_ts
    }
    /// The wire record of the last encoded order (see [`super::wire`]).
    pub fn last_encoded(&self) -> &[u8; WIRE_LEN] {
        &self.wire
    }
    /// True once `Eos` was handled (everything in flight was processed).
    pub fn is_finished(&self) -> bool {
        self.finished
    }
    /// The simulator's current view of `inst`'s book (`None` for an unknown id, or when the feed
    /// lends its books: then the view exists only while a message is handled).
    pub fn book(&self, inst: alphapulse_types::InstrumentId) -> Option<SimBook<'_>> {
        let v = self.views.get(inst.index())?;
        let own = v.own.as_ref()?;
        Some(SimBook { patch: &v.patch, base: Base::new(Some(own), &self.pre, usize::MAX) })
    }

    /// True when the simulator keeps a book of its own per instrument (no feed lends its books on
    /// its thread).
    pub fn keeps_own_books(&self) -> bool {
        !self.lent
    }

    /// Gateway-side checks a real gateway makes before sending: known instrument, positive
    /// quantity on the lot grid and at least the minimum; limit prices positive, on the tick grid,
    /// and at least the minimum notional.
    fn valid(&self, o: &OrderNew) -> bool {
        let Some(i) = self.insts.get(o.inst.index()) else { return false };
        match o.ord_type {
            OrdType::Market => i.qty_valid(o.qty),
            OrdType::Limit => i.order_valid(o.px, o.qty),
        }
    }

    fn on_new(&mut self, o: &OrderNew, ctx: &mut Ctx<'_>) {
        self.stats.orders_received += 1;
        let now = ctx.now();
        if !self.valid(o) {
            self.tariff.rejected(&mut self.stats, None, ctx, o, VenueReject::Invalid, now);
            return;
        }
        let p = Pending { arrive: now.saturating_add(self.cfg.order_latency_ns), op: Op::New(*o) };
        if self.pending.push(p).is_err() {
            self.stats.pending_overflows += 1;
            self.tariff.rejected(&mut self.stats, None, ctx, o, VenueReject::TooManyOrders, now);
            return;
        }
        let sent = OrderNew { ts: now, ..*o };
        encode_order(&sent, &mut self.wire);
        self.stats.on_encode(now, o.origin_ts);
    }

    fn on_cancel(&mut self, c: &OrderCancel, ctx: &mut Ctx<'_>) {
        self.stats.cancels_received += 1;
        let now = ctx.now();
        let p = Pending { arrive: now.saturating_add(self.cfg.order_latency_ns), op: Op::Cancel(*c) };
        if self.pending.push(p).is_err() {
            self.stats.pending_overflows += 1;
            let r = VenueReject::TooManyOrders;
            self.tariff.cancel_rejected(&mut self.stats, None, ctx, c.order_id, c.inst, c.strategy, r, now);
        }
    }

    /// Process every in-flight request that has reached the engine by `t`, in FIFO order.
    pub(crate) fn drain(&mut self, t: u64, ctx: &mut Ctx<'_>) {
        while let Some(p) = self.pending.pop_due(t) {
            match p.op {
                Op::New(o) => self.arrive_new(&o, p.arrive, ctx),
                Op::Cancel(c) => self.arrive_cancel(&c, p.arrive, ctx),
            }
        }
    }

    /// The view of a market event's instrument, if it is known and the event is well formed.
    fn market_view(&mut self, inst: alphapulse_types::InstrumentId, ok: bool) -> Option<usize> {
        self.stats.market_events += 1;
        if ok && inst.index() < self.views.len() {
            Some(inst.index())
        } else {
            self.stats.bad_market_events += 1;
            None
        }
    }

    fn on_market(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        // Requests that reached the engine before this event see the book as it was before it.
        // A lent book is already after it: lay what it held before over it for the drain.
        // Only needed when a request is due now.
        self.pre.clear();
        if self.lent && self.pending.has_due(msg.event_ts()) {
            match msg {
                Msg::Depth(d) if d.inst.index() < self.views.len() => {
                    let levels = ctx.depth_levels(d);
                    let replaced = ctx.books().and_then(|b| b.replaced(d.inst));
                    // (Unknown replaced quantities are counted below, once.)
                    if replaced.is_some_and(|r| !self.pre.set(d.inst.index(), levels, r)) {
                        self.stats.lent_depth_without_prior += 1;
                    }
                }
                // The snapshot that follows replaces an empty book (the feed keeps none unsynced).
                Msg::Book(b) if b.state == BookState::Synced && b.inst.index() < self.views.len() => {
                    self.pre.set_empty(b.inst.index());
                }
                // The gap emptied the lent book; the requests due see it as it was.
                Msg::Book(b) if b.state == BookState::Gap && b.inst.index() < self.views.len() => {
                    let was = ctx.books().and_then(|l| l.discarded(b.inst));
                    if !was.is_some_and(|(bids, asks)| self.pre.set_book(b.inst.index(), bids, asks)) {
                        self.stats.lent_depth_without_prior += 1;
                    }
                }
                _ => {}
            }
        }
        self.drain(msg.event_ts(), ctx);
        self.pre.clear();
        let books = ctx.books();
        match msg {
            Msg::Quote(q) => {
                let ok = q.bid_qty.raw() >= 0 && q.ask_qty.raw() >= 0;
                if let Some(i) = self.market_view(q.inst, ok) {
                    let lent = lent_book(&self.views[i], books, i);
                    if self.views[i].apply_quote(lent, &self.pre, i, q) {
                        self.on_book_change(i, q.local_ts, ctx);
                    } else {
                        self.stats.stale_quotes += 1;
                    }
                }
            }
            Msg::Depth(d) => {
                let (bids, asks) = ctx.depth_levels(d);
                let ok = bids.iter().chain(asks).all(|l| l.px.raw() > 0 && l.qty.raw() >= 0);
                if let Some(i) = self.market_view(d.inst, ok) {
                    let lent = lent_book(&self.views[i], books, i);
                    // What each level replaced in the lent book (the own book is read as it goes).
                    let replaced = match lent {
                        Some(_) => books.and_then(|b| b.replaced(d.inst)),
                        None => None,
                    };
                    let replaced = replaced.filter(|r| r.0.len() == bids.len() && r.1.len() == asks.len());
                    if lent.is_some() && replaced.is_none() && bids.len() + asks.len() > 0 {
                        self.stats.lent_depth_without_prior += 1;
                    }
                    let v = &mut self.views[i];
                    let stale = v.apply_depth(lent, replaced, &self.pre, i, (bids, asks), d.update_id);
                    self.stats.stale_levels += stale;
                    self.on_book_change(i, d.local_ts, ctx);
                }
            }
            Msg::Trade(t) => {
                let ok = t.px.raw() > 0 && t.qty.raw() > 0;
                if let Some(i) = self.market_view(t.inst, ok) {
                    self.on_trade(i, t, ctx);
                }
            }
            Msg::Book(b) => {
                if let Some(i) = self.market_view(b.inst, true) {
                    let v = &mut self.views[i];
                    match b.state {
                        BookState::Gap => {
                            v.clear();
                            v.usable = false;
                            self.stats.book_gaps += 1;
                        }
                        // The levels that follow are the whole book: start from empty.
                        BookState::Synced if !v.usable => {
                            v.clear();
                            v.usable = true;
                        }
                        BookState::Synced => {}
                    }
                }
            }
            _ => {}
        }
        self.pre.clear();
        let inst = match msg {
            Msg::Quote(q) => q.inst,
            Msg::Depth(d) => d.inst,
            _ => return,
        };
        if let Some(v) = self.views.get_mut(inst.index()) {
            self.stats.overlay_overflows += std::mem::take(&mut v.patch.overflows);
        }
    }
}

/// The patch of view `i` and its base book: its own, or the one `books` lend.
#[inline]
pub(crate) fn split<'a>(
    v: &'a mut View,
    pre: &'a PreImage,
    i: usize,
    books: Option<&'a dyn Books>,
) -> (&'a mut Patch, Base<'a>) {
    let lent = lent_book(v, books, i);
    v.split(lent, pre, i)
}

/// The book of instrument `i` that `books` lend, unless `v` keeps its own.
#[inline]
fn lent_book<'a>(v: &View, books: Option<&'a dyn Books>, i: usize) -> Option<&'a alphapulse_book::Book> {
    match v.own {
        Some(_) => None,
        None => books.and_then(|b| b.book(alphapulse_types::InstrumentId(i as u32))),
    }
}

/// The simulator's market for one instrument, read-only (see [`SimGateway::book`]): its own
/// book of depth with the patch of quotes and its own fills over it.
#[derive(Clone, Copy)]
pub struct SimBook<'a> {
    patch: &'a Patch,
    base: Base<'a>,
}

impl<'a> SimBook<'a> {
    /// Levels of `side` from the best outward.
    pub fn levels(&self, side: Side) -> impl Iterator<Item = (alphapulse_types::Price, Qty)> + 'a {
        self.patch.levels(self.base, side)
    }
    /// Best level of `side`.
    pub fn best(&self, side: Side) -> Option<(alphapulse_types::Price, Qty)> {
        self.levels(side).next()
    }
    /// Best bid (highest price) and its quantity.
    pub fn best_bid(&self) -> Option<(alphapulse_types::Price, Qty)> {
        self.best(Side::Buy)
    }
    /// Best ask (lowest price) and its quantity.
    pub fn best_ask(&self) -> Option<(alphapulse_types::Price, Qty)> {
        self.best(Side::Sell)
    }
    /// Quantity shown at `px` on `side` (zero if no level).
    pub fn qty_at(&self, side: Side, px: alphapulse_types::Price) -> Qty {
        self.patch.qty_at(&self.base, side, px)
    }
    /// Total quantity of the best `n` levels of `side`.
    pub fn depth_qty(&self, side: Side, n: usize) -> Qty {
        self.levels(side).take(n).fold(Qty::ZERO, |s, (_, q)| s + q)
    }
    /// Number of levels on `side`.
    pub fn len(&self, side: Side) -> usize {
        self.levels(side).count()
    }
    /// True when both sides are empty.
    pub fn is_empty(&self) -> bool {
        self.best(Side::Buy).is_none() && self.best(Side::Sell).is_none()
    }
}

impl Actor for SimGateway {
    fn name(&self) -> &'static str {
        "sim_gateway"
    }

    /// Market events are applied and then dropped (this actor is last); `New`/`Cancel` go in
    /// flight; `Eos` processes everything still in flight. Other messages are ignored. Then the
    /// reports due by the message's time go up (all of them on `Eos`).
    fn handles(&self) -> Kinds {
        Kinds::MARKET | Kinds::NEW | Kinds::CANCEL | Kinds::EOS
    }

    /// Last on the chain: nothing goes further down.
    fn consumes(&self) -> Kinds {
        self.handles()
    }

    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        let due = match msg {
            Msg::Quote(_) | Msg::Trade(_) | Msg::Depth(_) | Msg::Book(_) => {
                self.on_market(msg, ctx);
                msg.event_ts()
            }
            Msg::New(o) => {
                self.on_new(o, ctx);
                ctx.now()
            }
            Msg::Cancel(c) => {
                self.on_cancel(c, ctx);
                ctx.now()
            }
            Msg::Eos(_) => {
                self.drain(u64::MAX, ctx);
                self.finished = true;
                u64::MAX
            }
            _ => return,
        };
        self.outgoing.release(due, ctx);
    }

    /// The feed on this thread lends its books: the own ones are freed (one book per instrument
    /// per thread).
    fn lent_books(&mut self, lent: bool) {
        self.lent = lent;
        if lent {
            for v in &mut self.views {
                v.own = None;
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `true` when `q` is a positive quantity.
#[inline(always)]
pub(crate) fn positive(q: Qty) -> bool {
    q.raw() > 0
}
