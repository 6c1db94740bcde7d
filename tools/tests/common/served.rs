//! A run and `alphapulse dashboard` over its journal, for the page and metrics tests: a paced
//! backtest of the shipped sample that keeps writing for a while, the dashboard on a free loopback
//! port, and a blocking HTTP GET.
#![allow(dead_code)] // each test binary uses part of it

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A child process killed on drop.
pub struct Proc(pub Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh private folder for one test (0700: the control socket refuses a shared one).
pub fn private_dir(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

/// `alphapulse backtest` of the sample at `pace`× its own time, journaling to `dir/journal`
/// (it stays up at the end of the data until killed). Returns once the journal folder exists.
pub fn paced_backtest(dir: &Path, pace: u32) -> Proc {
    let child = crate::common::bin()
        .args(["backtest", "--json", "--quiet", "--control", "--pace", &pace.to_string()])
        .arg("--control-socket")
        .arg(dir.join("ctl.sock"))
        .arg("--journal")
        .arg(dir.join("journal"))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start alphapulse backtest");
    let p = Proc(child);
    wait_until("the run's journal", Duration::from_secs(60), || dir.join("journal/run.json").exists());
    p
}

/// `alphapulse dashboard --journal J --bind 127.0.0.1:PORT` on a free port, once it answers.
pub fn dashboard(journal: &Path) -> (Proc, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let child = crate::common::bin()
        .args(["dashboard", "--journal"])
        .arg(journal)
        .args(["--bind", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start alphapulse dashboard");
    let mut p = Proc(child);
    let start = Instant::now();
    while get(&addr, "/api/system/status").map(|r| r.0) != Some(200) {
        if let Ok(Some(st)) = p.0.try_wait() {
            panic!("alphapulse dashboard exited: {st}");
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the dashboard never answered on {addr}");
        std::thread::sleep(Duration::from_millis(100));
    }
    (p, addr)
}

/// Poll `ok` every 100 ms until it holds; panic naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// GET `path` from `addr`: (status, body), or None when nothing answers.
pub fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    Some((status, if chunked { dechunk(body) } else { body.to_string() }))
}

/// GET a JSON answer (panics unless 200).
pub fn get_json(addr: &str, path: &str) -> serde_json::Value {
    let (st, body) = get(addr, path).unwrap_or_else(|| panic!("GET {path}: no answer"));
    assert_eq!(st, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
