//! Each operator command: what it asks of which actor, and the JSON it answers with (the shapes
//! `alphapulse ctl` renders as tables).

use super::health::{assess, Inputs};
use super::{OpError, Operator};
use alphapulse_risk::{format_limit, limit_index, parse_limit, LIMITS};
use alphapulse_runtime::Answer;
use alphapulse_types::{
    CtlOp, CtlReq, CtlRow, CtlText, InstrumentId, Money, OperatorCommand, ALL_INSTRUMENTS,
};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// An operator command with its arguments (parsed by the socket server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Status,
    Halt,
    Resume,
    Flatten,
    CancelAll(Option<String>),
    Limits,
    SetLimit { name: String, value: String },
    Positions,
    Orders,
    Pnl,
    Latency,
    StrategiesList,
    StrategyEnable(String),
    StrategyDisable(String),
    StrategyLoad(String),
    StrategySet { name: String, key: String, value: String },
}

impl Op {
    /// The command as the journal names it.
    pub fn command(&self) -> OperatorCommand {
        match self {
            Op::Status => OperatorCommand::Status,
            Op::Halt => OperatorCommand::Halt,
            Op::Resume => OperatorCommand::Resume,
            Op::Flatten => OperatorCommand::Flatten,
            Op::CancelAll(_) => OperatorCommand::CancelAll,
            Op::Limits => OperatorCommand::Limits,
            Op::SetLimit { .. } => OperatorCommand::SetLimit,
            Op::Positions => OperatorCommand::Positions,
            Op::Orders => OperatorCommand::Orders,
            Op::Pnl => OperatorCommand::Pnl,
            Op::Latency => OperatorCommand::Latency,
            Op::StrategiesList => OperatorCommand::StrategiesList,
            Op::StrategyEnable(_) => OperatorCommand::StrategyEnable,
            Op::StrategyDisable(_) => OperatorCommand::StrategyDisable,
            Op::StrategyLoad(_) => OperatorCommand::StrategyLoad,
            Op::StrategySet { .. } => OperatorCommand::StrategySet,
        }
    }
}

/// Ask again this many times at most while cancels are still being sent (each ask sends up to
/// `CANCEL_BATCH`; the order table holds at most 2^20 orders).
const MAX_CANCEL_ROUNDS: usize = (1 << 20) / CANCEL_BATCH + 1;
use alphapulse_oms::control::CANCEL_BATCH;

fn money(raw: i64) -> String {
    Money::from_raw(raw).to_string()
}

/// An actor's acknowledgement: its name and its time when it applied the command.
fn ack(actor: &str, a: &Answer) -> Value {
    json!({ "actor": actor, "at_ns": a.at })
}

fn count(a: &Answer) -> u64 {
    a.rows.iter().map(|(r, _)| if let CtlRow::Count(n) = r { *n } else { 0 }).sum()
}

impl Operator {
    /// The journal's arguments of `op`: (index, instrument, value).
    pub(crate) fn args_of(&self, op: &Op) -> (u16, InstrumentId, i64) {
        match op {
            Op::CancelAll(Some(s)) => (0, self.instrument(s).unwrap_or(ALL_INSTRUMENTS), 0),
            Op::SetLimit { name, value } => match limit_index(name) {
                Some(i) => (i as u16, ALL_INSTRUMENTS, parse_limit(i, value).unwrap_or(0)),
                None => (0, ALL_INSTRUMENTS, 0),
            },
            _ => (0, ALL_INSTRUMENTS, 0),
        }
    }

