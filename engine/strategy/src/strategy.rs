//! The [`Strategy`] trait and its output, [`Signal`]: the contract the plugin SDK will expose.
//!
//! A strategy sees market events one at a time with a read-only [`MarketView`] of everything the
//! host knows (latest quote, L2 book, last trade per instrument) and may answer each with a
//! [`Signal`]: a direction and strength for one instrument. It never sends orders itself: the
//! aggregator combines the signals of every strategy into order intents. Strategies are called
//! on the hot path, so they must not allocate, block or print after construction.

use crate::MarketView;
use alphapulse_types::{Depth, ExecReport, InstrumentId, PxQty, Quote, Trade};

/// Largest magnitude of [`Signal::score`]: +10 000 bps is a full-strength buy, −10 000 a full sell.
pub const MAX_SCORE: i32 = 10_000;

/// A strategy's opinion about one instrument at one time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Signal {
    pub inst: InstrumentId,
    /// Direction and strength in basis points, `-10_000..=10_000` (positive = buy). Zero is an
    /// explicit "neutral" that still counts (with its weight) in the aggregate. Out-of-range
    /// values are clamped by the aggregator.
    pub score: i32,
    /// Event time (ns) the opinion refers to: the `local_ts` of the event that produced it.
    pub ts: u64,
}

const _: () = assert!(core::mem::size_of::<Signal>() == 16);

impl Signal {
    /// A signal with `score` clamped into `-MAX_SCORE..=MAX_SCORE`.
    #[inline]
    pub fn new(inst: InstrumentId, score: i64, ts: u64) -> Self {
        Signal { inst, score: score.clamp(-MAX_SCORE as i64, MAX_SCORE as i64) as i32, ts }
    }
}

/// A trading strategy hosted by [`crate::StrategyHost`].
///
/// The host calls every strategy in a fixed order for each market event, after it has updated
/// the [`MarketView`] with that event. Every method must be cheap and must not allocate.
pub trait Strategy: Send {
    /// Short stable name; the aggregator's weights are keyed by it.
    fn name(&self) -> &str;

    /// A new best bid/offer for `q.inst` (already in `view`).
    fn on_quote(&mut self, q: &Quote, view: &MarketView) -> Option<Signal>;

    /// A public trade (already in `view`).
    fn on_trade(&mut self, _t: &Trade, _view: &MarketView) -> Option<Signal> {
        None
    }

    /// The L2 book of `inst` changed: called once per depth update, after its last level was
    /// applied. `view.book(inst)` is `None` while the book is unusable.
    fn on_book(&mut self, _inst: InstrumentId, _view: &MarketView) -> Option<Signal> {
        None
    }

    /// A depth update with its levels (bids, asks, as the feed applied them), after its last level
    /// was applied to the book in `view`. The default calls [`Strategy::on_book`]; the host calls
    /// this one (plugins see the update itself).
    fn on_depth(&mut self, d: &Depth, _bids: &[PxQty], _asks: &[PxQty], view: &MarketView) -> Option<Signal> {
        self.on_book(d.inst, view)
    }

    /// An execution report for an order of this host's strategy id.
    fn on_exec(&mut self, _r: &ExecReport) {}

    /// Change a parameter while running (control path, never per event); the error says why not.
    fn set_param(&mut self, key: &str, _value: &str) -> Result<(), String> {
        Err(format!("strategy `{}` has no settable parameter `{key}`", self.name()))
    }

    /// True for a strategy that can fault (a plugin, or a built-in behind the same adapter): the
    /// host then asks [`Strategy::take_fault`] after each of its calls. Read once, when added.
    fn can_fault(&self) -> bool {
        false
    }

    /// The fault of the last call, once: the strategy panicked and disabled itself. The host then
    /// never calls it again and withdraws its signals.
    fn take_fault(&mut self) -> Option<Fault> {
        None
    }

    /// Health counters, for strategies that keep them (plugins and their built-in twins).
    fn health(&self) -> Option<StrategyHealth> {
        None
    }
}

/// Why a strategy was disabled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The strategy's name.
    pub strategy: String,
    /// What happened (the panic message).
    pub message: String,
}

/// Health counters of a guarded strategy (see `alphapulse_plugin`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StrategyHealth {
    /// False once it faulted: it is not called any more.
    pub enabled: bool,
    /// It panicked (the message is in its [`Fault`]).
    pub panicked: bool,
    /// Calls made into it.
    pub calls: u64,
    /// Calls longer than the time budget (0 when no budget is set).
    pub overruns: u64,
    /// The longest call measured, ns (0 when no budget is set: calls are timed only then).
    pub worst_call_ns: u64,
    /// The time budget per call, ns (0 = off).
    pub budget_ns: u64,
}
