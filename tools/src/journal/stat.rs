//! `alphapulse journal stat DIR`: per stream, its segments, records by type, first and last
//! sequence and time, and gaps (sequence gaps are corruption — the reader checks that sequences are
//! dense — so a stat that completes has none; the largest time gap between records is shown).

use super::decode::fmt_ts;
use super::read::StreamReader;
use super::{stdout_ends_ok, streams, StreamRef};
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
    let mut r = StreamReader::open(s)?;
    let mut by_kind = [0u64; MSG_KINDS];
    let (mut n, mut first, mut last) = (0u64, None, None);
    let (mut max_gap, mut prev_ts, mut backwards) = (0u64, None::<u64>, 0u64);
    while let Some(rec) = r.next_to_end()? {
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
        "sequence_gaps": 0,
        "max_time_gap_ns": max_gap,
        "time_went_backwards": backwards,
    }))
}

pub fn main(a: Args) -> anyhow::Result<ExitCode> {
    let text = render(&a)?;
    stdout_ends_ok(
        std::io::stdout().lock().write_all(text.as_bytes()).map(|_| ExitCode::SUCCESS).map_err(Into::into),
    )
}

fn render(a: &Args) -> anyhow::Result<String> {
    let mut o = String::new();
    let list = streams(&a.dir, a.stream.as_deref())?;
    let stats = list.iter().map(stat_stream).collect::<anyhow::Result<Vec<_>>>()?;
    if a.json {
        let v = json!({ "dir": a.dir.display().to_string(), "streams": stats });
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    writeln!(o, "journal {}", a.dir.display())?;
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
        let types: Vec<String> = s["records_by_type"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| format!("{k} {v}")).collect())
            .unwrap_or_default();
        writeln!(o, "  by type   {}", if types.is_empty() { "-".into() } else { types.join(", ") })?;
        writeln!(o, "  first     seq {:<10} {}", seq("first_seq"), ts("first_ts"))?;
        writeln!(o, "  last      seq {:<10} {}", seq("last_seq"), ts("last_ts"))?;
        writeln!(
            o,
            "  gaps      sequence 0 (verified dense), largest time gap {:.3} s{}",
            s["max_time_gap_ns"].as_u64().unwrap_or(0) as f64 / 1e9,
            match s["time_went_backwards"].as_u64() {
                Some(0) | None => String::new(),
                Some(b) => format!(", time went backwards {b} time(s)"),
            }
        )?;
    }
    Ok(o)
}
