//! The engine's [`MarketView`] (and the host's positions) as the SDK's read-only view: a Rust
//! trait object for built-ins, a C [`ViewTable`] over the same object for plugins.

use alphapulse_sdk as sdk;
use alphapulse_sdk::{Level, Position, ViewTable};
use alphapulse_strategy::MarketView;
use alphapulse_types::{InstrumentId, PxQty, Quote, Side, Trade};
use core::ffi::c_void;

/// What a strategy call reads: the engine's view and the positions the adapter tracks from the
/// execution reports (risk's net position, as the aggregator reads it).
pub struct EngineView<'v, 'a> {
    pub view: &'v MarketView<'a>,
    pub positions: &'v [i64],
}

fn side(s: sdk::Side) -> Side {
    match s {
        sdk::Side::Buy => Side::Buy,
        sdk::Side::Sell => Side::Sell,
    }
}

/// The engine's quote as the SDK's (field for field).
#[inline(always)]
pub fn quote(q: &Quote) -> sdk::Quote {
    sdk::Quote {
        inst: q.inst.0,
        _pad: 0,
        bid_px: q.bid_px.raw(),
        bid_qty: q.bid_qty.raw(),
        ask_px: q.ask_px.raw(),
        ask_qty: q.ask_qty.raw(),
        update_id: q.update_id,
        local_ts: q.local_ts,
    }
}

/// The engine's trade as the SDK's.
#[inline(always)]
pub fn trade(t: &Trade) -> sdk::Trade {
    sdk::Trade {
        inst: t.inst.0,
        aggressor: t.aggressor as u8,
        _pad: [0; 3],
        px: t.px.raw(),
        qty: t.qty.raw(),
        trade_id: t.trade_id,
        exch_ts: t.exch_ts,
        local_ts: t.local_ts,
    }
}

#[inline(always)]
fn level(px: alphapulse_types::Price, qty: alphapulse_types::Qty) -> Level {
    Level { px: px.raw(), qty: qty.raw() }
}

/// A depth update's levels as the SDK's `Level`s: the same memory. `PxQty` is two
/// `repr(transparent)` i64 newtypes in a `repr(C)` struct, `Level` two i64 in a `repr(C)` struct:
/// the same layout, asserted here.
const _: () = {
    assert!(core::mem::size_of::<PxQty>() == core::mem::size_of::<Level>());
    assert!(core::mem::align_of::<PxQty>() == core::mem::align_of::<Level>());
    assert!(core::mem::offset_of!(PxQty, px) == core::mem::offset_of!(Level, px));
    assert!(core::mem::offset_of!(PxQty, qty) == core::mem::offset_of!(Level, qty));
};

/// `levels` seen as SDK levels (no copy).
#[inline(always)]
pub fn levels(levels: &[PxQty]) -> &[Level] {
    // SAFETY: same size, alignment and field offsets (asserted above), both plain i64 pairs with
    // no invalid bit patterns; the length and lifetime are those of `levels`.
    unsafe { core::slice::from_raw_parts(levels.as_ptr().cast::<Level>(), levels.len()) }
}

impl sdk::MarketView for EngineView<'_, '_> {
    fn instruments(&self) -> u32 {
        self.view.len() as u32
    }
    fn quote(&self, inst: u32) -> Option<sdk::Quote> {
        self.view.quote(InstrumentId(inst)).map(quote)
    }
    fn level(&self, inst: u32, s: sdk::Side, i: u32) -> Option<Level> {
        let (px, qty) = self.view.book(InstrumentId(inst))?.levels(side(s)).nth(i as usize)?;
        Some(level(px, qty))
    }
    fn depth(&self, inst: u32, s: sdk::Side) -> u32 {
        self.view.book(InstrumentId(inst)).map_or(0, |b| b.len(side(s)) as u32)
    }
    fn last_trade(&self, inst: u32) -> Option<sdk::Trade> {
        self.view.last_trade(InstrumentId(inst)).map(trade)
    }
    fn position(&self, inst: u32) -> i64 {
        self.positions.get(inst as usize).copied().unwrap_or(0)
    }
}

/// The C table over `v`, valid while `v` is (one call).
#[inline(always)]
pub fn table(v: &EngineView<'_, '_>) -> ViewTable {
    ViewTable {
        ctx: (v as *const EngineView<'_, '_>).cast::<c_void>(),
        instruments: v.view.len() as u32,
        _pad: 0,
        quote: c_quote,
        level: c_level,
        depth: c_depth,
        last_trade: c_last_trade,
        position: c_position,
    }
}

/// # Safety
/// `ctx` is the `EngineView` of [`table`], alive for the call.
unsafe fn ctx<'x>(ctx: *const c_void) -> &'x EngineView<'x, 'x> {
    // SAFETY: see the function's contract.
    unsafe { &*ctx.cast::<EngineView<'x, 'x>>() }
}

/// Write `v` to `out` if some: 1, else 0.
///
/// # Safety
/// `out` is writable.
unsafe fn put<T>(v: Option<T>, out: *mut T) -> u8 {
    match v {
        Some(v) if !out.is_null() => {
            // SAFETY: see the function's contract.
            unsafe { out.write(v) };
            1
        }
        _ => 0,
    }
}

unsafe extern "C" fn c_quote(c: *const c_void, inst: u32, out: *mut sdk::Quote) -> u8 {
    use sdk::MarketView as _;
    // SAFETY: the plugin passes back the table's context and a writable slot (the ABI contract).
    unsafe { put(ctx(c).quote(inst), out) }
}

unsafe extern "C" fn c_level(c: *const c_void, inst: u32, side: u8, i: u32, out: *mut Level) -> u8 {
    use sdk::MarketView as _;
    let s = match side {
        sdk::BUY => sdk::Side::Buy,
        sdk::SELL => sdk::Side::Sell,
        _ => return 0,
    };
    // SAFETY: as in `c_quote`.
    unsafe { put(ctx(c).level(inst, s, i), out) }
}

unsafe extern "C" fn c_depth(c: *const c_void, inst: u32, side: u8) -> u32 {
    use sdk::MarketView as _;
    let s = match side {
        sdk::BUY => sdk::Side::Buy,
        sdk::SELL => sdk::Side::Sell,
        _ => return 0,
    };
    // SAFETY: as in `c_quote`.
    unsafe { ctx(c).depth(inst, s) }
}

unsafe extern "C" fn c_last_trade(c: *const c_void, inst: u32, out: *mut sdk::Trade) -> u8 {
    use sdk::MarketView as _;
    // SAFETY: as in `c_quote`.
    unsafe { put(ctx(c).last_trade(inst), out) }
}

unsafe extern "C" fn c_position(c: *const c_void, inst: u32, out: *mut Position) -> u8 {
    use sdk::MarketView as _;
    // SAFETY: as in `c_quote`.
    let v = unsafe { ctx(c) };
    let p = ((inst as usize) < v.positions.len()).then(|| Position { inst, _pad: 0, qty: v.position(inst) });
    // SAFETY: as above.
    unsafe { put(p, out) }
}
