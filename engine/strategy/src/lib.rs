//! The strategy layer: strategies turn market events into signals, the aggregator turns signals
//! into order intents, and the [`StrategyHost`] actor runs both, first in the chain after the feed.
//!
//! Where things live:
//! - [`strategy`]: the [`Strategy`] trait (the contract the plugin SDK will expose) and [`Signal`];
//! - [`view`]: [`MarketState`] and [`MarketView`], the read-only per-instrument market state (quote, L2
//!   book — the feed's, lent on its thread — trade);
//! - [`indicators`]: integer indicators ([`FixedEma`], [`WilderRsi`]); [`indicators_bars`]: bar
//!   indicators ([`Macd`], [`Bollinger`], [`WilderAtr`], [`RollingVwap`]);
//! - [`bars`]: [`MultiBars`], OHLCV bars of several intervals from trades, preallocated;
//! - [`ema_cross`]: [`EmaCrossAgent`], EMA crossover of the mid with an RSI filter;
//! - [`imbalance`]: [`ImbalanceAgent`], order-book imbalance;
//! - [`technical`]: [`TechnicalAgent`], MACD, Bollinger, ATR and VWAP deviation over bars;
//! - [`aggregator`]: [`Aggregator`], weighted signal combination, sizing, cooldown, position cap;
//! - [`board`]: [`Board`], the latest-value board slow agents publish on and the hot thread reads
//!   without locks; [`board_agent`]: [`BoardAgent`], the hot-side strategy that passes a slow
//!   agent's new publications on as signals dated by their own time; [`slow`]: the [`SlowAgent`]
//!   trait and the [`SlowRunner`] (own threads live, stepped by event time in a backtest);
//! - [`host`]: [`StrategyHost`], the actor (it disables a strategy that faults; `host_control`:
//!   its side of the operator's commands: halt, flatten, enable/disable/set a strategy); [`config`]:
//!   [`StrategyConfig`], with the `[[strategy.plugins]]` entries ([`PluginEntry`]) that
//!   `alphapulse_plugin` turns into strategies (a plugin file or a built-in, interchangeably).
//!
//! Everything is integer math and allocates only at construction.
//!
//! ```
//! use alphapulse_strategy::{StrategyConfig, StrategyHost};
//! use alphapulse_runtime::VecOutbox;
//! use alphapulse_types::*;
//! let mut t = InstrumentTable::new();
//! t.add(Instrument { id: InstrumentId(0), symbol: "BTCUSDT".into(), base: "BTC".into(), quote: "USDT".into(),
//!     tick: Price::parse(b"0.01").unwrap(), lot: Qty::parse(b"0.00001").unwrap(),
//!     min_qty: Qty::parse(b"0.00001").unwrap(), min_notional: Money::from_units(10) }).unwrap();
//! let mut host = StrategyHost::new(&StrategyConfig::default(), &t, 1000).unwrap();
//! let q = Quote { bid_px: Price::from_units(100), ask_px: Price::from_units(101), local_ts: 1, ..Default::default() };
//! let mut out = VecOutbox::default();
//! out.deliver(&mut host, &Msg::Quote(q), 1); // as the runtime does: forwards, then handles
//! assert_eq!(out.down, vec![Msg::Quote(q)]); // the quote went on; no intent from one quote
//! ```
#![forbid(unsafe_code)]

pub mod aggregator;
pub mod bars;
pub mod board;
pub mod board_agent;
pub mod config;
pub mod ema_cross;
mod error;
pub mod host;
mod host_control;
pub mod imbalance;
pub mod indicators;
pub mod indicators_bars;
pub mod slow;
pub mod strategy;
pub mod technical;
pub mod view;

pub use aggregator::{
    Aggregator, AggregatorConfig, AggregatorStats, MinOrder, OrderStyle, DEFAULT_EMA_SOLO_BPS, MAX_WEIGHT,
};
pub use bars::{Bar, MultiBars};
pub use board::{Board, BoardError, Busy, Entry, MAX_SLOW_AGENTS, READ_RETRIES};
pub use board_agent::BoardAgent;
pub use config::PluginEntry;
pub use config::StrategyConfig;
pub use ema_cross::{EmaCrossAgent, EmaCrossConfig};
pub use error::StrategyError;
pub use host::{AgentStats, NewStrategy, StrategyHost, StrategyStats, MAX_STRATEGIES, TRIGGERS};
pub use imbalance::{imbalance_bps, ImbalanceAgent, ImbalanceConfig};
pub use indicators::{FixedEma, WilderRsi};
pub use indicators_bars::{Bollinger, BollingerValue, Macd, MacdValue, RollingVwap, WilderAtr};
pub use slow::{SlowAgent, SlowError, SlowHandle, SlowRunner, SlowRunnerConfig, SlowStats, StopReport};
pub use strategy::{Fault, Signal, Strategy, StrategyHealth, MAX_SCORE};
pub use technical::{TechnicalAgent, TechnicalConfig, TechnicalReading};
pub use view::{BookFeedState, MarketState, MarketView};
