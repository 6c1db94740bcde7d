//! The journal (issue 4, "Benchmarks"): append throughput, and the cost journaling adds to the
//! whole chain. Figures: `latency-reports/journal.md`.
//!
//! - `journal_append/{64B,256B}`: `alphapulse_shm::Writer::append` of one record with a 64- or
//!   256-byte payload (records of 96 / 288 bytes with the 32-byte header), one thread, on a
//!   **prepared** segment in `/dev/shm` (tmpfs; `$ALPHAPULSE_BENCH_JOURNAL_DIR` overrides the
//!   folder). Segments are 256 MiB and pre-faulted; the timed loop never rolls: the harness counts
//!   how many records fit in the current segment, times at most that many, and does the roll, the
//!   preparation of the next segment and the deletion of old ones outside the timed region.
//!   Throughput is records/s and payload bytes/s.
//! - `journal_cost/{no_journal,journaled_dev_shm,journaled_disk}`: the whole one-thread backtest
//!   chain (`alphapulse_tools::backtest::build_chain`, default config, the repo sample decompressed
//!   into a plain file in the page cache) run by `alphapulse_runtime::run_with` without a journal,
//!   and with a `JournalSpec` (the CLI's default stream config: 4 MiB segments, no msync) in
//!   `/dev/shm` and on the disk under `target/`. The time is the runtime's own `RunOutput::elapsed`
//!   (opening the streams and building the chain are setup); throughput is capture frames/s. The
//!   setup line printed first gives the records journaled per run, to turn the difference into a
//!   cost per journaled message. Because criterion runs the variants one after the other, the
//!   setup also runs them interleaved (21 rounds) and prints the median per-round difference.
//! - `journal_read/{feed_stream_verify,feed_stream_verify_decode}`: an `alphapulse_shm::Reader`
//!   reading the whole `feed` stream of a journaled run of the sample (one record per market
//!   message, a depth update being one record with its levels; checksums verified), without and
//!   with decoding (`Msg::decode` of the 64-byte header, `decode_levels` of a depth record's
//!   levels): the ceiling of a `--from-journal` replay's source. Throughput is records/s.
//!
//! The writer → reader latency across processes is the `journal_latency` binary (same crate).

use alphapulse_benches::capture::{Capture, TempCapture};
use alphapulse_benches::config;
use alphapulse_feeds::FeedActor;
use alphapulse_runtime::{run_with, Actor, JournalSpec, Placement, RunOutput};
use alphapulse_shm::{align8, Reader, Retention, StreamConfig, Writer, RECORD_HEADER, SEGMENT_HEADER};
use alphapulse_tools::backtest::{build_chain, check, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::{decode_levels, InstrumentTable, Msg, ENCODED_LEN};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Segment size of the append benches (pre-faulted, so it is resident: at most 3 exist at once).
const APPEND_SEGMENT: u64 = 256 << 20;

/// Where the append benches write (tmpfs unless overridden).
fn bench_root() -> PathBuf {
    let base = std::env::var_os("ALPHAPULSE_BENCH_JOURNAL_DIR").map_or_else(
        || if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() },
        PathBuf::from,
    );
    base.join(format!("alphapulse-bench-journal-{}", std::process::id()))
}

/// A writer on a fresh stream, and where (by the format's arithmetic) it stands in its segment.
struct Appender {
    w: Writer,
    /// Bytes used in the current segment (the writer's own position, tracked here).
    pos: usize,
    rec: usize,
    payload: Vec<u8>,
    ts: u64,
    rolls: u64,
}

impl Appender {
    fn new(dir: &Path, payload_len: usize) -> Appender {
        let _ = std::fs::remove_dir_all(dir);
        let cfg = StreamConfig {
            segment_size: APPEND_SEGMENT,
            retention: Retention { max_segments: Some(2), max_age_secs: None },
            ..StreamConfig::default()
        };
        let w = Writer::create_or_open(dir, cfg).expect("open bench stream");
        let payload = (0..payload_len).map(|i| (i * 7 + 3) as u8).collect();
        Appender {
            w,
            pos: SEGMENT_HEADER,
            rec: align8(RECORD_HEADER + payload_len),
            payload,
            ts: 0,
            rolls: 0,
        }
    }

    /// Records that still fit in the current segment (the writer rolls when `pos + rec > size`).
    fn room(&self) -> u64 {
        ((APPEND_SEGMENT as usize - self.pos) / self.rec) as u64
    }

