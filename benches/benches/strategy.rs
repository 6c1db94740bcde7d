//! The agents' decision: `StrategyHost::handle` (default config: EMA-cross + imbalance agents and
//! the aggregator) of a real quote, after warming the host on the feed's real message stream
//! (quotes, trades and book levels) until it has seen 5,000 quotes.
//!
//! `strategy/handle_quote` cycles through the next 1,024 real quotes of the stream in order (their
//! timestamps shifted by the window's span on each pass so event time never goes back); each
//! iteration handles one quote and clears the `VecOutbox` (cleared, never regrown: no allocation).

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_runtime::VecOutbox;
use alphapulse_types::{Msg, Quote};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const WARM_QUOTES: usize = 5_000;
const WINDOW: usize = 1_024;

fn quotes_after(stream: &[Msg], pos: usize) -> Vec<Quote> {
    let q: Vec<Quote> = stream[pos..]
        .iter()
        .filter_map(|m| if let Msg::Quote(q) = m { Some(*q) } else { None })
        .take(WINDOW)
        .collect();
    assert_eq!(q.len(), WINDOW, "the capture has enough quotes");
    q
}

fn strategy(c: &mut Criterion) {
    let cap = Capture::sample();
    let stream = flow::market_stream(&cap.path);

    // One pass over the window on an identically warmed host, to say what the timed path does.
    let (mut probe, pos) = flow::warm_host(&stream, WARM_QUOTES);
    let window = quotes_after(&stream, pos);
    let mut out = VecOutbox::default();
    let mut intents = 0;
    for q in &window {
        out.handle(&mut probe, &Msg::Quote(*q), q.local_ts);
        intents += out.down.iter().filter(|m| matches!(m, Msg::Intent(_))).count();
        out.clear();
    }
    eprintln!(
        "strategy/handle_quote: warmed on {pos} real messages ({WARM_QUOTES} quotes); {intents} intents from one \
         pass over the {WINDOW}-quote window"
    );

    let (mut host, _) = flow::warm_host(&stream, WARM_QUOTES);
    let span = window[WINDOW - 1].local_ts - window[0].local_ts + 1;
    let mut out = VecOutbox::default();
    out.down.reserve(8);
    out.up.reserve(8);
    let (mut i, mut shift) = (0usize, 0u64);
    let mut g = c.benchmark_group("strategy");
    g.throughput(Throughput::Elements(1));
    g.bench_function("handle_quote", |b| {
        b.iter(|| {
            let mut q = window[i];
            q.local_ts += shift;
            i += 1;
            if i == WINDOW {
                i = 0;
                shift += span;
            }
            out.handle(&mut host, black_box(&Msg::Quote(q)), q.local_ts);
            black_box(out.down.len());
            out.clear();
        })
    });
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = strategy }
criterion_main!(benches);
