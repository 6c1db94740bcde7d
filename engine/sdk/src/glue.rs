//! The plugin side of the ABI: the vtable functions [`export_strategy!`](crate::export_strategy)
//! puts in the manifest, generic over the author's [`Strategy`]. Every function runs the
//! strategy inside `catch_unwind` and turns a panic into [`STATUS_PANICKED`] with its message in
//! the caller's [`ErrBuf`]: a panic never unwinds across the C ABI.
//!
//! This is the only module of the SDK with `unsafe`: reading what the host passes (pointers valid
//! for the call, by the ABI's contract) and calling the host's view functions.

use crate::abi::*;
use crate::strategy::{Depth, MarketView, Setup, Side, Strategy};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The manifest of strategy `T`, as [`export_strategy!`](crate::export_strategy) builds it.
pub const fn manifest<T: Strategy>(unwind: bool) -> Manifest {
    let (name, name_len) = name_bytes(T::NAME);
    Manifest {
        abi_version: ABI_VERSION,
        unwind: unwind as u32,
        fingerprint: layout_fingerprint(),
        name,
        name_len,
        _pad: 0,
        vtable: Vtable {
            size: core::mem::size_of::<Vtable>() as u32,
            _pad: 0,
            create: create::<T>,
            destroy: destroy::<T>,
            on_quote: on_quote::<T>,
            on_trade: on_trade::<T>,
            on_depth: on_depth::<T>,
            on_fill: on_fill::<T>,
            set_param: set_param::<T>,
        },
    }
}

/// Write `msg` into `err` (cut at a character boundary to fit).
fn write_err(err: *mut ErrBuf, msg: &str) {
    if err.is_null() {
        return;
    }
    // SAFETY: a non-null `err` points to the caller's ErrBuf, valid and unaliased for the call.
    let e = unsafe { &mut *err };
    let mut n = msg.len().min(e.cap);
    while !msg.is_char_boundary(n) {
        n -= 1;
    }
    if n > 0 && !e.ptr.is_null() {
        // SAFETY: `e.ptr` holds `e.cap` writable bytes (the ABI's contract) and n <= e.cap; the
        // source is a different allocation (our string).
        unsafe { core::ptr::copy_nonoverlapping(msg.as_ptr(), e.ptr, n) };
    }
    e.len = n;
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = p.downcast_ref::<&str>() {
        s
    } else if let Some(s) = p.downcast_ref::<String>() {
        s
    } else {
        "panic with a non-string payload"
    }
}

/// Run `f`, mapping its outcome to a status code (signal into `out`).
fn guarded(out: *mut Signal, err: *mut ErrBuf, f: impl FnOnce() -> Option<Signal>) -> u32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(None) => STATUS_OK,
        Ok(Some(s)) => {
            // SAFETY: `out` points to the caller's Signal slot, valid for the call.
            unsafe { out.write(s) };
            STATUS_SIGNAL
        }
        Err(p) => {
            write_err(err, panic_message(p.as_ref()));
            STATUS_PANICKED
        }
    }
}

/// Run `f` that may fail with a message.
fn fallible(err: *mut ErrBuf, f: impl FnOnce() -> Result<(), String>) -> u32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => STATUS_OK,
        Ok(Err(m)) => {
            write_err(err, &m);
            STATUS_ERROR
        }
        Err(p) => {
            write_err(err, panic_message(p.as_ref()));
            STATUS_PANICKED
        }
    }
}

/// # Safety
/// `s` must point to `len` bytes valid for `'a`.
unsafe fn text<'a>(s: Str) -> Result<&'a str, String> {
    if s.len == 0 {
        return Ok("");
    }
    // SAFETY: the caller guarantees `s.ptr` points to `s.len` bytes living for 'a.
    let b = unsafe { core::slice::from_raw_parts(s.ptr, s.len) };
    core::str::from_utf8(b).map_err(|_| "a parameter or symbol is not UTF-8".to_string())
}

/// # Safety
/// `p` must point to `n` valid `T` for `'a` (or `n == 0`).
unsafe fn slice<'a, T>(p: *const T, n: usize) -> &'a [T] {
    if n == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees `p` points to `n` initialised `T` living for 'a.
    unsafe { core::slice::from_raw_parts(p, n) }
}

