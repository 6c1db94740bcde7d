//! What the operator's commands do to the aggregator (through the strategy host): close a
//! position (`flatten`) and withdraw a disabled strategy's signals.

use super::{limit_price, Aggregator, Ticket};
use crate::view::two_sided;
use crate::MarketView;
use crate::{OrderStyle, MAX_SCORE};
use alphapulse_types::{InstrumentId, Intent, OrderId, Qty, Side, Tif};

impl Aggregator {
    /// An intent that closes the position of `inst` (risk's, from the latest report): the whole
    /// quantity, IOC at the opposite best `slippage_ticks` through it whatever the order style, so
    /// it is marketable; it goes through risk like any other. `None` when flat, when there is no
    /// two-sided quote, or when ids are exhausted. It replaces any outstanding intent of the
    /// instrument as the one followed (the older one still ends by its own reports). Not while
    /// halted: the caller checks.
    pub fn flatten(
        &mut self,
        inst: InstrumentId,
        event_ts: u64,
        now: u64,
        view: &MarketView,
    ) -> Option<Intent> {
        let i = inst.index();
        let pos = self.insts.get(i)?.position;
        if pos == 0 {
            return None;
        }
        let side = if pos > 0 { Side::Sell } else { Side::Buy };
        let rules = &self.rules[i];
        let q = view.quote(inst).filter(|q| two_sided(q))?;
        let px = limit_price(OrderStyle::Aggressive, self.cfg.slippage_ticks, rules, q, side)?;
        let qty = rules.round_qty_down(Qty::from_raw(pos.unsigned_abs().min(i64::MAX as u64) as i64)).raw();
        if qty == 0 {
            return None;
        }
        let id = OrderId::compose(self.strategy, self.next_seq)?;
        self.next_seq += 1;
        self.stats.flatten_intents += 1;
        let confidence = MAX_SCORE as u16;
        Some(self.issue(Ticket { inst, id, px, qty, side, confidence, tif: Tif::Ioc }, event_ts, now))
    }

    /// Strategy `agent`'s signals stop counting (the operator disabled it): every one it holds is
    /// dropped; its weight stays, for when it is enabled again.
    pub fn drop_signals(&mut self, agent: usize) {
        if agent >= self.weights.len() {
            return;
        }
        for inst in 0..self.rules.len() {
            self.slots[inst * super::MAX_AGENTS + agent].live = false;
        }
    }
}
