//! Sequence gaps: a removed depth line is detected, the book is unusable until a later snapshot,
//! and an injected snapshot resyncs it to exactly the book of the unmodified replay.

mod common;

use alphapulse_book::Book;
use alphapulse_feeds::{sample_instruments, testdata, FeedOptions, Replay, ReplaySink};
use alphapulse_types::{BookState, Depth, InstrumentId, Msg, Price, Qty, Side};

/// Remove the 100th depth line of the sample; returns (lines, index of the removed line).
fn without_depth_line() -> (Vec<Vec<u8>>, Vec<Vec<u8>>, usize) {
    let lines = common::lines_of(&testdata::sample_capture());
    let idx = lines.iter().enumerate().filter(|(_, l)| common::is_depth(l)).nth(100).unwrap().0;
    let mut cut = lines.clone();
    cut.remove(idx);
    (lines, cut, idx)
}

#[test]
fn removed_depth_line_is_a_gap_and_book_stays_unusable() {
    let (_, cut, idx) = without_depth_line();
    let path = common::write_capture("gap", "btcusdt_gap.txt", &cut);
    let (r, g) = common::replay(&[path], true);
    let s = r.stats();
    println!(
        "gap: removed line {} -> gaps {} buffered {} dropped {} applied {}",
        idx + 1,
        s.gaps,
        s.buffered,
        s.buffer_dropped,
        s.depth_applied
    );
    assert_eq!(s.gaps, 1);
    assert_eq!(s.resyncs, 0);
    assert_eq!(g.gaps_seen, 1);
    let gap_at = g.msgs.iter().position(|m| matches!(m, Msg::Book(b) if b.state == BookState::Gap)).unwrap();
    assert!(
        g.msgs[gap_at + 1..].iter().all(|m| !matches!(m, Msg::Depth(_) | Msg::Book(_))),
        "no depth updates after the gap"
    );
    assert!(g.msgs[..gap_at].iter().any(|m| matches!(m, Msg::Depth(d) if !d.is_empty())));
    let inst = sample_instruments().id_of("BTCUSDT").unwrap();
    assert!(!r.book_sync(inst).unwrap().is_synced());
    assert!(r.book(inst).unwrap().is_empty());
    // Buffered: the 3 events before the snapshot (2 stale, 1 applied from the buffer) and every
    // event from the gap on; the latter beyond the bound of 1024 dropped oldest first.
    let depth = s.frames_of(alphapulse_feeds::FrameKind::Depth);
    assert_eq!(s.buffered, depth - (s.depth_applied - 1));
    assert_eq!(s.buffer_dropped, s.buffered - 3 - 1024);
}

type LevelText = (Side, String, String);

/// Captures the book's levels when its update id reaches `at`.
struct Capture {
    at: u64,
    got: Option<(u64, Vec<LevelText>)>,
}

impl ReplaySink for Capture {
    fn emit(&mut self, _: Msg) {}
    fn emit_depth(&mut self, _: Depth, _: &[(Price, Qty)], _: &[(Price, Qty)]) {}
    fn depth_applied(&mut self, _: InstrumentId, b: &Book) {
        if b.update_id() == self.at {
            let mut v = Vec::new();
            for side in [Side::Buy, Side::Sell] {
                v.extend(b.levels(side).map(|(p, q)| (side, p.to_string(), q.to_string())));
            }
            self.got = Some((b.update_id(), v));
        }
    }
}

fn depth_u(line: &[u8]) -> u64 {
    let s = std::str::from_utf8(line).unwrap();
    let i = s.find("\"u\":").unwrap() + 4;
    s[i..].split(',').next().unwrap().parse().unwrap()
}

