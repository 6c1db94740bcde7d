//! [`SlowRunner`]: polls slow agents (on their own threads, or stepped by event time) and
//! publishes on the board. See the module docs of [`crate::slow`].

use super::{SlowAgent, SlowError};
use crate::Board;
use alphapulse_types::InstrumentId;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How the runner polls (`[strategy.slow]`-like settings; the owner of the runner reads them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlowRunnerConfig {
    /// Time between two polls of an agent (wall time live, event time in a backtest).
    pub period_ns: u64,
    /// Nice value of each agent's thread (0 = normal … 19 = lowest); live only.
    pub nice: i32,
}

impl Default for SlowRunnerConfig {
    /// One poll a minute, nice 10 (as the other slow-path threads).
    fn default() -> Self {
        SlowRunnerConfig { period_ns: 60_000_000_000, nice: 10 }
    }
}

/// Counters of one slow agent (a snapshot).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlowStats {
    pub name: String,
    /// Polls finished (one asks every instrument).
    pub polls: u64,
    /// Opinions published on the board.
    pub published: u64,
    /// Publications refused by the board (another writer in the slot; none with one runner).
    pub refused: u64,
    /// Opinions dated after the time asked (look-ahead), clamped to it.
    pub clamped: u64,
    /// It panicked: it is never asked again, its last publications age out.
    pub panicked: bool,
    /// Nanoseconds (wall) of the call in progress when it has lasted longer than a period: a
    /// stalled agent. 0 when idle or within its period.
    pub stalled_ns: u64,
    /// Its thread's nice value could not be set (live; it then runs at normal priority).
    pub nice_failed: bool,
}

/// Shared counters of one agent (its thread writes, anyone reads).
#[derive(Default)]
struct State {
    polls: AtomicU64,
    published: AtomicU64,
    refused: AtomicU64,
    clamped: AtomicU64,
    panicked: AtomicBool,
    /// Wall ns since the runner's epoch at which the current call started (0 = not in a call).
    call_since: AtomicU64,
    nice_failed: AtomicBool,
}

struct Member {
    agent: Box<dyn SlowAgent>,
    name: String,
    row: usize,
    state: Arc<State>,
}

/// The runner; see the module docs of [`crate::slow`].
pub struct SlowRunner {
    board: Arc<Board>,
    cfg: SlowRunnerConfig,
    members: Vec<Member>,
    /// Event time of the next stepped poll (backtest).
    next_due: Option<u64>,
    epoch: Instant,
}

impl SlowRunner {
    /// A runner publishing on `board`, with no agents yet.
    pub fn new(board: Arc<Board>, cfg: SlowRunnerConfig) -> Result<SlowRunner, SlowError> {
        if cfg.period_ns == 0 {
            return Err(SlowError::Period);
        }
        if !(0..=19).contains(&cfg.nice) {
            return Err(SlowError::Nice(cfg.nice));
        }
        Ok(SlowRunner { board, cfg, members: Vec::new(), next_due: None, epoch: Instant::now() })
    }

    /// Add `agent`; it publishes in the board's row of its name. Returns that row.
    pub fn add(&mut self, agent: Box<dyn SlowAgent>) -> Result<usize, SlowError> {
        let name = agent.name().to_string();
        let row = self
            .board
            .agent_index(&name)
            .ok_or_else(|| SlowError::NoRow { name: name.clone(), rows: self.board.agents().join(", ") })?;
        if self.members.iter().any(|m| m.row == row) {
            return Err(SlowError::Twice(name));
        }
        self.members.push(Member { agent, name, row, state: Arc::default() });
        Ok(row)
    }

    /// Backtest: poll every agent as of `event_ts` if a period of event time has passed since
    /// the last poll (the first call polls), on the calling thread, in the order added. Returns
    /// the number of opinions published. Deterministic: the same calls publish the same values.
    pub fn step(&mut self, event_ts: u64) -> u64 {
        if self.next_due.is_some_and(|due| event_ts < due) {
            return 0;
        }
        self.next_due = Some(event_ts.saturating_add(self.cfg.period_ns));
        let mut n = 0;
        for m in &mut self.members {
            n += poll(m, &self.board, event_ts, self.epoch);
        }
        n
    }

    /// Counters of every agent, in the order added.
    pub fn stats(&self) -> Vec<SlowStats> {
        self.members.iter().map(|m| snapshot(&m.name, &m.state, self.epoch, self.cfg.period_ns)).collect()
    }

    /// Live: start one thread per agent (named `ap-slow-<name>`, unpinned, at the configured
    /// nice), each polling its agent every `period_ns` of wall time as of the wall clock (Unix ns).
    pub fn spawn(self) -> Result<SlowHandle, SlowError> {
        self.spawn_with_clock(Arc::new(unix_ns))
    }

