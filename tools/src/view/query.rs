//! The API's answers, built from the [`Model`] under its lock (cheap: no answer walks more than
//! the kept orders, fills, points or bars).

use super::model::{wide, Model};
use super::shapes::*;
use crate::bars::Interval;
use alphapulse_types::{AggregateOutcome, InstrumentId};

/// A bad query parameter (the API answers 400 with it).
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    Bad(String),
    #[error("{0}")]
    NotFound(String),
}

impl Model {
    pub fn summary(&self) -> Summary {
        let pf = &self.pf;
        let e = pf.exact();
        let c = self.orders.counts;
        let raw = SummaryRaw {
            initial_cash: pf.initial_cash().raw(),
            cash: pf.cash().raw(),
            equity: pf.equity().raw(),
            realized_pnl: pf.realized_pnl().raw(),
            unrealized_pnl: pf.unrealized_pnl().raw(),
            fees: pf.fees().raw(),
            peak_equity: pf.peak_equity().raw(),
            max_drawdown: pf.max_drawdown().raw(),
            traded_notional: pf.traded_notional().raw(),
        };
        Summary {
            as_of_ns: self.as_of,
            as_of: crate::report::utc_ms(self.as_of),
            finished: self.stats.finished(),
            initial_cash: pf.initial_cash().to_f64(),
            cash: pf.cash().to_f64(),
            equity: pf.equity().to_f64(),
            realized_pnl: pf.realized_pnl().to_f64(),
            unrealized_pnl: pf.unrealized_pnl().to_f64(),
            fees: pf.fees().to_f64(),
            peak_equity: pf.peak_equity().to_f64(),
            drawdown: wide(e.peak_equity - e.equity),
            max_drawdown: pf.max_drawdown().to_f64(),
            traded_notional: pf.traded_notional().to_f64(),
            raw,
            fills: pf.fill_count(),
            maker_fills: self.maker_fills,
            taker_fills: self.taker_fills,
            orders_sent: c.sent,
            orders_filled: c.filled,
            orders_partially_filled: c.partially_filled,
            orders_cancelled: c.cancelled,
            orders_rejected: self.stats.rejected_total(),
            venue_rejects: c.venue_rejected,
            open_orders: c.open(),
            rejected_by_reason: self.stats.rejects_by_reason(),
        }
    }

    pub fn positions(&self) -> Positions {
        let positions = (0..self.pf.n_instruments())
            .filter(|i| {
                let id = InstrumentId(*i as u32);
                !self.pf.position(id).is_zero() || !self.pf.realized_of(id).is_zero()
            })
            .map(|i| self.position(i, self.as_of))
            .collect();
        Positions { as_of_ns: self.as_of, positions }
    }

    pub fn performance(&self, limit: Option<usize>) -> Performance {
        let pf = &self.pf;
        let init = pf.initial_cash().to_f64();
        let skip = limit.map_or(0, |l| self.pnl.len().saturating_sub(l));
        Performance {
            as_of_ns: self.as_of,
            initial_cash: init,
            equity: pf.equity().to_f64(),
            peak_equity: pf.peak_equity().to_f64(),
            max_drawdown: pf.max_drawdown().to_f64(),
            return_pct: if init > 0.0 { (pf.equity().to_f64() - init) / init * 100.0 } else { 0.0 },
            points: self.pnl.iter().skip(skip).cloned().collect(),
        }
    }

    /// `status`: `open`, `final` or `all`.
    pub fn orders_view(&self, status: Option<&str>, limit: Option<usize>) -> Result<Orders, QueryError> {
        let open = match status.unwrap_or("all") {
            "all" => None,
            "open" => Some(true),
            "final" => Some(false),
            s => return Err(QueryError::Bad(format!("status `{s}`: one of open, final, all"))),
        };
        let c = self.orders.counts;
        Ok(Orders {
            as_of_ns: self.as_of,
            open: c.open(),
            total: c.sent,
            orders: self.orders.list(open, limit.unwrap_or(500)),
        })
    }

    pub fn fills_view(&self, limit: Option<usize>) -> Fills {
        Fills {
            as_of_ns: self.as_of,
            total: self.pf.fill_count(),
            fills: self.fills.iter().rev().take(limit.unwrap_or(500)).cloned().collect(),
        }
    }

