//! Building and sending execution reports (Up, toward the router), with the stats they update.

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
        strategy: o.strategy,
        kind,
        side: o.side,
        liquidity: Liquidity::None,
        reason: VenueReject::None,
        _pad: [0; 6],
    }
}

impl Tariff {
    #[inline(always)]
    fn ts(&self, act: u64) -> u64 {
        act.saturating_add(self.response_ns)
    }

    /// The venue accepted `o` at `act`.
    pub fn accepted(&self, stats: &mut SimStats, ctx: &mut Ctx<'_>, o: &OrderNew, act: u64) {
        stats.accepted += 1;
        ctx.up(Msg::Exec(base(o, ExecKind::Accepted, self.ts(act))));
    }

    /// `o` (or its unfilled rest) was cancelled at `act`.
    pub fn cancelled(&self, stats: &mut SimStats, ctx: &mut Ctx<'_>, o: &OrderNew, act: u64) {
        stats.cancelled += 1;
        ctx.up(Msg::Exec(base(o, ExecKind::Cancelled, self.ts(act))));
    }

    /// `o` was refused at `act` (use `response = false` for refusals made at the gateway itself,
    /// which reach the router without the venue's response latency).
    pub fn rejected(
        &self,
        stats: &mut SimStats,
        ctx: &mut Ctx<'_>,
        o: &OrderNew,
        reason: VenueReject,
        act: u64,
        response: bool,
    ) {
        stats.on_reject(reason);
        let ts = if response { self.ts(act) } else { act };
        ctx.up(Msg::Exec(ExecReport { reason, ..base(o, ExecKind::Rejected, ts) }));
    }

    /// A cancel request for `id` was refused.
    #[allow(clippy::too_many_arguments)]
    pub fn cancel_rejected(
        &self,
        stats: &mut SimStats,
        ctx: &mut Ctx<'_>,
        id: OrderId,
        inst: InstrumentId,
        strategy: StrategyId,
        reason: VenueReject,
        ts: u64,
    ) {
        stats.cancel_rejects += 1;
        let o = OrderNew { order_id: id, inst, strategy, side: Side::Buy, ..OrderNew::default() };
        ctx.up(Msg::Exec(ExecReport { reason, ..base(&o, ExecKind::CancelRejected, ts) }));
    }

    /// A fill of `qty` at `px` for `o` at `act`; the fee is `ppm × notional`.
    #[allow(clippy::too_many_arguments)]
    pub fn fill(
        &self,
        stats: &mut SimStats,
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
        ctx.up(Msg::Exec(r));
    }
}
