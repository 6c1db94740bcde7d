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
    let d = std::env::temp_dir().join(format!("ap-journal-feed-{}-{name}", std::process::id()));
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
