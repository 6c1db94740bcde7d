//! Accounting over a real backtest, checked from outside the portfolio: after every fill,
//! cash (rebuilt here from the fill reports) + Σ position × mark = equity, and
//! realized + unrealized − fees = equity − initial cash, exactly (1e-16 units); at the end, each
//! order's fills sum to its filled quantity and a filled order's fills sum to its quantity.

mod common;

use alphapulse_oms::{OrderState, RouterActor};
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{run, Actor, Ctx};
use alphapulse_tools::backtest::{build_chain, check, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::{ExecKind, InstrumentTable, Kinds, Msg};
use std::any::Any;
use std::collections::HashMap;

/// Wraps risk; checks the identities after each fill it handles.
struct Audit {
    risk: Box<dyn Actor>,
    n_instruments: u32,
    cash: i128,
    fills_by_order: HashMap<u64, i64>,
    checked: u64,
}

impl Actor for Audit {
    fn name(&self) -> &'static str {
        self.risk.name()
    }
    fn handles(&self) -> Kinds {
        self.risk.handles()
    }
    fn consumes(&self) -> Kinds {
        self.risk.consumes()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        self.risk.handle(msg, ctx);
        let Msg::Exec(r) = msg else { return };
        if r.kind != ExecKind::Fill {
            return;
        }
        *self.fills_by_order.entry(r.order_id.0).or_default() += r.qty.raw();
        // Cash from the report alone: buys pay px × qty, sells receive it; fees are paid.
        self.cash -= r.side.sign() as i128 * r.px.raw() as i128 * r.qty.raw() as i128;
        self.cash -= r.fee.raw() as i128 * 100_000_000;

        let risk = self.risk.as_any().downcast_ref::<RiskActor>().unwrap();
        let pf = risk.portfolio();
        let ex = pf.exact();
        let market_value: i128 = (0..self.n_instruments)
            .map(alphapulse_types::InstrumentId)
            .map(|i| pf.position(i).raw() as i128 * pf.mark(i).map_or(0, |m| m.raw()) as i128)
            .sum();
        assert_eq!(ex.cash, ex.initial_cash + self.cash, "cash differs from the fills' own sum");
        assert_eq!(ex.equity, ex.cash + market_value, "cash + Σ position × mark != equity");
        assert_eq!(ex.realized + ex.unrealized - ex.fees, ex.equity - ex.initial_cash, "PnL identity");
        self.checked += 1;
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn identities_hold_at_every_fill_of_a_real_backtest() {
    let mut cfg = Config { data: common::btc_captures(), ..Config::default() };
    // Passive orders too, so that maker fills (queue position) are part of the check.
    cfg.strategy.aggregator.style = alphapulse_strategy::OrderStyle::Passive;
    check(&mut cfg).unwrap();
    let table: InstrumentTable = instruments(&cfg).unwrap();
    let (mut actors, _) = build_chain(&cfg, &table, None).unwrap();
    let risk = actors.remove(2);
    let audit = Audit {
        risk,
        n_instruments: table.len() as u32,
        cash: 0,
        fills_by_order: HashMap::new(),
        checked: 0,
    };
    actors.insert(2, Box::new(audit));
    let out = run(actors, &cfg.placement.resolve(&CHAIN).unwrap(), Default::default()).unwrap();

    let audit = out.actor::<Audit>().unwrap();
    let router = out.actor::<RouterActor>().unwrap();
    assert!(audit.checked > 10, "too few fills to mean anything: {}", audit.checked);
    let mut orders = 0;
    for rec in router.orders().filter(|r| r.order_id.0 != 0) {
        let fills = audit.fills_by_order.get(&rec.order_id.0).copied().unwrap_or(0);
        assert_eq!(
            rec.filled.raw(),
            fills,
            "order {:?}: fills do not sum to its filled quantity",
            rec.order_id
        );
        assert!(rec.filled <= rec.qty, "order {:?} overfilled", rec.order_id);
        if rec.state == OrderState::Filled {
            assert_eq!(rec.filled, rec.qty, "order {:?} Filled but not fully", rec.order_id);
        }
        orders += 1;
    }
    println!("identities checked at {} fills; {orders} orders' fills summed", audit.checked);
    assert_eq!(router.stats().invalid_transitions, 0);
}
