//! The simulator's view of one instrument's market: a base book of pure depth — the feed's, lent
//! on this thread, or the simulator's own when it runs on a thread of its own — and a small
//! [`Patch`] on top of it that records where the simulator's market differs from that book:
//! what fresher `Quote`s say about the top of the book, and what the simulator's own taker fills
//! consumed. Taking walks the two merged.
//!
//! **One book per instrument per thread.** When the feed shares the simulator's thread it lends
//! its books (`Ctx::books`) and the simulator keeps no book of its own (it frees them at start,
//! `Actor::lent_books`); otherwise it keeps one per instrument built from the `Depth` messages,
//! exactly as the feed builds its own. The same code runs over either book ([`Base`]).
//!
//! **Newer data wins.** Depth levels and quotes come on different streams, so they can arrive out
//! of order. Both carry the venue's order-book update id (`Depth::update_id`: the depth event's
//! final id; `Quote::update_id`: the bookTicker's `u`, the same sequence on Binance), and the view
//! keeps the id of the last quote and of the last depth level it applied:
//! - a quote whose id is below the last depth update's is stale: ignored (counted);
//! - a depth level whose update id is ≤ the last quote's, at or better than that quote's price on
//!   its side (a bid ≥ the quote's bid, an ask ≤ its ask), is older than what the quote says about
//!   the top of the book: ignored (counted). Levels behind the quote's prices apply.
//!
//! An id of 0 (unknown: a source without ids, or hand-built test messages) never makes anything
//! stale; such data applies in arrival order. Clearing the view (a gap) forgets the ids.
//!
//! **The patch.** The market the simulator sees at a price `px` of a side is `S(px)`:
//! - the patch's override at `px` if it has one (a quantity, 0 = nothing there);
//! - else nothing if `px` is in the side's *hidden* region: strictly better than the side's hide
//!   threshold `h` (an ask below `h`, a bid above `h`). A quote removes the levels better than
//!   its price, so `h` is the highest ask (lowest bid) of the quotes since the last clear — the
//!   union of what they removed — lowered again only when nothing of the base book is left
//!   there that the patch does not override (see [`Patch::tidy`]);
//! - else the base book's quantity `B(px)`.
//!
//! A quote (when applied) sets `h`, drops the overrides strictly better than its price and sets
//! the override at its price. A depth level the view ignores (stale) pins today's `S(px)` as an
//! override when the base book (which did apply it) would change it; one it applies sets the
//! override to its quantity if `px` is hidden, else drops the override (`S = B`). A taker fill
//! sets the override to `S(px)` less the fill: consumed quantity stays consumed until newer data at
//! that price replaces it. A gap clears everything. This reproduces exactly what the simulator did
//! when it kept its own book patched in place (a property test checks it against that model),
//! except at a full book side: the base book evicts or ignores its worst levels by its own count
//! of levels, not by the patched count (a quote that hid levels left room in the old patched
//! book that the depth book does not have), so the levels farthest from the best (the
//! `book_levels`-th) can differ. With lent books two more cases are not exact, both counted in
//! `SimStats::lent_depth_without_prior`: a depth update with more levels per side than
//! `book_levels` (the simulator's room to lay the book before it over the lent one), and a lender
//! that does not say what its updates replaced. A `Depth` the simulator refuses as malformed
//! (a price ≤ 0, a negative quantity) is still in a lent book; the feed never emits one (it
//! treats one as a gap).
//!
//! **Capacity.** Each side's overrides live in a sorted array of [`OVERRIDES_PER_SIDE`] entries
//! allocated at start. Overrides that say what the base book says are dropped, and the hide
//! threshold lowered as far as that changes nothing, after every quote and depth update once a
//! side holds 32 overrides ([`Patch::tidy`]). When a side is still full, the
//! override farthest from the best price is dropped (or the new one, if it is farther): counted in
//! `SimStats::overlay_overflows`; the market there reverts to the base book.
//!
//! **A lent book is one message ahead.** A lent book is at the state *after* the message being
//! handled, but the simulator needs it as it was before: each level of a depth update is judged
//! against what the book held at its price just before it, and requests that reached the engine
//! before the update must see the whole book before it. The feed says what each level replaced
//! (`Books::replaced`): that is the first, and, only when a request is due at the update, the
//! simulator lays those quantities over the lent book ([`PreImage`]) while it processes the
//! requests (see `gateway.rs`). A snapshot (`BookStatus::Synced` followed by the whole book)
//! replaces an empty book, so requests processed at the `Synced` see an empty book, as before; at
//! a `BookStatus::Gap` (the lent book is already empty) the feed still has the levels it
//! discarded (`Books::discarded`), which the requests processed then see, as before.

