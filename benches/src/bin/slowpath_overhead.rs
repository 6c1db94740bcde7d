//! The slow path's cost to the hot path (issue 12): the engine's backtest frames/s with a dashboard
//! and a persist process attached to its journal, against the same backtest alone.
//!
//! Each trial runs `alphapulse backtest --json --journal DIR` over the same capture twice, in
//! alternating order: once alone, once with `alphapulse dashboard --journal DIR` (polled over HTTP
//! every 50 ms, as a page would) and `alphapulse persist --journal DIR --follow --db sqlite:…`
//! attached: both started before the backtest and waiting for its journal (as a desk keeps them
//! running), so both tail the journal while it is written.
//! The figure is the backtest's own `frames_per_sec`; the report gives the medians, their ratio,
//! and how long persist took after the backtest ended to catch up (its `--follow` ends at every
//! stream's clean close).
//!
//! Both slow-path processes run at their default priority (nice 10, `--nice` in `alphapulse
//! dashboard --help`) unless `--nice N` is given here, which is passed on to both. Before they
//! lowered themselves, the pinned placement lost ~25 % on a quiet machine: the backtest's
//! `ap-inflate` threads (gzip decoding, placed by the kernel) shared core 1 with them at equal
//! priority.
//!
//! The processes are the released binary next to this one (`cargo build --release -p
//! alphapulse-tools`). `slowpath_overhead [--trials N] [--data FILE…] [--out FILE] [--smoke]`;
//! by default the repo's sample, or every capture in `../shared/data/binance-{spot,usdm}` when
//! present; the report goes to `latency-reports/slowpath.md` (a temporary file with `--smoke`).

#![forbid(unsafe_code)]

