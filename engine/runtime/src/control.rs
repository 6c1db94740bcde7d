//! The control plane's rings and counters: how an operator's command reaches a hot actor without
//! touching the chain's message rings, and how `status` reads a running chain without asking it.
//!
//! [`control_plane`] makes, per thread, a ring of [`CtlReq`] (control thread → hot thread) and a
//! ring of [`CtlReply`] (back), plus a [`Board`] of counters the hot threads publish. The
//! operator's ends ([`ControlPort`]) go to the control thread; the runtime's ends
//! ([`ControlPlane`]) to [`crate::run_controlled`]. A hot thread looks at its request ring every
//! [`CHECK_EVERY`] messages while busy and on every idle turn, hands a request to the actor it
//! names ([`Actor::control`](crate::Actor::control)) with a [`Replies`] to answer into, and goes
//! on. Nothing is allocated on the hot side; a reply ring that is full drops rows and counts them
//! (the final reply says how many), and the final reply always has room: the control thread sends
//! one request per thread at a time and sizes the ring for the longest answer plus one.
//!
//! The [`Board`] holds, per actor, the messages it handled and its event time, and per thread the
//! depth of its inbound ring, whether it finished, its idle turns: published every
//! [`PUBLISH_EVERY`] messages and when idle, with relaxed stores the control thread reads.

use alphapulse_types::{CtlOp, CtlReply, CtlReq, CtlRow, CtlStatus, CtlText};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A busy hot thread looks at its request ring once per this many messages.
pub const CHECK_EVERY: u32 = 64;
/// A busy hot thread publishes its counters once per this many messages.
pub const PUBLISH_EVERY: u32 = 1024;
const _: () = assert!(CHECK_EVERY.is_power_of_two() && PUBLISH_EVERY.is_power_of_two());
/// Requests one thread can have queued.
pub const REQUEST_RING: usize = 16;
/// Rows plus final replies one thread can have queued: the longest answer (an order table, say)
/// is cut there, and the cut counted.
pub const REPLY_RING: usize = 8192;

/// Per-actor counters (see the module docs).
#[derive(Debug, Default)]
pub struct ActorBoard {
    pub handled: AtomicU64,
    /// The actor's event time (ns) at the last publication: the latest event it saw.
    pub event_ts: AtomicU64,
}

/// Per-thread counters.
#[derive(Debug, Default)]
pub struct ThreadBoard {
    /// Messages waiting in the ring from the thread upstream, at the last publication.
    pub inbound_depth: AtomicU64,
    /// Times the thread found nothing to do.
    pub idle_turns: AtomicU64,
    /// Control requests the thread applied.
    pub commands: AtomicU64,
    /// The thread has ended (its actors finished, the run stopped or failed).
    pub done: AtomicBool,
}

/// Counters every hot thread publishes and anyone may read (relaxed: each is a fact about the
/// past, not a synchronisation point).
#[derive(Debug)]
pub struct Board {
    pub names: Vec<&'static str>,
    /// The thread of each actor.
    pub thread_of: Vec<usize>,
    pub actors: Vec<ActorBoard>,
    pub threads: Vec<ThreadBoard>,
}

impl Board {
    /// An actor's (handled, event time).
    pub fn actor(&self, i: usize) -> (u64, u64) {
        let a = &self.actors[i];
        (a.handled.load(Ordering::Relaxed), a.event_ts.load(Ordering::Relaxed))
    }
    /// True once every thread has ended.
    pub fn all_done(&self) -> bool {
        self.threads.iter().all(|t| t.done.load(Ordering::Acquire))
    }
}

/// The runtime's ends of one thread's rings.
pub(crate) struct ThreadControl {
    pub(crate) requests: rtrb::Consumer<CtlReq>,
    pub(crate) replies: rtrb::Producer<CtlReply>,
}

/// The runtime's ends, one per thread, and the board: give them to [`crate::run_controlled`].
pub struct ControlPlane {
    pub(crate) threads: Vec<Option<ThreadControl>>,
    pub(crate) board: Arc<Board>,
}

