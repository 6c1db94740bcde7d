//! [`MarketView`]: the per-instrument market state the host maintains from market events and
//! lends, read-only, to every strategy.
//!
//! Book policy: levels are applied as they arrive. A `BookStatus::Gap` clears the book and marks
//! it unusable until the next `BookStatus::Synced`; levels that arrive in between (the feed's
//! resynchronising snapshot) are applied, so the book is complete when `Synced` comes, whichever
//! order the feed sends them in. Before any status has been seen the book counts as usable (feeds
//! only emit levels once they hold a snapshot). A usable book must also be two-sided and uncrossed.

use alphapulse_book::Book;
use alphapulse_types::{
    fixed::mid, BookState, BookStatus, Depth, InstrumentId, InstrumentTable, Price, PxQty, Quote, Side, Trade,
};

/// What the host knows about one instrument's book feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BookFeedState {
    /// No `BookStatus` seen yet.
    #[default]
    Unknown,
    /// The feed's book is synced: levels are the whole book.
    Synced,
    /// A sequence gap: the book was cleared and is unusable until `Synced`.
    Gap,
}

#[derive(Clone, Debug)]
struct InstState {
    quote: Option<Quote>,
    trade: Option<Trade>,
    book: Book,
    /// `local_ts` of the last depth update applied.
    book_ts: u64,
    state: BookFeedState,
}

/// Read-only market state per instrument, indexed by dense [`InstrumentId`].
#[derive(Clone, Debug)]
pub struct MarketView {
    insts: Vec<InstState>,
    /// Market events for instruments outside the table (ignored).
    unknown_inst: u64,
}

impl MarketView {
    /// A view of `instruments` instruments, each book keeping `book_levels` levels per side.
    pub fn new(instruments: usize, book_levels: usize) -> Self {
        let s = InstState {
            quote: None,
            trade: None,
            book: Book::with_capacity(book_levels),
            book_ts: 0,
            state: <_>::default(),
        };
        MarketView { insts: vec![s; instruments], unknown_inst: 0 }
    }

    /// A view of the instruments of `table`, each book keeping `book_levels` levels per side on
    /// the instrument's tick grid (faster than [`MarketView::new`]'s books).
    pub fn with_grid(table: &InstrumentTable, book_levels: usize) -> Self {
        let insts = table
            .iter()
            .map(|i| InstState {
                quote: None,
                trade: None,
                book: Book::with_grid(book_levels, i.tick),
                book_ts: 0,
                state: <_>::default(),
            })
            .collect();
        MarketView { insts, unknown_inst: 0 }
    }

    /// Number of instruments in the view.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.insts.len()
    }
    /// True when the view has no instruments.
    pub fn is_empty(&self) -> bool {
        self.insts.is_empty()
    }

    /// The latest quote of `inst` (`None` before the first one).
    #[inline]
    pub fn quote(&self, inst: InstrumentId) -> Option<&Quote> {
        self.insts.get(inst.index())?.quote.as_ref()
    }

    /// Mid of the latest quote, if it is two-sided and not crossed.
    #[inline]
    pub fn mid(&self, inst: InstrumentId) -> Option<Price> {
        let q = self.quote(inst)?;
        two_sided(q).then(|| mid(q.bid_px, q.ask_px))
    }

    /// The latest public trade of `inst`.
    #[inline]
    pub fn last_trade(&self, inst: InstrumentId) -> Option<&Trade> {
        self.insts.get(inst.index())?.trade.as_ref()
    }

    /// The L2 book of `inst` when it is usable (not in a gap, two-sided, not crossed).
    #[inline]
    pub fn book(&self, inst: InstrumentId) -> Option<&Book> {
        let s = self.insts.get(inst.index())?;
        let b = &s.book;
        let usable = s.state != BookFeedState::Gap
            && b.len(alphapulse_types::Side::Buy) > 0
            && b.len(alphapulse_types::Side::Sell) > 0
            && !b.is_crossed();
        usable.then_some(b)
    }

    /// `local_ts` of the last depth update applied for `inst` (0 before any).
    #[inline]
    pub fn book_ts(&self, inst: InstrumentId) -> u64 {
        self.insts.get(inst.index()).map_or(0, |s| s.book_ts)
    }

    /// The book feed state of `inst` (`Unknown` for an instrument outside the table).
    #[inline]
    pub fn book_state(&self, inst: InstrumentId) -> BookFeedState {
        self.insts.get(inst.index()).map_or(BookFeedState::Unknown, |s| s.state)
    }

    /// Market events ignored because their instrument is not in the table.
    pub fn unknown_instrument_events(&self) -> u64 {
        self.unknown_inst
    }

    #[inline]
    fn slot(&mut self, inst: InstrumentId) -> Option<&mut InstState> {
        match self.insts.get_mut(inst.index()) {
            Some(s) => Some(s),
            None => {
                self.unknown_inst += 1;
                None
            }
        }
    }

    /// Record a quote; false if its instrument is unknown.
    pub(crate) fn apply_quote(&mut self, q: &Quote) -> bool {
        self.slot(q.inst).map(|s| s.quote = Some(*q)).is_some()
    }

    /// Record a trade; false if its instrument is unknown.
    pub(crate) fn apply_trade(&mut self, t: &Trade) -> bool {
        self.slot(t.inst).map(|s| s.trade = Some(*t)).is_some()
    }

    /// Apply one depth update (its levels: bids, asks); false if its instrument is unknown.
    pub(crate) fn apply_depth(&mut self, d: &Depth, bids: &[PxQty], asks: &[PxQty]) -> bool {
        self.slot(d.inst)
            .map(|s| {
                for l in bids {
                    s.book.set(Side::Buy, l.px, l.qty);
                }
                for l in asks {
                    s.book.set(Side::Sell, l.px, l.qty);
                }
                s.book.set_update_id(d.update_id);
                s.book_ts = d.local_ts;
            })
            .is_some()
    }

    /// Apply a book status; false if its instrument is unknown.
    pub(crate) fn apply_status(&mut self, b: &BookStatus) -> bool {
        self.slot(b.inst)
            .map(|s| match b.state {
                BookState::Gap => {
                    s.book.clear();
                    s.state = BookFeedState::Gap;
                }
                BookState::Synced => {
                    s.state = BookFeedState::Synced;
                    s.book.set_update_id(b.update_id);
                }
            })
            .is_some()
    }
}

