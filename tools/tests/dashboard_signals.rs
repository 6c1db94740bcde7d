//! `alphapulse dashboard` stopped by SIGTERM (systemd, docker) or SIGINT (Ctrl-C) exits 0 and
//! closes the `alerts` stream it wrote (its end record), so `persist --follow` can end.

mod common;

use alphapulse_shm::Reader;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Start the dashboard over `journal` with `cfg` (its `[alerts]`), wait until it has journaled at
/// least one alert, send `sig`, and return (exit status, alerts read, the stream's end seen).
fn stop_with(journal: &Path, cfg: &Path, sig: &str) -> (Option<i32>, u64, bool) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = common::bin()
        .args(["dashboard", "--journal"])
        .arg(journal)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .arg("--config")
        .arg(cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let alerts = journal.join("alerts");
    let count = |r: &mut Reader| {
        let mut n = 0;
        while let Ok(Some(_)) = r.next() {
            n += 1;
        }
        n
    };
    let t0 = Instant::now();
    loop {
        if let Ok(mut r) = Reader::open(&alerts) {
            if count(&mut r) > 0 {
                break;
            }
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no alert journaled within 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let st = Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the dashboard did not stop within 30 s of {sig}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut r = Reader::open(&alerts).unwrap();
    let n = count(&mut r);
    (status.code(), n, r.end().is_some())
}

#[test]
fn sigterm_and_sigint_stop_the_dashboard_cleanly_with_the_alerts_stream_closed() {
    let dir = alphapulse_shm::test_scratch::root().join(format!("ap-dash-signals-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("journal");
    let o = common::ap(&["backtest", "--journal", journal.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::err(&o));
    // The sample run's equity dips below its peak (max drawdown 3.04): the rule fires.
    let cfg = dir.join("alerts.toml");
    std::fs::write(
        &cfg,
        "[alerts]\ncooldown = 0.0\n[alerts.channels.log]\nenabled = false\n[[alerts.rules]]\nname = \"dd\"\n\
         kind = \"drawdown_above\"\nthreshold = 0.0\n",
    )
    .unwrap();
    for sig in ["-TERM", "-INT"] {
        let _ = std::fs::remove_dir_all(journal.join("alerts"));
        let (code, n, ended) = stop_with(&journal, &cfg, sig);
        assert_eq!(code, Some(0), "exit status after {sig}");
        assert!(n >= 1, "{sig}: {n} alerts");
        assert!(ended, "{sig}: the alerts stream has no end record");
    }
}
