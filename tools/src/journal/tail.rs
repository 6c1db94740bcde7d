//! `alphapulse journal tail [-f] DIR [--stream S] [-n N]`: the last N records of each stream,
//! decoded, one line each (`stream seq time type field=value …`); with `-f`, then every record as
//! it is published (by a writer in this or another process) until interrupted. `-f` also picks up
//! streams that appear later (the folder is listed again every 250 ms, on this slow thread, never
//! the writer's), and waits for a journal folder that does not exist yet or holds no stream: start
//! it before the run. Their records are shown from the first.

use super::decode::{fields_named, fmt_ts};
use super::read::{Rec, StreamReader};
use super::{names, stdout_ends_ok, streams, streams_now};
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A run's journal folder, or one stream folder.
    pub dir: PathBuf,
    /// Only this stream (e.g. `feed`, `risk`).
    #[arg(long, short)]
    pub stream: Option<String>,
    /// Records to show from the end of each stream.
    #[arg(short = 'n', long = "lines", default_value_t = 10)]
    pub lines: usize,
    /// Keep following: print records as they are written, until Ctrl-C.
    #[arg(short, long)]
    pub follow: bool,
}

/// One readable line; `names`: the run's instrument symbols and strategy names (see
/// [`super::names`]).
pub fn line(stream: &str, r: &Rec, names: &(Vec<String>, Vec<String>)) -> String {
    let mut s = format!("{stream} {} {} {}", r.seq, fmt_ts(r.ts), r.msg.kind_name());
    for (k, v) in fields_named(&r.msg, &r.levels, &names.0, &names.1) {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(&v.to_string());
    }
    s
}

pub fn main(a: Args) -> anyhow::Result<ExitCode> {
    stdout_ends_ok(run(a))
}

/// How often `-f` lists the folder again for new streams.
const RESCAN: Duration = Duration::from_millis(250);

fn run(a: Args) -> anyhow::Result<ExitCode> {
    let list = if a.follow {
        streams_now(&a.dir, a.stream.as_deref())
    } else {
        streams(&a.dir, a.stream.as_deref())?
    };
    let mut syms = names(&a.dir);
    let mut readers = list.iter().map(StreamReader::open).collect::<anyhow::Result<Vec<_>>>()?;
    let mut out = std::io::stdout().lock();
    for r in &mut readers {
        let mut last: VecDeque<Rec> = VecDeque::with_capacity(a.lines.min(1 << 16));
        while let Some(rec) = if a.follow { r.next()? } else { r.next_to_end()? } {
            if a.lines == 0 {
                continue;
            }
            if last.len() == a.lines {
                last.pop_front();
            }
            last.push_back(rec);
        }
        for rec in &last {
            writeln!(out, "{}", line(&r.name, rec, &syms))?;
        }
    }
    out.flush()?;
    if !a.follow {
        return Ok(ExitCode::SUCCESS);
    }
    let mut last_scan = std::time::Instant::now();
    loop {
        if last_scan.elapsed() >= RESCAN {
            last_scan = std::time::Instant::now();
            for s in streams_now(&a.dir, a.stream.as_deref()) {
                if !readers.iter().any(|r| r.name == s.name) {
                    readers.push(StreamReader::open(&s)?);
                    if syms.0.is_empty() {
                        syms = names(&a.dir);
                    }
                }
            }
        }
        let mut any = false;
        for r in &mut readers {
            while let Some(rec) = r.next()? {
                writeln!(out, "{}", line(&r.name, &rec, &syms))?;
                any = true;
            }
        }
        if any {
            out.flush()?;
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
