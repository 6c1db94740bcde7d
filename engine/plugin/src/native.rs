//! [`NativeStrategy`]: an SDK strategy linked in as an rlib, behind the same guard as a plugin
//! (panics caught, health counted, time budget), with no FFI: a built-in and a plugin are
//! interchangeable.

use crate::guard::Guard;
use crate::view::{self, EngineView};
use crate::PluginError;
use alphapulse_sdk as sdk;
use alphapulse_strategy::{Fault, MarketView, Signal, Strategy, StrategyHealth};
use alphapulse_types::{Depth, ExecKind, ExecReport, InstrumentId, PxQty, Quote, Trade};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The SDK's signal as the engine's (the engine clamps the score).
#[inline(always)]
pub(crate) fn signal(s: sdk::Signal) -> Signal {
    Signal { inst: InstrumentId(s.inst), score: s.score, ts: s.ts }
}

/// A fill report as the SDK's `Fill`.
pub(crate) fn fill(r: &ExecReport) -> sdk::Fill {
    sdk::Fill {
        order_id: r.order_id.0,
        inst: r.inst.0,
        side: r.side as u8,
        _pad: [0; 3],
        px: r.px.raw(),
        qty: r.qty.raw(),
        fee: r.fee.raw(),
        position: r.position.raw(),
        ts: r.ts,
    }
}

/// Record risk's position stamp of `r` in `positions`; true for a fill.
#[inline]
pub(crate) fn track(positions: &mut [i64], r: &ExecReport) -> bool {
    if let Some(p) = positions.get_mut(r.inst.index()) {
        *p = r.position.raw();
    }
    r.kind == ExecKind::Fill
}

pub(crate) fn panic_text(p: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = p.downcast_ref::<&str>() {
        s
    } else if let Some(s) = p.downcast_ref::<String>() {
        s
    } else {
        "panic with a non-string payload"
    }
}

/// An SDK strategy `T` run in-process; see the module docs.
pub struct NativeStrategy<T> {
    inner: T,
    positions: Vec<i64>,
    guard: Guard,
}

impl<T: sdk::Strategy> NativeStrategy<T> {
    /// Make `T` named `name` from `params` for the instruments `symbols` (by dense id), with a time
    /// budget per call of `budget_ns` (0 = off).
    pub fn new(
        name: &str,
        params: &[(&str, &str)],
        symbols: &[&str],
        budget_ns: u64,
    ) -> Result<Self, PluginError> {
        let setup = sdk::Setup { params, instruments: symbols };
        let inner = match catch_unwind(AssertUnwindSafe(|| T::new(&setup))) {
            Ok(Ok(s)) => s,
            Ok(Err(message)) => return Err(PluginError::Create { name: name.into(), message }),
            Err(p) => {
                return Err(PluginError::CreatePanicked {
                    name: name.into(),
                    message: panic_text(p.as_ref()).into(),
                })
            }
        };
        Ok(NativeStrategy { inner, positions: vec![0; symbols.len()], guard: Guard::new(name, budget_ns) })
    }

    /// The panic message, once it panicked.
    pub fn panic_message(&self) -> Option<&str> {
        self.guard.message()
    }

    /// Run `f` on the strategy under the guard.
    #[inline(always)]
    fn call(
        &mut self,
        view: &MarketView,
        f: impl FnOnce(&mut T, &EngineView<'_, '_>) -> Option<sdk::Signal>,
    ) -> Option<Signal> {
        if !self.guard.enabled() {
            return None;
        }
        let ev = EngineView { view, positions: &self.positions };
        let inner = &mut self.inner;
        let t0 = self.guard.start();
        let r = catch_unwind(AssertUnwindSafe(|| f(inner, &ev)));
        self.guard.finish(t0);
        match r {
            Ok(s) => s.map(signal),
            Err(p) => {
                self.guard.panicked(panic_text(p.as_ref()));
                None
            }
        }
    }
}

impl<T: sdk::Strategy> Strategy for NativeStrategy<T> {
    fn name(&self) -> &str {
        self.guard.name()
    }

    fn on_quote(&mut self, q: &Quote, view: &MarketView) -> Option<Signal> {
        let q = view::quote(q);
        self.call(view, |s, v| s.on_quote(&q, v))
    }

    fn on_trade(&mut self, t: &Trade, view: &MarketView) -> Option<Signal> {
        let t = view::trade(t);
        self.call(view, |s, v| s.on_trade(&t, v))
    }

    fn on_depth(&mut self, d: &Depth, bids: &[PxQty], asks: &[PxQty], view: &MarketView) -> Option<Signal> {
        let d = sdk::Depth {
            header: crate::adapter::header(d),
            bids: view::levels(bids),
            asks: view::levels(asks),
        };
        self.call(view, |s, v| s.on_depth(&d, v))
    }

    fn on_exec(&mut self, r: &ExecReport) {
        if track(&mut self.positions, r) && self.guard.enabled() {
            let f = fill(r);
            let inner = &mut self.inner;
            let t0 = self.guard.start();
            let res = catch_unwind(AssertUnwindSafe(|| inner.on_fill(&f)));
            self.guard.finish(t0);
            if let Err(p) = res {
                self.guard.panicked(panic_text(p.as_ref()));
            }
        }
    }

    fn set_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| inner.set_param(key, value))) {
            Ok(r) => r,
            Err(p) => {
                let m = panic_text(p.as_ref()).to_string();
                self.guard.panicked(&m);
                Err(format!("panicked: {m}"))
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
