//! Golden features on real book snapshots: the sample capture's depth updates applied to an L2
//! book, and at checkpoints every feature compared with its value computed here independently,
//! in f64 from the book's levels, the full mid history and the full trade list.

mod common;

use alphapulse_book::Book;
use alphapulse_ml::FeatureSet;
use alphapulse_types::{BookState, InstrumentId, Msg, Side};

fn top(book: &Book, side: Side, n: usize) -> Vec<(f64, f64)> {
    book.levels(side).take(n).map(|(p, q)| (p.to_f64(), q.to_f64())).collect()
}

fn imbalance(book: &Book, n: usize) -> f64 {
    let b: f64 = top(book, Side::Buy, n).iter().map(|l| l.1).sum();
    let a: f64 = top(book, Side::Sell, n).iter().map(|l| l.1).sum();
    (b - a) / (b + a)
}

#[test]
fn features_match_independent_computation_on_the_sample_capture() {
    let stream = common::replay();
    let names: Vec<String> = common::FEATURES.split(',').map(|s| s.trim().to_string()).collect();
    let inst = InstrumentId(0);
    let mut fs = FeatureSet::new(&names, 1).unwrap();
    let mut book = Book::with_capacity(5000);
    let mut out = vec![0f32; fs.len()];
    let (mut mids, mut trades): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    let (mut checked, mut depth_n) = (0, 0);
    for m in &stream.msgs {
        match m {
            Msg::Trade(t) if t.inst == inst => {
                fs.on_trade(t);
                let q = t.qty.to_f64();
                trades.push(if t.aggressor == Side::Buy { q } else { -q });
            }
            Msg::Book(s) if s.inst == inst && s.state == BookState::Gap => book.clear(),
            Msg::Depth(d) if d.inst == inst => {
                let (bids, asks) = stream.levels_of(d);
                bids.iter().for_each(|l| book.set(Side::Buy, l.px, l.qty));
                asks.iter().for_each(|l| book.set(Side::Sell, l.px, l.qty));
                if !fs.on_book(inst, &book, &mut out) {
                    continue;
                }
                let (bid, bq) = top(&book, Side::Buy, 1)[0];
                let (ask, aq) = top(&book, Side::Sell, 1)[0];
                let mid = (book.best_bid().unwrap().0.raw() + book.best_ask().unwrap().0.raw()) / 2;
                mids.push(mid as f64 / 1e8);
                depth_n += 1;
                if depth_n % 97 != 0 {
                    continue;
                }
                let mid_f = (bid + ask) / 2.0;
                let ret = |n: usize| {
                    let k = mids.len();
                    if k > n {
                        (mids[k - 1] - mids[k - 1 - n]) / mids[k - 1 - n] * 1e4
                    } else {
                        0.0
                    }
                };
                let flow = |n: usize| {
                    let last = &trades[trades.len().saturating_sub(n)..];
                    let buy: f64 = last.iter().filter(|q| **q > 0.0).sum();
                    let sell: f64 = -last.iter().filter(|q| **q < 0.0).sum::<f64>();
                    if buy + sell == 0.0 {
                        0.0
                    } else {
                        (buy - sell) / (buy + sell)
                    }
                };
                let micro = (bid * aq + ask * bq) / (bq + aq);
                let want = [
                    imbalance(&book, 1),
                    imbalance(&book, 5),
                    imbalance(&book, 10),
                    imbalance(&book, 20),
                    (ask - bid) / mid_f * 1e4,
                    (micro - mid_f) / mid_f * 1e4,
                    ret(1),
                    ret(10),
                    ret(50),
                    flow(10),
                    flow(50),
                    flow(200),
                ];
                for (i, (g, w)) in out.iter().zip(want).enumerate() {
                    let tol = 1e-5 * w.abs().max(1e-2);
                    assert!(
                        (*g as f64 - w).abs() <= tol,
                        "update {depth_n}: {} = {g}, independently {w}",
                        names[i]
                    );
                }
                checked += 1;
            }
            _ => {}
        }
    }
    assert!(checked > 20 && trades.len() > 200, "{checked} checkpoints, {} trades", trades.len());
    // The features move: not all checkpoints saw the same imbalance.
    assert!(mids.iter().any(|m| *m != mids[0]), "the mid never moved");
}
