//! [`Aggregator`]: combines the latest signal of every strategy into order intents.
//!
//! Per instrument it keeps the latest [`Signal`] of each strategy (a preallocated table of
//! strategies × instruments). A signal is live for `signal_ttl_ns` (or its strategy's
//! `signal_ttl_ns_by`) after its `ts`; one found stale when its instrument is evaluated is retired
//! and counted (`signals_expired`; per strategy [`Aggregator::expired_signals`]). The combined
//! score is `Σ wᵢ·scoreᵢ / Σ wᵢ` over live signals (integer weights, rounded toward zero). When
//! `|combined| ≥ entry_threshold_bps` an intent is considered — or, below it, when one strategy's
//! signal made by the event being handled (`ts == event_ts`) is at or above that strategy's
//! `solo_entry_bps` and the combined score does not point the other way (**conviction alone**:
//! the intent then follows that signal, its confidence is that score; counted in
//! `solo_intents`) — and emitted unless one of these
//! suppresses it (each counted in [`AggregatorStats`], in this order): halted; an outstanding
//! intent for the instrument; the cooldown (`min_interval_ns` since the last intent); no
//! two-sided quote; the position cap; an order too small for the instrument's minimums (below its
//! minimum quantity, or below its minimum notional at the limit price). These counters count
//! evaluations (one per new signal while the score is past the threshold), not distinct intents
//! lost: a suppressed instrument is evaluated again at its next signal.
//!
//! **Confidence and decisions.** Each decision past the threshold gets a confidence from the
//! agreement between strategies, their freshness and their recent accuracy (each strategy's hit
//! rate, tracked here against the mid; with `confidence.weighting = "accuracy"` it also scales
//! the weights): see [`confidence`]. Below `confidence.min_confidence_bps` nothing is sent. A
//! `RiskRefused` report is fed back: the instrument waits `confidence.risk_backoff_ns` (from the
//! refused intent's event time) before its next intent. Every decision, sent or held back (the
//! check that held it), is kept as an [`AggregateRecord`] for the host to journal
//! ([`Aggregator::take_decision`]).
//!
//! **Clock.** Every time decision (TTL, cooldown, intent timeout) uses event time: the
//! `local_ts` of the market event being handled (`event_ts`). The intent's `ts` is the host's
//! `ctx.now()`; its `origin_ts` is `event_ts`.
//!
//! **Ids.** The aggregator assigns every intent its order id: `OrderId::compose(strategy id,
//! sequence)`, the sequence counting from 1 (`Intent::intent_id`). Risk, the order manager and the
//! gateway key the order by it and every execution report carries it back, so a report is matched
//! to its intent by id.
//!
//! **Outstanding intents.** After an intent, the instrument waits for it to end. A report for the
//! outstanding intent's id: `Accepted` marks it working; `Cancelled`/`Rejected`, or fills adding
//! up to its quantity, end it. An intent refused before the venue (by risk, or by the order
//! manager) comes back at once as a `Rejected` report whose reason
//! [`is_before_venue`](alphapulse_types::VenueReject::is_before_venue): it is freed then (counted
//! in `intents_refused`, by risk or by the order manager). An intent with no report at all after
//! `intent_timeout_ns` is still considered dead (a safety net: every refusal now reports). A
//! working (accepted) order has no timeout: cancelling resting orders is the order manager's job.
//!
//! **Position.** Risk keeps the one net position per instrument and stamps it on every execution
//! report it sends up (`ExecReport::position`); the aggregator takes the latest stamp of a report
//! of its strategy id (whatever intent it belongs to, even a timed-out one). An intent's quantity
//! is clipped so that `|position + signed qty| ≤ max_position`; an intent that reduces |position|
//! is always allowed up to the opposite cap.
//!
//! **Size.** `order_qty`, or `order_qty × confidence / 10 000` with `scale_by_confidence`,
//! rounded down to the lot; with `min_order = "raise"` (the default) raised to the instrument's
//! smallest valid order at the limit price when below it (counted in `raised_to_minimum`); then
//! clipped by the cap (rounded down again). So one config trades instruments of very different
//! prices and minimums: `order_qty = 0.001` is $60 of BTCUSDT, and ETHUSDT (0.001 ETH ≈ $2.6,
//! under its $10 minimum notional) trades its minimum, 0.0039 ETH at $2,600.

