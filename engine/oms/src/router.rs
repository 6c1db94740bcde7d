//! [`RouterActor`]: the order manager. Turns risk's decisions into orders, follows each order
//! through the lifecycle ([`crate::state`]) from the gateway's execution reports, cancels resting
//! orders that outlive their TTL, and tracks net positions to close out `PositionOpen` orders.
//!
//! - `Decision`: a record walks `SignalGenerated → RiskValidation → Approved | Rejected`. Approved:
//!   the order's id is the intent's (`Intent::order_id`, assigned by the aggregator: the router
//!   allocates none), then `Create → OrderCreation` and `Msg::New` down (`origin_ts` and `trigger` kept, `ts` =
//!   now; counted by trigger). Refused before the venue, with an `ExecKind::Rejected` report for the id sent up so
//!   that risk and the strategy release it at once (and no record): an id of 0 or one the table
//!   still holds (`duplicate_ids`, `VenueReject::DuplicateId`), or no record to spare, every slot
//!   holding a working order (`table_full`, `VenueReject::OrderTableFull`); both count in
//!   `failed`. A decision risk rejected is recorded and journaled only: risk has already sent its
//!   refusal up.
//! - `Exec`: `Accepted → OrderPlaced`; fills → `PartiallyFilled`/`Filled` by cumulative quantity
//!   (leaves = qty − filled); `Cancelled → Cancelled`; `Rejected → Failed`. A fill or cancel before
//!   the acceptance implies it (counted). Done orders with fills → `PositionOpen`, and
//!   `PositionClosed` once the instrument's net position (from all fills) is next zero. Refused
//!   transitions are counted per (state, event). The runtime forwards every report up first.
//! - Journal: every transition the router applies is sent to its journal port as a
//!   `Msg::OrderState` (`from`, `to`, `event` as the `u8` of [`OrderState`](S)/[`LifecycleEvent`](E),
//!   with the record's order id, intent id and instrument); a refused one is journaled too, with
//!   `refused = 1` and `to == from`, besides being counted. Rejected intents have order id 0: their
//!   intent id tells them apart.
//! - Market events: the runtime forwards the event down, then resting GTC limit orders older than
//!   `order_ttl_ns` get a `Msg::Cancel` (once). `Control` `CancelAll` (the strategy host's, when a
//!   strategy faults) cancels every working order; other `Control` commands pass.
//! - The operator (the control socket, [`crate::control`]): `halt` refuses every approved
//!   decision from then on (`VenueReject::Halted`, reported up like the other refusals before
//!   the venue) and cancels working orders, `cancel-all [symbol]` cancels them, `orders` lists them.
//! - `Eos`: passes down; working orders are left as they are (a backtest ends with what is
//!   resting; cancelling is the operator's or the strategy's decision, not the end of input's).

use crate::state::{next, LifecycleEvent as E, OrderState as S};
use crate::table::{List, OrderTable};
use crate::{OrderRecord, RouterConfig, RouterError, RouterStats};
use alphapulse_runtime::{Actor, Ctx, Kinds, Replies};
use alphapulse_types::{
    notional, ControlCmd, CtlReq, CtlStatus, ExecKind, ExecReport, Intent, Msg, OrdType, OrderId, OrderNew,
    OrderTransition, Tif, VenueReject, Verdict, ALL_INSTRUMENTS,
};
use std::any::Any;

/// The order manager actor. All tables are sized at construction; `handle` never allocates.
pub struct RouterActor {
    cfg: RouterConfig,
    pub(crate) table: OrderTable,
    /// Net position per instrument from fills (raw 1e-8 units).
    net: Vec<i64>,
    /// The operator's kill switch: approved decisions are refused (`VenueReject::Halted`).
    pub(crate) halted: bool,
    pub(crate) stats: RouterStats,
}

