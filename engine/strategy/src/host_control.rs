//! The strategy host's side of the operator's commands (the control socket; see
//! `alphapulse_runtime::control`): the kill switch for intents, `flatten`, and the strategy
//! table (`strategies list | enable | disable | set`).

use crate::StrategyHost;
use alphapulse_runtime::{Ctx, Replies};
use alphapulse_types::{CtlOp, CtlReq, CtlRow, CtlStatus, InstrumentId, Msg, StrategyEvent};

impl StrategyHost {
    pub(crate) fn on_control(&mut self, req: &CtlReq, ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        let k = req.index as usize;
        let known = k < self.agents.len();
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
                    let health = self.health(i).unwrap_or_default();
                    let row = CtlRow::Strategy {
                        index: i as u16,
                        weight: a.weight,
                        enabled: !self.is_disabled(i),
                        faulted: self.faults[i].is_some(),
                        signals: a.signals,
                        overruns: health.overruns,
                    };
                    // A faulted strategy's row carries its fault after its name: `name\0message`.
                    match &self.faults[i] {
                        Some(f) => {
                            let mut text = [0u8; alphapulse_types::CTL_TEXT];
                            let n = join(&mut text, &a.name, &f.message);
                            out.row(row, std::str::from_utf8(&text[..n]).unwrap_or(&a.name));
                        }
                        None => out.row(row, &a.name),
                    }
                }
            }
            CtlOp::StrategyLoad => {
                let Some(n) = self.incoming.as_mut().and_then(|c| c.pop().ok()) else {
                    return out.fail("no strategy waiting in the loader ring");
                };
                match self.push_strategy(n) {
                    Ok(k) => {
                        self.journal_event(k, StrategyEvent::Loaded, ctx);
                        out.row(CtlRow::Count(k as u64), "index");
                    }
                    // Dropping the refused strategy frees memory here: once, on the control path.
                    Err(_) => return out.fail("the host runs the most strategies it can"),
                }
            }
            CtlOp::StrategyEnable | CtlOp::StrategyDisable | CtlOp::StrategySet if !known => {
                return out.fail("no strategy with that index");
            }
            CtlOp::StrategyEnable if self.faults[k].is_some() => {
                return out.fail("it faulted and stays disabled: restart the engine to run it again");
            }
            CtlOp::StrategyEnable => {
                self.disabled &= !(1u64 << k);
                self.journal_event(k, StrategyEvent::Enabled, ctx);
            }
            CtlOp::StrategyDisable => {
                self.disabled |= 1u64 << k;
                self.agg.drop_signals(k);
                self.journal_event(k, StrategyEvent::Disabled, ctx);
            }
            CtlOp::StrategySet => {
                let Some((key, value)) = req.text.pair() else { return out.fail("no key and value") };
                // The control path: a refused value's message is formatted (allocates), once.
                if let Err(e) = self.set_param(k, key, value) {
                    return out.fail(&e);
                }
                self.journal_event(k, StrategyEvent::ParamSet, ctx);
            }
            _ => return CtlStatus::Unsupported,
        }
        CtlStatus::Ok
    }
}

/// `a\0b` into `buf`, cut on a character boundary; its length.
fn join(buf: &mut [u8], a: &str, b: &str) -> usize {
    let mut n = 0;
    for (i, part) in [a, "\0", b].iter().enumerate() {
        let room = buf.len() - n;
        let mut end = part.len().min(room);
        while !part.is_char_boundary(end) {
            end -= 1;
        }
        buf[n..n + end].copy_from_slice(&part.as_bytes()[..end]);
        n += end;
        if end < part.len() && i < 2 {
            break;
        }
    }
    n
}
