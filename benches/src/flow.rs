//! Real engine state and messages for the benches, all derived from the capture through the
//! engine's own public code paths (nothing hand-made): the feed's message stream (with the levels
//! of its depth updates), the book as it stood before a given frame, a strategy host warmed on the
//! stream, the first intent it made, and the decision and order the risk and router actors made
//! from that intent.

use alphapulse_book::Book;
use alphapulse_feeds::testdata::replay_messages;
pub use alphapulse_feeds::testdata::Replayed;
use alphapulse_feeds::{sample_instruments, FeedOptions, Replay, ReplaySink};
use alphapulse_oms::{RouterActor, RouterConfig};
use alphapulse_risk::{RiskActor, RiskConfig};
use alphapulse_runtime::VecOutbox;
use alphapulse_strategy::{StrategyConfig, StrategyHost};
use alphapulse_types::{Depth, InstrumentId, InstrumentTable, Intent, Msg, OrderNew, Price, Qty};
use std::path::Path;

/// Levels per book side, as the feed's default config (`book_levels`).
pub const BOOK_LEVELS: usize = 5000;

/// The instrument table of the sample and the id of BTCUSDT in it.
pub fn instruments() -> (InstrumentTable, InstrumentId) {
    let t = sample_instruments();
    let btc = t.id_of("BTCUSDT").expect("BTCUSDT in the sample instruments");
    (t, btc)
}

/// A replay sink that drops everything.
pub struct NullSink;

impl ReplaySink for NullSink {
    fn emit(&mut self, msg: Msg) {
        std::hint::black_box(msg);
    }
    fn emit_depth(&mut self, d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        std::hint::black_box((d, bids, asks));
    }
}

/// The BTCUSDT book exactly as the feed held it before line `index` of `path` (the snapshot plus
/// every depth update before that line, through the feed's replay and sync).
pub fn book_before(path: &Path, index: usize) -> Book {
    let (table, btc) = instruments();
    let mut r = Replay::open(&[path.to_path_buf()], &table, &FeedOptions::defaults()).expect("open capture");
    for _ in 0..index {
        assert!(r.step(&mut NullSink), "capture shorter than {index} lines");
    }
    let sync = r.book_sync(btc).expect("BTCUSDT book");
    assert!(sync.is_synced(), "book not synced before line {index}");
    sync.book().clone()
}

/// Every market message the feed emits over `path`, in order (quotes, trades, depth updates,
/// book status), and the levels of its depth updates (`stream.levels_of(&d)`).
pub fn market_stream(path: &Path) -> Replayed {
    let (table, _) = instruments();
    let mut s = replay_messages(&[path.to_path_buf()], &table).expect("replay the capture");
    s.msgs.retain(Msg::is_market);
    s
}

/// The first depth update of `stream` at or after position `from` with exactly `levels` levels
/// (bids + asks), or failing that the one with the nearest count; with its position.
pub fn depth_with(stream: &Replayed, from: usize, levels: usize) -> (Depth, usize) {
    let depths = || {
        stream.msgs.iter().enumerate().skip(from).filter_map(|(i, m)| match m {
            Msg::Depth(d) => Some((*d, i)),
            _ => None,
        })
    };
    let best = depths().map(|(d, _)| d.len().abs_diff(levels)).min().expect("depth updates in the stream");
    depths().find(|(d, _)| d.len().abs_diff(levels) == best).expect("a depth update")
}

/// A strategy host (default config) fed `stream` in order until it has handled `quotes` quotes
/// (or the stream ends); returns it and the position of the next message.
pub fn warm_host(stream: &Replayed, quotes: usize) -> (StrategyHost, usize) {
    let (table, _) = instruments();
    let mut host = StrategyHost::new(&StrategyConfig::default(), &table, BOOK_LEVELS).expect("host");
    let mut out = VecOutbox::default();
    let mut seen = 0;
    let mut pos = 0;
    while pos < stream.msgs.len() && seen < quotes {
        let m = &stream.msgs[pos];
        stream.handle_in(m, &mut out, &mut host);
        out.clear();
        seen += matches!(m, Msg::Quote(_)) as usize;
        pos += 1;
    }
    (host, pos)
}

/// A strategy host (default config) that has handled `stream[..upto]` in order.
pub fn host_before(stream: &Replayed, upto: usize) -> StrategyHost {
    let (table, _) = instruments();
    let mut host = StrategyHost::new(&StrategyConfig::default(), &table, BOOK_LEVELS).expect("host");
    let mut out = VecOutbox::default();
    for m in &stream.msgs[..upto] {
        stream.handle_in(m, &mut out, &mut host);
        out.clear();
    }
    host
}

/// The first intent a default-config strategy host makes on `stream`, and the position of the
/// market message that caused it.
pub fn first_intent(stream: &Replayed) -> (Intent, usize) {
    let (table, _) = instruments();
    let mut host = StrategyHost::new(&StrategyConfig::default(), &table, BOOK_LEVELS).expect("host");
    let mut out = VecOutbox::default();
    for (pos, m) in stream.msgs.iter().enumerate() {
        stream.handle_in(m, &mut out, &mut host);
        if let Some(Msg::Intent(it)) = out.down.iter().find(|m| matches!(m, Msg::Intent(_))) {
            return (*it, pos);
        }
        out.clear();
    }
    panic!("the default strategy made no intent on the capture");
}