    /// Times `n` appends that all fit in the current segment.
    #[inline(never)]
    fn timed(&mut self, n: u64) -> Duration {
        let t = Instant::now();
        for _ in 0..n {
            self.ts += 1;
            let seq = self.w.append(1, 1, self.ts, black_box(&self.payload)).expect("append");
            black_box(seq);
        }
        let d = t.elapsed();
        self.pos += n as usize * self.rec;
        d
    }

    /// Untimed: the next append rolls onto the prepared segment; prepare the one after, drop old ones.
    fn roll(&mut self) {
        self.ts += 1;
        self.w.append(1, 1, self.ts, &self.payload).expect("append (roll)");
        self.pos = SEGMENT_HEADER + self.rec;
        self.rolls += 1;
        self.w.prepare_next().expect("prepare next segment");
        self.w.enforce_retention().expect("retention");
    }

    fn run(&mut self, iters: u64) -> Duration {
        let (mut left, mut total) = (iters, Duration::ZERO);
        while left > 0 {
            if self.room() == 0 {
                self.roll();
            }
            let n = left.min(self.room());
            total += self.timed(n);
            left -= n;
        }
        total
    }
}

fn append(c: &mut Criterion) {
    let root = bench_root();
    let mut g = c.benchmark_group("journal_append");
    g.sampling_mode(SamplingMode::Flat);
    for payload in [64usize, 256] {
        let dir = root.join(format!("append{payload}"));
        let mut a = Appender::new(&dir, payload);
        let rec = a.rec as u64;
        g.throughput(Throughput::ElementsAndBytes { elements: 1, bytes: payload as u64 });
        g.bench_function(format!("{payload}B"), |b| b.iter_custom(|iters| a.run(iters)));
        let s = a.w.stats();
        eprintln!(
            "journal_append/{payload}B: {} records of {rec} B in {} ({} rolls done untimed; writer saw {} rolls, {} inline prepares)",
            a.w.next_seq(),
            dir.display(),
            a.rolls,
            s.rolls,
            s.inline_prepares
        );
        drop(a);
        let _ = std::fs::remove_dir_all(&dir);
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&root);
}

/// The one-thread backtest chain over a plain capture file.
struct Chain {
    cfg: Config,
    table: InstrumentTable,
    placement: Placement,
}

impl Chain {
    fn new(data: PathBuf) -> Chain {
        let mut cfg = Config { data: vec![data], ..Config::default() };
        check(&mut cfg).expect("backtest config");
        let table = instruments(&cfg).expect("instruments");
        let placement = cfg.placement.resolve(&CHAIN).expect("placement");
        assert_eq!(placement.threads.len(), 1, "the default placement is one thread");
        Chain { cfg, table, placement }
    }

    /// Builds the chain and runs it, journaled into `journal` if given.
    fn run(&self, journal: Option<&Path>) -> RunOutput {
        let actors: Vec<Box<dyn Actor>> = build_chain(&self.cfg, &self.table, None).expect("build chain").0;
        let spec = journal.map(|d| JournalSpec {
            dir: d.to_path_buf(),
            stream: self.cfg.journal.stream(),
            on_full: Default::default(),
        });
        let out = run_with(actors, &self.placement, Default::default(), spec.as_ref()).expect("run");
        if let Some(d) = journal {
            let _ = std::fs::remove_dir_all(d);
        }
        out
    }

    /// `iters` runs; the sum of the runtime's elapsed times.
    fn timed(&self, iters: u64, journal: Option<&Path>) -> Duration {
        (0..iters).map(|_| self.run(journal).elapsed).sum()
    }
}

fn journal_cost(c: &mut Criterion) {
    let cap = Capture::sample();
    let plain = TempCapture::write("journal", cap.lines.iter());
    let chain = Chain::new(plain.path.clone());
    let shm = bench_root().join("chain");
    let disk = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target"))
        .join(format!("alphapulse-bench-journal-{}", std::process::id()));

    let out = chain.run(Some(&shm));
    let frames = out.actor::<FeedActor>().expect("feed").stats().frames;
    assert_eq!(frames as usize, cap.lines.len());
    let records: u64 = out.journals.iter().map(|j| j.records).sum();
    let errors: u64 = out.journals.iter().map(|j| j.errors).sum();
    let per: Vec<String> = out.journals.iter().map(|j| format!("{} {}", j.actor, j.records)).collect();
    eprintln!(
        "journal_cost: {frames} frames; {records} records journaled per run ({}), {errors} append errors, \
         {} inline prepares; one journaled run {:.3} s",
        per.join(", "),
        out.journals.iter().map(|j| j.stats.inline_prepares).sum::<u64>(),
        out.elapsed.as_secs_f64()
    );

    paired(&chain, &shm, &disk, frames, records);

    let mut g = c.benchmark_group("journal_cost");
    g.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(frames));
    g.bench_function("no_journal", |b| b.iter_custom(|n| chain.timed(n, None)));
    g.bench_function("journaled_dev_shm", |b| b.iter_custom(|n| chain.timed(n, Some(&shm))));
    g.bench_function("journaled_disk", |b| b.iter_custom(|n| chain.timed(n, Some(&disk))));
    g.finish();
    let _ = std::fs::remove_dir_all(bench_root());
    let _ = std::fs::remove_dir_all(&disk);
}

