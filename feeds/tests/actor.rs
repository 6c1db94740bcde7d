//! The feed actor on the bundled sample: message order and contents, Eos, forwarding; exchangeInfo.

use alphapulse_feeds::{
    load_exchange_info, load_exchange_info_filtered, sample_instruments, testdata, FeedActor, FeedOptions,
};
use alphapulse_runtime::{Actor, Kinds, Poll, VecOutbox};
use alphapulse_types::{BookState, Msg, Price, PxQty, Qty, Side};

#[test]
fn actor_emits_synced_book_then_depth_and_ends_with_eos() {
    let table = sample_instruments();
    let btc = table.id_of("BTCUSDT").unwrap();
    let mut feed = FeedActor::open(&[testdata::sample_capture()], &table, FeedOptions::defaults()).unwrap();
    let mut out = VecOutbox::default();
    let mut r = testdata::Replayed::default();
    let mut polls = 0;
    loop {
        let p = out.poll(&mut feed, 0);
        r.take_from(&mut out);
        if p != Poll::Busy {
            break;
        }
        polls += 1;
    }
    assert_eq!(out.poll(&mut feed, 0), Poll::Done);
    r.take_from(&mut out);
    let m = &r.msgs;
    assert!(matches!(m.last(), Some(Msg::Eos(e)) if e.ts > 0));
    assert_eq!(m.iter().filter(|x| matches!(x, Msg::Eos(_))).count(), 1);
    // The first book message is Synced at the snapshot's id, then the whole snapshot as one depth
    // update (1000 bids then 1000 asks).
    let i = m.iter().position(|x| matches!(x, Msg::Book(_))).unwrap();
    let Msg::Book(st) = m[i] else { unreachable!() };
    assert_eq!((st.inst, st.state, st.update_id), (btc, BookState::Synced, 50_093_239_218));
    assert!(!m[..i].iter().any(|x| matches!(x, Msg::Depth(_))), "no depth before the sync");
    let Msg::Depth(snap) = m[i + 1] else { panic!("{:?}", m[i + 1]) };
    assert_eq!((snap.inst, snap.update_id, snap.bids, snap.asks), (btc, 50_093_239_218, 1000, 1000));
    let (bids, asks) = r.levels_of(&snap);
    assert_eq!((bids.len(), asks.len()), (1000, 1000));
    assert_eq!(bids[0], PxQty::new(Price::parse(b"61837.63").unwrap(), Qty::parse(b"3.78826").unwrap()));
    assert!(bids.windows(2).all(|w| w[0].px > w[1].px), "snapshot bids best first");
    assert!(asks.windows(2).all(|w| w[0].px < w[1].px), "snapshot asks best first");
    assert!(bids[999].px < asks[0].px);
    assert_eq!((snap.best_bid, snap.best_ask), (bids[0].px, asks[0].px));
    // Every depth update carries ids in order and at least one level; one per applied event plus
    // the snapshot; every level emitted is in one of them.
    let depths: Vec<_> =
        m.iter().filter_map(|x| if let Msg::Depth(d) = x { Some(*d) } else { None }).collect();
    assert!(depths.windows(2).all(|w| w[0].update_id <= w[1].update_id));
    assert!(depths.iter().all(|d| d.inst == btc && !d.is_empty()));
    assert_eq!(depths.len() as u64, feed.stats().depth_applied + 1);
    let levels: u64 = depths.iter().map(|d| d.len() as u64).sum();
    assert_eq!(levels, feed.stats().levels_emitted);
    assert_eq!(levels, r.levels.len() as u64);
    assert!(r.levels.iter().all(|l| l.px.raw() > 0 && l.qty.raw() >= 0));
    // Trades: aggressor from m; quotes: the bookTicker's update id `u`.
    let t = m.iter().find_map(|x| if let Msg::Trade(t) = x { Some(*t) } else { None }).unwrap();
    assert_eq!((t.trade_id, t.aggressor, t.exch_ts), (3_735_683_259, Side::Sell, 1_723_161_255_343_000_000));
    assert_eq!(t.local_ts, 1_723_161_254_087_896_568);
    let q = m.iter().find_map(|x| if let Msg::Quote(q) = x { Some(*q) } else { None }).unwrap();
    assert_eq!(q.update_id, 50_093_239_212, "the first bookTicker's u");
    assert_eq!(q.bid_px, Price::parse(b"61837.63").unwrap());
    let s = feed.stats();
    assert_eq!(s.emitted_of("quote"), 28_040);
    assert_eq!(s.emitted_of("trade"), 9_757);
    // One poll per frame, plus one per depth event buffered before the snapshot (replayed one per
    // poll after it: every poll emits at most one depth update).
    assert_eq!(polls, 41_249 + s.buffered);
    println!("depth updates {}, levels {}", depths.len(), levels);
    let book = feed.book(btc).unwrap();
    assert!(!book.is_crossed() && book.best_bid().is_some());
    // The feed handles nothing: whatever reaches it, the runtime forwards down; it has a source.
    assert_eq!(feed.handles(), Kinds::NONE);
    assert!(feed.source().is_some());
    assert!(feed.total_input_bytes() == 1_274_097);
}

#[test]
fn loads_the_full_exchange_info() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let p = d.join("cryptofeed/BINANCE.exchangeInfo.0");
    let all = load_exchange_info(&p).unwrap();
    println!("exchangeInfo: {} symbols", all.len());
    assert_eq!(all.len(), 1695);
    let some = load_exchange_info_filtered(&p, Some(&["ethusdt", "BTCUSDT"])).unwrap();
    assert_eq!(some.len(), 2);
    let eth = some.by_symbol("ETHUSDT").unwrap();
    assert_eq!((eth.tick, eth.lot), (Price::parse(b"0.01").unwrap(), Qty::parse(b"0.0001").unwrap()));
    for i in sample_instruments().iter() {
        let f = all.by_symbol(&i.symbol).unwrap();
        assert_eq!((f.tick, f.lot, f.min_qty, f.min_notional), (i.tick, i.lot, i.min_qty, i.min_notional));
    }
}