    /// Apply `op`: its result and the count the journal keeps (cancels, orders, rows).
    pub(crate) fn run(&mut self, op: &Op) -> Result<(Value, u64), OpError> {
        match op {
            Op::Status => Ok((self.status(), 0)),
            Op::Halt => self.halt(),
            Op::Resume => {
                let actors = ["strategy", "risk", "router"];
                let answers = self.ask_all(&actors, CtlOp::Resume)?;
                let acks: Vec<Value> = actors.iter().zip(&answers).map(|(n, a)| ack(n, a)).collect();
                self.halted = false;
                Ok((json!({ "applied": true, "acks": acks }), 0))
            }
            Op::Flatten => {
                let a = self.ask_op("strategy", CtlOp::Flatten)?;
                let n = count(&a);
                Ok((json!({ "applied": true, "acks": [ack("strategy", &a)], "orders": n }), n))
            }
            Op::CancelAll(symbol) => {
                let inst = match symbol {
                    Some(s) => self.instrument(s)?,
                    None => ALL_INSTRUMENTS,
                };
                let (n, last) = self.cancel_all(inst)?;
                let acks = [ack("router", &last)];
                Ok((json!({ "applied": true, "acks": acks, "cancelled": n, "symbol": symbol }), n))
            }
            Op::Limits => {
                let rows = self.limit_rows()?;
                let n = rows.len() as u64;
                Ok((json!({ "limits": rows }), n))
            }
            Op::SetLimit { name, value } => self.set_limit(name, value),
            Op::Positions | Op::Pnl => {
                let a = self.ask_op("risk", CtlOp::Positions)?;
                let (mut positions, mut portfolio) = (Vec::new(), Value::Null);
                for (row, sym) in &a.rows {
                    match *row {
                        CtlRow::Position { qty, avg_price, realized, unrealized, mark, .. } => positions.push(json!({
                            "symbol": sym, "qty": qty.to_string(), "avg_price": avg_price.to_string(),
                            "realized": money(realized), "unrealized": money(unrealized), "mark": mark.to_string(),
                        })),
                        CtlRow::Portfolio { cash, equity, realized, unrealized, fees, max_drawdown, fills } => {
                            portfolio = json!({
                                "cash": money(cash), "equity": money(equity), "realized": money(realized),
                                "unrealized": money(unrealized), "fees": money(fees),
                                "max_drawdown": money(max_drawdown), "fills": fills,
                            })
                        }
                        _ => {}
                    }
                }
                let n = positions.len() as u64;
                if *op == Op::Pnl {
                    // The portfolio's figures at the top, each symbol's PnL below.
                    let by_symbol: Vec<Value> = positions
                        .iter()
                        .map(|p| json!({ "symbol": p["symbol"], "realized": p["realized"], "unrealized": p["unrealized"] }))
                        .collect();
                    let mut v = portfolio;
                    if let Some(o) = v.as_object_mut() {
                        o.insert("by_symbol".into(), Value::Array(by_symbol));
                    }
                    return Ok((v, n));
                }
                Ok((json!({ "positions": positions, "portfolio": portfolio }), n))
            }
            Op::Orders => {
                let a = self.ask_op("router", CtlOp::Orders)?;
                let orders: Vec<Value> = a
                    .rows
                    .iter()
                    .filter_map(|(row, state)| match *row {
                        CtlRow::Order { id, inst, side, price, qty, filled, .. } => Some(json!({
                            "id": id.0, "symbol": self.symbol(inst), "side": side.name(), "price": price.to_string(),
                            "qty": qty.to_string(), "filled": filled.to_string(), "state": state,
                        })),
                        _ => None,
                    })
                    .collect();
                let n = orders.len() as u64;
                Ok((json!({ "orders": orders, "truncated": a.lost }), n))
            }
            Op::Latency => {
                let v =
                    self.latency.report(self.info.clock).map_err(|e| OpError::failed(format!("{e:#}")))?;
                Ok((v, 0))
            }
            Op::StrategiesList => {
                let rows = self.strategy_rows()?;
                let n = rows.len() as u64;
                Ok((json!({ "strategies": rows }), n))
            }
            Op::StrategyEnable(name) | Op::StrategyDisable(name) => {
                let index = self.strategy_index(name)?;
                let enable = matches!(op, Op::StrategyEnable(_));
                let cop = if enable { CtlOp::StrategyEnable } else { CtlOp::StrategyDisable };
                let a = self.ask("strategy", CtlReq { index, ..CtlReq::new(0, cop, 0) })?;
                Ok((
                    json!({ "applied": true, "acks": [ack("strategy", &a)], "strategy": name, "enabled": enable }),
                    0,
                ))
            }
            Op::StrategySet { name, key, value } => {
                let index = self.strategy_index(name)?;
                if key.contains('\0')
                    || value.contains('\0')
                    || key.len() + value.len() + 1 > alphapulse_types::CTL_TEXT
                {
                    return Err(OpError::failed(format!(
                        "key and value must fit {} bytes together, without NUL",
                        alphapulse_types::CTL_TEXT - 1
                    )));
                }
                let text = CtlText::new(&format!("{key}\0{value}"));
                let a =
                    self.ask("strategy", CtlReq { index, text, ..CtlReq::new(0, CtlOp::StrategySet, 0) })?;
                let acks = [ack("strategy", &a)];
                Ok((
                    json!({ "applied": true, "acks": acks, "strategy": name, "key": key, "value": value }),
                    0,
                ))
            }
            Op::StrategyLoad(path) => self.load_strategy(path),
        }
    }

