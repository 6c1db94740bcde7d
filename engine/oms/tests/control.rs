//! The operator's commands at the order manager: halt refuses approved decisions and cancels
//! working orders (in batches), cancel-all by instrument, the order table.

use alphapulse_oms::control::CANCEL_BATCH;
use alphapulse_oms::{RouterActor, RouterConfig};
use alphapulse_runtime::VecOutbox;
use alphapulse_types::*;

fn decision(id: u64, inst: u32) -> Msg {
    Msg::Decision(Intent {
        intent_id: id,
        px: Price::from_units(100),
        qty: Qty::from_units(1),
        inst: InstrumentId(inst),
        side: Side::Buy,
        tif: Tif::Gtc,
        verdict: Verdict::Approved,
        ..Default::default()
    })
}

fn req(op: CtlOp, inst: InstrumentId) -> CtlReq {
    CtlReq { inst, ..CtlReq::new(1, op, 0) }
}

fn count(a: &alphapulse_runtime::Answer) -> u64 {
    match a.rows.as_slice() {
        [(CtlRow::Count(n), _)] => *n,
        rows => panic!("expected one count row, got {rows:?}"),
    }
}

fn cancels(out: &VecOutbox) -> Vec<OrderId> {
    out.down.iter().filter_map(|m| if let Msg::Cancel(c) = m { Some(c.order_id) } else { None }).collect()
}

#[test]
fn halt_cancels_working_orders_in_batches_and_refuses_new_ones() {
    let mut r = RouterActor::new(RouterConfig { max_orders: 256, order_ttl_ns: 0 }, 2).unwrap();
    let mut out = VecOutbox::default();
    let n = CANCEL_BATCH as u64 + 8;
    for id in 1..=n {
        out.deliver(&mut r, &decision(id, (id % 2) as u32), id);
    }
    // One order is done already: it is not cancelled.
    out.deliver(
        &mut r,
        &Msg::Exec(ExecReport { order_id: OrderId(1), kind: ExecKind::Cancelled, ..Default::default() }),
        100,
    );
    let orders = out.control(&mut r, &req(CtlOp::Orders, ALL_INSTRUMENTS), 100);
    assert_eq!(orders.rows.len() as u64, n - 1);
    assert!(orders.rows.iter().all(|(row, _)| matches!(row, CtlRow::Order { side: Side::Buy, .. })));
    out.clear();
    let a = out.control(&mut r, &req(CtlOp::Halt, ALL_INSTRUMENTS), 101);
    assert_eq!((a.status, count(&a)), (CtlStatus::Ok, CANCEL_BATCH as u64));
    assert!(r.is_halted());
    // The control thread asks again until nothing is left to cancel.
    let a = out.control(&mut r, &req(CtlOp::CancelAll, ALL_INSTRUMENTS), 102);
    assert_eq!(count(&a), n - 1 - CANCEL_BATCH as u64);
    assert_eq!(count(&out.control(&mut r, &req(CtlOp::CancelAll, ALL_INSTRUMENTS), 103)), 0);
    let mut sent = cancels(&out);
    sent.sort();
    assert_eq!(sent, (2..=n).map(OrderId).collect::<Vec<_>>(), "every working order once, none done");
    // Orders being cancelled are listed as such.
    let rows = out.control(&mut r, &req(CtlOp::Orders, ALL_INSTRUMENTS), 104).rows;
    assert!(rows.iter().all(|(_, state)| state == "cancelling"));
    // A decision risk approved before the halt reached it is refused, reported up.
    out.clear();
    out.deliver(&mut r, &decision(1000, 0), 105);
    assert!(!out.down.iter().any(|m| matches!(m, Msg::New(_))), "no new order while halted");
    let Some(Msg::Exec(e)) = out.up.last() else { panic!("no refusal sent up") };
    assert_eq!((e.order_id, e.kind, e.reason), (OrderId(1000), ExecKind::Rejected, VenueReject::Halted));
    assert!(e.reason.is_before_venue());
    assert_eq!(r.stats().halted_refused, 1);
    // Resume: orders flow again.
    out.control(&mut r, &req(CtlOp::Resume, ALL_INSTRUMENTS), 106);
    out.deliver(&mut r, &decision(1001, 0), 107);
    assert!(matches!(out.down.last(), Some(Msg::New(n)) if n.order_id == OrderId(1001)));
    assert_eq!(r.stats().operator_cancels, n - 1);
}

#[test]
fn cancel_all_of_one_instrument_leaves_the_others() {
    let mut r = RouterActor::new(RouterConfig { max_orders: 16, order_ttl_ns: 1_000 }, 2).unwrap();
    let mut out = VecOutbox::default();
    for id in 1..=6 {
        out.deliver(&mut r, &decision(id, (id % 2) as u32), id);
    }
    out.clear();
    let a = out.control(&mut r, &req(CtlOp::CancelAll, InstrumentId(1)), 10);
    assert_eq!(count(&a), 3);
    assert_eq!(cancels(&out), vec![OrderId(1), OrderId(3), OrderId(5)]);
    // Their TTL cancels do not fire again later; the others' do.
    out.clear();
    out.deliver(&mut r, &Msg::Quote(Quote { local_ts: 5_000, ..Default::default() }), 5_000);
    assert_eq!(cancels(&out), vec![OrderId(2), OrderId(4), OrderId(6)]);
    assert!(!r.is_halted(), "cancel-all is not a halt");
    assert_eq!(out.control(&mut r, &req(CtlOp::SetLimit, ALL_INSTRUMENTS), 6).status, CtlStatus::Unsupported);
}
