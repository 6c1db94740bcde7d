//! Writer → reader latency of the journal across two processes (issue 4, "Benchmarks").
//!
//! `journal_latency [--rate N] [--secs S] [--warmup-secs W] [--payload B] [--segment-size BYTES]
//! [--dir DIR] [--hgrm FILE] [--preparer-core C]` creates a stream in DIR (default `/dev/shm/alphapulse-journal-latency-<pid>`,
//! removed at the end), starts a copy of itself as the **reader** process and, once the reader has
//! opened the stream, appends N records/s (default 100,000) for W + S seconds (default 1 + 5).
//! Each record's header timestamp is the raw `quanta` clock read just before the append; the
//! reader busy-polls `alphapulse_shm::Reader::next` and records `now − timestamp` (ns, scaled by the
//! reader's `quanta` calibration) into an HDR histogram, leaving out the warm-up records. Both
//! processes read the same machine-wide source (the TSC, or `CLOCK_MONOTONIC` where quanta finds no
//! invariant TSC: it says which), so the difference is meaningful across processes.
//!
//! The writer pins itself to core 0 and the reader to core 1 when the machine has them (it says so).
//! The next segment is prepared by a `Preparer` thread in the writer process, as in the engine. The
//! pacing is a spin on a fixed schedule; a writer that falls behind (preempted) catches up at once,
//! and each record still carries its actual write time.
//!
//! The reader prints one summary line and writes the percentile distribution (HdrHistogram's
//! `.hgrm` text format, values in microseconds) to FILE (default `journal-latency.hgrm`).

#![forbid(unsafe_code)]

use alphapulse_shm::{Reader, StreamConfig, Writer};
use hdrhistogram::Histogram;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DATA: u16 = 1;
const END: u16 = 2;
/// Significant digits of the histogram (its sub-bucket count follows: 2048 for 3 digits).
const SIGFIG: u8 = 3;

struct Opts {
    rate: u64,
    secs: f64,
    warmup_secs: f64,
    payload: usize,
    segment_size: u64,
    dir: Option<PathBuf>,
    hgrm: PathBuf,
    /// Pin the segment-preparing thread to this core (default: not pinned).
    preparer_core: Option<usize>,
    /// Internal: run as the reader of this stream, skipping this many records.
    reader: Option<(PathBuf, u64)>,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        rate: 100_000,
        secs: 5.0,
        warmup_secs: 1.0,
        payload: 64,
        segment_size: 4 << 20,
        dir: None,
        hgrm: PathBuf::from("journal-latency.hgrm"),
        preparer_core: None,
        reader: None,
    };
    let mut args = std::env::args().skip(1);
    let mut skip = 0;
    let mut reader_dir = None;
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        let num = |v: String| v.parse::<f64>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--rate" => o.rate = num(val()?)? as u64,
            "--secs" => o.secs = num(val()?)?,
            "--warmup-secs" => o.warmup_secs = num(val()?)?,
            "--payload" => o.payload = num(val()?)? as usize,
            "--segment-size" => o.segment_size = num(val()?)? as u64,
            "--dir" => o.dir = Some(PathBuf::from(val()?)),
            "--hgrm" => o.hgrm = PathBuf::from(val()?),
            "--preparer-core" => o.preparer_core = Some(num(val()?)? as usize),
            "--reader" => reader_dir = Some(PathBuf::from(val()?)),
            "--skip" => skip = num(val()?)? as u64,
            _ => return Err(format!("unknown argument {a} (see the source's doc comment)")),
        }
    }
    if o.rate == 0 || o.secs <= 0.0 || o.payload < 8 {
        return Err("--rate and --secs must be positive, --payload at least 8".into());
    }
    o.reader = reader_dir.map(|d| (d, skip));
    Ok(o)
}

/// The 1-minute load average (how busy the machine was: other processes steal the spinning cores).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// Pins this thread to `core` if the machine has it; says what happened.
fn pin(core: usize, who: &str) -> String {
    let ids = core_affinity::get_core_ids().unwrap_or_default();
    match ids.iter().find(|c| c.id == core) {
        Some(c) if core_affinity::set_for_current(*c) => format!("{who} pinned to core {core}"),
        _ => format!("{who} NOT pinned (core {core} unavailable among {} cores)", ids.len()),
    }
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("journal_latency: {e}");
            return ExitCode::from(2);
        }
    };
    let r = match &o.reader {
        Some((dir, skip)) => reader(dir, *skip, &o.hgrm),
        None => writer(&o),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journal_latency: {e}");
            ExitCode::FAILURE
        }
    }
}