    /// Load the plugin at `path` (here, on the control thread: open, check, create), hand it to
    /// the strategy host through its loader ring and ask the host to take it: it runs from the
    /// next market event, under its manifest's name, weighed by `aggregator.weights` (else 1).
    fn load_strategy(&mut self, path: &str) -> Result<(Value, u64), OpError> {
        let plugin = alphapulse_plugin::load(path).map_err(|e| OpError::failed(e.to_string()))?;
        let name = plugin.name().to_string();
        if self.strategy_rows()?.iter().any(|r| r["name"] == name.as_str()) {
            return Err(OpError::failed(format!("a strategy named `{name}` runs already")));
        }
        let loader =
            self.info.loader.as_mut().ok_or_else(|| OpError::failed("this run cannot load strategies"))?;
        let entry = alphapulse_strategy::PluginEntry {
            name: name.clone(),
            path: Some(path.to_string()),
            builtin: None,
            weight: None,
            budget_ns: 0,
            params: Default::default(),
        };
        let s = alphapulse_plugin::strategy_from(&entry, &loader.table)
            .map_err(|e| OpError::failed(e.to_string()))?;
        let weight = loader.strategy.plugin_weight(&entry);
        let n = alphapulse_strategy::NewStrategy::new(s, weight, &loader.strategy.aggregator)
            .map_err(|e| OpError::failed(e.to_string()))?;
        loader.ring.push(n).map_err(|_| OpError::failed("the loader ring is full: try again"))?;
        let a = self.ask_op("strategy", CtlOp::StrategyLoad)?;
        let index = count(&a);
        let acks = [ack("strategy", &a)];
        Ok((json!({ "applied": true, "acks": acks, "name": name, "index": index, "weight": weight }), index))
    }

    /// The kill switch: intents stop, risk refuses every order, the router refuses approved
    /// decisions and cancels every working order (asked again until none is left).
    fn halt(&mut self) -> Result<(Value, u64), OpError> {
        // One batch: on one thread the three apply it in one turn, in chain order.
        let actors = ["strategy", "risk", "router"];
        let answers = self.ask_all(&actors, CtlOp::Halt)?;
        self.halted = true;
        let [s, r, router] = [&answers[0], &answers[1], &answers[2]];
        let first = count(router);
        // A full first batch may have left orders: cancel the rest.
        let rest = if first < CANCEL_BATCH as u64 { 0 } else { self.cancel_all(ALL_INSTRUMENTS)?.0 };
        // Each actor's time when it applied the halt (`at_ns`): nothing the router sends after
        // it is an order.
        let acks = [ack("strategy", s), ack("risk", r), ack("router", router)];
        Ok((json!({ "applied": true, "acks": acks, "cancelled": first + rest }), first + rest))
    }

    /// Cancel every working order of `inst` (or all), a batch per request until none is left:
    /// the count and the last answer.
    fn cancel_all(&mut self, inst: InstrumentId) -> Result<(u64, Answer), OpError> {
        let mut total = 0;
        for _ in 0..MAX_CANCEL_ROUNDS {
            let a = self.ask("router", CtlReq { inst, ..CtlReq::new(0, CtlOp::CancelAll, 0) })?;
            let n = count(&a);
            total += n;
            if n == 0 {
                return Ok((total, a));
            }
        }
        Err(OpError::failed(format!("still cancelling after {total} cancels")))
    }

    fn limit_rows(&mut self) -> Result<Vec<Value>, OpError> {
        let a = self.ask_op("risk", CtlOp::Limits)?;
        Ok(a.rows
            .iter()
            .filter_map(|(row, _)| match *row {
                CtlRow::Limit { index, value } => LIMITS.get(index as usize).map(|l| {
                    json!({ "name": l.name, "value": format_limit(index as usize, value),
                            "unit": format!("{:?}", l.unit).to_lowercase(), "help": l.help })
                }),
                _ => None,
            })
            .collect())
    }

    fn set_limit(&mut self, name: &str, value: &str) -> Result<(Value, u64), OpError> {
        let names: Vec<&str> = LIMITS.iter().map(|l| l.name).collect();
        let i = limit_index(name).ok_or_else(|| {
            OpError::failed(format!("unknown limit `{name}` (limits: {})", names.join(", ")))
        })?;
        let raw = parse_limit(i, value).map_err(OpError::failed)?;
        let old = self.limit_rows()?.get(i).and_then(|r| r["value"].as_str().map(str::to_string));
        let a =
            self.ask("risk", CtlReq { index: i as u16, value: raw, ..CtlReq::new(0, CtlOp::SetLimit, 0) })?;
        let acks = [ack("risk", &a)];
        Ok((
            json!({ "applied": true, "acks": acks, "name": name, "old": old, "new": format_limit(i, raw) }),
            0,
        ))
    }

