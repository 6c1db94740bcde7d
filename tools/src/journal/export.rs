//! `alphapulse journal export DIR --format jsonl|csv [--stream S] [--from SEQ|TIME] [--to SEQ|TIME]`:
//! records to stdout, one per line. JSON lines carry `stream`, `seq`, `ts` (ns), `time` (UTC),
//! `type` and the message's fields (in codec order, see `super::decode`); CSV has one fixed header
//! ([`columns`]: those five, then every field name any message has) with empty cells where a
//! message has no such field. Bounds are inclusive: a plain integer is a sequence number, a UTC time
//! is `YYYY-MM-DDTHH:MM:SS[.fraction][Z]`.
//!
//! A damaged or incomplete journal (see `super`) is refused before anything is written: exit 1,
//! naming each stream and its problem. With `--accept-incomplete` the intact records are exported
//! (each stream up to its first bad byte) and the problems are warned on stderr; exit 0. A stream
//! whose writer is still running is exported as far as it is written (a note on stderr).

use super::decode::{fields, fields_named, fmt_ts, one_of_each_kind};
use super::read::{Rec, StreamReader};
use super::{missing_chain_streams, names, stdout_ends_ok, streams};
use crate::config::ConfigError;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A run's journal folder, or one stream folder.
    pub dir: PathBuf,
    #[arg(long, value_enum)]
    pub format: Format,
    /// Only this stream (default: every stream, one after the other).
    #[arg(long, short)]
    pub stream: Option<String>,
    /// First record: a sequence number or a UTC time (inclusive).
    #[arg(long, value_parser = parse_bound)]
    pub from: Option<Bound>,
    /// Last record: a sequence number or a UTC time (inclusive).
    #[arg(long, value_parser = parse_bound)]
    pub to: Option<Bound>,
    /// Export a damaged or incomplete journal anyway (the intact records; problems on stderr).
    #[arg(long)]
    pub accept_incomplete: bool,
}

/// A `--from`/`--to` bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Seq(u64),
    /// Nanoseconds since the Unix epoch.
    Time(u64),
}

/// The CSV columns of the record itself, before the message's fields.
const RECORD_COLUMNS: [&str; 5] = ["stream", "seq", "ts", "time", "type"];

/// Every CSV column, in order: [`RECORD_COLUMNS`], then every field name of [`fields`] (the
/// codec's field list, see `super::decode`) in the order it first appears, kind by kind (kind
/// 1 first). Derived, never listed: a field added to a message becomes a column.
pub fn columns() -> Vec<&'static str> {
    // One symbol, so that instrument 0 shows its `symbol` column.
    let symbols = [String::new()];
    let mut c: Vec<&'static str> = RECORD_COLUMNS.to_vec();
    for m in &one_of_each_kind() {
        for (name, _) in fields(m, &[], &symbols) {
            if !c.contains(&name) {
                c.push(name);
            }
        }
    }
    c
}

/// Parses `123` (a sequence) or `2024-08-08T00:00:01.5Z` (a UTC time).
pub fn parse_bound(s: &str) -> Result<Bound, String> {
    if let Ok(seq) = s.parse::<u64>() {
        return Ok(Bound::Seq(seq));
    }
    parse_time(s).map(Bound::Time).ok_or_else(|| {
        format!("`{s}` is neither a sequence number nor a UTC time like 2024-08-08T00:00:01.5Z")
    })
}

fn parse_time(s: &str) -> Option<u64> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date, time) = s.split_once('T')?;
    let d: Vec<i64> = date.split('-').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<u64> = hms.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    if d.len() != 3 || t.len() != 3 || !(1..=12).contains(&d[1]) || !(1..=31).contains(&d[2]) {
        return None;
    }
    if t[0] > 23 || t[1] > 59 || t[2] > 60 || frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // days_from_civil (Howard Hinnant).
    let (y, m) = if d[1] <= 2 { (d[0] - 1, d[1]) } else { (d[0], d[1]) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    let ns: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    let secs = days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2];
    secs.checked_mul(1_000_000_000)?.checked_add(ns)
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn render(
    format: Format,
    stream: &str,
    r: &Rec,
    syms: &(Vec<String>, Vec<String>),
    columns: &[&str],
) -> String {
    let f = fields_named(&r.msg, &r.levels, &syms.0, &syms.1);
    match format {
        Format::Jsonl => {
            // Built by hand to keep the field order (record header first, then the message's).
            let q = |v: &str| serde_json::Value::from(v).to_string();
            let mut o = format!(
                "{{\"stream\":{},\"seq\":{},\"ts\":{},\"time\":{},\"type\":{}",
                q(stream),
                r.seq,
                r.ts,
                q(&fmt_ts(r.ts)),
                q(r.msg.kind_name())
            );
            for (k, v) in &f {
                o.push_str(&format!(",{}:{}", q(k), v.to_json()));
            }
            o.push('}');
            o
        }
        Format::Csv => {
            let mut cells: Vec<String> = vec![
                csv_cell(stream),
                r.seq.to_string(),
                r.ts.to_string(),
                fmt_ts(r.ts),
                r.msg.kind_name().into(),
            ];
            for c in &columns[RECORD_COLUMNS.len()..] {
                cells.push(
                    f.iter().find(|(k, _)| k == c).map_or(String::new(), |(_, v)| csv_cell(&v.to_string())),
                );
            }
            cells.join(",")
        }
    }
}

