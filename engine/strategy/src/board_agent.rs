//! [`BoardAgent`]: the hot-side face of one slow agent.
//!
//! It implements [`Strategy`] like any agent on the agents thread, but computes nothing: on each
//! market event of an instrument (quote, trade, depth) it reads that instrument's slot of its slow
//! agent on the [`Board`] and, when the slot holds a publication it has not passed on yet, returns
//! it as a [`Signal`] **with the slow signal's own time** (`Signal::ts` = the publication's `ts`,
//! e.g. a filing date), so the aggregator ages it by that time (its per-strategy TTL,
//! `aggregator.signal_ttl_ns_by`) and counts it when it goes stale. A slow agent that crashed or
//! stalls simply stops publishing: its last signal ages out; the hot path never waits for it.
//!
//! Per event it costs one seqlock read (three atomic loads, usually); it allocates only at
//! construction (one `u64` per instrument: the last sequence passed on).

use crate::{Board, MarketView, Signal, Strategy};
use alphapulse_types::{Depth, InstrumentId, PxQty, Quote, Trade};
use std::sync::Arc;

/// The agent; see the module docs.
pub struct BoardAgent {
    name: String,
    board: Arc<Board>,
    row: usize,
    /// Per instrument: the sequence of the last publication passed on (0: none yet).
    seen: Vec<u64>,
    /// Reads that found the slot busy (the board counts them too, over all readers).
    busy: u64,
}

impl BoardAgent {
    /// The built-in name (`builtin = "board"`).
    pub const NAME: &'static str = "board";

    /// An agent named `name` (the aggregator's weight and TTL keys) passing on the publications
    /// of row `row` of `board`. `None` if the board has no such row.
    pub fn new(name: &str, board: Arc<Board>, row: usize) -> Option<BoardAgent> {
        (row < board.agents().len()).then(|| BoardAgent {
            name: name.to_string(),
            seen: vec![0; board.instruments()],
            board,
            row,
            busy: 0,
        })
    }

    /// Reads of this agent that found the slot being written (it tries again at the next event).
    pub fn busy_reads(&self) -> u64 {
        self.busy
    }

    /// The new publication for `inst`, if any, as a signal dated by its own time.
    #[inline]
    fn poll(&mut self, inst: InstrumentId) -> Option<Signal> {
        let seen = self.seen.get_mut(inst.index())?;
        match self.board.try_read(self.row, inst) {
            Ok(Some(e)) if e.seq != *seen => {
                *seen = e.seq;
                Some(Signal::new(inst, e.score as i64, e.ts))
            }
            Ok(_) => None,
            Err(_) => {
                self.busy += 1;
                None
            }
        }
    }
}

impl Strategy for BoardAgent {
    fn name(&self) -> &str {
        &self.name
    }
    fn on_quote(&mut self, q: &Quote, _view: &MarketView) -> Option<Signal> {
        self.poll(q.inst)
    }
    fn on_trade(&mut self, t: &Trade, _view: &MarketView) -> Option<Signal> {
        self.poll(t.inst)
    }
    fn on_depth(
        &mut self,
        d: &Depth,
        _bids: &[PxQty],
        _asks: &[PxQty],
        _view: &MarketView,
    ) -> Option<Signal> {
        self.poll(d.inst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MarketState;

    #[test]
    fn passes_on_each_publication_once_with_its_own_time() {
        let board = Arc::new(Board::new(&["x", "fundamental"], 2).unwrap());
        assert!(BoardAgent::new("f", board.clone(), 2).is_none());
        let mut a = BoardAgent::new("f", board.clone(), 1).unwrap();
        let state = MarketState::new(2, 10);
        let view = state.view(None);
        let q = |inst: u32, ts: u64| Quote { inst: InstrumentId(inst), local_ts: ts, ..Default::default() };
        assert_eq!(a.on_quote(&q(0, 10), &view), None, "nothing published");
        board.publish(1, InstrumentId(0), 3_000, 5).unwrap();
        board.publish(0, InstrumentId(1), 9_000, 6).unwrap(); // another row: not this agent's
        assert_eq!(a.on_quote(&q(1, 11), &view), None);
        assert_eq!(a.on_quote(&q(0, 12), &view), Some(Signal::new(InstrumentId(0), 3_000, 5)));
        assert_eq!(a.on_quote(&q(0, 13), &view), None, "passed on once");
        // The same values published again are a new publication.
        board.publish(1, InstrumentId(0), 3_000, 5).unwrap();
        let t = Trade { inst: InstrumentId(0), local_ts: 14, ..Default::default() };
        assert_eq!(a.on_trade(&t, &view), Some(Signal::new(InstrumentId(0), 3_000, 5)));
        board.publish(1, InstrumentId(0), 20_000, 7).unwrap();
        let d = Depth { inst: InstrumentId(0), local_ts: 15, ..Default::default() };
        assert_eq!(a.on_depth(&d, &[], &[], &view), Some(Signal::new(InstrumentId(0), 10_000, 7)), "clamped");
        assert_eq!(a.on_quote(&q(7, 16), &view), None, "instrument outside the board");
        assert_eq!(a.busy_reads(), 0);
    }
}
