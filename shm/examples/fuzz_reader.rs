//! A bounded, seeded mutation fuzzer for the journal's readers (issue 8).
//!
//! ```text
//! cargo run --release -p alphapulse-shm --example fuzz_reader -- --seconds 60 [--seed S] [--only I]
//! ```
//!
//! It writes real journals (records of every size from 0 to the segment's maximum, several segment
//! rolls; closed cleanly, or left unclosed as by a crash), then, per iteration, copies one and
//! mutates it: bit flips, truncated or extended segments, zeroed ranges, removed or duplicated
//! segments, garbled segment headers, a garbled, truncated or missing `stream.meta`, a foreign
//! file. Over each mutant it runs the reader, `verify`, the writer's reopen (crash recovery) and
//! `recover`. Violations: a panic (caught; the seed, iteration and mutations are printed), a
//! reader returning a record that is not the one written (its checksum and content are checked
//! against the generator), a hang (> 20 s per iteration), or `recover` succeeding on a stream that
//! then does not verify as complete. Errors are fine: that is what damaged bytes must give.
//! Prints the iterations and the outcome counts; exits 1 on a violation. `--only I` reruns one
//! iteration of the run with the same `--seed`.

use alphapulse_shm::checksum::record_checksum;
use alphapulse_shm::*;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set while the code under test runs inside `catch_unwind`.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Segment size of the generated journals: small, so that a journal has many segments.
const SEG: u64 = 8192;

/// splitmix64: the per-iteration generator.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// The record with sequence `seq`: (type, version, timestamp, payload). Sizes cover 0 to the
/// largest payload a segment takes (rarely) and the engine's 64-byte messages (often).
pub fn expected(seq: u64) -> (u16, u16, u64, Vec<u8>) {
    let mut r = Rng::new(seq ^ 0xA11CE);
    let max = max_payload(SEG) as u64;
    let len = match r.below(10) {
        0 => max - r.below(64),
        1..=5 => 64,
        _ => r.below(300),
    } as usize;
    let mut p = vec![0u8; len];
    for b in p.iter_mut() {
        *b = r.next_u64() as u8;
    }
    (1 + (seq % 14) as u16, 1, seq * 1000 + 7, p)
}

fn append(w: &mut Writer, n: u64) -> Result<(), JournalError> {
    for _ in 0..n {
        let seq = w.next_seq();
        let (ty, v, ts, p) = expected(seq);
        w.append(ty, v, ts, &p)?;
    }
    Ok(())
}

/// Outcome counts of a run.
#[derive(Default, Debug)]
pub struct Outcome {
    pub iterations: u64,
    pub counts: BTreeMap<String, u64>,
    pub violations: Vec<String>,
}

impl Outcome {
    fn count(&mut self, what: &str) {
        *self.counts.entry(what.to_string()).or_default() += 1;
    }
}

