//! A built-in and a plugin are interchangeable: the same strategy configured as `builtin = ...` and
//! as `path = ...` gives identical signals and intents over the real sample capture, and sees fills
//! (and the position they stamp) alike.

mod common;

use alphapulse_feeds::testdata::{replay_messages, sample_capture};
use alphapulse_plugin::{load, NativeStrategy, PluginStrategy};
use alphapulse_strategy::{Strategy, StrategyConfig, StrategyHost};
use alphapulse_types::{ExecKind, ExecReport, OrderId, Qty, Side};
use common::{drive, entry, host, instruments, plugin, quote};

fn pair(builtin: &str, krate: &str, params: &str) -> (StrategyHost, StrategyHost) {
    let path = plugin(krate);
    let b = entry(&format!("name = \"s\"\nbuiltin = \"{builtin}\"\nparams = {params}\n"));
    let p = entry(&format!("name = \"s\"\npath = {:?}\nparams = {params}\n", path.display().to_string()));
    (host(vec![b]), host(vec![p]))
}

#[test]
fn builtin_and_plugin_give_identical_signals_on_the_sample_capture() {
    let stream = replay_messages(&[sample_capture()], &instruments()).expect("replay the sample");
    for (builtin, krate, params) in [
        ("microprice", "ap_microprice", "{ min_change_bps = \"2000\" }"),
        ("momentum", "ap_momentum", "{ lookback = \"10\", threshold_bps = \"0.2\" }"),
    ] {
        let (mut native, mut plug) = pair(builtin, krate, params);
        let (sig_n, down_n) = drive(&mut native, &stream);
        let (sig_p, down_p) = drive(&mut plug, &stream);
        let strong = sig_n.iter().filter(|s| s.score.abs() >= 2_000).count();
        eprintln!(
            "{builtin}: {} signals ({strong} of |score| ≥ 2000), {} messages down",
            sig_n.len(),
            down_n.len()
        );
        assert!(sig_n.len() > 100 && strong > 0, "{builtin}: the capture makes real signals");
        assert_eq!(sig_n, sig_p, "{builtin}: identical signals");
        assert_eq!(down_n, down_p, "{builtin}: identical intents");
        for h in [&native, &plug] {
            let health = h.health(0).expect("guarded");
            assert!(health.enabled && health.calls > 0 && health.overruns == 0, "{health:?}");
        }
        assert_eq!(native.health(0).unwrap().calls, plug.health(0).unwrap().calls);
    }
}

#[test]
fn fills_and_positions_reach_both_alike() {
    let table = instruments();
    let symbols: Vec<&str> = table.iter().map(|i| i.symbol.as_str()).collect();
    let params = [("skew_bps", "100"), ("max_position", "1"), ("min_change_bps", "0")];
    let p = load(plugin("ap_microprice")).unwrap();
    let mut a: Box<dyn Strategy> = Box::new(PluginStrategy::new(&p, "mp", &params, &symbols, 0).unwrap());
    let mut b: Box<dyn Strategy> =
        Box::new(NativeStrategy::<ap_microprice::MicroPrice>::new("mp", &params, &symbols, 0).unwrap());
    let view_host = StrategyHost::new(&StrategyConfig::default(), &table, 10).unwrap();
    let q = quote(1, 1);
    let flat = [a.on_quote(&q, &view_host.view()), b.on_quote(&q, &view_host.view())];
    assert_eq!(flat[0], flat[1]);
    assert_eq!(flat[0].map(|s| s.score), Some(0), "equal sizes, no position: at the mid");
    // Long 0.5 (risk's stamp on a fill): fair = micro − 1 % of the mid · 0.5 ≈ −300 USDT: a full sell.
    let fill = ExecReport {
        order_id: OrderId(1),
        inst: q.inst,
        kind: ExecKind::Fill,
        side: Side::Buy,
        position: Qty::from_raw(50_000_000),
        ..Default::default()
    };
    a.on_exec(&fill);
    b.on_exec(&fill);
    let long = [a.on_quote(&q, &view_host.view()), b.on_quote(&q, &view_host.view())];
    assert_eq!(long[0], long[1]);
    assert_eq!(long[0].map(|s| s.score), Some(-10_000));
    assert_eq!(a.health().unwrap().calls, b.health().unwrap().calls);
}

/// The built-in agents too: `[strategy.ema_cross]` (or `imbalance`) and the same agent as a
/// `[[strategy.plugins]]` entry (`builtin = "ema_cross"`, its keys as `params`) give identical
/// signals and intents over the sample, under the entry's name.
#[test]
fn a_builtin_agent_as_an_entry_is_the_agent() {
    let stream = replay_messages(&[sample_capture()], &instruments()).expect("replay the sample");
    let table = instruments();
    for (agent, table_toml, params) in [
        (
            "ema_cross",
            "[ema_cross]\nfast_period = 8\nslow_period = 30\n[imbalance]\nenabled = false\n",
            "{ fast_period = \"8\", slow_period = \"30\" }",
        ),
        (
            "imbalance",
            "[imbalance]\nthreshold_bps = 5000\n[ema_cross]\nenabled = false\n",
            "{ threshold_bps = \"5000\" }",
        ),
    ] {
        let cfg: StrategyConfig = toml::from_str(table_toml).unwrap();
        let mut as_table = StrategyHost::new(&cfg, &table, 5000).unwrap();
        let mut as_entry =
            host(vec![entry(&format!("name = \"{agent}\"\nbuiltin = \"{agent}\"\nparams = {params}\n"))]);
        let (sig_t, down_t) = drive(&mut as_table, &stream);
        let (sig_e, down_e) = drive(&mut as_entry, &stream);
        assert!(sig_t.len() > 100, "{agent}: real signals");
        assert_eq!(sig_t, sig_e, "{agent}: identical signals");
        assert_eq!(down_t, down_e, "{agent}: identical intents");
        assert_eq!(as_entry.stats().agents[0].name, agent);
    }
    // Params are the agent's keys, checked by its config.
    let bad = alphapulse_plugin::strategy_from(
        &entry("name = \"e\"\nbuiltin = \"ema_cross\"\nparams = { fast = \"8\" }\n"),
        &table,
    );
    assert!(bad.err().unwrap().to_string().contains("fast"), "an unknown key is named");
    let bad = alphapulse_plugin::strategy_from(
        &entry("name = \"e\"\nbuiltin = \"ema_cross\"\nparams = { fast_period = \"x\\ny = 1\" }\n"),
        &table,
    );
    assert!(bad.err().unwrap().to_string().contains("whole number"));
    let timed = alphapulse_plugin::strategy_from(
        &entry("name = \"e\"\nbuiltin = \"imbalance\"\nbudget_ns = 5\n"),
        &table,
    );
    assert!(timed.err().unwrap().to_string().contains("not timed"));
}