    /// The newest aggregate decisions first (`limit`, default 200), only those of `outcome` if
    /// given (a name of `AggregateOutcome`, e.g. `sent`).
    pub fn decisions_view(
        &self,
        outcome: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Decisions, QueryError> {
        if let Some(o) = outcome {
            let names: Vec<&str> = (0..AggregateOutcome::COUNT as u8)
                .filter_map(AggregateOutcome::from_u8)
                .map(AggregateOutcome::name)
                .collect();
            if !names.contains(&o) {
                return Err(QueryError::Bad(format!("outcome `{o}`: not one of {}", names.join(", "))));
            }
        }
        Ok(Decisions {
            as_of_ns: self.as_of,
            total: self.decisions_by_outcome.values().sum(),
            by_outcome: self.decisions_by_outcome.clone(),
            strategies: self.strategies.clone(),
            decisions: self
                .decisions
                .iter()
                .rev()
                .filter(|d| outcome.is_none_or(|o| d.outcome == o))
                .take(limit.unwrap_or(200))
                .cloned()
                .collect(),
        })
    }

    pub fn balance(&self) -> Balance {
        let pf = &self.pf;
        let e = pf.exact();
        Balance {
            as_of_ns: self.as_of,
            currency: quote_currency(&self.symbols),
            initial_cash: pf.initial_cash().to_f64(),
            cash: pf.cash().to_f64(),
            cash_raw: pf.cash().raw(),
            equity: pf.equity().to_f64(),
            equity_raw: pf.equity().raw(),
            market_value: wide(e.market_value),
            fees: pf.fees().to_f64(),
        }
    }

    pub fn prices(&self) -> Prices {
        let n = self.symbols.len().max(self.market.symbols.len());
        let prices = (0..n)
            .filter(|i| self.market.symbols.get(*i).is_some_and(|s| s.quote.is_some() || s.trade.is_some()))
            .map(|i| self.market.price(i, &self.symbol(InstrumentId(i as u32))))
            .collect();
        Prices { as_of_ns: self.as_of, prices }
    }

    fn inst_named(&self, symbol: &str) -> Result<usize, QueryError> {
        self.inst_of(symbol).ok_or_else(|| {
            QueryError::NotFound(format!("unknown symbol `{symbol}` (symbols: {})", self.symbols.join(", ")))
        })
    }

    pub fn history(&self, symbol: &str, interval: &str) -> Result<History, QueryError> {
        let iv = Interval::parse(interval).map_err(QueryError::Bad)?;
        Ok(self.market.history(self.inst_named(symbol)?, symbol, iv))
    }

    pub fn indicators(&self, symbol: Option<&str>, interval: Option<&str>) -> Result<Indicators, QueryError> {
        let iv = Interval::parse(interval.unwrap_or("1m")).map_err(QueryError::Bad)?;
        let insts: Vec<usize> = match symbol {
            Some(s) => vec![self.inst_named(s)?],
            None => (0..self.symbols.len()).collect(),
        };
        let indicators = insts.into_iter().map(|i| self.market.indicator(i, &self.symbols[i], iv)).collect();
        Ok(Indicators { as_of_ns: self.as_of, indicators })
    }

    pub fn status(&self) -> Status {
        Status {
            as_of_ns: self.as_of,
            journal: self.journal.display().to_string(),
            started: self.started.clone(),
            symbols: self.symbols.clone(),
            health: self.assess_health(),
            halted: self.stats.halted,
            faulted_strategies: self.stats.faulted.clone(),
            feed: self.feed_states().into_iter().map(|(s, f)| (s, super::market::feed_name(f))).collect(),
            streams: self.stats.streams.values().cloned().collect(),
            finished: self.stats.finished(),
            cursor: self.events.newest(),
            epoch: self.epoch,
            control: self.control.clone(),
            persist: self.persist.clone(),
            errors: self.errors.clone(),
        }
    }

    pub fn metrics(&self) -> Metrics {
        Metrics {
            as_of_ns: self.as_of,
            events_by_type: self.stats.events_by_type.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            rejects_by_reason: self.stats.rejects_by_reason(),
            signals_by_agent: self.stats.signals.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            last_score_by_agent: self.stats.last_score.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            latency: self.stats.latency_views(),
            ring_depths: self.ring_depths(),
        }
    }

    /// Inbound queue depth per actor, from the control socket's status.
    pub fn ring_depths(&self) -> Option<std::collections::BTreeMap<String, u64>> {
        let actors = self.control.as_ref()?.get("actors")?.as_array()?;
        Some(
            actors
                .iter()
                .filter_map(|a| Some((a.get("name")?.as_str()?.to_string(), a.get("queue_depth")?.as_u64()?)))
                .collect(),
        )
    }
}

/// The quote currency every symbol shares (`USDT` for `BTCUSDT`, `ETHUSDT`), if one does.
fn quote_currency(symbols: &[String]) -> Option<String> {
    const QUOTES: [&str; 6] = ["USDT", "USDC", "FDUSD", "BUSD", "BTC", "EUR"];
    let q = QUOTES.iter().find(|q| symbols.first().is_some_and(|s| s.ends_with(*q)))?;
    symbols.iter().all(|s| s.ends_with(q)).then(|| q.to_string())
}
