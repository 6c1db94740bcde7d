//! No heap allocation after construction: a counting global allocator around many decisions,
//! reports and market events through RouterActor (including TTL cancels, table-full and record
//! recycling) with an outbox that does not allocate.

use alphapulse_oms::{RouterActor, RouterConfig};
use alphapulse_runtime::{Actor, Ctx, Flow, Outbox, Port};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_types::*;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

/// Counts what it is given (sent, journaled); remembers the last new order's id.
#[derive(Default)]
struct Sink(u64, u64, u64);
impl Outbox for Sink {
    fn send(&mut self, _: Port, m: Msg) -> Flow {
        self.0 += 1;
        if let Msg::New(n) = m {
            self.1 = n.order_id.0;
        }
        Flow::Sent
    }
    fn journal(&mut self, m: Msg) {
        self.2 += matches!(m, Msg::OrderState(_)) as u64;
    }
}

#[test]
fn handle_never_allocates() {
    let mut r = RouterActor::new(RouterConfig { max_orders: 64, order_ttl_ns: 5_000 }, 1).unwrap();
    let mut sink = Sink::default();
    // Counted on this thread only: the test harness's own threads may allocate meanwhile.
    let ((), n) = allocations_in(|| {
        let inst = InstrumentId(0);
        for i in 0..300_000u64 {
            let now = i * 100;
            let msg = match i % 6 {
                0 => Msg::Decision(Intent {
                    intent_id: i + 1, // the aggregator's ids: unique, never 0
                    inst,
                    qty: Qty(10),
                    side: if i % 4 == 0 { Side::Buy } else { Side::Sell },
                    verdict: if i % 5 == 0 { Verdict::RateLimit } else { Verdict::Approved },
                    ..Default::default()
                }),
                1 => Msg::Exec(ExecReport {
                    order_id: OrderId(sink.1),
                    inst,
                    kind: ExecKind::Accepted,
                    ..Default::default()
                }),
                2 => Msg::Exec(ExecReport {
                    order_id: OrderId(sink.1),
                    inst,
                    kind: ExecKind::Fill,
                    qty: Qty(4),
                    side: Side::Buy,
                    ..Default::default()
                }),
                3 if i % 4 == 3 => Msg::Exec(ExecReport {
                    order_id: OrderId(sink.1),
                    inst,
                    kind: ExecKind::Fill,
                    qty: Qty(6),
                    side: Side::Sell,
                    ..Default::default()
                }),
                _ => Msg::Quote(Quote { inst, local_ts: now, ..Default::default() }),
            };
            let mut ctx = Ctx::new(now, &mut sink);
            r.handle(&msg, &mut ctx);
        }
    });
    assert_eq!(n, 0, "allocations in handle");
    let s = r.stats();
    assert!(sink.2 >= 4 * s.created, "every order's transitions are journaled: {}", sink.2);
    assert!(
        s.created > 10_000
            && s.ttl_cancels > 10
            && s.filled > 1_000
            && s.table_full > 0
            && s.position_records_evicted > 0,
        "{s:?}"
    );
    assert_eq!(s.index_full, 0, "the id index has room for every record's id");
    println!(
        "router: 300000 messages, {} created, {} ttl cancels, {} filled, {} table full, {} transitions journaled",
        s.created, s.ttl_cancels, s.filled, s.table_full, sink.2
    );
}
