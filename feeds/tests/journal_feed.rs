//! `JournalFeed`: replays a stream's records as messages, ends on its Eos (or sends one), and stops
//! with an error naming file and offset on a bad record.

use alphapulse_feeds::{JournalFeed, JournalFeedError};
use alphapulse_runtime::{Poll, VecOutbox};
use alphapulse_shm::{align8, StreamConfig, Writer, RECORD_HEADER};
use alphapulse_types::{
    encode_levels, Depth, EndOfStream, Msg, Price, PxQty, Qty, Quote, CODEC_VERSION, ENCODED_LEN, LEVEL_LEN,
};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d =
        alphapulse_shm::test_scratch::root().join(format!("ap-journal-feed-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A message and, for a depth update, its levels (bids then asks; the header's `at` is 0).
type Rec = (Msg, Vec<PxQty>);

fn level(i: u64, k: u64) -> PxQty {
    PxQty::new(Price::from_raw((1000 + i * 10 + k) as i64), Qty::from_raw((i * 7 + k) as i64))
}

/// Quotes and depth updates of 0 to 6 levels (some bids only, some asks only).
fn msgs(n: u64) -> Vec<Rec> {
    (0..n)
        .map(|i| {
            if i % 3 == 0 {
                (Msg::Quote(Quote { local_ts: 100 + i, ..Default::default() }), vec![])
            } else {
                let (bids, asks) = (i % 4, i % 3);
                let d = Depth {
                    bids: bids as u32,
                    asks: asks as u32,
                    update_id: i,
                    local_ts: 100 + i,
                    ..Default::default()
                };
                (Msg::Depth(d), (0..bids + asks).map(|k| level(i, k)).collect())
            }
        })
        .collect()
}

fn eos(ts: u64) -> Rec {
    (Msg::Eos(EndOfStream { ts }), vec![])
}

/// A record's payload: the 64-byte message, then a depth update's levels.
fn payload((m, levels): &Rec) -> Vec<u8> {
    let mut b = vec![0u8; ENCODED_LEN + levels.len() * LEVEL_LEN];
    let (head, rest) = b.split_at_mut(ENCODED_LEN);
    m.encode(head.try_into().unwrap());
    encode_levels(levels, rest);
    b
}

/// Offset of record `k` in the first segment when the records before it are `rs`.
fn offset_of(rs: &[Rec]) -> u64 {
    64 + rs.iter().map(|r| align8(RECORD_HEADER + payload(r).len()) as u64).sum::<u64>()
}

fn write(dir: &PathBuf, ms: &[Rec]) -> Writer {
    let mut w =
        Writer::create_or_open(dir, StreamConfig { segment_size: 8192, ..Default::default() }).unwrap();
    for r in ms {
        w.append(r.0.kind(), CODEC_VERSION, r.0.event_ts(), &payload(r)).unwrap();
    }
    w
}

/// What the feed sent, each depth update with the levels it put in the level store (`at` zeroed).
fn replay(feed: &mut JournalFeed) -> Vec<Rec> {
    let mut out = VecOutbox::default();
    let mut polls = 0;
    while out.poll(feed, 0) != Poll::Done {
        polls += 1;
        assert!(polls < 100_000);
    }
    out.down
        .iter()
        .map(|m| match m {
            Msg::Depth(d) => {
                let (b, a) = out.levels_of(d);
                assert_eq!((b.len(), a.len()), (d.bids as usize, d.asks as usize));
                (Msg::Depth(Depth { at: 0, ..*d }), b.iter().chain(a).copied().collect())
            }
            m => (*m, vec![]),
        })
        .collect()
}

#[test]
fn replays_every_record_across_segments_and_ends_on_eos() {
    let dir = tmp("ok");
    let mut ms = msgs(500);
    ms.push(eos(599));
    drop(write(&dir, &ms));
    let mut feed = JournalFeed::open(&dir).unwrap();
    assert_eq!(replay(&mut feed), ms);
    assert!(feed.error().is_none());
    assert_eq!(feed.stats().records, 501);
    assert_eq!(feed.stats().events(), 500);
    assert_eq!(feed.stats().emitted_of("quote"), 167);
    assert_eq!(feed.stats().emitted_of("depth"), 333);
    let levels: usize = ms.iter().map(|r| r.1.len()).sum();
    println!("replayed 501 records, 333 depth updates with {levels} levels");
    assert!(!feed.stats().missing_eos);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stream_without_eos_gets_one() {
    let dir = tmp("noeos");
    let ms = msgs(10);
    let _w = write(&dir, &ms); // the writer is still open: a live stream
    let mut feed = JournalFeed::open(&dir).unwrap();
    let got = replay(&mut feed);
    assert_eq!(&got[..10], &ms[..]);
    assert_eq!(got[10], eos(109));
    assert!(feed.stats().missing_eos);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_records_stop_the_replay_with_file_and_offset() {
    // A payload that is not a message, an old version (1: before quotes carried their update id),
    // a type that lies about its payload, a depth record whose levels do not match its header, a
    // depth record of more levels than any book has.
    let quote = payload(&(Msg::Quote(Quote::default()), vec![]));
    let depth = |bids: u32, asks: u32, levels: u64| {
        let d = Depth { bids, asks, ..Default::default() };
        payload(&(Msg::Depth(d), (0..levels).map(|k| level(9, k)).collect()))
    };
    let cases: [(u16, u16, Vec<u8>, &str); 6] = [
        (3, CODEC_VERSION, vec![0xEE; ENCODED_LEN], "unknown message tag 238"),
        (1, 1, quote.clone(), "message version 1"),
        (2, CODEC_VERSION, quote, "record type 2 but a quote"),
        (
            3,
            CODEC_VERSION,
            depth(2, 1, 2),
            "depth levels are 32 bytes, the header announces 3 levels (48 bytes)",
        ),
        (3, CODEC_VERSION, depth(2, 1, 4), "depth levels are 64 bytes, the header announces 3 levels"),
        (3, CODEC_VERSION, depth(1 << 17, 1, 0), "a depth update of 131073 levels (at most 131072)"),
    ];
    let good = msgs(5);
    let offset = offset_of(&good);
    for (i, (ty, version, payload, want)) in cases.into_iter().enumerate() {
        let dir = tmp(&format!("bad{i}"));
        let mut w = write(&dir, &good);
        w.append(ty, version, 7, &payload).unwrap();
        drop(w);
        let mut feed = JournalFeed::open(&dir).unwrap();
        let got = replay(&mut feed);
        assert_eq!(&got[..5], &good[..], "5 good records");
        assert_eq!(got.len(), 6, "5 good records, then an Eos");
        assert!(matches!(got[5].0, Msg::Eos(_)));
        let e = feed.error().expect("an error");
        let s = e.to_string();
        println!("{s}");
        assert!(
            s.contains(want)
                && s.contains("00000000000000000000.seg")
                && s.contains(&format!("offset {offset}")),
            "{s}"
        );
        assert!(!matches!(e, JournalFeedError::Journal(_)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_corrupt_segment_is_a_journal_error() {
    let dir = tmp("corrupt");
    let ms = msgs(20);
    drop(write(&dir, &ms));
    let seg = dir.join("00000000000000000000.seg");
    let mut bytes = std::fs::read(&seg).unwrap();
    let offset = offset_of(&ms[..5]);
    // A level byte of record 5 (a depth update of 3 levels).
    assert_eq!(ms[5].1.len(), 3);
    bytes[offset as usize + RECORD_HEADER + ENCODED_LEN + 20] ^= 0x10;
    std::fs::write(&seg, bytes).unwrap();
    let mut feed = JournalFeed::open(&dir).unwrap();
    let got = replay(&mut feed);
    assert_eq!(got.len(), 6);
    let s = feed.error().unwrap().to_string();
    assert!(s.contains("checksum") && s.contains(&format!("offset {offset}")), "{s}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A poll writes at most `BATCH_LEVELS` levels, or one record's when a single record carries more:
/// a record that would take a poll past the limit waits for the next poll, so a thread's level
/// store (emptied between polls) of `MAX_RECORD_LEVELS` always holds what one poll writes.
#[test]
fn a_poll_writes_at_most_a_batch_or_one_record_of_levels() {
    use alphapulse_feeds::journal::{BATCH_LEVELS, MAX_RECORD_LEVELS};
    let dir = tmp("batch");
    let depth = |i: u64, n: u64| {
        let d = Depth { bids: n as u32, update_id: i, local_ts: 100 + i, ..Default::default() };
        (Msg::Depth(d), (0..n).map(|k| level(i, k)).collect::<Vec<_>>())
    };
    let mut ms: Vec<Rec> = (0..40).map(|i| depth(i, 100)).collect(); // 4,000 levels
    ms.push(depth(40, MAX_RECORD_LEVELS as u64)); // would take the first poll past the store
    ms.extend((41..60).map(|i| depth(i, 100)));
    ms.push(eos(999));
    let mut w =
        Writer::create_or_open(&dir, StreamConfig { segment_size: 4 << 20, ..Default::default() }).unwrap();
    for r in &ms {
        w.append(r.0.kind(), CODEC_VERSION, r.0.event_ts(), &payload(r)).unwrap();
    }
    drop(w);
    let mut feed = JournalFeed::open(&dir).unwrap();
    let (mut out, mut got, mut per_poll) = (VecOutbox::default(), Vec::new(), Vec::new());
    loop {
        let p = out.poll(&mut feed, 0);
        per_poll.push(out.levels.len());
        for m in &out.down {
            let levels = match m {
                Msg::Depth(d) => {
                    let (b, a) = out.levels_of(d);
                    b.iter().chain(a).copied().collect()
                }
                _ => vec![],
            };
            got.push(match m {
                Msg::Depth(d) => (Msg::Depth(Depth { at: 0, ..*d }), levels),
                m => (*m, levels),
            });
        }
        out.clear();
        if p == Poll::Done {
            break;
        }
    }
    assert_eq!(got, ms, "every record, in order");
    assert_eq!(per_poll[0], 4_000, "the big record waits for the next poll");
    assert_eq!(per_poll[1], MAX_RECORD_LEVELS, "and goes alone");
    assert!(per_poll[2..].iter().all(|&n| n <= BATCH_LEVELS), "{per_poll:?}");
    println!("levels per poll: {per_poll:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Fuzzed depth records (valid checksums, mutated payloads: flipped bytes anywhere in the
    /// header or the levels, cut or lengthened payloads): the replay never panics, and either
    /// refuses the record with an error naming it, or replays a depth update whose header and
    /// levels encode back to exactly the record's bytes (nothing accepted is patched or guessed).
    #[test]
    fn fuzzed_depth_records_are_refused_or_replayed_exactly(
        bids in 0u64..12,
        asks in 0u64..12,
        flips in proptest::collection::vec((0usize..1024, 1u8..=255), 0..6),
        resize in proptest::option::of(0usize..600),
        case in 0u64..1_000_000,
    ) {
        let d = Depth { bids: bids as u32, asks: asks as u32, update_id: 7, local_ts: 100, ..Default::default() };
        let mut bytes = payload(&(Msg::Depth(d), (0..bids + asks).map(|k| level(3, k)).collect()));
        if let Some(n) = resize {
            bytes.resize(n, 0);
        }
        let len = bytes.len();
        for (at, x) in flips {
            if len > 0 {
                bytes[at % len] ^= x;
            }
        }
        let dir = tmp(&format!("fuzz-{case}"));
        let mut w = Writer::create_or_open(&dir, StreamConfig { segment_size: 65536, ..Default::default() }).unwrap();
        w.append(3, CODEC_VERSION, 100, &bytes).unwrap();
        drop(w);
        let mut feed = JournalFeed::open(&dir).unwrap();
        let got = replay(&mut feed);
        let _ = std::fs::remove_dir_all(&dir);
        match feed.error() {
            Some(e) => {
                proptest::prop_assert!(matches!(got.as_slice(), [(Msg::Eos(_), _)]), "refused: only the Eos follows");
                proptest::prop_assert!(e.to_string().contains("record 0"), "{e}");
            }
            None => {
                proptest::prop_assert_eq!(got.len(), 2, "the update, then the Eos");
                let again = payload(&got[0]);
                proptest::prop_assert_eq!(again, bytes, "accepted bytes re-encode to themselves");
            }
        }
    }
}

/// With `lending_books`, the replay keeps the book of every instrument from the records it sends,
/// cleared by a gap, and a record that changes it goes alone in its poll: after every poll the
/// lent book is exactly the book of the messages sent so far, so a consumer handling them reads
/// the book at the state of the message in hand.
#[test]
fn a_lending_replay_keeps_the_book_of_the_messages_sent() {
    use alphapulse_book::Book;
    use alphapulse_runtime::Books;
    use alphapulse_types::{BookState, BookStatus, InstrumentId, Side};
    let table = alphapulse_feeds::sample_instruments(); // instrument 0: BTCUSDT, tick 0.01
    let tick = table.get(InstrumentId(0)).unwrap().tick;
    let px =
        |k: u64| PxQty::new(Price::from_raw(6_000_000_000_000 + (k as i64 % 40) * tick.raw()), Qty::ZERO);
    let mut ms: Vec<Rec> = Vec::new();
    for i in 0..400u64 {
        let ts = 100 + i;
        if i % 97 == 50 {
            let state = if i % 2 == 0 { BookState::Gap } else { BookState::Synced };
            ms.push((
                Msg::Book(BookStatus { state, update_id: i, local_ts: ts, ..Default::default() }),
                vec![],
            ));
        } else if i % 3 == 0 {
            ms.push((Msg::Quote(Quote { local_ts: ts, ..Default::default() }), vec![]));
        } else {
            // Bids below 60,000.20, asks above, some removed (quantity 0).
            let lv = |k: u64, ask: bool| {
                let mut l = px(i * 7 + k);
                l.px = Price::from_raw(l.px.raw() + if ask { 40 * tick.raw() } else { 0 });
                l.qty = Qty::from_raw(((i + k) % 5) as i64 * 1000);
                l
            };
            let (bids, asks) = (i % 4, i % 3);
            let levels: Vec<PxQty> =
                (0..bids).map(|k| lv(k, false)).chain((0..asks).map(|k| lv(k, true))).collect();
            let d = Depth {
                bids: bids as u32,
                asks: asks as u32,
                update_id: i,
                local_ts: ts,
                ..Default::default()
            };
            ms.push((Msg::Depth(d), levels));
        }
    }
    ms.push(eos(600));
    let dir = tmp("lend");
    drop(write(&dir, &ms));
    let mut feed = JournalFeed::open(&dir).unwrap().lending_books(&table, 16);
    let mut model = Book::with_grid(16, tick);
    let mut out = VecOutbox::default();
    let (mut seen, mut polls) = (0, 0);
    loop {
        let done = out.poll(&mut feed, 0) == Poll::Done;
        polls += 1;
        let sent = &out.down[seen..];
        let changing = sent.iter().filter(|m| matches!(m, Msg::Depth(_) | Msg::Book(_))).count();
        assert!(changing == 0 || sent.len() == 1, "poll {polls}: a book change went with others: {sent:?}");
        for m in sent {
            match m {
                Msg::Depth(d) => {
                    let (b, a) = out.levels_of(d);
                    // What each level replaced: the quantity just before it was set.
                    let mut want: (Vec<Qty>, Vec<Qty>) = (Vec::new(), Vec::new());
                    for l in b {
                        want.0.push(model.qty_at(Side::Buy, l.px));
                        model.set(Side::Buy, l.px, l.qty);
                    }
                    for l in a {
                        want.1.push(model.qty_at(Side::Sell, l.px));
                        model.set(Side::Sell, l.px, l.qty);
                    }
                    let got = feed.replaced(InstrumentId(0)).expect("a depth update says what it replaced");
                    assert_eq!((got.0.to_vec(), got.1.to_vec()), want, "poll {polls}");
                }
                Msg::Book(s) if s.state == BookState::Gap => {
                    let was: (Vec<_>, Vec<_>) =
                        (model.levels(Side::Buy).collect(), model.levels(Side::Sell).collect());
                    let got = feed.discarded(InstrumentId(0)).expect("a gap says what it discarded");
                    assert_eq!((got.0.to_vec(), got.1.to_vec()), was, "poll {polls}");
                    model.clear();
                }
                _ => {}
            }
        }
        seen = out.down.len();
        let lent = feed.book(InstrumentId(0)).unwrap();
        for side in [Side::Buy, Side::Sell] {
            assert!(lent.levels(side).eq(model.levels(side)), "poll {polls}: {side:?} differs");
        }
        if done {
            break;
        }
    }
    assert_eq!(seen, ms.len());
    assert!(model.len(Side::Buy) > 0 && model.len(Side::Sell) > 0, "the test must end with a book");
    assert!(
        feed.book(InstrumentId(1)).is_some_and(|b| b.len(Side::Buy) == 0),
        "other instruments stay empty"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