/// Why a command got no answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    #[error("no actor at chain position {0}")]
    NoSuchActor(usize),
    #[error("the thread of `{0}` has ended")]
    Ended(&'static str),
    #[error("`{actor}` did not answer within {waited_ms} ms")]
    Timeout { actor: &'static str, waited_ms: u64 },
    #[error("the request ring of `{0}`'s thread is full")]
    Busy(&'static str),
}

/// An actor's whole answer to one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// Rows with their text (a strategy's name, say).
    pub rows: Vec<(CtlRow, String)>,
    pub status: CtlStatus,
    /// The reason of a `Failed` status.
    pub text: String,
    /// Rows that did not fit the reply ring.
    pub lost: u32,
    /// The actor's time when it applied the command (see `CtlReply::at`).
    pub at: u64,
}

/// The operator's ends: send a request to an actor and wait for its answer. Lives on the control
/// thread (it may block there; never on a hot thread).
pub struct ControlPort {
    requests: Vec<rtrb::Producer<CtlReq>>,
    replies: Vec<rtrb::Consumer<CtlReply>>,
    board: Arc<Board>,
    seq: u64,
}

/// The rings and board for a chain of `names` placed on threads by `thread_of` (one entry per
/// actor).
pub fn control_plane(names: &[&'static str], thread_of: &[usize]) -> (ControlPort, ControlPlane) {
    let n_threads = thread_of.iter().max().map_or(1, |t| t + 1);
    let board = Arc::new(Board {
        names: names.to_vec(),
        thread_of: thread_of.to_vec(),
        actors: names.iter().map(|_| ActorBoard::default()).collect(),
        threads: (0..n_threads).map(|_| ThreadBoard::default()).collect(),
    });
    let (mut req_p, mut req_c, mut rep_p, mut rep_c) = (vec![], vec![], vec![], vec![]);
    for _ in 0..n_threads {
        let (p, c) = rtrb::RingBuffer::new(REQUEST_RING);
        req_p.push(p);
        req_c.push(c);
        let (p, c) = rtrb::RingBuffer::new(REPLY_RING);
        rep_p.push(p);
        rep_c.push(c);
    }
    let threads = req_c
        .into_iter()
        .zip(rep_p)
        .map(|(requests, replies)| Some(ThreadControl { requests, replies }))
        .collect();
    let port = ControlPort { requests: req_p, replies: rep_c, board: board.clone(), seq: 0 };
    (port, ControlPlane { threads, board })
}

impl ControlPlane {
    /// The board the hot threads publish to.
    pub fn board(&self) -> &Arc<Board> {
        &self.board
    }
}

impl ControlPort {
    /// The counters the hot threads publish.
    pub fn board(&self) -> &Arc<Board> {
        &self.board
    }

    /// The chain's actor names, in order.
    pub fn names(&self) -> &[&'static str] {
        &self.board.names
    }

    /// The position of the actor named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.board.names.iter().position(|n| *n == name)
    }

    /// Send `req` (its `seq` is set here) to the actor at `req.actor` and wait up to `timeout` for
    /// its final reply, collecting the rows before it.
    pub fn ask(&mut self, req: CtlReq, timeout: Duration) -> Result<Answer, ControlError> {
        let mut answers = self.ask_many(&[req], timeout)?;
        Ok(answers.pop().unwrap_or_default())
    }

    /// Send every request of `reqs` at once and wait up to `timeout` for all their answers (in
    /// the order of `reqs`). Requests for actors of one thread are applied in order in one turn of
    /// that thread, between two messages (`halt` reaches the strategy host, risk and the router
    /// that way); at most [`REQUEST_RING`] per thread.
    pub fn ask_many(&mut self, reqs: &[CtlReq], timeout: Duration) -> Result<Vec<Answer>, ControlError> {
        let mut sent = Vec::with_capacity(reqs.len());
        for r in reqs {
            let i = r.actor as usize;
            let name = *self.board.names.get(i).ok_or(ControlError::NoSuchActor(i))?;
            let t = self.board.thread_of[i];
            if self.board.threads[t].done.load(Ordering::Acquire) {
                return Err(ControlError::Ended(name));
            }
            sent.push((name, t));
        }
        // Replies to requests that timed out earlier are dropped here.
        for &(_, t) in &sent {
            while self.replies[t].pop().is_ok() {}
        }
        let first = self.seq + 1;
        for (r, &(name, t)) in reqs.iter().zip(&sent) {
            self.seq += 1;
            self.requests[t].push(CtlReq { seq: self.seq, ..*r }).map_err(|_| ControlError::Busy(name))?;
        }
        let mut answers = vec![Answer::default(); reqs.len()];
        let mut done = vec![false; reqs.len()];
        let start = Instant::now();
        let mut idle = 0u32;
        while done.iter().any(|d| !d) {
            let mut got = false;
            for &(_, t) in &sent {
                while let Ok(r) = self.replies[t].pop() {
                    got = true;
                    let Some(k) = r.seq.checked_sub(first).map(|k| k as usize).filter(|&k| k < answers.len())
                    else {
                        continue; // an answer to an earlier request that timed out
                    };
                    let a = &mut answers[k];
                    if r.last {
                        (a.status, a.text, a.lost, a.at) =
                            (r.status, r.text.as_str().to_string(), r.lost, r.at);
                        done[k] = true;
                    } else {
                        a.rows.push((r.row, r.text.as_str().to_string()));
                    }
                }
            }
            if got {
                idle = 0;
                continue;
            }
            let pending = || sent.iter().zip(&done).filter(|(_, d)| !**d).map(|(s, _)| *s);
            if let Some((name, _)) =
                pending().find(|&(_, t)| self.board.threads[t].done.load(Ordering::Acquire))
            {
                return Err(ControlError::Ended(name));
            }
            if start.elapsed() >= timeout {
                let name = pending().next().map_or("?", |s| s.0);
                return Err(ControlError::Timeout { actor: name, waited_ms: timeout.as_millis() as u64 });
            }
            // A hot thread answers between two messages: yield first (microseconds), then sleep.
            idle += 1;
            if idle < 200 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(Duration::from_micros(50));
            }
        }
        Ok(answers)
    }
}

