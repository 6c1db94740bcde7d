//! The agents' decision: `StrategyHost::handle` (default config: EMA-cross + imbalance agents and
//! the aggregator) of real market events, after warming the host on the feed's real message
//! stream (quotes, trades, depth updates with their levels, book status).
//!
//! - `strategy/handle_quote`: warmed until it has seen 5,000 quotes, the host handles the next
//!   1,024 real quotes of the stream in order, cyclically (their timestamps shifted by the
//!   window's span on each pass so event time never goes back);
//! - `strategy/handle_depth_<n>_levels`: one real depth update of `n` levels (the same picks as
//!   `book/` and `parse/`: 20, the capture's median, 46), the host warmed on every message before
//!   it. The update is one `Msg::Depth` header whose levels sit in the outbox's level store, as the
//!   runtime lends them; each iteration applies all of them to the host's book (setting the same
//!   quantities again: the book stays as the real update left it), calls every agent's `on_book`
//!   and evaluates the aggregator, 1 µs of event time later than the previous one.
//! - `strategy/technical_on_trade`: the technical agent alone (`TechnicalAgent::on_trade`, 1 s and
//!   5 s bars, default indicator periods), warmed on the first 60 % of the capture's real trades,
//!   then fed the remaining trades in order, cyclically (times shifted by a whole number of 5 s
//!   bars on each pass): the cost per trade as the capture mixes them (most add to a bar; 98 of
//!   the 3,903 close the 1 s bar and update its MACD, Bollinger, ATR and VWAP);
//! - `strategy/technical_bar_close`: its worst case: every call is a trade that closes the bar of
//!   every interval (each 5 s later than the previous), so both intervals' indicators and the score
//!   are recomputed on every call.
//!
//! Each iteration clears the `VecOutbox`'s message vectors (cleared, never regrown: no allocation).

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_runtime::VecOutbox;
use alphapulse_strategy::{MarketState, Strategy, TechnicalAgent, TechnicalConfig};
use alphapulse_types::{Msg, Quote, Trade};
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

/// Empty what the host sent, keeping the level store (the depth update's levels stay put).
fn clear_sent(out: &mut VecOutbox) {
    out.down.clear();
    out.up.clear();
    out.journal.clear();
}

fn handle_quote(c: &mut Criterion, stream: &flow::Replayed) {
    // One pass over the window on an identically warmed host, to say what the timed path does.
    let (mut probe, pos) = flow::warm_host(stream, WARM_QUOTES);
    let window = quotes_after(&stream.msgs, pos);
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

    let (mut host, _) = flow::warm_host(stream, WARM_QUOTES);
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
            clear_sent(&mut out);
        })
    });
    g.finish();
}

fn handle_depth(c: &mut Criterion, stream: &flow::Replayed) {
    let cap = Capture::sample();
    let (_, from) = flow::warm_host(stream, WARM_QUOTES);
    let mut g = c.benchmark_group("strategy");
    g.throughput(Throughput::Elements(1));
    for levels in [20, cap.median_depth_levels(), 46] {
        let (real, pos) = flow::depth_with(stream, from, levels);
        let mut host = flow::host_before(stream, pos);
        let mut out = VecOutbox::default();
        out.down.reserve(8);
        out.up.reserve(8);
        let (bids, asks) = stream.levels_of(&real);
        let Msg::Depth(d) = out.depth(real, bids, asks) else {
            unreachable!("VecOutbox::depth makes a Depth")
        };
        // One call, to say what the timed path does.
        out.handle(&mut host, &Msg::Depth(d), d.local_ts);
        let intents = out.down.iter().filter(|m| matches!(m, Msg::Intent(_))).count();
        clear_sent(&mut out);
        let name = format!("handle_depth_{}_levels", d.len());
        eprintln!(
            "strategy/{name}: market message {pos} ({} bids + {} asks), host warmed on every message before it; \
             {intents} intents from its first handling",
            d.bids, d.asks
        );
        let mut ts = d.local_ts;
        g.bench_function(name, |b| {
            b.iter(|| {
                ts += 1_000;
                let mut m = d;
                m.local_ts = ts;
                out.handle(&mut host, black_box(&Msg::Depth(m)), ts);
                black_box(out.down.len());
                clear_sent(&mut out);
            })
        });
    }
    g.finish();
}

fn technical(c: &mut Criterion, stream: &flow::Replayed) {
    const BAR5: u64 = 5_000_000_000;
    let trades: Vec<Trade> =
        stream.msgs.iter().filter_map(|m| if let Msg::Trade(t) = m { Some(*t) } else { None }).collect();
    let (table, inst) = flow::instruments();
    let cfg = TechnicalConfig { intervals_ms: vec![1_000, 5_000], ..Default::default() };
    let warm_n = trades.len() * 6 / 10;
    let state = MarketState::new(table.len(), 1);
    let view = state.view(None);
    let warmed = || {
        let mut a = TechnicalAgent::new(&cfg, table.len()).expect("technical config");
        for t in &trades[..warm_n] {
            a.on_trade(t, &view);
        }
        assert!(a.reading(inst, 0).is_some() && a.reading(inst, 1).is_some(), "both intervals warm");
        a
    };
    let window = &trades[warm_n..];
    let span = (window[window.len() - 1].exch_ts - window[0].exch_ts) / BAR5 * BAR5 + BAR5;
    let mut probe = warmed();
    let (mut closes, mut signals) = (0usize, 0usize);
    for t in window {
        let before = probe.bars().closed(inst, 0, 0).map(|b| b.start);
        signals += probe.on_trade(t, &view).is_some() as usize;
        closes += (probe.bars().closed(inst, 0, 0).map(|b| b.start) != before) as usize;
    }
    eprintln!(
        "strategy/technical_on_trade: warmed on {warm_n} real trades; one pass over the {} remaining: \
         {closes} 1 s bar closes, {signals} signals",
        window.len()
    );
    let mut g = c.benchmark_group("strategy");
    g.throughput(Throughput::Elements(1));
    let mut agent = warmed();
    let (mut i, mut shift) = (0usize, 0u64);
    g.bench_function("technical_on_trade", |b| {
        b.iter(|| {
            let mut t = window[i];
            t.exch_ts += shift;
            t.local_ts += shift;
            i += 1;
            if i == window.len() {
                i = 0;
                shift += span;
            }
            black_box(agent.on_trade(black_box(&t), &view))
        })
    });
    let mut agent = warmed();
    let mut t = window[window.len() - 1];
    let (px, tick) = (t.px.raw(), 100_000_000); // $1 steps: the bands and ATR keep moving
    let mut k = 0i64;
    g.bench_function("technical_bar_close", |b| {
        b.iter(|| {
            k += 1;
            t.px = alphapulse_types::Price::from_raw(px + (k % 7 - 3) * tick);
            t.exch_ts += BAR5;
            t.local_ts += BAR5;
            black_box(agent.on_trade(black_box(&t), &view))
        })
    });
    g.finish();
}

fn strategy(c: &mut Criterion) {
    let cap = Capture::sample();
    let stream = flow::market_stream(&cap.path);
    handle_quote(c, &stream);
    handle_depth(c, &stream);
    technical(c, &stream);
}

criterion_group! { name = benches; config = config(); targets = strategy }
criterion_main!(benches);
