//! Every alert rule kind over sequences of `Facts`: a condition fires once while it stays true,
//! resolves when it turns false, and fires again only after its cool-down; acknowledgements, the
//! rule API and config errors that name the key.

use alphapulse_tools::alerts::{
    AlertError, AlertStatus, AlertsConfig, Engine, Facts, FeedState, PersistLag, RuleKind, RuleSpec,
};
use alphapulse_tools::config::Config;

const S: u64 = 1_000_000_000;

/// An engine with the rules of `rules` (TOML `[[rules]]` tables), no channel, no journal.
fn engine(cooldown: f64, rules: &str) -> Engine {
    let text = format!("cooldown = {cooldown:?}\n[channels.log]\nenabled = false\n{rules}");
    let cfg: AlertsConfig = toml::from_str(&text).unwrap();
    Engine::new(&cfg, None).unwrap()
}

/// Observes each snapshot (at second `t`) and lists the events: (t, "fired"/"resolved", symbol).
fn events(e: &mut Engine, seq: Vec<(u64, Facts)>) -> Vec<(u64, &'static str, String)> {
    let mut out = Vec::new();
    for (t, mut f) in seq {
        f.now_ns = t * S;
        for a in e.observe(&f) {
            let what = match a.state {
                AlertStatus::Fired => "fired",
                AlertStatus::Resolved => "resolved",
                AlertStatus::Acknowledged => "acknowledged",
            };
            out.push((t, what, a.symbol.unwrap_or_default()));
        }
    }
    out
}

