//! ML inference latency (issue 13): one ONNX Runtime run of a small model, and the ML agent's
//! whole `on_depth` (features from the L2 book + inference + thresholds), pinned to one core.
//!
//! `ml_inference [--calls N] [--warmup N] [--runs R] [--core C | --no-pin] [--out FILE] [--no-report]
//! [--no-malloc-count]`: for each of the committed test models (`engine/ml/testdata/micro_lr.onnx`,
//! logistic 12→1; `micro_mlp.onnx`, MLP 12-16-1) W unmeasured then N measured `Model::run` calls on
//! changing inputs, and the ML agent (micro_lr) on every depth update of the sample capture
//! (`feeds/testdata`, cycled) after the host has applied it. Each call is timed alone into an HDR
//! histogram; R runs, each printed, and the median of each percentile over the runs.
//!
//! A control case, a pure CPU busy loop calibrated to micro_lr's median, is timed the same way:
//! no library, no memory, no syscalls. Its p99 is what the machine (interrupts, a hypervisor
//! taking the vCPU) does to any call that long; the model's p99 above it is ONNX Runtime's.
//!
//! Allocations per call, both counted, both reported:
//! - **Rust**: the `CountingAllocator` (shm's) on this thread: expected 0;
//! - **C** (`malloc`, `calloc`, `realloc`, `memalign`, `aligned_alloc`, `posix_memalign`): ONNX
//!   Runtime's C++ code allocates inside each `Run`, which Rust's allocator cannot see. The
//!   benchmark compiles a tiny counting shim with `cc` into a temporary folder (removed at the end)
//!   and re-runs itself with `LD_PRELOAD` set to it; `--no-malloc-count` skips that.
//!
//! Writes a markdown report (default `latency-reports/ml-inference.md`) with the machine, the
//! commit, the figures and the command. The target is p99 ≤ 5 µs for a small model, pinned; the
//! machine is a shared 2-core VM, so figures vary between runs: the report says what was measured.

use alphapulse_feeds::testdata::{replay_messages, sample_capture, Replayed};
use alphapulse_ml::{MlAgent, Model, ModelSpec};
use alphapulse_runtime::{Actor, VecOutbox};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_strategy::{Strategy, StrategyConfig, StrategyHost};
use alphapulse_types::Msg;
use clap::Parser;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

/// Set in the re-run child: the shim is preloaded.
const CHILD_ENV: &str = "AP_ML_BENCH_SHIM_CHILD";

#[derive(Parser, Clone)]
#[command(
    about = "Latency of ONNX model inference and of the ML agent per book update (p50/p90/p99/p99.9), \
                   with Rust and C allocations per call"
)]
struct Opts {
    /// Measured calls per case and run.
    #[arg(long, default_value_t = 200_000)]
    calls: u64,
    /// Unmeasured calls first (per case and run).
    #[arg(long, default_value_t = 20_000)]
    warmup: u64,
    /// Runs of every case (the report gives each and the median).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Core to pin the measuring thread to.
    #[arg(long, default_value_t = 1)]
    core: usize,
    /// Do not pin.
    #[arg(long)]
    no_pin: bool,
    /// The markdown report (default: latency-reports/ml-inference.md in the workspace).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print only; write no report.
    #[arg(long)]
    no_report: bool,
    /// Do not count C mallocs (no `cc`, no LD_PRELOAD re-run).
    #[arg(long)]
    no_malloc_count: bool,
}

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// One case's figures for one run.
struct Figures {
    hist: Histogram<u64>,
    calls: u64,
    rust_allocs: u64,
    c_allocs: Option<u64>,
}

impl Figures {
    fn new() -> Self {
        Figures {
            hist: Histogram::new_with_bounds(1, 10_000_000_000, 3).expect("bounds"),
            calls: 0,
            rust_allocs: 0,
            c_allocs: Some(0),
        }
    }
    /// One measured call: its time (ns) and allocations (Rust; C when counted).
    fn add(&mut self, ns: u64, rust: u64, c: Option<u64>) -> Result<(), String> {
        self.hist.record(ns.max(1)).map_err(|e| e.to_string())?;
        self.calls += 1;
        self.rust_allocs += rust;
        self.c_allocs = self.c_allocs.zip(c).map(|(a, b)| a + b);
        Ok(())
    }
    fn q(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

/// The C malloc counter of the preloaded shim, if any.
struct CCounter(Option<extern "C" fn() -> u64>);

impl CCounter {
    fn find() -> Self {
        // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name has no preconditions; it
        // returns null when the symbol is absent (no shim preloaded).
        let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"ap_malloc_count".as_ptr()) };
        if p.is_null() {
            return CCounter(None);
        }
        // SAFETY: the symbol is the shim's `uint64_t ap_malloc_count(void)` (see SHIM below),
        // whose C signature is this function pointer type.
        CCounter(Some(unsafe { std::mem::transmute::<*mut libc::c_void, extern "C" fn() -> u64>(p) }))
    }
    #[inline(always)]
    fn read(&self) -> Option<u64> {
        self.0.map(|f| f())
    }
}

