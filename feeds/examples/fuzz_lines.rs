//! A bounded, seeded mutation fuzzer over real capture lines (issue 8).
//!
//! ```sh
//! cargo run --release -p alphapulse-feeds --example fuzz_lines -- --seconds 120 [--seed S] [--iterations N] [--data FILE...]
//! ```
//!
//! Corpus: the repo sample, plus every capture of `../shared/data` (binance-spot, binance-usdm,
//! cryptofeed ws) when present; `--data` replaces it. Each batch takes a window of real lines of
//! one capture (after its header lines: the lines up to the first REST snapshot, so books sync)
//! and replaces about one line in eight by a mutant: bit flips, byte insert/delete/duplicate, digit
//! changes, sign insertion, field deletion, truncation, two lines spliced, huge/zero numbers, one
//! number copied over another; in one batch in four also a header line such as the snapshot.
//!
//! Every mutant goes through the parser twice (the scanner with its simd-json fallback, and
//! simd-json alone): the results must agree, a line the scanner takes must be one simd-json
//! accepts identically, and every accepted frame must obey the point-4 rules (prices > 0, trade
//! quantity > 0, quote/level quantity >= 0, snapshot not crossed). Every batch then goes through
//! the whole feed path (`Replay`: line reading, receive-time checks, both parsers, book sync, book)
//! and its output must obey the same rules, carry receive times in the plausible window, and its
//! counters must add up. A panic anywhere is caught and reported with the mutant line and the
//! seed. Deterministic given the seed (the time limit only decides how far the sequence runs).
//! Exit status: 0 no violation, 1 a violation or panic, 2 bad usage.

use alphapulse_feeds::parse::Parser;
use alphapulse_feeds::source::{MAX_RECV_NS, MIN_RECV_NS, REBASE_AFTER};
use alphapulse_feeds::{
    detect_format, sample_instruments, testdata, CaptureFormat, FeedOptions, FrameKind, MalformedKind,
    Replay, ReplaySink, SymbolMap,
};
use alphapulse_types::{Depth, InstrumentTable, Msg, Price, Qty};
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Stop after this long (checked between batches).
    pub seconds: f64,
    /// Stop after this many mutants.
    pub max_iterations: u64,
    pub seed: u64,
    /// Captures to draw lines from (empty: the default corpus).
    pub data: Vec<PathBuf>,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Summary {
    /// Mutant lines checked.
    pub iterations: u64,
    /// Batches replayed through the feed.
    pub batches: u64,
    /// Mutants the parser accepted, by [`FrameKind`].
    pub accepted: [u64; FrameKind::COUNT],
    /// Mutants the parser refused, by [`MalformedKind`].
    pub refused: [u64; MalformedKind::COUNT],
    /// Mutants the scanner took (identical to simd-json).
    pub taken_by_scanner: u64,
    /// Malformed lines the feed counted over all batches, by kind (receive times included).
    pub feed_malformed: [u64; MalformedKind::COUNT],
    /// Messages the feed emitted over all batches.
    pub emitted: u64,
    /// Gaps the feed counted over all batches.
    pub gaps: u64,
    /// Each violation, with what reproduces it.
    pub violations: Vec<String>,
}

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// The lines of one capture.
struct Corpus {
    path: PathBuf,
    format: CaptureFormat,
    /// Kept unmutated at the head of every batch (format detection, the snapshot).
    header: Vec<Vec<u8>>,
    body: Vec<Vec<u8>>,
}

fn read_lines(path: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let raw = std::fs::read(path)?;
    let text = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut t = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut t)?;
        t
    } else {
        raw
    };
    Ok(text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect())
}

fn load(path: &Path) -> Result<Corpus, String> {
    let format = detect_format(path).map_err(|e| e.to_string())?;
    let mut lines = read_lines(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let head = match format {
        CaptureFormat::Binance => lines
            .iter()
            .take(200)
            .position(|l| l.windows(14).any(|w| w == b"\"lastUpdateId\""))
            .map_or(1, |i| i + 1),
        _ => 1,
    };
    if lines.len() <= head {
        return Err(format!("{}: too few lines", path.display()));
    }
    let body = lines.split_off(head);
    Ok(Corpus { path: path.to_path_buf(), format, header: lines, body })
}

/// The default corpus: the sample, and the shared captures when present.
fn default_data() -> Vec<PathBuf> {
    let mut v = vec![testdata::sample_capture()];
    if let Some(d) = testdata::shared_data_dir() {
        for dir in ["binance-spot", "binance-usdm"] {
            if let Ok(rd) = std::fs::read_dir(d.join(dir)) {
                let mut fs: Vec<PathBuf> = rd
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "gz"))
                    .collect();
                fs.sort();
                v.extend(fs);
            }
        }
        let ws = d.join("cryptofeed/BINANCE.ws.1.0");
        if ws.is_file() {
            v.push(ws);
        }
    }
    v
}