use alphapulse_book::Book;
use alphapulse_types::{Price, PxQty, Qty, Quote, Side};
use std::iter::Peekable;

/// Overrides each side of a [`Patch`] holds at most (allocated at start).
pub const OVERRIDES_PER_SIDE: usize = 1024;

/// A side holding this many overrides is tidied after every quote and depth update.
const TIDY_AT: usize = 8;

/// True when a taker on `side` with limit `limit` may trade at `px`.
#[inline(always)]
pub(crate) fn within(side: Side, px: Price, limit: Option<Price>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => px <= l,
        (Side::Sell, Some(l)) => px >= l,
    }
}

/// True when `a` is a better price than `b` on a side (`bid`: higher is better).
#[inline(always)]
fn better(bid: bool, a: Price, b: Price) -> bool {
    if bid {
        a > b
    } else {
        a < b
    }
}

/// Binary search of `px` in `v`, sorted best first on a side.
#[inline]
fn find<T>(v: &[(Price, T)], bid: bool, px: Price) -> Result<usize, usize> {
    v.binary_search_by(|e| if bid { px.cmp(&e.0) } else { e.0.cmp(&px) })
}

/// Best-first merge of `base` levels with `patch` entries (sorted best first): an entry replaces
/// the base level at its price; zero quantities are not levels.
pub(crate) struct Patched<'a, I: Iterator<Item = (Price, Qty)>> {
    base: Peekable<I>,
    patch: &'a [(Price, Qty)],
    bid: bool,
}

impl<'a, I: Iterator<Item = (Price, Qty)>> Patched<'a, I> {
    #[inline]
    fn new(bid: bool, base: I, patch: &'a [(Price, Qty)]) -> Self {
        Patched { base: base.peekable(), patch, bid }
    }
}

impl<I: Iterator<Item = (Price, Qty)>> Iterator for Patched<'_, I> {
    type Item = (Price, Qty);
    #[inline]
    fn next(&mut self) -> Option<(Price, Qty)> {
        loop {
            let b = self.base.peek().copied();
            let item = match (b, self.patch.first().copied()) {
                (None, None) => return None,
                (Some(b), None) => {
                    self.base.next();
                    b
                }
                (b, Some(p)) => {
                    match b {
                        Some(b) if b.0 == p.0 => {
                            self.base.next();
                        }
                        Some(b) if better(self.bid, b.0, p.0) => {
                            self.base.next();
                            return Some(b);
                        }
                        _ => {}
                    }
                    self.patch = &self.patch[1..];
                    p
                }
            };
            if item.1.raw() != 0 {
                return Some(item);
            }
        }
    }
}

/// What a lent book held, before the depth update being handled, at the prices of its levels
/// (per side, sorted best first, one entry per price), or the whole book before a gap emptied it
/// (`empty`: the lent book itself is ignored); nothing when no such message is being handled.
#[derive(Debug)]
pub(crate) struct PreImage {
    /// The instrument it is about, and whether its base book was empty (a snapshot follows).
    pub inst: usize,
    pub active: bool,
    pub empty: bool,
    bids: Vec<(Price, Qty)>,
    asks: Vec<(Price, Qty)>,
    scratch: Vec<(Price, u32, Qty)>,
}

impl PreImage {
    pub fn new(levels: usize) -> Self {
        let n = levels.max(1);
        PreImage {
            inst: 0,
            active: false,
            empty: false,
            bids: Vec::with_capacity(n),
            asks: Vec::with_capacity(n),
            scratch: Vec::with_capacity(n),
        }
    }

