//! The operator's commands against a running engine on the replay feed (the repo's real sample,
//! paced so that it runs while commands arrive, held at its end), driven on the control thread
//! exactly as the control socket drives them; then the journal is checked: after `halt` no order
//! left the router, and every command is in the `control` stream with its outcome.

use alphapulse_shm::Reader;
use alphapulse_tools::backtest::{execute_controlled, RunOptions};
use alphapulse_tools::config::Config;
use alphapulse_tools::operate::{ControlRun, Op, OpError, Operator, Peer};
use alphapulse_types::{CommandOutcome, Msg, OperatorCommand, ENCODED_LEN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ADMIN: Peer = Peer { uid: 4242, level: 3 };

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-operate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn records(dir: &Path) -> Vec<Msg> {
    let mut r = Reader::open(dir).unwrap();
    let mut v = Vec::new();
    while let Some(x) = r.next().unwrap() {
        v.push(Msg::decode(&x.payload[..ENCODED_LEN.min(x.payload.len())]).unwrap());
    }
    v
}

/// Poll `op` until `ok` holds of its result (at most 30 s).
fn wait_for(o: &mut Operator, op: &Op, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let v = o.apply(ADMIN, op).unwrap();
        if ok(&v) || start.elapsed() > Duration::from_secs(30) {
            return v;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

type Log = Vec<(Op, Result<Value, OpError>)>;

/// The operator's script, run on the control thread while the replay runs.
fn script(mut o: Operator, hold: Arc<AtomicBool>, tx: mpsc::Sender<Log>) {
    let mut log: Log = Vec::new();
    let mut run = |o: &mut Operator, op: Op| {
        let r = o.apply(ADMIN, &op);
        log.push((op, r.clone()));
        r
    };
    // Data flows; wait for the first fills.
    let s = wait_for(&mut o, &Op::Status, |v| v["actors"][1]["handled"].as_u64() > Some(0));
    assert_ne!(s["health"]["state"], "Initializing", "{s}");
    wait_for(&mut o, &Op::Positions, |v| v["portfolio"]["fills"].as_u64() > Some(0));
    for op in [Op::Status, Op::Limits, Op::Positions, Op::Pnl, Op::Orders, Op::Latency, Op::StrategiesList] {
        run(&mut o, op).unwrap();
    }
    run(&mut o, Op::SetLimit { name: "max_order_qty".into(), value: "0.5".into() }).unwrap();
    let _ = run(&mut o, Op::SetLimit { name: "max_order_qty".into(), value: "-1".into() });
    let _ = run(&mut o, Op::SetLimit { name: "no_such_limit".into(), value: "1".into() });
    run(&mut o, Op::StrategyDisable("imbalance".into())).unwrap();
    run(&mut o, Op::StrategyEnable("imbalance".into())).unwrap();
    let _ = run(&mut o, Op::StrategyDisable("nobody".into()));
    let _ = run(&mut o, Op::CancelAll(Some("NOPEUSDT".into())));
    run(&mut o, Op::CancelAll(Some("btcusdt".into()))).unwrap();
    run(&mut o, Op::Halt).unwrap();
    let _ = run(&mut o, Op::Flatten); // refused while halted
    run(&mut o, Op::Resume).unwrap();
    run(&mut o, Op::Flatten).unwrap();
    // The final halt: from here on no order may leave the router.
    std::thread::sleep(Duration::from_millis(200));
    run(&mut o, Op::Halt).unwrap();
    run(&mut o, Op::Status).unwrap();
    // The replay goes on after the halt (market data flows, nothing may be ordered).
    std::thread::sleep(Duration::from_millis(800));
    hold.store(true, Ordering::Relaxed);
    while !o.run_ended() {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Once the run has ended, commands say so.
    let ended = o.apply(ADMIN, &Op::Orders);
    log.push((Op::Orders, ended));
    o.close();
    tx.send(log).unwrap();
}

#[test]
fn every_command_against_a_paced_replay_and_no_order_after_halt() {
    let journal = tmp("replay");
    let cfg = Config { data: vec![alphapulse_feeds::testdata::sample_capture()], ..Config::default() };
    let hold = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let h = hold.clone();
    let control = ControlRun {
        pace: Some(100.0),
        hold: Some(hold),
        timeout: Duration::from_secs(10),
        stale_after: Duration::from_secs(5),
        serve: Box::new(move |o| script(o, h, tx)),
        stop: None,
    };
    let opts = RunOptions { journal: Some(journal.clone()), ..RunOptions::default() };
    let report = execute_controlled(&cfg, &opts, Some(control)).unwrap();
    let log = rx.recv().unwrap();
    let get = |i: usize| log[i].1.clone();
    let ok = |i: usize| get(i).unwrap_or_else(|e| panic!("{:?}: {e}", log[i].0));
    // Reads.
    let status = ok(0);
    assert_eq!(status["actors"].as_array().unwrap().len(), 5, "{status}");
    assert!(["Healthy", "Warning"].contains(&status["health"]["state"].as_str().unwrap()), "{status}");
    let limits = ok(1);
    assert_eq!(limits["limits"].as_array().unwrap().len(), alphapulse_risk::LIMITS.len());
    let pos = ok(2);
    assert!(pos["portfolio"]["fills"].as_u64().unwrap() > 0, "{pos}");
    assert!(ok(6)["strategies"].as_array().unwrap().iter().any(|s| s["name"] == "imbalance"));
    assert_eq!(ok(5)["clock"], "event");
    // Set-limit: applied, refused values explained.
    assert_eq!(ok(7)["new"], "0.5");
    let bad = get(8).unwrap_err();
    assert!(bad.message.contains("max_order_qty") && bad.outcome == CommandOutcome::Failed, "{bad:?}");
    assert!(get(9).unwrap_err().message.contains("unknown limit `no_such_limit`"));
    assert!(get(12).unwrap_err().message.contains("unknown strategy `nobody`"));
    assert!(get(13).unwrap_err().message.contains("unknown symbol `NOPEUSDT`"));
    // Flatten is refused while halted, with the reason.
    assert!(get(16).unwrap_err().message.contains("resume"));
    let flatten = ok(18);
    assert!(flatten["orders"].as_u64().unwrap() <= 1);
    // Pnl: the portfolio's figures, each symbol's below.
    let pnl = ok(3);
    assert!(pnl["fills"].as_u64() >= pos["portfolio"]["fills"].as_u64(), "{pnl}");
    assert!(pnl["by_symbol"].is_array());
    // After the last halt no order left the router: every `New` in its stream is older.
    let halt = ok(19);
    let acks = halt["acks"].as_array().unwrap();
    let names: Vec<&str> = acks.iter().map(|a| a["actor"].as_str().unwrap()).collect();
    assert_eq!(names, ["strategy", "risk", "router"], "{halt}");
    let router_at = acks[2]["at_ns"].as_u64().unwrap();
    let news: Vec<u64> = records(&journal.join("router"))
        .iter()
        .filter_map(|m| if let Msg::New(n) = m { Some(n.ts) } else { None })
        .collect();
    assert!(!news.is_empty());
    assert!(news.iter().all(|&t| t <= router_at), "an order left the router after the halt");
    assert_eq!(news.len() as u64, report.orders_sent, "the journal has every order the report counts");
    // The status after it says so.
    assert_eq!(ok(20)["health"]["state"], "EmergencyStop");
    let ended = log.last().unwrap().1.clone().unwrap_err();
    assert_eq!(ended.outcome, CommandOutcome::Unavailable, "{ended:?}");
    // Every command is journaled with its peer and outcome, in order.
    let commands: Vec<_> = records(&journal.join("control"))
        .into_iter()
        .filter_map(|m| if let Msg::Command(c) = m { Some(c) } else { None })
        .collect();
    let want: Vec<(OperatorCommand, CommandOutcome)> = log
        .iter()
        .map(|(op, r)| (op.command(), r.as_ref().map_or_else(|e| e.outcome, |_| CommandOutcome::Ok)))
        .collect();
    // (The polls that waited for data came first.)
    let got: Vec<_> = commands.iter().map(|c| (c.command, c.outcome)).collect();
    assert!(got.ends_with(&want), "journal {got:?}\nwant (suffix) {want:?}");
    assert!(commands.iter().all(|c| c.uid == 4242 && c.level == 3));
    let set = commands.iter().find(|c| c.command == OperatorCommand::SetLimit).unwrap();
    assert_eq!((set.index, set.value), (0, 50_000_000), "the limit and its raw value");
    let _ = std::fs::remove_dir_all(&journal);
}