const INTERESTING: &[u8] = b"\"{}[],:0123456789.-+eE \t\\tfnulx@\x00\xff";
const NUMBERS: &[&[u8]] = &[
    b"99999999999999999999",
    b"18446744073709551615",
    b"18446744073709551616",
    b"4102444800000000000",
    b"92233720368.54775808",
    b"0",
    b"0.00000000",
    b"-0",
    b"-1.5",
    b"1e9",
];

/// Maximal runs of digits and dots.
fn number_runs(l: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < l.len() {
        if l[i].is_ascii_digit() {
            let s = i;
            while i < l.len() && (l[i].is_ascii_digit() || l[i] == b'.') {
                i += 1;
            }
            v.push((s, i));
        } else {
            i += 1;
        }
    }
    v
}

/// One mutation of `l`; `other` is another real line (for splicing).
fn mutate(l: &mut Vec<u8>, other: &[u8], rng: &mut Rng) {
    let n = l.len();
    if n == 0 {
        l.extend_from_slice(other);
        return;
    }
    match rng.below(12) {
        0 => {
            let i = rng.below(n);
            l[i] ^= 1 << rng.below(8);
        }
        1 => {
            let b = INTERESTING[rng.below(INTERESTING.len())];
            l.insert(rng.below(n + 1), if rng.below(4) == 0 { rng.next() as u8 } else { b });
        }
        2 => {
            l.remove(rng.below(n));
        }
        3 => {
            let s = rng.below(n);
            let e = (s + 1 + rng.below(16)).min(n);
            let copy = l[s..e].to_vec();
            l.splice(e..e, copy);
        }
        4 => {
            let digits: Vec<usize> = (0..n).filter(|&i| l[i].is_ascii_digit()).collect();
            if let Some(&i) = digits.get(rng.below(digits.len())) {
                l[i] = b'0' + rng.below(10) as u8;
            }
        }
        5 => {
            let runs = number_runs(l);
            if let Some(&(s, _)) = runs.get(rng.below(runs.len())) {
                l.insert(s, b'-');
            }
        }
        6 => {
            // Delete a member: from a `,"` to the next `,` or `}`.
            let starts: Vec<usize> =
                (0..n.saturating_sub(1)).filter(|&i| l[i] == b',' && l[i + 1] == b'"').collect();
            if let Some(&s) = starts.get(rng.below(starts.len())) {
                let e = (s + 1..n).find(|&i| l[i] == b',' || l[i] == b'}').unwrap_or(n);
                l.drain(s..e);
            }
        }
        7 => l.truncate(rng.below(n)),
        8 => {
            let a = rng.below(n + 1);
            let b = rng.below(other.len() + 1);
            l.truncate(a);
            l.extend_from_slice(&other[b..]);
        }
        9 | 10 => {
            let runs = number_runs(l);
            if let Some(&(s, e)) = runs.get(rng.below(runs.len())) {
                l.splice(s..e, NUMBERS[rng.below(NUMBERS.len())].iter().copied());
            }
        }
        11 => {
            // One number copied over another (e.g. a bid price over an ask price: a crossed book).
            let runs = number_runs(l);
            if runs.len() >= 2 {
                let (a, b) = (runs[rng.below(runs.len())], runs[rng.below(runs.len())]);
                let v = l[a.0..a.1].to_vec();
                l.splice(b.0..b.1, v);
            }
        }
        _ => unreachable!(),
    }
}

/// The JSON part of a capture line (after `<ns> ` or `<secs>: `), if the prefix is there.
fn json_of(line: &[u8], format: CaptureFormat) -> Option<&[u8]> {
    match format {
        CaptureFormat::Binance => line.iter().position(|&b| b == b' ').map(|i| &line[i + 1..]),
        _ => line.windows(2).position(|w| w == b": ").map(|i| &line[i + 2..]),
    }
}

