//! Pre-trade risk checks, positions, cash and PnL: the risk stage of the chain
//! (feed → agents → **risk** → router → gateway; execution reports come back through it).
//!
//! - [`actor`]: [`RiskActor`], the actor: marks, intents → decisions, exec reports, kill switch;
//! - [`checks`]: the pure pre-trade checks ([`check`], [`RiskView`]) in their fixed order;
//! - [`config`]: [`RiskConfig`] (the `[risk]` table), [`Limits`], [`RiskError`];
//! - [`limits`]: the live-settable limits ([`LIMITS`]: names, units, bounds), for `limits` and
//!   `set-limit` over the control socket;
//! - [`rate`]: [`RateWindow`], the sliding one-second order-rate window;
//! - [`open_orders`]: [`OpenOrders`], approved orders not yet terminal (and the order-id contract
//!   with the aggregator's ids);
//! - [`portfolio`]: [`Portfolio`], cash, positions, realized/unrealized PnL, fees, drawdown;
//! - [`stats`] — [`RiskStats`].
//!
//! ```
//! use alphapulse_risk::{RiskActor, RiskConfig};
//! use alphapulse_runtime::VecOutbox;
//! use alphapulse_types::*;
//!
//! let mut table = InstrumentTable::new();
//! let btc = table
//!     .add(Instrument {
//!         id: InstrumentId(0),
//!         symbol: "BTCUSDT".into(),
//!         base: "BTC".into(),
//!         quote: "USDT".into(),
//!         tick: Price::parse(b"0.01").unwrap(),
//!         lot: Qty::parse(b"0.00001").unwrap(),
//!         min_qty: Qty::parse(b"0.00001").unwrap(),
//!         min_notional: Money::from_units(5),
//!     })
//!     .unwrap();
//! let mut risk = RiskActor::new(RiskConfig::default(), &table).unwrap();
//! let mut out = VecOutbox::default();
//! let q = Quote { inst: btc, bid_px: Price::from_units(100), ask_px: Price::parse(b"100.02").unwrap(), ..Default::default() };
//! out.deliver(&mut risk, &Msg::Quote(q), 1); // as the runtime does: the quote goes on down
//! // The aggregator's id: strategy 0, intent 1.
//! let id = OrderId::compose(StrategyId(0), 1).unwrap();
//! let it = Intent { intent_id: id.0, inst: btc, px: Price::from_units(100), qty: Qty::parse(b"0.1").unwrap(), ..Default::default() };
//! out.deliver(&mut risk, &Msg::Intent(it), 2);
//! assert!(matches!(out.down[1], Msg::Decision(d) if d.verdict == Verdict::Approved));
//! assert_eq!(risk.open_orders().remaining(id), Some(Qty::parse(b"0.1").unwrap()));
//! ```
#![forbid(unsafe_code)]

pub mod actor;
pub mod checks;
pub mod config;
pub mod limits;
pub mod open_orders;
pub mod portfolio;
pub mod rate;
pub mod stats;

pub use actor::RiskActor;
pub use checks::{check, RiskView};
pub use config::{Limits, RiskConfig, RiskError};
pub use limits::{check_limit, format_limit, limit_index, parse_limit, LimitSpec, Unit, LIMITS};
pub use open_orders::OpenOrders;
pub use portfolio::{ExactBook, Portfolio};
pub use rate::{RateWindow, WINDOW_NS};
pub use stats::RiskStats;
