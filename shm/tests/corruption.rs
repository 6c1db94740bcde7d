//! Bad bytes give clear errors naming the file and offset, never data and never a panic.
mod common;

use alphapulse_shm::*;
use common::*;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const SEG: u64 = 64 << 10;
const MAXP: usize = 700;

/// A stream of `n` records over several 64 KiB segments; returns its segment files.
fn build(t: &TempDir, n: u64) -> Vec<PathBuf> {
    let mut w = Writer::create_or_open(t.stream(), small(SEG)).unwrap();
    for s in 0..n {
        w.append(5, 1, s, &payload(s, MAXP)).unwrap();
    }
    segments(&t.stream())
}

fn patch(path: &Path, off: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    std::fs::OpenOptions::new().write(true).open(path).unwrap().write_all_at(bytes, off).unwrap();
}

/// Reads until the first error or the end, checking every record returned against what was
/// written; returns (records read, error).
fn read_checked(dir: &Path) -> (u64, Option<JournalError>) {
    let mut r = match Reader::open(dir) {
        Ok(r) => r,
        Err(e) => return (0, Some(e)),
    };
    let mut n = 0;
    loop {
        match r.next() {
            Ok(Some(rec)) => {
                assert_eq!(rec.seq, n, "records come in order, as a prefix");
                assert_eq!((rec.ty, rec.version, rec.ts), (5, 1, n));
                assert_eq!(rec.payload, payload(n, MAXP).as_slice(), "record {n} is byte-identical");
                n += 1;
            }
            Ok(None) => return (n, None),
            Err(e) => return (n, Some(e)),
        }
    }
}

