//! [`StrategyHost`]: the actor that runs the strategies (first actor after the feed).
//!
//! The runtime forwards every market event `Down` before the host handles it; per event the host
//! (1) updates the [`MarketView`], (2) calls every strategy in a fixed order (built-ins
//! `ema_cross`, `imbalance`, `technical`, then added strategies in the order added), (3) hands their signals to
//! the [`Aggregator`] (and journals each as a `Msg::Signal` through `Ctx::journal`: its stream
//! only, no neighbour) and evaluates each instrument that got a new signal, stamping each intent with the kind of event
//! that caused it (`Intent::trigger`: quote, trade or depth, counted in
//! [`StrategyStats::intents_by_trigger`]), then (4) sends the
//! intents it made `Down`, so risk sees the market event before any intent made from it. Every
//! decision of the aggregator past its entry threshold (sent or held back, with its confidence
//! and which signals it weighed) is journaled as a `Msg::Aggregate` just before the intents. A depth
//! update (one message, its levels in the thread's store) calls `on_book` once. `Exec` reports of
//! the aggregator's strategy id go to every strategy and the aggregator (the runtime passes them
//! up, where nobody takes them). `Control` Halt/Resume stops/restarts intents (signals are still
//! tracked). Everything else (intents, orders) the runtime passes on without calling the host.
//!
//! **Faults.** A strategy that says it can fault ([`Strategy::can_fault`]: plugins, and built-ins
//! behind the same adapter) is asked [`Strategy::take_fault`] after each call. One that faulted
//! is disabled: never called again, its signals withdrawn from the aggregator
//! ([`Aggregator::withdraw`]), its [`Fault`] kept ([`StrategyHost::fault`]); then
//! `on_strategy_fault` runs (where the journal record and the cancels go). The other strategies
//! go on.

use crate::{
    Aggregator, AggregatorStats, EmaCrossAgent, Fault, ImbalanceAgent, MarketState, MarketView, Signal,
    Strategy, StrategyConfig, StrategyError, StrategyHealth, MAX_SCORE, MAX_WEIGHT,
};
use alphapulse_runtime::{levels_in, Actor, Books, Ctx, Kinds, Replies};
use alphapulse_types::{
    AggregateRecord, Control, ControlCmd, CtlReq, CtlStatus, Depth, InstrumentTable, Intent, Msg, PxQty,
    SignalRecord, StrategyEvent, StrategyEventRecord, Trigger,
};
use std::any::Any;

/// Most strategies one host runs.
pub const MAX_STRATEGIES: usize = crate::aggregator::MAX_AGENTS;

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
    pub(crate) agg: Aggregator,
    pending: Vec<Intent>,
    /// The aggregator's decisions made from the market event being handled (at most one per
    /// instrument), journaled as `Msg::Aggregate` before the intents go down.
    decisions: Vec<AggregateRecord>,
    intents_by_trigger: [u64; TRIGGERS],
    /// Bit `k`: strategy `k` can fault (asked `take_fault` after each call).
    fallible: u64,
    /// Bit `k`: strategy `k` is disabled: it faulted (its fault in `faults`), or the operator
    /// disabled it (`strategies disable`).
    pub(crate) disabled: u64,
    /// The fault of each disabled strategy.
    pub(crate) faults: Vec<Option<Fault>>,
    /// Strategies loaded while the engine runs arrive here (see [`StrategyHost::loader`]).
    pub(crate) incoming: Option<rtrb::Consumer<NewStrategy>>,
}

/// A strategy made ready off the hot path (its name copied, its weight and solo entry looked up)
/// for [`StrategyHost`] to take without allocating.
pub struct NewStrategy {
    strategy: Box<dyn Strategy>,
    stats: AgentStats,
    weight: u32,
    solo: u32,
    /// Its signals' time to live (`signal_ttl_ns_by` by name, else `signal_ttl_ns`).
    ttl: u64,
}

impl NewStrategy {
    /// `s` with aggregator weight `weight` (its `solo_entry_bps` by name from `agg`).
    pub fn new(
        s: Box<dyn Strategy>,
        weight: u32,
        agg: &crate::AggregatorConfig,
    ) -> Result<NewStrategy, StrategyError> {
        if weight > MAX_WEIGHT {
            return Err(StrategyError::Weight { name: s.name().to_string(), weight, max: MAX_WEIGHT });
        }
        let stats = AgentStats { name: s.name().to_string(), weight, signals: 0 };
        let solo = agg.solo_entry_of(s.name());
        let ttl = agg.signal_ttl_of(s.name());
        Ok(NewStrategy { strategy: s, stats, weight, solo, ttl })
    }

