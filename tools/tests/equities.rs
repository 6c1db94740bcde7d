//! `alphapulse backtest-equities`: the engine's chain over daily prices. A committed fixture (four
//! months of AAPL, tools/testdata/equities) drives it with scripted slow agents: fills at the next
//! open's price (not the close), fees charged, nothing before the first signal, the ledger's equity
//! recomputed here from the CSV; a slow agent that panics goes stale while the run goes on. Over
//! the shared data (skipped when absent): the value agent on AAPL against `alphapulse evaluate`.

use alphapulse_agents::prices::PriceSeries;
use alphapulse_agents::Date;
use alphapulse_strategy::SlowAgent;
use alphapulse_tools::equities::clock::{close_ns, known_date, open_ns};
use alphapulse_tools::equities::{default_config, run, EquitiesRun, EquityAgent, RunSpec};
use alphapulse_tools::evaluate::data::{load_ticker, AgentKind, Agents};
use alphapulse_types::{InstrumentId, Side};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/equities/AAPL_2014-01_2014-04.csv")
}

/// `(date, open, close)` rows of the fixture, parsed here (not by the agents crate).
fn rows() -> Vec<(String, f64, f64)> {
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].parse().expect("open"), f[4].parse().expect("close"))
        })
        .collect()
}

fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("date")
}

/// A price of the file on the cent grid.
fn cents(p: f64) -> f64 {
    (p * 100.0).round() / 100.0
}

/// The trading day after `date` in the fixture, with its open and close.
fn next_day(rows: &[(String, f64, f64)], date: &str) -> (String, f64, f64) {
    rows.iter().find(|r| r.0.as_str() > date).cloned().expect("a later day")
}

