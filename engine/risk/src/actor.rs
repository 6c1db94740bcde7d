//! [`RiskActor`]: the risk stage of the chain. Marks from quotes, checks every intent, tracks open
//! orders and the portfolio from execution reports, and owns the kill switch.
//!
//! - `Quote`: mark = mid when two-sided (both prices positive); otherwise the market counts as
//!   absent for the checks until the next two-sided quote. `Book` with `Gap` also clears it (the
//!   portfolio keeps its last mark). Every market event is forwarded `Down`.
//! - `Intent`: checked ([`crate::check`]); sent `Down` as `Msg::Decision` with `verdict` set and
//!   `ts` = now (`origin_ts` kept), approved or not. An approval is recorded in the rate window and
//!   opens the order under the id the aggregator gave the intent (`Intent::order_id`; see
//!   [`crate::open_orders`]). A refusal also goes `Up` at once as an `Exec` report (`Rejected`,
//!   reason `VenueReject::RiskRefused`, the intent's id, price and side, risk's position), so the
//!   strategy frees the intent without waiting out its timeout.
//! - `Exec` (from the router): fills update open quantities and the portfolio; `Cancelled` and
//!   `Rejected` end an order (not a `DuplicateId` refusal: that is about a second order under an
//!   id, and the held one goes on). Sent `Up` with `position` set to risk's net position in the
//!   instrument after the report: the one position the strategy reads. After every fill the
//!   portfolio applied, the instrument's `Msg::Position` (position, average price, its realized
//!   and unrealized PnL, the portfolio's equity) goes to the journal port (risk's stream, no
//!   neighbour).
//! - `Control`: `Halt` engages the kill switch (every intent is rejected `Halted`), `Resume`
//!   releases it. Forwarded `Down`. `Eos`: forwarded `Down`.
//! - `Decision`, `New`, `Cancel` do not belong here: counted and dropped, so nothing reaches the
//!   router without a check.

use crate::checks::{check, RiskView};
use crate::{Limits, OpenOrders, Portfolio, RateWindow, RiskConfig, RiskError, RiskStats};
use alphapulse_runtime::{Actor, Ctx};
use alphapulse_types::{
    fixed::mid, BookState, ControlCmd, ExecKind, ExecReport, InstrumentId, InstrumentTable, Intent, Msg,
    PositionRecord, Price, Quote, VenueReject, Verdict,
};
use std::any::Any;

/// The pre-trade risk actor. All tables are sized at construction; `handle` never allocates.
pub struct RiskActor {
    limits: Limits,
    instruments: InstrumentTable,
    /// Mid of the latest two-sided quote per instrument (for the checks).
    mids: Vec<Option<Price>>,
    halted: bool,
    rate: RateWindow,
    open: OpenOrders,
    portfolio: Portfolio,
    stats: RiskStats,
}

impl RiskActor {
    /// Validate `cfg` and size every table for `instruments`.
    pub fn new(cfg: RiskConfig, instruments: &InstrumentTable) -> Result<Self, RiskError> {
        cfg.validate()?;
        let n = instruments.len();
        Ok(RiskActor {
            limits: cfg.limits(),
            instruments: instruments.clone(),
            mids: vec![None; n],
            halted: cfg.halted,
            rate: RateWindow::new(cfg.max_orders_per_sec),
            open: OpenOrders::new(cfg.max_open_orders, n),
            portfolio: Portfolio::new(cfg.initial_cash, n),
            stats: RiskStats::default(),
        })
    }

