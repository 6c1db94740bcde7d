//! The control plane end to end: requests reach the actor they name on its thread while the chain
//! runs, rows and the final status come back, the board counts, an ended thread says so.

use alphapulse_runtime::control::request;
use alphapulse_runtime::{
    control_plane, run_controlled, threads_of, Actor, Clock, ClockKind, ControlError, Ctx, Kinds,
    PlacementConfig, Poll, Replies, Source,
};
use alphapulse_types::{CtlOp, CtlReq, CtlRow, CtlStatus, EndOfStream, Msg, Trade};
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Sends `n` trades, then idles until stopped (a live source), then ends.
struct Feed {
    sent: u64,
    n: u64,
    stop: Arc<AtomicBool>,
}
impl Actor for Feed {
    fn name(&self) -> &'static str {
        "feed"
    }
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }
    fn handle(&mut self, _: &Msg, _: &mut Ctx<'_>) {}
    fn source(&mut self) -> Option<&mut dyn Source> {
        Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
impl Source for Feed {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.sent < self.n {
            self.sent += 1;
            ctx.down(Msg::Trade(Trade { local_ts: self.sent, ..Default::default() }));
            return Poll::Busy;
        }
        if self.stop.load(Ordering::Relaxed) {
            ctx.down(Msg::Eos(EndOfStream { ts: self.sent }));
            return Poll::Done;
        }
        Poll::Idle
    }
}

/// Counts trades; answers `Limits` with one row per trade seen (at most 3) and fails `SetLimit`
/// on negative values.
#[derive(Default)]
struct Sink {
    trades: u64,
    limit: i64,
}
impl Actor for Sink {
    fn name(&self) -> &'static str {
        "sink"
    }
    fn handles(&self) -> Kinds {
        Kinds::TRADE | Kinds::EOS
    }
    fn handle(&mut self, m: &Msg, _: &mut Ctx<'_>) {
        if matches!(m, Msg::Trade(_)) {
            self.trades += 1;
        }
    }
    fn control(&mut self, req: &CtlReq, _ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        match req.op {
            CtlOp::Limits => {
                for i in 0..self.trades.min(3) {
                    out.row(CtlRow::Limit { index: i as u16, value: self.limit }, "limit");
                }
                CtlStatus::Ok
            }
            CtlOp::SetLimit if req.value < 0 => out.fail("must be ≥ 0"),
            CtlOp::SetLimit => {
                self.limit = req.value;
                CtlStatus::Ok
            }
            _ => CtlStatus::Unsupported,
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn chain(stop: &Arc<AtomicBool>, split: bool) -> (Vec<Box<dyn Actor>>, alphapulse_runtime::Placement) {
    let names = ["feed", "sink"];
    let cfg = if split { PlacementConfig::two_threads(&names, 1) } else { PlacementConfig::one_thread() };
    let actors: Vec<Box<dyn Actor>> =
        vec![Box::new(Feed { sent: 0, n: 10_000, stop: stop.clone() }), Box::new(Sink::default())];
    (actors, cfg.resolve(&names).unwrap())
}

#[test]
fn commands_reach_the_named_actor_while_the_chain_runs_in_every_placement() {
    for split in [false, true] {
        let stop = Arc::new(AtomicBool::new(false));
        let (actors, placement) = chain(&stop, split);
        let (mut port, plane) = control_plane(&["feed", "sink"], &threads_of(&placement));
        let run_stop = Arc::new(AtomicBool::new(false));
        let rs = run_stop.clone();
        let runner = std::thread::spawn(move || {
            run_controlled(actors, &placement, rs, None, Clock::new(ClockKind::Event), plane).unwrap()
        });
        let t = Duration::from_secs(10);
        let sink = port.position("sink").unwrap();
        // Set, then read back: the rows carry the value the actor applied.
        let mut set = request(CtlOp::SetLimit, sink);
        set.value = 42;
        assert_eq!(port.ask(set, t).unwrap().status, CtlStatus::Ok);
        let a = port.ask(request(CtlOp::Limits, sink), t).unwrap();
        assert_eq!(a.status, CtlStatus::Ok);
        assert!(a
            .rows
            .iter()
            .all(|(r, text)| matches!(r, CtlRow::Limit { value: 42, .. }) && text == "limit"));
        set.value = -1;
        let a = port.ask(set, t).unwrap();
        assert_eq!((a.status, a.text.as_str()), (CtlStatus::Failed, "must be ≥ 0"));
        // The feed takes no commands.
        let a = port.ask(request(CtlOp::Halt, port.position("feed").unwrap()), t).unwrap();
        assert_eq!(a.status, CtlStatus::Unsupported);
        assert_eq!(port.ask(request(CtlOp::Halt, 7), t), Err(ControlError::NoSuchActor(7)));
        // Once the feed idles, the board shows every trade handled.
        let board = port.board().clone();
        let deadline = std::time::Instant::now() + t;
        while board.actor(sink).0 < 10_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(board.actor(sink).0, 10_000, "split={split}");
        assert_eq!(board.actor(sink).1, 10_000, "the sink's event time is the last trade's");
        stop.store(true, Ordering::Relaxed);
        let out = runner.join().unwrap();
        assert_eq!(out.actor::<Sink>().unwrap().limit, 42);
        assert!(board.all_done());
        // The run is over: asking says so instead of waiting.
        assert_eq!(port.ask(request(CtlOp::Limits, sink), t), Err(ControlError::Ended("sink")));
    }
}

#[test]
fn a_plane_made_for_another_chain_is_refused() {
    let stop = Arc::new(AtomicBool::new(true));
    let (actors, placement) = chain(&stop, true);
    let (_port, plane) = control_plane(&["feed", "sink"], &[0, 0]);
    let e =
        run_controlled(actors, &placement, stop, None, Clock::new(ClockKind::Event), plane).err().unwrap();
    assert!(e.to_string().contains("control plane"), "{e}");
}