/// A risk actor (default config) that has seen the market messages `stream[..upto]` (those it
/// handles).
pub fn warm_risk(stream: &Replayed, upto: usize) -> RiskActor {
    let (table, _) = instruments();
    let mut risk = RiskActor::new(RiskConfig::default(), &table).expect("risk");
    let mut out = VecOutbox::default();
    for m in &stream.msgs[..upto] {
        stream.handle_in(m, &mut out, &mut risk);
        out.clear();
    }
    risk
}

/// The real chain's products of the first intent: risk's decision (a `Msg::Decision` payload with
/// the verdict set) and the order the router made from it (if approved).
pub fn decision_and_order(stream: &Replayed) -> (Intent, Option<OrderNew>) {
    let (intent, pos) = first_intent(stream);
    let mut risk = warm_risk(stream, pos + 1);
    let mut out = VecOutbox::default();
    out.handle(&mut risk, &Msg::Intent(intent), intent.ts);
    let decision = out
        .down
        .iter()
        .find_map(|m| if let Msg::Decision(d) = m { Some(*d) } else { None })
        .expect("risk answers an intent with a decision");
    let (table, _) = instruments();
    let mut router = RouterActor::new(RouterConfig::default(), table.len()).expect("router");
    out.clear();
    out.handle(&mut router, &Msg::Decision(decision), decision.ts);
    let order = out.down.iter().find_map(|m| if let Msg::New(o) = m { Some(*o) } else { None });
    (decision, order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_feeds::testdata::sample_capture;
    use alphapulse_types::{BookState, Side, Verdict};

    /// The stream's depth updates carry their levels: a book built from nothing but the stream
    /// (cleared on a gap, each update's levels applied in order) has, after every header, the best
    /// prices the header states, and at the end the feed's own final book.
    #[test]
    fn market_stream_carries_every_depth_updates_levels() {
        let path = sample_capture();
        let stream = market_stream(&path);
        let (table, btc) = instruments();
        let tick = table.get(btc).expect("BTCUSDT").tick;
        let mut book = Book::with_grid(BOOK_LEVELS, tick);
        let (mut depths, mut levels) = (0usize, 0usize);
        for m in &stream.msgs {
            assert!(m.is_market(), "{m:?}");
            match m {
                Msg::Book(b) if b.inst == btc && b.state == BookState::Gap => book.clear(),
                Msg::Depth(d) if d.inst == btc => {
                    let (bids, asks) = stream.levels_of(d);
                    assert_eq!((bids.len(), asks.len()), (d.bids as usize, d.asks as usize), "{d:?}");
                    for l in bids {
                        book.set(Side::Buy, l.px, l.qty);
                    }
                    for l in asks {
                        book.set(Side::Sell, l.px, l.qty);
                    }
                    let px = |b: Option<(Price, Qty)>| b.map_or(0, |(p, _)| p.raw());
                    assert_eq!(
                        (px(book.best_bid()), px(book.best_ask())),
                        (d.best_bid.raw(), d.best_ask.raw()),
                        "after {d:?}"
                    );
                    depths += 1;
                    levels += d.len();
                }
                _ => {}
            }
        }
        assert!(depths > 1_000, "{depths} depth updates");
        assert_eq!(levels, stream.levels.len(), "every level belongs to one depth update");

        let mut r = Replay::open(&[path], &table, &FeedOptions::defaults()).expect("open capture");
        while r.step(&mut NullSink) {}
        let feed = r.book(btc).expect("the feed's BTCUSDT book");
        for side in [Side::Buy, Side::Sell] {
            assert!(book.levels(side).eq(feed.levels(side)), "{side:?} side differs from the feed's book");
        }
    }

    /// The first real intent goes through risk (approved by default limits) and the router, and
    /// the order keeps the aggregator's id and the intent's trigger.
    #[test]
    fn the_first_intent_becomes_an_order() {
        let stream = market_stream(&sample_capture());
        let (intent, pos) = first_intent(&stream);
        assert!(stream.msgs[pos].is_market());
        assert_ne!(intent.intent_id, 0, "the aggregator assigns ids");
        let (decision, order) = decision_and_order(&stream);
        assert_eq!(decision.verdict, Verdict::Approved);
        assert_eq!(decision.intent_id, intent.intent_id);
        let order = order.expect("an approved decision becomes an order");
        assert_eq!(order.order_id, intent.order_id());
        assert_eq!(order.trigger, intent.trigger);
    }

    /// `depth_with` finds a real update with the asked level count when there is one.
    #[test]
    fn depth_with_picks_by_level_count() {
        let stream = market_stream(&sample_capture());
        let (d, pos) = depth_with(&stream, 100, 20);
        assert!(pos >= 100);
        assert_eq!(stream.msgs[pos], Msg::Depth(d));
        assert_eq!(d.len(), 20, "the sample has 20-level updates");
    }
}
