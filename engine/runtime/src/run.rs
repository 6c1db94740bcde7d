//! Wiring and running a chain: create the links, hand each thread its actors, pin, run, join.

use crate::actor::LevelStore;
use crate::control::ControlPlane;
use crate::group::{Flags, Group};
use crate::journal::{self, JournalReport, JournalSpec, Upkeep};
use crate::link::{link, LinkStats};
use crate::wires::{ActorKinds, Locals, Routes, Wires};
use crate::{Actor, Clock, Placement, RuntimeError};
use alphapulse_types::{Kinds, Msg};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counters of one link after a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkReport {
    pub from: &'static str,
    pub to: &'static str,
    pub cross_thread: bool,
    pub stats: LinkStats,
}

/// What a run hands back: the actors (with their final state), link counters, wall time.
pub struct RunOutput<A = Box<dyn Actor>> {
    /// In chain order; downcast with `as_any()` to read their stats.
    pub actors: Vec<A>,
    pub links: Vec<LinkReport>,
    /// Messages sent past either end of the chain (forwarded by convention, dropped there).
    pub dropped_at_ends: u64,
    pub elapsed: Duration,
    /// One per actor, in chain order, when the run was journaled (see [`run_with`]); else empty.
    pub journals: Vec<JournalReport>,
    /// Failed operations of the journal upkeep thread (segment preparation, retention).
    pub journal_upkeep_errors: u64,
    /// The journal's disk filled up: the first "no space" error. The run stopped there if
    /// `on_full` is `Stop`; with `Continue` it went on unjournaled. See [`crate::journal`].
    pub journal_disk_full: Option<String>,
}

impl<A: Actor> RunOutput<A> {
    /// The first actor of concrete type `T`.
    pub fn actor<T: 'static>(&self) -> Option<&T> {
        self.actors.iter().find_map(|a| a.as_any().downcast_ref::<T>())
    }
}

/// Run `actors` (in chain order) under `placement` until every actor has finished (each has handled
/// `Msg::Eos` or, for sources, returned `Poll::Done`) or `stop` is set. Thread 0 runs on the calling
/// thread; the others are spawned and joined. Not journaled: see [`run_with`].
pub fn run<A: Actor>(
    actors: Vec<A>,
    placement: &Placement,
    stop: Arc<AtomicBool>,
) -> Result<RunOutput<A>, RuntimeError> {
    run_with(actors, placement, stop, None)
}

/// [`run`], and with `journal` every actor's output goes to its own journal stream at
/// `<dir>/<actor name>/` (what is journaled, and how: [`crate::journal`]). A journal upkeep thread
/// runs meanwhile; the streams are closed (and msynced if the policy asks) before this returns.
pub fn run_with<A: Actor>(
    actors: Vec<A>,
    placement: &Placement,
    stop: Arc<AtomicBool>,
    journal: Option<&JournalSpec>,
) -> Result<RunOutput<A>, RuntimeError> {
    run_with_clock(actors, placement, stop, journal, Clock::new(placement.clock))
}

/// [`run_with`] on a clock the caller made (of the placement's kind): its clones go to every actor,
/// so the caller's own readings of it (a latency harness stamping frames at ingress, say) share
/// one base with the actors' `ctx.now()`.
pub fn run_with_clock<A: Actor>(
    actors: Vec<A>,
    placement: &Placement,
    stop: Arc<AtomicBool>,
    journal: Option<&JournalSpec>,
    clock: Clock,
) -> Result<RunOutput<A>, RuntimeError> {
    run_inner(actors, placement, stop, journal, clock, None)
}

/// [`run_with_clock`] with the operator's control plane: each thread serves the requests of its
/// ring in `plane` (made by [`crate::control_plane`] for the same chain and placement) and
/// publishes its counters to the plane's board.
pub fn run_controlled<A: Actor>(
    actors: Vec<A>,
    placement: &Placement,
    stop: Arc<AtomicBool>,
    journal: Option<&JournalSpec>,
    clock: Clock,
    plane: ControlPlane,
) -> Result<RunOutput<A>, RuntimeError> {
    run_inner(actors, placement, stop, journal, clock, Some(plane))
}

/// Each actor's thread under `placement` (the `thread_of` a control plane is made with).
pub fn threads_of(placement: &Placement) -> Vec<usize> {
    let n = placement.threads.last().map_or(0, |t| t.end);
    (0..n)
        .map(|i| placement.threads.iter().position(|t| (t.start..t.end).contains(&i)).unwrap_or(0))
        .collect()
}