fn corrupt_reason(e: Option<JournalError>) -> (PathBuf, u64, Corruption) {
    match e {
        Some(JournalError::Corrupt { file, offset, reason }) => (file, offset, reason),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn truncated_segment_is_reported_with_its_length() {
    let t = TempDir::new("trunc");
    let segs = build(&t, 1000);
    std::fs::OpenOptions::new().write(true).open(&segs[1]).unwrap().set_len(SEG - 100).unwrap();
    let (n, e) = read_checked(&t.stream());
    let (file, _, reason) = corrupt_reason(e);
    assert_eq!(file, segs[1]);
    assert_eq!(reason, Corruption::Truncated { len: SEG - 100, expected: SEG });
    assert!(n > 0);
    println!("read {n} intact records, then: {file:?} {reason}");
    std::fs::OpenOptions::new().write(true).open(&segs[0]).unwrap().set_len(10).unwrap();
    let (_, e) = read_checked(&t.stream());
    assert_eq!(corrupt_reason(e).2, Corruption::Truncated { len: 10, expected: 64 });
    assert!(matches!(
        Writer::create_or_open(t.stream(), small(SEG)),
        Err(JournalError::Corrupt { reason: Corruption::Truncated { .. }, .. })
    ));
}

#[test]
fn zeroed_region_in_a_sealed_segment_is_corruption_not_the_end() {
    let t = TempDir::new("zero");
    let segs = build(&t, 1000);
    patch(&segs[0], 64, &[0u8; 4096]);
    let (n, e) = read_checked(&t.stream());
    assert_eq!(n, 0);
    assert_eq!(corrupt_reason(e), (segs[0].clone(), 64, Corruption::ZeroedRegion));
}

#[test]
fn zeroed_region_in_the_last_segment_is_a_hole_the_writer_refuses() {
    let t = TempDir::new("hole");
    let segs = build(&t, 1000);
    let last = segs.last().unwrap();
    patch(last, 64, &[0u8; 2048]);
    let e = Writer::create_or_open(t.stream(), small(SEG)).err().expect("a hole must not be overwritten");
    match e {
        JournalError::Corrupt { file, offset, .. } => assert_eq!((&file, offset), (last, 64)),
        e => panic!("{e}"),
    }
}

#[test]
fn flipped_byte_fails_the_checksum_at_the_record() {
    let t = TempDir::new("flip");
    let segs = build(&t, 1000);
    // A timestamp byte of the first record (seq 0, ts 0).
    patch(&segs[0], 64 + 16, &[0x10]);
    let (n, e) = read_checked(&t.stream());
    assert_eq!(n, 0);
    let (file, off, reason) = corrupt_reason(e);
    assert_eq!((file, off), (segs[0].clone(), 64));
    assert!(matches!(reason, Corruption::Checksum { .. }), "{reason}");
}

#[test]
fn segment_of_another_stream_is_rejected() {
    let a = TempDir::new("sa");
    let b = TempDir::new("sb");
    let segs_a = build(&a, 1000);
    let segs_b = build(&b, 1000);
    assert_eq!(segs_a[1].file_name(), segs_b[1].file_name());
    std::fs::copy(&segs_b[1], &segs_a[1]).unwrap();
    let (n, e) = read_checked(&a.stream());
    let (file, off, reason) = corrupt_reason(e);
    assert_eq!((file, off), (segs_a[1].clone(), 16));
    assert!(matches!(reason, Corruption::StreamIdMismatch { .. }));
    assert!(n > 0);
    assert!(Writer::create_or_open(a.stream(), small(SEG)).is_err());
}

#[test]
fn unknown_version_and_bad_magic_are_named() {
    let t = TempDir::new("ver");
    let segs = build(&t, 1000);
    patch(&segs[0], 8, &99u32.to_le_bytes());
    let (_, e) = read_checked(&t.stream());
    assert_eq!(corrupt_reason(e), (segs[0].clone(), 8, Corruption::UnsupportedVersion(99)));
    patch(&segs[0], 0, b"NOTAJRNL");
    let (_, e) = read_checked(&t.stream());
    assert_eq!(corrupt_reason(e), (segs[0].clone(), 0, Corruption::BadMagic));
    let meta = t.stream().join(META_FILE);
    patch(&meta, 8, &7u32.to_le_bytes());
    let e = Reader::open(t.stream()).err().unwrap();
    assert!(e.to_string().contains("stream.meta") && e.to_string().contains("version 7"), "{e}");
}

#[derive(Clone, Debug)]
enum Damage {
    Flip { seg: usize, off: u64, x: u8 },
    Truncate { seg: usize, len: u64 },
    Zero { seg: usize, off: u64, len: u64 },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        6 => (0usize..8, 0u64..SEG, 1u8..=255).prop_map(|(seg, off, x)| Damage::Flip { seg, off, x }),
        1 => (0usize..8, 0u64..SEG).prop_map(|(seg, len)| Damage::Truncate { seg, len }),
        2 => (0usize..8, 0u64..SEG, 1u64..512).prop_map(|(seg, off, len)| Damage::Zero { seg, off, len }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("JOURNAL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96),
        ..ProptestConfig::default()
    })]
    /// Fuzz-like: random flips, zeroed ranges and truncations anywhere in the segment files. The
    /// reader returns an in-order, byte-identical prefix of what was written, then the end or an
    /// error; reopening for writing either refuses or recovers to a prefix. Never a panic.
    #[test]
    fn damaged_streams_yield_a_true_prefix_or_an_error(n in 200u64..700, dmg in proptest::collection::vec(damage(), 1..4)) {
        let t = TempDir::new("fuzz");
        let segs = build(&t, n);
        for d in &dmg {
            match *d {
                Damage::Flip { seg, off, x } => {
                    let p = &segs[seg % segs.len()];
                    let len = std::fs::metadata(p).unwrap().len();
                    if off < len {
                        let mut b = [0u8];
                        use std::os::unix::fs::FileExt;
                        std::fs::File::open(p).unwrap().read_exact_at(&mut b, off).unwrap();
                        patch(p, off, &[b[0] ^ x]);
                    }
                }
                Damage::Truncate { seg, len } => {
                    let p = &segs[seg % segs.len()];
                    std::fs::OpenOptions::new().write(true).open(p).unwrap().set_len(len).unwrap();
                }
                Damage::Zero { seg, off, len } => {
                    let p = &segs[seg % segs.len()];
                    let flen = std::fs::metadata(p).unwrap().len();
                    if off < flen {
                        patch(p, off, &vec![0u8; len.min(flen - off) as usize]);
                    }
                }
            }
        }
        let (read, _err) = read_checked(&t.stream());
        prop_assert!(read <= n);
        if let Ok(w) = Writer::create_or_open(t.stream(), small(SEG)) {
            let last = w.recovery().last_seq.map_or(0, |s| s + 1);
            prop_assert!(last <= n);
            drop(w);
            let (again, _) = read_checked(&t.stream());
            prop_assert!(again <= n);
        }
    }
}
