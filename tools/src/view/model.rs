//! [`Model`]: the run as its journal tells it, updated one record at a time ([`Model::apply`]);
//! every change also goes into the [`EventLog`] as a WebSocket event.
//!
//! The portfolio is risk's own [`Portfolio`] fed what risk fed it: marks from the feed's
//! two-sided quotes (mid) and fills from risk's execution reports, in the order risk applied them
//! (the tail thread merges the streams by each stream's clock, see [`super::tail`]). So its
//! figures are the backtest report's, to the last unit; each of risk's `position` records (written
//! after every fill) is checked against it ([`Stats::position_mismatches`]).

use super::events::EventLog;
use super::market::Market;
use super::orders::OrderBook;
use super::shapes::{
    DecisionInput, DecisionView, Fill, PersistView, PnlPoint, Position, Reject, SignalView, WsData,
};
use super::stats::Stats;
use alphapulse_risk::Portfolio;
use alphapulse_types::{AggregateRecord, ExecKind, InstrumentId, Money, Msg, PositionRecord, Verdict};
use std::collections::VecDeque;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// PnL points and fills kept.
pub const POINTS_KEPT: usize = 20_000;
/// At most one mark-driven PnL point per this much journal time.
const MARK_POINT_NS: u64 = 1_000_000_000;

/// The run's model.
pub struct Model {
    pub journal: PathBuf,
    pub symbols: Vec<String>,
    /// The run's strategies by index (`run.json`), for signals' and decisions' names.
    pub strategies: Vec<String>,
    pub started: Option<String>,
    /// This process's start time (ns): WebSocket cursors are only valid within one epoch.
    pub epoch: u64,
    pub pf: Portfolio,
    pub as_of: u64,
    pub pnl: VecDeque<PnlPoint>,
    last_mark_point: u64,
    pub orders: OrderBook,
    pub fills: VecDeque<Fill>,
    pub maker_fills: u64,
    pub taker_fills: u64,
    /// The aggregator's decisions (newest last, at most [`POINTS_KEPT`]), their count by outcome.
    pub decisions: VecDeque<DecisionView>,
    pub decisions_by_outcome: BTreeMap<String, u64>,
    /// The latest signal of (strategy, instrument): what a decision weighed.
    last_signal: HashMap<(u16, u32), i32>,
    pub market: Market,
    pub stats: Stats,
    pub events: EventLog,
    /// The control socket's latest `status` answer.
    pub control: Option<serde_json::Value>,
    pub persist: Option<PersistView>,
    /// Risk's position record awaiting its fill (risk journals it just before the report).
    pending_position: Option<PositionRecord>,
    /// The health last published: (state, reason, since).
    pub health: Option<(String, String, u64)>,
    /// When the tail last applied a record (wall clock), and how long the journal may then stay
    /// quiet while the run goes on before the health says stale (None: never; see `view::health`).
    pub last_record_at: Option<std::time::Instant>,
    pub stale_after: Option<std::time::Duration>,
    /// How often a symbol's price goes out on `/ws` (see `view::price_gate`; default: always).
    pub prices: super::price_gate::PriceGate,
    /// Streams that could not be read (their error, naming file and offset), newest last.
    pub errors: Vec<String>,
}

impl Model {
    /// An empty model of the run journaled in `journal` (its `run.json` gives the symbols and the
    /// initial cash; without one, 256 unnamed instruments and risk's default cash).
    pub fn new(journal: PathBuf, event_capacity: usize) -> Model {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut m = Model {
            journal,
            started: None,
            symbols: Vec::new(),
            strategies: Vec::new(),
            epoch,
            pf: Portfolio::new(alphapulse_risk::RiskConfig::default().initial_cash, 256),
            as_of: 0,
            pnl: VecDeque::new(),
            last_mark_point: 0,
            orders: OrderBook::default(),
            fills: VecDeque::new(),
            maker_fills: 0,
            taker_fills: 0,
            decisions: VecDeque::new(),
            decisions_by_outcome: BTreeMap::new(),
            last_signal: HashMap::new(),
            market: Market::default(),
            stats: Stats::default(),
            events: EventLog::new(event_capacity),
            control: None,
            persist: None,
            pending_position: None,
            health: None,
            last_record_at: None,
            stale_after: None,
            prices: Default::default(),
            errors: Vec::new(),
        };
        m.load_meta();
        m
    }

