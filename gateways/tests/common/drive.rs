//! Run a prepared message stream through the gateway with an outbox that never allocates, then
//! check every report.
#![allow(dead_code)]

use super::check::Checker;
use alphapulse_gateways::sim::SimGateway;
use alphapulse_runtime::{Ctx, Flow, Outbox, Port};
use alphapulse_types::{Msg, PxQty};

/// Collects (index of the input message, report) into a preallocated Vec.
pub struct PreOut {
    pub up: Vec<(usize, Msg)>,
    pub cur: usize,
    pub down: usize,
    pub overflow: usize,
}

impl Outbox for PreOut {
    fn send(&mut self, port: Port, msg: Msg) -> Flow {
        match port {
            Port::Down => self.down += 1,
            Port::Up if self.up.len() < self.up.capacity() => self.up.push((self.cur, msg)),
            Port::Up => self.overflow += 1,
        }
        Flow::Sent
    }
}

/// Handle every message at its event time (a backtest clock, never going back); depth updates
/// read their levels from `levels`.
pub fn run(gw: &mut SimGateway, msgs: &[Msg], levels: &[PxQty], out: &mut PreOut) {
    let mut now = 0u64;
    for (i, m) in msgs.iter().enumerate() {
        now = now.max(m.event_ts());
        out.cur = i;
        let mut ctx = Ctx::new(now, out).with_levels(levels);
        gw.handle_msg(m, &mut ctx);
    }
}

/// Feed the reports to a checker (in the order they were sent).
pub fn check(gw: &SimGateway, msgs: &[Msg], out: &PreOut) -> Checker {
    assert_eq!((out.down, out.overflow), (0, 0));
    let mut chk = Checker::default();
    let cfg = gw.config().clone();
    let mut sent = 0;
    for (i, m) in &out.up {
        while sent <= *i {
            if let Msg::New(o) = &msgs[sent] {
                chk.sent(o);
            }
            sent += 1;
        }
        let Msg::Exec(r) = m else { panic!("non-report sent Up") };
        chk.report(&cfg, r);
    }
    for m in &msgs[sent..] {
        if let Msg::New(o) = m {
            chk.sent(o);
        }
    }
    chk.finish(gw);
    chk
}

/// So the drive loop calls the actor through its trait.
trait HandleMsg {
    fn handle_msg(&mut self, m: &Msg, ctx: &mut Ctx<'_>);
}
impl HandleMsg for SimGateway {
    fn handle_msg(&mut self, m: &Msg, ctx: &mut Ctx<'_>) {
        alphapulse_runtime::Actor::handle(self, m, ctx);
    }
}