/// Why a frame the parser accepted breaks the point-4 rules, if it does (checked independently of
/// the feed's own validation).
fn frame_violation(p: &Parser, kind: FrameKind) -> Option<String> {
    let f = &p.frame;
    let level_bad = |l: &[(alphapulse_types::Price, alphapulse_types::Qty)]| {
        l.iter().any(|(px, q)| px.raw() <= 0 || q.raw() < 0)
    };
    match kind {
        FrameKind::Depth if level_bad(&f.bids) || level_bad(&f.asks) => Some("depth level".into()),
        FrameKind::Snapshot => {
            if level_bad(&f.bids) || level_bad(&f.asks) {
                return Some("snapshot level".into());
            }
            let bb = f.bids.iter().filter(|l| l.1.raw() > 0).map(|l| l.0).max();
            let ba = f.asks.iter().filter(|l| l.1.raw() > 0).map(|l| l.0).min();
            match (bb, ba) {
                (Some(b), Some(a)) if b >= a => Some(format!("crossed snapshot {b} >= {a}")),
                _ => None,
            }
        }
        FrameKind::BookTicker
            if f.bid_px.raw() <= 0 || f.ask_px.raw() <= 0 || f.bid_qty.raw() < 0 || f.ask_qty.raw() < 0 =>
        {
            Some(format!("bookTicker {:?} {:?} {:?} {:?}", f.bid_px, f.bid_qty, f.ask_px, f.ask_qty))
        }
        FrameKind::Trade | FrameKind::AggTrade if f.px.raw() <= 0 || f.qty.raw() <= 0 => {
            Some(format!("trade {:?} {:?}", f.px, f.qty))
        }
        _ => None,
    }
}

/// Why an emitted message breaks the rules, if it does.
fn msg_violation(m: &Msg, levels: &[(Price, Qty)], latest_ok: u64) -> Option<String> {
    let bad = match m {
        Msg::Quote(q) => {
            q.bid_px.raw() <= 0 || q.ask_px.raw() <= 0 || q.bid_qty.raw() < 0 || q.ask_qty.raw() < 0
        }
        Msg::Trade(t) => t.px.raw() <= 0 || t.qty.raw() <= 0,
        Msg::Depth(d) => {
            d.best_bid.raw() < 0
                || d.best_ask.raw() < 0
                || levels[d.at as usize..d.at as usize + d.len()]
                    .iter()
                    .any(|l| l.0.raw() <= 0 || l.1.raw() < 0)
        }
        _ => false,
    };
    if bad {
        return Some(format!("forbidden value emitted: {m:?}"));
    }
    let ts = m.event_ts();
    if m.is_market() && (!(MIN_RECV_NS..MAX_RECV_NS).contains(&ts) || ts > latest_ok) {
        return Some(format!("implausible receive time {ts} emitted (latest allowed {latest_ok}): {m:?}"));
    }
    None
}

#[derive(Default)]
struct Keep {
    msgs: Vec<Msg>,
    /// The levels of the depth updates (each kept `Depth::at` indexes this).
    levels: Vec<(Price, Qty)>,
    /// Depth updates whose counts did not match their levels.
    miscounted: u64,
}
impl ReplaySink for Keep {
    fn emit(&mut self, m: Msg) {
        self.msgs.push(m);
    }
    fn emit_depth(&mut self, mut d: Depth, bids: &[(Price, Qty)], asks: &[(Price, Qty)]) {
        if (d.bids as usize, d.asks as usize) != (bids.len(), asks.len()) {
            self.miscounted += 1;
        }
        d.at = self.levels.len() as u32;
        d.bids = bids.len() as u32;
        d.asks = asks.len() as u32;
        self.levels.extend(bids.iter().chain(asks));
        self.msgs.push(Msg::Depth(d));
    }
}

fn show(line: &[u8]) -> String {
    line.escape_ascii().to_string()
}

/// One parser with the scanner and one simd-json only, over one symbol map each.
struct Pair {
    fast: Parser,
    tape: Parser,
    sf: SymbolMap,
    st: SymbolMap,
    buf: Vec<u8>,
}

impl Pair {
    fn new(table: &InstrumentTable) -> Self {
        let mut tape = Parser::new(1 << 20, 5000);
        tape.set_fast_path(false);
        Pair {
            fast: Parser::new(1 << 20, 5000),
            tape,
            sf: SymbolMap::new(table),
            st: SymbolMap::new(table),
            buf: Vec::new(),
        }
    }

