//! [`StrategyHost`]: the actor that runs the strategies (first actor after the feed).
//!
//! Per market event it (1) updates the [`MarketView`], (2) calls every strategy in a fixed order
//! (built-ins `ema_cross`, `imbalance`, then added strategies in the order added), (3) hands their
//! signals to the [`Aggregator`] (and journals each as a `Msg::Signal` through `Ctx::journal`:
//! its stream only, no neighbour) and evaluates each instrument that got a new signal, (4) forwards
//! the market event `Down`, then (5) sends the intents it made `Down`, so risk sees the market
//! event before any intent made from it. Book levels call `on_book` once per depth update, after
//! the level flagged `last`. `Exec` reports of the aggregator's strategy id go to every strategy
//! and the aggregator, then `Up` (the feed drops them). `Control` Halt/Resume stops/restarts
//! intents (signals are still tracked). Journal-only kinds never arrive on a ring and are ignored.
//! Anything else is forwarded unchanged.

use crate::{
    Aggregator, AggregatorStats, EmaCrossAgent, ImbalanceAgent, MarketView, Signal, Strategy, StrategyConfig,
    StrategyError, MAX_SCORE, MAX_WEIGHT,
};
use alphapulse_runtime::{Actor, Ctx};
use alphapulse_types::{ControlCmd, InstrumentId, InstrumentTable, Intent, Msg, SignalRecord};
use std::any::Any;

/// Most strategies one host runs.
pub const MAX_STRATEGIES: usize = 64;

/// Per-strategy counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentStats {
    pub name: String,
    pub weight: u32,
    /// Signals the strategy returned (including neutral ones).
    pub signals: u64,
}

/// A snapshot of the host's counters.
#[derive(Clone, Copy, Debug)]
pub struct StrategyStats<'a> {
    /// One entry per strategy, in call order.
    pub agents: &'a [AgentStats],
    /// Intents emitted and suppressed (by reason), timeouts, fills.
    pub aggregator: AggregatorStats,
    /// Market events for instruments outside the table.
    pub unknown_instrument_events: u64,
}

/// The strategy actor; see the module docs.
pub struct StrategyHost {
    view: MarketView,
    strategies: Vec<Box<dyn Strategy>>,
    agents: Vec<AgentStats>,
    agg: Aggregator,
    pending: Vec<Intent>,
}

impl StrategyHost {
    /// A host for `instruments` with the built-in agents `cfg` enables; each book keeps
    /// `book_levels` levels per side.
    pub fn new(
        cfg: &StrategyConfig,
        instruments: &InstrumentTable,
        book_levels: usize,
    ) -> Result<Self, StrategyError> {
        cfg.validate()?;
        if instruments.is_empty() {
            return Err(StrategyError::NoInstruments);
        }
        if book_levels == 0 {
            return Err(StrategyError::NoBookLevels);
        }
        let n = instruments.len();
        let mut host = StrategyHost {
            view: MarketView::with_grid(instruments, book_levels),
            strategies: Vec::with_capacity(MAX_STRATEGIES),
            agents: Vec::with_capacity(MAX_STRATEGIES),
            agg: Aggregator::new(&cfg.aggregator, instruments)?,
            pending: Vec::with_capacity(n),
        };
        if let Some(c) = cfg.ema_cross.as_ref().filter(|c| c.enabled) {
            let w = cfg.aggregator.weight_of(EmaCrossAgent::NAME);
            host.add_strategy(Box::new(EmaCrossAgent::new(c, n)?), w)?;
        }
        if let Some(c) = cfg.imbalance.as_ref().filter(|c| c.enabled) {
            let w = cfg.aggregator.weight_of(ImbalanceAgent::NAME);
            host.add_strategy(Box::new(ImbalanceAgent::new(c)?), w)?;
        }
        Ok(host)
    }

    /// Add a strategy (a plugin, later) with its aggregator weight; it is called after those
    /// already present. Construction time only (allocates). Returns its index.
    pub fn add_strategy(&mut self, s: Box<dyn Strategy>, weight: u32) -> Result<usize, StrategyError> {
        if self.strategies.len() >= MAX_STRATEGIES {
            return Err(StrategyError::TooManyStrategies { max: MAX_STRATEGIES });
        }
        if weight > MAX_WEIGHT {
            return Err(StrategyError::Weight { name: s.name().to_string(), weight, max: MAX_WEIGHT });
        }
        self.agents.push(AgentStats { name: s.name().to_string(), weight, signals: 0 });
        self.strategies.push(s);
        Ok(self.agg.add_agent(weight))
    }