mod confidence;
mod config;
mod operator;
mod stats;

pub use confidence::{AgentAccuracy, Breakdown, ConfidenceConfig, Weighting, COIN_BPS};
pub use config::{AggregatorConfig, MinOrder, OrderStyle, DEFAULT_EMA_SOLO_BPS, MAX_WEIGHT};
pub use stats::AggregatorStats;

use confidence::{breakdown, Input, Tracker};

use crate::view::two_sided;
use crate::{MarketView, Signal, MAX_SCORE};

/// Most strategies one aggregator weighs (the signal table is sized for them at construction).
pub const MAX_AGENTS: usize = 64;
use alphapulse_types::{
    AggregateOutcome, AggregateRecord, ExecKind, ExecReport, Instrument, InstrumentId, InstrumentTable,
    Intent, OrdType, OrderId, Price, Qty, Quote, Side, StrategyId, Tif, VenueReject,
};

/// An intent about to be sent: what [`Aggregator::issue`] needs of it.
struct Ticket {
    inst: InstrumentId,
    id: OrderId,
    px: Price,
    /// Raw quantity (1e-8).
    qty: i64,
    side: Side,
    confidence: u16,
    tif: Tif,
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    score: i32,
    ts: u64,
    live: bool,
}

#[derive(Clone, Copy, Debug)]
struct Outstanding {
    id: OrderId,
    qty: i64,
    filled: i64,
    sent_at: u64,
    acked: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct InstAgg {
    position: i64,
    last_intent: Option<u64>,
    outstanding: Option<Outstanding>,
    /// No intent before this event time: risk refused the last one (`risk_backoff_ns`).
    backoff_until: u64,
}

/// Signal aggregator and intent generator; see the module docs.
#[derive(Clone, Debug)]
pub struct Aggregator {
    cfg: AggregatorConfig,
    strategy: StrategyId,
    rules: Vec<Instrument>,
    weights: Vec<u32>,
    /// Per strategy: |score| that trades alone (`solo_entry_bps`), 0 = never.
    solo: Vec<u32>,
    /// Per strategy: how long its signals stay live (`signal_ttl_ns`, or `signal_ttl_ns_by`).
    ttls: Vec<u64>,
    /// Per strategy: its signals that went stale (see [`Aggregator::expired_signals`]).
    expired: Vec<u64>,
    slots: Vec<Slot>,
    insts: Vec<InstAgg>,
    dirty: Vec<InstrumentId>,
    is_dirty: Vec<bool>,
    /// Sequence of the next intent (its order id's low bits).
    next_seq: u64,
    halted: bool,
    stats: AggregatorStats,
    /// Each strategy's accuracy (see [`confidence`]).
    tracker: Tracker,
    /// The latest decision, until the host takes it to journal ([`Aggregator::take_decision`]).
    decision: Option<AggregateRecord>,
}

impl Aggregator {
    /// An aggregator for every instrument of `instruments`, with no strategies yet.
    pub fn new(cfg: &AggregatorConfig, instruments: &InstrumentTable) -> Result<Self, crate::StrategyError> {
        cfg.validate()?;
        let n = instruments.len();
        Ok(Aggregator {
            cfg: cfg.clone(),
            strategy: StrategyId(cfg.strategy_id),
            rules: instruments.iter().cloned().collect(),
            weights: Vec::with_capacity(MAX_AGENTS),
            solo: Vec::with_capacity(MAX_AGENTS),
            ttls: Vec::with_capacity(MAX_AGENTS),
            expired: Vec::with_capacity(MAX_AGENTS),
            // One row of MAX_AGENTS slots per instrument, allocated once: a strategy added while
            // the engine runs (`strategies load`) takes a free column, nothing is reallocated.
            slots: vec![Slot::default(); n * MAX_AGENTS],
            insts: vec![InstAgg::default(); n],
            dirty: Vec::with_capacity(n),
            is_dirty: vec![false; n],
            next_seq: 1,
            halted: false,
            stats: AggregatorStats::default(),
            tracker: Tracker::new(&cfg.confidence, n),
            decision: None,
        })
    }