    /// Parse `json` both ways; `Err` describes a disagreement or a rule broken.
    fn check(&mut self, json: &[u8], s: &mut Summary) -> Result<(), String> {
        let before = self.fast.path_counts().fast;
        self.buf.clear();
        self.buf.extend_from_slice(json);
        let rf = self.fast.parse(&mut self.buf, None, &mut self.sf);
        let took = self.fast.path_counts().fast > before;
        self.buf.clear();
        self.buf.extend_from_slice(json);
        let rt = self.tape.parse(&mut self.buf, None, &mut self.st);
        if rf != rt {
            return Err(format!("scanner path {rf:?} != simd-json {rt:?} (scanner took it: {took})"));
        }
        if took && rt.is_err() {
            return Err(format!("the scanner took a line simd-json refuses ({rt:?})"));
        }
        match rt {
            Ok(kind) => {
                if self.fast.frame != self.tape.frame {
                    return Err(format!("frames differ:\n{:?}\n{:?}", self.fast.frame, self.tape.frame));
                }
                if let Some(v) = frame_violation(&self.tape, kind) {
                    return Err(format!("accepted a frame breaking the rules: {v}"));
                }
                s.accepted[kind as usize] += 1;
                s.taken_by_scanner += took as u64;
            }
            Err(k) => s.refused[k as usize] += 1,
        }
        Ok(())
    }
}

/// Run the fuzz loop.
pub fn run(opts: &Options) -> Summary {
    let mut s = Summary::default();
    let files = if opts.data.is_empty() { default_data() } else { opts.data.clone() };
    let mut corpora = Vec::new();
    for f in &files {
        match load(f) {
            Ok(c) => corpora.push(c),
            Err(e) => s.violations.push(format!("cannot load {}: {e}", f.display())),
        }
    }
    if corpora.is_empty() {
        s.violations.push("no corpus".into());
        return s;
    }
    let table = sample_instruments();
    let feed_opts = FeedOptions::defaults();
    let mut pair = Pair::new(&table);
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run_no = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("alphapulse-fuzz-lines-{}-{run_no}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        s.violations.push(format!("{}: {e}", dir.display()));
        return s;
    }
    let deadline = Instant::now() + Duration::from_secs_f64(opts.seconds.max(0.0));
    let mut rng = Rng(opts.seed);
    let mut keep_files = false;
    while Instant::now() < deadline && s.iterations < opts.max_iterations && s.violations.len() < 20 {
        let batch = s.batches;
        let c = &corpora[rng.below(corpora.len())];
        // Half the windows start right after the header (books sync), half anywhere.
        let len = 50 + rng.below(1500);
        let start = if rng.below(2) == 0 { 0 } else { rng.below(c.body.len()) };
        let window = &c.body[start..(start + len).min(c.body.len())];
        let mut lines: Vec<Vec<u8>> = c.header.clone();
        let mut mutants = Vec::new();
        // Sometimes a header line other than the first (which names the format), e.g. the snapshot.
        if c.header.len() > 1 && rng.below(4) == 0 {
            let i = 1 + rng.below(c.header.len() - 1);
            let mut m = c.header[i].clone();
            for _ in 0..1 + rng.below(4) {
                let other = &c.body[rng.below(c.body.len())];
                mutate(&mut m, other, &mut rng);
            }
            m.retain(|&b| b != b'\n');
            check_mutant(&mut pair, &table, &m, c, s.iterations, opts.seed, &mut s);
            s.iterations += 1;
            mutants.push(m.clone());
            lines[i] = m;
        }
        let mut latest = 0u64;
        for real in window {
            if let Some(ts) = recv_of(real, c.format) {
                latest = latest.max(ts);
            }
            if rng.below(8) != 0 {
                lines.push(real.clone());
                continue;
            }
            let mut m = real.clone();
            for _ in 0..1 + rng.below(4) {
                let other = &c.body[rng.below(c.body.len())];
                mutate(&mut m, other, &mut rng);
            }
            // A line break would make two lines of it: keep one line per mutant.
            m.retain(|&b| b != b'\n');
            check_mutant(&mut pair, &table, &m, c, s.iterations, opts.seed, &mut s);
            s.iterations += 1;
            mutants.push(m.clone());
            lines.push(m);
        }
        // The whole feed path over the batch.
        let name = match c.format {
            CaptureFormat::Binance => {
                let stem = c.path.file_name().and_then(|n| n.to_str()).unwrap_or("x");
                format!("{}_fuzz{batch}.txt", stem.split('_').next().unwrap_or(stem))
            }
            _ => format!("fuzz{batch}.txt"),
        };
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, lines.join(&b'\n')) {
            s.violations.push(format!("{}: {e}", path.display()));
            break;
        }
        let latest_ok = latest.saturating_add(feed_opts.max_recv_jump_forward_ns);
        match catch_unwind(AssertUnwindSafe(|| replay_batch(&path, &table, &feed_opts, latest_ok))) {
            Ok(Ok(b)) => {
                s.emitted += b.emitted;
                s.gaps += b.gaps;
                for (t, x) in s.feed_malformed.iter_mut().zip(b.malformed) {
                    *t += x;
                }
                let _ = std::fs::remove_file(&path);
            }
            Ok(Err(v)) => {
                keep_files = true;
                s.violations.push(format!(
                    "seed {} batch {batch} ({}): {v}\n  batch kept at {}",
                    opts.seed,
                    c.path.display(),
                    path.display()
                ));
            }
            Err(_) => {
                keep_files = true;
                let culprits = isolate(&dir, &path, c, &mutants, &table, &feed_opts);
                s.violations.push(format!(
                    "seed {} batch {batch} ({}): the feed panicked; batch kept at {}{}",
                    opts.seed,
                    c.path.display(),
                    path.display(),
                    culprits
                ));
            }
        }
        s.batches += 1;
    }
    if !keep_files {
        let _ = std::fs::remove_dir_all(&dir);
    }
    s
}