use anyhow::{bail, Context, Result};
use clap::Parser;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    about = "Backtest frames/s with a dashboard and persist attached to its journal, against without (issue 12)"
)]
struct Opts {
    /// Trials (each runs the backtest once alone and once with the slow path attached).
    #[arg(long, default_value_t = 5)]
    trials: usize,
    /// Capture files (default: ../shared/data/binance-{spot,usdm}/*.gz when present, else the repo's
    /// sample).
    #[arg(long, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Where the report goes (default latency-reports/slowpath.md; a temporary file with --smoke).
    #[arg(long)]
    out: Option<PathBuf>,
    /// One trial on the repo's sample, report to a temporary file: a CI smoke test.
    #[arg(long)]
    smoke: bool,
    /// Where the processes run: `pinned` (the design's placement: the backtest's one thread on
    /// core 0 with `--threads one --cores 0`, the slow-path processes on core 1 with `taskset -c
    /// 1`) or `shared` (no pinning: every process where the kernel puts it).
    #[arg(long, value_enum, default_value = "pinned")]
    placement: Placement,
    /// The slow-path processes' nice value (passed as `--nice N`; default: theirs, 10).
    #[arg(long, value_name = "N")]
    nice: Option<i32>,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Placement {
    Pinned,
    Shared,
}

struct Trial {
    alone: f64,
    attached: f64,
    frames: u64,
    catch_up: Option<Duration>,
    polls: u64,
}

fn main() -> Result<()> {
    let o = Opts::parse();
    let root = workspace_root()?;
    let bin = std::env::current_exe()?.with_file_name("alphapulse");
    if !bin.exists() {
        bail!("{} not found: build it first with `cargo build --release -p alphapulse-tools`", bin.display());
    }
    let data = if o.smoke {
        vec![root.join("feeds/testdata/btcusdt_20240808.gz")]
    } else {
        default_data(&root, o.data.clone())
    };
    let trials = if o.smoke { 1 } else { o.trials.max(1) };
    let tmp = std::env::temp_dir().join(format!("slowpath-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut results = Vec::new();
    for t in 0..trials {
        // Alternate which run goes first, so that a drift in the machine's load hits both alike.
        let (alone, attached) = if t % 2 == 0 {
            let a = backtest(&bin, &data, &tmp.join(format!("a{t}")), None, &o)?;
            (a, backtest(&bin, &data, &tmp.join(format!("b{t}")), Some(&tmp), &o)?)
        } else {
            let b = backtest(&bin, &data, &tmp.join(format!("b{t}")), Some(&tmp), &o)?;
            (backtest(&bin, &data, &tmp.join(format!("a{t}")), None, &o)?, b)
        };
        let r = Trial {
            alone: alone.frames_per_sec,
            attached: attached.frames_per_sec,
            frames: alone.frames,
            catch_up: attached.catch_up,
            polls: attached.polls,
        };
        eprintln!(
            "trial {}: alone {:.0} frames/s, attached {:.0} frames/s ({:.1} %), persist caught up {} after, {} dashboard polls",
            t + 1,
            r.alone,
            r.attached,
            100.0 * (r.attached / r.alone - 1.0),
            r.catch_up.map_or("never (killed)".into(), |d| format!("{:.0} ms", d.as_secs_f64() * 1e3)),
            r.polls
        );
        results.push(r);
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let report = render(&data, &results, &o);
    print!("{report}");
    let out = match (o.out, o.smoke) {
        (Some(p), _) => p,
        (None, true) => std::env::temp_dir().join("slowpath-smoke.md"),
        (None, false) => root.join("latency-reports/slowpath.md"),
    };
    std::fs::write(&out, &report).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("report written to {}", out.display());
    Ok(())
}

struct Run {
    frames_per_sec: f64,
    frames: u64,
    catch_up: Option<Duration>,
    polls: u64,
}

/// One backtest into `journal`; with `slow` (a scratch folder), a dashboard and persist attached.
fn backtest(bin: &Path, data: &[PathBuf], journal: &Path, slow: Option<&Path>, o: &Opts) -> Result<Run> {
    let placement = o.placement;
    let mut cmd = Command::new(bin);
    cmd.args(["backtest", "--json", "--quiet", "--journal"]).arg(journal).arg("--data").args(data);
    if placement == Placement::Pinned {
        cmd.args(["--threads", "one", "--cores", "0"]);
    }
    // Attached as a desk runs them: started first, waiting for the run (the dashboard on a
    // journal folder that does not exist yet, persist --follow until run.json appears), so their
    // start-up is not part of the run.
    let attached = match slow {
        Some(scratch) => Some(Attached::start(bin, journal, scratch, placement, o.nice)?),
        None => None,
    };
    let mut bt = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().context("starting the backtest")?;
    let mut out = String::new();
    bt.stdout.take().context("backtest stdout")?.read_to_string(&mut out)?;
    let status = bt.wait()?;
    let ended = Instant::now();
    let (catch_up, polls) = match attached {
        Some(a) => a.finish(ended)?,
        None => (None, 0),
    };
    if !status.success() {
        bail!("backtest into {} exited with {status}", journal.display());
    }
    let v: serde_json::Value = serde_json::from_str(&out).context("the backtest's --json report")?;
    let frames_per_sec =
        find(&v, "frames_per_sec").and_then(|x| x.as_f64()).context("no frames_per_sec in the report")?;
    let frames = find(&v, "frames").and_then(|x| x.as_u64()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(journal);
    Ok(Run { frames_per_sec, frames, catch_up, polls })
}

struct Attached {
    dashboard: Child,
    persist: Child,
    stop: Arc<AtomicBool>,
    polls: Arc<AtomicU64>,
    poller: Option<std::thread::JoinHandle<()>>,
}

/// Whatever ends a trial (an error too), the slow-path processes do not outlive it.
impl Drop for Attached {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for c in [&mut self.persist, &mut self.dashboard] {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(p) = self.poller.take() {
            let _ = p.join();
        }
    }
}

impl Attached {
    fn start(
        bin: &Path,
        journal: &Path,
        scratch: &Path,
        placement: Placement,
        nice: Option<i32>,
    ) -> Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        // Pinned: the slow path on core 1, away from the backtest's core 0.
        let slow_cmd = |sub: &str| {
            let mut c = if placement == Placement::Pinned {
                let mut c = Command::new("taskset");
                c.args(["-c", "1"]).arg(bin);
                c
            } else {
                Command::new(bin)
            };
            c.arg(sub);
            if let Some(n) = nice {
                c.args(["--nice", &n.to_string()]);
            }
            c
        };
        let dashboard = slow_cmd("dashboard")
            .arg("--journal")
            .arg(journal)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the dashboard")?;
        let db = scratch
            .join(format!("persist-{}.db", journal.file_name().and_then(|n| n.to_str()).unwrap_or("x")));
        let persist = slow_cmd("persist")
            .args(["--follow", "--journal"])
            .arg(journal)
            .arg("--db")
            .arg(format!("sqlite:{}", db.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting persist")?;
        let t0 = Instant::now();
        while get(port, "/api/system/status").is_none() {
            if t0.elapsed() > Duration::from_secs(30) {
                bail!("the dashboard never answered on port {port}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let polls = Arc::new(AtomicU64::new(0));
        let poller = {
            let (stop, polls) = (stop.clone(), polls.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if get(port, "/api/portfolio/summary").is_some() {
                        polls.fetch_add(1, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Ok(Attached { dashboard, persist, stop, polls, poller: Some(poller) })
    }

    /// Waits up to 60 s for persist to end on its own (every stream closed), then stops everything.
    fn finish(mut self, ended: Instant) -> Result<(Option<Duration>, u64)> {
        let mut catch_up = None;
        while ended.elapsed() < Duration::from_secs(60) {
            if let Some(st) = self.persist.try_wait()? {
                if !st.success() {
                    bail!("persist exited with {st}");
                }
                catch_up = Some(ended.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        // Drop stops persist (if still running), the poller and the dashboard.
        Ok((catch_up, self.polls.load(Ordering::Relaxed)))
    }
}

/// A plain HTTP/1.1 GET; the body when the answer is 200.
fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.starts_with("HTTP/1.1 200")
        .then(|| buf.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default())
}

fn find<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m.get(key).or_else(|| m.values().find_map(|x| find(x, key))),
        serde_json::Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn render(data: &[PathBuf], r: &[Trial], o: &Opts) -> String {
    let placement = o.placement;
    let alone = median(r.iter().map(|t| t.alone).collect());
    let attached = median(r.iter().map(|t| t.attached).collect());
    let ratios = median(r.iter().map(|t| t.attached / t.alone).collect());
    let mut s = String::from("# Backtest frames/s with the slow path attached (issue 12)\n\n");
    s += "Produced by `cargo run --release -p alphapulse-benches --bin slowpath_overhead`; see the \
          bench's doc comment for the method. Each trial runs the same backtest alone and with \
          `alphapulse dashboard` (polled every 50 ms) and `alphapulse persist --follow --db sqlite:` \
          tailing its journal; the figure is the backtest's own `frames_per_sec`.\n\n";
    s += &format!(
        "Data: {}; {} frames per run; {} trials on a {}-core machine; placement: {}; slow path at nice {}.\n\n",
        data.iter()
            .map(|p| {
                // folder/name: the spot and USD-M captures share file names.
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("?");
                match p.parent().and_then(|d| d.file_name()).and_then(|n| n.to_str()) {
                    Some(dir) => format!("{dir}/{name}"),
                    None => name.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        r.first().map_or(0, |t| t.frames),
        r.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        match placement {
            Placement::Pinned =>
                "pinned (backtest `--threads one --cores 0`, dashboard and persist under `taskset -c 1`)",
            Placement::Shared => "shared (nothing pinned)",
        },
        o.nice.unwrap_or(alphapulse_tools::slow_priority::DEFAULT_NICE)
    );
    s += "| trial | alone (frames/s) | attached (frames/s) | change | persist caught up after | dashboard polls |\n|---|---|---|---|---|---|\n";
    for (i, t) in r.iter().enumerate() {
        s += &format!(
            "| {} | {:.0} | {:.0} | {:+.1} % | {} | {} |\n",
            i + 1,
            t.alone,
            t.attached,
            100.0 * (t.attached / t.alone - 1.0),
            t.catch_up.map_or("not within 60 s".into(), |d| format!("{:.0} ms", d.as_secs_f64() * 1e3)),
            t.polls
        );
    }
    s += &format!(
        "\n**Median: alone {alone:.0} frames/s, attached {attached:.0} frames/s; median ratio {ratios:.3} ({:+.1} %; target: within 5 %).**\n",
        100.0 * (ratios - 1.0)
    );
    s
}

fn default_data(root: &Path, given: Vec<PathBuf>) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given;
    }
    // Every real capture, spot and USD-M (273,272 frames): the longest run the data allows.
    let mut v: Vec<PathBuf> = ["binance-spot", "binance-usdm"]
        .iter()
        .filter_map(|d| std::fs::read_dir(root.join("../shared/data").join(d)).ok())
        .flat_map(|d| d.filter_map(|e| e.ok().map(|e| e.path())))
        .filter(|p| p.extension().is_some_and(|x| x == "gz"))
        .collect();
    v.sort();
    if v.is_empty() {
        vec![root.join("feeds/testdata/btcusdt_20240808.gz")]
    } else {
        v
    }
}

fn workspace_root() -> Result<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).context("the benches crate has no parent folder")
}