fn writer(o: &Opts) -> Result<(), String> {
    let dir = o.dir.clone().unwrap_or_else(|| {
        let base =
            if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        base.join(format!("alphapulse-journal-latency-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = StreamConfig { segment_size: o.segment_size, ..StreamConfig::default() };
    let mut w = Writer::create_or_open(&dir, cfg).map_err(|e| e.to_string())?;
    let warmup = (o.warmup_secs * o.rate as f64) as u64;
    let total = warmup + (o.secs * o.rate as f64) as u64;

    let stop = Arc::new(AtomicBool::new(false));
    let prep = {
        let (p, stop) = (w.preparer(), stop.clone());
        let core = o.preparer_core;
        std::thread::spawn(move || {
            let pinned = core.map(|c| pin(c, "preparer"));
            let (mut errors, mut made, mut max) = (0u64, 0u64, Duration::ZERO);
            while !stop.load(Ordering::Acquire) {
                let t = Instant::now();
                match p.prepare() {
                    Ok(true) => {
                        made += 1;
                        max = max.max(t.elapsed());
                    }
                    Ok(false) => {}
                    Err(_) => errors += 1,
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            (errors, made, max, pinned.unwrap_or_else(|| "preparer not pinned".into()))
        })
    };

    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .arg("--reader")
        .arg(&dir)
        .args(["--skip", &warmup.to_string(), "--hgrm"])
        .arg(&o.hgrm)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting the reader process: {e}"))?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no reader stdout")?).lines();
    match lines.next() {
        Some(Ok(l)) if l.starts_with("ready") => println!("{l}"),
        other => return Err(format!("the reader did not start: {other:?}")),
    }
    println!("{}", pin(0, "writer"));

    let clock = quanta::Clock::new();
    println!(
        "clock: {} ; stream {} (segment {} B); {} records/s, {} warm-up + {} measured records of {} B payload",
        if format!("{clock:?}").contains("Counter") { "TSC (quanta Counter)" } else { "CLOCK_MONOTONIC" },
        dir.display(),
        o.segment_size,
        o.rate,
        warmup,
        total - warmup,
        o.payload
    );
    let load_before = loadavg();
    let payload = vec![0x5Au8; o.payload];
    let interval = Duration::from_secs_f64(1.0 / o.rate as f64);
    let start = Instant::now();
    let mut late = 0u64;
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        if Instant::now() > due + interval {
            late += 1;
        }
        while Instant::now() < due {
            std::hint::spin_loop();
        }
        w.append(DATA, 1, clock.raw(), &payload).map_err(|e| e.to_string())?;
    }
    let took = start.elapsed();
    println!("load average (1 min) before {load_before}, after {}", loadavg());
    w.append(END, 1, clock.raw(), &payload).map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    for l in lines.map_while(Result::ok) {
        println!("{l}");
    }
    stop.store(true, Ordering::Release);
    let (prep_errors, made, prep_max, prep_pin) =
        prep.join().unwrap_or((1, 0, Duration::ZERO, "preparer panicked".into()));
    let s = w.stats();
    println!(
        "writer: {total} records in {:.3} s ({:.0}/s), {late} started more than one interval late; \
         {} rolls, {} inline prepares, {} inline unmaps; {prep_pin}: {made} segments prepared \
         (slowest {:.2} ms), {prep_errors} errors",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        s.rolls,
        s.inline_prepares,
        s.inline_unmaps,
        prep_max.as_secs_f64() * 1e3
    );
    drop(w);
    if o.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if !status.success() {
        return Err(format!("the reader failed: {status}"));
    }
    Ok(())
}

fn reader(dir: &Path, skip: u64, hgrm: &Path) -> Result<(), String> {
    let pinned = pin(1, "reader");
    let clock = quanta::Clock::new();
    let mut r = Reader::open(dir).map_err(|e| e.to_string())?;
    let mut h = Histogram::<u64>::new_with_bounds(1, 10_000_000_000, SIGFIG).map_err(|e| e.to_string())?;
    let mut skew = 0u64;
    println!("ready: {pinned}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    loop {
        match r.next() {
            Ok(Some(rec)) => {
                let now = clock.raw();
                if rec.ty == END {
                    break;
                }
                if rec.seq < skip {
                    continue;
                }
                if now <= rec.ts {
                    skew += 1;
                }
                h.saturating_record(clock.delta_as_nanos(rec.ts, now).max(1));
            }
            Ok(None) => std::hint::spin_loop(),
            Err(e) => return Err(format!("reader: {e}")),
        }
    }
    write_hgrm(&h, hgrm).map_err(|e| format!("writing {}: {e}", hgrm.display()))?;
    let q = |p: f64| h.value_at_quantile(p);
    println!(
        "latency ns: n {} p50 {} p90 {} p99 {} p99.9 {} p99.99 {} max {} mean {:.0}; {skew} non-positive \
         deltas (clock skew, recorded as 1 ns); distribution in {}",
        h.len(),
        q(0.5),
        q(0.9),
        q(0.99),
        q(0.999),
        q(0.9999),
        h.max(),
        h.mean(),
        hgrm.display()
    );
    Ok(())
}

/// HdrHistogram's percentile distribution text (as Java's `outputPercentileDistribution` with 5
/// ticks per half distance), values in microseconds.
fn write_hgrm(h: &Histogram<u64>, path: &Path) -> std::io::Result<()> {
    let us = |v: u64| v as f64 / 1000.0;
    let sub_buckets = (2 * 10u64.pow(u32::from(SIGFIG))).next_power_of_two();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{:>12} {:>14} {:>10} {:>14}\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")?;
    let mut count = 0u64;
    for v in h.iter_quantiles(5) {
        count += v.count_since_last_iteration();
        let q = v.quantile_iterated_to();
        if q < 1.0 {
            writeln!(
                out,
                "{:12.3} {:2.12} {:10} {:14.2}",
                us(v.value_iterated_to()),
                q,
                count,
                1.0 / (1.0 - q)
            )?;
        } else {
            writeln!(out, "{:12.3} {:2.12} {:10}", us(v.value_iterated_to()), q, count)?;
        }
    }
    writeln!(out, "#[Mean    = {:12.3}, StdDeviation   = {:12.3}]", h.mean() / 1000.0, h.stdev() / 1000.0)?;
    writeln!(out, "#[Max     = {:12.3}, Total count    = {:12}]", us(h.max()), h.len())?;
    writeln!(out, "#[Buckets = {:12}, SubBuckets     = {:12}]", h.buckets(), sub_buckets)?;
    out.flush()
}
