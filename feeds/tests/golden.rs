//! Golden checks on real captures: the book rebuilt from diffs matches bookTicker.

mod common;

use alphapulse_feeds::{sample_instruments, testdata, FrameKind};

fn check(files: &[std::path::PathBuf], symbol: &str) -> (u64, u64) {
    let (r, g) = common::replay(files, false);
    let s = r.stats();
    let inst = sample_instruments().id_of(symbol).unwrap();
    println!(
        "{symbol}: frames {} depth {} bookTicker {} trade {} snapshot {} | applied {} stale {} gaps {} crossed {} | agree {}/{} | malformed {}",
        s.frames,
        s.frames_of(FrameKind::Depth),
        s.frames_of(FrameKind::BookTicker),
        s.frames_of(FrameKind::Trade),
        s.frames_of(FrameKind::Snapshot),
        s.depth_applied,
        s.stale_dropped,
        s.gaps,
        g.crossed,
        g.agreed,
        g.compared,
        s.malformed_total()
    );
    assert_eq!(s.gaps, 0, "no gaps");
    assert_eq!(g.gaps_seen, 0);
    assert_eq!(s.malformed_total(), 0);
    assert_eq!(g.crossed, 0, "book never crossed");
    assert!(r.book_sync(inst).unwrap().is_synced());
    assert!(g.compared > 0);
    assert!(g.agreed * 1000 >= g.compared * 999, "{} of {} agree", g.agreed, g.compared);
    (g.agreed, g.compared)
}

#[test]
fn golden_btcusdt_two_days() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let spot = d.join("binance-spot");
    let (agree, n) = check(&[spot.join("btcusdt_20240808.gz"), spot.join("btcusdt_20240809.gz")], "BTCUSDT");
    // PROVENANCE.md: 6,490 of 6,492. We also compare the event applied from the buffer at the
    // snapshot (it agrees), hence one more comparison; the 2 disagreements are the same.
    assert!(n >= 6492 && n - agree <= 2, "{agree} of {n}");
}

#[test]
fn golden_ethusdt_two_days() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let spot = d.join("binance-spot");
    let (agree, n) = check(&[spot.join("ethusdt_20240808.gz"), spot.join("ethusdt_20240809.gz")], "ETHUSDT");
    assert_eq!((agree, n), (6468, 6468), "PROVENANCE.md figures");
}

#[test]
fn golden_btc_and_eth_merged() {
    let Some(d) = testdata::shared_data_dir() else {
        println!("skipped: shared data not found");
        return;
    };
    let spot = d.join("binance-spot");
    let files = ["btcusdt_20240808.gz", "ethusdt_20240808.gz", "btcusdt_20240809.gz", "ethusdt_20240809.gz"]
        .map(|f| spot.join(f));
    let (r, g) = common::replay(&files, true);
    let s = r.stats();
    println!(
        "btc+eth merged: frames {} applied {} agree {}/{} gaps {}",
        s.frames, s.depth_applied, g.agreed, g.compared, s.gaps
    );
    assert_eq!(s.gaps, 0);
    assert_eq!(g.crossed, 0);
    assert!(g.compared >= 6492 + 6468 && g.compared - g.agreed <= 2, "{} of {}", g.agreed, g.compared);
    // Merged by local time: event times never go backwards.
    assert!(g.msgs.windows(2).all(|w| w[0].event_ts() <= w[1].event_ts()));
}

#[test]
fn golden_sample_standalone() {
    let (r, g) = common::replay(&[testdata::sample_capture()], false);
    let s = r.stats();
    println!(
        "sample: frames {} depth {} bookTicker {} trade {} applied {} stale {} agree {}/{}",
        s.frames,
        s.frames_of(FrameKind::Depth),
        s.frames_of(FrameKind::BookTicker),
        s.frames_of(FrameKind::Trade),
        s.depth_applied,
        s.stale_dropped,
        g.agreed,
        g.compared
    );
    assert_eq!(s.frames, 41_249);
    assert_eq!(s.frames_of(FrameKind::Depth), 3_451);
    assert_eq!(s.frames_of(FrameKind::BookTicker), 28_040);
    assert_eq!(s.frames_of(FrameKind::Trade), 9_757);
    assert_eq!(s.frames_of(FrameKind::Snapshot), 1);
    assert_eq!(s.stale_dropped, 2);
    assert_eq!(s.gaps, 0);
    assert_eq!(g.crossed, 0);
    assert!(g.agreed * 1000 >= g.compared * 999, "{} of {}", g.agreed, g.compared);
}
