//! Round trips through writer and reader: rolls, dense sequences, concurrent readers, reopen,
//! seek, retention, durability, bad arguments.
mod common;

use alphapulse_shm::*;
use common::*;
use proptest::prelude::*;

fn read_all(dir: &std::path::Path) -> Vec<(u64, u16, u16, u64, Vec<u8>)> {
    let mut r = Reader::open(dir).unwrap();
    let mut out = Vec::new();
    while let Some(rec) = r.next().unwrap() {
        out.push((rec.seq, rec.ty, rec.version, rec.ts, rec.payload.to_vec()));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_sizes_round_trip_across_rolls(sizes in proptest::collection::vec(0usize..3000, 1..1500)) {
        let t = TempDir::new("rt");
        let mut w = Writer::create_or_open(t.stream(), small(64 << 10)).unwrap();
        let mut expect = Vec::new();
        for (i, &n) in sizes.iter().enumerate() {
            let mut p = vec![0u8; n];
            fill_payload(i as u64, &mut p);
            let seq = if i % 2 == 0 {
                w.append(i as u16 % 7, 3, i as u64 * 10, &p).unwrap()
            } else {
                w.append_with(i as u16 % 7, 3, i as u64 * 10, n, |b| b.copy_from_slice(&p)).unwrap()
            };
            prop_assert_eq!(seq, i as u64);
            if i % 100 == 0 { w.prepare_next().unwrap(); }
            expect.push((seq, i as u16 % 7, 3u16, i as u64 * 10, p));
        }
        let got = read_all(&t.stream());
        prop_assert_eq!(got.len(), expect.len());
        prop_assert!(got == expect);
    }
}

#[test]
fn rolls_many_segments_and_reader_threads_see_everything_in_order() {
    let t = TempDir::new("conc");
    let dir = t.stream();
    let mut w = Writer::create_or_open(&dir, small(64 << 10)).unwrap();
    const N: u64 = 200_000;
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut r = Reader::open(&dir).unwrap();
                let mut next = 0u64;
                while next < N {
                    match r.next().unwrap() {
                        Some(rec) => {
                            assert_eq!(rec.seq, next);
                            assert_eq!(rec.ts, next * 3);
                            assert_eq!(rec.payload, payload(next, 200).as_slice(), "seq {next}");
                            next += 1;
                        }
                        None => std::hint::spin_loop(),
                    }
                }
                next
            })
        })
        .collect();
    let prep = w.preparer();
    for s in 0..N {
        assert_eq!(w.append(1, 1, s * 3, &payload(s, 200)).unwrap(), s);
        if s % 500 == 0 {
            prep.prepare().unwrap();
        }
    }
    for r in readers {
        assert_eq!(r.join().unwrap(), N);
    }
    let st = w.stats();
    println!("rolls {} inline_prepares {} inline_unmaps {}", st.rolls, st.inline_prepares, st.inline_unmaps);
    assert!(st.rolls > 100, "{st:?}");
    assert!(segments(&dir).len() as u64 == st.rolls + 1);
}

#[test]
fn reopen_continues_the_sequence_and_the_lock_excludes_a_second_writer() {
    let t = TempDir::new("reopen");
    let mut w = Writer::create_or_open(t.stream(), small(64 << 10)).unwrap();
    for s in 0..5000 {
        w.append(2, 0, s, &payload(s, 100)).unwrap();
    }
    assert!(matches!(Writer::create_or_open(t.stream(), small(64 << 10)), Err(JournalError::Locked(_))));
    drop(w);
    let mut w = Writer::create_or_open(t.stream(), small(64 << 10)).unwrap();
    let rec = w.recovery().clone();
    assert_eq!((rec.last_seq, rec.records, rec.torn_at), (Some(4999), 5000, None));
    assert!(rec.verified > 0);
    assert_eq!(w.append(2, 0, 5000, &payload(5000, 100)).unwrap(), 5000);
    let all = read_all(&t.stream());
    assert_eq!(all.len(), 5001);
    assert!(all.iter().all(|(s, _, _, ts, p)| *ts == *s && *p == payload(*s, 100)));
}

#[test]
fn seek_positions_at_a_sequence_and_waits_for_future_ones() {
    let t = TempDir::new("seek");
    let mut w = Writer::create_or_open(t.stream(), small(64 << 10)).unwrap();
    for s in 0..3000 {
        w.append(0, 0, s, &payload(s, 300)).unwrap();
    }
    let mut r = Reader::open(t.stream()).unwrap();
    for target in [0u64, 1, 777, 2999, 1500] {
        r.seek(target).unwrap();
        let rec = r.next().unwrap().unwrap();
        assert_eq!((rec.seq, rec.payload), (target, payload(target, 300).as_slice()));
    }
    r.seek(3005).unwrap();
    assert!(r.next().unwrap().is_none());
    for s in 3000..3010 {
        w.append(0, 0, s, &payload(s, 300)).unwrap();
    }
    assert_eq!(r.next().unwrap().unwrap().seq, 3005);
}