    /// Register a strategy with `weight`; returns its index, or `None` when [`MAX_AGENTS`] are
    /// registered. Allocates nothing (the table was sized at construction), so a strategy may be
    /// added while the engine runs.
    pub fn add_agent(&mut self, weight: u32) -> Option<usize> {
        if self.weights.len() >= MAX_AGENTS {
            return None;
        }
        self.weights.push(weight.min(MAX_WEIGHT));
        self.solo.push(0);
        self.ttls.push(self.cfg.signal_ttl_ns);
        self.expired.push(0);
        Some(self.weights.len() - 1)
    }

    /// The signal slots of `inst`, one per registered strategy.
    #[inline(always)]
    fn row(&self, inst: InstrumentId) -> Option<&[Slot]> {
        let start = inst.index() * MAX_AGENTS;
        self.slots.get(start..start + self.weights.len())
    }

    /// Let strategy `agent` trade on its own fresh signal when `|score| ≥ bps` (0: never; see
    /// `AggregatorConfig::solo_entry_bps`). Construction time.
    pub fn set_solo_entry(&mut self, agent: usize, bps: u32) {
        if let Some(s) = self.solo.get_mut(agent) {
            *s = bps.min(MAX_SCORE as u32);
        }
    }

    /// Let the signals of strategy `agent` stay live `ttl_ns` (`signal_ttl_ns_by`; 0 is ignored).
    /// Construction time.
    pub fn set_signal_ttl(&mut self, agent: usize, ttl_ns: u64) {
        if let Some(t) = self.ttls.get_mut(agent).filter(|_| ttl_ns > 0) {
            *t = ttl_ns;
        }
    }

    /// Signals of strategy `agent` that went stale: a signal is counted once, when an evaluation
    /// of its instrument finds it older than the strategy's time to live (a slow agent that
    /// stopped publishing shows here). 0 for an unknown index.
    pub fn expired_signals(&self, agent: usize) -> u64 {
        self.expired.get(agent).copied().unwrap_or(0)
    }

    /// True when strategy `agent` has a live signal for `inst` at `event_ts` (not stale).
    pub fn is_fresh(&self, agent: usize, inst: InstrumentId, event_ts: u64) -> bool {
        let (Some(row), Some(&ttl)) = (self.row(inst), self.ttls.get(agent)) else { return false };
        row.get(agent).is_some_and(|s| s.live && event_ts.saturating_sub(s.ts) < ttl)
    }

    /// Retire the signals of `inst` that are stale at `event_ts`, counting each once.
    fn expire(&mut self, inst: InstrumentId, event_ts: u64) {
        let start = inst.index() * MAX_AGENTS;
        let n = self.weights.len();
        let Some(row) = self.slots.get_mut(start..start + n) else { return };
        for ((s, &ttl), count) in row.iter_mut().zip(&self.ttls).zip(self.expired.iter_mut()) {
            if s.live && event_ts.saturating_sub(s.ts) >= ttl {
                s.live = false;
                *count += 1;
                self.stats.signals_expired += 1;
            }
        }
    }

