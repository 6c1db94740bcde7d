//! The feed actor on the bundled sample: message order and contents, Eos, forwarding; exchangeInfo.

use alphapulse_feeds::{
    load_exchange_info, load_exchange_info_filtered, sample_instruments, testdata, FeedActor, FeedOptions,
};
use alphapulse_runtime::{Poll, VecOutbox};
use alphapulse_types::{BookState, Msg, Price, Qty, Quote, Side};

#[test]
fn actor_emits_synced_book_then_levels_and_ends_with_eos() {
    let table = sample_instruments();
    let btc = table.id_of("BTCUSDT").unwrap();
    let mut feed = FeedActor::open(&[testdata::sample_capture()], &table, FeedOptions::defaults()).unwrap();
    let mut out = VecOutbox::default();
    let mut polls = 0;
    while out.poll(&mut feed, 0) == Poll::Busy {
        polls += 1;
    }
    assert_eq!(out.poll(&mut feed, 0), Poll::Done);
    let m = &out.down;
    assert!(matches!(m.last(), Some(Msg::Eos(e)) if e.ts > 0));
    assert_eq!(m.iter().filter(|x| matches!(x, Msg::Eos(_))).count(), 1);
    // The first book message is Synced at the snapshot's id, then the whole snapshot as levels.
    let i = m.iter().position(|x| matches!(x, Msg::Book(_))).unwrap();
    let Msg::Book(st) = m[i] else { unreachable!() };
    assert_eq!((st.inst, st.state, st.update_id), (btc, BookState::Synced, 50_093_239_218));
    assert!(!m[..i].iter().any(|x| matches!(x, Msg::Level(_))), "no levels before the sync");
    let snap: Vec<_> =
        m[i + 1..i + 2001].iter().map(|x| if let Msg::Level(l) = x { *l } else { panic!("{x:?}") }).collect();
    assert!(snap.iter().all(|l| l.update_id == 50_093_239_218 && l.inst == btc));
    assert_eq!(snap.iter().filter(|l| l.last == 1).count(), 1);
    assert_eq!(snap[1999].last, 1);
    assert_eq!(
        (snap[0].side, snap[0].px, snap[0].qty),
        (Side::Buy, Price::parse(b"61837.63").unwrap(), Qty::parse(b"3.78826").unwrap())
    );
    assert_eq!(snap[1000].side, Side::Sell);
    // Every level carries ids in order and each applied event ends with last=1.
    let levels: Vec<_> =
        m.iter().filter_map(|x| if let Msg::Level(l) = x { Some(*l) } else { None }).collect();
    assert!(levels.windows(2).all(|w| w[0].update_id <= w[1].update_id));
    let events = levels.iter().filter(|l| l.last == 1).count() as u64;
    assert_eq!(events, feed.stats().depth_applied + 1);
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
    assert_eq!(polls, 41_249);
    let book = feed.book(btc).unwrap();
    assert!(!book.is_crossed() && book.best_bid().is_some());
    // Anything handled is forwarded down.
    out.clear();
    let msg = Msg::Quote(Quote::default());
    out.handle(&mut feed, &msg, 0);
    assert_eq!(out.down, vec![msg]);
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