    /// Nothing laid over the base book.
    pub fn clear(&mut self) {
        self.active = false;
        self.empty = false;
        self.bids.clear();
        self.asks.clear();
    }

    /// The base book of `inst` counts as empty (a `Synced` whose snapshot the lent book holds).
    /// (`empty`: the book is ignored, only the laid-over levels count.)
    pub fn set_empty(&mut self, inst: usize) {
        self.clear();
        self.inst = inst;
        self.active = true;
        self.empty = true;
    }

    /// Lay over `inst`'s lent book what the levels of the update being handled replaced; false
    /// (nothing laid over) when the replaced quantities do not match the levels or do not fit.
    pub fn set(&mut self, inst: usize, levels: (&[PxQty], &[PxQty]), replaced: (&[Qty], &[Qty])) -> bool {
        self.clear();
        for (bid, lv, old) in [(true, levels.0, replaced.0), (false, levels.1, replaced.1)] {
            if lv.len() != old.len() || lv.len() > self.scratch.capacity() {
                self.clear();
                return false;
            }
            self.scratch.clear();
            self.scratch.extend(lv.iter().zip(old).enumerate().map(|(i, (l, &o))| (l.px, i as u32, o)));
            // Best first; for one price the first level (what the book held before the update).
            self.scratch.sort_unstable_by(|a, b| {
                let o = if bid { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
                o.then(a.1.cmp(&b.1))
            });
            self.scratch.dedup_by(|later, first| later.0 == first.0);
            let v = if bid { &mut self.bids } else { &mut self.asks };
            v.extend(self.scratch.iter().map(|&(p, _, q)| (p, q)));
        }
        self.inst = inst;
        self.active = true;
        true
    }

    /// The base book of `inst` is `bids`/`asks` (best first; a lent book a gap just emptied, as it
    /// was before); false (nothing laid over) if they do not fit.
    pub fn set_book(&mut self, inst: usize, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) -> bool {
        self.clear();
        if bids.len() > self.bids.capacity() || asks.len() > self.asks.capacity() {
            return false;
        }
        self.bids.extend_from_slice(bids);
        self.asks.extend_from_slice(asks);
        self.inst = inst;
        self.active = true;
        self.empty = true;
        true
    }

    fn side(&self, side: Side) -> &[(Price, Qty)] {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }
}

/// The base book of one instrument: a book (lent or own; `None`: empty) with, while a lent depth
/// update is handled, what it held before the update laid over it.
#[derive(Clone, Copy)]
pub(crate) struct Base<'a> {
    book: Option<&'a Book>,
    pre: &'a [(Price, Qty)],
    pre_asks: &'a [(Price, Qty)],
}

impl<'a> Base<'a> {
    /// `book` with `pre` laid over it if `pre` is about instrument `inst`.
    #[inline]
    pub fn new(book: Option<&'a Book>, pre: &'a PreImage, inst: usize) -> Self {
        if pre.active && pre.inst == inst {
            if pre.empty {
                return Base { book: None, pre: pre.side(Side::Buy), pre_asks: pre.side(Side::Sell) };
            }
            Base { book, pre: pre.side(Side::Buy), pre_asks: pre.side(Side::Sell) }
        } else {
            Base { book, pre: &[], pre_asks: &[] }
        }
    }

    #[inline(always)]
    fn pre(&self, side: Side) -> &'a [(Price, Qty)] {
        match side {
            Side::Buy => self.pre,
            Side::Sell => self.pre_asks,
        }
    }

    /// `B(px)`.
    #[inline]
    pub fn qty_at(&self, side: Side, px: Price) -> Qty {
        let pre = self.pre(side);
        if !pre.is_empty() {
            if let Ok(i) = find(pre, side == Side::Buy, px) {
                return pre[i].1;
            }
        }
        self.book.map_or(Qty::ZERO, |b| b.qty_at(side, px))
    }

    /// Levels of `side`, best first.
    #[inline]
    pub fn levels(&self, side: Side) -> impl Iterator<Item = (Price, Qty)> + 'a {
        let book = self.book.into_iter().flat_map(move |b| b.levels(side));
        Patched::new(side == Side::Buy, book, self.pre(side))
    }
}

