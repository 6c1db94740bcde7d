//! The slow-path processes lower their own CPU priority (`--nice`, default 10) on every thread, and
//! refuse a value outside 0..=19.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> std::path::PathBuf {
    let d =
        alphapulse_shm::test_scratch::root().join(format!("ap-slow-priority-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a scratch folder");
    d
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_alphapulse")
}

/// The nice value of every thread of `pid` (field 19 of /proc/PID/task/TID/stat).
fn thread_nices(pid: u32) -> Vec<i32> {
    let mut v = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).expect("the process's tasks") {
        let stat = std::fs::read_to_string(t.expect("task").path().join("stat")).unwrap_or_default();
        // The command name may hold spaces: the fields start after its closing parenthesis.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if let Some(n) = f.get(16).and_then(|x| x.parse().ok()) {
            v.push(n);
        }
    }
    v
}

/// Starts `alphapulse dashboard` on a free port with `extra` arguments; waits until it has more
/// than one thread (its runtime is up), returns the threads' nice values.
fn dashboard_nices(journal: &Path, extra: &[&str]) -> Vec<i32> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(bin())
        .args(["dashboard", "--journal"])
        .arg(journal)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the dashboard");
    let t0 = Instant::now();
    let mut nices = Vec::new();
    while t0.elapsed() < Duration::from_secs(20) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            nices = thread_nices(child.id());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    nices
}

#[test]
fn the_dashboard_runs_every_thread_at_nice_10_unless_told() {
    let journal = scratch("dashboard").join("journal");
    let by_default = dashboard_nices(&journal, &[]);
    assert!(by_default.len() > 1, "the dashboard never listened (threads: {by_default:?})");
    assert!(by_default.iter().all(|&n| n == 10), "nice by default: {by_default:?}");
    let normal = dashboard_nices(&journal, &["--nice", "0"]);
    assert!(normal.len() > 1 && normal.iter().all(|&n| n == 0), "with --nice 0: {normal:?}");
}

#[test]
fn persist_lowers_itself_too_and_bad_values_are_refused() {
    let tmp = scratch("persist");
    // persist on a journal that does not exist fails, but only after the priority was set: the
    // refusal of a bad value comes first, from the argument parser, with exit status 2.
    for bad in ["20", "-1", "x"] {
        let out = Command::new(bin())
            .args(["persist", "--journal"])
            .arg(&tmp)
            .args(["--db", "sqlite::memory:", &format!("--nice={bad}")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--nice {bad}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--nice"), "--nice {bad}: {err}");
    }
    let help = Command::new(bin()).args(["persist", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--nice <N>") && help.contains("[default: 10]"), "{help}");
}
