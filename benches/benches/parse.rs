//! Feed parsing on real frames.
//!
//! - `parse/<frame>`: the feed's public parser (`alphapulse_feeds::parse::Parser`: the fast-path
//!   scanner, simd-json tape path behind it) on one real frame, including the copy of the frame into
//!   the reused buffer simd-json parses in place (`parse/copy_only/<frame>` times that copy alone);
//! - `parse/tape_only/<frame>`: the same with the fast path off (`Parser::set_fast_path(false)`):
//!   every frame through simd-json, as before the scanner existed;
//! - `feed_replay/<kind>_only`: `FeedActor::poll` over a temporary capture holding only the real
//!   frames of one kind (plus the REST snapshot for depth), in capture order: line splitting,
//!   timestamp prefix, parse, book sync + apply, messages out (a depth update is one header, its
//!   levels written into the outbox's level store); throughput is frames/s, so the time per frame
//!   is parse + apply as the feed really does it. `feed_replay/all` is the whole capture.

use alphapulse_benches::capture::{Capture, Line, TempCapture};
use alphapulse_benches::{config, flow, CountingOutbox};
use alphapulse_feeds::parse::Parser;
use alphapulse_feeds::{FeedActor, FeedOptions, FrameKind, SymbolMap};
use alphapulse_runtime::{Ctx, Poll, Source};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

fn frames(cap: &Capture) -> Vec<(String, &Line)> {
    let median = cap.median_depth_levels();
    let bt = cap.pick(FrameKind::BookTicker, |_| true).expect("a bookTicker");
    let tr = cap.pick(FrameKind::Trade, |_| true).expect("a trade");
    let d20 = cap.pick_depth(20);
    let dmed = cap.pick_depth(median);
    let d46 = cap.pick_depth(46);
    vec![
        ("book_ticker".into(), bt),
        ("trade".into(), tr),
        (format!("depth_{}_levels", d20.levels), d20),
        (format!("depth_{}_levels_median", dmed.levels), dmed),
        (format!("depth_{}_levels", d46.levels), d46),
    ]
}

fn parse(c: &mut Criterion) {
    let cap = Capture::sample();
    let (table, _) = flow::instruments();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(1));
    for ((name, line), fast) in frames(&cap).into_iter().flat_map(|f| [(f.clone(), true), (f, false)]) {
        let name = if fast { name } else { format!("tape_only/{name}") };
        eprintln!("parse/{name}: line {} ({} bytes)", line.index + 1, line.json.len());
        let mut parser = Parser::new(1 << 20, 5000);
        parser.set_fast_path(fast);
        let mut symbols = SymbolMap::new(&table);
        let mut buf = Vec::with_capacity(line.json.len() + 64);
        buf.extend_from_slice(&line.json);
        let kind = parser.parse(&mut buf, None, &mut symbols).expect("real frame parses");
        assert_eq!(Some(kind), line.kind);
        assert_eq!(parser.path_counts().fast, fast as u64, "{name}: the scanner takes real frames");
        g.bench_function(name.as_str(), |b| {
            b.iter(|| {
                buf.clear();
                buf.extend_from_slice(&line.json);
                let k = parser.parse(black_box(&mut buf), None, &mut symbols);
                let f = &parser.frame;
                black_box((&f.bids, &f.asks, f.bid_px, f.px));
                k
            })
        });
    }
    for (name, line) in
        frames(&cap).into_iter().filter(|(n, _)| n == "book_ticker" || n.ends_with("_46_levels"))
    {
        let mut buf = Vec::with_capacity(line.json.len() + 64);
        g.bench_function(format!("copy_only/{name}"), |b| {
            b.iter(|| {
                buf.clear();
                buf.extend_from_slice(black_box(&line.json));
                black_box(&buf);
            })
        });
    }
    g.finish();
}

/// Poll the feed until it is done; the messages (and depth levels) are counted and discarded, the
/// level store emptied after each poll as the runtime does.
fn drain(mut feed: FeedActor, out: &mut CountingOutbox) -> FeedActor {
    loop {
        let p = feed.poll(&mut Ctx::new(0, out));
        out.end_poll();
        if p == Poll::Done {
            break;
        }
    }
    feed
}

fn feed_replay(c: &mut Criterion) {
    let cap = Capture::sample();
    let (table, _) = flow::instruments();
    let kind = |k: FrameKind| move |l: &&Line| l.kind == Some(k);
    let files = [
        ("book_ticker_only", TempCapture::write("bt", cap.lines.iter().filter(kind(FrameKind::BookTicker)))),
        ("trade_only", TempCapture::write("trade", cap.lines.iter().filter(kind(FrameKind::Trade)))),
        (
            "depth_only",
            TempCapture::write(
                "depth",
                cap.lines.iter().filter(|l| matches!(l.kind, Some(FrameKind::Depth | FrameKind::Snapshot))),
            ),
        ),
        ("all", TempCapture::write("all", cap.lines.iter())),
    ];
    let mut g = c.benchmark_group("feed_replay");
    g.sample_size(20);
    for (name, file) in &files {
        let open = || {
            FeedActor::open(std::slice::from_ref(&file.path), &table, FeedOptions::defaults()).expect("open")
        };
        let mut out = CountingOutbox::default();
        let feed = drain(open(), &mut out);
        let st = feed.stats();
        assert_eq!(st.frames as usize, file.frames);
        assert_eq!((st.malformed_total(), st.gaps), (0, 0), "{name}: the replay must be clean");
        assert_eq!(out.levels, st.levels_emitted, "{name}: every level reached the level store");
        eprintln!(
            "feed_replay/{name}: {} frames, {} messages ({} depth updates), {} levels, {} depth applied, \
             {} levels/depth update",
            st.frames,
            out.down,
            st.emitted_of("depth"),
            out.levels,
            st.depth_applied,
            out.levels.checked_div(st.emitted_of("depth")).unwrap_or(0)
        );
        g.throughput(Throughput::Elements(file.frames as u64));
        g.bench_function(*name, |b| b.iter_batched(open, |f| drain(f, &mut out), BatchSize::PerIteration));
    }
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = parse, feed_replay }
criterion_main!(benches);
