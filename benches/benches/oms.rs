//! Order state: the pure transition table and the router actor, on the decision risk made from the
//! first real intent of the default strategy on the capture.
//!
//! - `oms/next`: one `alphapulse_oms::next(state, event)` (`OrderPlaced` + `PartialFill`);
//! - `oms/next_lifecycle_8`: the 8 transitions of a filled order's life, `SignalGenerated` to
//!   `PositionClosed`;
//! - `oms/router_decision_then_cancel`: `RouterActor::handle` of the approved decision (a new order
//!   goes down) and then of the venue's `Cancelled` report for it, so the order table stays in
//!   steady state; one iteration is two `handle` calls;
//! - `oms/router_decision_rejected`: the same decision with a risk reject (`PriceBand`): the record
//!   walks to `Rejected` and is retired at once.

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_oms::{next, LifecycleEvent as E, OrderState as S, RouterActor, RouterConfig};
use alphapulse_runtime::VecOutbox;
use alphapulse_types::{ExecKind, ExecReport, Msg, OrderId, Verdict};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const LIFECYCLE: [E; 8] = [
    E::Validate,
    E::Approve,
    E::Create,
    E::Accept,
    E::PartialFill,
    E::Fill,
    E::OpenPosition,
    E::ClosePosition,
];

fn transitions(c: &mut Criterion) {
    let mut g = c.benchmark_group("oms");
    g.throughput(Throughput::Elements(1));
    g.bench_function("next", |b| b.iter(|| next(black_box(S::OrderPlaced), black_box(E::PartialFill))));
    let end = LIFECYCLE.iter().try_fold(S::SignalGenerated, |s, &e| next(s, e));
    assert_eq!(end, Ok(S::PositionClosed));
    g.throughput(Throughput::Elements(LIFECYCLE.len() as u64));
    g.bench_function("next_lifecycle_8", |b| {
        b.iter(|| black_box(&LIFECYCLE).iter().try_fold(black_box(S::SignalGenerated), |s, &e| next(s, e)))
    });
    g.finish();
}

fn router(c: &mut Criterion) {
    let cap = Capture::sample();
    let stream = flow::market_stream(&cap.path);
    let (decision, order) = flow::decision_and_order(&stream);
    assert_eq!(decision.verdict, Verdict::Approved, "the first real intent is approved by default limits");
    eprintln!("oms/router: real decision {decision:?}\n  -> order {order:?}");
    let (table, _) = flow::instruments();
    let mut router = RouterActor::new(RouterConfig::default(), table.len()).expect("router");
    let mut out = VecOutbox::default();
    out.down.reserve(8);
    out.up.reserve(8);
    let (mut now, mut seq) = (decision.ts, 1u64);

    let mut g = c.benchmark_group("oms");
    g.throughput(Throughput::Elements(2));
    g.bench_function("router_decision_then_cancel", |b| {
        b.iter(|| {
            now += 1_000_000;
            let mut d = decision;
            d.ts = now;
            // The aggregator's id (strategy, intent sequence), which the order keeps.
            d.intent_id = OrderId::compose(d.strategy, seq).expect("intent sequence in range").0;
            out.handle(&mut router, black_box(&Msg::Decision(d)), now);
            let cancel = ExecReport {
                order_id: d.order_id(),
                px: d.px,
                ts: now,
                inst: d.inst,
                kind: ExecKind::Cancelled,
                side: d.side,
                ..Default::default()
            };
            seq += 1;
            out.handle(&mut router, black_box(&Msg::Exec(cancel)), now);
            black_box(&out.down);
            out.clear();
        })
    });
    let st = router.stats().clone();
    assert_eq!(st.created, st.cancelled, "every benched order was cancelled");
    assert_eq!((st.invalid_transitions, st.table_full, st.unknown_order), (0, 0, 0));

    let mut rejected = decision;
    rejected.verdict = Verdict::PriceBand;
    g.throughput(Throughput::Elements(1));
    g.bench_function("router_decision_rejected", |b| {
        b.iter(|| {
            now += 1_000_000;
            rejected.ts = now;
            out.handle(&mut router, black_box(&Msg::Decision(rejected)), now);
            black_box(&out.down);
            out.clear();
        })
    });
    g.finish();
    let st = router.stats();
    assert_eq!((st.invalid_transitions, st.table_full), (0, 0));
    eprintln!("oms/router: {} decisions, {} orders created and cancelled", st.decisions, st.cancelled);
}

criterion_group! { name = benches; config = config(); targets = transitions, router }
criterion_main!(benches);