    /// The strongest signal of `inst` made at `event_ts` (by the event being handled) by a
    /// strategy allowed to trade alone, at or above its `solo_entry_bps`; ties go to the first.
    pub fn solo_score(&self, inst: InstrumentId, event_ts: u64) -> Option<i32> {
        let slots = self.row(inst)?;
        let mut best: Option<i32> = None;
        for (s, &bps) in slots.iter().zip(&self.solo) {
            if bps > 0
                && s.live
                && s.ts == event_ts
                && s.score.unsigned_abs() >= bps
                && best.is_none_or(|b| s.score.unsigned_abs() > b.unsigned_abs())
            {
                best = Some(s.score);
            }
        }
        best
    }

    /// Number of registered strategies.
    pub fn agents(&self) -> usize {
        self.weights.len()
    }

    /// The configuration in force.
    pub fn config(&self) -> &AggregatorConfig {
        &self.cfg
    }

    /// Record the latest signal of strategy `agent` (score clamped to ±10 000) and mark its
    /// instrument for evaluation.
    #[inline]
    pub fn on_signal(&mut self, agent: usize, sig: Signal) {
        let i = sig.inst.index();
        if i >= self.rules.len() || agent >= self.weights.len() {
            self.stats.signals_ignored += 1;
            return;
        }
        self.slots[i * MAX_AGENTS + agent] =
            Slot { score: sig.score.clamp(-MAX_SCORE, MAX_SCORE), ts: sig.ts, live: true };
        if !self.is_dirty[i] {
            self.is_dirty[i] = true;
            self.dirty.push(sig.inst);
        }
    }

    /// Withdraw strategy `agent` (it faulted): its signals no longer count, now or later, and it
    /// never trades alone. Cold path (a fault).
    pub fn withdraw(&mut self, agent: usize) {
        let n = self.weights.len();
        if agent >= n {
            return;
        }
        self.weights[agent] = 0;
        self.solo[agent] = 0;
        self.drop_signals(agent);
    }

    /// Next instrument with a new signal since it was last taken (each at most once).
    #[inline]
    pub fn take_dirty(&mut self) -> Option<InstrumentId> {
        let inst = self.dirty.pop()?;
        self.is_dirty[inst.index()] = false;
        Some(inst)
    }

    /// Combined score of `inst` over the signals live at `event_ts`; `None` when none is live
    /// (or all live ones weigh 0).
    pub fn combined(&self, inst: InstrumentId, event_ts: u64) -> Option<i32> {
        let slots = self.row(inst)?;
        let (mut sum, mut wsum) = (0i64, 0i64);
        for (k, ((s, &w), &ttl)) in slots.iter().zip(&self.weights).zip(&self.ttls).enumerate() {
            if s.live && event_ts.saturating_sub(s.ts) < ttl {
                let w = self.tracker.weight(k, w) as i64;
                sum += w * s.score as i64;
                wsum += w;
            }
        }
        (wsum > 0).then(|| (sum / wsum) as i32)
    }

    /// Decide whether `inst` gets an intent now. `event_ts` is the `local_ts` of the market event
    /// being handled (the aggregator's clock and the intent's `origin_ts`), `now` the host's clock
    /// (the intent's `ts`).
    pub fn evaluate(
        &mut self,
        inst: InstrumentId,
        event_ts: u64,
        now: u64,
        view: &MarketView,
    ) -> Option<Intent> {
        self.observe(inst, event_ts, view);
        self.expire(inst, event_ts);
        let mut combined = self.combined(inst, event_ts)?;
        let mut solo = false;
        if combined.unsigned_abs() < self.cfg.entry_threshold_bps {
            // Conviction alone: a fresh strong signal, unless the combined score opposes it.
            match self.solo_score(inst, event_ts) {
                Some(s) if s as i64 * combined as i64 >= 0 => {
                    combined = s;
                    solo = true;
                }
                _ => return None,
            }
        }
        let b = self.breakdown(inst, event_ts, combined);
        let decided = self.decide(inst, event_ts, now, view, combined, solo, b.confidence);
        let (intent_id, outcome) = match &decided {
            Ok(intent) => (intent.intent_id, AggregateOutcome::Sent),
            Err(outcome) => (0, *outcome),
        };
        self.decision = Some(AggregateRecord {
            ts: now,
            origin_ts: event_ts,
            intent_id,
            agents: b.agents,
            inst,
            combined,
            confidence: b.confidence,
            agreement: b.agreement,
            accuracy: b.accuracy,
            freshness: b.freshness,
            outcome,
            solo: solo as u8,
            _pad: [0; 6],
        });
        decided.ok()
    }

