//! The plugin host: loads strategy plugins written with `alphapulse_sdk`, checks them, and runs
//! them (and the same strategies linked in) behind the engine's `alphapulse_strategy::Strategy`.
//!
//! Where things live:
//! - [`load`](mod@load): [`load()`] opens a `cdylib`, finds its entry
//!   (`alphapulse_plugin_entry_<crate>`), and refuses a manifest whose ABI version or layout
//!   fingerprint differ from this engine's, or that was built with `panic = "abort"`, with an error
//!   naming both sides and the file. Libraries are never unloaded (the `Library` is leaked).
//! - [`adapter`]: [`PluginStrategy`], a plugin instance over its vtable;
//! - [`native`]: [`NativeStrategy`], the same SDK strategy type linked in as an rlib (no FFI);
//! - [`guard`]: what both share: health ([`StrategyHealth`](alphapulse_strategy::StrategyHealth):
//!   enabled, panicked, calls, overruns, worst call), the time budget (timed with `quanta` only
//!   when one is set) and the fault;
//! - [`view`]: the engine's `MarketView` as the SDK's view (a trait object, or a C table over it);
//! - [`registry`]: `[[strategy.plugins]]` entries to strategies ([`strategy_from`],
//!   [`add_configured`]; [`BUILTINS`]); [`board`](mod@board): `builtin = "board"` entries, a slow
//!   agent's publications on the board ([`board_for`], [`add_configured_with`]).
//!
//! **Faults.** A call that panics (caught inside the plugin, or here for a built-in) disables the
//! strategy: it is never called again, its message is kept, and the host gets a `Fault` from
//! `take_fault` (the host then withdraws its signals). A call longer than the budget is counted,
//! never interrupted.
//!
//! ```no_run
//! use alphapulse_plugin::{load, PluginStrategy};
//! let plugin = load("target/release/libap_momentum.so")?;
//! let s = PluginStrategy::new(&plugin, "momentum", &[("lookback", "20")], &["BTCUSDT"], 20_000)?;
//! # Ok::<(), alphapulse_plugin::PluginError>(())
//! ```

pub mod adapter;
mod agents;
pub mod board;
mod error;
pub mod guard;
pub mod load;
pub mod native;
pub mod registry;
pub mod view;

pub use adapter::PluginStrategy;
pub use board::board_for;
pub use error::PluginError;
pub use guard::Guard;
pub use load::{entry_symbol, load, load_entry, Plugin};
pub use native::NativeStrategy;
pub use registry::{add_configured, add_configured_with, strategy_from, strategy_from_with, BUILTINS};
