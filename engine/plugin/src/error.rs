//! Errors of the plugin host (loading and construction; calls never fail, they fault).

use alphapulse_strategy::StrategyError;
use thiserror::Error;

/// Why a plugin could not be loaded or a configured strategy made.
#[derive(Debug, Error)]
pub enum PluginError {
    #[error("plugin `{path}`: cannot open it: {source}")]
    Open { path: String, source: libloading::Error },
    #[error(
        "plugin `{path}`: no entry symbol `{symbol}`: not an AlphaPulse strategy plugin, or the file was renamed (the symbol follows the crate name, the file `lib<crate>.so`): {source}"
    )]
    NoEntry { path: String, symbol: String, source: libloading::Error },
    #[error("plugin `{path}`: its entry `{symbol}` returned no manifest")]
    NullManifest { path: String, symbol: String },
    #[error(
        "plugin `{path}`: built for plugin ABI version {found}, this engine speaks version {expected}: rebuild it against this engine's alphapulse-sdk"
    )]
    AbiVersion { path: String, found: u32, expected: u32 },
    #[error(
        "plugin `{path}`: layout fingerprint {found:#018x} differs from this engine's {expected:#018x} (ABI version {version} on both): another SDK build or target; rebuild it"
    )]
    Layout { path: String, found: u64, expected: u64, version: u32 },
    #[error(
        "plugin `{path}`: built with panic = \"abort\": a panic could not be caught and would abort the engine; build it with panic = \"unwind\""
    )]
    NotUnwind { path: String },
    #[error("plugin `{path}`: vtable of {found} bytes, this engine expects {expected}")]
    Vtable { path: String, found: u32, expected: u32 },
    #[error("strategy `{name}`: {message}")]
    Create { name: String, message: String },
    #[error("strategy `{name}`: panicked while being made: {message}")]
    CreatePanicked { name: String, message: String },
    #[error("strategy `{name}`: unknown builtin `{builtin}` (known: {known})")]
    UnknownBuiltin { name: String, builtin: String, known: String },
    #[error("strategy `{name}`: parameter or symbol `{text}` contains a NUL byte or is too long")]
    BadText { name: String, text: String },
    #[error(transparent)]
    Host(#[from] StrategyError),
}
