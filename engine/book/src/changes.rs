//! [`Changes`]: what the last change to a lent book undid — the quantities a depth update replaced
//! and the levels a gap discarded — for the actors that read a book one message ahead of what they
//! are handling (the simulated exchange, see `alphapulse_runtime::Books`). Room is reserved at
//! start; recording allocates nothing.

use crate::Book;
use alphapulse_types::{InstrumentId, Price, PxQty, Qty, Side};

/// One side's levels, best first.
type Levels = Vec<(Price, Qty)>;

/// Both sides' levels (bids, asks), best first.
pub type BookLevels<'a> = (&'a [(Price, Qty)], &'a [(Price, Qty)]);

/// The record of the last depth update or gap applied through it, for one instrument at a time.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    replaced: (Vec<Qty>, Vec<Qty>),
    /// The instrument of `replaced` (`None`: none, or more levels than the room).
    replaced_inst: Option<InstrumentId>,
    discarded: (Levels, Levels),
    discarded_inst: Option<InstrumentId>,
}

impl Changes {
    /// Room for depth updates of up to `max(book_levels, 4096)` levels a side and gaps of a book of
    /// `book_levels` levels a side.
    pub fn new(book_levels: usize) -> Self {
        let room = book_levels.max(4096);
        Changes {
            replaced: (Vec::with_capacity(room), Vec::with_capacity(room)),
            discarded: (Vec::with_capacity(book_levels), Vec::with_capacity(book_levels)),
            ..Default::default()
        }
    }

    /// Forget the last change (a message that changed no book, or one of another kind).
    #[inline]
    pub fn forget(&mut self) {
        self.replaced_inst = None;
        self.discarded_inst = None;
    }

    /// Apply the levels of a depth update of `inst` (bids, asks, in order) to `book`, recording
    /// what each replaced.
    pub fn apply_depth(&mut self, book: &mut Book, inst: InstrumentId, bids: &[PxQty], asks: &[PxQty]) {
        self.forget();
        let (rb, ra) = &mut self.replaced;
        rb.clear();
        ra.clear();
        let mut fits = true;
        for (side, levels, out) in [(Side::Buy, bids, rb), (Side::Sell, asks, ra)] {
            for l in levels {
                if out.len() < out.capacity() {
                    out.push(book.qty_at(side, l.px));
                } else {
                    fits = false;
                }
                book.set(side, l.px, l.qty);
            }
        }
        self.replaced_inst = fits.then_some(inst);
    }

    /// Clear `book` for a gap of `inst`, recording the levels it held.
    pub fn clear(&mut self, book: &mut Book, inst: InstrumentId) {
        self.forget();
        let (db, da) = &mut self.discarded;
        db.clear();
        da.clear();
        // At most the room reserved a side: a book of that many levels.
        db.extend(book.levels(Side::Buy).take(db.capacity()));
        da.extend(book.levels(Side::Sell).take(da.capacity()));
        self.discarded_inst = Some(inst);
        book.clear();
    }

    /// What the last depth update of `inst` replaced, per side, if it was the last change.
    #[inline]
    pub fn replaced(&self, inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        (self.replaced_inst == Some(inst)).then_some((&self.replaced.0[..], &self.replaced.1[..]))
    }

    /// The levels (bids, asks; best first) the last gap of `inst` discarded, if it was the last
    /// change.
    #[inline]
    pub fn discarded(&self, inst: InstrumentId) -> Option<BookLevels<'_>> {
        (self.discarded_inst == Some(inst)).then_some((&self.discarded.0[..], &self.discarded.1[..]))
    }
}
