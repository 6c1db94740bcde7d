//! The sentiment agent on fixed inputs: the aggregate it publishes against one computed here
//! from the classifier's own outputs, no look-ahead (a text 1 ns after the query is not seen),
//! `created_at` as the time, the JSONL loader's refusals with line numbers, the SlowAgent adapter,
//! and the same on real stocknet AAPL tweets when ../shared is there.

mod common;

use alphapulse_agents::sentiment::normalise::normalise;
use alphapulse_agents::sentiment::source::{load_jsonl, load_stocknet, TextItem};
use alphapulse_agents::sentiment::time::parse_rfc3339;
use alphapulse_agents::sentiment::{SentimentAgent, SentimentConfig, SentimentSlowAgent};
use alphapulse_agents::Date;
use alphapulse_ml::{TextClassifier, TextSpec};
use alphapulse_strategy::slow::SlowAgent;
use alphapulse_types::InstrumentId;
use std::collections::HashMap;
use std::sync::Arc;

const NS: i64 = 1_000_000_000;
const DAY: i64 = 86_400 * NS;

fn classifier() -> TextClassifier {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/models/sentiment/sentiment.onnx");
    TextClassifier::load(&TextSpec::sentiment(p)).expect("sentiment model loads")
}

fn fixture_tweets() -> Vec<TextItem> {
    let l = load_stocknet(&common::fixture("sentiment/tweet"), "aapl").expect("fixture loads");
    assert!(l.refused.is_empty(), "{:?}", l.refused);
    l.items
}

/// p_bull − p_bear of each item, one classifier call per text (not the agent's batch).
fn nets(c: &mut TextClassifier, items: &[TextItem]) -> Vec<f64> {
    items
        .iter()
        .map(|i| {
            let r = c.classify(&[normalise(&i.text).as_str()]).expect("classify").remove(0);
            f64::from(r.probabilities[1]) - f64::from(r.probabilities[0])
        })
        .collect()
}

/// The expected (count, score) as of `t`, from the items and their nets.
fn expected(items: &[TextItem], nets: &[f64], t: i64, window: i64) -> (usize, f64) {
    let w: Vec<f64> = items
        .iter()
        .zip(nets)
        .filter(|(i, _)| i.ts_ns <= t && i.ts_ns > t - window)
        .map(|(_, n)| *n)
        .collect();
    let mean = if w.is_empty() { 0.0 } else { w.iter().sum::<f64>() / w.len() as f64 };
    (w.len(), mean)
}

fn check_against_independent(
    agent: &SentimentAgent,
    ticker: &str,
    items: &[TextItem],
    nets: &[f64],
    t: i64,
) -> bool {
    let cfg = &agent.config;
    let (count, mean) = expected(items, nets, t, cfg.window_ns());
    let got = agent.signal_as_of(ticker, t);
    if count < cfg.min_count {
        assert!(got.is_none(), "as of {t}: {count} texts < {}, got {got:?}", cfg.min_count);
        return false;
    }
    let (s, last) = got.unwrap_or_else(|| panic!("as of {t}: {count} texts, no signal"));
    let want = (mean * 10_000.0).round() as i32;
    assert!((s.score - want).abs() <= 1, "as of {t}: score {} vs {want} (mean {mean})", s.score);
    assert!(s.reasons[0].starts_with(&format!("{count} texts")), "{:?}", s.reasons);
    assert!(last <= t);
    true
}

#[test]
fn created_at_is_the_time_not_the_file_date() {
    let items = fixture_tweets();
    assert_eq!(items.len(), 12);
    // The first line of file 2015-01-02 was created on 2015-01-01 at 22:40:11 UTC.
    let first = parse_rfc3339("2015-01-01T22:40:11Z").expect("ts");
    assert_eq!(items[0].ts_ns, first);
    assert_eq!(items[0].ticker, "AAPL");
    assert_eq!(items[0].text, "$ aapl upgraded to buy , price target raised URL");
}

