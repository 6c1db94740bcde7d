//! Evaluating one rule over a [`Facts`] snapshot: which of its conditions hold now, with the
//! observed value. A rule keeps what it needs between snapshots (the previous price for a cross,
//! the reject window, the previous health state); de-duplication and cool-downs are the engine's.

use std::collections::{BTreeMap, VecDeque};

use super::config::{health_level, FeedCondition, LagUnit, RuleKind, RuleSpec};
use super::facts::{Facts, FeedState};

/// One condition of a rule at one snapshot: its key (the symbol for a per-symbol rule, the new
/// state for a health change, "" for one without), whether it holds, the value observed and the
/// threshold it was compared with. Each key of a rule is de-duplicated on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub key: String,
    /// The symbol the alert is about, if any.
    pub symbol: Option<String>,
    pub holds: bool,
    pub value: f64,
    pub threshold: f64,
    /// What happened, in words (the alert's message).
    pub what: String,
}

/// A rule's memory between snapshots.
#[derive(Debug, Default)]
pub struct RuleMemory {
    /// Price rules: a snapshot on the near side of the threshold was seen (a cross needs one).
    seen_near: bool,
    /// Reject rate: (time, decisions, rejects) snapshots inside the window.
    window: VecDeque<(u64, u64, u64)>,
    /// Health: the previous state's name.
    prev_health: Option<String>,
}

/// A feed state's number (the record's value): 0 synced, 1 resyncing, 2 reconnecting, 3 stale.
pub fn feed_number(s: FeedState) -> u8 {
    match s {
        FeedState::Synced => 0,
        FeedState::Resyncing => 1,
        FeedState::Reconnecting => 2,
        FeedState::Stale => 3,
    }
}

fn feed_matches(s: FeedState, c: FeedCondition) -> bool {
    matches!(
        (s, c),
        (FeedState::Reconnecting, FeedCondition::Disconnected)
            | (FeedState::Stale, FeedCondition::Stale)
            | (FeedState::Resyncing, FeedCondition::Resyncing)
    )
}

/// The rule's checks at `f` (empty when the facts have nothing it can test).
pub fn evaluate(spec: &RuleSpec, mem: &mut RuleMemory, f: &Facts) -> Vec<Check> {
    let t = spec.threshold.unwrap_or(0.0);
    let one = |holds: bool, value: f64, what: String| {
        vec![Check { key: String::new(), symbol: None, holds, value, threshold: t, what }]
    };
    match spec.kind {
        RuleKind::PriceAbove | RuleKind::PriceBelow => {
            let sym = spec.symbol.as_deref().unwrap_or("");
            let Some(&px) = f.last_price.get(sym) else { return Vec::new() };
            let above = spec.kind == RuleKind::PriceAbove;
            let beyond = if above { px > t } else { px < t };
            // Crosses only: a price beyond the threshold since the first snapshot does not fire.
            mem.seen_near |= !beyond;
            let holds = beyond && mem.seen_near;
            let dir = if above { "above" } else { "below" };
            vec![Check {
                key: sym.to_string(),
                symbol: Some(sym.to_string()),
                holds,
                value: px,
                threshold: t,
                what: format!("{sym} last price {px} crossed {dir} {t}"),
            }]
        }
        RuleKind::DrawdownAbove => {
            let (Some(eq), Some(peak)) = (f.equity, f.peak_equity) else { return Vec::new() };
            if peak <= 0.0 {
                return Vec::new();
            }
            let dd = ((peak - eq) / peak).max(0.0);
            one(
                dd > t,
                dd,
                format!(
                    "drawdown {:.4}% of peak equity {peak} (equity {eq}) beyond {:.4}%",
                    dd * 100.0,
                    t * 100.0
                ),
            )
        }
        RuleKind::RejectRateAbove => {
            let window_ns = (spec.window.unwrap_or(60.0) * 1e9) as u64;
            let min = spec.min_count.unwrap_or(20);
            let w = &mut mem.window;
            // A counter that went back (a new run) starts the window again.
            if w.back().is_some_and(|&(_, d, r)| f.decisions < d || f.rejects < r) {
                w.clear();
            }
            w.push_back((f.now_ns, f.decisions, f.rejects));
            while w.len() > 1 && w.get(1).is_some_and(|&(ts, _, _)| f.now_ns.saturating_sub(ts) >= window_ns)
            {
                w.pop_front();
            }
            let &(_, d0, r0) = w.front().unwrap_or(&(0, f.decisions, f.rejects));
            let (d, r) = (f.decisions - d0, f.rejects - r0);
            let rate = if d == 0 { 0.0 } else { r as f64 / d as f64 };
            one(
                d >= min && rate > t,
                rate,
                format!(
                    "{r} of {d} decisions rejected in the window ({:.2}% beyond {:.2}%)",
                    rate * 100.0,
                    t * 100.0
                ),
            )
        }
        RuleKind::TickToTradeP99Above => {
            let Some(p99) = f.tick_to_trade_p99_ns else { return Vec::new() };
            let us = p99 as f64 / 1000.0;
            one(us > t, us, format!("tick-to-trade p99 {us} µs beyond {t} µs"))
        }
        RuleKind::FeedState => {
            let conds: &[FeedCondition] = if spec.states.is_empty() {
                &[FeedCondition::Disconnected, FeedCondition::Stale, FeedCondition::Resyncing]
            } else {
                &spec.states
            };
            let pick: BTreeMap<&String, &FeedState> = match &spec.symbol {
                Some(s) => f.feed.get_key_value(s).into_iter().collect(),
                None => f.feed.iter().collect(),
            };
            pick.into_iter()
                .map(|(sym, &st)| Check {
                    key: sym.clone(),
                    symbol: Some(sym.clone()),
                    holds: conds.iter().any(|&c| feed_matches(st, c)),
                    value: f64::from(feed_number(st)),
                    threshold: 0.0,
                    what: format!(
                        "{sym} feed {}",
                        serde_json::to_value(st)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default()
                    ),
                })
                .collect()
        }
        RuleKind::HealthChange => {
            let Some((name, reason)) = &f.health else { return Vec::new() };
            let level = health_level(name).unwrap_or(0);
            let prev = mem.prev_health.replace(name.clone());
            match &spec.to {
                Some(to) => {
                    let min = health_level(to).unwrap_or(u8::MAX);
                    let holds = level >= min;
                    one(holds, f64::from(level), format!("health {name} ({reason}), at or beyond {to}"))
                        .into_iter()
                        .map(|c| Check { threshold: f64::from(min), ..c })
                        .collect()
                }
                None => {
                    // Any change: each new state is its own condition (keyed by its name), true
                    // from the change until the next snapshot (or the next change).
                    let check = |key: &str, holds: bool, what: String| Check {
                        key: key.to_string(),
                        symbol: None,
                        holds,
                        value: f64::from(level),
                        threshold: 0.0,
                        what,
                    };
                    match prev {
                        Some(p) if p != *name => vec![
                            check(&p, false, String::new()),
                            check(name, true, format!("health {p} -> {name} ({reason})")),
                        ],
                        _ => vec![check(name, false, String::new())],
                    }
                }
            }
        }
        RuleKind::PersistLagAbove => {
            let Some(lag) = f.persist_lag else { return Vec::new() };
            let (v, unit) = match spec.unit.unwrap_or_default() {
                LagUnit::Records => (lag.records as f64, "records"),
                LagUnit::Seconds => (lag.seconds, "s"),
            };
            one(v > t, v, format!("persist behind the journal by {v} {unit} (beyond {t} {unit})"))
        }
    }
}
