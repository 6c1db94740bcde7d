//! Real engine state and messages for the benches, all derived from the capture through the
//! engine's own public code paths (nothing hand-made): the feed's message stream, the book as it
//! stood before a given frame, a strategy host warmed on the stream, the first intent it made, and
//! the decision and order the risk and router actors made from that intent.

use alphapulse_book::Book;
use alphapulse_feeds::{sample_instruments, FeedActor, FeedOptions, Replay, ReplaySink};
use alphapulse_oms::{RouterActor, RouterConfig};
use alphapulse_risk::{RiskActor, RiskConfig};
use alphapulse_runtime::{Poll, VecOutbox};
use alphapulse_strategy::{StrategyConfig, StrategyHost};
use alphapulse_types::{InstrumentId, InstrumentTable, Intent, Msg, OrderNew};
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

/// Every market message the feed emits over `path`, in order (quotes, trades, levels, status).
pub fn market_stream(path: &Path) -> Vec<Msg> {
    let (table, _) = instruments();
    let mut feed = FeedActor::open(&[path.to_path_buf()], &table, FeedOptions::defaults()).expect("open");
    let mut out = VecOutbox::default();
    while out.poll(&mut feed, 0) != Poll::Done {}
    out.down.retain(Msg::is_market);
    out.down
}

/// A strategy host (default config) fed `stream` in order until it has handled `quotes` quotes
/// (or the stream ends); returns it and the position of the next message.
pub fn warm_host(stream: &[Msg], quotes: usize) -> (StrategyHost, usize) {
    let (table, _) = instruments();
    let mut host = StrategyHost::new(&StrategyConfig::default(), &table, BOOK_LEVELS).expect("host");
    let mut out = VecOutbox::default();
    let mut seen = 0;
    let mut pos = 0;
    while pos < stream.len() && seen < quotes {
        let m = &stream[pos];
        out.handle(&mut host, m, m.event_ts());
        out.clear();
        seen += matches!(m, Msg::Quote(_)) as usize;
        pos += 1;
    }
    (host, pos)
}

/// The first intent a default-config strategy host makes on `stream`, and the position of the
/// market message that caused it.
pub fn first_intent(stream: &[Msg]) -> (Intent, usize) {
    let (table, _) = instruments();
    let mut host = StrategyHost::new(&StrategyConfig::default(), &table, BOOK_LEVELS).expect("host");
    let mut out = VecOutbox::default();
    for (pos, m) in stream.iter().enumerate() {
        out.handle(&mut host, m, m.event_ts());
        if let Some(Msg::Intent(it)) = out.down.iter().find(|m| matches!(m, Msg::Intent(_))) {
            return (*it, pos);
        }
        out.clear();
    }
    panic!("the default strategy made no intent on the capture");
}

/// A risk actor (default config) that has seen the market messages `stream[..upto]`.
pub fn warm_risk(stream: &[Msg], upto: usize) -> RiskActor {
    let (table, _) = instruments();
    let mut risk = RiskActor::new(RiskConfig::default(), &table).expect("risk");
    let mut out = VecOutbox::default();
    for m in &stream[..upto] {
        out.handle(&mut risk, m, m.event_ts());
        out.clear();
    }
    risk
}

/// The real chain's products of the first intent: risk's decision (a `Msg::Decision` payload with
/// the verdict set) and the order the router made from it (if approved).
pub fn decision_and_order(stream: &[Msg]) -> (Intent, Option<OrderNew>) {
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
