//! Cryptofeed captures: ws frames merged with REST snapshots by timestamp; USD-M futures capture.

mod common;

use alphapulse_feeds::{sample_instruments, testdata, FrameKind};
use alphapulse_types::Msg;

#[test]
fn cryptofeed_four_books_sync_without_gaps() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let cf = d.join("cryptofeed");
    let (r, g) = common::replay(&[cf.join("BINANCE.ws.1.0"), cf.join("BINANCE.http.0.0")], true);
    let s = r.stats();
    println!(
        "cryptofeed: frames {} depth {} bookTicker {} aggTrade {} kline {} snapshot {} other {} | applied {} stale {} gaps {} agree {}/{} malformed {}",
        s.frames,
        s.frames_of(FrameKind::Depth),
        s.frames_of(FrameKind::BookTicker),
        s.frames_of(FrameKind::AggTrade),
        s.frames_of(FrameKind::Kline),
        s.frames_of(FrameKind::Snapshot),
        s.frames_of(FrameKind::Other),
        s.depth_applied,
        s.stale_dropped,
        s.gaps,
        g.agreed,
        g.compared,
        s.malformed_total()
    );
    assert_eq!(s.frames_of(FrameKind::Depth), 177);
    assert_eq!(s.frames_of(FrameKind::BookTicker), 84);
    assert_eq!(s.frames_of(FrameKind::AggTrade), 2);
    assert_eq!(s.frames_of(FrameKind::Kline), 2);
    assert_eq!(s.frames_of(FrameKind::Snapshot), 4);
    assert_eq!(s.gaps, 0);
    assert_eq!(s.malformed_total(), 0);
    assert_eq!(s.unknown_symbols, 0);
    assert_eq!(g.crossed, 0);
    assert_eq!(g.synced_seen, 4);
    let t = sample_instruments();
    for sym in ["NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"] {
        let id = t.id_of(sym).unwrap();
        let b = r.book_sync(id).unwrap();
        assert!(b.is_synced(), "{sym} synced");
        assert!(b.book().best_bid().is_some() && b.book().best_ask().is_some());
    }
    assert!(g.agreed * 1000 >= g.compared * 999, "{} of {}", g.agreed, g.compared);
    // aggTrade m=false: the buyer took.
    let trades: Vec<_> =
        g.msgs.iter().filter_map(|m| if let Msg::Trade(t) = m { Some(*t) } else { None }).collect();
    assert_eq!(trades.len(), 2);
    assert_eq!(trades[0].trade_id, 15_683_430);
    assert_eq!(trades[0].local_ts, 1_633_998_523_957_215_000);
    assert_eq!(trades[0].exch_ts, 1_633_998_523_963_000_000);
    assert!(g.msgs.windows(2).all(|w| w[0].event_ts() <= w[1].event_ts()));
}

#[test]
fn usdm_chains_by_pu() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let (r, g) = common::replay(&[d.join("binance-usdm/btcusdt_20240808.gz")], false);
    let s = r.stats();
    println!(
        "usdm: frames {} depth {} applied {} stale {} old {} gaps {} crossed {} agree {}/{} malformed {}",
        s.frames,
        s.frames_of(FrameKind::Depth),
        s.depth_applied,
        s.stale_dropped,
        s.old_ignored,
        s.gaps,
        g.crossed,
        g.agreed,
        g.compared,
        s.malformed_total()
    );
    assert_eq!(s.frames, 93_954);
    assert_eq!(s.gaps, 0);
    assert_eq!(s.malformed_total(), 0);
    assert_eq!(g.crossed, 0);
    assert!(s.depth_applied > 6_000);
}
