//! The engine side of the control socket: what each operator command does to a running chain.
//!
//! An [`Operator`] lives on the control thread with the operator's ends of the runtime's control
//! rings ([`ControlPort`]). Commands that change state go to the hot actors they concern through
//! those rings and are answered once each actor has applied them (`halt`: the strategy host stops
//! intents, risk refuses every order, the router refuses approved decisions and cancels every
//! working order, asked again until none is left). Reads come from the actor that owns the
//! figures (`positions` and `limits` from risk, `orders` from the router, `strategies` from the
//! strategy host), answered between two messages; `status` reads only what the hot threads
//! publish (the runtime's board, the live feed's status) and `latency` the journal. Every
//! command, its peer and its outcome is journaled ([`audit`]).
//!
//! - [`health`]: the health state machine `status` reports;
//! - [`latency`]: per-hop percentiles from the journal;
//! - [`audit`]: the `control` journal stream;
//! - [`serve`]: the operator behind the control socket (`alphapulse_control`'s handler).

pub mod audit;
pub mod health;
pub mod latency;
mod ops;
pub mod serve;

use crate::stage::Stage;
use alphapulse_feeds::live::LiveStatus;
use alphapulse_runtime::{
    control_plane, run_controlled, threads_of, Actor, Answer, Clock, ControlError, ControlPort, JournalSpec,
    Placement, RunOutput,
};
use alphapulse_types::{
    CommandOutcome, CommandRecord, CtlOp, CtlReq, CtlStatus, InstrumentId, OperatorCommand,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use ops::Op;

/// Who sent a command: the peer's uid (SO_PEERCRED) and level (0 none, 1 read-only, 2 operator,
/// 3 admin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub level: u8,
}

/// Why a command did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OpError {
    /// `Failed` (a bad value, an actor said no) or `Unavailable` (no answer, the run ended).
    pub outcome: CommandOutcome,
    pub message: String,
}

impl OpError {
    fn failed(message: impl Into<String>) -> Self {
        OpError { outcome: CommandOutcome::Failed, message: message.into() }
    }
}

impl From<ControlError> for OpError {
    fn from(e: ControlError) -> Self {
        OpError { outcome: CommandOutcome::Unavailable, message: e.to_string() }
    }
}

/// How a run is steered: what the control thread does with its [`Operator`], and what the
/// replay does so that an operator can steer it (pace, hold at the end).
pub struct ControlRun {
    /// Backtests: replay at N× the capture's pace instead of as fast as possible.
    pub pace: Option<f64>,
    /// Backtests: at the end of the data, hold end-of-stream back until this flag is raised.
    pub hold: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// How long to wait for an actor's answer.
    pub timeout: Duration,
    /// A live feed with no frame for this long is reported stale.
    pub stale_after: Duration,
    /// Runs on the control thread (`ap-control`) with the run's operator; returns once
    /// [`Operator::run_ended`] or `stop` is raised.
    pub serve: Box<dyn FnOnce(Operator) + Send>,
    /// Raised when the run has ended (for a `serve` that waits on a flag).
    pub stop: Option<Arc<std::sync::atomic::AtomicBool>>,
}

/// Start the control thread of a run: `control.serve` with an operator over `port`.
pub fn start(
    port: ControlPort,
    info: RunInfo,
    control: ControlRun,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let op = Operator::new(port, info, control.timeout)?;
    let serve = control.serve;
    Ok(std::thread::Builder::new().name("ap-control".into()).spawn(move || serve(op))?)
}

/// Run `actors` under `placement` with a control plane, the control thread serving `control`
/// meanwhile; the control thread is joined before this returns.
pub fn run_steered(
    actors: Vec<Stage>,
    placement: &Placement,
    journal: Option<&JournalSpec>,
    info: RunInfo,
    control: ControlRun,
) -> anyhow::Result<RunOutput<Stage>> {
    let names: Vec<&'static str> = actors.iter().map(|a| a.name()).collect();
    let (port, plane) = control_plane(&names, &threads_of(placement));
    let board = plane.board().clone();
    let stop = control.stop.clone();
    let thread = start(port, info, control)?;
    let out =
        run_controlled(actors, placement, Default::default(), journal, Clock::new(placement.clock), plane);
    // Every thread marks itself done as it ends; a run refused before its threads started has
    // none to do so.
    for t in &board.threads {
        t.done.store(true, std::sync::atomic::Ordering::Release);
    }
    if let Some(s) = stop {
        s.store(true, std::sync::atomic::Ordering::Release);
    }
    if thread.join().is_err() {
        eprintln!("warning: the control thread panicked");
    }
    Ok(out?)
}

