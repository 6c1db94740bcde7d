//! Shared test harness: a sink that checks the rebuilt book against bookTicker after every applied
//! depth event.
#![allow(dead_code)]

use alphapulse_book::Book;
use alphapulse_feeds::{sample_instruments, FeedOptions, Replay, ReplaySink};
use alphapulse_types::{BookState, Depth, InstrumentId, Msg, Price, PxQty, Qty, Quote};
use std::collections::VecDeque;
use std::path::PathBuf;

#[derive(Default)]
pub struct Golden {
    pending: Vec<VecDeque<(u64, Quote)>>,
    latest: Vec<Option<Quote>>,
    pub compared: u64,
    pub agreed: u64,
    pub crossed: u64,
    pub applied: u64,
    pub msgs: Vec<Msg>,
    /// The levels of the kept depth updates (each kept `Depth::at` indexes this).
    pub levels: Vec<PxQty>,
    pub keep_msgs: bool,
    pub gaps_seen: u64,
    pub synced_seen: u64,
    /// The journal-only records a live feed handed out (its state changes).
    pub feed_events: Vec<alphapulse_types::FeedEventRecord>,
}

impl Golden {
    pub fn new(n: usize) -> Self {
        Golden { pending: vec![VecDeque::new(); n], latest: vec![None; n], ..Default::default() }
    }
    /// The levels of a kept depth update: (bids, asks).
    pub fn levels_of(&self, d: &Depth) -> (&[PxQty], &[PxQty]) {
        alphapulse_runtime::levels_in(&self.levels, d)
    }
}

impl ReplaySink for Golden {
    fn emit(&mut self, msg: Msg) {
        if let Msg::Book(b) = &msg {
            match b.state {
                BookState::Gap => self.gaps_seen += 1,
                BookState::Synced => self.synced_seen += 1,
            }
        }
        if self.keep_msgs {
            self.msgs.push(msg);
        }
    }
    fn emit_depth(&mut self, mut d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        assert_eq!((d.bids as usize, d.asks as usize), (bids.len(), asks.len()), "counts match the levels");
        if self.keep_msgs {
            d.at = self.levels.len() as u32;
            self.levels.extend(bids.iter().chain(asks).map(|&(p, q)| PxQty::new(p, q)));
            self.msgs.push(Msg::Depth(d));
        }
    }
    fn book_ticker(&mut self, inst: InstrumentId, u: u64, q: &Quote) {
        self.pending[inst.index()].push_back((u, *q));
    }
    fn journal(&mut self, msg: Msg) {
        if let Msg::FeedEvent(e) = msg {
            self.feed_events.push(e);
        }
    }
    fn depth_applied(&mut self, inst: InstrumentId, book: &Book) {
        self.applied += 1;
        let i = inst.index();
        while let Some(&(u, q)) = self.pending[i].front() {
            if u > book.update_id() {
                break;
            }
            self.latest[i] = Some(q);
            self.pending[i].pop_front();
        }
        if book.is_crossed() {
            self.crossed += 1;
        }
        if let Some(q) = self.latest[i] {
            self.compared += 1;
            if book.best_bid() == Some((q.bid_px, q.bid_qty))
                && book.best_ask() == Some((q.ask_px, q.ask_qty))
            {
                self.agreed += 1;
            }
        }
    }
}

/// Replay `files` with the sample instruments through a [`Golden`] sink.
pub fn replay(files: &[PathBuf], keep_msgs: bool) -> (Replay, Golden) {
    let table = sample_instruments();
    let mut r = Replay::open(files, &table, &FeedOptions::defaults()).expect("open");
    let mut g = Golden::new(table.len());
    g.keep_msgs = keep_msgs;
    while r.step(&mut g) {}
    (r, g)
}

/// The lines of a (gzip) capture.
pub fn lines_of(path: &std::path::Path) -> Vec<Vec<u8>> {
    use std::io::Read;
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()).read_to_end(&mut text).unwrap();
    text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

/// Write `lines` as a plain-text capture named `name` in a fresh temp folder.
pub fn write_capture(tag: &str, name: &str, lines: &[Vec<u8>]) -> PathBuf {
    let dir =
        alphapulse_shm::test_scratch::root().join(format!("alphapulse-feeds-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let mut text = Vec::new();
    for l in lines {
        text.extend_from_slice(l);
        text.push(b'\n');
    }
    std::fs::write(&p, text).unwrap();
    p
}

pub fn is_depth(l: &[u8]) -> bool {
    l.windows(14).any(|w| w == b"@depth@100ms\",")
}
