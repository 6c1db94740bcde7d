//! [`StrategyHost`]: the actor that runs the strategies (first actor after the feed).
//!
//! The runtime forwards every market event `Down` before the host handles it; per event the host
//! (1) updates the [`MarketView`], (2) calls every strategy in a fixed order (built-ins
//! `ema_cross`, `imbalance`, then added strategies in the order added), (3) hands their signals to
//! the [`Aggregator`] (and journals each as a `Msg::Signal` through `Ctx::journal`: its stream
//! only, no neighbour) and evaluates each instrument that got a new signal, stamping each intent with the kind of event
//! that caused it (`Intent::trigger`: quote, trade or depth, counted in
//! [`StrategyStats::intents_by_trigger`]), then (4) sends the
//! intents it made `Down`, so risk sees the market event before any intent made from it. A depth
//! update (one message, its levels in the thread's store) calls `on_book` once. `Exec` reports of
//! the aggregator's strategy id go to every strategy and the aggregator (the runtime passes them
//! up, where nobody takes them). `Control` Halt/Resume stops/restarts intents (signals are still
//! tracked). Everything else (intents, orders) the runtime passes on without calling the host.

use crate::{
    Aggregator, AggregatorStats, EmaCrossAgent, ImbalanceAgent, MarketState, MarketView, Signal, Strategy,
    StrategyConfig, StrategyError, MAX_SCORE, MAX_WEIGHT,
};
use alphapulse_runtime::{Actor, Books, Ctx, Kinds, Replies};
use alphapulse_types::{
    ControlCmd, CtlReq, CtlStatus, InstrumentId, InstrumentTable, Intent, Msg, SignalRecord, Trigger,
};
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
    /// Intents sent, by the kind of market event that caused them (indexed by `Trigger as usize`:
    /// none, quote, trade, depth); they add up to `aggregator.intents`.
    pub intents_by_trigger: [u64; TRIGGERS],
}

/// Number of [`Trigger`] kinds (the length of [`StrategyStats::intents_by_trigger`]).
pub const TRIGGERS: usize = Trigger::ALL.len();

/// The strategy actor; see the module docs.
pub struct StrategyHost {
    pub(crate) view: MarketState,
    strategies: Vec<Box<dyn Strategy>>,
    pub(crate) agents: Vec<AgentStats>,
    /// Per strategy: called (true) or disabled by the operator (its signals withdrawn).
    pub(crate) enabled: Vec<bool>,
    pub(crate) agg: Aggregator,
    pending: Vec<Intent>,
    intents_by_trigger: [u64; TRIGGERS],
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
            view: MarketState::with_grid(instruments, book_levels),
            strategies: Vec::with_capacity(MAX_STRATEGIES),
            agents: Vec::with_capacity(MAX_STRATEGIES),
            enabled: Vec::with_capacity(MAX_STRATEGIES),
            agg: Aggregator::new(&cfg.aggregator, instruments)?,
            pending: Vec::with_capacity(n),
            intents_by_trigger: [0; TRIGGERS],
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

    /// Add a strategy (a plugin, later) with its aggregator weight (and its `solo_entry_bps`, by
    /// name, from the aggregator config); it is called after those
    /// already present. Construction time only (allocates). Returns its index.
    pub fn add_strategy(&mut self, s: Box<dyn Strategy>, weight: u32) -> Result<usize, StrategyError> {
        if self.strategies.len() >= MAX_STRATEGIES {
            return Err(StrategyError::TooManyStrategies { max: MAX_STRATEGIES });
        }
        if weight > MAX_WEIGHT {
            return Err(StrategyError::Weight { name: s.name().to_string(), weight, max: MAX_WEIGHT });
        }
        self.agents.push(AgentStats { name: s.name().to_string(), weight, signals: 0 });
        self.enabled.push(true);
        let solo = self.agg.config().solo_entry_of(s.name());
        self.strategies.push(s);
        let k = self.agg.add_agent(weight);
        self.agg.set_solo_entry(k, solo);
        Ok(k)
    }

