//! The order manager's side of the operator's commands (the control socket; see
//! `alphapulse_runtime::control`).
//!
//! - `Halt`: from now on every approved decision is refused (`VenueReject::Halted`, reported up
//!   at once like every refusal before the venue), and working orders are cancelled as for
//!   `CancelAll`. `Resume` lifts it.
//! - `CancelAll` (all instruments, or `CtlReq::inst`): a `Msg::Cancel` for each working order
//!   not already being cancelled, at most [`CANCEL_BATCH`] per request (a request runs between
//!   two messages and its cancels must fit the ring to the gateway); the answer is one
//!   `CtlRow::Count` of cancels sent, and the control thread asks again until it is 0.
//! - `Orders`: one `CtlRow::Order` per working order.

use crate::router::RouterActor;
use crate::table::List;
use alphapulse_runtime::{Ctx, Replies};
use alphapulse_types::{CtlOp, CtlReq, CtlRow, CtlStatus, InstrumentId, Msg, ALL_INSTRUMENTS};

/// Most cancels one request sends (the smallest ring holds 64 messages).
pub const CANCEL_BATCH: usize = 32;

impl RouterActor {
    pub(crate) fn on_control(&mut self, req: &CtlReq, ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        match req.op {
            CtlOp::Halt => {
                self.halted = true;
                let n = self.cancel_working(ALL_INSTRUMENTS, CANCEL_BATCH, ctx);
                out.row(CtlRow::Count(n), "cancels sent");
            }
            CtlOp::Resume => self.halted = false,
            CtlOp::CancelAll => {
                let n = self.cancel_working(req.inst, CANCEL_BATCH, ctx);
                out.row(CtlRow::Count(n), "cancels sent");
            }
            CtlOp::Orders => self.order_rows(out),
            _ => return CtlStatus::Unsupported,
        }
        CtlStatus::Ok
    }

    /// True while the operator's kill switch is on.
    pub fn is_halted(&self) -> bool {
        self.halted
    }

    /// Cancel up to `max` working orders not already being cancelled (of `inst`, or all);
    /// returns how many. A scan of the table: the control path, or a strategy's fault.
    pub(crate) fn cancel_working(&mut self, inst: InstrumentId, max: usize, ctx: &mut Ctx<'_>) -> u64 {
        let now = ctx.now();
        let mut sent = 0;
        let mut next = 0;
        while sent < max {
            // The next working order from slot `next` on (the table is borrowed while scanning).
            let found = self.table.used_slots().skip_while(|&s| s < next).find(|&s| {
                let r = self.table.rec(s);
                r.state.is_working() && !r.cancel_requested && (inst == ALL_INSTRUMENTS || r.inst == inst)
            });
            let Some(slot) = found else { break };
            next = slot + 1;
            sent += 1;
            let c = self.table.rec_mut(slot).cancel(now);
            // No TTL cancel for it later: it is being cancelled now.
            self.table.unlink(List::Ttl, slot);
            self.stats.operator_cancels += 1;
            ctx.down(Msg::Cancel(c));
        }
        sent as u64
    }

    fn order_rows(&self, out: &mut Replies<'_>) {
        for r in self.table.iter().filter(|r| r.state.is_working()) {
            let row = CtlRow::Order {
                id: r.order_id,
                inst: r.inst,
                side: r.side,
                price: r.px,
                qty: r.qty,
                filled: r.filled,
                state: r.state as u8,
            };
            out.row(row, if r.cancel_requested { "cancelling" } else { r.state.name() });
        }
    }
}
