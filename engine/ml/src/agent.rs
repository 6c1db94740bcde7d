//! [`MlAgent`]: the ML agent. On every book update of an instrument it writes the configured
//! features straight into the model's input tensor, runs the model, and maps the answer through
//! the thresholds to a [`Signal`]:
//!
//! - `probability` p: a buy when `p ≥ buy_threshold`, a sell when `p ≤ sell_threshold`, with score
//!   `(2p − 1) × 10 000` bps; in between, no signal;
//! - `score` s: the same with s, score `s × 10 000` bps.
//!
//! Trades feed the `trade_flow_N` features; quotes are not used (the book's top is the quote).
//! A failed inference is counted ([`MlAgent::errors`]) and gives no signal. Registered as the
//! built-in `ml` of `alphapulse_plugin` (`[[strategy.plugins]] builtin = "ml"`, params: the keys
//! of [`crate::spec`]), so it runs on the agents thread in backtest, paper and live alike.

use crate::{FeatureSet, MlError, Model, ModelSpec, OutputKind};
use alphapulse_strategy::{MarketView, Signal, Strategy, MAX_SCORE};
use alphapulse_types::{InstrumentId, Quote, Trade};

/// The ML agent; see the module docs.
#[derive(Debug)]
pub struct MlAgent {
    spec: ModelSpec,
    model: Model,
    features: FeatureSet,
    runs: u64,
    errors: u64,
    last: f32,
}

impl MlAgent {
    /// Stable name (the built-in's name and the default aggregator key).
    pub const NAME: &'static str = "ml";

    /// The agent of `spec` for `instruments` instruments: loads ONNX Runtime and the model and
    /// checks it against `spec`.
    pub fn new(spec: &ModelSpec, instruments: usize) -> Result<Self, MlError> {
        spec.validate()?;
        let features = FeatureSet::new(&spec.features, instruments)?;
        let model = Model::load(spec)?;
        Ok(MlAgent { spec: spec.clone(), model, features, runs: 0, errors: 0, last: f32::NAN })
    }

    /// Inferences run and failed.
    pub fn runs(&self) -> (u64, u64) {
        (self.runs, self.errors)
    }

    /// Failed inferences.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// The model's last answer (NaN before the first).
    pub fn last_output(&self) -> f32 {
        self.last
    }

    /// The features of the last inference (the model's input as it was run).
    pub fn last_features(&mut self) -> &[f32] {
        self.model.input_mut()
    }

    /// The signal for the model's answer `y` (see the module docs).
    pub fn signal_for(spec: &ModelSpec, inst: InstrumentId, y: f32, ts: u64) -> Option<Signal> {
        if !y.is_finite() || (y > spec.sell_threshold && y < spec.buy_threshold) {
            return None;
        }
        let centred = match spec.output_kind {
            OutputKind::Probability => 2.0 * y as f64 - 1.0,
            OutputKind::Score => y as f64,
        };
        Some(Signal::new(inst, (centred * MAX_SCORE as f64).round() as i64, ts))
    }
}

impl Strategy for MlAgent {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn on_quote(&mut self, _q: &Quote, _view: &MarketView) -> Option<Signal> {
        None
    }

    fn on_trade(&mut self, t: &Trade, _view: &MarketView) -> Option<Signal> {
        self.features.on_trade(t);
        None
    }

    fn on_book(&mut self, inst: InstrumentId, view: &MarketView) -> Option<Signal> {
        let book = view.book(inst)?;
        if !self.features.on_book(inst, book, self.model.input_mut()) {
            return None;
        }
        self.runs += 1;
        match self.model.run() {
            Ok(y) => {
                self.last = y;
                Self::signal_for(&self.spec, inst, y, view.book_ts(inst))
            }
            Err(_) => {
                self.errors += 1;
                None
            }
        }
    }
}
