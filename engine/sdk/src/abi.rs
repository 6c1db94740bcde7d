//! The C ABI shared by the engine and every plugin: `#[repr(C)]` market types, the read-only
//! market view table, the vtable and the manifest a plugin's entry symbol returns.
//!
//! Prices and quantities are `i64` at 1e-8 (the engine's raw `Price`/`Qty`), instruments `u32`
//! dense ids (the index of the symbol in [`Setup::instruments`](crate::Setup)), times `u64` ns.
//! The first two fields of [`Manifest`] (`abi_version`, `unwind`) and `fingerprint` never move,
//! so a host can read them from a plugin of any version before it trusts the rest.

use core::ffi::c_void;

/// Version of this ABI; bumped on any change of meaning. The host refuses another version.
pub const ABI_VERSION: u32 = 1;

/// The entry symbol is this prefix followed by the plugin crate's name (`CARGO_CRATE_NAME`), so
/// that two plugin crates linked into one binary as rlibs do not define the same symbol: a plugin
/// built as `libap_momentum.so` exports `alphapulse_plugin_entry_ap_momentum`.
pub const ENTRY_PREFIX: &str = "alphapulse_plugin_entry_";

/// Most bytes of a strategy name in the manifest.
pub const NAME_CAP: usize = 64;

/// `Side` on the wire: a buy (bid side).
pub const BUY: u8 = 1;
/// `Side` on the wire: a sell (ask side).
pub const SELL: u8 = 2;

/// A call returned without a signal.
pub const STATUS_OK: u32 = 0;
/// A call returned a signal, written to the caller's `*mut Signal`.
pub const STATUS_SIGNAL: u32 = 1;
/// The strategy panicked; the panic message is in the caller's [`ErrBuf`]. The host disables it.
pub const STATUS_PANICKED: u32 = 2;
/// The call failed (create, set_param); the message is in the caller's [`ErrBuf`].
pub const STATUS_ERROR: u32 = 3;

/// A best bid/offer (the engine's `Quote`, field for field).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Quote {
    pub inst: u32,
    pub _pad: u32,
    pub bid_px: i64,
    pub bid_qty: i64,
    pub ask_px: i64,
    pub ask_qty: i64,
    /// The venue's order-book update id of this quote (0 if unknown).
    pub update_id: u64,
    /// Local receive time (ns).
    pub local_ts: u64,
}

/// A public trade (the engine's `Trade`, field for field; `aggressor` is [`BUY`] or [`SELL`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Trade {
    pub inst: u32,
    pub aggressor: u8,
    pub _pad: [u8; 3],
    pub px: i64,
    pub qty: i64,
    pub trade_id: u64,
    pub exch_ts: u64,
    pub local_ts: u64,
}

/// One price level: absolute quantity at `px` (0: the level was removed, in a depth update).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Level {
    pub px: i64,
    pub qty: i64,
}

/// The header of one depth update (the engine's `Depth` without its level-store index).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct DepthHeader {
    pub inst: u32,
    /// Number of bid levels, then `asks` ask levels.
    pub bids: u32,
    pub asks: u32,
    pub _pad: u32,
    pub update_id: u64,
    pub exch_ts: u64,
    pub local_ts: u64,
    /// The book's best bid and ask after the update (0: that side is empty).
    pub best_bid: i64,
    pub best_ask: i64,
}

/// A depth update across the ABI: its header, `header.bids` bid levels at `bids` and
/// `header.asks` ask levels at `asks`, in the order the feed applied them; valid for the call.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct DepthRef {
    pub header: DepthHeader,
    pub bids: *const Level,
    pub asks: *const Level,
}

/// A strategy's opinion about one instrument: `score` in bps, `-10_000..=10_000` (positive =
/// buy; the engine clamps), `ts` the `local_ts` of the event it answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Signal {
    pub inst: u32,
    pub score: i32,
    pub ts: u64,
}

/// A fill of one of the host's orders (from an execution report), with the host's net position
/// after it (risk's, signed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Fill {
    pub order_id: u64,
    pub inst: u32,
    /// [`BUY`] or [`SELL`].
    pub side: u8,
    pub _pad: [u8; 3],
    pub px: i64,
    pub qty: i64,
    /// Fee in quote currency, 1e-8 (negative = rebate).
    pub fee: i64,
    /// Net position of the host in `inst` after this fill.
    pub position: i64,
    pub ts: u64,
}

/// The strategy host's net position in one instrument (signed, 1e-8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Position {
    pub inst: u32,
    pub _pad: u32,
    pub qty: i64,
}

/// A borrowed UTF-8 string (not NUL-terminated).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Str {
    pub ptr: *const u8,
    pub len: usize,
}

impl Str {
    /// A view of `s` (valid while `s` is).
    pub const fn of(s: &str) -> Str {
        Str { ptr: s.as_ptr(), len: s.len() }
    }
}

/// One configuration parameter.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct KeyValue {
    pub key: Str,
    pub value: Str,
}

/// What `create` gets: the parameters from the config and the instrument symbols by dense id.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct CreateArgs {
    pub params: *const KeyValue,
    pub n_params: usize,
    pub symbols: *const Str,
    pub n_symbols: usize,
}

/// A caller-provided buffer for an error or panic message: the plugin writes at most `cap`
/// bytes of UTF-8 at `ptr` (cut at a character boundary) and sets `len`.
#[derive(Debug)]
#[repr(C)]
pub struct ErrBuf {
    pub ptr: *mut u8,
    pub cap: usize,
    pub len: usize,
}

