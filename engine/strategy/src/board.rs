//! [`Board`]: the latest-value board through which slow agents reach the hot path without locks.
//!
//! A slow agent (fundamental, value, filings, sentiment…) runs on a slow thread (see
//! [`crate::slow`]) and publishes its latest opinion per instrument — a score and the time the
//! opinion refers to (a filing date, a news time) — into its row of the board. The hot thread reads
//! the row through a [`crate::BoardAgent`], which turns each new publication into a [`crate::Signal`]
//! carrying the slow signal's own time, so the aggregator sees how old it is.
//!
//! The table (slow agents × instruments) is allocated once, at construction, and shared as an
//! `Arc<Board>`. Each slot is a **seqlock** of three `AtomicU64`s (sequence, score, time):
//! - the writer (one per slot: the thread that runs the slot's agent) makes the sequence odd,
//!   stores score and time, and makes it even again with release ordering;
//! - the reader loads the sequence (acquire), the two values, then the sequence again (after an
//!   acquire fence); equal and even means the pair is whole. It never waits for the writer: a torn
//!   read is retried at most [`READ_RETRIES`] times, then reported as [`Busy`] and counted
//!   ([`Board::busy_reads`]), and the hot thread goes on with what it had.
//!
//! A slot's sequence counts its publications (it is `2 × publications`), so a reader tells a new
//! publication from one it has seen by its `seq`, even when score and time repeat.
//!
//! ```
//! use alphapulse_strategy::Board;
//! use alphapulse_types::InstrumentId;
//! let board = Board::new(&["fundamental"], 2).unwrap();
//! let a = board.agent_index("fundamental").unwrap();
//! assert_eq!(board.read(a, InstrumentId(1)), None); // nothing published yet
//! board.publish(a, InstrumentId(1), -2_500, 1_700_000_000_000_000_000).unwrap();
//! let e = board.read(a, InstrumentId(1)).unwrap();
//! assert_eq!((e.score, e.ts, e.seq), (-2_500, 1_700_000_000_000_000_000, 1));
//! ```

use alphapulse_types::InstrumentId;
use std::sync::atomic::{fence, AtomicU64, Ordering};
use thiserror::Error;

/// How many times a read retries a torn slot before it reports [`Busy`].
pub const READ_RETRIES: u32 = 4;

/// Most slow agents one board holds.
pub const MAX_SLOW_AGENTS: usize = 64;

/// One publication as the reader saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Score in basis points, as published (the aggregator clamps it to ±10 000).
    pub score: i32,
    /// The time (ns) the slow signal refers to: its own time, not the time it was published.
    pub ts: u64,
    /// The slot's publication count (1 for the first); grows with every publication.
    pub seq: u64,
}

/// A read found the slot being written [`READ_RETRIES`] times in a row (counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("the board slot was being written on every try")]
pub struct Busy;

/// Why a board could not be made or written.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BoardError {
    #[error("a board needs 1 to {max} slow agents, got {got}")]
    Agents { got: usize, max: usize },
    #[error("slow agent name `{0}` is empty or used twice")]
    Name(String),
    #[error("a board needs at least one instrument")]
    NoInstruments,
    #[error("no slot for slow agent {agent}, instrument {inst} (the board has {agents} agents × {insts} instruments)")]
    NoSlot { agent: usize, inst: u32, agents: usize, insts: usize },
    #[error("slot of slow agent {agent}, instrument {inst} is being written by another writer (one writer per slot)")]
    SecondWriter { agent: usize, inst: u32 },
}

/// One seqlock slot.
#[derive(Default)]
struct Slot {
    /// Even: stable, `2 × publications`; odd: being written.
    seq: AtomicU64,
    /// The score's bits (`i32` as `u32`, zero-extended).
    score: AtomicU64,
    ts: AtomicU64,
}

/// The latest-value board; see the module docs.
pub struct Board {
    names: Vec<String>,
    insts: usize,
    slots: Vec<Slot>,
    busy_reads: AtomicU64,
}

impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Board").field("agents", &self.names).field("instruments", &self.insts).finish()
    }
}

