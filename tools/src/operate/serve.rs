//! The [`Operator`] behind the control socket (`alphapulse_control`): the socket server's
//! [`Handler`], and the [`ControlRun`] that binds the socket before a run starts and serves it on
//! the control thread until the run ends.

use super::{ControlRun, Op, OpError, Operator, Peer as OpPeer};
use alphapulse_control::{
    Audit, Command, CommandError, ControlConfig, ControlServer, Counters, ErrorKind, Handler, Level, Peer,
};
use alphapulse_types::{CommandOutcome, OperatorCommand};
use serde_json::Value;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// The operator as the socket server's handler, with the server's counters for `status`.
pub struct Served {
    pub op: Operator,
    counters: Arc<Counters>,
}

fn level_of(l: Option<Level>) -> u8 {
    match l {
        None => 0,
        Some(Level::ReadOnly) => 1,
        Some(Level::Operator) => 2,
        Some(Level::Admin) => 3,
    }
}

fn peer_of(p: &Peer) -> OpPeer {
    OpPeer { uid: p.uid, level: level_of(p.level) }
}

/// The operator's command for a parsed socket command (`help` is the server's own).
pub fn op_of(c: &Command) -> Option<Op> {
    Some(match c {
        Command::Help => return None,
        Command::Status => Op::Status,
        Command::Limits => Op::Limits,
        Command::Positions => Op::Positions,
        Command::Orders => Op::Orders,
        Command::Pnl => Op::Pnl,
        Command::Latency => Op::Latency,
        Command::StrategiesList => Op::StrategiesList,
        Command::Halt => Op::Halt,
        Command::Resume => Op::Resume,
        Command::Flatten => Op::Flatten,
        Command::CancelAll { symbol } => Op::CancelAll(symbol.clone()),
        Command::StrategiesEnable { name } => Op::StrategyEnable(name.clone()),
        Command::StrategiesDisable { name } => Op::StrategyDisable(name.clone()),
        Command::SetLimit { name, value } => Op::SetLimit { name: name.clone(), value: value.clone() },
        Command::StrategiesLoad { path } => Op::StrategyLoad(path.clone()),
        Command::StrategiesSet { name, key, value } => {
            Op::StrategySet { name: name.clone(), key: key.clone(), value: value.clone() }
        }
    })
}

impl From<OpError> for CommandError {
    fn from(e: OpError) -> Self {
        match e.outcome {
            CommandOutcome::Unavailable => CommandError::unavailable(e.message),
            _ => CommandError::failed(e.message),
        }
    }
}

impl Handler for Served {
    fn handle(&mut self, peer: &Peer, command: &Command) -> Result<Value, CommandError> {
        let op = op_of(command).ok_or_else(|| CommandError::failed("`help` is answered by the server"))?;
        let mut v = self.op.apply(peer_of(peer), &op)?;
        if op == Op::Status {
            if let Some(c) = v.get_mut("control").and_then(Value::as_object_mut) {
                let s = serde_json::to_value(self.counters.snapshot()).unwrap_or_default();
                if let Some(s) = s.as_object() {
                    c.extend(s.clone());
                }
            }
        }
        Ok(v)
    }

    /// Requests the server answered itself (`help`, refusals, malformed or unknown ones, line
    /// timeouts) are journaled here; the others were journaled by [`Operator::apply`].
    fn audit(&mut self, a: &Audit<'_>) {
        let command = a
            .command
            .map_or(OperatorCommand::Unknown, |c| op_of(c).map_or(OperatorCommand::Help, |o| o.command()));
        let outcome = match a.response.error.as_ref().map(|e| e.kind) {
            None if command == OperatorCommand::Help => CommandOutcome::Ok,
            Some(ErrorKind::Refused) => CommandOutcome::Refused,
            Some(ErrorKind::BadRequest | ErrorKind::TooLarge | ErrorKind::Timeout) => {
                CommandOutcome::BadRequest
            }
            Some(ErrorKind::UnknownCommand) => CommandOutcome::UnknownCommand,
            Some(ErrorKind::Unavailable) if a.command.is_none() => CommandOutcome::Unavailable,
            // Answered by the handler: journaled by `apply`.
            _ => return,
        };
        self.op.record_refused(peer_of(a.peer), command, outcome);
    }
}

/// Bind the control socket of `cfg` now (so a bad path or a live engine on it stops the run
/// before it starts) and return the [`ControlRun`] that serves it while the run lasts; `stop` is
/// raised by the run when it ends.
pub fn socket_control(
    cfg: &ControlConfig,
    pace: Option<f64>,
    hold: Option<Arc<AtomicBool>>,
    stale_after: Duration,
) -> anyhow::Result<(ControlRun, std::path::PathBuf)> {
    let mut server = ControlServer::bind(cfg)?;
    let path = cfg.socket_path();
    let counters = server.counters();
    let stop = Arc::new(AtomicBool::new(false));
    let run_stop = stop.clone();
    let serve = Box::new(move |op: Operator| {
        let mut served = Served { op, counters };
        if let Err(e) = server.run(&mut served, &stop) {
            eprintln!("error: the control socket stopped: {e}");
        }
        served.op.close();
        // The server removes its socket file when dropped, here.
    });
    let control = ControlRun {
        pace,
        hold,
        timeout: Duration::from_millis(cfg.ack_timeout_ms),
        stale_after,
        serve,
        stop: Some(run_stop),
    };
    Ok((control, path))
}
