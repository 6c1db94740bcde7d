//! Journaled runs: one stream per actor holding what it emitted (forwards excluded), decodable,
//! identical in every placement; hot-path journal errors are counted, never fatal.

use alphapulse_runtime::{run_with, Actor, Ctx, JournalSpec, Kinds, PlacementConfig, Poll, Source as Src};
use alphapulse_shm::{Reader, StreamConfig};
use alphapulse_types::{
    EndOfStream, ExecKind, ExecReport, Msg, OrderId, Quote, SignalRecord, Trade, CODEC_VERSION,
};
use std::any::Any;
use std::path::{Path, PathBuf};

/// Emits `n` quotes, one per poll, then Eos; optionally moves folder `wipe.0` away when `wipe.1`
/// quotes are left.
struct Source {
    left: u32,
    ts: u64,
    wipe: Option<(PathBuf, u32)>,
}
impl Actor for Source {
    fn name(&self) -> &'static str {
        "source"
    }
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }
    fn handle(&mut self, _m: &Msg, _c: &mut Ctx<'_>) {}
    fn source(&mut self) -> Option<&mut dyn Src> {
        Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
impl Src for Source {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.left == 0 {
            ctx.down(Msg::Eos(EndOfStream { ts: self.ts }));
            return Poll::Done;
        }
        if let Some((dir, at)) = &self.wipe {
            if self.left == *at {
                std::fs::rename(dir, dir.with_extension("moved")).unwrap();
            }
        }
        self.ts += 10;
        let mut q = Quote { local_ts: self.ts, ..Default::default() };
        q.bid_px.0 = (self.ts % 7) as i64;
        ctx.down(Msg::Quote(q));
        self.left -= 1;
        Poll::Busy
    }
}

/// Handles quotes and execution reports (the runtime forwards both, and everything else);
/// turns every third quote into a trade too, and journals a signal for it (journal port: its own
/// stream, no neighbour).
struct Middle;
impl Actor for Middle {
    fn name(&self) -> &'static str {
        "middle"
    }
    fn handles(&self) -> Kinds {
        Kinds::QUOTE | Kinds::EXEC
    }
    fn handle(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        // Execution reports: nothing to do (the runtime passes them up).
        if let Msg::Quote(q) = m {
            if q.local_ts % 30 == 0 {
                ctx.down(Msg::Trade(Trade { local_ts: q.local_ts, px: q.bid_px, ..Default::default() }));
                let s = SignalRecord { ts: ctx.now(), origin_ts: q.local_ts, score: 7, ..Default::default() };
                ctx.journal(Msg::Signal(s));
            }
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Sees everything; answers trades with a fill (up); the runtime forwards the rest down (off the
/// end of the chain).
struct Venue;
impl Actor for Venue {
    fn name(&self) -> &'static str {
        "venue"
    }
    fn handles(&self) -> Kinds {
        Kinds::ALL
    }
    fn handle(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        assert!(!m.is_journal_only(), "a journal-only message reached a neighbour: {m:?}");
        if let Msg::Trade(t) = m {
            let e = ExecReport {
                order_id: OrderId(1),
                kind: ExecKind::Fill,
                ts: ctx.now() + 1,
                px: t.px,
                ..Default::default()
            };
            ctx.up(Msg::Exec(e));
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const NAMES: [&str; 3] = ["source", "middle", "venue"];

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-rt-journal-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// (seq, type, version, ts, payload) of every record of a stream.
fn records(dir: &Path) -> Vec<(u64, u16, u16, u64, Vec<u8>)> {
    let mut r = Reader::open(dir).unwrap();
    let mut v = Vec::new();
    while let Some(x) = r.next().unwrap() {
        v.push((x.seq, x.ty, x.version, x.ts, x.payload.to_vec()));
    }
    v
}

fn journaled(
    p: PlacementConfig,
    dir: &Path,
    n: u32,
    wipe: Option<(PathBuf, u32)>,
) -> alphapulse_runtime::RunOutput {
    let spec = JournalSpec {
        dir: dir.into(),
        stream: StreamConfig { segment_size: 4096, ..Default::default() },
        on_full: Default::default(),
    };
    let actors: Vec<Box<dyn Actor>> =
        vec![Box::new(Source { left: n, ts: 0, wipe }), Box::new(Middle), Box::new(Venue)];
    run_with(actors, &p.resolve(&NAMES).unwrap(), Default::default(), Some(&spec)).unwrap()
}

#[test]
fn each_actor_journals_what_it_emits_and_not_its_forwards() {
    let dir = tmp("emit");
    let out = journaled(PlacementConfig::one_thread(), &dir, 300, None);
    let src = records(&dir.join("source"));
    assert_eq!(src.len(), 301, "300 quotes and the Eos");
    assert!(src.iter().enumerate().all(|(i, r)| r.0 == i as u64 && r.2 == CODEC_VERSION));
    let last = Msg::decode(&src[300].4).unwrap();
    assert_eq!(last, Msg::Eos(EndOfStream { ts: 3000 }));
    assert_eq!(src[300].1, last.kind());
    // middle: only the trades it made (forwarded quotes, Eos and execs are not its output), each
    // followed by the signal it sent to its journal port.
    let mid = records(&dir.join("middle"));
    assert_eq!(mid.len(), 200);
    for pair in mid.chunks(2) {
        let (t, s) = (Msg::decode(&pair[0].4).unwrap(), Msg::decode(&pair[1].4).unwrap());
        assert!(matches!(t, Msg::Trade(_)) && pair[0].1 == 2, "{t:?}");
        assert!(matches!(s, Msg::Signal(g) if g.score == 7 && g.origin_ts == t.event_ts()), "{s:?}");
        assert_eq!((pair[1].1, pair[1].3), (12, t.event_ts()));
    }
    // venue: one fill per trade; forwards falling off the end are not journaled.
    let venue = records(&dir.join("venue"));
    assert_eq!(venue.len(), 100);
    assert!(venue.iter().all(|r| matches!(Msg::decode(&r.4), Ok(Msg::Exec(e)) if e.ts == r.3)));
    let reports: Vec<(&str, u64, u64)> =
        out.journals.iter().map(|j| (j.actor, j.records, j.errors)).collect();
    assert_eq!(reports, vec![("source", 301, 0), ("middle", 200, 0), ("venue", 100, 0)]);
    assert!(out.journals[0].stats.rolls >= 6, "4 KiB segments roll: {:?}", out.journals[0].stats);
    assert_eq!(out.journal_upkeep_errors, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn journals_are_bit_identical_across_placements() {
    let (a, b) = (tmp("one"), tmp("two"));
    journaled(PlacementConfig::one_thread(), &a, 2000, None);
    journaled(PlacementConfig::two_threads(&NAMES, 1), &b, 2000, None);
    for s in NAMES {
        let (x, y) = (records(&a.join(s)), records(&b.join(s)));
        assert!(!x.is_empty());
        assert_eq!(x, y, "stream {s}");
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn a_journal_failure_is_counted_and_the_run_goes_on() {
    let dir = tmp("wipe");
    // The source's stream folder moves away mid-run: its next roll cannot rename into it.
    let out = journaled(PlacementConfig::one_thread(), &dir, 500, Some((dir.join("source"), 250)));
    let src = &out.journals[0];
    assert!(src.errors > 0, "{src:?}");
    let e = src.first_error.as_ref().unwrap().to_string();
    assert!(e.contains("source"), "the error names the stream: {e}");
    assert_eq!(src.records + src.errors, 501, "every emitted message was either journaled or counted");
    assert_eq!(out.journals[2].errors, 0);
    assert_eq!(out.journals[2].records, 166, "the chain kept running: every trade was filled");
    let _ = std::fs::remove_dir_all(&dir);
}