/// What the operator knows of the run besides the rings.
pub struct RunInfo {
    /// Instrument symbols by id.
    pub symbols: Vec<String>,
    /// The live feed's status (paper trading), none in a backtest.
    pub live: Option<Arc<LiveStatus>>,
    /// Messages per ring between threads.
    pub ring_capacity: usize,
    /// `"event"` or `"tsc"`.
    pub clock: &'static str,
    /// The run's journal folder, if journaled.
    pub journal: Option<std::path::PathBuf>,
    /// Risk starts halted (`[risk] halted`).
    pub halted: bool,
    /// A live feed with no frame for this long is stale.
    pub stale_after: Duration,
    /// `strategies load`: the strategy host's loader ring, the instruments and the `[strategy]`
    /// config (weights) a loaded plugin is made with. None: this run cannot load strategies.
    pub loader: Option<Loader>,
}

/// What `strategies load` needs (see [`RunInfo::loader`]).
pub struct Loader {
    pub ring: rtrb::Producer<alphapulse_strategy::NewStrategy>,
    pub table: alphapulse_types::InstrumentTable,
    pub strategy: alphapulse_strategy::StrategyConfig,
}

impl Loader {
    /// The loader of the strategy host among `actors` (start-up: call before the run).
    pub fn of(
        actors: &mut [Stage],
        table: &alphapulse_types::InstrumentTable,
        cfg: &crate::config::Config,
    ) -> Option<Loader> {
        actors.iter_mut().find_map(|a| match a {
            Stage::Strategy(h) => {
                Some(Loader { ring: h.loader(), table: table.clone(), strategy: cfg.strategy.clone() })
            }
            _ => None,
        })
    }
}

/// The control thread's side of a run; see the module docs.
pub struct Operator {
    pub(crate) port: ControlPort,
    pub(crate) info: RunInfo,
    pub(crate) timeout: Duration,
    pub(crate) audit: audit::Audit,
    pub(crate) latency: latency::Latency,
    pub(crate) seq: u64,
    pub(crate) halted: bool,
    pub(crate) was_synced: bool,
    pub(crate) unanswered: Option<String>,
    pub(crate) started: Instant,
    /// Commands answered, by outcome (indexed by `CommandOutcome as usize`).
    pub(crate) outcomes: [u64; 6],
}

impl Operator {
    /// The operator of a run whose rings are `port`, waiting up to `timeout` for each actor's
    /// answer; commands are journaled into `info.journal`'s `control` stream.
    pub fn new(port: ControlPort, info: RunInfo, timeout: Duration) -> anyhow::Result<Operator> {
        let audit = audit::Audit::open(info.journal.as_deref())?;
        let latency = latency::Latency::new(info.journal.as_deref());
        Ok(Operator {
            port,
            timeout,
            audit,
            latency,
            seq: 0,
            halted: info.halted,
            was_synced: false,
            unanswered: None,
            started: Instant::now(),
            outcomes: [0; 6],
            info,
        })
    }

    /// Apply `op` for `peer`, journal it with its outcome, and return the result.
    pub fn apply(&mut self, peer: Peer, op: &Op) -> Result<serde_json::Value, OpError> {
        let (result, count) = match self.run(op) {
            Ok((v, n)) => (Ok(v), n),
            Err(e) => (Err(e), 0),
        };
        let outcome = result.as_ref().map_or_else(|e| e.outcome, |_| CommandOutcome::Ok);
        let (index, inst, value) = self.args_of(op);
        self.record(peer, op.command(), outcome, index, inst, value, count);
        result
    }

