//! Parsers and refusals on the committed fixtures and inline malformed input (no ../shared needed).

mod common;
use alphapulse_agents::pit::{Period, Pit};
use alphapulse_agents::prices::PriceSeries;
use alphapulse_agents::sec::facts::CompanyFacts;
use alphapulse_agents::sec::schedule13::Stake;
use alphapulse_agents::sec::submissions::Submissions;
use alphapulse_agents::sec::{parse_json_text, read_json};
use common::{d, fixture};
use std::path::Path;

#[test]
fn cassette_body_equals_the_plain_json() {
    let from_yaml = read_json(&fixture("aapl_companyfacts_fy2008.cassette.yaml")).expect("cassette");
    let plain: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("aapl_companyfacts_fy2008.json")).expect("read"),
    )
    .expect("json");
    assert_eq!(from_yaml, plain);
}

#[test]
fn restatement_is_seen_only_from_its_filing_date() {
    let f = CompanyFacts::load(&fixture("aapl_companyfacts_fy2008.cassette.yaml")).expect("loads");
    assert!(f.refused.is_empty());
    // FY2008: 2007-09-30 … 2008-09-27, as in the raw entries.
    let raw = f.get("us-gaap:NetIncomeLoss", "USD");
    let fy = |filed: &str| {
        raw.iter().find(|x| x.end == d("2008-09-27") && x.days() > 350 && x.filed == d(filed)).map(|x| x.val)
    };
    let (orig, restated) = (fy("2009-10-27").expect("original 10-K"), fy("2010-01-25").expect("10-K/A"));
    assert_ne!(orig, restated);
    let p = Period { start: Some(d("2007-09-30")), end: d("2008-09-27") };
    let ni = |at: &str| Pit::new(&f, d(at)).usd(alphapulse_agents::concepts::NET_INCOME, p).map(|v| v.val);
    assert_eq!(ni("2010-01-24"), Some(orig));
    assert_eq!(ni("2010-01-25"), Some(restated));
    assert_eq!(ni("2008-10-01"), None, "nothing filed yet");
}

#[test]
fn python_literal_facts_load() {
    let f = CompanyFacts::load(&fixture("tsla_companyfacts_fy2020.pydict")).expect("loads");
    assert_eq!(f.cik, Some(1_318_605));
    let text = std::fs::read_to_string(fixture("tsla_companyfacts_fy2020.pydict")).expect("read");
    // Every `'val': N` of the file is a fact.
    assert_eq!(f.accepted, text.matches("'val': ").count());
    assert!(f.refused.is_empty());
}

#[test]
fn submissions_and_8k_items() {
    let s = Submissions::load(&fixture("tsla_submissions_mini.json")).expect("loads");
    assert_eq!(s.filings.len(), 12);
    let doc = read_json(&fixture("tsla_submissions_mini.json")).expect("json");
    let items = doc["filings"]["recent"]["items"].as_array().expect("items");
    for (f, raw) in s.filings.iter().zip(items) {
        assert_eq!(f.items.join(","), raw.as_str().expect("str"));
    }
}

#[test]
fn schedule_13_both_schemas() {
    let g = Stake::load(&fixture("jushi_marex_13g_2025-11-19.xml")).expect("13G with a leading blank line");
    assert!(!g.activist);
    assert_eq!(
        (g.event_date, g.issuer_name.as_str(), g.max_percent()),
        (d("2025-11-19"), "Jushi Holdings Inc.", 5.1)
    );
    let dd = Stake::load(&fixture("aadi_bml_2024-12-31.xml")).expect("13D");
    assert!(dd.activist);
    assert_eq!(dd.holders.iter().map(|h| h.percent).collect::<Vec<_>>(), vec![8.5, 9.9]);
    assert_eq!(dd.holders[0].shares, 2_100_000.0);
    let bad = std::fs::read_to_string(fixture("aadi_bml_2024-12-31.xml"))
        .expect("read")
        .replace("12/31/2024", "2024-12-31");
    let e = Stake::parse(Path::new("x.xml"), &bad).expect_err("bad date");
    assert!(e.to_string().contains("dateOfEvent") && e.to_string().contains("x.xml"), "{e}");
    let bad =
        std::fs::read_to_string(fixture("aadi_bml_2024-12-31.xml")).expect("read").replace(">8.5<", ">lots<");
    assert!(Stake::parse(Path::new("x.xml"), &bad)
        .expect_err("bad pct")
        .to_string()
        .contains("percentOfClass"));
}