#[test]
fn retention_deletes_a_prefix_and_slow_readers_fall_behind_explicitly() {
    let t = TempDir::new("ret");
    let cfg = StreamConfig {
        segment_size: 64 << 10,
        retention: Retention { max_segments: Some(3), max_age_secs: None },
        ..Default::default()
    };
    let mut w = Writer::create_or_open(t.stream(), cfg).unwrap();
    let mut slow = Reader::open(t.stream()).unwrap();
    for s in 0..100 {
        w.append(0, 0, s, &[7u8; 500]).unwrap();
    }
    assert_eq!(slow.next().unwrap().unwrap().seq, 0);
    for s in 100..2000 {
        w.append(0, 0, s, &[7u8; 500]).unwrap();
    }
    let removed = w.enforce_retention().unwrap();
    assert!(removed > 10, "{removed}");
    assert_eq!(segments(&t.stream()).len(), 3);
    // The slow reader still holds segment 0 mapped: it reads it to its end, intact…
    let mut n = 1;
    let err = loop {
        match slow.next() {
            Ok(Some(rec)) => {
                assert_eq!(rec.seq, n);
                assert_eq!(rec.payload, &[7u8; 500]);
                n += 1;
            }
            Ok(None) => panic!("must not look like the end"),
            Err(e) => break e,
        }
    };
    // …then gets an explicit error, never garbage.
    match err {
        JournalError::FellBehind { wanted_seq, oldest_available } => {
            assert_eq!(wanted_seq, n);
            assert!(oldest_available > n);
        }
        e => panic!("{e}"),
    }
    let mut fresh = Reader::open(t.stream()).unwrap();
    assert!(matches!(fresh.seek(0), Err(JournalError::FellBehind { wanted_seq: 0, .. })));
    let age = Retention { max_segments: None, max_age_secs: Some(0) };
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(w.preparer().enforce_retention(&age).unwrap(), 2);
    assert_eq!(segments(&t.stream()).len(), 1);
}

#[test]
fn durability_policies_sync() {
    let t = TempDir::new("dur");
    let cfg = StreamConfig {
        segment_size: 64 << 10,
        durability: Durability::EveryRecords(100),
        ..Default::default()
    };
    let mut w = Writer::create_or_open(t.stream(), cfg).unwrap();
    for s in 0..1000 {
        w.append(0, 0, s, &[1u8; 64]).unwrap();
    }
    assert_eq!(w.stats().sync_errors, 0);
    assert!(w.stats().syncs >= 10, "{:?}", w.stats());
    w.flush().unwrap();
    drop(w);
    let cfg =
        StreamConfig { segment_size: 64 << 10, durability: Durability::EveryMillis(1), ..Default::default() };
    let mut w = Writer::create_or_open(t.stream(), cfg).unwrap();
    let f = w.spawn_flusher().unwrap().expect("EveryMillis spawns a flusher");
    for s in 1000..3000 {
        w.append(0, 0, s, &[1u8; 64]).unwrap();
    }
    let t0 = std::time::Instant::now();
    while f.flushes() < 3 && t0.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(f.flushes() >= 3 && f.errors() == 0);
}

#[test]
fn bad_arguments_are_errors() {
    let t = TempDir::new("args");
    let mut w = Writer::create_or_open(t.stream(), small(64 << 10)).unwrap();
    assert!(matches!(w.append(PADDING_TYPE, 0, 0, b"x"), Err(JournalError::ReservedType(0xFFFF))));
    let big = vec![0u8; w.max_payload() + 1];
    assert!(matches!(w.append(0, 0, 0, &big), Err(JournalError::PayloadTooLarge { .. })));
    let max = vec![9u8; w.max_payload()];
    assert_eq!(w.append(0, 0, 0, &max).unwrap(), 0);
    assert_eq!(w.append(0, 0, 0, b"").unwrap(), 1);
    let e = Writer::create_or_open(t.0.join("x"), small(1000)).err().unwrap().to_string();
    assert!(e.contains("segment_size"), "{e}");
    assert!(matches!(Reader::open(t.0.join("nothing")), Err(JournalError::NotAStream(_))));
    let all = read_all(&t.stream());
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].4, max);
    assert!(all[1].4.is_empty());
}

#[test]
fn a_panicking_fill_publishes_nothing_and_leaves_no_stale_bytes() {
    let t = TempDir::new("panic");
    let mut w = Writer::create_or_open(t.stream(), small(64 << 10)).unwrap();
    w.append(0, 0, 0, b"first").unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = w.append_with(0, 0, 0, 4000, |b| {
            b.fill(0xEE);
            panic!("fill failed");
        });
    }));
    assert!(r.is_err());
    for s in 1..20 {
        assert_eq!(w.append(0, 0, s, b"ok").unwrap(), s);
    }
    let all = read_all(&t.stream());
    assert_eq!(all.len(), 20);
    assert!(all[1..].iter().all(|x| x.4 == b"ok"));
}

#[test]
fn config_deserializes_with_named_keys() {
    let cfg: StreamConfig = serde_json::from_str(
        r#"{"segment_size": 1048576, "durability": {"every_millis": 5}, "retention": {"max_segments": 8}}"#,
    )
    .unwrap();
    assert_eq!(cfg.durability, Durability::EveryMillis(5));
    assert_eq!(cfg.retention.max_segments, Some(8));
    cfg.validate().unwrap();
    assert!(serde_json::from_str::<StreamConfig>(r#"{"segmentsize": 1}"#).is_err());
}
