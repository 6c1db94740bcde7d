//! Plugins in a running engine: a plugin that panics is disabled, reported in `status`
//! (`strategies list`) and the journal (`Msg::Strategy`), the host's working orders are cancelled,
//! and the engine keeps trading its other strategies; a plugin over its time budget is counted
//! and reported. The real sample capture, replayed with the control plane.

#[path = "../../engine/plugin/tests/common/build.rs"]
mod build;

use alphapulse_shm::Reader;
use alphapulse_tools::backtest::{execute_controlled, RunOptions};
use alphapulse_tools::config::Config;
use alphapulse_tools::operate::{ControlRun, Op, Operator, Peer};
use alphapulse_types::{Msg, StrategyEvent, ENCODED_LEN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const ADMIN: Peer = Peer { uid: 1, level: 3 };

fn plugin(krate: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    build::plugin_file(build::plugin_dir(&root, false), krate)
}

fn records(dir: &Path) -> Vec<Msg> {
    let mut r = Reader::open(dir).unwrap();
    let mut v = Vec::new();
    while let Some(x) = r.next().unwrap() {
        v.push(Msg::decode(&x.payload[..ENCODED_LEN.min(x.payload.len())]).unwrap());
    }
    v
}

/// The strategy table once `ok` holds of it (at most 30 s).
fn strategies_when(o: &mut Operator, ok: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let v = o.apply(ADMIN, &Op::StrategiesList).unwrap();
        let rows = v["strategies"].as_array().unwrap().clone();
        if ok(&rows) || start.elapsed() > Duration::from_secs(30) {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_panicking_plugin_is_disabled_reported_and_the_others_trade_on() {
    let journal =
        alphapulse_shm::test_scratch::root().join(format!("ap-plugin-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&journal);
    let toml_text = format!(
        "[[strategy.plugins]]\nname = \"faulty\"\npath = \"{}\"\nweight = 1\nparams = {{ panic_at = \"3000\" }}\n\n\
         [[strategy.plugins]]\nname = \"slow\"\npath = \"{}\"\nweight = 0\nbudget_ns = 1000\nparams = {{ spin_ns = \"20000\" }}\n\n\
         [[strategy.plugins]]\nname = \"momentum\"\nbuiltin = \"momentum\"\n",
        plugin("ap_faulty").display(),
        plugin("ap_faulty").display()
    );
    let path = journal.with_extension("toml");
    std::fs::write(&path, toml_text).unwrap();
    let mut cfg = Config::load(&path).unwrap();
    cfg.data = vec![alphapulse_feeds::testdata::sample_capture()];
    let hold = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let h = hold.clone();
    let serve = Box::new(move |mut o: Operator| {
        let rows =
            strategies_when(&mut o, |r| r.iter().any(|s| s["name"] == "faulty" && s["faulted"] == true));
        // Load a plugin into the running engine; the same again, and a file that is no plugin.
        let micro = plugin("ap_microprice").display().to_string();
        let loaded = o.apply(ADMIN, &Op::StrategyLoad(micro.clone()));
        let again = o.apply(ADMIN, &Op::StrategyLoad(micro));
        let junk = o.apply(ADMIN, &Op::StrategyLoad(env!("CARGO_MANIFEST_DIR").to_string() + "/Cargo.toml"));
        // A parameter changed live, and a value the strategy refuses.
        let set =
            |k: &str, v: &str| Op::StrategySet { name: "momentum".into(), key: k.into(), value: v.into() };
        let set_ok = o.apply(ADMIN, &set("threshold_bps", "0.8"));
        let set_bad = o.apply(ADMIN, &set("lookback", "30"));
        // Let the replay reach the end of the data (the strategy host's count stops moving), so
        // releasing the hold does not cut it short.
        let handled =
            |o: &mut Operator| o.apply(ADMIN, &Op::Status).unwrap()["actors"][1]["handled"].as_u64();
        let mut last = handled(&mut o);
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now = handled(&mut o);
            if now == last {
                break;
            }
            last = now;
        }
        let status = o.apply(ADMIN, &Op::Status).unwrap();
        h.store(true, Ordering::Relaxed);
        while !o.run_ended() {
            std::thread::sleep(Duration::from_millis(10));
        }
        tx.send((rows, status, loaded, again, junk, set_ok, set_bad)).unwrap();
    });
    let control = ControlRun {
        // Paced so that a strategy loaded mid-run sees data; held at the end of the data until the
        // script has looked.
        pace: Some(50.0),
        hold: Some(hold),
        timeout: Duration::from_secs(10),
        stale_after: Duration::from_secs(5),
        serve,
        stop: None,
    };
    let opts = RunOptions { journal: Some(journal.clone()), ..RunOptions::default() };
    let report = execute_controlled(&cfg, &opts, Some(control)).unwrap();
    let (rows, status, loaded, again, junk, set_ok, set_bad) = rx.recv().unwrap();
    assert_eq!(set_ok.unwrap()["applied"], true);
    // `lookback` sizes a ring at creation: not settable live, and the refusal says which are.
    assert!(set_bad.unwrap_err().message.contains("threshold_bps"));
    let loaded = loaded.unwrap();
    assert_eq!(
        (loaded["name"].as_str(), loaded["applied"].as_bool()),
        (Some("microprice"), Some(true)),
        "{loaded}"
    );
    assert!(again.unwrap_err().message.contains("runs already"));
    assert!(!junk.unwrap_err().message.is_empty());
    // Reported: disabled, faulted, with the panic's message; the slow one's overruns counted.
    let row = |n: &str| rows.iter().find(|s| s["name"] == n).unwrap().clone();
    let f = row("faulty");
    assert_eq!((f["enabled"].as_bool(), f["faulted"].as_bool()), (Some(false), Some(true)), "{f}");
    assert!(f["fault"].as_str().unwrap().contains("panic at call 3000"), "{f}");
    let slow = row("slow");
    assert!(slow["overruns"].as_u64().unwrap() > 0, "{slow}");
    assert_eq!(slow["faulted"], false);
    // `status` reports it too (read from the journal), as a warning.
    let k = f["index"].as_u64().unwrap();
    assert!(
        status["faulted_strategies"].as_array().unwrap().iter().any(|x| x.as_u64() == Some(k)),
        "{status}"
    );
    assert_eq!(status["health"]["state"], "Warning", "{status}");
    assert!(status["health"]["reason"].as_str().unwrap().contains("faulted"), "{status}");
    // Journaled: the fault (with its calls), after which it signals no more while the others do.
    let strategy = records(&journal.join("strategy"));
    let k = k as u16;
    let fault = strategy
        .iter()
        .find_map(|m| match m {
            Msg::Strategy(e) if e.agent == k && e.event == StrategyEvent::Faulted => Some(*e),
            _ => None,
        })
        .expect("the fault is journaled");
    assert!(fault.calls >= 2999, "{fault:?}");
    let signals_after = |agent: u16| {
        strategy.iter().filter(|m| matches!(m, Msg::Signal(s) if s.agent == agent && s.ts > fault.ts)).count()
    };
    assert_eq!(signals_after(k), 0, "a faulted plugin is never called again");
    let momentum = row("momentum")["index"].as_u64().unwrap() as u16;
    assert!(signals_after(momentum) > 0, "the other strategies go on");
    // The loaded plugin is journaled, then trades with the others.
    let micro = loaded["index"].as_u64().unwrap() as u16;
    let load = strategy
        .iter()
        .find_map(|m| match m {
            Msg::Strategy(e) if e.agent == micro && e.event == StrategyEvent::Loaded => Some(*e),
            _ => None,
        })
        .expect("the load is journaled");
    assert!(strategy.iter().any(|m| matches!(m, Msg::Signal(s) if s.agent == micro && s.ts >= load.ts)));
    // The router got the host's cancel-all and kept trading afterwards.
    let router = records(&journal.join("router"));
    assert!(router.iter().any(|m| matches!(m, Msg::New(n) if n.ts > fault.ts)), "orders after the fault");
    assert!(report.orders_sent > 0);
    let _ = std::fs::remove_dir_all(&journal);
    let _ = std::fs::remove_file(&path);
}