#[test]
fn aggregate_matches_one_computed_from_the_classifier() {
    let items = fixture_tweets();
    let mut c = classifier();
    let nets = nets(&mut c, &items);
    // Not all of one sign: the fixture mixes bullish and bearish texts.
    assert!(nets.iter().any(|&n| n > 0.2) && nets.iter().any(|&n| n < -0.2), "{nets:?}");
    let cfg = SentimentConfig { window_days: 3.0, min_count: 5, ..SentimentConfig::default() };
    let agent = SentimentAgent::new(cfg, &mut c, &items).expect("agent");
    let mut with_signal = 0;
    // Every text's time, 1 ns before and after, and each day's cutoff.
    let mut times: Vec<i64> = items.iter().flat_map(|i| [i.ts_ns - 1, i.ts_ns, i.ts_ns + 1]).collect();
    for d in 0..8 {
        let date = Date::from_ymd(2015, 1, 1).expect("date").add_days(d);
        times.push(agent.cutoff_ns(date));
        let by_date = agent.signal_at("AAPL", date);
        assert_eq!(by_date, agent.signal_as_of("AAPL", agent.cutoff_ns(date)).map(|(s, _)| s));
    }
    for t in times {
        with_signal += usize::from(check_against_independent(&agent, "AAPL", &items, &nets, t));
    }
    assert!(with_signal >= 10, "only {with_signal} query times had a signal");
    // The cutoff is 20:00 UTC: 2015-01-02's signal has 4 texts (one created the day before its
    // file, three that day), the one of 20:00:01 is not in it, so no signal (fewer than 5) …
    let d2 = Date::from_ymd(2015, 1, 2).expect("date");
    assert_eq!(expected(&items, &nets, agent.cutoff_ns(d2), agent.config.window_ns()).0, 4);
    assert_eq!(agent.signal_at("AAPL", d2), None);
    // … and 1 s later there are 5.
    let s = agent.signal_as_of("AAPL", agent.cutoff_ns(d2) + NS).expect("5 texts").0;
    assert!(s.reasons[0].starts_with("5 texts"), "{:?}", s.reasons);
    assert!(agent.signal_as_of("MSFT", i64::MAX).is_none());
}

#[test]
fn a_text_one_ns_after_the_query_is_not_seen() {
    let mut c = classifier();
    let t = parse_rfc3339("2015-01-05T18:00:00Z").expect("ts");
    let mut items: Vec<TextItem> = (0..5)
        .map(|k| TextItem {
            ts_ns: t - k * 3600 * NS,
            ticker: "AAPL".into(),
            text: "$AAPL downgraded, shares fall".into(),
        })
        .collect();
    let cfg = SentimentConfig { window_days: 1.0, min_count: 5, ..SentimentConfig::default() };
    let before = SentimentAgent::new(cfg.clone(), &mut c, &items).expect("agent");
    let (s0, last0) = before.signal_as_of("AAPL", t).expect("signal");
    assert!(s0.score < 0, "{s0:?}");
    assert_eq!(last0, t);
    items.push(TextItem {
        ts_ns: t + 1,
        ticker: "AAPL".into(),
        text: "$AAPL beats estimates, shares jump to a record high".into(),
    });
    let after = SentimentAgent::new(cfg, &mut c, &items).expect("agent");
    assert_eq!(after.signal_as_of("AAPL", t), Some((s0.clone(), last0)), "the text at t + 1 ns leaked");
    let (s1, last1) = after.signal_as_of("AAPL", t + 1).expect("signal");
    assert!(s1.score > s0.score, "{s1:?} vs {s0:?}");
    assert_eq!(last1, t + 1);
    assert!(s1.reasons[0].starts_with("6 texts"), "{:?}", s1.reasons);
    // The window's far edge: a text exactly `window` old is out.
    // The window's far edge: a text exactly `window` old is out, 1 ns younger it is in.
    let edge = t - 4 * 3600 * NS + DAY;
    assert!(before.signal_as_of("AAPL", edge).is_none(), "4 texts left, fewer than 5");
    assert!(before.signal_as_of("AAPL", edge - 1).is_some(), "5 texts");
}

#[test]
fn jsonl_refuses_bad_lines_with_their_numbers() {
    let path = common::fixture("sentiment/texts.jsonl");
    let l = load_jsonl(&path).expect("file reads");
    let lines: Vec<String> =
        l.refused.iter().map(|r| r.field.rsplit(':').next().unwrap_or("").to_string()).collect();
    assert_eq!(lines, ["4", "6", "7", "8", "9"], "{:?}", l.refused);
    assert!(l.refused.iter().all(|r| r.field.starts_with(&path.display().to_string())));
    assert!(l.refused[0].why.contains("RFC 3339"), "{}", l.refused[0]);
    assert!(l.refused[1].why.contains("Unix nanoseconds"), "{}", l.refused[1]);
    assert!(l.refused[2].why.contains("ticker"), "{}", l.refused[2]);
    assert!(l.refused[3].why.contains("not JSON"), "{}", l.refused[3]);
    assert!(l.refused[4].why.contains("text"), "{}", l.refused[4]);
    let ts: Vec<(i64, &str)> = l.items.iter().map(|i| (i.ts_ns, i.ticker.as_str())).collect();
    let at = |s| parse_rfc3339(s).expect("ts");
    assert_eq!(
        ts,
        [
            (at("2015-01-05T14:00:00Z"), "AAPL"),
            (1_420_470_000_000_000_000, "MSFT"),
            (at("2015-01-05T21:00:00Z"), "AAPL"),
            (at("2015-01-06T09:30:00Z") + NS / 2, "AAPL")
        ]
    );
    let missing = load_jsonl(&common::fixture("sentiment/no-such.jsonl")).expect_err("missing file");
    assert!(missing.to_string().contains("no-such.jsonl"), "{missing}");
}