/// Where an actor answers a request: rows, then the runtime sends the final reply with the status
/// the actor returns.
pub struct Replies<'a> {
    seq: u64,
    actor: u16,
    ring: &'a mut rtrb::Producer<CtlReply>,
    lost: u32,
    text: CtlText,
}

impl<'a> Replies<'a> {
    pub(crate) fn new(req: &CtlReq, ring: &'a mut rtrb::Producer<CtlReply>) -> Self {
        Replies { seq: req.seq, actor: req.actor, ring, lost: 0, text: CtlText::default() }
    }

    /// One row of the answer, with a name. Keeps one slot free for the final reply; a row that
    /// does not fit is counted.
    pub fn row(&mut self, row: CtlRow, text: &str) {
        if self.ring.slots() <= 1 {
            self.lost += 1;
            return;
        }
        let r = CtlReply {
            seq: self.seq,
            actor: self.actor,
            row,
            text: CtlText::new(text),
            ..Default::default()
        };
        let _ = self.ring.push(r);
    }

    /// Fail the command with `reason` (returns the status to return).
    pub fn fail(&mut self, reason: &str) -> CtlStatus {
        debug_assert!(
            reason.len() <= alphapulse_types::CTL_TEXT,
            "reason cut to {} bytes: {reason}",
            alphapulse_types::CTL_TEXT
        );
        self.text = CtlText::new(reason);
        CtlStatus::Failed
    }

    pub(crate) fn finish(self, status: CtlStatus, at: u64) {
        let r = CtlReply {
            seq: self.seq,
            actor: self.actor,
            last: true,
            status,
            lost: self.lost,
            at,
            row: CtlRow::None,
            text: self.text,
        };
        // The control thread asks one thing at a time per thread and keeps a slot for this.
        let _ = self.ring.push(r);
    }
}

/// Run `f` with a [`Replies`] for `req` over a ring of its own and collect the answer (tests,
/// start-up code: it allocates).
pub(crate) fn answer_of(req: &CtlReq, at: u64, f: impl FnOnce(&mut Replies<'_>) -> CtlStatus) -> Answer {
    let (mut p, mut c) = rtrb::RingBuffer::new(REPLY_RING);
    let mut replies = Replies::new(req, &mut p);
    let status = f(&mut replies);
    replies.finish(status, at);
    let mut answer = Answer::default();
    while let Ok(r) = c.pop() {
        if r.last {
            answer.status = r.status;
            answer.text = r.text.as_str().to_string();
            answer.lost = r.lost;
            answer.at = r.at;
        } else {
            answer.rows.push((r.row, r.text.as_str().to_string()));
        }
    }
    answer
}

/// A request for the actor at position `actor`.
pub fn request(op: CtlOp, actor: usize) -> CtlReq {
    CtlReq::new(0, op, actor as u16)
}
