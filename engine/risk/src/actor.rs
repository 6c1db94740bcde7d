//! [`RiskActor`]: the risk stage of the chain. Marks from quotes, checks every intent, tracks open
//! orders and the portfolio from execution reports, and owns the kill switch.
//!
//! - `Quote`: mark = mid when two-sided (both prices positive); otherwise the market counts as
//!   absent for the checks until the next two-sided quote. `Book` with `Gap` also clears it (the
//!   portfolio keeps its last mark). The runtime forwards every market event `Down` (trades and
//!   depth updates without calling risk).
//! - `Intent`: checked ([`crate::check`]); sent `Down` as `Msg::Decision` with `verdict` set and
//!   `ts` = now (`origin_ts` kept), approved or not. An approval is recorded in the rate window and
//!   opens the order under the id the aggregator gave the intent (`Intent::order_id`; see
//!   [`crate::open_orders`]). A refusal also goes `Up` at once as an `Exec` report (`Rejected`,
//!   reason `VenueReject::RiskRefused`, the intent's id, price and side, risk's position), so the
//!   strategy frees the intent without waiting out its timeout.
//! - `Exec` (from the router): fills update open quantities and the portfolio; `Cancelled` and
//!   `Rejected` end an order (not a `DuplicateId` refusal: that is about a second order under an
//!   id, and the held one goes on). Consumed and sent `Up` as a new report with `position` set to risk's net position in the
//!   instrument after the report: the one position the strategy reads. After every fill the
//!   portfolio applied, the instrument's `Msg::Position` (position, average price, its realized
//!   and unrealized PnL, the portfolio's equity) goes to the journal port (risk's stream, no
//!   neighbour).
//! - `Control`: `Halt` engages the kill switch (every intent is rejected `Halted`), `Resume`
//!   releases it. Forwarded `Down` by the runtime, as is `Eos`.
//! - `Decision`, `New`, `Cancel` do not belong here: consumed and counted (`unexpected`), so nothing
//!   reaches the router without a check.

use crate::checks::{check, RiskView};
use crate::limits::LIMITS;
use crate::{Limits, OpenOrders, Portfolio, RateWindow, RiskConfig, RiskError, RiskStats};
use alphapulse_runtime::{Actor, Ctx, Kinds, Replies};
use alphapulse_types::{
    fixed::mid, BookState, ControlCmd, CtlOp, CtlReq, CtlRow, CtlStatus, ExecKind, ExecReport, InstrumentId,
    InstrumentTable, Intent, Msg, PositionRecord, Price, Quote, VenueReject, Verdict,
};
use std::any::Any;