    /// The checks after the threshold, in order (each refusal counted, and named by the outcome).
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &mut self,
        inst: InstrumentId,
        event_ts: u64,
        now: u64,
        view: &MarketView,
        combined: i32,
        solo: bool,
        confidence: u16,
    ) -> Result<Intent, AggregateOutcome> {
        let i = inst.index();
        let st = &mut self.insts[i];
        if self.halted {
            self.stats.suppressed_halted += 1;
            return Err(AggregateOutcome::Halted);
        }
        if let Some(o) = st.outstanding {
            if !o.acked && event_ts.saturating_sub(o.sent_at) >= self.cfg.intent_timeout_ns {
                st.outstanding = None;
                self.stats.intents_timed_out += 1;
            } else {
                self.stats.suppressed_outstanding += 1;
                return Err(AggregateOutcome::Outstanding);
            }
        }
        if st.last_intent.is_some_and(|t| event_ts.saturating_sub(t) < self.cfg.min_interval_ns) {
            self.stats.suppressed_cooldown += 1;
            return Err(AggregateOutcome::Cooldown);
        }
        if event_ts < st.backoff_until {
            self.stats.suppressed_risk_backoff += 1;
            return Err(AggregateOutcome::RiskBackoff);
        }
        if (confidence as u32) < self.cfg.confidence.min_confidence_bps {
            self.stats.suppressed_low_confidence += 1;
            return Err(AggregateOutcome::LowConfidence);
        }
        let side = if combined > 0 { Side::Buy } else { Side::Sell };
        let rules = &self.rules[i];
        let Some(px) = view
            .quote(inst)
            .filter(|q| two_sided(q))
            .and_then(|q| limit_price(self.cfg.style, self.cfg.slippage_ticks, rules, q, side))
        else {
            self.stats.suppressed_no_market += 1;
            return Err(AggregateOutcome::NoMarket);
        };
        let mut qty = self.cfg.order_qty.raw();
        if self.cfg.scale_by_confidence {
            qty = (qty as i128 * confidence as i128 / MAX_SCORE as i128) as i64;
        }
        qty = rules.round_qty_down(Qty::from_raw(qty)).raw();
        let mut raised = false;
        if self.cfg.min_order == MinOrder::Raise {
            if let Some(min) = min_order_qty(rules, px).filter(|&m| m > qty) {
                qty = min;
                raised = true;
            }
        }
        let room = self.cfg.max_position.raw().saturating_sub(side.sign() * st.position);
        let capped = room < qty;
        qty = rules.round_qty_down(Qty::from_raw(qty.min(room).max(0))).raw();
        if !rules.order_valid(px, Qty::from_raw(qty)) {
            if capped {
                self.stats.suppressed_position_cap += 1;
                return Err(AggregateOutcome::PositionCap);
            } else if !rules.qty_valid(Qty::from_raw(qty)) {
                self.stats.suppressed_below_min_qty += 1;
                self.stats.suppressed_too_small += 1;
            } else {
                self.stats.suppressed_below_min_notional += 1;
                self.stats.suppressed_too_small += 1;
            }
            return Err(AggregateOutcome::TooSmall);
        }
        let Some(id) = OrderId::compose(self.strategy, self.next_seq) else {
            self.stats.ids_exhausted += 1;
            return Err(AggregateOutcome::IdsExhausted);
        };
        self.next_seq += 1;
        if raised {
            self.stats.raised_to_minimum += 1;
        }
        self.stats.solo_intents += solo as u64;
        let tif = match self.cfg.style {
            OrderStyle::Aggressive => Tif::Ioc,
            OrderStyle::Passive => Tif::Gtc,
        };
        Ok(self.issue(Ticket { inst, id, px, qty, side, confidence, tif }, event_ts, now))
    }