#[test]
fn injected_snapshot_resyncs_the_book() {
    let (full, mut cut, idx) = without_depth_line();
    // A snapshot of the true book after the depth event 50 depth lines past the removed one.
    let after = cut.iter().enumerate().skip(idx).filter(|(_, l)| common::is_depth(l)).nth(50).unwrap().0;
    let table = sample_instruments();
    let mut r = Replay::open(&[testdata::sample_capture()], &table, &FeedOptions::defaults()).unwrap();
    let mut cap = Capture { at: depth_u(&cut[after]), got: None };
    while r.step(&mut cap) && cap.got.is_none() {}
    let (id, levels) = cap.got.unwrap();
    let side = |s: Side| {
        levels
            .iter()
            .filter(|l| l.0 == s)
            .map(|l| format!("[\"{}\",\"{}\"]", l.1, l.2))
            .collect::<Vec<_>>()
            .join(",")
    };
    let ts: u64 = std::str::from_utf8(&cut[after]).unwrap().split(' ').next().unwrap().parse().unwrap();
    let snap = format!(
        "{} {{\"lastUpdateId\":{id},\"bids\":[{}],\"asks\":[{}]}}",
        ts,
        side(Side::Buy),
        side(Side::Sell)
    );
    cut.insert(after + 1, snap.into_bytes());
    let path = common::write_capture("resync", "btcusdt_resync.txt", &cut);
    let (r2, g2) = common::replay(&[path], true);
    let s = r2.stats();
    println!(
        "resync: gaps {} resyncs {} applied {} stale {} agree {}/{}",
        s.gaps, s.resyncs, s.depth_applied, s.stale_dropped, g2.agreed, g2.compared
    );
    assert_eq!((s.gaps, s.resyncs, s.snapshots_applied), (1, 1, 2));
    assert_eq!(g2.synced_seen, 2);
    let inst = table.id_of("BTCUSDT").unwrap();
    assert!(r2.book_sync(inst).unwrap().is_synced());
    // The resynced book ends equal to the book of the unmodified replay.
    let full_path = common::write_capture("full", "btcusdt_full.txt", &full);
    let (r3, _) = common::replay(&[full_path], false);
    let (a, b) = (r2.book(inst).unwrap(), r3.book(inst).unwrap());
    assert_eq!(a.update_id(), b.update_id());
    for side in [Side::Buy, Side::Sell] {
        assert!(a.levels(side).eq(b.levels(side)), "{side:?} levels equal");
    }
    assert_eq!(g2.crossed, 0);
    assert!(g2.agreed * 1000 >= g2.compared * 999);
}

type Levels = Vec<(Price, Qty)>;

/// What one step emitted: the depth update's levels (bids, asks) and whether a gap was reported.
#[derive(Default)]
struct Step {
    depth: Option<(Levels, Levels)>,
    gap: bool,
}

impl ReplaySink for Step {
    fn emit(&mut self, msg: Msg) {
        self.gap |= matches!(msg, Msg::Book(b) if b.state == BookState::Gap);
    }
    fn emit_depth(&mut self, _d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        assert!(self.depth.is_none(), "at most one depth update per step");
        self.depth = Some((bids.to_vec(), asks.to_vec()));
    }
}

/// A lent book is at the state after the update being handled; `replaced` (and, at a gap,
/// `discarded`) give back the book as it was before it, at every step of a replay with a gap (the
/// first update is the snapshot, which replaces an empty book).
#[test]
fn replaced_and_discarded_give_back_the_book_before_each_update() {
    let (_, cut, _) = without_depth_line();
    let path = common::write_capture("replaced", "btcusdt_replaced.txt", &cut);
    let table = alphapulse_feeds::sample_instruments();
    let inst = table.id_of("BTCUSDT").unwrap();
    let mut r = Replay::open(&[path], &table, &FeedOptions::defaults()).unwrap();
    let levels = |b: &Book, s| b.levels(s).collect::<Vec<_>>();
    let (mut depths, mut gaps) = (0, 0);
    loop {
        let before = r.book(inst).unwrap().clone();
        let mut step = Step::default();
        if !r.step(&mut step) {
            break;
        }
        let after = r.book(inst).unwrap();
        if let Some((bids, asks)) = &step.depth {
            let (rb, ra) = r.replaced(inst).expect("recorded");
            // Undo the update, last level first: the book before it.
            let mut undo = after.clone();
            for (side, lv, old) in [(Side::Buy, bids, rb), (Side::Sell, asks, ra)] {
                assert_eq!(lv.len(), old.len());
                for (l, &o) in lv.iter().zip(old).rev() {
                    undo.set(side, l.0, o);
                }
            }
            for s in [Side::Buy, Side::Sell] {
                assert_eq!(levels(&undo, s), levels(&before, s), "step {depths}");
            }
            depths += 1;
        }
        if step.gap {
            let (db, da) = r.discarded(inst).expect("kept");
            assert!(after.is_empty());
            assert_eq!((db.to_vec(), da.to_vec()), (levels(&before, Side::Buy), levels(&before, Side::Sell)));
            gaps += 1;
        }
    }
    println!("{depths} depth updates undone exactly, {gaps} gaps");
    assert!(depths > 90 && gaps == 1, "{depths} {gaps}");
}
