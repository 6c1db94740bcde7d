//! [`MarketState`]: the per-instrument market state the host maintains from market events, and
//! [`MarketView`], what it lends, read-only, to every strategy for one message.
//!
//! **One book per instrument per thread.** When the feed shares the host's thread it lends its
//! books (`Ctx::books`): the view reads the feed's book, at the state of the depth update being
//! handled, and the host keeps no book of its own (it frees them at start, see
//! `Actor::lent_books`). On a thread of its own the host keeps a book per instrument from the
//! `Depth` messages, as the feed does: the same updates and the same capacity, so the same book.
//! A top-N ladder with N below the feed's `book_levels` cannot be kept exactly from diffs: a level
//! dropped for being beyond N is never sent again unless it changes, so once levels above it are
//! removed the ladder would miss levels the feed has, and two placements would trade differently.
//!
//! Book policy: levels are applied as they arrive. A `BookStatus::Gap` clears the book and marks
//! it unusable until the next `BookStatus::Synced`; levels that arrive in between (the feed's
//! resynchronising snapshot) are applied, so the book is complete when `Synced` comes, whichever
//! order the feed sends them in. Before any status has been seen the book counts as usable (feeds
//! only emit levels once they hold a snapshot). A usable book must also be two-sided and uncrossed.

use alphapulse_book::{Book, Changes};
use alphapulse_runtime::Books;
use alphapulse_types::{
    fixed::mid, BookState, BookStatus, Depth, InstrumentId, InstrumentTable, Price, PxQty, Qty, Quote, Side,
    Trade,
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

#[derive(Clone, Copy, Debug, Default)]
struct InstState {
    quote: Option<Quote>,
    trade: Option<Trade>,
    /// `local_ts` of the last depth update applied.
    book_ts: u64,
    state: BookFeedState,
}

/// The market state per instrument, indexed by dense [`InstrumentId`], and the host's own books
/// (none while books are lent on its thread).
#[derive(Clone, Debug)]
pub struct MarketState {
    insts: Vec<InstState>,
    /// One book per instrument, or none at all when the feed lends its books.
    own: Vec<Book>,
    /// What the own books' last depth update replaced and a gap discarded, for the actors the host
    /// lends its books to (see [`Books::replaced`], [`Books::discarded`]).
    record: Changes,
    /// Market events for instruments outside the table (ignored).
    unknown_inst: u64,
}

/// What a strategy reads for one message: the state, and the books (the feed's, lent on this
/// thread, or the host's own).
#[derive(Clone, Copy)]
pub struct MarketView<'a> {
    state: &'a MarketState,
    lent: Option<&'a dyn Books>,
}

impl MarketState {
    /// The state of `instruments` instruments, each book keeping `book_levels` levels per side.
    pub fn new(instruments: usize, book_levels: usize) -> Self {
        MarketState {
            insts: vec![InstState::default(); instruments],
            own: (0..instruments).map(|_| Book::with_capacity(book_levels)).collect(),
            record: Changes::new(book_levels),
            unknown_inst: 0,
        }
    }

    /// The state of the instruments of `table`, each book keeping `book_levels` levels per side
    /// on the instrument's tick grid (faster than [`MarketState::new`]'s books).
    pub fn with_grid(table: &InstrumentTable, book_levels: usize) -> Self {
        MarketState {
            insts: vec![InstState::default(); table.len()],
            own: table.iter().map(|i| Book::with_grid(book_levels, i.tick)).collect(),
            record: Changes::new(book_levels),
            unknown_inst: 0,
        }
    }

    /// Whether books are lent on this thread: if so, the own books are freed (start-up only).
    pub fn use_lent_books(&mut self, lent: bool) {
        if lent {
            self.own = Vec::new();
            self.record = Changes::default();
        }
    }

    /// True when this state keeps books of its own (none are lent).
    pub fn has_own_books(&self) -> bool {
        !self.own.is_empty() || self.insts.is_empty()
    }

    /// The own books, to lend to the actors after the host on its thread (`None` while the feed's
    /// are lent to it).
    pub fn own_books(&self) -> Option<&dyn Books> {
        (!self.own.is_empty()).then_some(self as &dyn Books)
    }