/// One side of a [`Patch`].
#[derive(Debug)]
struct Overlay {
    bid: bool,
    /// Levels strictly better than this are hidden (`None`: nothing is).
    hide: Option<Price>,
    /// Overrides, sorted best first (0: nothing there).
    ov: Vec<(Price, Qty)>,
}

impl Overlay {
    fn new(bid: bool) -> Self {
        Overlay { bid, hide: None, ov: Vec::with_capacity(OVERRIDES_PER_SIDE) }
    }
    #[inline(always)]
    fn hidden(&self, px: Price) -> bool {
        self.hide.is_some_and(|h| better(self.bid, px, h))
    }
    #[inline]
    fn get(&self, px: Price) -> Option<Qty> {
        if self.ov.is_empty() {
            return None;
        }
        find(&self.ov, self.bid, px).ok().map(|i| self.ov[i].1)
    }
    #[inline]
    fn remove(&mut self, px: Price) {
        if let Ok(i) = find(&self.ov, self.bid, px) {
            self.ov.remove(i);
        }
    }
    /// Set the override at `px`; returns true if an override was dropped because the side is full.
    #[inline]
    fn set(&mut self, px: Price, qty: Qty) -> bool {
        match find(&self.ov, self.bid, px) {
            Ok(i) => {
                self.ov[i].1 = qty;
                false
            }
            Err(i) => {
                if self.ov.len() < self.ov.capacity().min(OVERRIDES_PER_SIDE) {
                    self.ov.insert(i, (px, qty));
                    return false;
                }
                // Full: keep the better prices.
                if i < self.ov.len() {
                    self.ov.pop();
                    self.ov.insert(i, (px, qty));
                }
                true
            }
        }
    }
    /// Effective quantity at `px` over `base`.
    #[inline]
    fn qty(&self, side: Side, px: Price, base: &Base<'_>) -> Qty {
        match self.get(px) {
            Some(q) => q,
            None if self.hidden(px) => Qty::ZERO,
            None => base.qty_at(side, px),
        }
    }
    fn clear(&mut self) {
        self.hide = None;
        self.ov.clear();
    }
}

/// Where the simulator's market differs from the base book, for one instrument (see the module
/// docs), and the update ids that decide which data is newer.
#[derive(Debug)]
pub(crate) struct Patch {
    bids: Overlay,
    asks: Overlay,
    /// Update id and prices of the last quote applied (0: none).
    quote_id: u64,
    quote_bid: Price,
    quote_ask: Price,
    /// Highest update id of the depth levels applied (0: none).
    depth_id: u64,
    /// Overrides dropped because a side was full (not yet moved to the stats).
    pub overflows: u64,
    /// [`Patch::tidy`] works on a side holding at least this many overrides.
    pub tidy_at: usize,
}

impl Default for Patch {
    fn default() -> Self {
        Patch {
            bids: Overlay::new(true),
            asks: Overlay::new(false),
            quote_id: 0,
            quote_bid: Price::ZERO,
            quote_ask: Price::ZERO,
            depth_id: 0,
            overflows: 0,
            tidy_at: TIDY_AT,
        }
    }
}

impl Patch {
    #[inline(always)]
    fn side(&self, side: Side) -> &Overlay {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }
    #[inline(always)]
    fn side_mut(&mut self, side: Side) -> &mut Overlay {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
    #[inline]
    fn set(&mut self, side: Side, px: Price, qty: Qty) {
        let full = self.side_mut(side).set(px, qty);
        self.overflows += full as u64;
    }

    /// Forget everything (a gap; or the whole book follows).
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.quote_id = 0;
        self.depth_id = 0;
    }