    /// Score the accuracy checks of `inst` due at `event_ts` and start new ones (see [`confidence`]).
    fn observe(&mut self, inst: InstrumentId, event_ts: u64, view: &MarketView) {
        if self.tracker.config().horizon_ns == 0 {
            return;
        }
        let Some(q) = view.quote(inst).filter(|q| two_sided(q)) else { return };
        let mid = ((q.bid_px.raw() as i128 + q.ask_px.raw() as i128) / 2) as i64;
        let start = inst.index() * MAX_AGENTS;
        let n = self.weights.len();
        let Some(slots) = self.slots.get(start..start + n) else { return };
        self.tracker.observe(inst.index(), event_ts, mid, n, |a| {
            let s = slots[a];
            (s.live && s.ts == event_ts).then_some(s.score)
        });
    }

    /// The confidence of a decision on `inst` following `combined`, from its live signals.
    pub fn breakdown(&self, inst: InstrumentId, event_ts: u64, combined: i32) -> Breakdown {
        let Some(slots) = self.row(inst) else { return Breakdown::default() };
        let live =
            slots.iter().zip(&self.weights).zip(&self.ttls).enumerate().filter_map(|(k, ((s, &w), &ttl))| {
                let age_ns = event_ts.saturating_sub(s.ts);
                (s.live && age_ns < ttl).then(|| Input {
                    agent: k,
                    weight: self.tracker.weight(k, w),
                    score: s.score,
                    age_ns,
                    ttl_ns: ttl,
                    hit_rate_bps: self.tracker.accuracy(k).hit_rate_bps,
                })
            });
        breakdown(combined, live)
    }

    /// Strategy `agent`'s accuracy record (see [`confidence`]).
    pub fn accuracy(&self, agent: usize) -> AgentAccuracy {
        self.tracker.accuracy(agent)
    }

    /// The latest decision (an evaluation past the entry threshold) not yet taken, for the journal.
    #[inline]
    pub fn take_decision(&mut self) -> Option<AggregateRecord> {
        self.decision.take()
    }

    /// Send `t`: it becomes the instrument's outstanding intent and its last one (the cooldown's
    /// start), counted; the intent, a limit order.
    fn issue(&mut self, t: Ticket, event_ts: u64, now: u64) -> Intent {
        let st = &mut self.insts[t.inst.index()];
        st.last_intent = Some(event_ts);
        st.outstanding =
            Some(Outstanding { id: t.id, qty: t.qty, filled: 0, sent_at: event_ts, acked: false });
        self.stats.intents += 1;
        Intent {
            intent_id: t.id.0,
            px: t.px,
            qty: Qty::from_raw(t.qty),
            origin_ts: event_ts,
            ts: now,
            inst: t.inst,
            strategy: self.strategy,
            confidence: t.confidence,
            side: t.side,
            ord_type: OrdType::Limit,
            tif: t.tif,
            ..Default::default()
        }
    }

