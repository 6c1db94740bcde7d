//! Issue 8, points 7, 8 and 10, through the binary on journals of real runs (the shipped sample):
//! a full disk (a real tmpfs; skipped with a reason if `mount` is refused), journals missing a
//! segment or `stream.meta`, a foreign segment, a writer killed with SIGKILL, leftovers,
//! `journal recover`, `--from-journal` refusing what is not whole, and `tail -f` picking up streams
//! created after it started.

mod common;
use alphapulse_shm::{Reader, StreamConfig, Writer};
use common::{ap, err, out};
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root()
        .join(format!("ap-journal-trust-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.parent().unwrap()).unwrap();
    d
}
fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One journaled backtest of the shipped sample: (journal dir, JSON report).
fn journal() -> &'static (PathBuf, serde_json::Value) {
    static J: OnceLock<(PathBuf, serde_json::Value)> = OnceLock::new();
    J.get_or_init(|| {
        let dir = tmp("run");
        // 1 MiB segments: the sample's feed stream then spans several (first, middle, last).
        let cfg = tmp("segments.toml");
        std::fs::write(&cfg, "[journal]\nsegment_size = 1048576\n").unwrap();
        let o = ap(&["backtest", "--json", "-q", "-c", s(&cfg), "--journal", s(&dir)]);
        assert!(o.status.success(), "{}", err(&o));
        (dir, serde_json::from_slice(&o.stdout).unwrap())
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A copy of the sample run's journal to damage.
fn copy_journal(name: &str) -> PathBuf {
    let to = tmp(name);
    copy_dir(&journal().0, &to);
    to
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    v.sort();
    v
}

/// `stat` (exit 1), `export` (exit 1) and `--from-journal` (exit 1) refuse `dir`, naming `want`;
/// `export --accept-incomplete` and `--from-journal --accept-incomplete` go on (exit 0).
fn expect_refused(dir: &Path, want: &str) {
    let o = ap(&["journal", "stat", s(dir)]);
    println!("stat exit {:?}: {}", o.status.code(), err(&o).trim());
    assert_eq!(o.status.code(), Some(1), "stat: {}{}", out(&o), err(&o));
    assert!(out(&o).contains(want) && err(&o).contains(want), "stat: `{want}` not in {}{}", out(&o), err(&o));
    let o = ap(&["journal", "export", "--format", "jsonl", s(dir)]);
    assert_eq!(o.status.code(), Some(1), "export: {}", err(&o));
    assert!(out(&o).is_empty() && err(&o).contains(want), "export: {}", err(&o));
    let o = ap(&["journal", "export", "--format", "jsonl", "--accept-incomplete", s(dir)]);
    assert_eq!(o.status.code(), Some(0), "export --accept-incomplete: {}", err(&o));
    assert!(err(&o).contains("warning") && err(&o).contains(want), "{}", err(&o));
    if dir.join("feed").is_dir() && !want.contains("stream.meta") {
        let o = ap(&["backtest", "-q", "--no-journal", "--from-journal", s(dir)]);
        assert_eq!(o.status.code(), Some(1), "--from-journal: {}", err(&o));
        assert!(err(&o).contains("Refusing to replay") && err(&o).contains(want), "{}", err(&o));
        let o = ap(&["backtest", "-q", "--no-journal", "--from-journal", s(dir), "--accept-incomplete"]);
        assert_eq!(o.status.code(), Some(0), "--accept-incomplete: {}", err(&o));
        assert!(err(&o).contains("warning: the journal's feed stream"), "{}", err(&o));
    }
}

#[test]
fn a_whole_journal_is_closed_cleanly_and_accepted() {
    let dir = &journal().0;
    let o = ap(&["journal", "stat", "--json", s(dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["damaged"], false);
    for st in v["streams"].as_array().unwrap() {
        assert_eq!(st["state"], "closed cleanly", "{}", st["stream"]);
        assert_eq!(st["complete"], true);
    }
    let o = ap(&["backtest", "--json", "-q", "--no-journal", "--from-journal", s(dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!err(&o).contains("warning: the journal"), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["intents"], journal().1["intents"]);
    for st in journal().1["journal_streams"].as_array().unwrap() {
        assert_eq!(st["end"], "clean");
    }
}

#[test]
fn a_missing_first_or_last_segment_is_reported_and_refused() {
    let first = copy_journal("no-first");
    let segs = segments(&first.join("feed"));
    assert!(segs.len() >= 3, "the sample's feed stream has several segments");
    std::fs::remove_file(&segs[0]).unwrap();
    expect_refused(&first, "are missing (their segment files are gone, and retention did not remove them)");

    let last = copy_journal("no-last");
    let segs = segments(&last.join("feed"));
    std::fs::remove_file(segs.last().unwrap()).unwrap();
    expect_refused(&last, "after the last one present) is missing");

    let middle = copy_journal("no-middle");
    let segs = segments(&middle.join("feed"));
    std::fs::remove_file(&segs[1]).unwrap();
    expect_refused(&middle, "is missing");
}

#[test]
fn a_missing_stream_meta_or_stream_is_reported() {
    let dir = copy_journal("no-meta");
    std::fs::remove_file(dir.join("router").join(alphapulse_shm::META_FILE)).unwrap();
    expect_refused(&dir, "stream.meta is missing");
    // The records were still verified, with the stream id of the oldest segment.
    let o = ap(&["journal", "stat", "--json", s(&dir)]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let router = v["streams"].as_array().unwrap().iter().find(|x| x["stream"] == "router").unwrap();
    assert_eq!(router["state"], "closed cleanly");

    let dir = copy_journal("no-stream");
    std::fs::remove_dir_all(dir.join("risk")).unwrap();
    let o = ap(&["journal", "stat", s(&dir)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("stream `risk` is missing"), "{}", err(&o));
}

#[test]
fn a_foreign_segment_file_is_reported() {
    let dir = copy_journal("foreign");
    let feed = segments(&dir.join("feed"));
    let next: u64 =
        feed.last().unwrap().file_stem().unwrap().to_str().unwrap().parse::<u64>().unwrap() + 100_000;
    // A segment of the strategy stream, named as if it continued the feed stream.
    std::fs::copy(&segments(&dir.join("strategy"))[0], dir.join("feed").join(format!("{next:020}.seg")))
        .unwrap();
    expect_refused(&dir, "not part of this stream");
    let dir = copy_journal("foreign2");
    std::fs::write(dir.join("risk").join("notes.txt"), b"hello").unwrap();
    let o = ap(&["journal", "stat", s(&dir)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("foreign file") && out(&o).contains("notes.txt"), "{}", out(&o));
}

const CHILD_ENV: &str = "AP_TRUST_CHILD";

/// The writer that gets killed: copies the sample run's `feed` stream record by record into
/// `$AP_TRUST_CHILD/feed` with its own writer, then says "ready" and waits (never closing it).
#[test]
#[ignore = "child process of a_writer_killed_with_sigkill_is_unclosed_until_recovered"]
fn killed_writer_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let src = PathBuf::from(std::env::var("AP_TRUST_SRC").unwrap());
    let mut w = Writer::create_or_open(
        Path::new(&dir).join("feed"),
        StreamConfig { segment_size: 4 << 20, ..Default::default() },
    )
    .unwrap();
    let mut r = Reader::open(src.join("feed")).unwrap();
    while let Some(rec) = r.next().unwrap() {
        w.append(rec.ty, rec.version, rec.ts, rec.payload).unwrap();
    }
    println!("ready");
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn a_writer_killed_with_sigkill_is_unclosed_until_recovered() {
    let src = &journal().0;
    let dir = tmp("killed");
    copy_dir(src, &dir);
    std::fs::remove_dir_all(dir.join("feed")).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "killed_writer_child", "--ignored", "--nocapture"])
        .env(CHILD_ENV, &dir)
        .env("AP_TRUST_SRC", src)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().contains("ready")), "the child wrote the stream");

    // While the writer runs: open, not damaged.
    let o = ap(&["journal", "stat", s(&dir), "--stream", "feed"]);
    println!("live writer: {}", out(&o).lines().find(|l| l.contains("state")).unwrap_or(""));
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains(&format!("open: its writer (pid {}) is running", child.id())), "{}", out(&o));

    child.kill().unwrap(); // SIGKILL
    assert_eq!(child.wait().unwrap().signal(), Some(9));
    // Torn bytes after the last record, as a writer killed mid-append leaves them: part of a
    // header, the length word (stored last) still 0.
    let mut r = Reader::open(dir.join("feed")).unwrap();
    while r.next().unwrap().is_some() {}
    let (last, pos) = r.position().map(|(f, p)| (f.to_path_buf(), p as usize)).unwrap();
    let mut b = std::fs::read(&last).unwrap();
    b[pos + 8..pos + 16].fill(0x5A);
    std::fs::write(&last, &b).unwrap();
    std::fs::write(dir.join("feed").join(".prep-4194303-7.tmp"), vec![1u8; 4096]).unwrap();

    expect_refused(&dir, "no clean close, and its writer");
    let o = ap(&["journal", "stat", s(&dir)]);
    assert!(out(&o).contains("torn record") && out(&o).contains("leftover prepared segment"), "{}", out(&o));

    let o = ap(&["journal", "recover", s(&dir)]);
    println!("recover:\n{}", out(&o));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let feed_records = journal().1["journal_streams"][0]["records"].as_u64().unwrap();
    let text = out(&o);
    assert!(
        text.contains(&format!(
            "feed: kept {feed_records} record(s); dropped 0 record(s), 16 byte(s), 0 segment file(s)"
        )),
        "{text}"
    );
    assert!(text.contains("removed leftover") && text.contains(".prep-4194303-7.tmp"), "{text}");
    assert!(text.contains("risk: already ended (closed cleanly), nothing dropped"), "{text}");

    let o = ap(&["journal", "stat", s(&dir)]);
    assert_eq!(o.status.code(), Some(0), "after recover: {}{}", out(&o), err(&o));
    assert!(out(&o).contains("closed by `journal recover`"), "{}", out(&o));
    let o = ap(&["backtest", "--json", "-q", "--no-journal", "--from-journal", s(&dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("closed by `journal recover`"), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((&r["intents"], &r["fills"]), (&journal().1["intents"], &journal().1["fills"]));
}

#[test]
fn tail_follow_picks_up_streams_created_after_it_started() {
    let dir = tmp("follow");
    let (mut child, rx) = common::tail_follow(&dir, "0", Stdio::piped());
    std::thread::sleep(Duration::from_millis(300));
    let o = ap(&["backtest", "--json", "-q", "--journal", s(&dir)]);
    assert!(o.status.success(), "{}", err(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let want = report["journal_streams"][3]["records"].as_u64().unwrap();
    assert_eq!(report["journal_streams"][3]["stream"], "router");
    let (mut router, mut feed) = (0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(60);
    while router < want && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            router += u64::from(l.starts_with("router "));
            feed += u64::from(l.starts_with("feed "));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    println!("tail -f saw {router} of the router's {want} records ({feed} feed records)");
    assert_eq!(router, want, "every router record, from a stream created after tail -f started");
    assert!(feed > 0);
}

/// Unmounts the tmpfs (and removes its mount point) when the test ends.
struct Mount(PathBuf);
impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn small_tmpfs(name: &str, size: &str) -> Option<Mount> {
    let p = tmp(name);
    std::fs::create_dir_all(&p).unwrap();
    let o =
        Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", s(&p)]).output();
    match o {
        Ok(o) if o.status.success() => Some(Mount(p)),
        Ok(o) => {
            println!("skipped: mount -t tmpfs refused: {}", err(&o).trim());
            let _ = std::fs::remove_dir(&p);
            None
        }
        Err(e) => {
            println!("skipped: cannot run mount: {e}");
            None
        }
    }
}

#[test]
fn a_full_disk_stops_the_run_cleanly_or_continues_unjournaled_as_configured() {
    // 1 MiB segments, 12 MiB of disk: the sample's feed stream alone needs ~5 MiB (one record per
    // depth update), the five streams start with 10 MiB (a segment and a prepared one each): the
    // disk fills up in the middle of the run.
    let Some(m) = small_tmpfs("tmpfs", "12m") else { return };
    let cfg = m.0.parent().unwrap().join("full.toml");
    std::fs::write(&cfg, "[journal]\nsegment_size = 1048576\n").unwrap();
    let j = m.0.join("stop");
    let o = ap(&["backtest", "--json", "-q", "-c", s(&cfg), "--journal", s(&j)]);
    println!("on_full = stop: exit {:?}, signal {:?}\n{}", o.status.code(), o.status.signal(), err(&o));
    assert_eq!(o.status.signal(), None, "no SIGBUS");
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("the run stopped early: its journal's disk is full"), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["journal_stopped_run"], true);
    assert!(
        r["journal_incomplete"].as_str().unwrap().contains("No space left on device"),
        "{}",
        r["journal_incomplete"]
    );
    for st in r["journal_streams"].as_array().unwrap() {
        assert_eq!(st["end"], "disk_full", "{}", st["stream"]);
    }
    let o = ap(&["journal", "stat", s(&j)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("INCOMPLETE: the disk was full"), "{}", out(&o));
    let o = ap(&["backtest", "-q", "--no-journal", "--from-journal", s(&j)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("INCOMPLETE: the disk was full"), "{}", err(&o));
    std::fs::remove_dir_all(&j).unwrap();

    std::fs::write(&cfg, "[journal]\nsegment_size = 1048576\non_full = \"continue\"\n").unwrap();
    let j = m.0.join("continue");
    let o = ap(&["backtest", "--json", "-q", "-c", s(&cfg), "--journal", s(&j)]);
    println!("on_full = continue: exit {:?}\n{}", o.status.code(), err(&o));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("journal INCOMPLETE") && err(&o).contains("went on unjournaled"), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The trading is the same as unjournaled.
    let free = serde_json::from_slice::<serde_json::Value>(
        &ap(&["backtest", "--json", "-q", "--no-journal"]).stdout,
    )
    .unwrap();
    for k in ["intents", "fills", "realized_pnl", "fees"] {
        assert_eq!(r[k], free[k], "{k}");
    }
    assert_eq!(r["journal_streams"][0]["end"], "disk_full");
    let o = ap(&["journal", "stat", s(&j)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("INCOMPLETE: the disk was full"), "{}", out(&o));
}