/// Reading back the `feed` stream of a journaled run of the sample: the replay source's ceiling.
fn read(c: &mut Criterion) {
    let cap = Capture::sample();
    let plain = TempCapture::write("journal_read", cap.lines.iter());
    let chain = Chain::new(plain.path.clone());
    let dir = bench_root().join("read");
    let _ = std::fs::remove_dir_all(&dir);
    let actors = build_chain(&chain.cfg, &chain.table, None).expect("build chain").0;
    let spec =
        JournalSpec { dir: dir.clone(), stream: chain.cfg.journal.stream(), on_full: Default::default() };
    run_with(actors, &chain.placement, Default::default(), Some(&spec)).expect("journaled run");
    let feed = dir.join("feed");
    let (records, depths, levels) = {
        let mut r = Reader::open(&feed).expect("open feed stream");
        let (mut n, mut depths, mut levels) = (0u64, 0u64, 0u64);
        while let Some(rec) = r.next().expect("read") {
            n += 1;
            if let Msg::Depth(d) = decode(rec.payload) {
                depths += 1;
                levels += d.len() as u64;
            }
        }
        (n, depths, levels)
    };
    eprintln!(
        "journal_read: {records} records ({depths} depth updates with {levels} levels) in {}",
        feed.display()
    );
    let mut g = c.benchmark_group("journal_read");
    g.sample_size(20).throughput(Throughput::Elements(records));
    let open = || Reader::open(&feed).expect("open feed stream");
    g.bench_function("feed_stream_verify", |b| {
        b.iter_batched(
            open,
            |mut r| {
                while let Some(rec) = r.next().expect("read") {
                    black_box(rec.payload);
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("feed_stream_verify_decode", |b| {
        b.iter_batched(
            open,
            |mut r| {
                while let Some(rec) = r.next().expect("read") {
                    black_box(decode(rec.payload));
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let _ = std::fs::remove_dir_all(bench_root());
}

/// Decode a `feed` stream record: the message, and a depth update's levels (each handed to
/// `black_box`, nothing collected). Panics on a bad record: the stream was just written.
#[inline]
fn decode(payload: &[u8]) -> Msg {
    let (head, rest) = payload.split_at(ENCODED_LEN.min(payload.len()));
    let m = Msg::decode(head).expect("decode");
    if let Msg::Depth(d) = &m {
        decode_levels(rest, d.len(), |l| {
            black_box(l);
        })
        .expect("decode levels");
    }
    m
}

/// Criterion runs the three variants one after the other, so a change of background load between
/// them biases the difference. This runs them interleaved (`PAIRED_ROUNDS` rounds of no journal,
/// `/dev/shm`, disk) and prints the medians and the median of the per-round differences.
fn paired(chain: &Chain, shm: &Path, disk: &Path, frames: u64, records: u64) {
    const PAIRED_ROUNDS: usize = 21;
    let mut t: [Vec<f64>; 3] = Default::default();
    for _ in 0..PAIRED_ROUNDS {
        for (i, j) in [None, Some(shm), Some(disk)].into_iter().enumerate() {
            t[i].push(chain.run(j).elapsed.as_secs_f64() * 1e9);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = median(&mut t[0].clone());
    for (i, name) in [(1, "journaled_dev_shm"), (2, "journaled_disk")] {
        let mut d: Vec<f64> = t[i].iter().zip(&t[0]).map(|(j, n)| j - n).collect();
        let (m, dm) = (median(&mut t[i].clone()), median(&mut d));
        eprintln!(
            "journal_cost paired ({PAIRED_ROUNDS} interleaved rounds): no_journal median {:.2} ms, {name} {:.2} ms; \
             median difference {:.2} ms = {:.0} ns/frame = {:.1} ns per journaled record ({:+.1} %)",
            base / 1e6,
            m / 1e6,
            dm / 1e6,
            dm / frames as f64,
            dm / records as f64,
            dm / base * 100.0
        );
    }
}

criterion_group! { name = benches; config = config(); targets = append, journal_cost, read }
criterion_main!(benches);