/// A slow agent the test scripts: from each scripted date on (known once that date's close has
/// passed) its score; optionally dated at the time asked; optionally panicking from a date on.
struct Scripted {
    name: &'static str,
    script: Vec<(&'static str, i32)>,
    fresh: bool,
    panic_from: Option<&'static str>,
}

impl SlowAgent for Scripted {
    fn name(&self) -> &str {
        self.name
    }
    fn signal(&mut self, _inst: InstrumentId, now_ns: u64) -> Option<(i32, u64)> {
        let known = |s: &str| close_ns(d(s)).expect("close") <= now_ns;
        if self.panic_from.is_some_and(known) {
            panic!("scripted crash of slow agent `{}`", self.name);
        }
        let &(date, score) = self.script.iter().rev().find(|(s, _)| known(s))?;
        Some((score, if self.fresh { now_ns } else { close_ns(d(date)).expect("close") }))
    }
}

fn spec(shares: u64) -> RunSpec {
    RunSpec {
        tickers: vec!["AAPL".into()],
        series: vec![PriceSeries::load(&fixture()).expect("fixture loads")],
        cost_bps: Some(5.0),
        shares: Some(shares),
        ..RunSpec::default()
    }
}

fn run_with(agents: Vec<Box<dyn SlowAgent>>, ttl: &[(&str, u64)]) -> EquitiesRun {
    let mut cfg = default_config().expect("built-in config");
    for (name, t) in ttl {
        cfg.strategy.aggregator.signal_ttl_ns_by.insert(name.to_string(), *t);
    }
    run(cfg, &spec(100), agents).expect("run")
}

#[test]
fn scripted_signals_fill_at_the_next_open_with_fees() {
    let rows = rows();
    let agent = Scripted {
        name: "scripted",
        script: vec![("2014-01-15", 5_000), ("2014-03-03", -5_000)],
        fresh: false,
        panic_from: None,
    };
    let r = run_with(vec![Box::new(agent)], &[]);
    assert_eq!(r.daily_equity.len(), rows.len(), "one equity per trading day");
    assert_eq!(r.events, 2 * rows.len(), "an open and a close per day");
    // Long 100 at the open after 2014-01-15, then a reversal (200) at the open after 2014-03-03.
    let (buy_day, buy_open, buy_close) = next_day(&rows, "2014-01-15");
    let (sell_day, sell_open, sell_close) = next_day(&rows, "2014-03-03");
    assert_eq!((buy_day.as_str(), sell_day.as_str()), ("2014-01-16", "2014-03-04"));
    assert_eq!(r.fills.len(), 2, "fills: {:?}", r.fills);
    assert_eq!((r.report.orders_sent, r.report.fills), (2, 2));
    let (b, s) = (r.fills[0], r.fills[1]);
    assert_eq!((b.side, b.qty, s.side, s.qty), (Side::Buy, 100.0, Side::Sell, 200.0));
    // At the open's quote: the ask (open + 1 tick) to buy, the bid (open − 1 tick) to sell.
    assert!((b.px - (cents(buy_open) + 0.01)).abs() < 1e-9, "buy at {} (open {buy_open})", b.px);
    assert!((s.px - (cents(sell_open) - 0.01)).abs() < 1e-9, "sell at {} (open {sell_open})", s.px);
    assert!(
        (b.px - cents(buy_close)).abs() > 0.015 && (s.px - cents(sell_close)).abs() > 0.015,
        "not the close"
    );
    // Filled during the session of that day (after its open, before its close).
    for (f, day) in [(b, &buy_day), (s, &sell_day)] {
        let (o, c) = (open_ns(d(day)).expect("open"), close_ns(d(day)).expect("close"));
        assert!(f.ts > o && f.ts < c, "fill at {} outside {day}'s session {o}..{c}", f.ts);
    }
    // No order before the first signal: nothing filled before the first signal's next open.
    assert!(r.fills.iter().all(|f| f.ts > open_ns(d(&buy_day)).expect("open")));
    // Fees: 5 bps of each fill's notional.
    for f in &r.fills {
        assert!((f.fee - f.px * f.qty * 5e-4).abs() < 1e-6, "fee {} on {} × {}", f.fee, f.px, f.qty);
    }
    let fees = b.px * 100.0 * 5e-4 + s.px * 200.0 * 5e-4;
    assert!((r.report.fees - fees).abs() < 1e-6, "report fees {} vs {fees}", r.report.fees);
    // Equity at the end: cash after both fills and fees, short 100 marked at the last close.
    let last_close = cents(rows[rows.len() - 1].2);
    let equity = 100_000.0 - 100.0 * b.px + 200.0 * s.px - fees - 100.0 * last_close;
    assert!((r.report.equity - equity).abs() < 1e-6, "report equity {} vs {equity}", r.report.equity);
    let (_, ledger) = r.daily_equity[r.daily_equity.len() - 1];
    assert!((ledger - equity).abs() < 1e-6, "ledger {ledger} vs {equity}");
    // Before the first fill the equity is the starting cash, day by day.
    assert!(r
        .daily_equity
        .iter()
        .take_while(|(day, _)| day.as_str() < buy_day.as_str())
        .all(|(_, e)| *e == 100_000.0));
    let f = r.figures.as_ref().expect("figures");
    assert!((f.total_return - (equity / 100_000.0 - 1.0)).abs() < 1e-12);
    let text = r.summary_text();
    assert!(text.contains("scripted") && text.contains("Sharpe") && text.contains("max drawdown"), "{text}");
}

#[test]
fn a_panicking_slow_agent_goes_stale_and_the_run_goes_on() {
    let rows = rows();
    let day_ns = 86_400_000_000_000;
    // Together short ((5000 − 9000) / 2); once `crashy` has panicked and its last signal is past
    // its 3-day TTL, `steady` alone is long.
    let steady =
        Scripted { name: "steady", script: vec![("2014-01-02", 5_000)], fresh: true, panic_from: None };
    let crashy = Scripted {
        name: "crashy",
        script: vec![("2014-01-02", -9_000)],
        fresh: true,
        panic_from: Some("2014-02-03"),
    };
    let r = run_with(vec![Box::new(steady), Box::new(crashy)], &[("crashy", 3 * day_ns)]);
    assert_eq!(r.daily_equity.len(), rows.len(), "the run went on to the last day");
    let crashy = r.agents.iter().find(|a| a.slow.name == "crashy").expect("crashy");
    let steady = r.agents.iter().find(|a| a.slow.name == "steady").expect("steady");
    assert!(crashy.slow.panicked && !steady.slow.panicked);
    assert!(crashy.expired >= 1, "its last signal expired: {crashy:?}");
    assert!(steady.slow.polls > crashy.slow.polls);
    assert!(r.summary_text().contains("PANICKED"), "{}", r.summary_text());
    // Short first, then long once the crashed agent's signal went stale (after 2014-02-03's close).
    let sides: Vec<Side> = r.fills.iter().map(|f| f.side).collect();
    assert_eq!(sides, [Side::Sell, Side::Buy], "{:?}", r.fills);
    let buy = r.fills[1];
    let crashed = close_ns(d("2014-02-03")).expect("close");
    assert!(buy.ts > crashed + 3 * day_ns - day_ns, "bought at {} before the TTL could pass", buy.ts);
    assert!(buy.ts < close_ns(d("2014-02-11")).expect("close"), "bought late: {}", buy.ts);
}

#[test]
fn the_same_run_gives_the_same_days() {
    let make = || -> Vec<Box<dyn SlowAgent>> {
        vec![Box::new(Scripted {
            name: "scripted",
            script: vec![("2014-01-06", -4_000), ("2014-02-10", 7_000), ("2014-03-20", -1)],
            fresh: false,
            panic_from: None,
        })]
    };
    let (a, b) = (run_with(make(), &[]), run_with(make(), &[]));
    assert_eq!(a.fills.len(), 3, "{:?}", a.fills);
    assert_eq!(a.fills, b.fills);
    assert_eq!(a.daily_equity, b.daily_equity);
    assert_eq!(a.figures, b.figures);
}

#[test]
fn help_and_missing_data() {
    let bin = env!("CARGO_BIN_EXE_alphapulse");
    let out = Command::new(bin).args(["backtest-equities", "--help"]).output().expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && help.contains("D+1's open") && help.contains("--shares"), "{help}");
    let out = Command::new(bin)
        .args(["backtest-equities", "--data", "/nonexistent/equities", "--tickers", "AAPL"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/equities"));
}

#[test]
fn value_on_aapl_agrees_with_evaluate() {
    let Some(dir) = shared_equities("value_on_aapl_agrees_with_evaluate") else { return };
    let t = load_ticker(&dir, "AAPL").expect("AAPL");
    let series = (*t.prices).clone();
    let agents = Arc::new(Agents::new(std::slice::from_ref(&t)));
    let agent = EquityAgent::new(AgentKind::Value, agents, Arc::new(vec!["AAPL".into()]));
    let spec = RunSpec {
        tickers: vec!["AAPL".into()],
        series: vec![series],
        cost_bps: Some(5.0),
        ..RunSpec::default()
    };
    let r = run(default_config().expect("config"), &spec, vec![Box::new(agent)]).expect("run");
    let args = alphapulse_tools::evaluate::Args {
        data: Some(dir),
        tickers: vec!["AAPL".into()],
        agents: vec![AgentKind::Value],
        horizons: vec![1],
        from: None,
        to: None,
        cost_bps: 5.0,
        position: alphapulse_tools::evaluate::daily::Sizing::Sign,
        json: false,
        sentiment_model: None,
    };
    let e = alphapulse_tools::evaluate::evaluate(&args).expect("evaluate");
    let bt = &e.tickers[0].agents[0].backtest;
    let engine = r.figures.as_ref().expect("figures").total_return;
    println!(
        "engine {engine:+.4}, evaluate {:+.4}; fills {}, evaluate trades {}",
        bt.total_return,
        r.fills.len(),
        bt.trades
    );
    assert_eq!(engine.signum(), bt.total_return.signum(), "same sign");
    assert!((engine - bt.total_return).abs() < 0.25 * bt.total_return.abs(), "roughly the same size");
    assert_eq!(r.fills.len(), bt.trades, "one fill per change of position");
}

/// The sentiment agent (stocknet tweets through the ONNX model) through the chain: it trades, and
/// every fill goes the way of the signal the agent gives, asked on its own here, as of the date
/// known at the fill's open (the previous close: tweets up to that day's 20:00 UTC).
#[test]
fn sentiment_on_aapl_fills_the_way_of_its_signal_known_before_the_open() {
    let Some(dir) = shared_equities("sentiment_on_aapl_fills_the_way_of_its_signal_known_before_the_open")
    else {
        return;
    };
    let t = load_ticker(&dir, "AAPL").expect("AAPL");
    let mut agents = Agents::new(std::slice::from_ref(&t));
    agents
        .add_sentiment(&dir, &["AAPL".to_string()], &alphapulse_tools::evaluate::default_sentiment_model())
        .expect("the sentiment model and AAPL's tweets");
    let agents = Arc::new(agents);
    let agent = EquityAgent::new(AgentKind::Sentiment, agents.clone(), Arc::new(vec!["AAPL".into()]));
    let d = |s| Date::parse_iso(s).unwrap();
    let spec = RunSpec {
        tickers: vec!["AAPL".into()],
        series: vec![(*t.prices).clone()],
        from: Some(d("2015-01-01")),
        to: Some(d("2015-12-31")),
        cost_bps: Some(5.0),
        ..RunSpec::default()
    };
    let r = run(default_config().expect("config"), &spec, vec![Box::new(agent)]).expect("run");
    assert!(!r.fills.is_empty(), "the sentiment agent never traded");
    for f in &r.fills {
        let known = known_date(f.ts);
        let s = agents.signal(AgentKind::Sentiment, "AAPL", known).expect("a signal behind every fill");
        let want = if s.score > 0 { Side::Buy } else { Side::Sell };
        assert_eq!(f.side, want, "fill at {} (known date {known}): signal {}", f.ts, s.score);
    }
    println!(
        "sentiment on AAPL 2015: {} fills, return {:+.4}",
        r.fills.len(),
        r.figures.as_ref().unwrap().total_return
    );
}

/// The shared equities folder, or None after printing that `test` was skipped.
fn shared_equities(test: &str) -> Option<PathBuf> {
    let dir =
        alphapulse_feeds::testdata::shared_data_dir().map(|d| d.join("equities")).filter(|p| p.is_dir());
    if dir.is_none() {
        println!("skipped: {test}: ../shared/data/equities not found");
    }
    dir
}