    /// The view for one message, reading `lent` books if some are lent, else the own ones.
    #[inline(always)]
    pub fn view<'a>(&'a self, lent: Option<&'a dyn Books>) -> MarketView<'a> {
        MarketView { state: self, lent }
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

    /// Apply one depth update (its levels: bids, asks) to the own book, if any; false if its
    /// instrument is unknown.
    pub(crate) fn apply_depth(&mut self, d: &Depth, bids: &[PxQty], asks: &[PxQty]) -> bool {
        let Some(s) = self.slot(d.inst) else { return false };
        s.book_ts = d.local_ts;
        match self.own.get_mut(d.inst.index()) {
            Some(book) => {
                self.record.apply_depth(book, d.inst, bids, asks);
                book.set_update_id(d.update_id);
            }
            None => self.record.forget(),
        }
        true
    }

    /// Apply a book status; false if its instrument is unknown.
    pub(crate) fn apply_status(&mut self, b: &BookStatus) -> bool {
        let Some(s) = self.slot(b.inst) else { return false };
        s.state = match b.state {
            BookState::Gap => BookFeedState::Gap,
            BookState::Synced => BookFeedState::Synced,
        };
        let book = self.own.get_mut(b.inst.index());
        self.record.forget();
        match b.state {
            BookState::Gap => {
                if let Some(book) = book {
                    self.record.clear(book, b.inst);
                }
            }
            BookState::Synced => {
                if let Some(book) = book {
                    book.set_update_id(b.update_id);
                }
            }
        }
        true
    }
}

impl<'a> MarketView<'a> {
    /// Number of instruments in the view.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.state.insts.len()
    }
    /// True when the view has no instruments.
    pub fn is_empty(&self) -> bool {
        self.state.insts.is_empty()
    }

    /// The latest quote of `inst` (`None` before the first one).
    #[inline]
    pub fn quote(&self, inst: InstrumentId) -> Option<&'a Quote> {
        self.state.insts.get(inst.index())?.quote.as_ref()
    }

    /// Mid of the latest quote, if it is two-sided and not crossed.
    #[inline]
    pub fn mid(&self, inst: InstrumentId) -> Option<Price> {
        let q = self.quote(inst)?;
        two_sided(q).then(|| mid(q.bid_px, q.ask_px))
    }

    /// The latest public trade of `inst`.
    #[inline]
    pub fn last_trade(&self, inst: InstrumentId) -> Option<&'a Trade> {
        self.state.insts.get(inst.index())?.trade.as_ref()
    }

    /// The L2 book of `inst` when it is usable (not in a gap, two-sided, not crossed): the
    /// feed's when it lends its books on this thread, else the host's own.
    #[inline]
    pub fn book(&self, inst: InstrumentId) -> Option<&'a Book> {
        let s = self.state.insts.get(inst.index())?;
        let b = match self.lent {
            Some(lent) => lent.book(inst)?,
            None => self.state.own.get(inst.index())?,
        };
        let usable =
            s.state != BookFeedState::Gap && b.len(Side::Buy) > 0 && b.len(Side::Sell) > 0 && !b.is_crossed();
        usable.then_some(b)
    }

    /// `local_ts` of the last depth update applied for `inst` (0 before any).
    #[inline]
    pub fn book_ts(&self, inst: InstrumentId) -> u64 {
        self.state.insts.get(inst.index()).map_or(0, |s| s.book_ts)
    }

    /// The book feed state of `inst` (`Unknown` for an instrument outside the table).
    #[inline]
    pub fn book_state(&self, inst: InstrumentId) -> BookFeedState {
        self.state.insts.get(inst.index()).map_or(BookFeedState::Unknown, |s| s.state)
    }

    /// Market events ignored because their instrument is not in the table.
    pub fn unknown_instrument_events(&self) -> u64 {
        self.state.unknown_inst
    }
}

/// True when both sides of `q` are present and not crossed.
#[inline]
pub(crate) fn two_sided(q: &Quote) -> bool {
    q.bid_px.raw() > 0 && q.ask_px.raw() > 0 && q.bid_px < q.ask_px
}