impl RouterActor {
    /// Validate `cfg`; size the table and the per-instrument state for `n_instruments`.
    pub fn new(cfg: RouterConfig, n_instruments: usize) -> Result<Self, RouterError> {
        cfg.validate()?;
        Ok(RouterActor {
            table: OrderTable::new(cfg.max_orders as usize, n_instruments),
            net: vec![0; n_instruments],
            halted: false,
            stats: RouterStats::default(),
            cfg,
        })
    }

    pub fn stats(&self) -> &RouterStats {
        &self.stats
    }
    /// The record of an order, while the table still holds it.
    pub fn order(&self, id: OrderId) -> Option<&OrderRecord> {
        self.table.slot_of(id.0).map(|s| self.table.rec(s))
    }
    /// Every record the table holds (slot order), including rejected intents.
    pub fn orders(&self) -> impl Iterator<Item = &OrderRecord> {
        self.table.iter()
    }
    /// Orders still working at the venue (created, placed or partially filled: a fill or cancel
    /// may still come). A scan of the table: for reports, not the hot path. Working orders are
    /// never recycled, so this counts every one.
    pub fn open_orders(&self) -> u64 {
        self.table.iter().filter(|r| r.state.is_working()).count() as u64
    }
    /// Records held (a scan of the table: for reports, not the hot path).
    pub fn len(&self) -> usize {
        self.table.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Net position of an instrument from fills (raw 1e-8 units).
    pub fn net_position(&self, inst: alphapulse_types::InstrumentId) -> i64 {
        self.net.get(inst.index()).copied().unwrap_or(0)
    }

    /// Apply `ev` to the record in `slot` and journal the transition; refused transitions are
    /// counted (and journaled, flagged).
    fn apply(&mut self, slot: u32, ev: E, ctx: &mut Ctx<'_>) -> bool {
        let rec = self.table.rec_mut(slot);
        let st = rec.state;
        let (to, ok) = match next(st, ev) {
            Ok(to) => (to, true),
            Err(_) => (st, false),
        };
        rec.state = to;
        ctx.journal(Msg::OrderState(OrderTransition {
            order_id: rec.order_id,
            intent_id: rec.intent_id,
            ts: ctx.now(),
            inst: rec.inst,
            from: st as u8,
            to: to as u8,
            event: ev as u8,
            refused: !ok as u8,
        }));
        if !ok {
            self.stats.invalid_transitions += 1;
            self.stats.invalid[st as usize][ev as usize] += 1;
        }
        ok
    }

    fn on_decision(&mut self, d: &Intent, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        self.stats.decisions += 1;
        let approved = d.verdict == Verdict::Approved;
        let id = if approved { d.intent_id } else { 0 };
        if approved && self.halted {
            self.stats.halted_refused += 1;
            self.refuse(d, VenueReject::Halted, ctx);
            return;
        }
        if approved && (id == 0 || self.table.slot_of(id).is_some()) {
            self.stats.duplicate_ids += 1;
            self.refuse(d, VenueReject::DuplicateId, ctx);
            return;
        }
        let Some((slot, old)) = self.table.alloc(OrderRecord::from_decision(d, now)) else {
            self.stats.table_full += 1;
            if approved {
                self.refuse(d, VenueReject::OrderTableFull, ctx);
            } else {
                self.stats.rejected_by_risk += 1;
            }
            return;
        };
        if old.is_some_and(|o| o.state == S::PositionOpen) {
            self.stats.position_records_evicted += 1;
        }
        if approved {
            // Before the first transition, so that every journaled transition of the order carries it.
            if self.table.set_order_id(slot, id).is_err() {
                self.stats.index_full += 1;
            }
        }
        self.apply(slot, E::Validate, ctx);
        if !approved {
            self.apply(slot, E::Reject, ctx);
            self.stats.rejected_by_risk += 1;
            self.table.retire(slot);
            return;
        }
        self.apply(slot, E::Approve, ctx);
        self.apply(slot, E::Create, ctx);
        self.stats.created += 1;
        self.stats.created_by_trigger[d.trigger as usize] += 1;
        if d.tif == Tif::Gtc && d.ord_type == OrdType::Limit && self.cfg.order_ttl_ns > 0 {
            self.table.push_back(List::Ttl, slot);
        }
        ctx.down(Msg::New(OrderNew {
            order_id: OrderId(id),
            px: d.px,
            qty: d.qty,
            origin_ts: d.origin_ts,
            ts: now,
            inst: d.inst,
            strategy: d.strategy,
            side: d.side,
            ord_type: d.ord_type,
            tif: d.tif,
            trigger: d.trigger,
            ..Default::default()
        }));
    }

    /// An approved decision the router cannot turn into an order: counted in `failed` and
    /// reported up at once as `Rejected` for its id (`reason` says it never reached the venue).
    pub(crate) fn refuse(&mut self, d: &Intent, reason: VenueReject, ctx: &mut Ctx<'_>) {
        self.stats.failed += 1;
        ctx.up(Msg::Exec(ExecReport {
            order_id: d.order_id(),
            px: d.px,
            ts: ctx.now(),
            inst: d.inst,
            kind: ExecKind::Rejected,
            side: d.side,
            reason,
            ..Default::default()
        }));
    }

    /// A report before the acceptance implies it.
    fn implied_accept(&mut self, slot: u32, ctx: &mut Ctx<'_>) {
        if self.table.rec(slot).state == S::OrderCreation && self.apply(slot, E::Accept, ctx) {
            self.stats.implied_accepts += 1;
            self.stats.placed += 1;
            self.table.rec_mut(slot).placed_ts = ctx.now();
        }
    }

    fn on_exec(&mut self, r: &ExecReport, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let is_fill = r.kind == ExecKind::Fill;
        if is_fill {
            self.stats.fills += 1;
            self.stats.filled_qty += r.qty.raw() as i128;
            match self.net.get_mut(r.inst.index()) {
                Some(n) => *n = n.saturating_add(r.side.sign() * r.qty.raw()),
                None => self.stats.unknown_instrument += 1,
            }
        }
        match self.table.slot_of(r.order_id.0) {
            None => self.stats.unknown_order += 1,
            Some(slot) => match r.kind {
                ExecKind::Accepted => {
                    if self.apply(slot, E::Accept, ctx) {
                        self.stats.placed += 1;
                        self.table.rec_mut(slot).placed_ts = now;
                    }
                }
                ExecKind::Fill => self.on_fill(slot, r, ctx),
                ExecKind::Cancelled => {
                    self.implied_accept(slot, ctx);
                    if self.apply(slot, E::Cancel, ctx) {
                        self.stats.cancelled += 1;
                        self.stats.cancelled_after_partial += (self.table.rec(slot).filled.raw() > 0) as u64;
                        self.finish(slot, ctx);
                    }
                }
                // A refused cancel leaves the order as it was (it usually filled first).
                ExecKind::CancelRejected => self.stats.cancel_rejects += 1,
                ExecKind::Rejected => {
                    self.table.rec_mut(slot).reject_reason = r.reason;
                    if self.apply(slot, E::Fail, ctx) {
                        self.stats.failed += 1;
                        self.stats.venue_rejected += 1;
                        self.finish(slot, ctx);
                    }
                }
            },
        }
        if is_fill && self.net.get(r.inst.index()) == Some(&0) {
            self.close_positions(r.inst.0, ctx);
        }
    }

    fn on_fill(&mut self, slot: u32, r: &ExecReport, ctx: &mut Ctx<'_>) {
        self.implied_accept(slot, ctx);
        let rec = self.table.rec_mut(slot);
        self.stats.fills_by_trigger[rec.trigger as usize] += 1;
        rec.filled = rec.filled.saturating_add(r.qty);
        rec.fill_count += 1;
        rec.fill_notional = rec.fill_notional.saturating_add(notional(r.px, r.qty));
        let done = rec.filled >= rec.qty;
        if rec.filled > rec.qty {
            self.stats.overfills += 1;
        }
        let was = rec.state;
        if self.apply(slot, if done { E::Fill } else { E::PartialFill }, ctx) {
            if done {
                self.stats.filled += 1;
                self.finish(slot, ctx);
            } else if was == S::OrderPlaced {
                self.stats.partially_filled += 1;
            }
        }
    }

    /// The order's fills are done (Filled, Cancelled or Failed).
    fn finish(&mut self, slot: u32, ctx: &mut Ctx<'_>) {
        self.table.unlink(List::Ttl, slot);
        let rec = self.table.rec_mut(slot);
        rec.done_ts = ctx.now();
        let (filled, inst) = (rec.filled.raw() > 0, rec.inst);
        if filled && self.apply(slot, E::OpenPosition, ctx) {
            self.stats.positions_opened += 1;
            if self.net.get(inst.index()).is_none_or(|n| *n == 0) {
                if self.apply(slot, E::ClosePosition, ctx) {
                    self.stats.positions_closed += 1;
                }
            } else {
                self.table.push_back(List::Pos(inst.0), slot);
            }
        }
        self.table.retire(slot);
    }

    /// The instrument's net position is zero: every `PositionOpen` order of it is closed.
    fn close_positions(&mut self, inst: u32, ctx: &mut Ctx<'_>) {
        while let Some(slot) = self.table.front(List::Pos(inst)) {
            self.table.unlink(List::Pos(inst), slot);
            if self.apply(slot, E::ClosePosition, ctx) {
                self.stats.positions_closed += 1;
            }
        }
    }

    /// Cancel resting GTC orders created at least `order_ttl_ns` before `now`.
    fn expire(&mut self, ctx: &mut Ctx<'_>) {
        if self.table.front(List::Ttl).is_none() {
            return; // nothing can expire: do not read the clock
        }
        let ttl = self.cfg.order_ttl_ns;
        let now = ctx.now();
        while let Some(slot) = self.table.front(List::Ttl) {
            let rec = self.table.rec(slot);
            if now.saturating_sub(rec.created_ts) < ttl {
                break;
            }
            self.table.unlink(List::Ttl, slot);
            let c = self.table.rec_mut(slot).cancel(now);
            self.stats.ttl_cancels += 1;
            ctx.down(Msg::Cancel(c));
        }
    }
}

impl Actor for RouterActor {
    fn name(&self) -> &'static str {
        "router"
    }

