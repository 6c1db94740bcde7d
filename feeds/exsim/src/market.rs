//! The market thread: replays every symbol's frames in `<ns>` order at the configured pace,
//! retimes and (at each loop) shifts them, broadcasts them, keeps the REST books, and adds the
//! synthesized streams and the depth alias (`@100ms` ↔ `@0ms`).

use crate::book::Book;
use crate::capture::{split_wrapper, Kind, Record, SymbolCapture};
use crate::config::Speed;
use crate::hub::{stream_kind, Frame};
use crate::rewrite::{self, Shift};
use crate::shared::{unix_ms, Shared};
use crate::synth::Synth;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Ids jump by at least this much at each loop (past the capture's own id span).
pub const LOOP_ID_GAP: u64 = 1_000_000;
/// Exchange times jump by the capture's time span plus this much at each loop.
pub const LOOP_TIME_GAP_MS: u64 = 1_000;

struct Sym {
    cap: SymbolCapture,
    synth: Synth,
    next: usize,
}

/// Run the replay until it ends (or forever with `loop_forever`), then mark the simulator done.
pub(crate) fn run(sh: Arc<Shared>, caps: Vec<SymbolCapture>) {
    let mut syms: Vec<Sym> = caps
        .into_iter()
        .map(|cap| {
            let synth = Synth::new(&cap.name, cap.venue, cap.price_places, cap.qty_places);
            Sym { cap, synth, next: 0 }
        })
        .collect();
    while (sh.hub.accepted.load(Ordering::Relaxed) as usize) < sh.cfg.wait_for_clients {
        if sh.stopping() {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let ns0 = syms.iter().filter_map(|s| s.cap.records.first()).map(|r| r.ns).min().unwrap_or(0);
    let ns_end = syms.iter().filter_map(|s| s.cap.records.last()).map(|r| r.ns).max().unwrap_or(ns0);
    let t_min = syms.iter().map(|s| s.cap.time_range.0).filter(|t| *t > 0).min().unwrap_or(0);
    let t_max = syms.iter().map(|s| s.cap.time_range.1).max().unwrap_or(t_min);
    let loop_ms = t_max.saturating_sub(t_min) + LOOP_TIME_GAP_MS;
    let loop_ns = (ns_end - ns0) + LOOP_TIME_GAP_MS * 1_000_000;
    let base_ms = if sh.cfg.retime { unix_ms().saturating_sub(t_min) } else { 0 };
    let start = Instant::now();
    let block = sh.cfg.speed == Speed::Max;
    sh.log(|| format!("market: {} symbols, retime +{base_ms} ms", syms.len()));
    let mut extra = Vec::new();
    let mut lap: u64 = 0;
    loop {
        for (i, s) in syms.iter_mut().enumerate() {
            s.next = 0;
            if lap > 0 {
                let shift = shift_of(s, lap, base_ms, loop_ms);
                match Book::from_snapshot(&rewrite::apply(&s.cap.snapshot, shift)) {
                    Ok(b) => sh.symbols[i].book.lock().unwrap_or_else(|p| p.into_inner()).reset(b),
                    Err(e) => sh.log(|| format!("{}: snapshot: {e}", s.cap.name)),
                }
                s.synth.reset();
            }
        }
        loop {
            if sh.stopping() {
                return;
            }
            let Some(i) = next_symbol(&syms) else { break };
            let s = &mut syms[i];
            let rec = &s.cap.records[s.next];
            s.next += 1;
            if let Speed::Paced(m) = sh.cfg.speed {
                let due = (lap * loop_ns + (rec.ns - ns0)) as f64 / m;
                if !sleep_until(&sh, start + Duration::from_nanos(due as u64)) {
                    return;
                }
            }
            let shift = shift_of(s, lap, base_ms, loop_ms);
            replay_one(&sh, i, &mut s.synth, rec, shift, block, &mut extra);
            sh.stats.with(|st| {
                st.frames_replayed += 1;
                st.last_capture_ns = rec.ns;
            });
        }
        if !sh.cfg.loop_forever {
            break;
        }
        lap += 1;
        sh.stats.with(|st| st.loops_completed += 1);
        sh.log(|| format!("market: loop {lap}: ids and times jump (a declared gap)"));
    }
    sh.done.store(true, Ordering::Relaxed);
    sh.stats.with(|st| st.done = true);
    sh.log(|| "market: replay done".into());
}

fn shift_of(s: &Sym, lap: u64, base_ms: u64, loop_ms: u64) -> Shift {
    Shift { time_ms: base_ms + lap * loop_ms, ids: lap * (s.cap.id_span + LOOP_ID_GAP) }
}

/// The symbol whose next record is earliest (ties: the first symbol given).
fn next_symbol(syms: &[Sym]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, s) in syms.iter().enumerate() {
        if let Some(r) = s.cap.records.get(s.next) {
            if best.is_none_or(|(_, ns)| r.ns < ns) {
                best = Some((i, r.ns));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// Sleep until `at` in slices, so a stop is seen; false when stopping.
fn sleep_until(sh: &Shared, at: Instant) -> bool {
    loop {
        if sh.stopping() {
            return false;
        }
        let now = Instant::now();
        if now >= at {
            return true;
        }
        std::thread::sleep((at - now).min(Duration::from_millis(50)));
    }
}

/// The other name a depth stream is served under.
fn depth_alias(stream: &str) -> Option<String> {
    if let Some(base) = stream.strip_suffix("@100ms") {
        Some(format!("{base}@0ms"))
    } else {
        stream.strip_suffix("@0ms").map(|base| format!("{base}@100ms"))
    }
}

fn replay_one(
    sh: &Shared,
    i: usize,
    synth: &mut Synth,
    rec: &Record,
    shift: Shift,
    block: bool,
    extra: &mut Vec<(String, String)>,
) {
    let text = rewrite::apply(&rec.text, shift);
    let Some((stream, data)) = split_wrapper(&text) else { return };
    let info = &sh.symbols[i];
    let send = |name: &str| {
        let frame = || {
            if name == stream {
                Frame { kind: stream_kind(name), combined: text.to_string().into(), raw: data.into() }
            } else {
                Frame::new(name, data)
            }
        };
        sh.hub.broadcast(name, frame, block, &sh.stats)
    };
    match rec.kind {
        Kind::Depth => {
            if sh.faults.take_drop(&info.name) {
                sh.stats.with(|s| s.depth_events_dropped += 1);
            } else {
                let twice = sh.faults.take_dup(&info.name);
                let alias = depth_alias(stream);
                for name in std::iter::once(stream.to_string()).chain(alias) {
                    if let (Some(f), true) = (send(&name), twice) {
                        sh.hub.resend(&name, &f, block, &sh.stats);
                    }
                }
            }
            let mut book = info.book.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = book.apply(data) {
                sh.log(|| format!("{}: depth event not applied: {e}", info.name));
            }
        }
        Kind::Trade => {
            send(stream);
            extra.clear();
            synth.on_trade(data, extra);
            for (name, d) in extra.iter() {
                sh.hub.broadcast(name, || Frame::new(name, d), block, &sh.stats);
            }
        }
        Kind::BookTicker | Kind::Other => {
            send(stream);
        }
    }
}