    /// The market state the strategies see.
    pub fn view(&self) -> &MarketView {
        &self.view
    }

    /// The aggregator (positions, outstanding intents, counters).
    pub fn aggregator(&self) -> &Aggregator {
        &self.agg
    }

    /// Counters: signals per strategy, intents and suppressions.
    pub fn stats(&self) -> StrategyStats<'_> {
        StrategyStats {
            agents: &self.agents,
            aggregator: *self.agg.stats(),
            unknown_instrument_events: self.view.unknown_instrument_events(),
        }
    }

    /// Call `f` on every strategy in order, feeding what they return to the aggregator and
    /// journaling each signal (score clamped as the aggregator takes it).
    #[inline]
    fn dispatch(
        &mut self,
        ctx: &mut Ctx<'_>,
        mut f: impl FnMut(&mut dyn Strategy, &MarketView) -> Option<Signal>,
    ) {
        let now = ctx.now();
        for (k, s) in self.strategies.iter_mut().enumerate() {
            if let Some(sig) = f(s.as_mut(), &self.view) {
                self.agents[k].signals += 1;
                ctx.journal(Msg::Signal(SignalRecord {
                    ts: now,
                    origin_ts: sig.ts,
                    inst: sig.inst,
                    score: sig.score.clamp(-MAX_SCORE, MAX_SCORE),
                    // At most MAX_STRATEGIES (64) strategies.
                    agent: k as u16,
                    _pad: [0; 6],
                }));
                self.agg.on_signal(k, sig);
            }
        }
    }

    /// Evaluate every instrument with a new signal; intents wait in `pending` (at most one per
    /// instrument, so it never outgrows its capacity).
    #[inline]
    fn evaluate(&mut self, event_ts: u64, now: u64) {
        while let Some(inst) = self.agg.take_dirty() {
            if let Some(intent) = self.agg.evaluate(inst, event_ts, now, &self.view) {
                if self.pending.len() < self.pending.capacity() {
                    self.pending.push(intent);
                }
            }
        }
    }

    /// Forward `msg` down, then the intents made from it.
    #[inline]
    fn forward_then_flush(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        ctx.down(*msg);
        for intent in self.pending.drain(..) {
            ctx.down(Msg::Intent(intent));
        }
    }

    fn on_book(&mut self, inst: InstrumentId, event_ts: u64, ctx: &mut Ctx<'_>) {
        self.dispatch(ctx, |s, v| s.on_book(inst, v));
        self.evaluate(event_ts, ctx.now());
    }
}

impl Actor for StrategyHost {
    fn name(&self) -> &'static str {
        "strategy"
    }

    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        // `ctx.now()` is read only where it is used: a live clock is read on demand, and most
        // messages (book levels) do not need it.
        match msg {
            Msg::Quote(q) => {
                if self.view.apply_quote(q) {
                    let now = ctx.now();
                    self.dispatch(ctx, |s, v| s.on_quote(q, v));
                    self.evaluate(q.local_ts, now);
                }
                self.forward_then_flush(msg, ctx);
            }
            Msg::Trade(t) => {
                if self.view.apply_trade(t) {
                    let now = ctx.now();
                    self.dispatch(ctx, |s, v| s.on_trade(t, v));
                    self.evaluate(t.local_ts, now);
                }
                self.forward_then_flush(msg, ctx);
            }
            Msg::Level(l) => {
                if self.view.apply_level(l) && l.last != 0 {
                    self.on_book(l.inst, l.local_ts, ctx);
                }
                self.forward_then_flush(msg, ctx);
            }
            Msg::Book(b) => {
                self.view.apply_status(b);
                ctx.down(*msg);
            }
            Msg::Exec(r) => {
                if r.strategy() == self.agg.strategy_id() {
                    for s in self.strategies.iter_mut() {
                        s.on_exec(r);
                    }
                    self.agg.on_exec(r);
                }
                ctx.up(*msg);
            }
            Msg::Control(c) => {
                match c.cmd {
                    ControlCmd::Halt => self.agg.set_halted(true),
                    ControlCmd::Resume => self.agg.set_halted(false),
                }
                ctx.down(*msg);
            }
            Msg::Eos(_) | Msg::Intent(_) | Msg::Decision(_) | Msg::New(_) | Msg::Cancel(_) => ctx.down(*msg),
            // Journal-only: never sent on a ring.
            Msg::Signal(_) | Msg::OrderState(_) | Msg::Position(_) => {}
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
#[path = "host_tests.rs"]
mod tests;
