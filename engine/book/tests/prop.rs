//! Property test: random `set` sequences against a BTreeMap model with the same capacity policy
//! (a full side evicts its worst level for a better new one, ignores a worse one; both counted),
//! for every way of building a book: sorted arrays ([`Book::with_capacity`]) and dense windows
//! ([`Book::with_grid`]) of several sizes, with prices on and off the tick grid, clustered near a
//! moving mid with far outliers like the real feed (forcing window moves), and arbitrary i64s.

use alphapulse_book::Book;
use alphapulse_types::{Price, Qty, Side};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Default)]
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
    fn qty(&self, side: Side, px: i64) -> i64 {
        let map = if side == Side::Buy { &self.bids } else { &self.asks };
        map.get(&px).copied().unwrap_or(0)
    }
}

/// The books under test, all with capacity `cap`, for prices that are multiples of `tick`.
fn books(cap: usize, tick: i64) -> Vec<Book> {
    vec![
        Book::with_capacity(cap),
        Book::with_grid(cap, Price(tick)),
        Book::with_grid_window(cap, Price(tick), 512),
        Book::with_grid_window(cap, Price(tick * 3), 512), // two prices in three off the grid
        Book::with_grid_window(cap, Price(1), 1024),
    ]
}

/// Apply `ops` to `b` and a model, checking after each step; halfway, continue on a clone.
fn check(mut b: Book, cap: usize, ops: &[(Side, i64, i64)]) -> Result<(), TestCaseError> {
    let mut m = Model::default();
    for (k, &(side, px, qty)) in ops.iter().enumerate() {
        if k == ops.len() / 2 {
            b = b.clone();
        }
        b.set(side, Price(px), Qty(qty));
        m.set(cap, side, px, qty);
        for s in [Side::Buy, Side::Sell] {
            let want = m.levels(s);
            prop_assert_eq!(b.best(s), want.first().copied());
            prop_assert_eq!(b.len(s), want.len());
            prop_assert!(b.len(s) <= cap);
        }
        prop_assert_eq!(b.qty_at(side, Price(px)), Qty(m.qty(side, px)));
        prop_assert_eq!(b.overflows(), m.overflows);
        if k % 64 == 0 {
            prop_assert_eq!(b.levels(side).collect::<Vec<_>>(), m.levels(side));
        }
    }
    for s in [Side::Buy, Side::Sell] {
        let want = m.levels(s);
        prop_assert_eq!(b.levels(s).collect::<Vec<_>>(), want.clone());
        for &(p, q) in &want {
            prop_assert_eq!(b.qty_at(s, p), q);
        }
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
    prop_assert_eq!(b.levels(Side::Buy).count() + b.levels(Side::Sell).count(), 0);
    Ok(())
}

fn qty() -> impl Strategy<Value = i64> {
    prop_oneof![Just(0i64), 1i64..1_000_000]
}

fn side(buy: bool) -> Side {
    if buy {
        Side::Buy
    } else {
        Side::Sell
    }
}

/// One real-like update: the mid moves by `step` ticks (occasionally jumps), then a level at a
/// distance from the mid that is usually small, often 64+ ticks, sometimes very far.
fn real_op() -> impl Strategy<Value = (i64, bool, i64, i64)> {
    let step = prop_oneof![8 => -3i64..=3, 1 => -2_000i64..=2_000];
    let dist = prop_oneof![5 => 0i64..64, 4 => 64i64..3_000, 1 => 3_000i64..1_000_000];
    (step, any::<bool>(), dist, qty())
}

const TICK: i64 = 1_000_000; // 0.01 at 1e-8 scale

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Prices on a small grid around 1000 so levels collide, quantities often zero (deletes).
    #[test]
    fn book_matches_model(
        cap in 1usize..40,
        ops in prop::collection::vec((any::<bool>(), 900i64..1100, qty()), 0..400),
    ) {
        let ops: Vec<_> = ops.into_iter().map(|(b, p, q)| (side(b), p * TICK, q)).collect();
        for b in books(cap, TICK) {
            check(b, cap, &ops)?;
        }
    }

    /// Clustered near a moving mid (bids below, asks above, a few crossing), far outliers.
    #[test]
    fn real_like_prices_match_model(
        cap in prop_oneof![1usize..8, 8usize..300],
        start in 1i64..10_000_000,
        ops in prop::collection::vec(real_op(), 0..1500),
    ) {
        let mut mid = start;
        let mut v = Vec::with_capacity(ops.len());
        for (step, buy, dist, q) in ops {
            mid = (mid + step).max(1);
            let d = if dist % 97 == 0 { -1 - dist % 5 } else { dist }; // a few cross the mid
            let t = if buy { mid - 1 - d } else { mid + 1 + d };
            v.push((side(buy), t * TICK, q));
        }
        for b in books(cap, TICK) {
            check(b, cap, &v)?;
        }
    }

    /// Any i64 price, including negative, zero and the extremes, mixed with a colliding set.
    #[test]
    fn any_price_matches_model(
        cap in 1usize..20,
        ops in prop::collection::vec(
            (any::<bool>(), prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), -3i64..3], qty()),
            0..300,
        ),
    ) {
        let ops: Vec<_> = ops.into_iter().map(|(b, p, q)| (side(b), p, q)).collect();
        for b in books(cap, 1) {
            check(b, cap, &ops)?;
        }
        for b in books(cap, 7) {
            check(b, cap, &ops)?;
        }
    }
}

/// The window moves with a trending market and far levels stay reachable across moves.
#[test]
fn window_moves_keep_every_level() {
    let cap = 2_000;
    let mut b = Book::with_grid_window(cap, Price(TICK), 512);
    let mut m = Model::default();
    let mut mid = 50_000i64;
    for i in 0..20_000i64 {
        mid += if (i / 500) % 2 == 0 { 3 } else { -2 }; // trends up, then down, repeatedly
        let d = (i * 7919) % 1_500;
        for (s, t) in [(Side::Buy, mid - 1 - d), (Side::Sell, mid + 1 + d)] {
            let q = if i % 3 == 0 { 0 } else { 1 + i % 11 };
            b.set(s, Price(t * TICK), Qty(q));
            m.set(cap, s, t * TICK, q);
        }
    }
    for s in [Side::Buy, Side::Sell] {
        assert_eq!(b.levels(s).collect::<Vec<_>>(), m.levels(s));
    }
    assert!(b.recenters() > 20, "recenters {}", b.recenters());
    println!(
        "window moves: {} recenters, {} bids, {} asks",
        b.recenters(),
        b.len(Side::Buy),
        b.len(Side::Sell)
    );
}