    /// Journal a command that never reached [`Operator::apply`]: refused for the peer's level,
    /// unknown or malformed (the socket server answers those itself).
    pub fn record_refused(&mut self, peer: Peer, command: OperatorCommand, outcome: CommandOutcome) {
        self.record(peer, command, outcome, 0, alphapulse_types::ALL_INSTRUMENTS, 0, 0);
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        peer: Peer,
        command: OperatorCommand,
        outcome: CommandOutcome,
        index: u16,
        inst: InstrumentId,
        value: i64,
        result: u64,
    ) {
        self.seq += 1;
        self.outcomes[outcome as usize] += 1;
        // What changes the engine's state, and every refusal or failure, is msynced at once;
        // reads that went well are journaled without (a status poll is not evidence).
        let reads = matches!(
            command,
            OperatorCommand::Status
                | OperatorCommand::Help
                | OperatorCommand::Limits
                | OperatorCommand::Positions
                | OperatorCommand::Orders
                | OperatorCommand::Pnl
                | OperatorCommand::Latency
                | OperatorCommand::StrategiesList
        );
        let flush = !(reads && outcome == CommandOutcome::Ok);
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        self.audit.record(
            CommandRecord {
                ts,
                seq: self.seq,
                value,
                result,
                uid: peer.uid,
                inst,
                index,
                command,
                outcome,
                level: peer.level,
                _pad: [0; 3],
            },
            flush,
        );
    }

    /// Ask the actor named `actor` (`strategy`, `risk`, `router`).
    pub(crate) fn ask(&mut self, actor: &str, req: CtlReq) -> Result<Answer, OpError> {
        let i =
            self.port.position(actor).ok_or_else(|| OpError::failed(format!("this run has no `{actor}`")))?;
        let answer = self.port.ask(CtlReq { actor: i as u16, ..req }, self.timeout).inspect_err(|e| {
            if matches!(e, ControlError::Timeout { .. }) {
                self.unanswered = Some(actor.to_string());
            }
        })?;
        self.unanswered = None;
        match answer.status {
            CtlStatus::Ok => Ok(answer),
            CtlStatus::Failed => Err(OpError::failed(answer.text)),
            CtlStatus::Unsupported => Err(OpError::failed(format!("`{actor}` does not take {:?}", req.op))),
        }
    }

    /// `op` to each actor of `actors` at once (applied in order in one turn of their thread when
    /// they share one); every answer, or the first failure.
    pub(crate) fn ask_all(&mut self, actors: &[&str], op: CtlOp) -> Result<Vec<Answer>, OpError> {
        let mut reqs = Vec::with_capacity(actors.len());
        for a in actors {
            let i = self.port.position(a).ok_or_else(|| OpError::failed(format!("this run has no `{a}`")))?;
            reqs.push(CtlReq::new(0, op, i as u16));
        }
        let answers = self.port.ask_many(&reqs, self.timeout).inspect_err(|e| {
            if let ControlError::Timeout { actor, .. } = e {
                self.unanswered = Some(actor.to_string());
            }
        })?;
        self.unanswered = None;
        for (a, name) in answers.iter().zip(actors) {
            match a.status {
                CtlStatus::Ok => {}
                CtlStatus::Failed => return Err(OpError::failed(format!("{name}: {}", a.text))),
                CtlStatus::Unsupported => {
                    return Err(OpError::failed(format!("`{name}` does not take {op:?}")))
                }
            }
        }
        Ok(answers)
    }

    /// [`Operator::ask`] with a plain request for `op`.
    pub(crate) fn ask_op(&mut self, actor: &str, op: CtlOp) -> Result<Answer, OpError> {
        self.ask(actor, CtlReq::new(0, op, 0))
    }

    /// The instrument called `symbol` (any case).
    pub(crate) fn instrument(&self, symbol: &str) -> Result<InstrumentId, OpError> {
        let s = symbol.to_ascii_uppercase();
        self.info.symbols.iter().position(|x| *x == s).map(|i| InstrumentId(i as u32)).ok_or_else(|| {
            OpError::failed(format!(
                "unknown symbol `{symbol}` (this run trades {})",
                self.info.symbols.join(", ")
            ))
        })
    }

    /// The symbol of an instrument id.
    pub(crate) fn symbol(&self, inst: InstrumentId) -> String {
        self.info.symbols.get(inst.index()).cloned().unwrap_or_else(|| format!("#{}", inst.0))
    }

    /// The control stream's counters: (written, failed, first error).
    pub fn audit_stats(&self) -> (u64, u64, Option<&str>) {
        (self.audit.written, self.audit.failed, self.audit.first_error.as_deref())
    }

    /// True once every thread of the run has ended (the control thread may stop serving).
    pub fn run_ended(&self) -> bool {
        self.port.board().all_done()
    }

    /// Close the control stream (also on drop).
    pub fn close(&mut self) {
        self.audit.close();
    }
}