#[test]
fn malformed_facts_are_refused_and_counted() {
    let p = Path::new("bad.json");
    let text = r#"{"cik": 1, "facts": {"us-gaap": {"NetIncomeLoss": {"units": {"USD": [
        {"start": "2020-01-01", "end": "2020-12-31", "val": 5, "accn": "a", "fy": 2020, "fp": "FY", "form": "10-K", "filed": "2021-02-01"},
        {"start": "2020-01-01", "end": "2020-13-31", "val": 5, "accn": "a", "form": "10-K", "filed": "2021-02-01"},
        {"start": "2020-01-01", "end": "2020-12-31", "accn": "a", "form": "10-K", "filed": "2021-02-01"},
        {"start": "2020-01-01", "end": "2020-12-31", "val": "5", "accn": "a", "form": "10-K", "filed": "2021-02-01"},
        {"start": "2021-01-01", "end": "2020-12-31", "val": 5, "accn": "a", "form": "10-K", "filed": "2021-02-01"},
        {"end": "2020-12-31", "val": 5, "accn": "a", "form": "10-K"}
    ]}}}}}"#;
    let f = CompanyFacts::from_value(p, &parse_json_text(p, text).expect("json")).expect("file usable");
    assert_eq!(f.accepted, 1);
    assert_eq!(f.source, p);
    let fields: Vec<&str> = f.refused.iter().map(|r| r.field.as_str()).collect();
    let base = "facts.us-gaap.NetIncomeLoss.units.USD";
    assert_eq!(
        fields,
        [1, 2, 3, 4, 5]
            .iter()
            .zip([".end", ".val", ".val", ".start", ".filed"])
            .map(|(i, k)| format!("{base}[{i}]{k}"))
            .collect::<Vec<_>>()
    );
    let e = CompanyFacts::from_value(p, &serde_json::json!({"facts": []})).expect_err("facts not an object");
    assert!(e.to_string().contains("bad.json") && e.to_string().contains("facts"), "{e}");
    let e = read_json(Path::new("missing.json")).expect_err("no file");
    assert!(e.to_string().contains("missing.json"));
    assert!(parse_json_text(Path::new("x.pydict"), "{'a': open('x')}").is_err());
}

#[test]
fn malformed_submissions() {
    let p = Path::new("s.json");
    let doc = serde_json::json!({"filings": {"recent": {
        "accessionNumber": ["a", "b", "c"], "filingDate": ["2020-01-02", "2020-02-30", "2020-01-03"],
        "reportDate": ["", "", "bad"], "acceptanceDateTime": ["", "", ""], "form": ["8-K", "8-K", "8-K"],
        "items": ["2.02,9.01", "", ""]}}});
    let s = Submissions::from_value(p, &doc).expect("usable");
    assert_eq!(s.filings.len(), 1);
    assert_eq!(s.filings[0].items, ["2.02", "9.01"]);
    let refused: Vec<&str> = s.refused.iter().map(|r| r.field.as_str()).collect();
    assert_eq!(refused, ["filings.recent.filingDate[1]", "filings.recent.reportDate[2]"]);
    let mut short = doc.clone();
    short["filings"]["recent"]["form"] = serde_json::json!(["8-K"]);
    let e = Submissions::from_value(p, &short).expect_err("ragged columns");
    assert!(e.to_string().contains("filings.recent.form"), "{e}");
}

#[test]
fn price_fixture() {
    let s = PriceSeries::load(&fixture("AAPL_prices_mini.csv")).expect("loads");
    assert_eq!(s.dates.len(), 30);
    assert_eq!(s.close_at(d("2013-02-08")), Some((d("2013-02-08"), 67.8542)));
}