    /// Read the run's `run.json` if not done yet (a dashboard may start before the run): the
    /// symbols, the start time and, while no record was applied, the initial cash.
    pub fn load_meta(&mut self) {
        if !self.symbols.is_empty() {
            return;
        }
        let Some(meta) = crate::run_journal::read_meta(&self.journal).ok().flatten() else { return };
        let cash = meta
            .config
            .as_ref()
            .and_then(|c| c.pointer("/risk/initial_cash"))
            .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_f64().map(|f| f.to_string())))
            .and_then(|s| s.parse::<Money>().ok())
            .unwrap_or_else(|| alphapulse_risk::RiskConfig::default().initial_cash);
        if self.stats.streams.is_empty() && !meta.instruments.is_empty() {
            self.pf = Portfolio::new(cash, meta.instruments.len());
        }
        self.symbols = meta.instruments;
        self.strategies = meta.strategies;
        self.started = Some(meta.started);
    }

    /// A stream's writer closed it (its end record).
    pub fn end_stream(&mut self, stream: &str) {
        self.stats.end_stream(stream);
    }

    /// Remember a read error (the first 20 distinct ones).
    pub fn note_error(&mut self, e: String) {
        if self.errors.len() < 20 && !self.errors.contains(&e) {
            self.errors.push(e);
        }
    }

    /// The symbol of instrument `inst` (`#N` when the run did not name it).
    pub fn symbol(&self, inst: InstrumentId) -> String {
        self.symbols.get(inst.index()).cloned().unwrap_or_else(|| format!("#{}", inst.0))
    }

    /// The instrument named `symbol`.
    pub fn inst_of(&self, symbol: &str) -> Option<usize> {
        self.symbols.iter().position(|s| s == symbol)
    }

    /// Apply one record of `stream`.
    pub fn apply(&mut self, stream: &str, seq: u64, ts: u64, msg: &Msg) {
        self.stats.count(stream, seq, ts, msg);
        self.as_of = self.as_of.max(ts);
        match msg {
            Msg::Quote(q) => {
                self.market.on_quote(q);
                if q.bid_px.raw() > 0 && q.ask_px.raw() > 0 {
                    self.pf.on_mark(q.inst, alphapulse_types::fixed::mid(q.bid_px, q.ask_px));
                    self.mark_point(ts);
                }
                if self.prices.update(q.inst.index(), ts) {
                    self.push_price(q.inst.index(), ts);
                }
            }
            Msg::Trade(t) => {
                self.market.on_trade(t);
                if self.prices.update(t.inst.index(), ts) {
                    self.push_price(t.inst.index(), ts);
                }
            }
            Msg::Intent(i) => self.stats.hop(stream, i.ts, i.origin_ts),
            Msg::Decision(d) => {
                self.stats.hop(stream, d.ts, d.origin_ts);
                self.stats.decisions += 1;
                if d.verdict != Verdict::Approved {
                    let total = self.stats.reject(d.verdict);
                    let r = Reject {
                        ts_ns: ts,
                        intent_id: d.intent_id,
                        symbol: self.symbol(d.inst),
                        reason: d.verdict.name().into(),
                        total_for_reason: total,
                    };
                    self.events.push(ts, WsData::Reject(r));
                }
            }
            Msg::New(n) => {
                self.stats.hop(stream, n.ts, n.origin_ts);
                let o = self.orders.on_new(n, &self.symbol(n.inst)).clone();
                self.events.push(ts, WsData::Order(o));
            }
            Msg::OrderState(t) => {
                if let Some(o) = self.orders.on_transition(t, ts) {
                    let o = o.clone();
                    self.events.push(ts, WsData::Order(o));
                }
            }
            Msg::Position(p) if stream == "risk" => self.pending_position = Some(*p),
            Msg::Exec(r) if stream == "risk" && r.kind == ExecKind::Fill => self.on_fill(r, ts),
            Msg::Signal(s) => {
                *self.stats.signals.entry(s.agent).or_default() += 1;
                self.stats.last_score.insert(s.agent, s.score);
                self.last_signal.insert((s.agent, s.inst.0), s.score);
                let v = SignalView {
                    ts_ns: ts,
                    agent: s.agent,
                    agent_name: self.strategy_name(s.agent),
                    symbol: self.symbol(s.inst),
                    score_bps: s.score,
                };
                self.events.push(ts, WsData::Signal(v));
            }
            Msg::Aggregate(a) => self.on_decision(a, ts),
            Msg::Book(b) => self.feed_book(b, ts),
            Msg::FeedEvent(f) => self.feed_event(f, ts),
            Msg::Command(c) => self.command(c),
            Msg::Strategy(s)
                if s.event == alphapulse_types::StrategyEvent::Faulted
                    && !self.stats.faulted.contains(&s.agent) =>
            {
                self.stats.faulted.push(s.agent);
            }
            _ => {}
        }
    }

    /// The name of strategy `k` (`#k` when the run did not record it).
    pub fn strategy_name(&self, k: u16) -> String {
        self.strategies.get(usize::from(k)).cloned().unwrap_or_else(|| format!("#{k}"))
    }

    fn on_decision(&mut self, a: &AggregateRecord, ts: u64) {
        let inputs = (0..64u16)
            .filter(|&b| a.agents >> b & 1 == 1)
            .map(|b| DecisionInput {
                agent: b,
                name: self.strategy_name(b),
                score_bps: self.last_signal.get(&(b, a.inst.0)).copied(),
            })
            .collect();
        let outcome = a.outcome.name();
        let n = self.decisions_by_outcome.entry(outcome.into()).or_default();
        *n += 1;
        let total_for_outcome = *n;
        let d = DecisionView {
            seq: self.decisions_by_outcome.values().sum(),
            total_for_outcome,
            ts_ns: ts,
            ts: crate::report::utc_ms(ts),
            symbol: self.symbol(a.inst),
            outcome: outcome.into(),
            intent_id: (a.intent_id != 0).then_some(a.intent_id),
            combined_bps: a.combined,
            confidence_bps: a.confidence,
            agreement_bps: a.agreement,
            accuracy_bps: a.accuracy,
            freshness_bps: a.freshness,
            solo: a.solo != 0,
            inputs,
        };
        if self.decisions.len() == POINTS_KEPT {
            self.decisions.pop_front();
        }
        self.decisions.push_back(d.clone());
        self.events.push(ts, WsData::Decision(d));
    }

    fn on_fill(&mut self, r: &alphapulse_types::ExecReport, ts: u64) {
        if !self.pf.on_fill(r.inst, r.side, r.px, r.qty, r.fee) {
            return;
        }
        if let Some(p) = self.pending_position.take().filter(|p| p.inst == r.inst) {
            self.stats.positions_checked += 1;
            if p.equity != self.pf.equity() || p.realized != self.pf.realized_of(r.inst) {
                self.stats.position_mismatches += 1;
            }
        }
        self.orders.on_fill(r);
        match r.liquidity {
            alphapulse_types::Liquidity::Maker => self.maker_fills += 1,
            alphapulse_types::Liquidity::Taker => self.taker_fills += 1,
            _ => {}
        }
        let f = Fill {
            seq: self.pf.fill_count(),
            ts_ns: r.ts,
            ts: crate::report::utc_ms(r.ts),
            order_id: r.order_id.0,
            strategy: r.strategy().0,
            symbol: self.symbol(r.inst),
            side: r.side.name().into(),
            price: r.px.to_f64(),
            price_raw: r.px.raw(),
            qty: r.qty.to_f64(),
            qty_raw: r.qty.raw(),
            liquidity: r.liquidity.name().into(),
            fee: r.fee.to_f64(),
            fee_raw: r.fee.raw(),
            position: self.pf.position(r.inst).to_f64(),
        };
        if self.fills.len() == POINTS_KEPT {
            self.fills.pop_front();
        }
        self.fills.push_back(f.clone());
        self.events.push(ts, WsData::Fill(f));
        let pos = self.position(r.inst.index(), ts);
        self.events.push(ts, WsData::Position(pos));
        self.point(ts, "fill");
    }

    /// The position view of instrument `i`.
    pub fn position(&self, i: usize, updated_ns: u64) -> Position {
        let id = InstrumentId(i as u32);
        let pf = &self.pf;
        let qty = pf.position(id);
        let mark = pf.mark(id);
        Position {
            symbol: self.symbol(id),
            inst: i as u32,
            qty: qty.to_f64(),
            qty_raw: qty.raw(),
            avg_price: pf.avg_price(id).to_f64(),
            avg_price_raw: pf.avg_price(id).raw(),
            mark: mark.map(|m| m.to_f64()),
            mark_raw: mark.map(|m| m.raw()),
            unrealized_pnl: pf.unrealized_of(id).to_f64(),
            unrealized_pnl_raw: pf.unrealized_of(id).raw(),
            realized_pnl: pf.realized_of(id).to_f64(),
            realized_pnl_raw: pf.realized_of(id).raw(),
            market_value: qty.to_f64() * mark.map_or(0.0, |m| m.to_f64()),
            updated_ns,
        }
    }

    fn push_price(&mut self, inst: usize, ts: u64) {
        let sym = self.symbols.get(inst).cloned().unwrap_or_else(|| format!("#{inst}"));
        let p = self.market.price(inst, &sym);
        self.events.push(ts, WsData::Price(p));
    }

    /// Push the prices held back by the gate that are due (`all`: every one held); true if any.
    pub fn flush_prices(&mut self, all: bool) -> bool {
        let due = self.prices.due(self.as_of, all);
        for &inst in &due {
            self.push_price(inst, self.as_of);
        }
        !due.is_empty()
    }

    fn mark_point(&mut self, ts: u64) {
        if ts >= self.last_mark_point.saturating_add(MARK_POINT_NS) && self.pf.fill_count() > 0 {
            self.point(ts, "mark");
        }
    }

    fn point(&mut self, ts: u64, cause: &str) {
        let e = self.pf.exact();
        let p = PnlPoint {
            ts_ns: ts,
            equity: self.pf.equity().to_f64(),
            realized_pnl: self.pf.realized_pnl().to_f64(),
            unrealized_pnl: self.pf.unrealized_pnl().to_f64(),
            fees: self.pf.fees().to_f64(),
            drawdown: wide(e.peak_equity - e.equity),
            cause: cause.into(),
        };
        self.last_mark_point = ts;
        if self.pnl.len() == POINTS_KEPT {
            self.pnl.pop_front();
        }
        self.pnl.push_back(p.clone());
        self.events.push(ts, WsData::Pnl(p));
    }
}

/// A wide (1e-16) amount as f64 quote units.
pub fn wide(w: i128) -> f64 {
    (w / alphapulse_types::SCALE as i128) as f64 / alphapulse_types::SCALE as f64
}