    /// Apply a depth level (absolute quantity, 0 removes) unless a newer quote covers its price;
    /// `old` is what the base book held at its price before the level (the base book applies
    /// every level). Returns false when it was ignored as stale.
    #[inline]
    pub fn apply_level(&mut self, side: Side, l: PxQty, update_id: u64, old: Qty) -> bool {
        if update_id != 0 && update_id <= self.quote_id {
            let covered = match side {
                Side::Buy => self.quote_bid.raw() > 0 && l.px >= self.quote_bid,
                Side::Sell => self.quote_ask.raw() > 0 && l.px <= self.quote_ask,
            };
            if covered {
                // Keep what the market shows there although the base book moves.
                let o = self.side(side);
                if o.get(l.px).is_none() && !o.hidden(l.px) && old != l.qty {
                    self.set(side, l.px, old);
                }
                return false;
            }
        }
        if self.side(side).hidden(l.px) && !l.qty.is_zero() {
            self.set(side, l.px, l.qty);
        } else {
            self.side_mut(side).remove(l.px);
        }
        self.depth_id = self.depth_id.max(update_id);
        true
    }

    /// A fresher best bid/offer: hide the asks below the quote's ask and the bids above its bid,
    /// and set the quantities at the quote's prices. A side with a non-positive price is left
    /// alone. Returns false (nothing changed) for a quote older than the last depth update.
    pub fn apply_quote(&mut self, q: &Quote) -> bool {
        if q.update_id != 0 && q.update_id < self.depth_id {
            return false;
        }
        if q.update_id != 0 {
            self.quote_id = q.update_id;
            self.quote_bid = q.bid_px;
            self.quote_ask = q.ask_px;
        }
        for (side, px, qty) in [(Side::Sell, q.ask_px, q.ask_qty), (Side::Buy, q.bid_px, q.bid_qty)] {
            if px.raw() <= 0 {
                continue;
            }
            let o = self.side_mut(side);
            o.hide = Some(match o.hide {
                Some(h) if better(o.bid, px, h) => h,
                _ => px,
            });
            let cut = o.ov.partition_point(|e| better(o.bid, e.0, px));
            o.ov.drain(..cut);
            let qty = qty.max(Qty::ZERO);
            if qty.is_zero() && self.side(side).hidden(px) {
                self.side_mut(side).remove(px);
            } else {
                self.set(side, px, qty);
            }
        }
        true
    }

    /// Drop overrides that say what the base book says and lower the hide thresholds as far as
    /// nothing changes (see the module docs); `S` is the same before and after, and stays the same
    /// under every later operation. Only on a side holding at least `tidy_at` overrides (32 by
    /// default).
    pub fn tidy(&mut self, base: &Base<'_>) {
        let at = self.tidy_at;
        for side in [Side::Buy, Side::Sell] {
            let o = self.side_mut(side);
            if o.ov.len() < at || (o.ov.is_empty() && o.hide.is_none()) {
                continue;
            }
            // The worst base level still hidden that no override shows.
            let mut keep = None;
            if o.hide.is_some() {
                for (px, _) in base.levels(side) {
                    if !o.hidden(px) {
                        break;
                    }
                    if o.get(px).is_none() {
                        keep = Some(px);
                    }
                }
            }
            o.hide = keep
                .map(|p| Price(if o.bid { p.raw().saturating_sub(1) } else { p.raw().saturating_add(1) }));
            let (bid, hide) = (o.bid, o.hide);
            o.ov.retain(|&(px, q)| {
                if hide.is_some_and(|h| better(bid, px, h)) {
                    !q.is_zero()
                } else {
                    q != base.qty_at(side, px)
                }
            });
        }
    }

    /// Quantity shown at `px` on `side`.
    #[inline]
    pub fn qty_at(&self, base: &Base<'_>, side: Side, px: Price) -> Qty {
        self.side(side).qty(side, px, base)
    }

    /// Levels of `side` as the simulator sees them, best first.
    #[inline]
    pub fn levels<'a>(&'a self, base: Base<'a>, side: Side) -> impl Iterator<Item = (Price, Qty)> + 'a {
        let o = self.side(side);
        let shown = base.levels(side).skip_while(move |&(px, _)| o.hidden(px));
        Patched::new(o.bid, shown, &o.ov)
    }

    /// Best level of `side`.
    #[inline]
    pub fn best(&self, base: &Base<'_>, side: Side) -> Option<(Price, Qty)> {
        self.levels(*base, side).next()
    }