fn ev(list: &[(u64, &'static str, &str)]) -> Vec<(u64, &'static str, String)> {
    list.iter().map(|(t, w, s)| (*t, *w, s.to_string())).collect()
}

fn price(sym: &str, px: f64) -> Facts {
    let mut f = Facts::default();
    f.last_price.insert(sym.into(), px);
    f
}

#[test]
fn price_above_fires_on_a_cross_once_resolves_and_waits_for_the_cooldown() {
    let mut e = engine(
        10.0,
        "[[rules]]\nname = \"up\"\nkind = \"price_above\"\nsymbol = \"BTC\"\nthreshold = 100.0\n",
    );
    let seq = [
        (1, 101.0),
        (2, 102.0),
        (3, 99.0),
        (4, 101.0),
        (5, 103.0),
        (6, 99.5),
        (7, 100.5),
        (14, 101.0),
        (15, 102.0),
    ];
    let got = events(&mut e, seq.iter().map(|&(t, p)| (t, price("BTC", p))).collect());
    // 1, 2: above from the start (no cross). 4: the cross fires; 5: still true, nothing.
    // 6: resolved. 7: true again 3 s after firing (cool-down 10 s): held back. 14: cool-down over
    // and still true: fires. 15: nothing.
    assert_eq!(got, ev(&[(4, "fired", "BTC"), (6, "resolved", "BTC"), (14, "fired", "BTC")]));
    let r = &e.rules()[0];
    assert_eq!((r.fired, r.active, r.suppressed), (2, 1, 1));
    // Another symbol's price changes nothing.
    assert!(events(&mut e, vec![(16, price("ETH", 1.0))]).is_empty());
}

#[test]
fn price_below_mirrors_it_with_no_cooldown() {
    let mut e = engine(
        0.0,
        "[[rules]]\nname = \"down\"\nkind = \"price_below\"\nsymbol = \"BTC\"\nthreshold = 100.0\n",
    );
    let seq = [(1, 100.0), (2, 99.0), (3, 98.0), (4, 100.0), (5, 99.9), (6, 100.1)];
    let got = events(&mut e, seq.iter().map(|&(t, p)| (t, price("BTC", p))).collect());
    assert_eq!(
        got,
        ev(&[(2, "fired", "BTC"), (4, "resolved", "BTC"), (5, "fired", "BTC"), (6, "resolved", "BTC")])
    );
    let a = &e.alerts()[0];
    assert_eq!(
        (a.value, a.resolved_value, a.threshold, a.kind),
        (99.0, Some(100.0), 100.0, RuleKind::PriceBelow)
    );
    assert!(a.message.contains("below 100"), "{}", a.message);
}

#[test]
fn drawdown_above_a_fraction_of_peak_equity() {
    let mut e = engine(0.0, "[[rules]]\nname = \"dd\"\nkind = \"drawdown_above\"\nthreshold = 0.1\n");
    let eq = |t, eq: f64, peak: f64| {
        (t, Facts { equity: Some(eq), peak_equity: Some(peak), ..Default::default() })
    };
    let got = events(
        &mut e,
        vec![
            (1, Facts::default()),
            eq(2, 1000.0, 1000.0),
            eq(3, 910.0, 1000.0),
            eq(4, 899.0, 1000.0),
            eq(5, 850.0, 1000.0),
            eq(6, 1100.0, 1100.0),
        ],
    );
    assert_eq!(got, ev(&[(4, "fired", ""), (6, "resolved", "")]));
    assert!((e.alerts()[0].value - 0.101).abs() < 1e-12, "{}", e.alerts()[0].value);
}

#[test]
fn reject_rate_over_a_window_with_a_minimum_count() {
    let mut e = engine(
        0.0,
        "[[rules]]\nname = \"rej\"\nkind = \"reject_rate_above\"\nthreshold = 0.5\nwindow = 10.0\nmin_count = 4\n",
    );
    let c = |t, d, r| (t, Facts { decisions: d, rejects: r, ..Default::default() });
    let got = events(
        &mut e,
        vec![
            c(0, 0, 0),
            c(1, 3, 3),   // 3 of 3 rejected, but fewer than 4 decisions
            c(2, 4, 3),   // 3 of 4 = 75 %: fires
            c(5, 10, 3),  // 3 of 10: resolved
            c(6, 14, 9),  // 9 of 14 since t=0 = 64 %: fires
            c(30, 20, 9), // the window (t >= 20) holds 6 decisions, 0 rejects: resolved
        ],
    );
    assert_eq!(got, ev(&[(2, "fired", ""), (5, "resolved", ""), (6, "fired", ""), (30, "resolved", "")]));
    assert_eq!(e.alerts()[0].value, 0.75);
}

#[test]
fn tick_to_trade_p99_in_microseconds() {
    let mut e =
        engine(0.0, "[[rules]]\nname = \"t2t\"\nkind = \"tick_to_trade_p99_above\"\nthreshold = 500.0\n");
    let p = |t, ns: Option<u64>| (t, Facts { tick_to_trade_p99_ns: ns, ..Default::default() });
    let got = events(
        &mut e,
        vec![p(1, Some(400_000)), p(2, Some(500_001)), p(3, None), p(4, Some(800_000)), p(5, Some(100))],
    );
    assert_eq!(got, ev(&[(2, "fired", ""), (5, "resolved", "")]));
    assert_eq!(e.alerts()[0].value, 500.001);
}

#[test]
fn feed_state_per_symbol_or_any() {
    let mut e = engine(
        0.0,
        "[[rules]]\nname = \"any feed\"\nkind = \"feed_state\"\n\
         [[rules]]\nname = \"btc stale\"\nkind = \"feed_state\"\nsymbol = \"BTC\"\nstates = [\"stale\"]\n",
    );
    let f = |t, btc, eth| {
        let mut f = Facts::default();
        f.feed.insert("BTC".into(), btc);
        f.feed.insert("ETH".into(), eth);
        (t, f)
    };
    use FeedState::*;
    let got = events(
        &mut e,
        vec![
            f(1, Synced, Synced),
            f(2, Reconnecting, Synced),
            f(3, Stale, Resyncing),
            f(4, Synced, Resyncing),
            f(5, Synced, Synced),
        ],
    );
    // "any feed": one alert per symbol; "btc stale": only BTC, only stale.
    assert_eq!(
        got,
        ev(&[
            (2, "fired", "BTC"),
            (3, "fired", "ETH"),
            (3, "fired", "BTC"),
            (4, "resolved", "BTC"),
            (4, "resolved", "BTC"),
            (5, "resolved", "ETH"),
        ])
    );
    let names: Vec<&str> = e.alerts().iter().map(|a| a.rule_name.as_str()).collect();
    assert_eq!(names, ["any feed", "any feed", "btc stale"]);
}

#[test]
fn health_change_any_or_at_least_a_state() {
    let mut e = engine(
        0.0,
        "[[rules]]\nname = \"any\"\nkind = \"health_change\"\n\
         [[rules]]\nname = \"bad\"\nkind = \"health_change\"\nto = \"degraded\"\n",
    );
    let h = |t, s: &str| (t, Facts { health: Some((s.into(), "why".into())), ..Default::default() });
    let got = events(
        &mut e,
        vec![
            h(1, "Healthy"),
            h(2, "Warning"),
            h(3, "Warning"),
            h(4, "Critical"),
            h(5, "Degraded"),
            h(6, "Healthy"),
        ],
    );
    let by_rule = |name: &str| -> Vec<(u64, &str)> {
        e.alerts()
            .iter()
            .filter(|a| a.rule_name == name)
            .map(|a| (a.fired_ns / S, if a.active { "active" } else { "done" }))
            .collect()
    };
    // "any": each change fires (its new state is its own condition) and resolves at the next
    // snapshot or change: 2 (W), 4 (C), 5 (D), 6 (H).
    assert_eq!(by_rule("any"), [(2, "done"), (4, "done"), (5, "done"), (6, "active")]);
    // "bad": degraded or worse from 4 to 5, resolved at 6.
    assert_eq!(by_rule("bad"), [(4, "done")]);
    assert_eq!(got.iter().filter(|g| g.1 == "fired").count(), 5);
    let bad = e.alerts().iter().find(|a| a.rule_name == "bad").unwrap();
    assert_eq!((bad.value, bad.threshold, bad.resolved_ns), (3.0, 2.0, Some(6 * S)));
}

#[test]
fn persist_lag_in_records_or_seconds() {
    let mut e = engine(
        0.0,
        "[[rules]]\nname = \"rows\"\nkind = \"persist_lag_above\"\nthreshold = 1000.0\n\
         [[rules]]\nname = \"secs\"\nkind = \"persist_lag_above\"\nthreshold = 5.0\nunit = \"seconds\"\n",
    );
    let l = |t, records, seconds| {
        (t, Facts { persist_lag: Some(PersistLag { records, seconds }), ..Default::default() })
    };
    events(
        &mut e,
        vec![(0, Facts::default()), l(1, 10, 0.1), l(2, 5000, 1.0), l(3, 6000, 6.0), l(4, 0, 0.0)],
    );
    let got: Vec<(&str, u64, Option<u64>)> = e
        .alerts()
        .iter()
        .map(|a| (a.rule_name.as_str(), a.fired_ns / S, a.resolved_ns.map(|r| r / S)))
        .collect();
    assert_eq!(got, [("rows", 2, Some(4)), ("secs", 3, Some(4))]);
}

#[test]
fn acknowledge_rules_api_and_errors() {
    let mut e = engine(
        0.0,
        "[[rules]]\nname = \"up\"\nkind = \"price_above\"\nsymbol = \"BTC\"\nthreshold = 100.0\n",
    );
    events(&mut e, vec![(1, price("BTC", 99.0)), (2, price("BTC", 101.0))]);
    let id = e.alerts()[0].id;
    let a = e.acknowledge(id, "alice").unwrap();
    assert_eq!(
        (a.state, a.acknowledged_by.as_deref(), a.active),
        (AlertStatus::Acknowledged, Some("alice"), true)
    );
    // Again: unchanged.
    assert_eq!(e.acknowledge(id, "bob").unwrap().acknowledged_by.as_deref(), Some("alice"));
    assert!(matches!(e.acknowledge(999, "bob"), Err(AlertError::NoAlert(999))));
    assert!(matches!(e.acknowledge(id, ""), Err(AlertError::Config { key, .. }) if key == "by"));
    // Resolving an acknowledged alert keeps who acknowledged it.
    events(&mut e, vec![(3, price("BTC", 99.0))]);
    let a = &e.alerts()[0];
    assert_eq!(
        (a.state, a.active, a.acknowledged_by.as_deref()),
        (AlertStatus::Resolved, false, Some("alice"))
    );

    let spec: RuleSpec =
        serde_json::from_str(r#"{"name":"dn","kind":"price_below","symbol":"BTC","threshold":98}"#).unwrap();
    let v = e.create_rule(spec.clone()).unwrap();
    assert_eq!((v.id, e.rules().len()), (2, 2));
    let err = e.create_rule(spec.clone()).unwrap_err().to_string();
    assert!(err.contains("rule.name"), "{err}");
    let bad: RuleSpec = serde_json::from_str(r#"{"name":"x","kind":"price_below","threshold":98}"#).unwrap();
    assert!(e.create_rule(bad).unwrap_err().to_string().contains("rule.symbol"));
    assert!(serde_json::from_str::<RuleSpec>(r#"{"name":"x","kind":"price_below","typo":1}"#).is_err());
    // Updating a rule with an active alert resolves it.
    events(&mut e, vec![(4, price("BTC", 97.0))]);
    assert!(e.alerts().iter().all(|a| a.rule_id == 1), "97 at its first snapshot is no cross");
    events(&mut e, vec![(5, price("BTC", 99.0)), (6, price("BTC", 97.0))]);
    assert!(e.alerts().last().unwrap().active);
    let up = e.update_rule(2, RuleSpec { threshold: Some(90.0), ..spec }).unwrap();
    assert_eq!((up.spec.threshold, up.active), (Some(90.0), 0));
    assert!(!e.alerts().last().unwrap().active);
    assert!(matches!(e.update_rule(77, up.spec), Err(AlertError::NoRule(77))));
    // JSON shapes: snake_case.
    let j = serde_json::to_value(&e.alerts()[0]).unwrap();
    assert_eq!(
        (j["state"].as_str(), j["kind"].as_str(), j["severity"].as_str()),
        (Some("resolved"), Some("price_above"), Some("warning"))
    );
}

fn config_error(table: &str) -> String {
    let cfg: Result<AlertsConfig, _> = toml::from_str(table);
    match cfg {
        Err(e) => e.to_string(),
        Ok(c) => Engine::new(&c, None).err().map(|e| e.to_string()).unwrap_or_default(),
    }
}

#[test]
fn config_errors_name_the_key() {
    let rule = |body: &str| config_error(&format!("[[rules]]\nname = \"r\"\n{body}"));
    let cases = [
        (rule("kind = \"price_above\"\nthreshold = 1.0"), "alerts.rules[0].symbol"),
        (rule("kind = \"price_above\"\nsymbol = \"B\""), "alerts.rules[0].threshold"),
        (rule("kind = \"drawdown_above\"\nthreshold = 1.5"), "alerts.rules[0].threshold"),
        (rule("kind = \"drawdown_above\"\nthreshold = 0.1\nsymbol = \"B\""), "alerts.rules[0].symbol"),
        (rule("kind = \"reject_rate_above\"\nthreshold = 0.1\nwindow = 0.0"), "alerts.rules[0].window"),
        (rule("kind = \"feed_state\"\nthreshold = 1.0"), "alerts.rules[0].threshold"),
        (rule("kind = \"health_change\"\nto = \"sick\""), "alerts.rules[0].to"),
        (rule("kind = \"persist_lag_above\"\nthreshold = 1.0\nchannels = [\"webhook\"]"), "alerts.rules[0].channels"),
        (rule("kind = \"tick_to_trade_p99_above\"\nthreshold = 1.0\ncooldown = -1.0"), "alerts.rules[0].cooldown"),
        (config_error("[[rules]]\nname = \"a\"\nkind = \"feed_state\"\n[[rules]]\nname = \"a\"\nkind = \"feed_state\"\n"), "alerts.rules[1].name"),
        (config_error("cooldown = -5.0"), "alerts.cooldown"),
        (config_error("queue = 0"), "alerts.queue"),
        (config_error("[channels.webhook]\nurl = \"ftp://x\""), "alerts.channels.webhook.url"),
        (config_error("[channels.webhook]\nurl = \"http://u:p@h/\""), "alerts.channels.webhook.url"),
        (config_error("[channels.email]\nhost = \"localhost\""), "alerts.channels.email.to"),
        (config_error("[channels.email]\nhost = \"localhost\"\nto = [\"nobody\"]"), "alerts.channels.email.to[0]"),
    ];
    for (got, key) in cases {
        assert!(got.contains(key), "want {key}: {got}");
    }
    // Unknown keys and kinds are named by the parser.
    assert!(rule("kind = \"price_sideways\"").contains("price_sideways"));
    assert!(config_error("[channels.log]\nfiel = \"x\"").contains("fiel"));
    // Through the run's config file, under [alerts].
    let dir = alphapulse_shm::test_scratch::root().join(format!("ap-alerts-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("c.toml");
    std::fs::write(&p, "[[alerts.rules]]\nname = \"r\"\nkind = \"price_above\"\nthreshold = 5.0\n").unwrap();
    let e = Config::load(&p).unwrap_err().to_string();
    assert!(e.contains("alerts.rules[0].symbol"), "{e}");
    std::fs::write(
        &p,
        "[alerts.channels.webhook]\nurl = \"http://127.0.0.1:9/x\"\nauth_header = \"Bearer s3cret\"\n",
    )
    .unwrap();
    let cfg = Config::load(&p).unwrap();
    // The secret is never written back (run.json holds the serialized config).
    let json = serde_json::to_string(&cfg.alerts).unwrap();
    assert!(!json.contains("s3cret") && json.contains("127.0.0.1:9"), "{json}");
    assert!(!format!("{:?}", cfg.alerts).contains("s3cret"));
    let _ = std::fs::remove_dir_all(&dir);
}
