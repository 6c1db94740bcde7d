//! Order-entry gateways.
//!
//! - [`sim`]: the simulated exchange, an actor at the end of the chain that matches the router's
//!   orders against its own view of the replayed book (partial fills, queue position, fees, latency)
//!   and answers with execution reports. It also encodes every order it sends into a compact wire
//!   record ([`sim::encode_order`]) so benches can time "order encoded at the gateway".
//!
//! Binance spot and FIX 4.4 gateways will live beside it.
#![forbid(unsafe_code)]

pub mod sim;