    /// Quantity displayed on the side opposite to `side` at prices a `side` order at `px` would
    /// trade with (asks ≤ px for a buy, bids ≥ px for a sell): the market crossing a resting order.
    pub fn crossing(&self, base: &Base<'_>, side: Side, px: Price) -> Qty {
        let mut sum = Qty::ZERO;
        for (p, q) in self.levels(*base, side.opposite()) {
            if !within(side, p, Some(px)) {
                break;
            }
            sum = sum.saturating_add(q.max(Qty::ZERO));
        }
        sum
    }

    /// Quantity a taker on `side` could take now, up to `want`, within `limit`.
    pub fn available(&self, base: &Base<'_>, side: Side, limit: Option<Price>, want: Qty) -> Qty {
        let mut sum = Qty::ZERO;
        for (px, q) in self.levels(*base, side.opposite()) {
            if sum >= want || !within(side, px, limit) {
                break;
            }
            sum = sum.saturating_add(q.max(Qty::ZERO));
        }
        sum.min(want)
    }

    /// Take up to `want` from the opposite side, best level first, within `limit`, consuming the
    /// displayed quantity in the patch; `on_fill(px, qty)` per level touched. Returns the quantity
    /// taken.
    pub fn take(
        &mut self,
        base: &Base<'_>,
        side: Side,
        limit: Option<Price>,
        want: Qty,
        mut on_fill: impl FnMut(Price, Qty),
    ) -> Qty {
        let opp = side.opposite();
        let mut rem = want;
        while rem.raw() > 0 {
            let Some((px, q)) = self.best(base, opp) else { break };
            if !within(side, px, limit) {
                break;
            }
            if q.raw() <= 0 {
                self.consume(base, opp, px, Qty::ZERO); // cannot come from the feed; never loop on it
                continue;
            }
            let f = q.min(rem);
            self.consume(base, opp, px, q - f);
            rem -= f;
            on_fill(px, f);
        }
        want - rem
    }

    /// The simulator shows `qty` at `px` now (after a fill).
    #[inline]
    fn consume(&mut self, base: &Base<'_>, side: Side, px: Price, qty: Qty) {
        let o = self.side(side);
        if (o.hidden(px) && qty.is_zero()) || (!o.hidden(px) && qty == base.qty_at(side, px)) {
            self.side_mut(side).remove(px);
        } else {
            self.set(side, px, qty);
        }
    }
}

/// The market as the matching engine sees it for one instrument: the base book (its own, unless
/// books are lent on its thread) and the patch over it.
#[derive(Debug)]
pub(crate) struct View {
    /// The simulator's own pure-depth book (`None` when the feed lends its books).
    pub own: Option<Book>,
    pub patch: Patch,
    /// False after `BookStatus::Gap` until `BookStatus::Synced`: the book is empty and no order is
    /// matched against it.
    pub usable: bool,
}

impl View {
    /// A view keeping its own book of `levels` per side of an instrument whose tick size is `tick`.
    pub fn new(levels: usize, tick: Price) -> Self {
        View { own: Some(Book::with_grid(levels, tick)), patch: Patch::default(), usable: true }
    }

    /// Empty the view and forget the update ids (a gap; or the whole book follows). The own
    /// book is emptied too; a lent one is the lender's business.
    pub fn clear(&mut self) {
        if let Some(b) = &mut self.own {
            b.clear();
        }
        self.patch.clear();
    }

    /// Apply a quote (see [`Patch::apply_quote`]); `lent`: the instrument's lent book, if books are
    /// lent. True unless it was ignored as stale (always true while unusable: nothing is applied).
    pub fn apply_quote(&mut self, lent: Option<&Book>, pre: &PreImage, inst: usize, q: &Quote) -> bool {
        if !self.usable {
            return true;
        }
        if !self.patch.apply_quote(q) {
            return false;
        }
        let (patch, base) = self.split(lent, pre, inst);
        patch.tidy(&base);
        true
    }