/// The host's own books, lent to the actors after it on its thread (the simulated exchange) when
/// no feed shares it: one book per instrument per thread there too.
impl Books for MarketState {
    #[inline]
    fn book(&self, inst: InstrumentId) -> Option<&Book> {
        self.own.get(inst.index())
    }
    #[inline]
    fn replaced(&self, inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        self.record.replaced(inst)
    }
    #[inline]
    fn discarded(&self, inst: InstrumentId) -> Option<alphapulse_runtime::BookLevels<'_>> {
        self.record.discarded(inst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_types::Qty;

    fn pq(px: i64, qty: i64) -> PxQty {
        PxQty::new(Price::from_units(px), Qty::from_units(qty))
    }

    /// Apply one level of `side` to instrument 0 (or `inst`).
    fn set(v: &mut MarketState, inst: u32, side: Side, px: i64, qty: i64) -> bool {
        let d = Depth { inst: InstrumentId(inst), ..Default::default() };
        match side {
            Side::Buy => v.apply_depth(&d, &[pq(px, qty)], &[]),
            Side::Sell => v.apply_depth(&d, &[], &[pq(px, qty)]),
        }
    }

    #[test]
    fn book_gap_clears_and_blocks_until_synced() {
        let mut v = MarketState::new(1, 10);
        let i = InstrumentId(0);
        assert!(v.view(None).book(i).is_none());
        set(&mut v, 0, Side::Buy, 100, 1);
        assert!(v.view(None).book(i).is_none(), "one-sided book is unusable");
        set(&mut v, 0, Side::Sell, 101, 2);
        assert_eq!(v.view(None).book(i).unwrap().best_ask().unwrap().1, Qty::from_units(2));
        v.apply_status(&BookStatus { state: BookState::Gap, ..Default::default() });
        assert!(v.view(None).book(i).is_none());
        set(&mut v, 0, Side::Buy, 99, 1);
        set(&mut v, 0, Side::Sell, 102, 1);
        assert!(v.view(None).book(i).is_none(), "unusable until synced");
        v.apply_status(&BookStatus { state: BookState::Synced, ..Default::default() });
        let b = v.view(None).book(i).unwrap();
        assert_eq!(b.best_bid().unwrap().0, Price::from_units(99), "gap cleared the old levels");
        assert!(!set(&mut v, 5, Side::Buy, 1, 1));
        assert_eq!(v.unknown_instrument_events(), 1);
    }

    /// The own books, lent on, say what each depth update replaced and what a gap discarded; once
    /// the feed's books are lent to the host it has none to lend.
    #[test]
    fn own_books_lent_on_say_what_changed() {
        let mut v = MarketState::new(2, 10);
        let (i, j) = (InstrumentId(0), InstrumentId(1));
        set(&mut v, 0, Side::Buy, 100, 1);
        let d = Depth { inst: i, ..Default::default() };
        v.apply_depth(&d, &[pq(100, 3), pq(99, 2)], &[pq(101, 4)]);
        let lent = v.own_books().expect("own books are lent on");
        let (b, a) = lent.replaced(i).unwrap();
        assert_eq!((b, a), (&[Qty::from_units(1), Qty::ZERO][..], &[Qty::ZERO][..]));
        assert!(lent.replaced(j).is_none(), "only the instrument of the last update");
        assert!(lent.discarded(i).is_none());
        v.apply_status(&BookStatus { inst: i, state: BookState::Gap, ..Default::default() });
        let lent = v.own_books().unwrap();
        let (b, a) = lent.discarded(i).unwrap();
        let want_b =
            [(Price::from_units(100), Qty::from_units(3)), (Price::from_units(99), Qty::from_units(2))];
        assert_eq!((b, a), (&want_b[..], &[(Price::from_units(101), Qty::from_units(4))][..]));
        assert!(lent.replaced(i).is_none() && lent.book(i).unwrap().len(Side::Buy) == 0);
        v.use_lent_books(true);
        assert!(v.own_books().is_none());
    }

    #[test]
    fn mid_needs_two_sided_quote() {
        let mut v = MarketState::new(1, 4);
        let i = InstrumentId(0);
        let mut q =
            Quote { bid_px: Price::from_units(100), ask_px: Price::from_units(102), ..Default::default() };
        v.apply_quote(&q);
        assert_eq!(v.view(None).mid(i), Some(Price::from_units(101)));
        q.ask_px = Price::ZERO;
        v.apply_quote(&q);
        assert_eq!(v.view(None).mid(i), None);
        assert!(v.view(None).quote(i).is_some());
    }
}
