//! [`PluginStrategy`]: a plugin instance behind the engine's `Strategy` trait. Each call builds
//! the view table on the stack, passes preallocated signal and message slots, and reads the
//! status code: a panic (caught inside the plugin) disables the adapter, keeps the message and
//! hands the host a fault; nothing is allocated per call.

use crate::guard::{Guard, MESSAGE_CAP};
use crate::native::{fill, signal, track};
use crate::view::{self, EngineView};
use crate::{Plugin, PluginError};
use alphapulse_sdk as sdk;
use alphapulse_sdk::{ErrBuf, Handle, Str, Vtable, STATUS_ERROR, STATUS_OK, STATUS_PANICKED, STATUS_SIGNAL};
use alphapulse_strategy::{Fault, MarketView, Signal, Strategy, StrategyHealth};
use alphapulse_types::{Depth, ExecReport, PxQty, Quote, Trade};

/// The SDK's header of a depth update.
#[inline(always)]
pub(crate) fn header(d: &Depth) -> sdk::DepthHeader {
    sdk::DepthHeader {
        inst: d.inst.0,
        bids: d.bids,
        asks: d.asks,
        _pad: 0,
        update_id: d.update_id,
        exch_ts: d.exch_ts,
        local_ts: d.local_ts,
        best_bid: d.best_bid.raw(),
        best_ask: d.best_ask.raw(),
    }
}

/// A plugin strategy instance; see the module docs.
pub struct PluginStrategy {
    vt: Vtable,
    handle: Handle,
    positions: Vec<i64>,
    guard: Guard,
    /// The message slot every call may write (a panic or error message).
    msg: Box<[u8; MESSAGE_CAP]>,
}

// SAFETY: the instance behind `handle` is a `sdk::Strategy`, which the SDK requires to be `Send`;
// the adapter owns it alone and makes one call at a time, from whichever thread owns the adapter.
unsafe impl Send for PluginStrategy {}

impl PluginStrategy {
    /// An instance of `plugin` named `name` (the engine's name: aggregator keys, stats), made from
    /// `params` for the instruments `symbols` (by dense id), with a time budget per call of
    /// `budget_ns` (0 = off).
    pub fn new(
        plugin: &Plugin,
        name: &str,
        params: &[(&str, &str)],
        symbols: &[&str],
        budget_ns: u64,
    ) -> Result<Self, PluginError> {
        let kvs: Vec<sdk::KeyValue> =
            params.iter().map(|(k, v)| sdk::KeyValue { key: Str::of(k), value: Str::of(v) }).collect();
        let syms: Vec<Str> = symbols.iter().map(|s| Str::of(s)).collect();
        let args = sdk::CreateArgs {
            params: kvs.as_ptr(),
            n_params: kvs.len(),
            symbols: syms.as_ptr(),
            n_symbols: syms.len(),
        };
        let vt = plugin.manifest().vtable;
        let mut msg = Box::new([0u8; MESSAGE_CAP]);
        let mut err = ErrBuf { ptr: msg.as_mut_ptr(), cap: MESSAGE_CAP, len: 0 };
        let mut handle: Handle = std::ptr::null_mut();
        // SAFETY: `args` and the arrays and strings it points to live across the call; `err` and
        // `handle` are writable; the vtable is a checked manifest's, in a library never unloaded.
        let st = unsafe { (vt.create)(&args, &mut err, &mut handle) };
        let text = || String::from_utf8_lossy(&msg[..err.len.min(MESSAGE_CAP)]).into_owned();
        match st {
            STATUS_OK if !handle.is_null() => {}
            STATUS_PANICKED => {
                return Err(PluginError::CreatePanicked { name: name.into(), message: text() })
            }
            STATUS_ERROR => return Err(PluginError::Create { name: name.into(), message: text() }),
            other => {
                return Err(PluginError::Create {
                    name: name.into(),
                    message: format!("create returned status {other}"),
                })
            }
        }
        Ok(PluginStrategy {
            vt,
            handle,
            positions: vec![0; symbols.len()],
            guard: Guard::new(name, budget_ns),
            msg,
        })
    }

    /// The panic message, once it panicked.
    pub fn panic_message(&self) -> Option<&str> {
        self.guard.message()
    }

    /// Read a call's status: a signal, nothing, or a fault (disables the adapter).
    #[inline(always)]
    fn status(&mut self, st: u32, out: sdk::Signal, msg_len: usize) -> Option<Signal> {
        match st {
            STATUS_SIGNAL => Some(signal(out)),
            STATUS_OK => None,
            _ => {
                self.fault(st, msg_len);
                None
            }
        }
    }

