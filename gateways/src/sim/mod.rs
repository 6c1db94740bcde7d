//! The simulated exchange: a matching engine against the replayed book.
//!
//! [`SimGateway`] is the last actor of the chain (`… → router → gateway`). It receives, in causal
//! order, the market events forwarded down the chain and the router's `New`/`Cancel`, and sends
//! `Exec` reports Up. It is deterministic: time comes from `ctx.now()` (when the gateway sends an
//! order) and from message timestamps (event time of market data).
//!
//! **Latency.** A request handled at `now` reaches the engine at `now + order_latency_ns`; it is
//! processed (in FIFO order) when the first market event with event time ≥ that arrives, before the
//! event is applied, or on `Eos`. A report of what the venue did at `t` carries
//! `ts = t + response_latency_ns` and waits in a bounded queue (`outgoing.rs`, `max_reports`) until
//! the simulator handles a message whose time (event time of a market event, the clock for an
//! order or cancel) reaches `ts`; then it goes up, in order. So the router, risk and the
//! strategies learn of a fill no earlier than the first market event at or after its stamp, and
//! the response latency changes what they can know. `Eos` sends everything left, in order. A full
//! queue sends its oldest report early (counted, `report_queue_overflows`); none is lost.
//! Requests refused at the gateway itself (invalid order, in-flight queue full) are answered at
//! once with `ts = now`.
//!
//! **Capacity.** At most `max_pending` new orders are in flight (one more is refused at the
//! gateway, `Rejected(TooManyOrders)`); cancels may use as much room again. A cancel refused
//! because even that is full is answered `CancelRejected(TooManyOrders)` with the cancel's id. At most
//! `max_orders` GTC orders rest; IOC, FOK and market orders never take a slot.
//!
//! **Book view.** Per instrument, a depth book — the feed's, lent on this thread (`Ctx::books`),
//! or one the simulator builds from the `Depth` messages on a thread of its own — with a small
//! patch over it (`view.rs`) of what `Quote`s say (bookTicker is fresher than the 100 ms depth) and
//! what the simulator's own taker fills consumed. Both carry the venue's update id, and
//! older data never overrides newer (`view.rs`): a quote older than the last depth update is
//! ignored, and so is a depth level no newer than the last quote at or better than that quote's
//! price. `BookStatus::Gap` clears it and marks it
//! unusable until `Synced`: meanwhile market orders and FOKs are rejected `NoLiquidity`, IOCs are
//! cancelled unfilled, GTC orders rest without taking, and resting orders wait (no fills).
//!
//! **Matching.** See `arrival.rs` (new orders and cancels) and `resting.rs` (the queue model) for the
//! exact rules. The simulator is never kinder than the market: a resting order fills only by what
//! the recorded market could have sent it — the part of a trade at its price beyond the queue
//! ahead of it, the quantity of a trade through its price, and new opposite quantity displayed
//! at or better than its price — always as a maker at its own price; the rest keeps resting. Every accepted order gets `Accepted` first, then its fills, then at most one
//! `Cancelled`; a completely filled order's last report is the fill that completes it. Fees are
//! `ppm × notional` of each fill, maker or taker.
//!
//! Files: `config.rs` ([`SimConfig`], [`SimError`]), `gateway.rs` (the actor, gateway-side checks,
//! encoding), `arrival.rs`, `resting.rs`, `view.rs` (book view and taking), `table.rs` (bounded
//! order table), `pending.rs` (in-flight queue), `probe.rs` (the view outside the actor, for tests), `outgoing.rs` (reports waiting for their time),
//! `report.rs` (exec reports and fees), `stats.rs`
//! ([`SimStats`]), `wire.rs` ([`encode_order`]).
//!
//! ```
//! use alphapulse_gateways::sim::{SimConfig, SimGateway};
//! use alphapulse_runtime::VecOutbox;
//! use alphapulse_types::*;
//!
//! let mut table = InstrumentTable::new();
//! let inst = table
//!     .add(Instrument {
//!         id: InstrumentId(0), symbol: "BTCUSDT".into(), base: "BTC".into(), quote: "USDT".into(),
//!         tick: Price::parse(b"0.01").unwrap(), lot: Qty::parse(b"0.00001").unwrap(),
//!         min_qty: Qty::parse(b"0.00001").unwrap(), min_notional: Money::from_units(5),
//!     })
//!     .unwrap();
//! let cfg = SimConfig { order_latency_ns: 100, response_latency_ns: 50, ..SimConfig::default() };
//! let mut sim = SimGateway::new(cfg, &table, 100).unwrap();
//! let mut out = VecOutbox::default();
//! let quote = |ts| Msg::Quote(Quote {
//!     inst, bid_px: Price::from_units(100), bid_qty: Qty::from_units(1),
//!     ask_px: Price::from_units(101), ask_qty: Qty::from_units(2), local_ts: ts, ..Quote::default()
//! });
//! out.handle(&mut sim, &quote(1_000), 1_000);
//! let buy = OrderNew {
//!     order_id: OrderId(1), inst, px: Price::from_units(101), qty: Qty::from_units(1),
//!     side: Side::Buy, tif: Tif::Ioc, ts: 1_000, origin_ts: 990, ..OrderNew::default()
//! };
//! out.handle(&mut sim, &Msg::New(buy), 1_000);
//! assert!(out.up.is_empty()); // in flight
//! out.handle(&mut sim, &quote(1_100), 1_100); // the order reached the engine at 1_100
//! assert!(out.up.is_empty()); // its reports are stamped 1_150
//! out.handle(&mut sim, &quote(1_150), 1_150);
//! let kinds: Vec<_> = out.up.iter().map(|m| match m { Msg::Exec(r) => (r.kind, r.ts), _ => unreachable!() }).collect();
//! assert_eq!(kinds, [(ExecKind::Accepted, 1_150), (ExecKind::Fill, 1_150)]);
//! assert_eq!(sim.stats().tick_to_encode_max_ns, 10);
//! ```

mod arrival;
mod config;
mod gateway;
mod outgoing;
mod pending;
mod probe;
mod report;
mod resting;
mod stats;
mod table;
mod view;
pub mod wire;

pub use config::{SimConfig, SimError, MAX_CAPACITY, MAX_LATENCY_NS};
pub use gateway::{SimBook, SimGateway};
#[doc(hidden)]
pub use probe::MarketProbe;
pub use stats::{SimStats, REJECT_KINDS};
pub use view::OVERRIDES_PER_SIDE;
pub use wire::{decode_order, encode_order, WIRE_LEN};