pub fn main(a: Args) -> anyhow::Result<ExitCode> {
    stdout_ends_ok(run(a))
}

fn run(a: Args) -> anyhow::Result<ExitCode> {
    if let (Some(Bound::Seq(f)), Some(Bound::Seq(t))) = (a.from, a.to) {
        if f > t {
            return Err(ConfigError::Usage(format!("--from {f} is after --to {t}")).into());
        }
    }
    let list = streams(&a.dir, a.stream.as_deref())?;
    let mut damaged: Vec<String> = if a.stream.is_some() {
        Vec::new()
    } else {
        missing_chain_streams(&a.dir, &list).iter().map(|m| format!("stream `{m}` is missing")).collect()
    };
    for s in &list {
        let v = alphapulse_shm::verify(&s.dir)?;
        if v.is_open() {
            eprintln!("note: stream `{}` is {}: exporting what is written so far", s.name, v.state);
        } else if !v.is_complete() {
            let mut why = vec![v.state.to_string()];
            why.extend(v.problems.iter().map(|p| p.to_string()));
            damaged.push(format!("stream `{}`: {}", s.name, why.join(", ")));
        }
    }
    if !damaged.is_empty() {
        if !a.accept_incomplete {
            anyhow::bail!(
                "journal {} is damaged or incomplete, nothing exported (--accept-incomplete exports the intact \
                 records; `alphapulse journal recover` closes it): {}",
                a.dir.display(),
                damaged.join("; ")
            );
        }
        for d in &damaged {
            eprintln!("warning: {d}");
        }
    }
    let syms = names(&a.dir);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let columns = columns();
    if a.format == Format::Csv {
        writeln!(out, "{}", columns.join(","))?;
    }
    for s in &list {
        let mut r = match StreamReader::open(s) {
            Ok(r) => r,
            Err(e) if a.accept_incomplete => {
                eprintln!("warning: stream `{}` skipped: {e:#}", s.name);
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Some(Bound::Seq(f)) = a.from {
            r.seek(f)?;
        }
        loop {
            let rec = match r.next_to_end() {
                Ok(Some(rec)) => rec,
                Ok(None) => break,
                Err(e) if a.accept_incomplete => {
                    eprintln!("warning: stream `{}` exported up to here: {e:#}", s.name);
                    break;
                }
                Err(e) => return Err(e),
            };
            match a.to {
                Some(Bound::Seq(t)) if rec.seq > t => break,
                // Time need not be monotonic in every stream: skip, do not stop.
                Some(Bound::Time(t)) if rec.ts > t => continue,
                _ => {}
            }
            if let Some(Bound::Time(f)) = a.from {
                if rec.ts < f {
                    continue;
                }
            }
            writeln!(out, "{}", render(a.format, &r.name, &rec, &syms, &columns))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_are_every_field_once() {
        let c = columns();
        assert_eq!(c[..5], RECORD_COLUMNS);
        let mut unique = c.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), c.len(), "{c:?}");
        for name in ["symbol", "exec_kind", "control_seq", "from_state", "bid_levels", "position", "trigger"]
        {
            assert!(c.contains(&name), "{name}: {c:?}");
        }
        // The message's own time is the record's `ts` column, never a field column.
        assert!(!c.contains(&"local_ts") && c.iter().filter(|x| **x == "ts").count() == 1, "{c:?}");
    }

    #[test]
    fn bounds() {
        assert_eq!(parse_bound("42"), Ok(Bound::Seq(42)));
        assert_eq!(parse_bound("2024-08-08T00:00:01.5Z"), Ok(Bound::Time(1_723_075_201_500_000_000)));
        assert_eq!(parse_bound("1970-01-01T00:00:00"), Ok(Bound::Time(0)));
        assert!(parse_bound("2024-13-01T00:00:00Z").is_err());
        assert!(parse_bound("yesterday").is_err());
    }
}
