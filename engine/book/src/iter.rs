//! Best-first iteration over one side: a merge of the window (walked through its bitmap) and the
//! fallback array (walked from its best end). The two hold disjoint prices.

use crate::ladder::Ladder;
use alphapulse_types::{Price, Qty};

/// Levels of one side from the best outward; see [`crate::Book::levels`].
#[derive(Clone, Debug)]
pub struct Levels<'a> {
    side: &'a Ladder,
    /// Next window offset to yield.
    win: Option<usize>,
    /// Fallback levels not yet yielded: `fb[..fb_left]`.
    fb_left: usize,
}

impl<'a> Levels<'a> {
    pub(crate) fn new(side: &'a Ladder) -> Self {
        let win = side.grid.as_ref().and_then(|g| if side.bid { g.prev(g.n) } else { g.next(0) });
        Levels { side, win, fb_left: side.fb.len() }
    }
}

impl Iterator for Levels<'_> {
    type Item = (Price, Qty);

    #[inline]
    fn next(&mut self) -> Option<(Price, Qty)> {
        let s = self.side;
        let f = self.fb_left.checked_sub(1).and_then(|i| s.fb.get(i).copied());
        let w = match (self.win, s.grid.as_ref()) {
            (Some(o), Some(g)) => Some((o, g)),
            _ => None,
        };
        match (w, f) {
            (Some((o, g)), f) => {
                let wl = (g.price(o), g.get(o));
                if let Some(f) = f.filter(|f| s.better(f.0, wl.0)) {
                    self.fb_left -= 1;
                    return Some(f);
                }
                self.win = if s.bid { g.prev(o) } else { g.next(o + 1) };
                Some(wl)
            }
            (None, Some(f)) => {
                self.fb_left -= 1;
                Some(f)
            }
            (None, None) => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Window levels left are not counted cheaply; the side's size bounds them.
        (self.fb_left, Some(self.side.len))
    }
}
