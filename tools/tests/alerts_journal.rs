//! Rules over real data: the shipped sample's backtest journal, its trades turned into `Facts`
//! one by one; a price-cross rule at a price the capture really crosses fires exactly at the
//! crossings computed here from the journal's trades, and the journaled `Msg::Alert` records read
//! back with `alphapulse journal tail --stream alerts`.

mod common;

use alphapulse_shm::Reader;
use alphapulse_tools::alerts::{AlertJournal, AlertStatus, AlertsConfig, Engine, Facts};
use alphapulse_tools::journal::fmt_ts;
use alphapulse_types::{Msg, ENCODED_LEN};

#[test]
fn price_cross_on_the_sample_capture_is_journaled_and_tailed() {
    let dir = alphapulse_shm::test_scratch::root().join(format!("ap-alerts-journal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let journal = dir.join("journal");
    let o = common::ap(&["backtest", "--journal", journal.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::err(&o));
    let symbols = alphapulse_tools::run_journal::read_meta(&journal).unwrap().unwrap().instruments;

    // The capture's trades, in journal order: (local time, symbol, raw price).
    let mut trades = Vec::new();
    let mut r = Reader::open(journal.join("feed")).unwrap();
    while let Some(x) = r.next().unwrap() {
        if let Ok(Msg::Trade(t)) = Msg::decode(&x.payload[..ENCODED_LEN.min(x.payload.len())]) {
            trades.push((t.local_ts, symbols[t.inst.0 as usize].clone(), t.px.raw()));
        }
    }
    assert!(trades.len() > 1000, "{}", trades.len());
    let sym = trades[0].1.clone();
    let mut pxs: Vec<i64> = trades.iter().filter(|t| t.1 == sym).map(|t| t.2).collect();
    pxs.sort();
    let threshold = pxs[pxs.len() / 2]; // the median trade price: crossed, surely

    // Independently: each time the price goes above the threshold after a trade at or below it
    // (fires), and back at or below it (resolves).
    let (mut fired, mut resolved) = (Vec::new(), Vec::new());
    let (mut seen_below, mut above) = (false, false);
    for (ts, s, px) in &trades {
        if *s != sym {
            continue;
        }
        if *px <= threshold {
            seen_below = true;
            if above {
                resolved.push(*ts);
                above = false;
            }
        } else if seen_below && !above {
            fired.push((*ts, *px));
            above = true;
        }
    }
    assert!(fired.len() >= 2, "the capture crosses its median: {fired:?}");

    let cfg: AlertsConfig = toml::from_str(&format!(
        "cooldown = 0.0\n[channels.log]\nenabled = false\n[[rules]]\nname = \"median cross\"\nkind = \"price_above\"\n\
         symbol = \"{sym}\"\nthreshold = {}\nseverity = \"info\"\n",
        threshold as f64 / 1e8
    ))
    .unwrap();
    let mut engine = Engine::new(&cfg, Some(AlertJournal::open(&journal).unwrap())).unwrap();
    let mut f = Facts::default();
    for (ts, s, px) in &trades {
        f.now_ns = *ts;
        f.last_price.insert(s.clone(), *px as f64 / 1e8);
        engine.observe(&f);
    }
    let alerts = engine.alerts().to_vec();
    let got: Vec<(u64, i64)> = alerts.iter().map(|a| (a.fired_ns, (a.value * 1e8).round() as i64)).collect();
    assert_eq!(got, fired);
    let got_resolved: Vec<u64> = alerts.iter().filter_map(|a| a.resolved_ns).collect();
    assert_eq!(got_resolved, resolved);
    assert!(alerts
        .iter()
        .all(|a| a.symbol.as_deref() == Some(sym.as_str()) && a.state != AlertStatus::Acknowledged));
    let id = alerts[0].id;
    engine.acknowledge(id, "1000").unwrap();
    engine.shutdown().unwrap();

    // Read back through the CLI.
    let o = common::ap(&["journal", "tail", journal.to_str().unwrap(), "--stream", "alerts", "-n", "100000"]);
    assert!(o.status.success(), "{}", common::err(&o));
    let out = common::out(&o);
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("alerts ")).collect();
    assert_eq!(lines.len(), fired.len() + resolved.len() + 1, "{out}");
    let field = |l: &str, k: &str| -> String {
        l.split(' ')
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k} in {l}"))
            .to_string()
    };
    // `alerts SEQ TIME alert field=value …`: the record's time is the third word.
    let fired_lines: Vec<(String, i64)> = lines
        .iter()
        .filter(|l| field(l, "state") == "fired")
        .map(|l| (l.split(' ').nth(2).unwrap().to_string(), field(l, "value").parse().unwrap()))
        .collect();
    let want: Vec<(String, i64)> = fired.iter().map(|&(ts, px)| (fmt_ts(ts), px)).collect();
    assert_eq!(fired_lines, want);
    for l in &lines {
        assert_eq!(field(l, "symbol"), sym, "{l}");
        assert_eq!(
            (field(l, "rule_kind"), field(l, "severity"), field(l, "threshold")),
            ("price_above".into(), "info".into(), threshold.to_string())
        );
    }
    let ack = lines.last().unwrap();
    assert_eq!(
        (field(ack, "state"), field(ack, "alert_id"), field(ack, "by")),
        ("acknowledged".into(), id.to_string(), "1000".into())
    );
    let _ = std::fs::remove_dir_all(&dir);
}