/// Make a `T` from the host's arguments. The host's contract: `args` and everything it points to
/// are valid for the call, `out` is writable.
///
/// # Safety
/// The ABI contract: every pointer is valid for the call (a handle from `create`, not yet
/// destroyed), and the host makes one call at a time per instance.
pub unsafe extern "C" fn create<T: Strategy>(
    args: *const CreateArgs,
    err: *mut ErrBuf,
    out: *mut Handle,
) -> u32 {
    fallible(err, || {
        // SAFETY: `args` is valid for the call (the host's contract).
        let a = unsafe { &*args };
        // SAFETY: the arrays hold `n_params` / `n_symbols` entries valid for the call.
        let (kvs, syms) = unsafe { (slice(a.params, a.n_params), slice(a.symbols, a.n_symbols)) };
        let mut params = Vec::with_capacity(kvs.len());
        for kv in kvs {
            // SAFETY: each Str points to bytes valid for the call.
            params.push(unsafe { (text(kv.key)?, text(kv.value)?) });
        }
        let mut instruments = Vec::with_capacity(syms.len());
        for s in syms {
            // SAFETY: as above.
            instruments.push(unsafe { text(*s)? });
        }
        let s = T::new(&Setup { params: &params, instruments: &instruments })?;
        // SAFETY: `out` is writable (the host's contract).
        unsafe { out.write(Box::into_raw(Box::new(s)) as Handle) };
        Ok(())
    })
}

/// Drop an instance made by [`create`].
///
/// # Safety
/// The ABI contract: every pointer is valid for the call (a handle from `create`, not yet
/// destroyed), and the host makes one call at a time per instance.
pub unsafe extern "C" fn destroy<T: Strategy>(this: Handle, err: *mut ErrBuf) -> u32 {
    fallible(err, || {
        // SAFETY: `this` came from `create::<T>` (Box::into_raw) and is destroyed once.
        drop(unsafe { Box::from_raw(this as *mut T) });
        Ok(())
    })
}

/// The instance behind a handle.
///
/// # Safety
/// `this` came from `create::<T>`, is not destroyed, and the host makes one call at a time.
unsafe fn instance<'a, T>(this: Handle) -> &'a mut T {
    // SAFETY: see the function's contract.
    unsafe { &mut *(this as *mut T) }
}

/// The host's view table, read through its functions.
struct FfiView<'a>(&'a ViewTable);

impl MarketView for FfiView<'_> {
    fn instruments(&self) -> u32 {
        self.0.instruments
    }
    fn quote(&self, inst: u32) -> Option<Quote> {
        let mut q = Quote::default();
        // SAFETY: the table and its context are valid for the call; `q` is writable.
        (unsafe { (self.0.quote)(self.0.ctx, inst, &mut q) } == 1).then_some(q)
    }
    fn level(&self, inst: u32, side: Side, i: u32) -> Option<Level> {
        let mut l = Level::default();
        // SAFETY: as above.
        (unsafe { (self.0.level)(self.0.ctx, inst, side as u8, i, &mut l) } == 1).then_some(l)
    }
    fn depth(&self, inst: u32, side: Side) -> u32 {
        // SAFETY: as above.
        unsafe { (self.0.depth)(self.0.ctx, inst, side as u8) }
    }
    fn last_trade(&self, inst: u32) -> Option<Trade> {
        let mut t = Trade::default();
        // SAFETY: as above.
        (unsafe { (self.0.last_trade)(self.0.ctx, inst, &mut t) } == 1).then_some(t)
    }
    fn position(&self, inst: u32) -> i64 {
        let mut p = Position::default();
        // SAFETY: as above.
        match unsafe { (self.0.position)(self.0.ctx, inst, &mut p) } {
            1 => p.qty,
            _ => 0,
        }
    }
}