    /// The market state the strategies see, with the host's own books (none when the feed lent
    /// its books on this thread: then only [`Ctx::books`] has them, while a message is handled).
    pub fn view(&self) -> MarketView<'_> {
        self.view.view(None)
    }

    /// True when the host keeps books of its own (no feed lends its books on its thread).
    pub fn keeps_own_books(&self) -> bool {
        self.view.has_own_books()
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
            intents_by_trigger: self.intents_by_trigger,
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
        let view = self.view.view(ctx.books());
        for (k, s) in self.strategies.iter_mut().enumerate() {
            if !self.enabled[k] {
                continue;
            }
            if let Some(sig) = f(s.as_mut(), &view) {
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
    /// instrument, so it never outgrows its capacity), stamped with the kind of market event being
    /// handled (`trigger`, whose `local_ts` is `event_ts`).
    #[inline]
    fn evaluate(&mut self, event_ts: u64, now: u64, trigger: Trigger, books: Option<&dyn Books>) {
        let view = self.view.view(books);
        while let Some(inst) = self.agg.take_dirty() {
            if let Some(mut intent) = self.agg.evaluate(inst, event_ts, now, &view) {
                intent.trigger = trigger;
                self.intents_by_trigger[trigger as usize] += 1;
                if self.pending.len() < self.pending.capacity() {
                    self.pending.push(intent);
                }
            }
        }
    }

    /// Send the intents made from the market event being handled (the runtime has forwarded the
    /// event already).
    #[inline]
    fn flush(&mut self, ctx: &mut Ctx<'_>) {
        for intent in self.pending.drain(..) {
            let _ = ctx.down(Msg::Intent(intent));
        }
    }

    fn on_book(&mut self, inst: InstrumentId, event_ts: u64, ctx: &mut Ctx<'_>) {
        self.dispatch(ctx, |s, v| s.on_book(inst, v));
        self.evaluate(event_ts, ctx.now(), Trigger::Depth, ctx.books());
    }
}

impl Actor for StrategyHost {
    fn name(&self) -> &'static str {
        "strategy"
    }

    /// Market events, execution reports and operator commands; the runtime forwards each before
    /// the host handles it (so risk sees a market event before the intents made from it) and
    /// passes everything else (intents, orders) on.
    fn handles(&self) -> Kinds {
        Kinds::MARKET | Kinds::EXEC | Kinds::CONTROL
    }

    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        // `ctx.now()` is read only where it is used: a live clock is read on demand.
        match msg {
            Msg::Quote(q) => {
                if self.view.apply_quote(q) {
                    let now = ctx.now();
                    self.dispatch(ctx, |s, v| s.on_quote(q, v));
                    self.evaluate(q.local_ts, now, Trigger::Quote, ctx.books());
                }
                self.flush(ctx);
            }
            Msg::Trade(t) => {
                if self.view.apply_trade(t) {
                    let now = ctx.now();
                    self.dispatch(ctx, |s, v| s.on_trade(t, v));
                    self.evaluate(t.local_ts, now, Trigger::Trade, ctx.books());
                }
                self.flush(ctx);
            }
            Msg::Depth(d) => {
                let (bids, asks) = ctx.depth_levels(d);
                if self.view.apply_depth(d, bids, asks) {
                    self.on_book(d.inst, d.local_ts, ctx);
                }
                self.flush(ctx);
            }
            Msg::Book(b) => {
                self.view.apply_status(b);
            }
            Msg::Exec(r) if r.strategy() == self.agg.strategy_id() => {
                for s in self.strategies.iter_mut() {
                    s.on_exec(r);
                }
                self.agg.on_exec(r);
            }
            Msg::Control(c) => match c.cmd {
                ControlCmd::Halt => self.agg.set_halted(true),
                ControlCmd::Resume => self.agg.set_halted(false),
            },
            _ => {}
        }
    }

    /// The operator's commands (see `host_control`).
    fn control(&mut self, req: &CtlReq, ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        self.on_control(req, ctx, out)
    }

    /// The feed on this thread lends its books: the host's own are freed (one book per
    /// instrument per thread).
    fn lent_books(&mut self, lent: bool) {
        self.view.use_lent_books(lent);
    }

    /// Without a feed on its thread the host keeps the books, and lends them to the actors after
    /// it there (the simulated exchange then keeps none).
    fn books(&self) -> Option<&dyn Books> {
        self.view.own_books()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
#[path = "host_tests.rs"]
mod tests;
