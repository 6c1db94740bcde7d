//! Property test: random `set` sequences against a BTreeMap model with the same capacity policy
//! (a full side evicts its worst level for a better new one, ignores a worse one; both counted).

use alphapulse_book::Book;
use alphapulse_types::{Price, Qty, Side};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Default)]
struct Model {
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
    overflows: u64,
}

impl Model {
    fn set(&mut self, cap: usize, side: Side, px: i64, qty: i64) {
        let bid = side == Side::Buy;
        let m = if bid { &mut self.bids } else { &mut self.asks };
        if qty == 0 {
            m.remove(&px);
            return;
        }
        if let Some(q) = m.get_mut(&px) {
            *q = qty;
            return;
        }
        if m.len() < cap {
            m.insert(px, qty);
            return;
        }
        self.overflows += 1;
        let worst = if bid { *m.keys().next().unwrap() } else { *m.keys().next_back().unwrap() };
        if (bid && px > worst) || (!bid && px < worst) {
            m.remove(&worst);
            m.insert(px, qty);
        }
    }
    fn levels(&self, side: Side) -> Vec<(Price, Qty)> {
        let f = |(p, q): (&i64, &i64)| (Price(*p), Qty(*q));
        match side {
            Side::Buy => self.bids.iter().rev().map(f).collect(),
            Side::Sell => self.asks.iter().map(f).collect(),
        }
    }
}

fn op() -> impl Strategy<Value = (bool, i64, i64)> {
    // Prices on a small grid around 1000 so levels collide, quantities often zero (deletes).
    (any::<bool>(), 900i64..1100, prop_oneof![Just(0i64), 1i64..1_000_000])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn book_matches_model(cap in 1usize..40, ops in prop::collection::vec(op(), 0..400)) {
        let mut b = Book::with_capacity(cap);
        let mut m = Model::default();
        for (buy, px, qty) in ops {
            let side = if buy { Side::Buy } else { Side::Sell };
            b.set(side, Price(px * 1_000_000), Qty(qty));
            m.set(cap, side, px * 1_000_000, qty);
            for s in [Side::Buy, Side::Sell] {
                let want = m.levels(s);
                prop_assert_eq!(b.best(s), want.first().copied());
                prop_assert_eq!(b.len(s), want.len());
                prop_assert!(b.len(s) <= cap);
            }
            prop_assert_eq!(b.qty_at(side, Price(px * 1_000_000)), Qty(qty_in(&m, side, px * 1_000_000)));
            prop_assert_eq!(b.overflows(), m.overflows);
        }
        for s in [Side::Buy, Side::Sell] {
            let want = m.levels(s);
            prop_assert_eq!(b.levels(s).collect::<Vec<_>>(), want.clone());
            let n = want.len() / 2 + 1;
            prop_assert_eq!(b.depth_qty(s, n), Qty(want.iter().take(n).map(|l| l.1.raw()).sum()));
        }
        prop_assert_eq!(b.best_bid(), m.levels(Side::Buy).first().copied());
        prop_assert_eq!(b.best_ask(), m.levels(Side::Sell).first().copied());
        let crossed = matches!((b.best_bid(), b.best_ask()), (Some(x), Some(y)) if x.0 >= y.0);
        prop_assert_eq!(b.is_crossed(), crossed);
        b.clear();
        prop_assert!(b.is_empty());
        prop_assert_eq!(b.update_id(), 0);
    }
}

fn qty_in(m: &Model, side: Side, px: i64) -> i64 {
    let map = if side == Side::Buy { &m.bids } else { &m.asks };
    map.get(&px).copied().unwrap_or(0)
}