/// A quote; the view; a signal slot: see [`Vtable::on_quote`].
///
/// # Safety
/// The ABI contract: every pointer is valid for the call (a handle from `create`, not yet
/// destroyed), and the host makes one call at a time per instance.
pub unsafe extern "C" fn on_quote<T: Strategy>(
    this: Handle,
    q: *const Quote,
    view: *const ViewTable,
    out: *mut Signal,
    err: *mut ErrBuf,
) -> u32 {
    guarded(out, err, || {
        // SAFETY: the handle is live, `q` and `view` are valid for the call (the host's contract).
        let (s, q, v) = unsafe { (instance::<T>(this), &*q, FfiView(&*view)) };
        s.on_quote(q, &v)
    })
}

/// A trade: see [`Vtable::on_trade`].
///
/// # Safety
/// The ABI contract: every pointer is valid for the call (a handle from `create`, not yet
/// destroyed), and the host makes one call at a time per instance.
pub unsafe extern "C" fn on_trade<T: Strategy>(
    this: Handle,
    t: *const Trade,
    view: *const ViewTable,
    out: *mut Signal,
    err: *mut ErrBuf,
) -> u32 {
    guarded(out, err, || {
        // SAFETY: as in `on_quote`.
        let (s, t, v) = unsafe { (instance::<T>(this), &*t, FfiView(&*view)) };
        s.on_trade(t, &v)
    })
}

/// A depth update: see [`Vtable::on_depth`].
///
/// # Safety
/// The ABI contract: every pointer is valid for the call (a handle from `create`, not yet
/// destroyed), and the host makes one call at a time per instance.
pub unsafe extern "C" fn on_depth<T: Strategy>(
    this: Handle,
    d: *const DepthRef,
    view: *const ViewTable,
    out: *mut Signal,
    err: *mut ErrBuf,
) -> u32 {
    guarded(out, err, || {
        // SAFETY: as in `on_quote`.
        let (s, d, v) = unsafe { (instance::<T>(this), &*d, FfiView(&*view)) };
        // SAFETY: `d.bids`/`d.asks` hold `header.bids`/`header.asks` levels valid for the call.
        let (bids, asks) =
            unsafe { (slice(d.bids, d.header.bids as usize), slice(d.asks, d.header.asks as usize)) };
        s.on_depth(&Depth { header: d.header, bids, asks }, &v)
    })
}

/// A fill: see [`Vtable::on_fill`].
///
/// # Safety
/// The ABI contract: every pointer is valid for the call (a handle from `create`, not yet
/// destroyed), and the host makes one call at a time per instance.
pub unsafe extern "C" fn on_fill<T: Strategy>(this: Handle, f: *const Fill, err: *mut ErrBuf) -> u32 {
    let mut unused = Signal::default();
    guarded(&mut unused, err, || {
        // SAFETY: as in `on_quote`.
        let (s, f) = unsafe { (instance::<T>(this), &*f) };
        s.on_fill(f);
        None
    })
}

/// Set a parameter: see [`Vtable::set_param`].
///
/// # Safety
/// The ABI contract: every pointer is valid for the call (a handle from `create`, not yet
/// destroyed), and the host makes one call at a time per instance.
pub unsafe extern "C" fn set_param<T: Strategy>(this: Handle, key: Str, value: Str, err: *mut ErrBuf) -> u32 {
    fallible(err, || {
        // SAFETY: the handle is live; both strings are valid for the call.
        let (s, k, v) = unsafe { (instance::<T>(this), text(key)?, text(value)?) };
        s.set_param(k, v)
    })
}

/// Export strategy type `$t` (implementing [`Strategy`]) from a `cdylib`: emits ONE
/// `extern "C"` entry symbol, [`ENTRY_PREFIX`] + the crate's name, returning the `'static`
/// [`Manifest`] (ABI version, layout fingerprint, whether the crate is built with
/// `panic = "unwind"`, the name and the vtable).
#[macro_export]
macro_rules! export_strategy {
    ($t:ty) => {
        /// The plugin's entry: its manifest.
        #[export_name = concat!("alphapulse_plugin_entry_", env!("CARGO_CRATE_NAME"))]
        pub extern "C" fn __alphapulse_plugin_entry() -> *const $crate::Manifest {
            static MANIFEST: $crate::Manifest = $crate::glue::manifest::<$t>(cfg!(panic = "unwind"));
            &MANIFEST
        }
    };
}