    fn strategy_rows(&mut self) -> Result<Vec<Value>, OpError> {
        let a = self.ask_op("strategy", CtlOp::Strategies)?;
        Ok(a.rows
            .iter()
            .filter_map(|(row, text)| match *row {
                CtlRow::Strategy { index, weight, enabled, faulted, signals, overruns } => {
                    // A faulted strategy's row text is `name\0fault message`.
                    let (name, fault) = text.split_once('\0').unwrap_or((text, ""));
                    Some(json!({
                        "index": index, "name": name, "weight": weight, "enabled": enabled,
                        "faulted": faulted, "fault": (!fault.is_empty()).then_some(fault),
                        "signals": signals, "overruns": overruns,
                    }))
                }
                _ => None,
            })
            .collect())
    }

    fn strategy_index(&mut self, name: &str) -> Result<u16, OpError> {
        let rows = self.strategy_rows()?;
        rows.iter()
            .find(|r| r["name"] == name)
            .and_then(|r| r["index"].as_u64())
            .map(|i| i as u16)
            .ok_or_else(|| {
                let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
                OpError::failed(format!("unknown strategy `{name}` (strategies: {})", names.join(", ")))
            })
    }

    /// Health, actors, rings and feed state, from what the hot threads publish.
    pub(crate) fn status(&mut self) -> Value {
        let board = self.port.board().clone();
        let n = board.names.len();
        let latest = (0..n).map(|i| board.actor(i).1).max().unwrap_or(0);
        let mut handled = 0;
        let mut ring_fill: f64 = 0.0;
        let actors: Vec<Value> = (0..n)
            .map(|i| {
                let (h, ts) = board.actor(i);
                handled += h;
                let t = board.thread_of[i];
                let first = i == 0 || board.thread_of[i - 1] != t;
                let depth =
                    if first && i > 0 { board.threads[t].inbound_depth.load(Ordering::Relaxed) } else { 0 };
                ring_fill = ring_fill.max(depth as f64 / self.info.ring_capacity.max(1) as f64);
                json!({
                    "name": board.names[i], "thread": t, "handled": h, "queue_depth": depth,
                    "event_ts": ts,
                    // Behind the most advanced actor (a source handles nothing: no lag to tell).
                    "lag_ns": (h > 0).then(|| latest.saturating_sub(ts)),
                })
            })
            .collect();
        let threads_done = board.threads.iter().filter(|t| t.done.load(Ordering::Acquire)).count();
        let mut inputs = Inputs {
            handled,
            ring_fill,
            threads_done,
            threads: board.threads.len(),
            unanswered: self.unanswered.clone(),
            halted: self.halted,
            ..Default::default()
        };
        let mut feeds = Vec::new();
        if let Some(live) = &self.info.live {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            let last = live.last_frame_ts.load(Ordering::Relaxed);
            let stale = last > 0 && now.saturating_sub(last) > self.info.stale_after.as_nanos() as u64;
            let (mut synced, mut resyncing, mut reconnecting) = (0, 0, 0);
            for (inst, state) in live.symbol_sync() {
                use alphapulse_feeds::live::SymbolSync as S;
                match state {
                    S::Synced => synced += 1,
                    S::Resyncing => resyncing += 1,
                    S::Reconnecting => reconnecting += 1,
                    S::Unknown => {}
                }
                let name = if stale && state == S::Synced { "stale" } else { state.name() };
                feeds.push(json!({ "symbol": self.symbol(inst), "state": name }));
            }
            let total = live.sync.len();
            self.was_synced |= total > 0 && synced == total;
            inputs.symbols = Some((total, synced, resyncing, reconnecting));
            inputs.was_synced = self.was_synced;
            inputs.stale = stale;
        }
        // Faults, from the strategy host's journal stream (no hot thread asked).
        let _ = self.latency.poll();
        let faulted = self.latency.faulted().to_vec();
        inputs.faulted = faulted.len();
        let (state, reason) = assess(&inputs);
        let (written, failed, _) = self.audit_stats();
        json!({
            "health": { "state": state, "reason": reason },
            "actors": actors,
            "feeds": feeds,
            "halted": self.halted,
            "faulted_strategies": faulted,
            "uptime_s": self.started.elapsed().as_secs_f64(),
            "control": {
                "commands": self.seq, "ok": self.outcomes[0], "refused": self.outcomes[1],
                "failed": self.outcomes[2], "journaled": written, "journal_failures": failed,
            },
        })
    }
}