    /// Positions, cash and PnL.
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }
    /// Counters.
    pub fn stats(&self) -> &RiskStats {
        &self.stats
    }
    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
    /// Kill switch state.
    pub fn is_halted(&self) -> bool {
        self.halted
    }
    /// Orders approved and not yet terminal.
    pub fn open_orders(&self) -> &OpenOrders {
        &self.open
    }
    /// Mid used by the checks for `inst` (`None`: no two-sided market).
    pub fn mid(&self, inst: InstrumentId) -> Option<Price> {
        self.mids.get(inst.index()).copied().flatten()
    }

    /// Check one intent at time `now` and record it if approved. Returns the verdict.
    pub fn decide(&mut self, it: &Intent, now: u64) -> Verdict {
        let view = RiskView {
            halted: self.halted,
            instrument: self.instruments.get(it.inst),
            mid: self.mid(it.inst),
            position: self.portfolio.position(it.inst),
            open_same_side: self.open.open_qty(it.inst, it.side),
            open_orders: self.open.len(),
            rate_ok: self.rate.allows(now),
        };
        let v = check(&self.limits, &view, it);
        self.stats.intents += 1;
        if v == Verdict::Approved {
            self.stats.approved += 1;
            self.rate.record(now);
            // The table holds twice max_open_orders, which the check enforces: only an id of 0 or
            // one already open fails (the order manager refuses that order; counted here).
            if !self.open.insert(it.order_id(), it.inst, it.side, it.qty) {
                self.stats.duplicate_ids += 1;
            }
        } else {
            self.stats.rejected[v as usize] += 1;
        }
        self.stats.open_orders = self.open.len();
        v
    }

    fn on_quote(&mut self, q: &Quote) {
        let Some(slot) = self.mids.get_mut(q.inst.index()) else {
            self.stats.unknown_instrument += 1;
            return;
        };
        if q.bid_px.raw() > 0 && q.ask_px.raw() > 0 {
            let m = mid(q.bid_px, q.ask_px);
            *slot = Some(m);
            self.portfolio.on_mark(q.inst, m);
        } else {
            *slot = None;
        }
    }

    /// The instrument's position and PnL now, as journaled after a fill.
    pub fn position_record(&self, inst: InstrumentId, ts: u64) -> PositionRecord {
        let p = &self.portfolio;
        PositionRecord {
            inst,
            _pad: 0,
            qty: p.position(inst),
            avg_px: p.avg_price(inst),
            realized: p.realized_of(inst),
            unrealized: p.unrealized_of(inst),
            equity: p.equity(),
            ts,
        }
    }

    /// The report that tells the strategy its intent was refused here (decision `d`, not
    /// approved): sent up at once.
    pub fn refusal(&self, d: &Intent) -> ExecReport {
        ExecReport {
            order_id: d.order_id(),
            px: d.px,
            ts: d.ts,
            inst: d.inst,
            kind: ExecKind::Rejected,
            side: d.side,
            reason: VenueReject::RiskRefused,
            position: self.portfolio.position(d.inst),
            ..Default::default()
        }
    }

    /// Send `d` (the decision on an intent) down, and its refusal up when it is not approved.
    fn send_decision(&mut self, d: Intent, ctx: &mut Ctx<'_>) {
        ctx.down(Msg::Decision(d));
        if d.verdict != Verdict::Approved {
            self.stats.refusals_sent += 1;
            ctx.up(Msg::Exec(self.refusal(&d)));
        }
    }

    /// Apply a report from the order manager; returns it with risk's position stamped, to go up.
    fn on_exec(&mut self, r: &ExecReport, ctx: &mut Ctx<'_>) -> ExecReport {
        self.stats.execs += 1;
        let known = match r.kind {
            // A refused cancel leaves the order as it was.
            ExecKind::Accepted | ExecKind::CancelRejected => true,
            ExecKind::Fill => {
                self.stats.fills += 1;
                if self.portfolio.on_fill(r.inst, r.side, r.px, r.qty, r.fee) {
                    ctx.journal(Msg::Position(self.position_record(r.inst, ctx.now())));
                } else {
                    self.stats.unknown_instrument += 1;
                }
                self.open.fill(r.order_id, r.qty)
            }
            // A second order under an open id was refused: the open one goes on.
            ExecKind::Rejected if r.reason == VenueReject::DuplicateId => true,
            ExecKind::Cancelled | ExecKind::Rejected => self.open.close(r.order_id),
        };
        // Accepted reports are not checked: a fully filled order may be accepted after it left.
        if !known {
            self.stats.exec_unknown_order += 1;
        }
        self.stats.open_orders = self.open.len();
        ExecReport { position: self.portfolio.position(r.inst), ..*r }
    }
}

impl Actor for RiskActor {
    fn name(&self) -> &'static str {
        "risk"
    }

    /// Trades and book levels are forwarded untouched (marks come from quotes only).
    fn passes_down(&self) -> u32 {
        let trade = Msg::Trade(Default::default()).kind_index();
        let level = Msg::Level(Default::default()).kind_index();
        (1 << trade) | (1 << level)
    }

    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        match msg {
            Msg::Quote(q) => {
                self.on_quote(q);
                ctx.down(*msg);
            }
            Msg::Book(b) => {
                if b.state == BookState::Gap {
                    if let Some(m) = self.mids.get_mut(b.inst.index()) {
                        *m = None;
                    }
                }
                ctx.down(*msg);
            }
            Msg::Trade(_) | Msg::Level(_) | Msg::Eos(_) => ctx.down(*msg),
            Msg::Intent(it) => {
                let now = ctx.now();
                let mut d = *it;
                d.verdict = self.decide(it, now);
                d.ts = now;
                self.send_decision(d, ctx);
            }
            Msg::Exec(r) => {
                let stamped = self.on_exec(r, ctx);
                ctx.up(Msg::Exec(stamped));
            }
            Msg::Control(c) => {
                match c.cmd {
                    ControlCmd::Halt => {
                        if !self.halted {
                            self.stats.halts += 1;
                        }
                        self.halted = true;
                    }
                    ControlCmd::Resume => {
                        if self.halted {
                            self.stats.resumes += 1;
                        }
                        self.halted = false;
                    }
                }
                ctx.down(*msg);
            }
            Msg::Decision(_) | Msg::New(_) | Msg::Cancel(_) => self.stats.unexpected += 1,
            // Journal-only kinds never travel on a ring.
            Msg::Signal(_) | Msg::OrderState(_) | Msg::Position(_) => self.stats.unexpected += 1,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