#[test]
fn slow_agent_adapter_answers_as_the_agent() {
    let items = fixture_tweets();
    let mut c = classifier();
    let cfg = SentimentConfig { window_days: 3.0, min_count: 3, ..SentimentConfig::default() };
    let agent = Arc::new(SentimentAgent::new(cfg, &mut c, &items).expect("agent"));
    let map = HashMap::from([(InstrumentId(7), "AAPL".to_string())]);
    let mut slow = SentimentSlowAgent::new("sentiment", agent.clone(), map);
    assert_eq!(slow.name(), "sentiment");
    let now = parse_rfc3339("2015-01-05T19:00:00Z").expect("ts");
    let (s, last) = agent.signal_as_of("AAPL", now).expect("signal");
    assert_eq!(slow.signal(InstrumentId(7), now as u64), Some((s.score, last as u64)));
    assert!(last as u64 <= now as u64);
    assert_eq!(slow.signal(InstrumentId(8), now as u64), None);
}

/// Real stocknet AAPL tweets (read at test time, not committed): the agent's aggregate on a few
/// days of 2015 against one computed here.
#[test]
fn real_stocknet_aapl_aggregate() {
    let Some(dir) = common::equities("real_stocknet_aapl_aggregate") else { return };
    let l = load_stocknet(&dir.join("stocknet/tweet/preprocessed"), "AAPL").expect("stocknet AAPL");
    assert!(l.refused.is_empty(), "{:?}", &l.refused[..l.refused.len().min(3)]);
    assert_eq!(l.items.len(), 9_730, "AAPL tweets in stocknet (research notes: 9,730)");
    // Tweets created 2015-03-02 … 2015-03-06 UTC (about 200): scored one by one here.
    let (from, to) = (
        parse_rfc3339("2015-03-02T00:00:00Z").expect("ts"),
        parse_rfc3339("2015-03-07T00:00:00Z").expect("ts"),
    );
    let items: Vec<TextItem> = l.items.into_iter().filter(|i| i.ts_ns >= from && i.ts_ns < to).collect();
    assert!(items.len() >= 50, "{} tweets", items.len());
    let mut c = classifier();
    let nets = nets(&mut c, &items);
    let agent = SentimentAgent::new(SentimentConfig::default(), &mut c, &items).expect("agent");
    let mut n = 0;
    for d in 2..=6 {
        let t = agent.cutoff_ns(Date::from_ymd(2015, 3, d).expect("date"));
        n += usize::from(check_against_independent(&agent, "AAPL", &items, &nets, t));
    }
    assert!(n >= 4, "{n} days with a signal");
    println!("{} real AAPL tweets, {n} days checked", items.len());
}

/// A backtest-clock SlowRunner drives the adapter and publishes its answer on the board.
#[test]
fn a_slow_runner_publishes_the_signal() {
    use alphapulse_strategy::slow::{SlowRunner, SlowRunnerConfig};
    use alphapulse_strategy::Board;
    let items = fixture_tweets();
    let mut c = classifier();
    let cfg = SentimentConfig { window_days: 3.0, min_count: 3, ..SentimentConfig::default() };
    let agent = Arc::new(SentimentAgent::new(cfg, &mut c, &items).expect("agent"));
    let board = Arc::new(Board::new(&["sentiment"], 2).expect("board"));
    let mut runner =
        SlowRunner::new(board.clone(), SlowRunnerConfig { period_ns: 3600 * NS as u64, nice: 0 })
            .expect("runner");
    let map = HashMap::from([(InstrumentId(1), "AAPL".to_string())]);
    let row = runner.add(Box::new(SentimentSlowAgent::new("sentiment", agent.clone(), map))).expect("row");
    let now = parse_rfc3339("2015-01-05T19:00:00Z").expect("ts");
    assert_eq!(runner.step(now as u64), 1, "one instrument has a ticker");
    let (s, last) = agent.signal_as_of("AAPL", now).expect("signal");
    let e = board.read(row, InstrumentId(1)).expect("published");
    assert_eq!((e.score, e.ts), (s.score, last as u64));
    assert!(board.read(row, InstrumentId(0)).is_none());
}