fn run_inner<A: Actor>(
    mut actors: Vec<A>,
    placement: &Placement,
    stop: Arc<AtomicBool>,
    journal: Option<&JournalSpec>,
    clock: Clock,
    mut plane: Option<ControlPlane>,
) -> Result<RunOutput<A>, RuntimeError> {
    let n = actors.len();
    let names: Vec<&'static str> = actors.iter().map(|a| a.name()).collect();
    let covered = placement.threads.last().map_or(0, |t| t.end);
    if n == 0 || covered != n || placement.threads.first().map(|t| t.start) != Some(0) {
        return Err(RuntimeError::Placement(format!("placement covers {covered} actors, the chain has {n}")));
    }
    // The scheduler's pending mask has two bits per local actor (see `group::Wires`).
    if let Some(t) = placement.threads.iter().find(|t| t.end - t.start > 32) {
        return Err(RuntimeError::Placement(format!(
            "a thread holds {} actors ({}…); at most 32 share one thread",
            t.end - t.start,
            names[t.start]
        )));
    }
    let thread_of =
        |pos: usize| placement.threads.iter().position(|t| (t.start..t.end).contains(&pos)).unwrap_or(0);
    if let Some(p) = &plane {
        let expected = threads_of(placement);
        if p.board.thread_of != expected || p.board.names != names {
            return Err(RuntimeError::Placement(
                "the control plane was made for another chain or placement".into(),
            ));
        }
    }

    // What each actor handles and consumes, and whether feedback from it has anywhere to go: an
    // actor upstream of it takes `Up` kinds.
    let mut kinds = Vec::with_capacity(n);
    let mut up_taker = false;
    for a in actors.iter() {
        kinds.push(ActorKinds { handles: a.handles(), consumes: a.consumes(), up_wanted: up_taker });
        up_taker |= a.handles().intersects(Kinds::UP);
    }
    let is_source: Vec<bool> = actors.iter_mut().map(|a| a.source().is_some()).collect();

    // Links between neighbours i and i+1 on different threads: Down always (with its companion
    // ring of depth levels), Up only when an actor upstream takes feedback. Neighbours on one
    // thread share a `LocalRing` per direction, made with their group below.
    let mut down_out: Vec<Option<_>> = (0..n).map(|_| None).collect();
    let mut down_in: Vec<Option<_>> = (0..n).map(|_| None).collect();
    let mut up_out: Vec<Option<_>> = (0..n).map(|_| None).collect();
    let mut up_in: Vec<Option<_>> = (0..n).map(|_| None).collect();
    for i in 0..n.saturating_sub(1) {
        if thread_of(i) == thread_of(i + 1) {
            continue;
        }
        let (o, c) = link(placement.ring_capacity, placement.level_capacity, placement.market_overflow);
        down_out[i] = Some(o);
        down_in[i + 1] = Some(c);
        if kinds[i + 1].up_wanted {
            let (o, c) = link(placement.ring_capacity, 0, placement.market_overflow);
            up_out[i + 1] = Some(o);
            up_in[i] = Some(c);
        }
    }

    let jerr = |e: alphapulse_shm::JournalError| RuntimeError::Journal(e.to_string());
    let full = Arc::new(journal::FullState::default());
    let (mut journals, upkeep) = match journal {
        Some(spec) => {
            let js = journal::open(spec, &names, &full, &stop).map_err(jerr)?;
            let upkeep = Upkeep::start(&js, spec, &full, &stop).map_err(jerr)?;
            (js.into_iter().map(Some).collect::<Vec<_>>(), Some(upkeep))
        }
        None => (Vec::new(), None),
    };
    let mut actors = actors.into_iter().map(Some).collect::<Vec<_>>();
    // One clock for the whole run, cloned to every actor: TSC readings then share one base, so
    // timestamps from different actors (and threads) can be subtracted.
    let mut groups = Vec::with_capacity(placement.threads.len());
    for (t, spec) in placement.threads.iter().enumerate() {
        let r = spec.start..spec.end;
        let local: Vec<A> = r.clone().map(|i| actors[i].take().expect("each actor placed once")).collect();
        // Each actor's nearest source upstream on this thread that lends its books.
        // Who lends to whom is settled on the thread at start (`Group::run`).
        let lenders = vec![None; local.len()];
        groups.push(Group {
            index: t,
            names: names[r.clone()].to_vec(),
            current: Msg::Eos(Default::default()),
            live_clock: clock.is_live().then(|| clock.clone()),
            actors: local,
            sources: r.clone().rev().filter(|&i| is_source[i]).map(|i| i - spec.start).collect(),
            lenders,
            store: LevelStore::new(placement.level_capacity),
            wires: Wires {
                routes: Routes {
                    locals: Locals::new(
                        placement.ring_capacity,
                        r.clone().map(|_| clock.clone()).collect(),
                        &kinds[r.clone()],
                    ),
                    down_out_cross: down_out[spec.end - 1].take(),
                    up_out_cross: up_out[spec.start].take(),
                    dropped_at_ends: 0,
                },
                down_in_cross: down_in[spec.start].take(),
                up_in_cross: up_in[spec.end - 1].take(),
                journals: if journals.is_empty() {
                    Vec::new()
                } else {
                    r.clone().map(|i| journals[i].take()).collect()
                },
            },
            neighbours: r
                .clone()
                .map(|i| (if i > 0 { names[i - 1] } else { "-" }, names.get(i + 1).copied().unwrap_or("-")))
                .collect(),
            finished: vec![false; r.len()],
            idle: placement.idle,
            control: plane.as_mut().and_then(|p| p.threads[t].take()),
            board: plane.as_ref().map(|p| p.board.clone()),
            first: spec.start,
            handled: vec![0; r.len()],
            ticks: 0,
        });
    }

    let flags = Flags {
        stop,
        abort: Arc::new(AtomicBool::new(false)),
        done: Arc::new((0..groups.len()).map(|_| AtomicBool::new(false)).collect()),
    };
    let start = Instant::now();
    let mut groups = groups.into_iter();
    let first = groups.next().expect("at least one thread");
    let mut handles = Vec::new();
    for g in groups {
        let f = Flags { stop: flags.stop.clone(), abort: flags.abort.clone(), done: flags.done.clone() };
        let core = placement.threads[g.index].core;
        let index = g.index;
        let h = std::thread::Builder::new()
            .name(format!("ap-{}", g.names[0]))
            .spawn(move || run_group(g, core, &f))
            .map_err(|e| RuntimeError::Spawn { thread: index, reason: e.to_string() })?;
        handles.push(h);
    }
    let mut results = vec![run_group(first, placement.threads[0].core, &flags)];
    for h in handles {
        results.push(h.join().unwrap_or_else(|_| {
            Err(RuntimeError::Panicked { actor: "runtime", message: "thread died".into() })
        }));
    }
    let elapsed = start.elapsed();
    let journal_upkeep_errors = upkeep.map_or(0, Upkeep::stop);

    let mut out = RunOutput {
        actors: Vec::with_capacity(n),
        links: Vec::new(),
        dropped_at_ends: 0,
        elapsed,
        journals: Vec::new(),
        journal_upkeep_errors,
        journal_disk_full: full.first.lock().ok().and_then(|f| f.clone()),
    };
    let mut first_err = None;
    for r in results {
        match r {
            Ok(g) => {
                for (from, to, stats) in g.link_stats() {
                    let cross = thread_of(names.iter().position(|n| *n == from).unwrap_or(0))
                        != thread_of(names.iter().position(|n| *n == to).unwrap_or(0));
                    out.links.push(LinkReport { from, to, cross_thread: cross, stats });
                }
                out.dropped_at_ends += g.wires.routes.dropped_at_ends;
                for (name, j) in g.names.iter().zip(g.wires.journals) {
                    out.journals.extend(j.map(|j| journal::close(name, j)));
                }
                out.actors.extend(g.actors);
            }
            // Prefer the root cause over the `Aborted` errors it caused elsewhere.
            Err(e) => {
                if first_err.is_none() || matches!(first_err, Some(RuntimeError::Aborted(_))) {
                    first_err = Some(e);
                }
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn run_group<A: Actor>(
    mut g: Group<A>,
    core: Option<usize>,
    flags: &Flags,
) -> Result<Group<A>, RuntimeError> {
    // `Group::run` marks its thread done on the board; these are the paths that skip it.
    let board = g.board.clone();
    let index = g.index;
    let ended = move || {
        if let Some(b) = &board {
            b.threads[index].done.store(true, std::sync::atomic::Ordering::Release);
        }
    };
    if let Some(c) = core {
        if !core_affinity::set_for_current(core_affinity::CoreId { id: c }) {
            flags.abort.store(true, std::sync::atomic::Ordering::Release);
            flags.done[g.index].store(true, std::sync::atomic::Ordering::Release);
            ended();
            return Err(RuntimeError::Pin { thread: g.index, core: c });
        }
    }
    match catch_unwind(AssertUnwindSafe(|| g.run(flags))) {
        Ok(Ok(())) => Ok(g),
        Ok(Err(e)) => Err(e),
        Err(p) => {
            flags.abort.store(true, std::sync::atomic::Ordering::Release);
            flags.done[g.index].store(true, std::sync::atomic::Ordering::Release);
            ended();
            let message = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(RuntimeError::Panicked { actor: g.names[0], message })
        }
    }
}