/// Time `call` once: ns, Rust allocations, C allocations.
#[inline(always)]
fn timed<R>(c: &CCounter, call: impl FnOnce() -> R) -> (u64, u64, Option<u64>) {
    let c0 = c.read();
    let (ns, rust) = allocations_in(|| {
        let t = Instant::now();
        std::hint::black_box(call());
        t.elapsed().as_nanos() as u64
    });
    let c1 = c.read();
    (ns, rust, c0.zip(c1).map(|(a, b)| b - a))
}

fn spec(model: &str, input: &str, output: &str, kind: &str) -> Result<ModelSpec, String> {
    let features = "imbalance_1,imbalance_5,imbalance_10,imbalance_20,spread_bps,microprice_bps,\
                    return_1,return_10,return_50,trade_flow_10,trade_flow_50,trade_flow_200";
    let path = workspace().join("engine/ml/testdata").join(model);
    let p: BTreeMap<String, String> = [
        ("model", path.to_string_lossy().into_owned()),
        ("input", input.into()),
        ("input_shape", "1,12".into()),
        ("features", features.into()),
        ("output", output.into()),
        ("output_shape", "1,1".into()),
        ("output_kind", kind.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    ModelSpec::from_params(&p).map_err(|e| e.to_string())
}

/// `Model::run` on inputs that change every call.
fn bench_model(o: &Opts, s: &ModelSpec, c: &CCounter) -> Result<Figures, String> {
    let mut m = Model::load(s).map_err(|e| e.to_string())?;
    let mut f = Figures::new();
    let mut x = 0.1f32;
    for i in 0..o.warmup + o.calls {
        for (j, v) in m.input_mut().iter_mut().enumerate() {
            x = (x * 1.37 + j as f32 * 0.11).fract() - 0.5;
            *v = x;
        }
        let (ns, rust, cc) = timed(c, || m.run());
        if i >= o.warmup {
            f.add(ns, rust, cc)?;
        }
    }
    Ok(f)
}

/// The timer and counters around an empty call: the machine's noise floor for the other cases.
fn bench_empty(o: &Opts, c: &CCounter) -> Result<Figures, String> {
    bench_calls(o, c, std::hint::black_box)
}

/// Busy-loop steps (a multiply-add chain the optimiser cannot drop) taking about `ns`, calibrated
/// on this core now.
fn spin_steps_for(ns: f64) -> u64 {
    let steps = 2_000_000u64;
    let t = Instant::now();
    std::hint::black_box(spin(steps));
    let per_step = t.elapsed().as_nanos() as f64 / steps as f64;
    ((ns / per_step).round() as u64).max(1)
}

#[inline(never)]
fn spin(steps: u64) -> u64 {
    let mut x = 1u64;
    for k in 0..steps {
        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(k));
    }
    x
}

/// A pure CPU busy loop as long as a model call's median (`steps` from [`spin_steps_for`]): no
/// memory traffic, no syscalls, no library. Its tail is what this machine does to any call that
/// long (interrupts, the hypervisor taking the vCPU): the floor under the model's p99.
fn bench_spin(o: &Opts, c: &CCounter, steps: u64) -> Result<Figures, String> {
    bench_calls(o, c, |_| spin(steps))
}

/// `call(i)` timed alone W + N times; the last N recorded.
fn bench_calls<R>(o: &Opts, c: &CCounter, mut call: impl FnMut(u64) -> R) -> Result<Figures, String> {
    let mut f = Figures::new();
    for i in 0..o.warmup + o.calls {
        let (ns, rust, cc) = timed(c, || call(i));
        if i >= o.warmup {
            f.add(ns, rust, cc)?;
        }
    }
    Ok(f)
}

/// The ML agent's `on_depth` for every depth update of the capture (cycled), after the host
/// applied it to its books (untimed).
fn bench_agent(o: &Opts, s: &ModelSpec, stream: &Replayed, c: &CCounter) -> Result<Figures, String> {
    let table = alphapulse_feeds::sample_instruments();
    let mut agent = MlAgent::new(s, table.len()).map_err(|e| e.to_string())?;
    let mut f = Figures::new();
    let mut done = 0u64;
    while done < o.warmup + o.calls {
        let cfg = StrategyConfig { ema_cross: None, imbalance: None, ..Default::default() };
        let mut host = StrategyHost::new(&cfg, &table, 5000).map_err(|e| e.to_string())?;
        let mut out = VecOutbox::default();
        for m in &stream.msgs {
            if done >= o.warmup + o.calls {
                break;
            }
            if !host.handles().contains(m) {
                continue;
            }
            match m {
                Msg::Depth(d) => {
                    let (b, a) = stream.levels_of(d);
                    let msg = out.depth(*d, b, a);
                    out.handle(&mut host, &msg, m.event_ts());
                    out.clear();
                    let view = host.view();
                    let (ns, rust, cc) = timed(c, || agent.on_depth(d, b, a, &view));
                    if done >= o.warmup {
                        f.add(ns, rust, cc)?;
                    }
                    done += 1;
                }
                Msg::Trade(t) => {
                    out.handle(&mut host, m, m.event_ts());
                    out.clear();
                    agent.on_trade(t, &host.view());
                }
                _ => {
                    out.handle(&mut host, m, m.event_ts());
                    out.clear();
                }
            }
        }
    }
    Ok(f)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn run(o: &Opts) -> Result<String, String> {
    let c = CCounter::find();
    let pinned = if o.no_pin {
        "not pinned".to_string()
    } else if core_affinity::set_for_current(core_affinity::CoreId { id: o.core }) {
        format!("pinned to core {}", o.core)
    } else {
        return Err(format!("could not pin to core {} (use --core or --no-pin)", o.core));
    };
    let stream = replay_messages(&[sample_capture()], &alphapulse_feeds::sample_instruments())
        .map_err(|e| e.to_string())?;
    let cases: [(&str, ModelSpec, u8); 5] = [
        ("empty call (timer + counters only)", spec("micro_lr.onnx", "features", "prob", "probability")?, 0),
        ("Model::run micro_lr (logistic 12→1)", spec("micro_lr.onnx", "features", "prob", "probability")?, 1),
        (
            "busy loop as long as micro_lr's median (no library: the machine's tail)",
            spec("micro_lr.onnx", "features", "prob", "probability")?,
            3,
        ),
        ("Model::run micro_mlp (MLP 12-16-1)", spec("micro_mlp.onnx", "x", "score", "score")?, 1),
        (
            "MlAgent::on_depth, micro_lr, sample capture",
            spec("micro_lr.onnx", "features", "prob", "probability")?,
            2,
        ),
    ];
    let mut md = String::new();
    md.push_str("| case | run | calls | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | Rust allocs/call | C mallocs/call |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    println!(
        "ml_inference: {pinned}; C malloc count {}",
        if c.0.is_some() { "on (LD_PRELOAD shim)" } else { "off" }
    );
    let mut lr_median_ns = 1_000.0;
    for (name, s, kind) in &cases {
        let steps = spin_steps_for(lr_median_ns);
        let mut ps: [Vec<f64>; 4] = Default::default();
        let (mut rust, mut cmal) = (Vec::new(), Vec::new());
        for r in 1..=o.runs {
            let f = match kind {
                0 => bench_empty(o, &c)?,
                1 => bench_model(o, s, &c)?,
                3 => bench_spin(o, &c, steps)?,
                _ => bench_agent(o, s, &stream, &c)?,
            };
            let per = |n: u64| n as f64 / f.calls as f64;
            let cm = f.c_allocs.map(per);
            let line = format!(
                "| {name} | {r} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.3} | {} |",
                f.calls,
                f.q(0.5),
                f.q(0.9),
                f.q(0.99),
                f.q(0.999),
                f.hist.max() as f64 / 1000.0,
                per(f.rust_allocs),
                cm.map_or("n/a".into(), |v| format!("{v:.2}"))
            );
            println!("{line}");
            md.push_str(&line);
            md.push('\n');
            for (i, q) in [0.5, 0.9, 0.99, 0.999].into_iter().enumerate() {
                ps[i].push(f.q(q));
            }
            rust.push(per(f.rust_allocs));
            cmal.push(cm.unwrap_or(f64::NAN));
        }
        let line = format!(
            "| **{name}** | median of {} | | **{:.2}** | **{:.2}** | **{:.2}** | **{:.2}** | | {:.3} | {} |",
            o.runs,
            median(ps[0].clone()),
            median(ps[1].clone()),
            median(ps[2].clone()),
            median(ps[3].clone()),
            median(rust),
            if c.0.is_some() { format!("{:.2}", median(cmal)) } else { "n/a".into() }
        );
        println!("{line}");
        md.push_str(&line);
        md.push('\n');
        if *kind == 1 && lr_median_ns == 1_000.0 {
            lr_median_ns = median(ps[0].clone()) * 1000.0;
        }
    }
    Ok(format!(
        "Measured {pinned}, {} measured calls per case and run after {} warm-up calls.\n\n{md}",
        o.calls, o.warmup
    ))
}

/// The counting shim (C), compiled at bench time.
const SHIM: &str = r#"#include <stddef.h>
#include <stdint.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static uint64_t n;
uint64_t ap_malloc_count(void) { return __atomic_load_n(&n, __ATOMIC_RELAXED); }
#define COUNT __atomic_fetch_add(&n, 1, __ATOMIC_RELAXED)
void *malloc(size_t s) { COUNT; return __libc_malloc(s); }
void *calloc(size_t a, size_t b) { COUNT; return __libc_calloc(a, b); }
void *realloc(void *p, size_t s) { COUNT; return __libc_realloc(p, s); }
void *memalign(size_t a, size_t s) { COUNT; return __libc_memalign(a, s); }
void *aligned_alloc(size_t a, size_t s) { COUNT; return __libc_memalign(a, s); }
int posix_memalign(void **p, size_t a, size_t s) { COUNT; void *r = __libc_memalign(a, s); if (!r) return 12; *p = r; return 0; }
"#;

/// A temporary folder removed on drop.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Build the shim and re-run this program under it; `None` when `cc` is not usable.
fn rerun_with_shim() -> Option<ExitCode> {
    let dir = TempDir(std::env::temp_dir().join(format!("ap-ml-bench-shim-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).ok()?;
    let (c, so) = (dir.0.join("shim.c"), dir.0.join("shim.so"));
    std::fs::write(&c, SHIM).ok()?;
    let built = Command::new("cc").args(["-O2", "-shared", "-fPIC", "-o"]).arg(&so).arg(&c).status();
    if !matches!(built, Ok(s) if s.success()) {
        eprintln!("ml_inference: could not build the malloc-counting shim with cc; C mallocs not counted");
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let status = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("LD_PRELOAD", &so)
        .env(CHILD_ENV, "1")
        .status();
    Some(match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().unwrap_or(1).clamp(1, 255) as u8),
        Err(e) => {
            eprintln!("ml_inference: re-run under the shim failed: {e}");
            ExitCode::FAILURE
        }
    })
}

fn commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(workspace())
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn write_report(path: &Path, o: &Opts, body: &str) -> std::io::Result<()> {
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let text = format!(
        "# ML inference latency\n\n\
         ONNX Runtime 1.31.1 (the library of tools/setup.sh) through `ort` 2.0.0-rc.15 (`load-dynamic`), one intra-op \
         thread, no spinning, output preallocated (engine/ml). Target (issue 13): p99 ≤ 5 µs for a small model, pinned.\n\n\
         Machine: the project's shared 2-core VM (CPUs online {}, load average at the end: {}). Commit `{}`, {}, {}.\n\n\
         Command: `cargo run --release -p alphapulse-benches --bin ml_inference -- --calls {} --warmup {} --runs {}`\n\n\
         {body}\n\
         Rust allocs/call: shm's `CountingAllocator` on the measuring thread. C mallocs/call: an LD_PRELOAD shim \
         counting malloc/calloc/realloc/memalign/aligned_alloc/posix_memalign in the whole process during the calls \
         (ONNX Runtime's C++ allocations inside `Run`, which Rust cannot see; our Rust side makes none). The agent \
         case includes the features (book walk to 20 levels, rings) and the thresholds.\n\n\
         The empty call shows what the timer and the counters cost, not the machine's noise (a 20 ns window is \
         rarely preempted). On this shared VM the p99 of the other cases moves by a few µs from run to run (each \
         run's row is above); the load average says how busy the machine was.\n",
        std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default().trim(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        commit(),
        rustc.unwrap_or_default(),
        date.unwrap_or_default(),
        o.calls,
        o.warmup,
        o.runs,
    );
    std::fs::write(path, text)
}

fn main() -> ExitCode {
    let o = Opts::parse();
    if o.calls == 0 || o.runs == 0 {
        eprintln!("ml_inference: --calls and --runs must be at least 1");
        return ExitCode::from(2);
    }
    if !o.no_malloc_count && std::env::var_os(CHILD_ENV).is_none() {
        if let Some(code) = rerun_with_shim() {
            return code;
        }
    }
    match run(&o) {
        Ok(body) => {
            if !o.no_report {
                let path =
                    o.out.clone().unwrap_or_else(|| workspace().join("latency-reports/ml-inference.md"));
                if let Err(e) = write_report(&path, &o, &body) {
                    eprintln!("ml_inference: writing {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("report: {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ml_inference: {e}");
            ExitCode::FAILURE
        }
    }
}