    /// Apply the levels (bids, asks) of a depth update with id `update_id`, in order: the own book
    /// takes every level; the patch keeps the market as it was where a level is stale. With lent
    /// books, `lent` is the lent book (already after the update) and `replaced` what each level
    /// replaced in it (`Books::replaced`; `None`: unknown, the lent book is read instead). Returns
    /// the levels ignored as stale. Ignored while unusable.
    pub fn apply_depth(
        &mut self,
        lent: Option<&Book>,
        replaced: Option<(&[Qty], &[Qty])>,
        pre: &PreImage,
        inst: usize,
        levels: (&[PxQty], &[PxQty]),
        update_id: u64,
    ) -> u64 {
        if !self.usable {
            // Ignored: the book is empty until `Synced` (a lent one is the lender's business).
            return 0;
        }
        let mut stale = 0;
        let own = self.own.is_some();
        for (side, lv, old) in
            [(Side::Buy, levels.0, replaced.map(|r| r.0)), (Side::Sell, levels.1, replaced.map(|r| r.1))]
        {
            for (k, &l) in lv.iter().enumerate() {
                // What the base book held at the level's price just before it (it moves level
                // by level, as the feed's did).
                let (patch, base) = self.split(lent, pre, inst);
                let old = match old.and_then(|o| o.get(k)) {
                    Some(&q) if !own => q,
                    _ => base.qty_at(side, l.px),
                };
                if !patch.apply_level(side, l, update_id, old) {
                    stale += 1;
                }
                if let Some(b) = &mut self.own {
                    b.set(side, l.px, l.qty);
                }
            }
        }
        if let Some(b) = &mut self.own {
            b.set_update_id(update_id);
        }
        let (patch, base) = self.split(lent, pre, inst);
        patch.tidy(&base);
        stale
    }

