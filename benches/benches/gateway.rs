//! Order encoding at the simulated gateway: `alphapulse_gateways::sim::encode_order` of the order
//! the router made from the first real intent of the default strategy on the capture, into a
//! 64-byte stack buffer (`WIRE_LEN`). The order's trigger kind stays off the wire.

use alphapulse_benches::capture::Capture;
use alphapulse_benches::{config, flow};
use alphapulse_gateways::sim::{decode_order, encode_order, WIRE_LEN};
use alphapulse_types::{OrderNew, Trigger};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn gateway(c: &mut Criterion) {
    let cap = Capture::sample();
    let stream = flow::market_stream(&cap.path);
    let (_, order) = flow::decision_and_order(&stream);
    let order = order.expect("the router made an order from the first real intent");
    let mut buf = [0u8; WIRE_LEN];
    assert_eq!(encode_order(&order, &mut buf), WIRE_LEN);
    // The trigger is the engine's own bookkeeping: not on the wire (the venue never sees it).
    let on_wire = OrderNew { trigger: Trigger::None, ..order };
    assert_eq!(decode_order(&buf), Some(on_wire), "the wire record round-trips");
    eprintln!("gateway/encode_order: real order {order:?}");

    let mut g = c.benchmark_group("gateway");
    g.throughput(Throughput::Elements(1));
    g.bench_function("encode_order", |b| {
        b.iter(|| {
            let n = encode_order(black_box(&order), &mut buf);
            black_box(&buf);
            n
        })
    });
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = gateway }
criterion_main!(benches);
