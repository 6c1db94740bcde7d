//! Shared by the tools integration tests: the capture set to replay, and the allocation window
//! around a feed.
#![allow(dead_code)] // each test binary uses part of it

use alphapulse_runtime::{Actor, Books, Ctx, Poll, Source};
use alphapulse_shm::alloc_count::{arm, disarm};
use alphapulse_types::{Kinds, Msg};
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

use std::path::PathBuf;

/// Both BTCUSDT files from ../shared/data when present (CI), else the repo's sample.
pub fn btc_captures() -> Vec<PathBuf> {
    match alphapulse_feeds::testdata::shared_data_dir() {
        Some(d) => {
            vec![d.join("binance-spot/btcusdt_20240808.gz"), d.join("binance-spot/btcusdt_20240809.gz")]
        }
        None => {
            println!("note: ../shared/data not found; using the repo sample only");
            vec![alphapulse_feeds::testdata::sample_capture()]
        }
    }
}

/// Feed polls before counting starts: buffers reach their working size (largest frame, book levels).
pub const WARM_UP_POLLS: u64 = 5_000;
/// Allocations counted in the window (`u64::MAX` until the window closed), their bytes, and polls.
pub static ALLOCATIONS: AtomicU64 = AtomicU64::new(u64::MAX);
pub static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);
pub static WINDOW_POLLS: AtomicU64 = AtomicU64::new(0);

/// Wraps the feed: arms the process-wide counter after the warm-up and disarms when the input is
/// exhausted — by then every frame has been processed to quiescence, with every order and fill it
/// caused (sources are polled only when nothing is queued on the thread).
pub struct Window(pub Box<dyn Actor>, pub u64);

impl Actor for Window {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn handles(&self) -> Kinds {
        self.0.handles()
    }
    fn consumes(&self) -> Kinds {
        self.0.consumes()
    }
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        self.0.handle(msg, ctx)
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        Some(self)
    }
    fn books(&self) -> Option<&dyn Books> {
        self.0.books()
    }
    fn as_any(&self) -> &dyn Any {
        self.0.as_any()
    }
}

impl Source for Window {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        self.1 += 1;
        if self.1 == WARM_UP_POLLS {
            arm();
        }
        let r = self.0.source().expect("the window wraps a source").poll(ctx);
        if r == Poll::Done && self.1 >= WARM_UP_POLLS {
            let (n, bytes) = disarm();
            ALLOCATIONS.store(n, Ordering::SeqCst);
            ALLOCATED_BYTES.store(bytes, Ordering::SeqCst);
            WINDOW_POLLS.store(self.1 - WARM_UP_POLLS, Ordering::SeqCst);
        }
        r
    }
}

/// The backtest chain over [`btc_captures`] with the feed inside a [`Window`], ready to run.
pub fn windowed_chain() -> (
    alphapulse_tools::config::Config,
    alphapulse_types::InstrumentTable,
    Vec<Box<dyn Actor>>,
    alphapulse_runtime::Placement,
) {
    windowed_chain_with(alphapulse_tools::config::Config::default())
}

/// [`windowed_chain`] with `cfg`'s settings (its `data` replaced by [`btc_captures`]).
pub fn windowed_chain_with(
    cfg: alphapulse_tools::config::Config,
) -> (
    alphapulse_tools::config::Config,
    alphapulse_types::InstrumentTable,
    Vec<Box<dyn Actor>>,
    alphapulse_runtime::Placement,
) {
    use alphapulse_tools::backtest::{build_chain, check, instruments, CHAIN};
    let mut cfg = alphapulse_tools::config::Config { data: btc_captures(), ..cfg };
    check(&mut cfg).unwrap();
    let table = instruments(&cfg).unwrap();
    let (mut actors, _) = build_chain(&cfg, &table, None).unwrap();
    let feed = actors.remove(0);
    actors.insert(0, Box::new(Window(feed, 0)));
    let placement = cfg.placement.resolve(&CHAIN).unwrap();
    (cfg, table, actors, placement)
}

/// The `alphapulse` binary built for these tests.
pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_alphapulse"))
}
/// Run the binary with `args` and collect its output.
pub fn ap(args: &[&str]) -> std::process::Output {
    bin().args(args).output().expect("run alphapulse")
}
/// Its stdout, lossily decoded.
pub fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
/// Its stderr, lossily decoded.
pub fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run the binary with `args` in `cwd` (created if missing), so that the default journal
/// (`runs/…/journal`) lands there, not in the repo.
pub fn ap_in(cwd: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::fs::create_dir_all(cwd).unwrap();
    bin().args(args).current_dir(cwd).output().expect("run alphapulse")
}

/// `alphapulse journal tail -f -n N dir` as a child whose stdout lines arrive on the receiver
/// (kill the child when done).
pub fn tail_follow(
    dir: &std::path::Path,
    n: &str,
    stderr: std::process::Stdio,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = bin()
        .args(["journal", "tail", "-f", "-n", n, dir.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout).lines() {
            if tx.send(l.unwrap()).is_err() {
                return;
            }
        }
    });
    (child, rx)
}