/// The pre-trade risk actor. All tables are sized at construction; `handle` never allocates.
pub struct RiskActor {
    limits: Limits,
    /// The limits at start (the most a table-sized limit may be raised back to).
    start: Limits,
    instruments: InstrumentTable,
    /// Mid of the latest two-sided quote per instrument (for the checks).
    mids: Vec<Option<Price>>,
    /// Per instrument: its book reported a gap and has not synced since. No order is approved
    /// for it meanwhile (`NoMarket`): quotes may go on, but the book behind them is being rebuilt
    /// (a live feed resyncing after a gap or a reconnect trades on no stale book).
    resyncing: Vec<bool>,
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
            start: cfg.limits(),
            instruments: instruments.clone(),
            mids: vec![None; n],
            resyncing: vec![false; n],
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
    /// Mid used by the checks for `inst` (`None`: no two-sided market, or its book is resyncing).
    pub fn mid(&self, inst: InstrumentId) -> Option<Price> {
        if self.resyncing.get(inst.index()).copied().unwrap_or(false) {
            return None;
        }
        self.mids.get(inst.index()).copied().flatten()
    }
    /// True while `inst`'s book is resyncing (a gap reported, no sync since).
    pub fn is_resyncing(&self, inst: InstrumentId) -> bool {
        self.resyncing.get(inst.index()).copied().unwrap_or(false)
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
            // The table holds max_open_orders, which the check enforces: only an id of 0 or
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

impl RiskActor {
    /// Engage (true) or release the kill switch.
    pub fn set_halted(&mut self, halted: bool) {
        if halted && !self.halted {
            self.stats.halts += 1;
        }
        if !halted && self.halted {
            self.stats.resumes += 1;
        }
        self.halted = halted;
    }

    /// One row per instrument with a position or realized PnL, then the portfolio's.
    fn position_rows(&self, out: &mut Replies<'_>) {
        let p = &self.portfolio;
        for inst in self.instruments.iter() {
            let id = inst.id;
            if p.position(id).raw() == 0 && p.realized_of(id).raw() == 0 {
                continue;
            }
            let row = CtlRow::Position {
                inst: id,
                qty: p.position(id),
                avg_price: p.avg_price(id),
                realized: p.realized_of(id).raw(),
                unrealized: p.unrealized_of(id).raw(),
                mark: p.mark(id).unwrap_or_default(),
            };
            out.row(row, &inst.symbol);
        }
        let row = CtlRow::Portfolio {
            cash: p.cash().raw(),
            equity: p.equity().raw(),
            realized: p.realized_pnl().raw(),
            unrealized: p.unrealized_pnl().raw(),
            fees: p.fees().raw(),
            max_drawdown: p.max_drawdown().raw(),
            fills: p.fill_count(),
        };
        out.row(row, "portfolio");
    }

    /// Kinds that must not pass risk: decisions and orders made upstream of it.
    const REFUSED: Kinds = Kinds(Kinds::DECISION.0 | Kinds::NEW.0 | Kinds::CANCEL.0);
}

impl Actor for RiskActor {
    fn name(&self) -> &'static str {
        "risk"
    }

    /// Quotes (marks), book status (gaps), intents, execution reports and operator commands;
    /// orders that did not come through risk are refused here. Trades and depth updates are not
    /// handled (marks come from quotes only): the runtime passes them on.
    fn handles(&self) -> Kinds {
        Kinds::QUOTE | Kinds::BOOK | Kinds::INTENT | Kinds::EXEC | Kinds::CONTROL | Self::REFUSED
    }

    /// Intents become decisions; execution reports go up as new reports stamped with risk's net
    /// position; orders that did not come through risk go no further.
    fn consumes(&self) -> Kinds {
        Kinds::INTENT | Kinds::EXEC | Self::REFUSED
    }

    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        match msg {
            Msg::Quote(q) => self.on_quote(q),
            Msg::Book(b) => {
                let gap = b.state == BookState::Gap;
                if let Some(r) = self.resyncing.get_mut(b.inst.index()) {
                    *r = gap;
                }
                if gap {
                    if let Some(m) = self.mids.get_mut(b.inst.index()) {
                        *m = None;
                    }
                }
            }
            Msg::Intent(it) => {
                let now = ctx.now();
                let mut d = *it;
                d.verdict = self.decide(it, now);
                d.ts = now;
                self.send_decision(d, ctx);
            }
            Msg::Exec(r) => {
                let stamped = self.on_exec(r, ctx);
                let _ = ctx.up(Msg::Exec(stamped));
            }
            Msg::Control(c) => match c.cmd {
                ControlCmd::Halt => self.set_halted(true),
                ControlCmd::Resume => self.set_halted(false),
                ControlCmd::CancelAll => {}
            },
            _ => self.stats.unexpected += 1,
        }
    }

    /// The operator's commands: `Halt`/`Resume` (the kill switch), `SetLimit`, and the `Limits`
    /// and `Positions` tables (see [`crate::limits`]).
    fn control(&mut self, req: &CtlReq, _ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        match req.op {
            CtlOp::Halt | CtlOp::Resume => self.set_halted(req.op == CtlOp::Halt),
            CtlOp::SetLimit => {
                let i = req.index as usize;
                if let Err(e) = self.limits.set(i, req.value, &self.start) {
                    return out.fail(e);
                }
                if i == 4 {
                    self.rate.set_max(self.limits.max_orders_per_sec);
                }
                self.stats.limit_changes += 1;
            }
            CtlOp::Limits => {
                for (i, spec) in LIMITS.iter().enumerate() {
                    let value = self.limits.get(i).unwrap_or(0);
                    out.row(CtlRow::Limit { index: i as u16, value }, spec.name);
                }
            }
            CtlOp::Positions => self.position_rows(out),
            _ => return CtlStatus::Unsupported,
        }
        CtlStatus::Ok
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
