//! The strategy host's side of the operator's commands (the control socket; see
//! `alphapulse_runtime::control`): the kill switch for intents, `flatten`, and the strategy
//! table (`strategies list | enable | disable`).

use crate::StrategyHost;
use alphapulse_runtime::{Ctx, Replies};
use alphapulse_types::{CtlOp, CtlReq, CtlRow, CtlStatus, InstrumentId, Msg};

impl StrategyHost {
    pub(crate) fn on_control(&mut self, req: &CtlReq, ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        let k = req.index as usize;
        match req.op {
            CtlOp::Halt => self.agg.set_halted(true),
            CtlOp::Resume => self.agg.set_halted(false),
            CtlOp::Flatten => {
                if self.agg.is_halted() {
                    // Flatten's orders go through risk, which refuses every order while halted.
                    return out.fail("halted: risk would refuse the closing orders; `resume` first");
                }
                let now = ctx.now();
                let mut sent = 0;
                for i in 0..self.view.view(None).len() {
                    let view = self.view.view(ctx.books());
                    if let Some(intent) = self.agg.flatten(InstrumentId(i as u32), now, now, &view) {
                        ctx.down(Msg::Intent(intent));
                        sent += 1;
                    }
                }
                out.row(CtlRow::Count(sent), "flatten orders sent");
            }
            CtlOp::Strategies => {
                for (i, a) in self.agents.iter().enumerate() {
                    let row = CtlRow::Strategy {
                        index: i as u16,
                        weight: a.weight,
                        enabled: self.enabled[i],
                        faulted: false,
                        signals: a.signals,
                        overruns: 0,
                    };
                    out.row(row, &a.name);
                }
            }
            CtlOp::StrategyEnable | CtlOp::StrategyDisable if k >= self.enabled.len() => {
                return out.fail("no strategy with that index");
            }
            CtlOp::StrategyEnable => self.enabled[k] = true,
            CtlOp::StrategyDisable => {
                self.enabled[k] = false;
                self.agg.withdraw_agent(k);
            }
            _ => return CtlStatus::Unsupported,
        }
        CtlStatus::Ok
    }
}
