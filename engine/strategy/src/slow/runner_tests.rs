use super::*;
use crate::slow::SlowAgent;

/// Answers `score = base + now / 1000` dated `now - lag`, panics when asked at or after
/// `panic_at`, and counts its calls.
struct Probe {
    name: &'static str,
    base: i32,
    lag: i64,
    panic_at: u64,
    calls: Arc<AtomicU64>,
}

impl SlowAgent for Probe {
    fn name(&self) -> &str {
        self.name
    }
    fn signal(&mut self, inst: InstrumentId, now: u64) -> Option<(i32, u64)> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if now >= self.panic_at {
            panic!("{} fails as of {now}", self.name);
        }
        (inst.0 == 0).then(|| (self.base + (now / 1000) as i32, (now as i64 - self.lag) as u64))
    }
}

fn probe(name: &'static str, base: i32, lag: i64, panic_at: u64) -> (Box<dyn SlowAgent>, Arc<AtomicU64>) {
    let calls = Arc::new(AtomicU64::new(0));
    (Box::new(Probe { name, base, lag, panic_at, calls: calls.clone() }), calls)
}

fn cfg(period_ns: u64) -> SlowRunnerConfig {
    SlowRunnerConfig { period_ns, nice: 0 }
}

#[test]
fn configuration_and_rows_are_checked() {
    let board = Arc::new(Board::new(&["a", "b"], 2).unwrap());
    assert!(matches!(SlowRunner::new(board.clone(), cfg(0)), Err(SlowError::Period)));
    let bad = SlowRunnerConfig { period_ns: 1, nice: 20 };
    assert_eq!(
        SlowRunner::new(board.clone(), bad).err().unwrap().to_string(),
        "slow.nice = 20: must be in 0..=19"
    );
    let mut r = SlowRunner::new(board, cfg(1)).unwrap();
    let e = r.add(probe("c", 0, 0, u64::MAX).0).unwrap_err().to_string();
    assert_eq!(e, "slow agent `c` has no row on the board (its rows: a, b)");
    assert_eq!(r.add(probe("b", 0, 0, u64::MAX).0).unwrap(), 1);
    assert!(matches!(r.add(probe("b", 0, 0, u64::MAX).0), Err(SlowError::Twice(n)) if n == "b"));
}

/// Stepped by event time: polls at event-time periods, the same values at the same events on
/// every run; a panic is caught, counted, and the agent is not asked again while the other goes on;
/// an opinion dated after the time asked is clamped.
#[test]
fn stepped_runs_are_deterministic_and_a_panic_is_contained() {
    let run = || {
        let board = Arc::new(Board::new(&["steady", "crashy", "ahead"], 2).unwrap());
        let mut r = SlowRunner::new(board.clone(), cfg(10_000)).unwrap();
        let (steady, steady_calls) = probe("steady", 100, 500, u64::MAX);
        let (crashy, crashy_calls) = probe("crashy", -100, 0, 25_000);
        let (ahead, _) = probe("ahead", 0, -7, u64::MAX);
        for a in [steady, crashy, ahead] {
            r.add(a).unwrap();
        }
        let mut seen = Vec::new();
        for ts in (0..60_000u64).step_by(3_000) {
            let n = r.step(ts);
            seen.push((ts, n, board.read(0, InstrumentId(0)), board.read(1, InstrumentId(0))));
        }
        (seen, r.stats(), steady_calls.load(Ordering::Relaxed), crashy_calls.load(Ordering::Relaxed), board)
    };
    let (a, stats, steady_calls, crashy_calls, board) = run();
    assert_eq!(a, run().0, "a second run publishes the same values at the same events");
    // Polls at 0, 12000, 24000, 36000, 48000 (first event at or after each due time).
    let polled: Vec<u64> = a.iter().filter(|s| s.1 > 0).map(|s| s.0).collect();
    assert_eq!(polled, vec![0, 12_000, 24_000, 36_000, 48_000]);
    assert_eq!(steady_calls, 5 * 2, "5 polls × 2 instruments");
    // crashy: polls at 0, 12000, 24000 answer; at 36000 its first call panics; never asked again.
    assert_eq!(crashy_calls, 3 * 2 + 1, "3 polls × 2 instruments, then the call that panicked");
    let last = a.last().unwrap();
    assert_eq!(last.2.map(|e| (e.score, e.ts, e.seq)), Some((100 + 48, 48_000 - 500, 5)));
    assert_eq!(
        last.3.map(|e| (e.score, e.ts, e.seq)),
        Some((-100 + 24, 24_000, 3)),
        "stays as last published"
    );
    let by = |n: &str| stats.iter().find(|s| s.name == n).unwrap().clone();
    assert!(by("crashy").panicked && !by("steady").panicked);
    assert_eq!((by("crashy").polls, by("crashy").published), (3, 3));
    assert_eq!((by("steady").polls, by("steady").published), (5, 5));
    assert_eq!((by("ahead").clamped, board.read(2, InstrumentId(0)).unwrap().ts), (5, 48_000));
}

/// Live: agents on their own threads; one panics at once, one stalls in its first call. The
/// reader (standing for the hot thread) keeps reading and sees the steady agent's publications
/// advance while the stalled agent holds only its own thread; `stop` abandons the staller.
#[test]
fn live_threads_contain_a_panic_and_a_stall() {
    let board = Arc::new(Board::new(&["steady", "crashy", "stuck"], 1).unwrap());
    let mut r = SlowRunner::new(board.clone(), cfg(1_000_000)).unwrap();
    r.add(probe("steady", 0, 0, u64::MAX).0).unwrap();
    r.add(probe("crashy", 0, 0, 0).0).unwrap();
    let release = Arc::new(AtomicBool::new(false));
    r.add(Box::new(Stuck { release: release.clone() })).unwrap();
    let tick = Arc::new(AtomicU64::new(0));
    let clock = {
        let tick = tick.clone();
        Arc::new(move || tick.fetch_add(1_000, Ordering::Relaxed) + 1_000)
    };
    let h = r.spawn_with_clock(clock).unwrap();
    let mut last = 0;
    let mut advanced = 0;
    while advanced < 20 {
        if let Some(e) = board.read(0, InstrumentId(0)) {
            advanced += (e.seq > last) as u32;
            last = e.seq;
        }
        std::thread::yield_now();
    }
    while !h.stats()[1].panicked {
        std::thread::yield_now();
    }
    // The stuck agent shows as stalled once its call outlasts a period (1 ms).
    let waited = Instant::now();
    while h.stats()[2].stalled_ns == 0 && waited.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let stats = h.stats();
    assert!(stats[2].stalled_ns > 1_000_000 && stats[0].stalled_ns == 0, "{stats:?}");
    assert_eq!((stats[2].polls, stats[1].polls, stats[1].published), (0, 0, 0), "{stats:?}");
    let report = h.stop(Duration::from_millis(200));
    assert_eq!(report.stopped, vec!["steady".to_string(), "crashy".to_string()]);
    assert_eq!(report.abandoned, vec!["stuck".to_string()]);
    assert_eq!(board.read(1, InstrumentId(0)), None, "crashy never published");
    assert_eq!(board.read(2, InstrumentId(0)), None, "stuck never published");
    release.store(true, Ordering::Relaxed);
}

/// Blocks in its first call until released (stands for an agent stalled on I/O).
struct Stuck {
    release: Arc<AtomicBool>,
}

impl SlowAgent for Stuck {
    fn name(&self) -> &str {
        "stuck"
    }
    fn signal(&mut self, _inst: InstrumentId, _now: u64) -> Option<(i32, u64)> {
        while !self.release.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }
}
