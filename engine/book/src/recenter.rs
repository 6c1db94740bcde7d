//! Moving a side's window to follow the best price.
//!
//! Policy: a new on-grid level outside the window moves the window when it is near the top of the
//! book (better than the best, or less than half a window behind it); deeper levels go to the
//! fallback. The window is placed with the best price at 1/8 of its length from its better end, so
//! the top can drift that far before the next move and 7/8 of the window holds depth. A move costs
//! one pass over the bitmap words plus the levels that change place (at most the side's capacity),
//! and never allocates: the fallback has room for every level of the side.

use crate::ladder::Ladder;
use alphapulse_types::{Price, Qty};

impl Ladder {
    /// True when a new level at tick `t` (on the grid, outside the window) should move the window.
    pub(crate) fn wants_window(&self, t: i64) -> bool {
        let (Some(g), Some((best, _))) = (&self.grid, self.best) else { return true };
        let b = best.raw().div_euclid(g.tick) as i128;
        let half = (g.n / 2) as i128;
        if self.bid {
            t as i128 > b - half
        } else {
            (t as i128) < b + half
        }
    }

    /// Move the window so that tick `t` and the best price are inside it, the better of the two
    /// 1/8 of the window from its better end.
    pub(crate) fn recenter(&mut self, t: i64) {
        let bid = self.bid;
        let Some(g) = self.grid.as_mut() else { return };
        let r = match self.best {
            Some((best, _)) => {
                let b = best.raw().div_euclid(g.tick);
                if bid {
                    t.max(b)
                } else {
                    t.min(b)
                }
            }
            None => t,
        };
        let margin = g.n / 8;
        let new_lo = g.start_for(r, if bid { g.n - margin } else { margin });
        if new_lo == g.lo {
            return;
        }
        self.recenters += 1;
        // Levels leaving the window join the fallback, worst first like the fallback itself.
        let fb = &mut self.fb;
        let kept = fb.len();
        g.move_to(new_lo, bid, |p, q| fb.push((p, q)));
        // Fallback levels now inside the window move into it; the rest keep their order.
        let mut w = 0;
        for i in 0..fb.len() {
            let (p, q) = fb[i];
            match g.offset_of(p) {
                Some(o) => g.put(o, q),
                None => {
                    fb[w] = (p, q);
                    w += 1;
                }
            }
        }
        // Levels pulled in came from fb[..kept], those pushed out sit after them, so the split
        // moved to at most `kept` (pulled-in levels never come from the pushed-out run).
        let kept = kept - (fb.len() - w).min(kept);
        fb.truncate(w);
        merge_tail(fb, kept, bid);
    }
}

/// `fb[..m]` and `fb[m..]` are each sorted worst first; make the whole sorted without allocating.
fn merge_tail(fb: &mut [(Price, Qty)], m: usize, bid: bool) {
    let less = |a: &(Price, Qty), b: &(Price, Qty)| if bid { a.0 < b.0 } else { a.0 > b.0 };
    if m == 0 || m >= fb.len() || less(&fb[m - 1], &fb[m]) {
        return; // already in order
    }
    // Usual case: the moved run fits between two kept levels; rotate it into place.
    let p = fb[..m].partition_point(|x| less(x, &fb[m]));
    if less(&fb[fb.len() - 1], &fb[p]) {
        let k = fb.len() - m;
        fb[p..].rotate_right(k);
    } else {
        fb.sort_unstable_by(|a, b| if bid { a.0.cmp(&b.0) } else { b.0.cmp(&a.0) });
    }
}
