//! Issue 8, points 9, 11, 12 and 16, through the binary as an operator meets it: a replay runs with
//! the recorded config; old run folders are pruned (only ours); config bounds and errors exit 2
//! naming the key or path; final order states add up; aggregator drops are counted by reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmp(name: &str) -> PathBuf {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-trust-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alphapulse"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run alphapulse")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_replay_runs_with_the_recorded_config() {
    let d = tmp("replay");
    let cfg = d.join("passive.toml");
    std::fs::write(&cfg, "[strategy.aggregator]\nstyle = \"passive\"\n").unwrap();
    let j = d.join("journal");
    let (c, js) = (cfg.to_str().unwrap(), j.to_str().unwrap());
    let orig = json(&run(&d, &["backtest", "--json", "--config", c, "--journal", js]));
    let o = run(&d, &["backtest", "--json", "--no-journal", "--from-journal", js]);
    let replay = json(&o);
    assert!(stderr(&o).contains("replaying with the config recorded in"), "{}", stderr(&o));
    let keys = ["intents", "orders_sent", "fills", "maker_fills", "taker_fills", "realized_pnl", "fees"];
    for k in keys {
        println!("{k}: original {} replay {}", orig[k], replay[k]);
        assert_eq!(orig[k], replay[k], "{k}");
    }
    assert!(orig["maker_fills"].as_u64().unwrap() > 0 && orig["taker_fills"] == 0, "a passive run");
    // --config overrides the recorded config, and says which keys differ.
    let dflt = d.join("default.toml");
    std::fs::write(&dflt, "").unwrap();
    let o = run(
        &d,
        &["backtest", "--json", "--no-journal", "--from-journal", js, "--config", dflt.to_str().unwrap()],
    );
    let e = stderr(&o);
    assert!(e.contains("overrides the config recorded") && e.contains("strategy.aggregator.style"), "{e}");
    assert_eq!(json(&o)["maker_fills"], 0, "the default (aggressive) config");
    // A run.json without a recorded config (an older journal) is said to be one.
    let meta = j.join("run.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("config");
    std::fs::write(&meta, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = run(&d, &["backtest", "--json", "--no-journal", "--from-journal", js]);
    assert!(stderr(&o).contains("records no config"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn old_run_folders_are_pruned_and_nothing_else() {
    let d = tmp("prune");
    let runs = d.join("runs");
    // Seven finished runs (pids that cannot be running), a look-alike without run.json, a user file.
    for i in 0..7 {
        let j = runs.join(format!("2024010{i}T000000Z-4000000000")).join("journal");
        std::fs::create_dir_all(&j).unwrap();
        let meta = serde_json::json!({"format": 1, "started": "x", "instruments": [], "exchange_info": null,
            "data": [], "replay_of": null});
        std::fs::write(j.join("run.json"), meta.to_string()).unwrap();
        std::fs::write(j.join("payload"), vec![0u8; 1000]).unwrap();
    }
    std::fs::create_dir_all(runs.join("20230101T000000Z-4000000000/journal")).unwrap();
    std::fs::write(runs.join("notes.txt"), "mine").unwrap();
    let o = run(&d, &["backtest", "--json", "--keep-runs", "3"]);
    let v = json(&o);
    let e = stderr(&o);
    println!("{e}");
    let mut left: Vec<String> =
        std::fs::read_dir(&runs).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    let this = Path::new(v["journal_dir"].as_str().unwrap())
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let mut want = vec![
        "20230101T000000Z-4000000000".to_string(), // no run.json: not ours, never removed
        "20240105T000000Z-4000000000".into(),
        "20240106T000000Z-4000000000".into(),
        "notes.txt".into(),
        this,
    ];
    want.sort();
    assert_eq!(left, want);
    assert_eq!(e.matches("removed old run folder").count(), 5, "{e}");
    assert!(e.contains("20240100T000000Z-4000000000") && e.contains("MB"), "{e}");
    // --journal DIR is never pruned, and 0 keeps all.
    let o =
        run(&d, &["backtest", "--json", "--keep-runs", "1", "--journal", d.join("mine").to_str().unwrap()]);
    assert!(!stderr(&o).contains("removed"), "{}", stderr(&o));
    let o = run(&d, &["backtest", "--json", "--keep-runs", "0"]);
    assert!(!stderr(&o).contains("removed"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn config_bounds_and_errors_exit_2_naming_the_key_or_path() {
    let d = tmp("bounds");
    let cfg = d.join("c.toml");
    let c = cfg.to_str().unwrap();
    for (text, key) in [
        ("[placement]\nring_capacity = 4294967296\n", "placement.ring_capacity"),
        ("[placement]\nring_capacity = 67108864\n", "placement.ring_capacity"),
        ("[placement]\nring_capacity = 32\n", "placement.ring_capacity"),
        // A fault cancels every working order at once: they must fit a ring.
        ("[placement]\nring_capacity = 64\n[risk]\nmax_open_orders = 100\n", "risk.max_open_orders"),
        ("[placement]\nlevel_capacity = 3000\n", "placement.level_capacity"),
        ("[placement]\nlevel_capacity = 2048\n", "placement.level_capacity"),
        ("[feed]\nmax_frame_levels = 70000\n", "feed.max_frame_levels"),
        ("[feed]\nmax_frame_levels = 0\n", "max_frame_levels"),
        ("symbols = [\"FOOUSDT\"]\n", "symbols"),
    ] {
        std::fs::write(&cfg, text).unwrap();
        let o = run(&d, &["backtest", "--no-journal", "-q", "--config", c]);
        println!("{text:?} -> {:?}: {}", o.status.code(), stderr(&o).trim());
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).contains(key), "{text}: {}", stderr(&o));
    }
    // The smallest rings are enough, whatever the book depth: a depth update is one message.
    std::fs::write(&cfg, "[placement]\nring_capacity = 64\n").unwrap();
    let o = run(&d, &["backtest", "--no-journal", "-q", "--config", c]);
    assert_eq!(o.status.code(), Some(0), "ring_capacity = 64: {}", stderr(&o));
    // I/O errors name the path. Tests run as root, where permission bits do not stop anything:
    // a path under a regular file fails with ENOTDIR for root too, through the same error paths.
    let file = d.join("a-file");
    std::fs::write(&file, "").unwrap();
    for args in [
        vec!["--journal", "a-file/j"],
        vec!["--config", "a-file/c.toml"],
        vec!["--data", "a-file/x.gz"],
        vec!["--exchange-info", "a-file/e.json"],
    ] {
        let mut a = vec!["backtest", "-q"];
        a.extend(&args);
        let o = run(&d, &a);
        assert_ne!(o.status.code(), Some(0));
        assert!(stderr(&o).contains("a-file/"), "{args:?}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&d);
}

fn final_states_add_up(v: &serde_json::Value) {
    let f = v["orders_final"].as_object().expect("orders_final");
    let sum: u64 = f.values().map(|x| x.as_u64().unwrap()).sum();
    println!("orders_sent {} final {:?}", v["orders_sent"], f);
    assert_eq!(sum, v["orders_sent"].as_u64().unwrap());
    assert_eq!(f["filled"], v["orders_filled"]);
}

#[test]
fn final_order_states_add_up_to_orders_sent() {
    let d = tmp("final");
    let cfg = d.join("passive.toml");
    std::fs::write(&cfg, "[strategy.aggregator]\nstyle = \"passive\"\n").unwrap();
    final_states_add_up(&json(&run(&d, &["backtest", "--json", "--no-journal"])));
    let v = json(&run(&d, &["backtest", "--json", "--no-journal", "--config", cfg.to_str().unwrap()]));
    final_states_add_up(&v);
    assert!(v["orders_final"]["cancelled"].as_u64().unwrap() > 0, "passive orders expire");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_default_config_trades_ethusdt_and_counts_drops_by_reason() {
    let Some(shared) = alphapulse_feeds::testdata::shared_data_dir() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let eth = shared.join("binance-spot/ethusdt_20240808.gz");
    let d = tmp("eth");
    let v = json(&run(&d, &["backtest", "--json", "--no-journal", "--data", eth.to_str().unwrap()]));
    println!(
        "intents {} fills {} raised {} dropped {}",
        v["intents"], v["fills"], v["intents_raised_to_minimum"], v["intents_dropped"]
    );
    assert!(v["fills"].as_u64().unwrap() > 0, "ETHUSDT trades with the default config");
    assert!(v["intents_raised_to_minimum"].as_u64().unwrap() > 0);
    final_states_add_up(&v);
    // With min_order = "drop" the old behaviour: nothing trades, and the reason is counted.
    let cfg = d.join("drop.toml");
    std::fs::write(&cfg, "[strategy.aggregator]\nmin_order = \"drop\"\n").unwrap();
    let v = json(&run(
        &d,
        &[
            "backtest",
            "--json",
            "--no-journal",
            "--config",
            cfg.to_str().unwrap(),
            "--data",
            eth.to_str().unwrap(),
        ],
    ));
    println!("min_order = drop: intents {} dropped {}", v["intents"], v["intents_dropped"]);
    assert_eq!(v["intents"], 0);
    assert!(v["intents_dropped"]["below_min_notional"].as_u64().unwrap() > 0);
    let _ = std::fs::remove_dir_all(&d);
}