    /// The patch and the base book: `lent` if books are lent, else the own one.
    #[inline]
    pub fn split<'a>(
        &'a mut self,
        lent: Option<&'a Book>,
        pre: &'a PreImage,
        inst: usize,
    ) -> (&'a mut Patch, Base<'a>) {
        let book = if self.own.is_some() { self.own.as_ref() } else { lent };
        (&mut self.patch, Base::new(book, pre, inst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(u: i64) -> Price {
        Price::from_units(u)
    }
    fn q(u: i64) -> Qty {
        Qty::from_units(u)
    }

    /// A view over its own book, with the book operations the gateway performs.
    struct T {
        v: View,
        pre: PreImage,
    }
    impl T {
        fn new() -> Self {
            T { v: View::new(16, Price(1)), pre: PreImage::new(16) }
        }
        fn set(&mut self, side: Side, px: i64, qty: i64) {
            assert!(self.level(side, px, qty, 0));
        }
        fn level(&mut self, side: Side, px: i64, qty: i64, id: u64) -> bool {
            let (patch, base) = self.v.split(None, &self.pre, 0);
            let old = base.qty_at(side, p(px));
            let ok = patch.apply_level(side, PxQty::new(p(px), q(qty)), id, old);
            self.v.own.as_mut().unwrap().set(side, p(px), q(qty));
            ok
        }
        fn quote(&mut self, q: &Quote) -> bool {
            self.v.patch.apply_quote(q)
        }
        fn best(&mut self, side: Side) -> Option<(Price, Qty)> {
            let (patch, base) = self.v.split(None, &self.pre, 0);
            patch.best(&base, side)
        }
        fn len(&mut self, side: Side) -> usize {
            let (patch, base) = self.v.split(None, &self.pre, 0);
            patch.levels(base, side).count()
        }
        fn crossing(&mut self, side: Side, px: i64) -> Qty {
            let (patch, base) = self.v.split(None, &self.pre, 0);
            patch.crossing(&base, side, p(px))
        }
    }

    #[test]
    fn quote_patches_stale_levels() {
        let mut v = T::new();
        for (s, px, qty) in
            [(Side::Sell, 101, 1), (Side::Sell, 102, 2), (Side::Buy, 100, 3), (Side::Buy, 99, 4)]
        {
            v.set(s, px, qty);
        }
        // The ask moved up to 102 (101 gone), the bid to 99 (100 gone).
        v.quote(&Quote { bid_px: p(99), bid_qty: q(5), ask_px: p(102), ask_qty: q(7), ..Quote::default() });
        assert_eq!(v.best(Side::Sell), Some((p(102), q(7))));
        assert_eq!(v.best(Side::Buy), Some((p(99), q(5))));
        assert_eq!(v.len(Side::Sell), 1);
    }

    #[test]
    fn older_data_never_overrides_newer() {
        let mut v = T::new();
        let qt = |bid, ask, id| Quote {
            bid_px: p(bid),
            bid_qty: q(1),
            ask_px: p(ask),
            ask_qty: q(1),
            update_id: id,
            ..Quote::default()
        };
        assert!(v.level(Side::Sell, 101, 1, 10));
        assert!(v.level(Side::Buy, 99, 1, 10));
        // A newer quote: the ask moved up to 102 (101 gone).
        assert!(v.quote(&qt(99, 102, 12)));
        assert_eq!(v.best(Side::Sell), Some((p(102), q(1))));
        // An older depth update brings 101 back: ignored; one behind the quote applies.
        assert!(!v.level(Side::Sell, 101, 3, 11));
        assert!(!v.level(Side::Sell, 102, 3, 11), "the quote's own price: the quote is newer");
        assert!(v.level(Side::Sell, 103, 3, 11));
        assert_eq!(v.best(Side::Sell), Some((p(102), q(1))));
        // A newer depth update wins; a quote older than it is ignored.
        assert!(v.level(Side::Sell, 101, 2, 13));
        assert_eq!(v.best(Side::Sell), Some((p(101), q(2))));
        assert!(!v.quote(&qt(99, 103, 12)));
        assert_eq!(v.best(Side::Sell), Some((p(101), q(2))));
        // Unknown ids (0) apply in arrival order.
        assert!(v.quote(&qt(99, 104, 0)));
        assert_eq!(v.best(Side::Sell), Some((p(104), q(1))));
        assert_eq!(v.crossing(Side::Buy, 104), q(1));
        assert_eq!(v.crossing(Side::Sell, 98), q(1));
        assert_eq!(v.crossing(Side::Buy, 103), Qty::ZERO);
    }

    #[test]
    fn take_walks_levels_and_consumes() {
        let mut v = T::new();
        v.set(Side::Sell, 101, 1);
        v.set(Side::Sell, 102, 2);
        v.set(Side::Sell, 104, 5);
        let (patch, base) = v.v.split(None, &v.pre, 0);
        assert_eq!(patch.available(&base, Side::Buy, Some(p(103)), q(10)), q(3));
        let mut fills = Vec::new();
        let got = patch.take(&base, Side::Buy, Some(p(103)), q(2), |px, f| fills.push((px, f)));
        assert_eq!(got, q(2));
        assert_eq!(fills, vec![(p(101), q(1)), (p(102), q(1))]);
        assert_eq!(patch.best(&base, Side::Sell), Some((p(102), q(1))));
        assert_eq!(patch.take(&base, Side::Sell, None, q(1), |_, _| {}), Qty::ZERO);
    }

    #[test]
    fn a_pre_image_shows_the_book_before_the_update() {
        let mut lent = Book::with_grid(16, Price(1));
        lent.set(Side::Sell, p(101), q(1));
        lent.set(Side::Sell, p(103), q(3));
        // The update: 101 → 0, 102 → 2 (new); the lent book is already after it.
        lent.set(Side::Sell, p(101), Qty::ZERO);
        lent.set(Side::Sell, p(102), q(2));
        let asks = [PxQty::new(p(102), q(2)), PxQty::new(p(101), Qty::ZERO)];
        let mut pre = PreImage::new(16);
        assert!(pre.set(0, (&[], &asks), (&[], &[Qty::ZERO, q(1)])));
        let base = Base::new(Some(&lent), &pre, 0);
        assert_eq!(base.levels(Side::Sell).collect::<Vec<_>>(), vec![(p(101), q(1)), (p(103), q(3))]);
        assert_eq!(base.qty_at(Side::Sell, p(102)), Qty::ZERO);
        assert!(!pre.set(0, (&[], &asks), (&[], &[q(1)])), "lengths must match");
    }
}