    #[cold]
    fn fault(&mut self, st: u32, msg_len: usize) {
        let text = String::from_utf8_lossy(&self.msg[..msg_len.min(MESSAGE_CAP)]).into_owned();
        let m = if st == STATUS_PANICKED { text } else { format!("call returned status {st}: {text}") };
        self.guard.panicked(&m);
    }

    /// One market call through the vtable with the view table of `view`.
    #[inline(always)]
    fn call<A>(
        &mut self,
        view: &MarketView,
        arg: &A,
        f: unsafe extern "C" fn(
            Handle,
            *const A,
            *const sdk::ViewTable,
            *mut sdk::Signal,
            *mut ErrBuf,
        ) -> u32,
    ) -> Option<Signal> {
        if !self.guard.enabled() {
            return None;
        }
        let ev = EngineView { view, positions: &self.positions };
        let table = view::table(&ev);
        let mut out = sdk::Signal::default();
        let mut err = ErrBuf { ptr: self.msg.as_mut_ptr(), cap: MESSAGE_CAP, len: 0 };
        let t0 = self.guard.start();
        // SAFETY: the handle is live (created, not destroyed); `arg`, `table` (and the view it
        // points to), `out` and `err` are valid for the call; the library is never unloaded.
        let st = unsafe { f(self.handle, arg, &table, &mut out, &mut err) };
        self.guard.finish(t0);
        let len = err.len;
        self.status(st, out, len)
    }
}

impl Strategy for PluginStrategy {
    fn name(&self) -> &str {
        self.guard.name()
    }

    fn on_quote(&mut self, q: &Quote, view: &MarketView) -> Option<Signal> {
        let q = view::quote(q);
        self.call(view, &q, self.vt.on_quote)
    }

    fn on_trade(&mut self, t: &Trade, view: &MarketView) -> Option<Signal> {
        let t = view::trade(t);
        self.call(view, &t, self.vt.on_trade)
    }

    fn on_depth(&mut self, d: &Depth, bids: &[PxQty], asks: &[PxQty], view: &MarketView) -> Option<Signal> {
        let (b, a) = (view::levels(bids), view::levels(asks));
        let d = sdk::DepthRef { header: header(d), bids: b.as_ptr(), asks: a.as_ptr() };
        self.call(view, &d, self.vt.on_depth)
    }

    fn on_exec(&mut self, r: &ExecReport) {
        if !track(&mut self.positions, r) || !self.guard.enabled() {
            return;
        }
        let f = fill(r);
        let mut err = ErrBuf { ptr: self.msg.as_mut_ptr(), cap: MESSAGE_CAP, len: 0 };
        let t0 = self.guard.start();
        // SAFETY: as in `call`.
        let st = unsafe { (self.vt.on_fill)(self.handle, &f, &mut err) };
        self.guard.finish(t0);
        let len = err.len;
        self.status(st, sdk::Signal::default(), len);
    }

    fn set_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        if !self.guard.enabled() {
            return Err(format!("strategy `{}` is disabled", self.guard.name()));
        }
        let mut err = ErrBuf { ptr: self.msg.as_mut_ptr(), cap: MESSAGE_CAP, len: 0 };
        // SAFETY: as in `call`; the strings live across the call.
        let st = unsafe { (self.vt.set_param)(self.handle, Str::of(key), Str::of(value), &mut err) };
        let text = String::from_utf8_lossy(&self.msg[..err.len.min(MESSAGE_CAP)]).into_owned();
        match st {
            STATUS_OK => Ok(()),
            STATUS_ERROR => Err(text),
            _ => {
                let len = err.len;
                self.fault(st, len);
                Err(format!("panicked: {text}"))
            }
        }
    }

    fn can_fault(&self) -> bool {
        true
    }

    fn take_fault(&mut self) -> Option<Fault> {
        self.guard.take_fault()
    }

    fn health(&self) -> Option<StrategyHealth> {
        Some(self.guard.health())
    }
}

impl std::fmt::Debug for PluginStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginStrategy")
            .field("name", &self.guard.name())
            .field("health", &self.guard.health())
            .field("panic", &self.guard.message())
            .finish()
    }
}

impl Drop for PluginStrategy {
    fn drop(&mut self) {
        let mut err = ErrBuf { ptr: self.msg.as_mut_ptr(), cap: MESSAGE_CAP, len: 0 };
        // SAFETY: the handle came from `create` and is destroyed only here, once; the library is
        // never unloaded. A panic in the plugin's drop is caught there (status ignored: nothing to do).
        let _ = unsafe { (self.vt.destroy)(self.handle, &mut err) };
    }
}
