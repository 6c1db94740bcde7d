//! No heap allocation after construction: a counting global allocator around many messages
//! through RiskActor (quotes, intents of every verdict, fills, cancels, halts) with an outbox that
//! does not allocate.

use alphapulse_risk::{RiskActor, RiskConfig};
use alphapulse_runtime::{Actor, Ctx, Flow, Outbox, Port};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_types::*;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

/// Counts what it is given; keeps the last message; counts journaled positions.
#[derive(Default)]
struct Sink(u64, Option<Msg>, u64);
impl Outbox for Sink {
    fn send(&mut self, _: Port, m: Msg) -> Flow {
        self.0 += 1;
        self.1 = Some(m);
        Flow::Sent
    }
    fn journal(&mut self, m: Msg) {
        self.2 += matches!(m, Msg::Position(_)) as u64;
    }
}

#[test]
fn handle_never_allocates() {
    let mut t = InstrumentTable::new();
    let inst = t
        .add(Instrument {
            id: InstrumentId(0),
            symbol: "BTCUSDT".into(),
            base: "BTC".into(),
            quote: "USDT".into(),
            tick: Price::parse(b"0.01").unwrap(),
            lot: Qty::parse(b"0.001").unwrap(),
            min_qty: Qty::parse(b"0.001").unwrap(),
            min_notional: Money::from_units(1),
        })
        .unwrap();
    let mut r = RiskActor::new(RiskConfig { max_open_orders: 50, ..Default::default() }, &t).unwrap();
    let mut sink = Sink::default();
    let mut last_approved = 0;
    // Counted on this thread only: the test harness's own threads may allocate meanwhile.
    let ((), n) = allocations_in(|| {
        for i in 0..200_000u64 {
            let now = i * 1_000_000;
            let px = Price::from_units(100 + (i % 7) as i64);
            let msg = match i % 5 {
                0 => Msg::Quote(Quote {
                    inst,
                    bid_px: px,
                    ask_px: px + Price::parse(b"0.02").unwrap(),
                    ..Default::default()
                }),
                1 | 2 => Msg::Intent(Intent {
                    intent_id: i,
                    inst,
                    px,
                    qty: Qty::parse(b"0.01").unwrap(),
                    side: if i % 2 == 0 { Side::Buy } else { Side::Sell },
                    ..Default::default()
                }),
                3 => Msg::Exec(ExecReport {
                    order_id: OrderId(last_approved),
                    inst,
                    kind: if i % 3 == 0 { ExecKind::Cancelled } else { ExecKind::Fill },
                    px,
                    qty: Qty::parse(b"0.01").unwrap(),
                    side: if (i / 5) % 2 == 0 { Side::Buy } else { Side::Sell },
                    ..Default::default()
                }),
                _ => Msg::Control(Control {
                    cmd: if i % 11 == 0 { ControlCmd::Halt } else { ControlCmd::Resume },
                    ..Default::default()
                }),
            };
            let mut ctx = Ctx::new(now, &mut sink);
            r.handle(&msg, &mut ctx);
            if let Some(Msg::Decision(d)) = sink.1 {
                if d.verdict == Verdict::Approved {
                    last_approved = d.intent_id;
                }
            }
        }
    });
    assert_eq!(n, 0, "allocations in handle");
    assert!(r.stats().approved > 1_000 && r.portfolio().fill_count() > 1_000, "{:?}", r.stats());
    assert_eq!(sink.2, r.portfolio().fill_count(), "a position journaled per fill");
    println!(
        "risk: 200000 messages, {} approved, {} fills, 0 allocations",
        r.stats().approved,
        r.portfolio().fill_count()
    );
}