/// True when both sides of `q` are present and not crossed.
#[inline]
pub(crate) fn two_sided(q: &Quote) -> bool {
    q.bid_px.raw() > 0 && q.ask_px.raw() > 0 && q.bid_px < q.ask_px
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_types::Qty;

    fn pq(px: i64, qty: i64) -> PxQty {
        PxQty::new(Price::from_units(px), Qty::from_units(qty))
    }

    /// Apply one level of `side` to instrument 0 (or `inst`).
    fn set(v: &mut MarketView, inst: u32, side: Side, px: i64, qty: i64) -> bool {
        let d = Depth { inst: InstrumentId(inst), ..Default::default() };
        match side {
            Side::Buy => v.apply_depth(&d, &[pq(px, qty)], &[]),
            Side::Sell => v.apply_depth(&d, &[], &[pq(px, qty)]),
        }
    }

    #[test]
    fn book_gap_clears_and_blocks_until_synced() {
        let mut v = MarketView::new(1, 10);
        let i = InstrumentId(0);
        assert!(v.book(i).is_none());
        set(&mut v, 0, Side::Buy, 100, 1);
        assert!(v.book(i).is_none(), "one-sided book is unusable");
        set(&mut v, 0, Side::Sell, 101, 2);
        assert_eq!(v.book(i).unwrap().best_ask().unwrap().1, Qty::from_units(2));
        v.apply_status(&BookStatus { state: BookState::Gap, ..Default::default() });
        assert!(v.book(i).is_none());
        set(&mut v, 0, Side::Buy, 99, 1);
        set(&mut v, 0, Side::Sell, 102, 1);
        assert!(v.book(i).is_none(), "unusable until synced");
        v.apply_status(&BookStatus { state: BookState::Synced, ..Default::default() });
        let b = v.book(i).unwrap();
        assert_eq!(b.best_bid().unwrap().0, Price::from_units(99), "gap cleared the old levels");
        assert!(!set(&mut v, 5, Side::Buy, 1, 1));
        assert_eq!(v.unknown_instrument_events(), 1);
    }

    #[test]
    fn mid_needs_two_sided_quote() {
        let mut v = MarketView::new(1, 4);
        let i = InstrumentId(0);
        let mut q =
            Quote { bid_px: Price::from_units(100), ask_px: Price::from_units(102), ..Default::default() };
        v.apply_quote(&q);
        assert_eq!(v.mid(i), Some(Price::from_units(101)));
        q.ask_px = Price::ZERO;
        v.apply_quote(&q);
        assert_eq!(v.mid(i), None);
        assert!(v.quote(i).is_some());
    }
}