    /// The strategy's name.
    pub fn name(&self) -> &str {
        &self.stats.name
    }
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
            agg: Aggregator::new(&cfg.aggregator, instruments)?,
            pending: Vec::with_capacity(n),
            decisions: Vec::with_capacity(n),
            intents_by_trigger: [0; TRIGGERS],
            fallible: 0,
            disabled: 0,
            faults: Vec::with_capacity(MAX_STRATEGIES),
            incoming: None,
        };
        if let Some(c) = cfg.ema_cross.as_ref().filter(|c| c.enabled) {
            let w = cfg.aggregator.weight_of(EmaCrossAgent::NAME);
            host.add_strategy(Box::new(EmaCrossAgent::new(c, n)?), w)?;
        }
        if let Some(c) = cfg.imbalance.as_ref().filter(|c| c.enabled) {
            let w = cfg.aggregator.weight_of(ImbalanceAgent::NAME);
            host.add_strategy(Box::new(ImbalanceAgent::new(c)?), w)?;
        }
        if let Some(c) = cfg.technical.as_ref().filter(|c| c.enabled) {
            let w = cfg.aggregator.weight_of(crate::TechnicalAgent::NAME);
            host.add_strategy(Box::new(crate::TechnicalAgent::new(c, n)?), w)?;
        }
        Ok(host)
    }

    /// Add a strategy (a plugin, later) with its aggregator weight (and its `solo_entry_bps`, by
    /// name, from the aggregator config); it is called after those
    /// already present. Construction time only (allocates). Returns its index.
    pub fn add_strategy(&mut self, s: Box<dyn Strategy>, weight: u32) -> Result<usize, StrategyError> {
        let n = NewStrategy::new(s, weight, self.agg.config())?;
        self.push_strategy(n)
    }

    /// Add a strategy prepared by [`NewStrategy::new`]: nothing is allocated (every table was
    /// sized for [`MAX_STRATEGIES`] at construction), so this also runs on the hot thread, for
    /// `strategies load` (see [`StrategyHost::loader`]).
    pub(crate) fn push_strategy(&mut self, n: NewStrategy) -> Result<usize, StrategyError> {
        if self.strategies.len() >= MAX_STRATEGIES {
            return Err(StrategyError::TooManyStrategies { max: MAX_STRATEGIES });
        }
        let k =
            self.agg.add_agent(n.weight).ok_or(StrategyError::TooManyStrategies { max: MAX_STRATEGIES })?;
        self.agg.set_solo_entry(k, n.solo);
        self.agg.set_signal_ttl(k, n.ttl);
        if n.strategy.can_fault() {
            self.fallible |= 1 << k;
        }
        self.agents.push(n.stats);
        self.faults.push(None);
        self.strategies.push(n.strategy);
        Ok(k)
    }

    /// The sending end of the ring that carries strategies loaded while the engine runs
    /// (`strategies load`): the control thread prepares a [`NewStrategy`] (loading, allocating),
    /// pushes it, and asks the host (`CtlOp::StrategyLoad`) to take it. Start-up only; a second
    /// call replaces the ring.
    pub fn loader(&mut self) -> rtrb::Producer<NewStrategy> {
        let (p, c) = rtrb::RingBuffer::new(4);
        self.incoming = Some(c);
        p
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

    /// The index of the strategy named `name`.
    pub fn strategy_index(&self, name: &str) -> Option<usize> {
        self.agents.iter().position(|a| a.name == name)
    }

    /// Why strategy `k` was disabled (`None` while it runs).
    pub fn fault(&self, k: usize) -> Option<&Fault> {
        self.faults.get(k)?.as_ref()
    }

    /// True when strategy `k` faulted and is no longer called.
    pub fn is_disabled(&self, k: usize) -> bool {
        k < MAX_STRATEGIES && self.disabled & (1 << k) != 0
    }

    /// Health counters of strategy `k`, if it keeps them (plugins and their built-in twins).
    pub fn health(&self, k: usize) -> Option<StrategyHealth> {
        self.strategies.get(k)?.health()
    }

    /// Set parameter `key` of strategy `k` (control path); the error names what is wrong.
    pub fn set_param(&mut self, k: usize, key: &str, value: &str) -> Result<(), String> {
        let s = self.strategies.get_mut(k).ok_or_else(|| format!("no strategy {k}"))?;
        if self.disabled & (1 << k) != 0 {
            return Err(format!("strategy `{}` is disabled after a fault", s.name()));
        }
        s.set_param(key, value)
    }

    /// Call `f` on every enabled strategy in order, feeding what they return to the aggregator and
    /// journaling each signal (score clamped as the aggregator takes it); then disable those that
    /// faulted.
    #[inline]
    fn dispatch(
        &mut self,
        ctx: &mut Ctx<'_>,
        mut f: impl FnMut(&mut dyn Strategy, &MarketView) -> Option<Signal>,
    ) {
        let now = ctx.now();
        let view = self.view.view(ctx.books());
        let mut faulted = 0u64;
        for (k, s) in self.strategies.iter_mut().enumerate() {
            let bit = 1u64 << k;
            if self.disabled & bit != 0 {
                continue;
            }
            let out = f(s.as_mut(), &view);
            if self.fallible & bit != 0 {
                if let Some(fault) = s.take_fault() {
                    self.faults[k] = Some(fault);
                    faulted |= bit;
                    continue;
                }
            }
            if let Some(sig) = out {
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
        if faulted != 0 {
            self.disable(faulted, ctx);
        }
    }

    /// Disable the strategies of the bits in `faulted` (cold path).
    #[cold]
    fn disable(&mut self, faulted: u64, ctx: &mut Ctx<'_>) {
        for k in 0..self.strategies.len() {
            if faulted & (1 << k) != 0 {
                self.disabled |= 1 << k;
                self.agg.withdraw(k);
                self.on_strategy_fault(k, ctx);
            }
        }
    }

    /// Strategy `k` faulted and is now disabled (never called again, its signals withdrawn): the
    /// fault is journaled (`Msg::Strategy`, with its health counters; its message is kept in
    /// `self.fault(k)` for `status`), and every working order of this host is cancelled — orders
    /// are the aggregate's, so those the faulted strategy may have driven cannot be told apart —
    /// by a `ControlCmd::CancelAll` down the chain, which the order manager applies in causal
    /// order. Cold path: called once per fault.
    fn on_strategy_fault(&mut self, k: usize, ctx: &mut Ctx<'_>) {
        self.journal_event(k, StrategyEvent::Faulted, ctx);
        let ts = ctx.now();
        let _ = ctx.down(Msg::Control(Control { seq: 0, ts, cmd: ControlCmd::CancelAll, _pad: [0; 7] }));
    }

    /// Journal what happened to strategy `k`, with its health counters.
    pub(crate) fn journal_event(&self, k: usize, event: StrategyEvent, ctx: &mut Ctx<'_>) {
        let h = self.health(k).unwrap_or_default();
        ctx.journal(Msg::Strategy(StrategyEventRecord {
            ts: ctx.now(),
            calls: h.calls,
            overruns: h.overruns,
            worst_call_ns: h.worst_call_ns,
            agent: k as u16,
            event,
            _pad: [0; 5],
        }));
    }

    /// Evaluate every instrument with a new signal; intents wait in `pending` (at most one per
    /// instrument, so it never outgrows its capacity), stamped with the kind of market event being
    /// handled (`trigger`, whose `local_ts` is `event_ts`).
    #[inline]
    fn evaluate(&mut self, event_ts: u64, now: u64, trigger: Trigger, books: Option<&dyn Books>) {
        let view = self.view.view(books);
        while let Some(inst) = self.agg.take_dirty() {
            let intent = self.agg.evaluate(inst, event_ts, now, &view);
            if let Some(d) = self.agg.take_decision() {
                if self.decisions.len() < self.decisions.capacity() {
                    self.decisions.push(d);
                }
            }
            if let Some(mut intent) = intent {
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
        for d in self.decisions.drain(..) {
            ctx.journal(Msg::Aggregate(d));
        }
        for intent in self.pending.drain(..) {
            let _ = ctx.down(Msg::Intent(intent));
        }
    }

    fn on_depth(&mut self, d: &Depth, bids: &[PxQty], asks: &[PxQty], ctx: &mut Ctx<'_>) {
        self.dispatch(ctx, |s, v| s.on_depth(d, bids, asks, v));
        self.evaluate(d.local_ts, ctx.now(), Trigger::Depth, ctx.books());
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
                // The thread's level store outlives the call: the levels borrow it, not `ctx`.
                let (bids, asks) = levels_in(ctx.levels(), d);
                if self.view.apply_depth(d, bids, asks) {
                    self.on_depth(d, bids, asks, ctx);
                }
                self.flush(ctx);
            }
            Msg::Book(b) => {
                self.view.apply_status(b);
            }
            Msg::Exec(r) if r.strategy() == self.agg.strategy_id() => {
                let mut faulted = 0u64;
                for (k, s) in self.strategies.iter_mut().enumerate() {
                    let bit = 1u64 << k;
                    if self.disabled & bit == 0 {
                        s.on_exec(r);
                        if self.fallible & bit != 0 {
                            if let Some(fault) = s.take_fault() {
                                self.faults[k] = Some(fault);
                                faulted |= bit;
                            }
                        }
                    }
                }
                self.agg.on_exec(r);
                if faulted != 0 {
                    self.disable(faulted, ctx);
                }
            }
            Msg::Control(c) => match c.cmd {
                ControlCmd::Halt => self.agg.set_halted(true),
                ControlCmd::Resume => self.agg.set_halted(false),
                ControlCmd::CancelAll => {}
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
