//! `JournalFeed`: replays a stream's records as messages, ends on its Eos (or sends one), and stops
//! with an error naming file and offset on a bad record.

use alphapulse_feeds::{JournalFeed, JournalFeedError};
use alphapulse_runtime::{Poll, VecOutbox};
use alphapulse_shm::{StreamConfig, Writer};
use alphapulse_types::{EndOfStream, Level, Msg, Quote, Side, CODEC_VERSION, ENCODED_LEN};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ap-journal-feed-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn msgs(n: u64) -> Vec<Msg> {
    (0..n)
        .map(|i| {
            if i % 3 == 0 {
                Msg::Quote(Quote { local_ts: 100 + i, ..Default::default() })
            } else {
                Msg::Level(Level {
                    side: Side::Sell,
                    last: (i % 2) as u8,
                    local_ts: 100 + i,
                    ..Default::default()
                })
            }
        })
        .collect()
}

fn write(dir: &PathBuf, ms: &[Msg]) -> Writer {
    let mut w =
        Writer::create_or_open(dir, StreamConfig { segment_size: 8192, ..Default::default() }).unwrap();
    for m in ms {
        let mut b = [0u8; ENCODED_LEN];
        m.encode(&mut b);
        w.append(m.kind(), CODEC_VERSION, m.event_ts(), &b).unwrap();
    }
    w
}

fn replay(feed: &mut JournalFeed) -> Vec<Msg> {
    let mut out = VecOutbox::default();
    let mut polls = 0;
    while out.poll(feed, 0) != Poll::Done {
        polls += 1;
        assert!(polls < 100_000);
    }
    out.down
}

#[test]
fn replays_every_record_across_segments_and_ends_on_eos() {
    let dir = tmp("ok");
    let mut ms = msgs(500);
    ms.push(Msg::Eos(EndOfStream { ts: 599 }));
    drop(write(&dir, &ms));
    let mut feed = JournalFeed::open(&dir).unwrap();
    assert_eq!(replay(&mut feed), ms);
    assert!(feed.error().is_none());
    assert_eq!(feed.stats().records, 501);
    assert_eq!(feed.stats().events(), 500);
    assert_eq!(feed.stats().emitted_of("quote"), 167);
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
    assert_eq!(got[10], Msg::Eos(EndOfStream { ts: 109 }));
    assert!(feed.stats().missing_eos);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_records_stop_the_replay_with_file_and_offset() {
    // A payload that is not a message, an old version (1: before quotes carried their update id),
    // a type that lies about its payload.
    let cases: [(u16, u16, [u8; ENCODED_LEN], &str); 3] = [
        (3, CODEC_VERSION, [0xEE; ENCODED_LEN], "unknown message tag 238"),
        (
            1,
            1,
            {
                let mut b = [0; 64];
                Msg::Quote(Quote::default()).encode(&mut b);
                b
            },
            "message version 1",
        ),
        (
            2,
            CODEC_VERSION,
            {
                let mut b = [0; 64];
                Msg::Quote(Quote::default()).encode(&mut b);
                b
            },
            "record type 2 but a quote",
        ),
    ];
    for (i, (ty, version, payload, want)) in cases.into_iter().enumerate() {
        let dir = tmp(&format!("bad{i}"));
        let mut w = write(&dir, &msgs(5));
        w.append(ty, version, 7, &payload).unwrap();
        drop(w);
        let mut feed = JournalFeed::open(&dir).unwrap();
        let got = replay(&mut feed);
        assert_eq!(got.len(), 6, "5 good records, then an Eos");
        let e = feed.error().expect("an error");
        let s = e.to_string();
        assert!(
            s.contains(want) && s.contains("00000000000000000000.seg") && s.contains("offset 544"),
            "{s}"
        );
        assert!(!matches!(e, JournalFeedError::Journal(_)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_corrupt_segment_is_a_journal_error() {
    let dir = tmp("corrupt");
    drop(write(&dir, &msgs(20)));
    let seg = dir.join("00000000000000000000.seg");
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[64 + 5 * 96 + 40] ^= 0x10; // a payload byte of record 5
    std::fs::write(&seg, bytes).unwrap();
    let mut feed = JournalFeed::open(&dir).unwrap();
    let got = replay(&mut feed);
    assert_eq!(got.len(), 6);
    let s = feed.error().unwrap().to_string();
    assert!(s.contains("checksum") && s.contains("offset 544"), "{s}");
    let _ = std::fs::remove_dir_all(&dir);
}
