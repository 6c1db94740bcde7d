//! `alphapulse journal recover DIR [--stream S]`: for each stream, cut it after its last intact
//! record and close it with an end record of status `Recovered` (`alphapulse_shm::recover`), and
//! say what was dropped: records, bytes, segment files, leftovers of a dead writer. A stream that
//! already ended is left alone. Refused (exit 1) for a stream whose writer is running.

use super::streams;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A run's journal folder, or one stream folder.
    pub dir: PathBuf,
    /// Only this stream (e.g. `feed`, `risk`).
    #[arg(long, short)]
    pub stream: Option<String>,
}

pub fn main(a: Args) -> anyhow::Result<ExitCode> {
    let list = streams(&a.dir, a.stream.as_deref())?;
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for s in &list {
        match alphapulse_shm::recover(&s.dir) {
            Ok(r) => {
                if let Some(end) = r.already_ended {
                    writeln!(out, "{}: already ended ({}), nothing dropped", s.name, end.status)?;
                } else {
                    writeln!(
                        out,
                        "{}: kept {} record(s); dropped {} record(s), {} byte(s), {} segment file(s); closed at sequence {}",
                        s.name,
                        r.kept_records,
                        r.dropped_records,
                        r.dropped_bytes,
                        r.dropped_segments.len(),
                        r.end_seq.map_or("-".into(), |q| q.to_string())
                    )?;
                }
                if let Some(why) = &r.cut_reason {
                    writeln!(out, "  cut at: {why}")?;
                }
                for p in &r.dropped_segments {
                    writeln!(out, "  removed segment {}", p.display())?;
                }
                for p in &r.removed_leftovers {
                    writeln!(out, "  removed leftover {}", p.display())?;
                }
                if r.meta_rewritten {
                    writeln!(
                        out,
                        "  rewrote {} from the oldest segment's header",
                        alphapulse_shm::META_FILE
                    )?;
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: stream `{}`: {e}", s.name);
            }
        }
    }
    out.flush()?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