fn kind(e: &JournalError) -> String {
    match e {
        JournalError::Corrupt { reason, .. } => {
            let r = format!("{reason:?}");
            format!("corrupt:{}", r.split(['(', ' ', '{']).next().unwrap_or("?"))
        }
        other => {
            let d = format!("{other:?}");
            d.split(['(', ' ', '{']).next().unwrap_or("?").to_string()
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn segs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    v.sort();
    v
}

/// Applies one random mutation to the stream in `dir`; returns its description.
fn mutate(dir: &Path, r: &mut Rng) -> String {
    let ss = segs(dir);
    if ss.is_empty() {
        std::fs::write(dir.join("stray.bin"), [1u8; 10]).unwrap();
        return "add a foreign file (no segment left)".into();
    }
    let pick = |r: &mut Rng| ss[r.below(ss.len() as u64) as usize].clone();
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    match r.below(11) {
        0 | 1 => {
            let p = pick(r);
            let mut b = std::fs::read(&p).unwrap();
            if b.is_empty() {
                return format!("nothing to flip in the empty {}", name(&p));
            }
            let off = r.below(b.len() as u64) as usize;
            let bit = r.below(8);
            b[off] ^= 1 << bit;
            std::fs::write(&p, &b).unwrap();
            format!("flip bit {bit} at {} offset {off}", name(&p))
        }
        2 => {
            let p = pick(r);
            let len = r.below(SEG + 100);
            std::fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(len).unwrap();
            format!("resize {} to {len}", name(&p))
        }
        3 | 4 => {
            let p = pick(r);
            let mut b = std::fs::read(&p).unwrap();
            let at = r.below(b.len() as u64) as usize;
            let n = (r.below(400) as usize).min(b.len() - at);
            let v = if r.below(4) == 0 { 0xFF } else { 0 };
            b[at..at + n].fill(v);
            std::fs::write(&p, &b).unwrap();
            format!("fill {n} bytes with {v:#x} at {} offset {at}", name(&p))
        }
        5 => {
            let p = pick(r);
            std::fs::remove_file(&p).unwrap();
            format!("remove {}", name(&p))
        }
        6 => {
            let p = pick(r);
            let q = pick(r);
            let to = if r.below(2) == 0 { q.clone() } else { dir.join(format!("{:020}.seg", r.below(5000))) };
            std::fs::copy(&p, &to).unwrap();
            format!("copy {} over {}", name(&p), name(&to))
        }
        7 => {
            let p = pick(r);
            let mut b = std::fs::read(&p).unwrap();
            let off = r.below(64.min(b.len() as u64)) as usize;
            if off < b.len() {
                b[off] = r.next_u64() as u8;
            }
            std::fs::write(&p, &b).unwrap();
            format!("garble header byte {off} of {}", name(&p))
        }
        8 => {
            let m = dir.join(META_FILE);
            match r.below(3) {
                0 => {
                    let _ = std::fs::remove_file(&m);
                    "remove stream.meta".into()
                }
                1 => {
                    let _ =
                        std::fs::OpenOptions::new().write(true).open(&m).and_then(|f| f.set_len(r.below(40)));
                    "resize stream.meta".into()
                }
                _ => {
                    let mut b = std::fs::read(&m).unwrap_or_default();
                    if !b.is_empty() {
                        let off = r.below(b.len() as u64) as usize;
                        b[off] ^= 1 << r.below(8);
                        std::fs::write(&m, &b).unwrap();
                    }
                    "flip a bit of stream.meta".into()
                }
            }
        }
        9 => {
            std::fs::write(dir.join("stray.bin"), [1u8; 10]).unwrap();
            std::fs::write(dir.join(".prep-4194303-1.tmp"), [0u8; 100]).unwrap();
            "add a foreign file and a leftover".into()
        }
        _ => {
            // Extend a segment with valid-looking garbage past its size.
            let p = pick(r);
            let mut b = std::fs::read(&p).unwrap();
            b.extend((0..r.below(200)).map(|_| r.next_u64() as u8));
            std::fs::write(&p, &b).unwrap();
            format!("append garbage to {}", name(&p))
        }
    }
}

/// Reads `dir` to its end with a reader; every record must be the one written.
fn read_all(dir: &Path, what: &str, log: &mut Vec<String>, o: &mut Outcome) -> Option<u64> {
    let mut r = match Reader::open(dir) {
        Ok(r) => r,
        Err(e) => {
            o.count(&format!("{what}: open error {}", kind(&e)));
            return None;
        }
    };
    let mut n = 0;
    for _ in 0..1_000_000 {
        match r.next() {
            Ok(Some(rec)) => {
                let (ty, v, ts, p) = expected(rec.seq);
                let ck = record_checksum(
                    (RECORD_HEADER + rec.payload.len()) as u64
                        | (rec.ty as u64) << 32
                        | (rec.version as u64) << 48,
                    rec.seq,
                    rec.ts,
                    rec.payload,
                );
                let (_, _, _, pe) = expected(rec.seq);
                let want_ck = record_checksum(
                    (RECORD_HEADER + pe.len()) as u64 | (ty as u64) << 32 | (v as u64) << 48,
                    rec.seq,
                    ts,
                    &pe,
                );
                if (rec.ty, rec.version, rec.ts, rec.payload) != (ty, v, ts, p.as_slice()) || ck != want_ck {
                    log.push(format!(
                        "{what}: reader returned a record that was not written: seq {}",
                        rec.seq
                    ));
                    return None;
                }
                n += 1;
            }
            Ok(None) => {
                o.count(&format!("{what}: read to end"));
                return Some(n);
            }
            Err(e) => {
                o.count(&format!("{what}: error {}", kind(&e)));
                return Some(n);
            }
        }
    }
    log.push(format!("{what}: more than a million records"));
    None
}

/// One iteration: a fresh mutant of a base journal, every path over it.
fn iteration(base: &Path, work: &Path, seed: u64, i: u64, o: &mut Outcome) -> Result<(), String> {
    let mut r = Rng::new(seed ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let kind_of_base = r.below(2);
    let a = work.join(format!("a{i}"));
    let b = work.join(format!("b{i}"));
    let src = base.join(if kind_of_base == 0 { "closed" } else { "unclosed" });
    copy_dir(&src, &a);
    let mut muts = vec![format!("base {}", if kind_of_base == 0 { "closed" } else { "unclosed" })];
    for _ in 0..1 + r.below(3) {
        muts.push(mutate(&a, &mut r));
    }
    copy_dir(&a, &b);
    let mut log = Vec::new();
    QUIET.store(true, Ordering::Relaxed);
    let res = catch_unwind(AssertUnwindSafe(|| {
        read_all(&a, "reader", &mut log, o);
        match verify(&a) {
            Ok(v) => o.count(if v.is_complete() { "verify: complete" } else { "verify: not complete" }),
            Err(e) => o.count(&format!("verify: error {}", kind(&e))),
        }
        match recover(&a) {
            Ok(_) => {
                o.count("recover: ok");
                match verify(&a) {
                    Ok(v) => {
                        let only_foreign = v.problems.iter().all(|p| {
                            matches!(p, Problem::ForeignFile(f) if f.extension().is_none_or(|e| e != "seg"))
                        });
                        if !(only_foreign
                            && matches!(v.state, StreamState::Ended(e) if e.status.is_complete()))
                        {
                            log.push(format!("recover succeeded but the stream does not verify: {v:?}"));
                        }
                    }
                    Err(e) => log.push(format!("recover succeeded but verify failed: {e}")),
                }
                read_all(&a, "reader after recover", &mut log, o);
            }
            Err(e) => o.count(&format!("recover: error {}", kind(&e))),
        }
        // The writer's own crash recovery on the other copy, then more records.
        match Writer::create_or_open(&b, StreamConfig { segment_size: SEG, ..Default::default() }) {
            Ok(mut w) => {
                o.count("writer reopen: ok");
                if let Err(e) = append(&mut w, 50).and_then(|_| w.close().map(|_| ())) {
                    o.count(&format!("writer append: error {}", kind(&e)));
                }
                drop(w);
                read_all(&b, "reader after reopen", &mut log, o);
            }
            Err(e) => o.count(&format!("writer reopen: error {}", kind(&e))),
        }
    }));
    QUIET.store(false, Ordering::Relaxed);
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
    let repro =
        format!("seed {seed} iteration {i} (--seed {seed} --only {i}); mutations: {}", muts.join("; "));
    match res {
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("PANIC {msg}: {repro}"))
        }
        Ok(()) if !log.is_empty() => Err(format!("{}: {repro}", log.join("; "))),
        Ok(()) => Ok(()),
    }
}

/// Writes the base journals (closed and unclosed) into `base`.
fn make_base(base: &Path) {
    for (name, close) in [("closed", true), ("unclosed", false)] {
        let dir = base.join(name);
        let mut w =
            Writer::create_or_open(&dir, StreamConfig { segment_size: SEG, ..Default::default() }).unwrap();
        append(&mut w, 120).unwrap();
        if close {
            w.close().unwrap();
        }
        drop(w);
        // A lock naming no running process: the "writer" of the copies is gone.
        std::fs::write(dir.join(LOCK_FILE), b"4194303").unwrap();
        assert!(segs(&dir).len() >= 5, "the base journal has several segments");
    }
}

/// Runs the fuzzer for `seconds` (or `iterations`, whichever ends first), or only iteration `only`.
pub fn run(seed: u64, seconds: f64, iterations: u64, only: Option<u64>) -> Outcome {
    let root = std::path::Path::new(if Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" })
        .join(format!("ap-fuzz-reader-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (base, work) = (root.join("base"), root.join("work"));
    make_base(&base);
    std::fs::create_dir_all(&work).unwrap();
    // Panics of the code under test are caught and reported with the seed: quiet. Any other
    // (a bug of the fuzzer itself) is printed by the default hook.
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET.load(Ordering::Relaxed) {
            default(info);
        }
    }));
    let current = Arc::new(AtomicU64::new(u64::MAX));
    let started = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    {
        let (c, s) = (current.clone(), started.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let i = c.load(Ordering::Relaxed);
            let at = s.load(Ordering::Relaxed);
            if i != u64::MAX && t0.elapsed().as_millis() as u64 > at + 20_000 {
                eprintln!("VIOLATION: iteration {i} hangs (> 20 s): rerun with --seed {seed} --only {i}");
                std::process::exit(1);
            }
        });
    }
    let mut o = Outcome::default();
    let deadline = t0 + Duration::from_secs_f64(seconds);
    let range: Box<dyn Iterator<Item = u64>> = match only {
        Some(i) => Box::new(std::iter::once(i)),
        None => Box::new(0..iterations),
    };
    for i in range {
        if only.is_none() && Instant::now() >= deadline {
            break;
        }
        started.store(t0.elapsed().as_millis() as u64, Ordering::Relaxed);
        current.store(i, Ordering::Relaxed);
        if let Err(v) = iteration(&base, &work, seed, i, &mut o) {
            o.violations.push(v);
        }
        o.iterations += 1;
    }
    current.store(u64::MAX, Ordering::Relaxed);
    let _ = std::panic::take_hook();
    let _ = std::fs::remove_dir_all(&root);
    o
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |k: &str| args.iter().position(|a| a == k).and_then(|i| args.get(i + 1)).cloned();
    let seconds: f64 = get("--seconds").and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let seed: u64 = get("--seed").and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    let only: Option<u64> = get("--only").and_then(|s| s.parse().ok());
    println!("fuzz_reader: seed {seed}, {seconds} s");
    let t = Instant::now();
    let o = run(seed, seconds, u64::MAX, only);
    println!("{} iterations in {:.1} s", o.iterations, t.elapsed().as_secs_f64());
    for (k, v) in &o.counts {
        println!("  {v:>8}  {k}");
    }
    if o.violations.is_empty() {
        println!("no violation");
    } else {
        for v in o.violations.iter().take(20) {
            println!("VIOLATION: {v}");
        }
        println!("{} violation(s)", o.violations.len());
        std::process::exit(1);
    }
}
