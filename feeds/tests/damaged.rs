//! Damaged input on the real sample: a gzip cut at byte 600,000 and one byte flipped mid-stream are
//! reported as damaged files (file, compressed offset, lines read), and no garbage reaches the
//! parser; a capture without its snapshot says its book never synced, and why.

mod common;

use alphapulse_feeds::{testdata, DamageKind, NotSynced};
use std::io::Read;
use std::path::PathBuf;

fn tmp_file(tag: &str, bytes: &[u8]) -> PathBuf {
    let dir =
        alphapulse_shm::test_scratch::root().join(format!("alphapulse-feeds-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("btcusdt_20240808.gz");
    std::fs::write(&p, bytes).unwrap();
    p
}

fn sample() -> Vec<u8> {
    std::fs::read(testdata::sample_capture()).unwrap()
}

/// Complete lines a plain gzip decoder hands out before it fails (independent of the feed).
fn lines_before_error(bytes: &[u8]) -> u64 {
    let mut d = flate2::read::GzDecoder::new(bytes);
    let mut buf = [0u8; 1 << 16];
    let mut n = 0;
    while let Ok(k) = d.read(&mut buf) {
        if k == 0 {
            break;
        }
        n += buf[..k].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    n
}

#[test]
fn a_cut_gzip_is_a_damaged_file_read_up_to_the_cut() {
    let bytes = sample();
    let cut = &bytes[..600_000];
    let path = tmp_file("cut", cut);
    let (r, _) = common::replay(std::slice::from_ref(&path), false);
    let s = r.stats();
    println!("damaged: {:?}; frames {}, malformed {}", s.damaged, s.frames, s.malformed_total());
    assert_eq!(s.damaged.len(), 1, "the cut file is reported");
    let d = s.damaged[0];
    assert_eq!(s.files[d.file as usize], path);
    assert_eq!(d.kind, DamageKind::Truncated);
    assert_eq!(d.offset, 600_000, "detected where the file ends");
    let want = lines_before_error(cut);
    assert!(want > 19_000, "{want}");
    assert_eq!(d.lines_read, want, "every complete line before the cut is read");
    assert_eq!(s.frames, want, "and nothing else");
    assert_eq!(s.malformed_total(), 0, "the cut is not a malformed line");
}

#[test]
fn a_flipped_byte_is_caught_before_any_garbage_is_parsed() {
    let mut bytes = sample();
    bytes[600_000] ^= 0x10; // well inside a deflate block: the decoder does not notice, the CRC does
    let path = tmp_file("flip", &bytes);
    let (r, _) = common::replay(std::slice::from_ref(&path), false);
    let s = r.stats();
    println!("damaged: {:?}; frames {}, malformed {}", s.damaged, s.frames, s.malformed_total());
    assert_eq!(s.damaged.len(), 1);
    let d = s.damaged[0];
    assert_eq!(s.files[d.file as usize], path);
    assert_eq!(d.kind, DamageKind::CrcMismatch);
    assert_eq!(d.offset, bytes.len() as u64 - 8, "detected at the member's trailer");
    assert_eq!(d.lines_read, 0, "one member: none of its lines can be trusted");
    assert_eq!(s.frames, 0);
    assert_eq!(s.malformed_total(), 0, "no garbage line reached the parser");
    assert_eq!(s.gaps, 0);
}

#[test]
fn the_intact_sample_is_not_damaged_and_its_book_synced() {
    let (r, _) = common::replay(&[testdata::sample_capture()], false);
    let s = r.stats();
    assert!(s.damaged.is_empty(), "{:?}", s.damaged);
    let table = alphapulse_feeds::sample_instruments();
    let btc = table.by_symbol("BTCUSDT").unwrap().id;
    let b = s.books[btc.index()];
    println!("{b:?}");
    assert!(b.synced && b.not_synced().is_none());
    let t = b.first_synced().expect("synced");
    assert!(t.local_ts > 1_723_000_000_000_000_000 && t.exch_ts > 1_723_000_000_000_000_000, "{t:?}");
    assert_eq!((b.sync_count(), b.gaps, b.resyncs, b.snapshots, b.unbridged), (1, 0, 0, 1, 0));
    assert_eq!(b.depth_updates, s.frames_of(alphapulse_feeds::FrameKind::Depth));
    // Instruments the capture does not carry saw nothing at all.
    let eth = table.by_symbol("ETHUSDT").unwrap().id;
    assert_eq!(s.books[eth.index()].frames, 0);
    assert_eq!(s.books[eth.index()].not_synced(), Some(NotSynced::NoDepthStream));
}

#[test]
fn without_its_snapshot_the_book_never_syncs_and_says_why() {
    let lines: Vec<Vec<u8>> = common::lines_of(&testdata::sample_capture())
        .into_iter()
        .filter(|l| !l.windows(12).any(|w| w == b"lastUpdateId"))
        .collect();
    let path = common::write_capture("nosnap", "btcusdt_20240808.txt", &lines);
    let (r, _) = common::replay(&[path], false);
    let s = r.stats();
    let table = alphapulse_feeds::sample_instruments();
    let b = s.books[table.by_symbol("BTCUSDT").unwrap().id.index()];
    println!("{b:?} -> {:?}", b.not_synced());
    assert_eq!(b.snapshots, 0);
    assert!(b.depth_updates > 3000);
    assert!(!b.synced);
    assert_eq!(b.first_synced(), None);
    assert_eq!(b.not_synced(), Some(NotSynced::NoSnapshot));
}

#[test]
fn a_snapshot_that_does_not_bridge_never_syncs() {
    // The real snapshot with its id lowered by 1,000,000: the buffered updates all start past
    // lastUpdateId+1, so the first one tested after it is a gap and the book never syncs.
    let all = common::lines_of(&testdata::sample_capture());
    let snap = all.iter().position(|l| l.windows(12).any(|w| w == b"lastUpdateId")).unwrap();
    let mut lines: Vec<Vec<u8>> = all.iter().take(snap + 200).cloned().collect();
    let s = String::from_utf8(lines[snap].clone()).unwrap();
    let at = s.find("\"lastUpdateId\":").unwrap() + "\"lastUpdateId\":".len();
    let end = at + s[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let id: u64 = s[at..end].parse().unwrap();
    lines[snap] = format!("{}{}{}", &s[..at], id - 1_000_000, &s[end..]).into_bytes();
    let path = common::write_capture("unbridged", "btcusdt_20240808.txt", &lines);
    let (r, _) = common::replay(&[path], false);
    let st = r.stats();
    let b = st.books[alphapulse_feeds::sample_instruments().by_symbol("BTCUSDT").unwrap().id.index()];
    println!("{b:?} -> {:?}", b.not_synced());
    assert_eq!((b.snapshots, b.unbridged), (1, 1));
    assert_eq!(b.first_synced(), None);
    assert_eq!(b.not_synced(), Some(NotSynced::NeverBridged));
}