/// Parse one mutant both ways (see [`Pair::check`]); a disagreement, a broken rule or a panic is a
/// violation naming the line, the seed and the iteration.
fn check_mutant(
    pair: &mut Pair,
    table: &InstrumentTable,
    m: &[u8],
    c: &Corpus,
    iteration: u64,
    seed: u64,
    s: &mut Summary,
) {
    let Some(json) = json_of(m, c.format) else {
        return;
    };
    match catch_unwind(AssertUnwindSafe(|| pair.check(json, s))) {
        Ok(Ok(())) => {}
        Ok(Err(v)) => s.violations.push(format!(
            "seed {seed} iteration {iteration} ({}): {v}\n  line: {}",
            c.path.display(),
            show(m)
        )),
        Err(_) => {
            s.violations.push(format!(
                "seed {seed} iteration {iteration} ({}): the parser panicked\n  line: {}",
                c.path.display(),
                show(m)
            ));
            *pair = Pair::new(table);
        }
    }
}

/// The receive time of a real line.
fn recv_of(line: &[u8], format: CaptureFormat) -> Option<u64> {
    match format {
        CaptureFormat::Binance => {
            let sp = line.iter().position(|&b| b == b' ')?;
            std::str::from_utf8(&line[..sp]).ok()?.parse().ok()
        }
        _ => {
            let c = line.windows(2).position(|w| w == b": ")?;
            let t = &line[..c];
            let t = t.rsplit(|&b| b == b' ').next()?;
            let secs: f64 = std::str::from_utf8(t).ok()?.parse().ok()?;
            Some((secs * 1e9) as u64 + 1_000_000) // float rounding: 1 ms of slack
        }
    }
}

struct Batch {
    emitted: u64,
    gaps: u64,
    malformed: [u64; MalformedKind::COUNT],
}

/// Replay one batch file and check its output and counters.
fn replay_batch(
    path: &Path,
    table: &InstrumentTable,
    opts: &FeedOptions,
    latest_ok: u64,
) -> Result<Batch, String> {
    let mut r = Replay::open(&[path.to_path_buf()], table, opts).map_err(|e| format!("open: {e}"))?;
    let mut k = Keep::default();
    while r.step(&mut k) {}
    let st = r.stats();
    // A run of consistent out-of-bound receive times may legitimately re-base a source.
    let rebased = st.malformed_count(MalformedKind::BadTimestamp) >= u64::from(REBASE_AFTER) - 1;
    if k.miscounted > 0 {
        return Err(format!("{} depth updates whose counts do not match their levels", k.miscounted));
    }
    for m in &k.msgs {
        if let Some(v) = msg_violation(m, &k.levels, if rebased { MAX_RECV_NS } else { latest_ok }) {
            return Err(v);
        }
    }
    let parsed: u64 = st.by_kind.iter().sum();
    let both = st.malformed_count(MalformedKind::UnknownStream);
    let io = st.malformed_count(MalformedKind::Io);
    if st.frames + both + io != parsed + st.malformed_total() {
        return Err(format!(
            "counters do not add up: frames {} != parsed {parsed} + malformed {} - unknown stream {both} - io {io}",
            st.frames,
            st.malformed_total()
        ));
    }
    let emitted: u64 = st.emitted.iter().sum();
    if emitted != k.msgs.len() as u64 {
        return Err(format!("emitted counter {emitted} != messages {}", k.msgs.len()));
    }
    if st.levels_emitted != k.levels.len() as u64 {
        return Err(format!("levels_emitted counter {} != levels {}", st.levels_emitted, k.levels.len()));
    }
    let mut malformed = [0; MalformedKind::COUNT];
    for kind in MalformedKind::ALL {
        malformed[kind as usize] = st.malformed_count(kind);
    }
    Ok(Batch { emitted, gaps: st.gaps, malformed })
}

