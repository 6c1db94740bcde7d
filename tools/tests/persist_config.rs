//! `alphapulse persist --config FILE`: the `[persist]` table gives the defaults, flags override
//! them (seen in what persist does: which database, the bars' interval, the status file, how many
//! commits); bad values are refused naming the key and the file; a postgres URL's password never
//! shows in errors, logs, `--help` or a run's serialised config.

#[path = "common/persist_util.rs"]
mod persist_util;

use persist_util::{backtest_only, bin, tmp};
use rusqlite::Connection;
use std::path::Path;

const SECRET: &str = "hunter2-s3cret";

fn intervals(db: &Path) -> Vec<String> {
    let c = Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT DISTINCT bar_interval FROM market_data").unwrap();
    let v = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    v
}

/// Commits made: the progress lines persist prints after each.
fn commits(stderr: &[u8]) -> usize {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("persist: ") && l.contains(" rows; "))
        .count()
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_file_gives_defaults_and_flags_override_it() {
    let d = tmp("cfg-precedence");
    backtest_only(&d);
    let j = d.join("journal");
    let conf = d.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let f = conf.join("persist.toml");
    // Paths in the file are relative to its folder.
    std::fs::write(
        &f,
        "[dashboard]\nbind = \"127.0.0.1:1\"\n[persist]\ndb = \"sqlite:a.db\"\ninterval = \"5m\"\nbatch = 50\n\
         status = \"st.json\"\n",
    )
    .unwrap();
    let o = bin().args(["persist", "--config"]).arg(&f).arg("--journal").arg(&j).output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(intervals(&conf.join("a.db")), ["5m"]);
    assert!(conf.join("st.json").is_file());
    let small = commits(&o.stderr);
    assert!(small > 3, "batch = 50 from the file: {small} commits");
    // Every flag over the file's key.
    let (b, status) = (d.join("b.db"), d.join("other.json"));
    let o = bin()
        .args(["persist", "--config"])
        .arg(&f)
        .arg("--journal")
        .arg(&j)
        .arg("--db")
        .arg(format!("sqlite:{}", b.display()))
        .args(["--interval", "1h", "--batch", "10000000", "--status"])
        .arg(&status)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(intervals(&b), ["1h"]);
    assert!(status.is_file());
    assert_eq!(commits(&o.stderr), 1, "--batch 10000000: one commit");
    // Without a database anywhere: bad usage, saying where one goes.
    let nodb = conf.join("nodb.toml");
    std::fs::write(&nodb, "[persist]\nbatch = 10\n").unwrap();
    let o = bin().args(["persist", "--config"]).arg(&nodb).arg("--journal").arg(&j).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--db") && err(&o).contains(&nodb.display().to_string()), "{}", err(&o));
}

#[test]
fn bad_values_are_refused_naming_the_key_and_the_file() {
    let d = tmp("cfg-bad");
    let j = d.join("journal"); // never reached: the config is refused first
    for (i, (body, key)) in [
        ("batch = 0", "batch"),
        ("interval = \"7m\"", "interval"),
        ("db = \"mysql://ap:hunter2-s3cret@h/x\"", "db"),
        ("bach = 5", "bach"),
        ("batch = \"many\"", "batch"),
        ("follow = \"yes\"", "follow"),
    ]
    .into_iter()
    .enumerate()
    {
        let f = d.join(format!("bad{i}.toml"));
        std::fs::write(&f, format!("[persist]\n{body}\n")).unwrap();
        let o = bin().args(["persist", "--config"]).arg(&f).arg("--journal").arg(&j).output().unwrap();
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{body}: {e}");
        assert!(
            e.contains(key) && e.contains(&f.display().to_string()) && e.contains("[persist]"),
            "{body}: {e}"
        );
        assert!(!e.contains(SECRET), "{body}: {e}");
        // The whole config file (a backtest's) is checked too, naming the key.
        if key == "batch" && body.ends_with('0') {
            let o = bin().args(["backtest", "--config"]).arg(&f).output().unwrap();
            assert_eq!(o.status.code(), Some(2), "{}", err(&o));
            assert!(err(&o).contains("persist.batch"), "{}", err(&o));
        }
    }
}

#[test]
fn a_password_never_shows() {
    let d = tmp("cfg-secret");
    backtest_only(&d);
    let j = d.join("journal");
    let url = format!("postgres://ap:{SECRET}@127.0.0.1:1/x?connect_timeout=5");
    let f = d.join("secret.toml");
    std::fs::write(&f, format!("[persist]\ndb = \"{url}\"\n")).unwrap();
    // From the file, and from the flag (also as a `password=` parameter): nothing listens there.
    let from_file = bin().args(["persist", "--config"]).arg(&f).arg("--journal").arg(&j).output().unwrap();
    let param = format!("postgres://ap@127.0.0.1:1/x?password={SECRET}&connect_timeout=5");
    let from_flag = bin().args(["persist", "--db", &param, "--journal"]).arg(&j).output().unwrap();
    for o in [&from_file, &from_flag] {
        let e = err(o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains("127.0.0.1:1/x") && e.contains("***") && !e.contains(SECRET), "{e}");
        assert!(!String::from_utf8_lossy(&o.stdout).contains(SECRET));
    }
    // A run's serialised config (run.json) keeps the URL without its password.
    let bt = d.join("bt");
    let o = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["backtest", "-q", "--json", "--config"])
        .arg(&f)
        .arg("--journal")
        .arg(&bt)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let run_json = std::fs::read_to_string(bt.join("run.json")).unwrap();
    assert!(run_json.contains("postgres://ap:***@127.0.0.1:1/x"), "{run_json}");
    assert!(
        !run_json.contains(SECRET)
            && !err(&o).contains(SECRET)
            && !String::from_utf8_lossy(&o.stdout).contains(SECRET)
    );
    // --help explains the table, the precedence, the alerts stream and the redaction.
    let o = bin().args(["persist", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for want in [
        "[persist]",
        "Flags override the file",
        "--no-follow",
        "alert (",
        "alerts",
        "recover",
        "***",
        "--config",
    ] {
        assert!(help.contains(want), "help lacks {want}: {help}");
    }
}
