//! Stamps for one poll of the feed: [`StampSink`] stamps the first event the sink receives (and
//! keeps the feed's state changes with their stamps), [`Probe`] holds the stamps the network side
//! sets (the frame handed to the feed; for tokio also its receive), and [`StampNet`] wraps any
//! [`Net`] so that its connections stamp each text message they hand to the feed.
//!
//! Every stamp is a raw `quanta` reading (the TSC where it is invariant), the same source on every
//! thread; [`quanta::Clock::delta_as_nanos`] turns two of them into nanoseconds.

use alphapulse_feeds::live::{Failure, Net, WsIn, WsIo};
use alphapulse_feeds::ReplaySink;
use alphapulse_types::{Depth, FeedEventRecord, Msg, Price, Qty};
use std::cell::Cell;
use std::rc::Rc;

/// Stamps set by the network side during one poll (0: not set).
#[derive(Debug, Default)]
pub struct Probe {
    /// A text message was handed to the feed (`next_event` returned it).
    pub delivered: Cell<u64>,
    /// The message's receive stamp on the tokio thread (tokio stack only).
    pub received: Cell<u64>,
}

impl Probe {
    /// Forget the stamps before the next poll.
    pub fn clear(&self) {
        self.delivered.set(0);
        self.received.set(0);
    }
}

/// A sink that stamps the first event of a poll and counts the rest; no allocation per event
/// (state changes go into a buffer reserved up front; past it they are only counted).
pub struct StampSink {
    clock: quanta::Clock,
    /// Raw stamp of the first `emit`/`emit_depth` since [`StampSink::clear`] (0: none).
    pub first_emit: u64,
    /// Events received (messages and depth updates).
    pub emitted: u64,
    /// The feed's state changes, with the raw stamp of their arrival at the sink.
    pub events: Vec<(u64, FeedEventRecord)>,
    /// State changes not kept (the buffer was full).
    pub events_lost: u64,
}

impl StampSink {
    /// A sink stamping with `clock`, keeping up to `events` state changes.
    pub fn new(clock: quanta::Clock, events: usize) -> StampSink {
        StampSink { clock, first_emit: 0, emitted: 0, events: Vec::with_capacity(events), events_lost: 0 }
    }
    /// Forget the first-event stamp before the next poll.
    #[inline]
    pub fn clear(&mut self) {
        self.first_emit = 0;
    }
    #[inline]
    fn stamp(&mut self) {
        if self.first_emit == 0 {
            self.first_emit = self.clock.raw();
        }
        self.emitted += 1;
    }
}

impl ReplaySink for StampSink {
    #[inline]
    fn emit(&mut self, msg: Msg) {
        std::hint::black_box(&msg);
        self.stamp();
    }
    #[inline]
    fn emit_depth(&mut self, d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        std::hint::black_box((&d, bids, asks));
        self.stamp();
    }
    fn journal(&mut self, msg: Msg) {
        if let Msg::FeedEvent(e) = msg {
            if self.events.len() < self.events.capacity() {
                self.events.push((self.clock.raw(), e));
            } else {
                self.events_lost += 1;
            }
        }
    }
}

/// Any [`Net`] whose connections stamp [`Probe::delivered`] when they hand a text message over.
pub struct StampNet<N> {
    pub inner: N,
    pub probe: Rc<Probe>,
    pub clock: quanta::Clock,
}

/// A connection of [`StampNet`].
pub struct StampWs<W> {
    inner: W,
    probe: Rc<Probe>,
    clock: quanta::Clock,
}

impl<W: WsIo> WsIo for StampWs<W> {
    #[inline]
    fn next_event(&mut self) -> Result<Option<WsIn<'_>>, Failure> {
        let ev = self.inner.next_event()?;
        if let Some(WsIn::Text(_)) = &ev {
            self.probe.delivered.set(self.clock.raw());
        }
        Ok(ev)
    }
    fn send_text(&mut self, msg: &[u8]) -> Result<(), Failure> {
        self.inner.send_text(msg)
    }
    fn send_pong(&mut self, payload: &[u8]) -> Result<(), Failure> {
        self.inner.send_pong(payload)
    }
    fn close(&mut self) {
        self.inner.close();
    }
}

impl<N: Net> Net for StampNet<N> {
    type Ws = StampWs<N::Ws>;
    type Http = N::Http;
    fn connect(&mut self, path_and_query: &str) -> Result<Self::Ws, Failure> {
        let inner = self.inner.connect(path_and_query)?;
        Ok(StampWs { inner, probe: self.probe.clone(), clock: self.clock.clone() })
    }
    fn get(&mut self, path_and_query: &str) -> Result<Self::Http, Failure> {
        self.inner.get(path_and_query)
    }
}