    /// Market events (the clock of its TTL cancels), decisions, execution reports; intents and
    /// orders that did not come through here are refused.
    fn handles(&self) -> Kinds {
        Kinds::MARKET
            | Kinds::DECISION
            | Kinds::EXEC
            | Kinds::INTENT
            | Kinds::NEW
            | Kinds::CANCEL
            | Kinds::CONTROL
    }

    /// Decisions become orders; stray intents and orders go no further.
    fn consumes(&self) -> Kinds {
        Kinds::DECISION | Kinds::INTENT | Kinds::NEW | Kinds::CANCEL
    }

    /// The operator's commands: `Halt` (refuse approved decisions, cancel working orders),
    /// `Resume`, `CancelAll`, `Orders` (see [`crate::control`]).
    fn control(&mut self, req: &CtlReq, ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        self.on_control(req, ctx, out)
    }

    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        match msg {
            Msg::Quote(_) | Msg::Trade(_) | Msg::Depth(_) | Msg::Book(_) => self.expire(ctx),
            Msg::Decision(d) => self.on_decision(d, ctx),
            Msg::Exec(r) => self.on_exec(r, ctx),
            // A strategy faulted: cancel every working order (they are at most risk's
            // `max_open_orders`, which the config keeps within a ring's capacity).
            Msg::Control(c) if c.cmd == ControlCmd::CancelAll => {
                self.stats.fault_cancel_requests += 1;
                self.cancel_working(ALL_INSTRUMENTS, usize::MAX, ctx);
            }
            Msg::Control(_) => {}
            _ => self.stats.unexpected += 1,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
