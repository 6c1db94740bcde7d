//! The L2 book on real state: the BTCUSDT book exactly as the feed held it just before a real depth
//! update (REST snapshot + every earlier update), then that update's levels applied.
//!
//! - `book/apply_revert/<frame>`: apply the update's levels with `Book::set`, then put back the
//!   previous quantities in reverse order, so every iteration starts from the real state. One
//!   iteration is two updates of the same size: the time per update is half the median;
//! - `book/best_bid_ask`: `best_bid()` + `best_ask()` on that book.

use alphapulse_benches::capture::{Capture, Line};
use alphapulse_benches::{config, flow};
use alphapulse_book::Book;
use alphapulse_feeds::parse::Parser;
use alphapulse_feeds::{FrameKind, SymbolMap};
use alphapulse_types::{Price, Qty, Side};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

type Update = Vec<(Side, Price, Qty)>;
/// Both sides of a book, best first.
type Levels = (Vec<(Price, Qty)>, Vec<(Price, Qty)>);

/// The levels of a real depth frame, as the feed's parser reads them (bids then asks).
fn levels_of(line: &Line) -> Update {
    let (table, _) = flow::instruments();
    let mut parser = Parser::new(1 << 20, 5000);
    let mut buf = line.json.clone();
    let kind = parser.parse(&mut buf, None, &mut SymbolMap::new(&table)).expect("real frame parses");
    assert_eq!(kind, FrameKind::Depth);
    let f = &parser.frame;
    f.bids
        .iter()
        .map(|&(p, q)| (Side::Buy, p, q))
        .chain(f.asks.iter().map(|&(p, q)| (Side::Sell, p, q)))
        .collect()
}

/// The sets that undo `fwd` on `book` (to apply in order after `fwd`).
fn revert_of(book: &Book, fwd: &Update) -> Update {
    let mut b = book.clone();
    let mut undo = Vec::with_capacity(fwd.len());
    for &(s, p, q) in fwd {
        undo.push((s, p, b.qty_at(s, p)));
        b.set(s, p, q);
    }
    undo.reverse();
    undo
}

fn snapshot(b: &Book) -> Levels {
    (b.levels(Side::Buy).collect(), b.levels(Side::Sell).collect())
}

#[inline]
fn apply(book: &mut Book, u: &Update) {
    for &(s, p, q) in u {
        book.set(s, p, q);
    }
}

fn book(c: &mut Criterion) {
    let cap = Capture::sample();
    let median = cap.median_depth_levels();
    let picks = [cap.pick_depth(20), cap.pick_depth(median), cap.pick_depth(46)];
    let mut g = c.benchmark_group("book");
    for line in picks {
        let mut book = flow::book_before(&cap.path, line.index);
        let before = snapshot(&book);
        let fwd = levels_of(line);
        let rev = revert_of(&book, &fwd);
        apply(&mut book, &fwd);
        assert!(!book.is_crossed(), "a real update leaves the book uncrossed");
        apply(&mut book, &rev);
        assert_eq!(snapshot(&book), before, "apply + revert restores the book");
        assert_eq!(book.overflows(), 0);
        let name = format!("apply_revert/depth_{}_levels", fwd.len());
        eprintln!(
            "book/{name}: line {}, book {} bids / {} asks, best {:?} / {:?}",
            line.index + 1,
            book.len(Side::Buy),
            book.len(Side::Sell),
            book.best_bid(),
            book.best_ask()
        );
        g.throughput(Throughput::Elements(2));
        g.bench_function(name, |b| {
            b.iter(|| {
                apply(&mut book, black_box(&fwd));
                apply(&mut book, black_box(&rev));
                black_box(book.best_bid())
            })
        });
        assert_eq!(snapshot(&book), before);
    }
    let book = flow::book_before(&cap.path, picks[0].index);
    g.throughput(Throughput::Elements(1));
    g.bench_function("best_bid_ask", |b| {
        b.iter(|| {
            let b = black_box(&book);
            (b.best_bid(), b.best_ask())
        })
    });
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = book }
criterion_main!(benches);
