//! Pre-trade risk on the first real intent the default strategy makes on the capture.
//!
//! - `risk/check_approved`: the pure `alphapulse_risk::check` with the view of a risk actor warmed
//!   on every real market message up to that intent (real mid; flat, no open orders): every check
//!   runs and the verdict is `Approved`;
//! - `risk/actor_intent_then_cancel`: `RiskActor::handle` of that intent (event time advancing
//!   250 ms per iteration, within the default 10 orders/s) and then of the `Cancelled` execution
//!   report of the order it approved, so the open-order table stays in steady state. One iteration
//!   is two `handle` calls; every intent must be approved (checked after the run).

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_risk::{check, RiskView};
use alphapulse_runtime::VecOutbox;
use alphapulse_types::{ExecKind, ExecReport, Msg, OrderId, Verdict};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn risk(c: &mut Criterion) {
    let cap = Capture::sample();
    let stream = flow::market_stream(&cap.path);
    let (intent, pos) = flow::first_intent(&stream);
    let mut risk = flow::warm_risk(&stream, pos + 1);
    let (table, _) = flow::instruments();
    eprintln!("risk: real intent {intent:?} (after market message {pos}), mid {:?}", risk.mid(intent.inst));

    let limits = *risk.limits();
    let view = RiskView {
        halted: risk.is_halted(),
        instrument: table.get(intent.inst),
        mid: risk.mid(intent.inst),
        position: risk.portfolio().position(intent.inst),
        open_same_side: risk.open_orders().open_qty(intent.inst, intent.side),
        open_orders: risk.open_orders().len(),
        rate_ok: true,
    };
    assert_eq!(check(&limits, &view, &intent), Verdict::Approved);

    let mut g = c.benchmark_group("risk");
    g.throughput(Throughput::Elements(1));
    g.bench_function("check_approved", |b| {
        b.iter(|| check(black_box(&limits), black_box(&view), black_box(&intent)))
    });

    let mut out = VecOutbox::default();
    out.down.reserve(8);
    out.up.reserve(8);
    let (mut now, mut seq) = (intent.ts, 1u64);
    g.throughput(Throughput::Elements(2));
    g.bench_function("actor_intent_then_cancel", |b| {
        b.iter(|| {
            now += 250_000_000;
            let mut it = intent;
            it.ts = now;
            // The aggregator's id (strategy, intent sequence), which the order keeps.
            it.intent_id = OrderId::compose(it.strategy, seq).expect("intent sequence in range").0;
            out.handle(&mut risk, black_box(&Msg::Intent(it)), now);
            let cancel = ExecReport {
                order_id: it.order_id(),
                px: it.px,
                ts: now,
                inst: it.inst,
                kind: ExecKind::Cancelled,
                side: it.side,
                ..Default::default()
            };
            seq += 1;
            out.handle(&mut risk, black_box(&Msg::Exec(cancel)), now);
            black_box(&out.down);
            out.clear();
        })
    });
    g.finish();
    let st = risk.stats();
    assert_eq!(st.rejected_total(), 0, "every benched intent was approved");
    assert_eq!((st.open_orders, st.exec_unknown_order), (0, 0), "every approved order was closed");
    eprintln!("risk/actor_intent_then_cancel: {} intents approved, {} execs", st.approved, st.execs);
}

criterion_group! { name = benches; config = config(); targets = risk }
criterion_main!(benches);
