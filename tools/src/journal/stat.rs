//! `alphapulse journal stat DIR`: per stream, its state (closed cleanly, open, incomplete,
//! damaged: see `super`), its problems, segments, records by type, first and last sequence and
//! time, and gaps (sequence gaps are corruption — the reader checks that sequences are dense —
//! so a stream without problems has none; the largest time gap between records is shown).
//! Exit 1 if any stream is damaged or incomplete (an open stream whose writer runs is neither).

use super::decode::fmt_ts;
use super::read::StreamReader;
use super::{missing_chain_streams, stdout_ends_ok, streams, StreamRef};
use alphapulse_types::{Msg, MSG_KINDS};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A run's journal folder, or one stream folder.
    pub dir: PathBuf,
    /// Only this stream (e.g. `feed`, `risk`).
    #[arg(long, short)]
    pub stream: Option<String>,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What `stat` finds in one stream.
pub fn stat_stream(s: &StreamRef) -> anyhow::Result<Value> {
    let mut segs: Vec<(String, u64)> = std::fs::read_dir(&s.dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".seg"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().map_or(0, |m| m.len())))
        .collect();
    segs.sort();
    let verdict = alphapulse_shm::verify(&s.dir)?;
    let mut problems: Vec<String> = verdict.problems.iter().map(|p| p.to_string()).collect();
    let mut by_kind = [0u64; MSG_KINDS];
    let (mut n, mut first, mut last) = (0u64, None, None);
    let (mut max_gap, mut prev_ts, mut backwards) = (0u64, None::<u64>, 0u64);
    // Decoding needs stream.meta; bad bytes were reported by verify (the reader stops there too).
    if let Ok(mut r) = StreamReader::open(s) {
        loop {
            let rec = match r.next() {
                Ok(Some(rec)) => rec,
                Ok(None) => break,
                Err(e) => {
                    let e = format!("{e:#}");
                    if !problems.iter().any(|p| e.contains(p.as_str())) {
                        problems.push(e);
                    }
                    break;
                }
            };
            by_kind[rec.msg.kind_index()] += 1;
            n += 1;
            first.get_or_insert((rec.seq, rec.ts));
            last = Some((rec.seq, rec.ts));
            if let Some(p) = prev_ts {
                if rec.ts < p {
                    backwards += 1;
                }
                max_gap = max_gap.max(rec.ts.saturating_sub(p));
            }
            prev_ts = Some(rec.ts);
        }
    }
    let complete = problems.is_empty() && verdict.is_complete();
    let open = problems.is_empty() && verdict.is_open();
    let types: serde_json::Map<String, Value> = by_kind
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, c)| (Msg::NAMES[i].to_string(), json!(c)))
        .collect();
    Ok(json!({
        "stream": s.name,
        "dir": s.dir.display().to_string(),
        "segments": segs.len(),
        "segment_bytes": segs.iter().map(|x| x.1).sum::<u64>(),
        "records": n,
        "records_by_type": types,
        "first_seq": first.map(|f| f.0),
        "last_seq": last.map(|l| l.0),
        "first_ts": first.map(|f| f.1),
        "last_ts": last.map(|l| l.1),
        "state": verdict.state.to_string(),
        "complete": complete,
        "open": open,
        "damaged": !complete && !open,
        "problems": problems,
        "sequence_gaps": 0,
        "max_time_gap_ns": max_gap,
        "time_went_backwards": backwards,
    }))
}

pub fn main(a: Args) -> anyhow::Result<ExitCode> {
    let (text, damaged) = render(&a)?;
    let code = if damaged.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) };
    let r =
        stdout_ends_ok(std::io::stdout().lock().write_all(text.as_bytes()).map(|_| code).map_err(Into::into));
    if !damaged.is_empty() {
        eprintln!(
            "error: journal {} is damaged or incomplete: {} (`alphapulse journal recover` closes unclosed or damaged streams)",
            a.dir.display(),
            damaged.join("; ")
        );
    }
    r
}

/// The text (or JSON) and the damaged or incomplete streams, one line each.
fn render(a: &Args) -> anyhow::Result<(String, Vec<String>)> {
    let mut o = String::new();
    let list = streams(&a.dir, a.stream.as_deref())?;
    let missing = if a.stream.is_some() { Vec::new() } else { missing_chain_streams(&a.dir, &list) };
    let stats = list.iter().map(stat_stream).collect::<anyhow::Result<Vec<_>>>()?;
    let mut damaged: Vec<String> = missing.iter().map(|m| format!("stream `{m}` is missing")).collect();
    for s in &stats {
        if s["damaged"].as_bool() == Some(true) {
            let mut why = vec![s["state"].as_str().unwrap_or("?").to_string()];
            why.extend(
                s["problems"].as_array().into_iter().flatten().filter_map(|p| p.as_str()).map(String::from),
            );
            damaged.push(format!("stream `{}`: {}", s["stream"].as_str().unwrap_or("?"), why.join(", ")));
        }
    }
    if a.json {
        let v = json!({
            "dir": a.dir.display().to_string(),
            "damaged": !damaged.is_empty(),
            "missing_streams": missing,
            "streams": stats,
        });
        return Ok((serde_json::to_string_pretty(&v)? + "\n", damaged));
    }
    writeln!(o, "journal {}", a.dir.display())?;
    for m in &missing {
        writeln!(o, "\n{m}: MISSING (the run's journal has no such stream folder)")?;
    }
    for s in &stats {
        let ts = |k: &str| s[k].as_u64().map_or("-".to_string(), fmt_ts);
        let seq = |k: &str| s[k].as_u64().map_or("-".to_string(), |v| v.to_string());
        writeln!(
            o,
            "\n{}: {} records in {} segment(s), {} bytes",
            s["stream"].as_str().unwrap_or("?"),
            s["records"],
            s["segments"],
            s["segment_bytes"]
        )?;
        writeln!(o, "  state     {}", s["state"].as_str().unwrap_or("?"))?;
        for p in s["problems"].as_array().into_iter().flatten() {
            writeln!(o, "  PROBLEM   {}", p.as_str().unwrap_or("?"))?;
        }
        let types: Vec<String> = s["records_by_type"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| format!("{k} {v}")).collect())
            .unwrap_or_default();
        writeln!(o, "  by type   {}", if types.is_empty() { "-".into() } else { types.join(", ") })?;
        writeln!(o, "  first     seq {:<10} {}", seq("first_seq"), ts("first_ts"))?;
        writeln!(o, "  last      seq {:<10} {}", seq("last_seq"), ts("last_ts"))?;
        writeln!(
            o,
            "  gaps      sequence 0 (verified dense{}), largest time gap {:.3} s{}",
            if s["problems"].as_array().is_some_and(|p| !p.is_empty()) {
                " up to the first problem"
            } else {
                ""
            },
            s["max_time_gap_ns"].as_u64().unwrap_or(0) as f64 / 1e9,
            match s["time_went_backwards"].as_u64() {
                Some(0) | None => String::new(),
                Some(b) => format!(", time went backwards {b} time(s)"),
            }
        )?;
    }
    Ok((o, damaged))
}
