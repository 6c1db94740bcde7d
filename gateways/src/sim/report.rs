//! Building execution reports, with the stats they update. Reports of the venue (stamped
//! `act + response latency`) go into the [`Outgoing`] queue and reach the router at their time;
//! refusals made at the gateway itself go up at once.

use super::outgoing::Outgoing;
use super::stats::SimStats;
use alphapulse_runtime::Ctx;
use alphapulse_types::fixed::apply_ppm;
use alphapulse_types::{
    notional, ExecKind, ExecReport, InstrumentId, Liquidity, Money, Msg, OrderId, OrderNew, Price, Qty, Side,
    StrategyId, VenueReject,
};

/// Fee rates and the report latency: what every report needs besides the order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tariff {
    pub maker_ppm: i64,
    pub taker_ppm: i64,
    pub response_ns: u64,
}

/// A report for `o` that is not a fill.
#[inline]
fn base(o: &OrderNew, kind: ExecKind, ts: u64) -> ExecReport {
    ExecReport {
        order_id: o.order_id,
        px: o.px,
        qty: Qty::ZERO,
        fee: Money::ZERO,
        ts,
        inst: o.inst,
        kind,
        side: o.side,
        liquidity: Liquidity::None,
        reason: VenueReject::None,
        // Risk's to stamp on the way up; the venue knows no position.
        position: Qty::ZERO,
    }
}

impl Tariff {
    #[inline(always)]
    fn ts(&self, act: u64) -> u64 {
        act.saturating_add(self.response_ns)
    }

    /// The venue accepted `o` at `act`.
    pub fn accepted(
        &self,
        stats: &mut SimStats,
        q: &mut Outgoing,
        ctx: &mut Ctx<'_>,
        o: &OrderNew,
        act: u64,
    ) {
        stats.accepted += 1;
        q.push(base(o, ExecKind::Accepted, self.ts(act)), stats, ctx);
    }

    /// `o` (or its unfilled rest) was cancelled at `act`.
    pub fn cancelled(
        &self,
        stats: &mut SimStats,
        q: &mut Outgoing,
        ctx: &mut Ctx<'_>,
        o: &OrderNew,
        act: u64,
    ) {
        stats.cancelled += 1;
        q.push(base(o, ExecKind::Cancelled, self.ts(act)), stats, ctx);
    }

    /// `o` was refused at `act`: by the venue (`venue = Some(queue)`: stamped with the response
    /// latency and queued), or at the gateway itself (`None`: sent at once, stamped `act`).
    #[allow(clippy::too_many_arguments)]
    pub fn rejected(
        &self,
        stats: &mut SimStats,
        venue: Option<&mut Outgoing>,
        ctx: &mut Ctx<'_>,
        o: &OrderNew,
        reason: VenueReject,
        act: u64,
    ) {
        stats.on_reject(reason);
        match venue {
            Some(q) => q.push(ExecReport { reason, ..base(o, ExecKind::Rejected, self.ts(act)) }, stats, ctx),
            None => {
                let _ = ctx.up(Msg::Exec(ExecReport { reason, ..base(o, ExecKind::Rejected, act) }));
            }
        }
    }

    /// A cancel request for `id` was refused at `act`, by the venue (`venue = Some(queue)`) or at
    /// the gateway (`None`), as for [`Tariff::rejected`].
    #[allow(clippy::too_many_arguments)]
    pub fn cancel_rejected(
        &self,
        stats: &mut SimStats,
        venue: Option<&mut Outgoing>,
        ctx: &mut Ctx<'_>,
        id: OrderId,
        inst: InstrumentId,
        strategy: StrategyId,
        reason: VenueReject,
        act: u64,
    ) {
        stats.cancel_rejects += 1;
        let o = OrderNew { order_id: id, inst, strategy, side: Side::Buy, ..OrderNew::default() };
        match venue {
            Some(q) => {
                let r = ExecReport { reason, ..base(&o, ExecKind::CancelRejected, self.ts(act)) };
                q.push(r, stats, ctx);
            }
            None => {
                let _ = ctx.up(Msg::Exec(ExecReport { reason, ..base(&o, ExecKind::CancelRejected, act) }));
            }
        }
    }

    /// A fill of `qty` at `px` for `o` at `act`; the fee is `ppm × notional`.
    #[allow(clippy::too_many_arguments)]
    pub fn fill(
        &self,
        stats: &mut SimStats,
        q: &mut Outgoing,
        ctx: &mut Ctx<'_>,
        o: &OrderNew,
        px: Price,
        qty: Qty,
        liq: Liquidity,
        act: u64,
    ) {
        let ppm = if liq == Liquidity::Maker { self.maker_ppm } else { self.taker_ppm };
        let n = notional(px, qty);
        let fee = apply_ppm(n, ppm);
        stats.on_fill(qty, n, fee, liq);
        let r = ExecReport { px, qty, fee, liquidity: liq, ..base(o, ExecKind::Fill, self.ts(act)) };
        q.push(r, stats, ctx);
    }
}