/// After a panic in a batch: replay the header with each mutant alone to name the culprit lines.
fn isolate(
    dir: &Path,
    batch: &Path,
    c: &Corpus,
    mutants: &[Vec<u8>],
    table: &InstrumentTable,
    opts: &FeedOptions,
) -> String {
    let mut out = String::new();
    let name = batch.file_name().and_then(|n| n.to_str()).unwrap_or("x").replace(".txt", "_one.txt");
    let one = dir.join(name);
    for m in mutants {
        let mut lines = c.header.clone();
        lines.push(m.clone());
        if std::fs::write(&one, lines.join(&b'\n')).is_err() {
            break;
        }
        if catch_unwind(AssertUnwindSafe(|| replay_batch(&one, table, opts, u64::MAX))).is_err() {
            out.push_str(&format!("\n  panics alone after the header: {}", show(m)));
        }
    }
    let _ = std::fs::remove_file(&one);
    if out.is_empty() {
        out.push_str("\n  (no single mutant panics alone: replay the kept batch)");
    }
    out
}

/// The summary, for a terminal.
pub fn print(s: &Summary, opts: &Options, elapsed: Duration) {
    let list = |names: &mut dyn Iterator<Item = (&'static str, u64)>| {
        names.filter(|(_, n)| *n > 0).map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
    };
    println!(
        "fuzz_lines: seed {}, {:.1} s, {} mutants in {} batches ({} messages emitted, {} gaps)",
        opts.seed,
        elapsed.as_secs_f64(),
        s.iterations,
        s.batches,
        s.emitted,
        s.gaps
    );
    let acc: u64 = s.accepted.iter().sum();
    let refd: u64 = s.refused.iter().sum();
    println!(
        "  parser accepted {acc} (scanner took {}): {}",
        s.taken_by_scanner,
        list(&mut FrameKind::ALL.iter().map(|k| (k.name(), s.accepted[*k as usize])))
    );
    println!(
        "  parser refused {refd}: {}",
        list(&mut MalformedKind::ALL.iter().map(|k| (k.name(), s.refused[*k as usize])))
    );
    println!(
        "  feed malformed lines: {}",
        list(&mut MalformedKind::ALL.iter().map(|k| (k.name(), s.feed_malformed[*k as usize])))
    );
    println!("  violations: {}", s.violations.len());
    for v in &s.violations {
        println!("VIOLATION {v}");
    }
}

#[allow(dead_code)] // included by the test `fuzz_lines`, which has its own main
fn main() -> std::process::ExitCode {
    let usage = "usage: fuzz_lines --seconds N [--seed S] [--iterations N] [--data FILE...]";
    let mut opts = Options { seconds: 10.0, max_iterations: u64::MAX, seed: 0x5eed_f00d, data: Vec::new() };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> Option<f64> {
            let v = args.next().and_then(|v| v.parse::<f64>().ok());
            if v.is_none() {
                eprintln!("{what} needs a number\n{usage}");
            }
            v
        };
        match a.as_str() {
            "--seconds" => match num("--seconds") {
                Some(v) => opts.seconds = v,
                None => return std::process::ExitCode::from(2),
            },
            "--iterations" => match num("--iterations") {
                Some(v) => opts.max_iterations = v as u64,
                None => return std::process::ExitCode::from(2),
            },
            "--seed" => match args.next().and_then(|v| v.parse::<u64>().ok()) {
                Some(v) => opts.seed = v,
                None => {
                    eprintln!("--seed needs an unsigned integer\n{usage}");
                    return std::process::ExitCode::from(2);
                }
            },
            "--data" => {}
            "-h" | "--help" => {
                println!("{usage}");
                return std::process::ExitCode::SUCCESS;
            }
            f if !f.starts_with("--") => opts.data.push(PathBuf::from(f)),
            other => {
                eprintln!("unknown argument {other}\n{usage}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let t = Instant::now();
    let s = run(&opts);
    print(&s, &opts, t.elapsed());
    if s.violations.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