impl Board {
    /// A board with one row per slow agent of `agents` (by name, unique) and `instruments`
    /// columns. Allocates every slot now; nothing is allocated after.
    pub fn new(agents: &[&str], instruments: usize) -> Result<Board, BoardError> {
        if agents.is_empty() || agents.len() > MAX_SLOW_AGENTS {
            return Err(BoardError::Agents { got: agents.len(), max: MAX_SLOW_AGENTS });
        }
        if instruments == 0 {
            return Err(BoardError::NoInstruments);
        }
        for (k, a) in agents.iter().enumerate() {
            if a.is_empty() || agents[..k].contains(a) {
                return Err(BoardError::Name((*a).to_string()));
            }
        }
        let mut slots = Vec::with_capacity(agents.len() * instruments);
        slots.resize_with(agents.len() * instruments, Slot::default);
        Ok(Board {
            names: agents.iter().map(|a| a.to_string()).collect(),
            insts: instruments,
            slots,
            busy_reads: AtomicU64::new(0),
        })
    }

    /// The row of slow agent `name`.
    pub fn agent_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The slow agents' names, in row order.
    pub fn agents(&self) -> &[String] {
        &self.names
    }

    /// Number of instruments (columns).
    pub fn instruments(&self) -> usize {
        self.insts
    }

    #[inline]
    fn slot(&self, agent: usize, inst: InstrumentId) -> Option<&Slot> {
        if agent >= self.names.len() || inst.index() >= self.insts {
            return None;
        }
        self.slots.get(agent * self.insts + inst.index())
    }

    /// Publish `score` for `inst` as slow agent `agent`'s latest opinion, dated `ts` (ns: the
    /// time the opinion refers to). Any thread, one writer per slot; never blocks. Errors: no such
    /// slot, or another writer is in the slot right now (the publication is not made).
    pub fn publish(&self, agent: usize, inst: InstrumentId, score: i32, ts: u64) -> Result<u64, BoardError> {
        let no_slot =
            || BoardError::NoSlot { agent, inst: inst.0, agents: self.names.len(), insts: self.insts };
        let s = self.slot(agent, inst).ok_or_else(no_slot)?;
        let seq = s.seq.load(Ordering::Relaxed);
        // Taking the slot (even → odd) by compare-exchange makes a second writer an error, not a
        // torn slot.
        if seq & 1 == 1 || s.seq.compare_exchange(seq, seq + 1, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return Err(BoardError::SecondWriter { agent, inst: inst.0 });
        }
        // The odd sequence is ordered before the data stores: a reader that sees new data sees
        // the odd (or a later) sequence on its second load.
        fence(Ordering::Release);
        s.score.store(score as u32 as u64, Ordering::Relaxed);
        s.ts.store(ts, Ordering::Relaxed);
        s.seq.store(seq + 2, Ordering::Release);
        Ok((seq + 2) / 2)
    }

    /// The latest publication of slow agent `agent` for `inst`, `Ok(None)` if there is none (or
    /// no such slot), `Err(Busy)` if the slot was being written on every one of
    /// [`READ_RETRIES`] + 1 tries (counted in [`Board::busy_reads`]). Wait-free: never blocks,
    /// never allocates.
    #[inline]
    pub fn try_read(&self, agent: usize, inst: InstrumentId) -> Result<Option<Entry>, Busy> {
        let Some(s) = self.slot(agent, inst) else { return Ok(None) };
        for _ in 0..=READ_RETRIES {
            let before = s.seq.load(Ordering::Acquire);
            if before & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let score = s.score.load(Ordering::Relaxed) as u32 as i32;
            let ts = s.ts.load(Ordering::Relaxed);
            // The data loads are ordered before the second sequence load.
            fence(Ordering::Acquire);
            if s.seq.load(Ordering::Relaxed) == before {
                return Ok((before > 0).then_some(Entry { score, ts, seq: before / 2 }));
            }
        }
        self.busy_reads.fetch_add(1, Ordering::Relaxed);
        Err(Busy)
    }

    /// [`Board::try_read`], with a busy slot read as nothing new (still counted).
    #[inline]
    pub fn read(&self, agent: usize, inst: InstrumentId) -> Option<Entry> {
        self.try_read(agent, inst).ok().flatten()
    }