    /// [`SlowRunner::spawn`] with another clock for "now" (tests; a simulated wall clock).
    pub fn spawn_with_clock(
        self,
        clock: Arc<dyn Fn() -> u64 + Send + Sync>,
    ) -> Result<SlowHandle, SlowError> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut handle = SlowHandle {
            stop: stop.clone(),
            threads: Vec::new(),
            states: Vec::new(),
            epoch: self.epoch,
            period_ns: self.cfg.period_ns,
        };
        for mut m in self.members {
            let (board, stop, clock, cfg, epoch) =
                (self.board.clone(), stop.clone(), clock.clone(), self.cfg, self.epoch);
            let (name, state) = (m.name.clone(), m.state.clone());
            let t = std::thread::Builder::new()
                .name(format!("ap-slow-{name}"))
                .spawn(move || {
                    // Linux applies nice to the calling thread only (every runner thread sets its own).
                    if cfg.nice > 0 && rustix::process::setpriority_process(None, cfg.nice).is_err() {
                        m.state.nice_failed.store(true, Ordering::Relaxed);
                    }
                    while !stop.load(Ordering::Relaxed) && !m.state.panicked.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        poll(&mut m, &board, clock(), epoch);
                        let period = Duration::from_nanos(cfg.period_ns);
                        // Sleep out the period in short naps, so `stop` is seen soon.
                        while !stop.load(Ordering::Relaxed) && started.elapsed() < period {
                            std::thread::sleep((period - started.elapsed().min(period)).min(NAP));
                        }
                    }
                })
                .map_err(|source| SlowError::Spawn { name: name.clone(), source })?;
            handle.threads.push((name.clone(), t));
            handle.states.push((name, state));
        }
        Ok(handle)
    }
}

/// The longest nap of a live agent's thread between two checks of `stop`.
const NAP: Duration = Duration::from_millis(20);

/// Ask `m` about every instrument of the board as of `now`, publishing each answer; a panic is
/// caught, counted, and ends the agent. Returns the number published.
fn poll(m: &mut Member, board: &Board, now: u64, epoch: Instant) -> u64 {
    if m.state.panicked.load(Ordering::Relaxed) {
        return 0;
    }
    let mut n = 0;
    for i in 0..board.instruments() {
        let inst = InstrumentId(i as u32);
        m.state.call_since.store(since(epoch).max(1), Ordering::Relaxed);
        let got = catch_unwind(AssertUnwindSafe(|| m.agent.signal(inst, now)));
        m.state.call_since.store(0, Ordering::Relaxed);
        let Ok(answer) = got else {
            m.state.panicked.store(true, Ordering::Relaxed);
            return n;
        };
        let Some((score, mut ts)) = answer else { continue };
        if ts > now {
            ts = now;
            m.state.clamped.fetch_add(1, Ordering::Relaxed);
        }
        match board.publish(m.row, inst, score, ts) {
            Ok(_) => {
                n += 1;
                m.state.published.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                m.state.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    m.state.polls.fetch_add(1, Ordering::Relaxed);
    n
}

fn since(epoch: Instant) -> u64 {
    epoch.elapsed().as_nanos().min(u64::MAX as u128) as u64
}

fn snapshot(name: &str, s: &State, epoch: Instant, period_ns: u64) -> SlowStats {
    let call = s.call_since.load(Ordering::Relaxed);
    let in_call = if call == 0 { 0 } else { since(epoch).saturating_sub(call) };
    SlowStats {
        name: name.to_string(),
        polls: s.polls.load(Ordering::Relaxed),
        published: s.published.load(Ordering::Relaxed),
        refused: s.refused.load(Ordering::Relaxed),
        clamped: s.clamped.load(Ordering::Relaxed),
        panicked: s.panicked.load(Ordering::Relaxed),
        stalled_ns: if in_call > period_ns { in_call } else { 0 },
        nice_failed: s.nice_failed.load(Ordering::Relaxed),
    }
}

/// Wall clock, Unix ns (0 before 1970).
fn unix_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos().min(u64::MAX as u128) as u64)
}

/// The running agents' threads (see [`SlowRunner::spawn`]). Dropping it asks them to stop and
/// does not wait.
pub struct SlowHandle {
    stop: Arc<AtomicBool>,
    threads: Vec<(String, JoinHandle<()>)>,
    states: Vec<(String, Arc<State>)>,
    epoch: Instant,
    period_ns: u64,
}

/// What [`SlowHandle::stop`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StopReport {
    /// Agents whose thread ended.
    pub stopped: Vec<String>,
    /// Agents whose thread was still in a call when the wait ran out (stalled); left detached.
    pub abandoned: Vec<String>,
}

impl SlowHandle {
    /// Counters of every agent, in the order added.
    pub fn stats(&self) -> Vec<SlowStats> {
        self.states.iter().map(|(n, s)| snapshot(n, s, self.epoch, self.period_ns)).collect()
    }

    /// Ask every thread to stop and wait up to `wait` for them; a thread still running then (an
    /// agent stalled in a call) is left detached and named in the report.
    pub fn stop(mut self, wait: Duration) -> StopReport {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + wait;
        let mut report = StopReport::default();
        for (name, t) in std::mem::take(&mut self.threads) {
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            if t.is_finished() {
                // A panic inside an agent is caught in `poll`: the thread itself ends normally.
                let _ = t.join();
                report.stopped.push(name);
            } else {
                report.abandoned.push(name);
            }
        }
        report
    }
}

impl Drop for SlowHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