    /// Apply an execution report of this aggregator's strategy id (others are ignored): take
    /// risk's position stamp, and follow the outstanding intent if the report is for its id.
    pub fn on_exec(&mut self, r: &ExecReport) {
        if r.strategy() != self.strategy {
            return;
        }
        let Some(st) = self.insts.get_mut(r.inst.index()) else { return };
        st.position = r.position.raw();
        if r.kind == ExecKind::Fill {
            self.stats.fills += 1;
        }
        let Some(o) = st.outstanding.as_mut().filter(|o| o.id == r.order_id) else { return };
        match r.kind {
            ExecKind::Accepted => o.acked = true,
            ExecKind::Fill => {
                o.acked = true;
                o.filled = o.filled.saturating_add(r.qty.raw());
                if o.filled >= o.qty {
                    st.outstanding = None;
                }
            }
            ExecKind::Cancelled => st.outstanding = None,
            ExecKind::Rejected => {
                let sent_at = o.sent_at;
                st.outstanding = None;
                if r.reason.is_before_venue() {
                    self.stats.intents_refused += 1;
                    if r.reason == VenueReject::RiskRefused {
                        // Fed back: the instrument waits before the next intent (`risk_backoff_ns`).
                        st.backoff_until = sent_at.saturating_add(self.cfg.confidence.risk_backoff_ns);
                        self.stats.refused_by_risk += 1;
                    } else {
                        self.stats.refused_by_router += 1;
                    }
                }
            }
            // A refused cancel leaves the order as it was.
            ExecKind::CancelRejected => {}
        }
    }

    /// Stop (true) or resume (false) emitting intents; signals are still recorded while halted.
    pub fn set_halted(&mut self, halted: bool) {
        self.halted = halted;
    }
    pub fn is_halted(&self) -> bool {
        self.halted
    }

    /// Net position of `inst`: risk's, as stamped on the latest report of this strategy.
    pub fn position(&self, inst: InstrumentId) -> Qty {
        Qty::from_raw(self.insts.get(inst.index()).map_or(0, |s| s.position))
    }

    /// True while `inst` has an intent that has not ended (and not timed out as of its last check).
    pub fn has_outstanding(&self, inst: InstrumentId) -> bool {
        self.insts.get(inst.index()).is_some_and(|s| s.outstanding.is_some())
    }

    /// The strategy id stamped on intents.
    pub fn strategy_id(&self) -> StrategyId {
        self.strategy
    }

    pub fn stats(&self) -> &AggregatorStats {
        &self.stats
    }
}

/// The smallest valid order quantity of `rules` at `px` (raw): at least `min_qty`, with
/// `floor(px × qty) ≥ min_notional`, on the lot grid. `None` if the price is not positive or the
/// quantity would overflow.
fn min_order_qty(rules: &Instrument, px: Price) -> Option<i64> {
    const SCALE: i128 = 100_000_000;
    let p = px.raw() as i128;
    if p <= 0 {
        return None;
    }
    let by_notional = (rules.min_notional.raw().max(0) as i128 * SCALE + p - 1) / p;
    let q = by_notional.max(rules.min_qty.raw().max(0) as i128).max(1);
    let lot = rules.lot.raw() as i128;
    let q = if lot > 0 { (q + lot - 1) / lot * lot } else { q };
    i64::try_from(q).ok()
}

/// Limit price for `side` from quote `q` in `style` (aggressive: `slippage_ticks` through the
/// opposite best), on the tick grid; `None` if it would not be positive.
fn limit_price(
    style: OrderStyle,
    slippage_ticks: u32,
    rules: &Instrument,
    q: &Quote,
    side: Side,
) -> Option<Price> {
    let slip = Price::from_raw(rules.tick.raw().saturating_mul(slippage_ticks as i64));
    let px = match (style, side) {
        (OrderStyle::Aggressive, Side::Buy) => rules.round_px(q.ask_px.saturating_add(slip), true),
        (OrderStyle::Aggressive, Side::Sell) => rules.round_px(q.bid_px.saturating_sub(slip), false),
        (OrderStyle::Passive, Side::Buy) => rules.round_px(q.bid_px, false),
        (OrderStyle::Passive, Side::Sell) => rules.round_px(q.ask_px, true),
    };
    (px.raw() > 0).then_some(px)
}

#[cfg(test)]
mod confidence_tests;
#[cfg(test)]
mod tests;
