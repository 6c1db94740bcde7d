//! The AlphaPulse plugin SDK: write a strategy once, link it into the engine (an rlib) or ship it
//! as a compiled plugin (a `cdylib`). The engine treats both the same way.
//!
//! Where things live:
//! - [`abi`]: the C ABI — `#[repr(C)]` market types ([`Quote`], [`Trade`], [`DepthHeader`] with
//!   its [`Level`]s, [`Signal`], [`Fill`], [`Position`]), the read-only [`ViewTable`], the
//!   versioned [`Vtable`], the [`Manifest`], [`ABI_VERSION`] and [`layout_fingerprint`];
//! - [`strategy`]: what authors implement — the [`Strategy`] trait, its [`Setup`] (parameters
//!   and instruments), the [`MarketView`] it reads, the [`Depth`] update it sees;
//! - [`glue`]: the plugin side of the vtable and [`export_strategy!`] (the SDK's only `unsafe`).
//!
//! **The contract.** A plugin exports one symbol, `alphapulse_plugin_entry_<crate name>`,
//! returning a `'static` [`Manifest`]. The host refuses it unless its ABI version and layout
//! fingerprint equal the host's and it was built with `panic = "unwind"`. Every vtable function
//! catches panics inside the plugin and returns a status code ([`STATUS_PANICKED`] with the panic
//! message in a caller-provided buffer): a panic never crosses the C ABI; the host then disables
//! the strategy. Libraries are never unloaded while the engine runs. Calls are on the hot path:
//! no allocation, blocking or printing after `new`.
//!
//! **A complete plugin.** `Cargo.toml`:
//! ```toml
//! [package]
//! name = "ap-spread"
//! [lib]
//! crate-type = ["cdylib", "rlib"]   # cdylib: the plugin; rlib: link it in as a built-in
//! [dependencies]
//! alphapulse-sdk = { path = "../../sdk" }
//! ```
//! `src/lib.rs` (build it with `cargo build --release -p ap-spread`, then name
//! `target/release/libap_spread.so` as `path` in `[[strategy.plugins]]`):
//! ```
//! use alphapulse_sdk::{export_strategy, signal, MarketView, Quote, Setup, Signal, Strategy};
//!
//! /// Buys when the spread is tighter than `max_spread_bps`, with a strength that falls as it widens.
//! pub struct Spread {
//!     max_spread_bps: i64,
//! }
//!
//! impl Strategy for Spread {
//!     const NAME: &'static str = "spread";
//!
//!     fn new(setup: &Setup<'_>) -> Result<Self, String> {
//!         setup.only(&["max_spread_bps"])?;
//!         let max_spread_bps = setup.parse("max_spread_bps", 5i64)?;
//!         if max_spread_bps <= 0 {
//!             return Err(format!("parameter `max_spread_bps`: {max_spread_bps} must be positive"));
//!         }
//!         Ok(Spread { max_spread_bps })
//!     }
//!
//!     fn on_quote(&mut self, q: &Quote, _view: &dyn MarketView) -> Option<Signal> {
//!         if q.bid_px <= 0 || q.ask_px <= q.bid_px {
//!             return None;
//!         }
//!         let spread_bps = (q.ask_px - q.bid_px) * 10_000 / q.bid_px;
//!         let score = (self.max_spread_bps - spread_bps) * 10_000 / self.max_spread_bps;
//!         Some(signal(q.inst, score.max(0), q.local_ts))
//!     }
//! }
//!
//! export_strategy!(Spread);
//!
//! // What the host reads from the entry symbol:
//! let m = unsafe { &*__alphapulse_plugin_entry() };
//! assert_eq!((m.abi_version, m.fingerprint, m.name()), (alphapulse_sdk::ABI_VERSION,
//!     alphapulse_sdk::layout_fingerprint(), "spread"));
//! let s = Spread::new(&Setup { params: &[("max_spread_bps", "10")], instruments: &["BTCUSDT"] }).unwrap();
//! assert_eq!(s.max_spread_bps, 10);
//! ```
//!
//! Prices and quantities are `i64` at 1e-8 ([`parse_fixed`] reads a decimal parameter);
//! instruments are dense `u32` ids, the index of their symbol in [`Setup::instruments`].

pub mod abi;
pub mod glue;
pub mod strategy;

pub use abi::*;
pub use strategy::{parse_fixed, signal, Depth, MarketView, Setup, Side, Strategy, MAX_SCORE};