    /// Reads that gave up on a slot being written (see [`Board::try_read`]).
    pub fn busy_reads(&self) -> u64 {
        self.busy_reads.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    #[test]
    fn construction_is_checked_and_slots_are_separate() {
        assert_eq!(Board::new(&[], 1).unwrap_err(), BoardError::Agents { got: 0, max: MAX_SLOW_AGENTS });
        assert_eq!(Board::new(&["a", "a"], 1).unwrap_err(), BoardError::Name("a".into()));
        assert_eq!(Board::new(&["a"], 0).unwrap_err(), BoardError::NoInstruments);
        let b = Board::new(&["a", "b"], 3).unwrap();
        assert_eq!(b.agent_index("b"), Some(1));
        assert_eq!(b.publish(1, InstrumentId(2), 7, 70), Ok(1));
        assert_eq!(b.publish(1, InstrumentId(2), -8, 80), Ok(2));
        assert_eq!(b.read(1, InstrumentId(2)), Some(Entry { score: -8, ts: 80, seq: 2 }));
        for (a, i) in [(0, 2), (1, 1), (0, 0)] {
            assert_eq!(b.read(a, InstrumentId(i)), None, "slot {a},{i} untouched");
        }
        let e = b.publish(2, InstrumentId(0), 1, 1).unwrap_err().to_string();
        assert!(e.contains("slow agent 2") && e.contains("2 agents × 3 instruments"), "{e}");
        assert_eq!(b.read(0, InstrumentId(3)), None);
        assert_eq!(b.busy_reads(), 0);
    }

    #[test]
    fn a_slot_being_written_reads_busy_and_is_counted() {
        let b = Board::new(&["a"], 1).unwrap();
        b.publish(0, InstrumentId(0), 5, 50).unwrap();
        // A writer stopped half-way (as a writer thread pre-empted inside `publish`).
        b.slots[0].seq.fetch_add(1, Ordering::Relaxed);
        assert_eq!(b.try_read(0, InstrumentId(0)), Err(Busy));
        assert_eq!(b.read(0, InstrumentId(0)), None);
        assert_eq!(b.busy_reads(), 2);
        let e = b.publish(0, InstrumentId(0), 6, 60).unwrap_err();
        assert_eq!(e, BoardError::SecondWriter { agent: 0, inst: 0 });
        b.slots[0].seq.fetch_add(1, Ordering::Relaxed);
        assert_eq!(b.read(0, InstrumentId(0)).map(|e| e.score), Some(5));
    }

    /// A writer thread hammers one slot with pairs whose time is derived from the score; the
    /// reader must never see a pair from two publications, and its sequence never goes back.
    #[test]
    fn a_hammering_writer_never_shows_a_mixed_pair() {
        let b = Arc::new(Board::new(&["a"], 1).unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let w = {
            let (b, stop) = (b.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i: i32 = 0;
                while !stop.load(Ordering::Relaxed) {
                    i = i.wrapping_add(1);
                    // The time is a function of the score: a mixed pair breaks it.
                    b.publish(0, InstrumentId(0), i, pair_ts(i)).unwrap();
                }
                i
            })
        };
        let (mut seen, mut busy, mut last_seq) = (0u64, 0u64, 0u64);
        let mut distinct = 0u64;
        // Bounded by wall time only so that a starved writer thread (a loaded machine) fails
        // the test below instead of hanging it; nothing about speed is asserted.
        let began = std::time::Instant::now();
        while (seen < 200_000 || distinct < 100) && began.elapsed() < std::time::Duration::from_secs(60) {
            match b.try_read(0, InstrumentId(0)) {
                Ok(Some(e)) => {
                    assert_eq!(e.ts, pair_ts(e.score), "mixed pair {e:?}");
                    assert!(e.seq >= last_seq, "sequence went back: {e:?} after {last_seq}");
                    distinct += (e.seq > last_seq) as u64;
                    last_seq = e.seq;
                    seen += 1;
                }
                Ok(None) => {}
                Err(Busy) => busy += 1,
            }
        }
        stop.store(true, Ordering::Relaxed);
        let written = w.join().unwrap();
        assert!(distinct >= 100, "the reader saw {distinct} publications of {written}");
        assert_eq!(b.busy_reads(), busy);
        println!("{seen} whole reads, {distinct} distinct publications, {busy} busy, {written} written");
    }

    fn pair_ts(score: i32) -> u64 {
        (score as u32 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xABCD
    }
}