/// The read-only market view: an opaque context and functions reading it (each valid for the
/// call it is passed to). `side` is [`BUY`] or [`SELL`]; the `u8` results are 1 when `out` was
/// written, 0 when there is nothing (unknown instrument, no data yet, book unusable).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct ViewTable {
    pub ctx: *const c_void,
    /// Number of instruments (ids `0..instruments`).
    pub instruments: u32,
    pub _pad: u32,
    /// The latest quote of an instrument.
    pub quote: unsafe extern "C" fn(ctx: *const c_void, inst: u32, out: *mut Quote) -> u8,
    /// The `i`-th level (0 = best) of one side of the instrument's L2 book, when usable.
    pub level: unsafe extern "C" fn(ctx: *const c_void, inst: u32, side: u8, i: u32, out: *mut Level) -> u8,
    /// Number of levels on one side of the book (0 when unusable).
    pub depth: unsafe extern "C" fn(ctx: *const c_void, inst: u32, side: u8) -> u32,
    /// The latest public trade of an instrument.
    pub last_trade: unsafe extern "C" fn(ctx: *const c_void, inst: u32, out: *mut Trade) -> u8,
    /// The host's net position in an instrument.
    pub position: unsafe extern "C" fn(ctx: *const c_void, inst: u32, out: *mut Position) -> u8,
}

/// An instance handle: the plugin's boxed strategy.
pub type Handle = *mut c_void;

/// The versioned table of a plugin's functions. Every function catches panics inside the plugin
/// and returns a `STATUS_*` code; none unwinds across the ABI.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Vtable {
    /// `size_of::<Vtable>()` as the plugin built it.
    pub size: u32,
    pub _pad: u32,
    /// Make an instance from the config parameters and instruments; writes the handle to `out`.
    pub create: unsafe extern "C" fn(args: *const CreateArgs, err: *mut ErrBuf, out: *mut Handle) -> u32,
    /// Drop an instance (the host calls it at most once per handle).
    pub destroy: unsafe extern "C" fn(this: Handle, err: *mut ErrBuf) -> u32,
    pub on_quote: unsafe extern "C" fn(
        this: Handle,
        q: *const Quote,
        view: *const ViewTable,
        out: *mut Signal,
        err: *mut ErrBuf,
    ) -> u32,
    pub on_trade: unsafe extern "C" fn(
        this: Handle,
        t: *const Trade,
        view: *const ViewTable,
        out: *mut Signal,
        err: *mut ErrBuf,
    ) -> u32,
    pub on_depth: unsafe extern "C" fn(
        this: Handle,
        d: *const DepthRef,
        view: *const ViewTable,
        out: *mut Signal,
        err: *mut ErrBuf,
    ) -> u32,
    pub on_fill: unsafe extern "C" fn(this: Handle, f: *const Fill, err: *mut ErrBuf) -> u32,
    pub set_param: unsafe extern "C" fn(this: Handle, key: Str, value: Str, err: *mut ErrBuf) -> u32,
}

/// What a plugin's entry symbol returns (a `'static`): the checks, the name and the vtable.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Manifest {
    /// [`ABI_VERSION`] as the plugin was built.
    pub abi_version: u32,
    /// 1 when the plugin was built with `panic = "unwind"` (panics can be caught), else 0.
    pub unwind: u32,
    /// [`layout_fingerprint`] as the plugin computed it.
    pub fingerprint: u64,
    /// The strategy's name, UTF-8, `name_len` bytes.
    pub name: [u8; NAME_CAP],
    pub name_len: u32,
    pub _pad: u32,
    pub vtable: Vtable,
}

impl Manifest {
    /// The strategy name (`"?"` if the bytes are not UTF-8).
    pub fn name(&self) -> &str {
        let n = (self.name_len as usize).min(NAME_CAP);
        core::str::from_utf8(&self.name[..n]).unwrap_or("?")
    }
}

/// The name bytes of a manifest (cut at [`NAME_CAP`] bytes).
pub const fn name_bytes(name: &str) -> ([u8; NAME_CAP], u32) {
    let b = name.as_bytes();
    let mut out = [0u8; NAME_CAP];
    let mut i = 0;
    while i < b.len() && i < NAME_CAP {
        out[i] = b[i];
        i += 1;
    }
    (out, i as u32)
}

const fn mix(h: u64, v: u64) -> u64 {
    // FNV-1a over the 8 bytes of `v`.
    let mut h = h;
    let mut i = 0;
    while i < 8 {
        h ^= (v >> (i * 8)) & 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

macro_rules! layouts {
    ($h:ident; $($t:ty),*) => {{
        $( $h = mix(mix($h, core::mem::size_of::<$t>() as u64), core::mem::align_of::<$t>() as u64); )*
        $h
    }};
}

/// The layout fingerprint: FNV-1a over the size and alignment of every shared type, in a fixed
/// order. The host and the plugin each compute it with this function; a different value means
/// they do not agree on some type (another SDK, target or pointer width).
pub const fn layout_fingerprint() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    layouts!(h; Quote, Trade, Level, DepthHeader, DepthRef, Signal, Fill, Position, Str, KeyValue,
        CreateArgs, ErrBuf, ViewTable, Vtable, Manifest)
}

/// This build's fingerprint.
pub const LAYOUT_FINGERPRINT: u64 = layout_fingerprint();

const _: () = assert!(core::mem::size_of::<Quote>() == 56 && core::mem::size_of::<Trade>() == 48);
const _: () = assert!(core::mem::size_of::<Signal>() == 16 && core::mem::size_of::<Level>() == 16);
