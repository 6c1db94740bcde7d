//! The sampler and the labeller behind `alphapulse features`.
//!
//! [`Sampler`] is a [`Strategy`] added to a [`StrategyHost`](alphapulse_strategy::StrategyHost)
//! with no other agents: the host keeps the market view and calls it exactly as it calls the ML
//! agent (`on_trade` for every trade, `on_depth` after every applied depth update), and it runs
//! engine/ml's [`FeatureSet`] the way [`alphapulse_ml::MlAgent`] does. At the sampling points
//! it sends a [`Row`] out. [`Labeller`] holds rows until every horizon has passed and labels them
//! from the mids of the later rows of the same instrument.

use alphapulse_ml::FeatureSet;
use alphapulse_strategy::{MarketView, Signal, Strategy};
use alphapulse_types::{Depth, InstrumentId, PxQty, Quote, Trade};
use std::collections::VecDeque;
use std::sync::mpsc::Sender;

/// When to write a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Every {
    /// At the first book update of each `n`-ns slot of event time (slots are `ts / n`).
    Nanos(u64),
    /// At every `n`-th book update of the instrument (the first counts).
    Updates(u64),
}

/// One sample: the features the ML agent would have fed its model at this book update.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Exchange time of the depth update (its receive time when the exchange gave none).
    pub ts: u64,
    pub inst: InstrumentId,
    pub features: Vec<f32>,
    /// Twice the mid, raw fixed point (exact): `best bid + best ask`.
    pub mid2: i128,
}

/// The sampling strategy; see the module docs.
pub struct Sampler {
    features: FeatureSet,
    every: Every,
    buf: Vec<f32>,
    /// Per instrument: book updates seen, and the slot of the last sample (`u64::MAX`: none).
    updates: Vec<u64>,
    last_slot: Vec<u64>,
    out: Sender<Row>,
}

impl Sampler {
    pub fn new(features: FeatureSet, instruments: usize, every: Every, out: Sender<Row>) -> Self {
        let buf = vec![0.0; features.len()];
        Sampler {
            features,
            every,
            buf,
            updates: vec![0; instruments],
            last_slot: vec![u64::MAX; instruments],
            out,
        }
    }
}

impl Strategy for Sampler {
    fn name(&self) -> &str {
        "features"
    }

    fn on_quote(&mut self, _q: &Quote, _view: &MarketView) -> Option<Signal> {
        None
    }

    fn on_trade(&mut self, t: &Trade, _view: &MarketView) -> Option<Signal> {
        self.features.on_trade(t);
        None
    }

    fn on_depth(&mut self, d: &Depth, _bids: &[PxQty], _asks: &[PxQty], view: &MarketView) -> Option<Signal> {
        let inst = d.inst;
        let book = view.book(inst)?;
        // As MlAgent::on_book: the features of every book update (the histories advance), even
        // those not sampled.
        if !self.features.on_book(inst, book, &mut self.buf) {
            return None;
        }
        let (Some((bid, _)), Some((ask, _))) = (book.best_bid(), book.best_ask()) else { return None };
        let k = inst.index();
        let n = self.updates.get_mut(k)?;
        *n += 1;
        let ts = if d.exch_ts != 0 { d.exch_ts } else { d.local_ts };
        let take = match self.every {
            Every::Updates(every) => (*n - 1) % every == 0,
            Every::Nanos(every) => {
                let slot = ts / every;
                let last = &mut self.last_slot[k];
                let new = *last == u64::MAX || slot > *last;
                if new {
                    *last = slot;
                }
                new
            }
        };
        if take {
            let mid2 = bid.raw() as i128 + ask.raw() as i128;
            let _ = self.out.send(Row { ts, inst, features: self.buf.clone(), mid2 });
        }
        None
    }
}

/// A row waiting for its horizons.
#[derive(Debug)]
struct Pending {
    row: Row,
    /// Per horizon: the mid (×2) of the last row of the instrument at or before `ts + h` so far.
    at_horizon: Vec<i128>,
    /// Per horizon: the label once a row past `ts + h` arrived.
    labels: Vec<Option<i8>>,
}

/// A row with its labels (−1, 0, +1 per horizon).
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    pub row: Row,
    pub labels: Vec<i8>,
}

/// Labels rows in order; see the module docs.
#[derive(Debug)]
pub struct Labeller {
    horizons: Vec<u64>,
    pending: VecDeque<Pending>,
}

impl Labeller {
    pub fn new(horizons: Vec<u64>) -> Self {
        Labeller { horizons, pending: VecDeque::new() }
    }

    /// Take `row`: it resolves the horizons of earlier rows of its instrument that it passes
    /// (`row.ts > ts + h`: the label is the sign of the move from the row's mid to the mid of the
    /// last row at or before `ts + h`). Then hand every leading fully labelled row to `emit`.
    pub fn push(&mut self, row: Row, mut emit: impl FnMut(Labelled)) {
        for p in self.pending.iter_mut().filter(|p| p.row.inst == row.inst) {
            for (i, &h) in self.horizons.iter().enumerate() {
                if p.labels[i].is_some() {
                    continue;
                }
                if row.ts <= p.row.ts.saturating_add(h) {
                    p.at_horizon[i] = row.mid2;
                } else {
                    p.labels[i] = Some((p.at_horizon[i] - p.row.mid2).signum() as i8);
                }
            }
        }
        let n = self.horizons.len();
        self.pending.push_back(Pending { at_horizon: vec![row.mid2; n], labels: vec![None; n], row });
        while self.pending.front().is_some_and(|p| p.labels.iter().all(Option::is_some)) {
            if let Some(p) = self.pending.pop_front() {
                let labels = p.labels.iter().map(|l| l.unwrap_or(0)).collect();
                emit(Labelled { row: p.row, labels });
            }
        }
    }

    /// The end of the data: rows whose every horizon passed are handed to `emit`; the others
    /// (a horizon runs past the end of the data) are dropped. Returns how many were dropped.
    pub fn finish(&mut self, mut emit: impl FnMut(Labelled)) -> u64 {
        let mut dropped = 0;
        for p in self.pending.drain(..) {
            if p.labels.iter().all(Option::is_some) {
                let labels = p.labels.iter().map(|l| l.unwrap_or(0)).collect();
                emit(Labelled { row: p.row, labels });
            } else {
                dropped += 1;
            }
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ts: u64, mid2: i128) -> Row {
        Row { ts, inst: InstrumentId(0), features: vec![], mid2 }
    }

    #[test]
    fn labels_are_the_sign_of_the_move_to_the_last_mid_within_the_horizon() {
        let mut l = Labeller::new(vec![10]);
        let mut out = Vec::new();
        for (ts, m) in [(0, 100), (5, 90), (10, 120), (11, 50), (20, 50), (25, 50), (31, 60)] {
            l.push(row(ts, m), |x| out.push((x.row.ts, x.labels[0])));
        }
        // ts 0: last mid at <= 10 is 120 (up); ts 5: <= 15 is 50 (down); ts 10: <= 20 is 50
        // (down); ts 11: <= 21 is 50 (flat); ts 20: <= 30 is 50 (flat). 25 and 31 are not passed.
        assert_eq!(out, vec![(0, 1), (5, -1), (10, -1), (11, 0), (20, 0)]);
        assert_eq!(l.finish(|_| panic!("nothing resolved")), 2);
    }
}
