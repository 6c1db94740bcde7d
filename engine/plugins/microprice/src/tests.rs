use super::*;
use alphapulse_sdk::{Level, Side, Trade};

/// A view with only a position and a book top.
struct Pos(i64, Option<(Level, Level)>);
impl MarketView for Pos {
    fn instruments(&self) -> u32 {
        1
    }
    fn quote(&self, _: u32) -> Option<Quote> {
        None
    }
    fn level(&self, _: u32, side: Side, i: u32) -> Option<Level> {
        let (b, a) = self.1?;
        (i == 0).then_some(if side == Side::Buy { b } else { a })
    }
    fn depth(&self, _: u32, _: Side) -> u32 {
        self.1.is_some() as u32
    }
    fn last_trade(&self, _: u32) -> Option<Trade> {
        None
    }
    fn position(&self, _: u32) -> i64 {
        self.0
    }
}

const U: i64 = 100_000_000;

fn mp(params: &[(&str, &str)]) -> MicroPrice {
    MicroPrice::new(&Setup { params, instruments: &["X"] }).unwrap()
}

#[test]
fn score_is_micro_minus_mid_in_half_spreads() {
    let m = mp(&[]);
    // bid 100 × 3, ask 102 × 1: micro = (100·1 + 102·3)/4 = 101.5, mid 101, half spread 1 → 5000.
    assert_eq!(m.score(100 * U, 3 * U, 102 * U, U, 0), Some(5_000));
    // Mirror: ask heavier → −5000; equal sizes → 0.
    assert_eq!(m.score(100 * U, U, 102 * U, 3 * U, 0), Some(-5_000));
    assert_eq!(m.score(100 * U, U, 102 * U, U, 0), Some(0));
    // One-sided or crossed: nothing.
    assert_eq!(m.score(0, U, 102 * U, U, 0), None);
    assert_eq!(m.score(102 * U, U, 102 * U, U, 0), None);
}

#[test]
fn inventory_skews_against_the_position() {
    // skew 100 bps at max 1.0: mid 101 → 1.01 at full position. Equal sizes: fair = 101 − 1.01·p.
    let m = mp(&[("skew_bps", "100"), ("max_position", "1")]);
    // Long 0.5: fair = 101 − 0.505 → (−0.505)/1 half spread = −5050 bps.
    assert_eq!(m.score(100 * U, U, 102 * U, U, U / 2), Some(-5_050));
    // Short 2 (clamped to −1): fair = 101 + 1.01, above the ask → +10 000.
    assert_eq!(m.score(100 * U, U, 102 * U, U, -2 * U), Some(10_000));
}

#[test]
fn signals_only_on_enough_change_and_from_the_book() {
    let mut m = mp(&[("min_change_bps", "1000")]);
    let v = Pos(0, None);
    let q = |bq: i64, ts| Quote {
        bid_px: 100 * U,
        bid_qty: bq,
        ask_px: 102 * U,
        ask_qty: U,
        local_ts: ts,
        ..Default::default()
    };
    assert_eq!(m.on_quote(&q(3 * U, 1), &v), Some(Signal { inst: 0, score: 5_000, ts: 1 }));
    // bid 100 × 4: 10 000·(4−1)/(4+1) = 6000: moved 1000 → sent. Then 5 × → 6666: 666 < 1000.
    assert_eq!(m.on_quote(&q(4 * U, 2), &v).map(|s| s.score), Some(6_000));
    assert_eq!(m.on_quote(&q(5 * U, 3), &v), None);
    // A depth update reads the book's top from the view.
    let book = Pos(0, Some((Level { px: 100 * U, qty: U }, Level { px: 102 * U, qty: 3 * U })));
    let d = Depth {
        header: alphapulse_sdk::DepthHeader { local_ts: 9, ..Default::default() },
        bids: &[],
        asks: &[],
    };
    assert_eq!(m.on_depth(&d, &book), Some(Signal { inst: 0, score: -5_000, ts: 9 }));
    assert_eq!(m.on_depth(&d, &Pos(0, None)), None);
}

#[test]
fn params_are_checked_by_name() {
    let e = MicroPrice::new(&Setup { params: &[("skew", "1")], instruments: &[] }).err().unwrap();
    assert!(e.contains("unknown parameter `skew`"), "{e}");
    let e = MicroPrice::new(&Setup { params: &[("max_position", "0")], instruments: &[] }).err().unwrap();
    assert!(e.contains("max_position"), "{e}");
    let mut m = mp(&[]);
    assert!(m.set_param("min_change_bps", "0").is_ok());
    assert!(m.set_param("min_change_bps", "x").unwrap_err().contains("`x`"));
    assert!(m.set_param("nope", "1").is_err());
}
