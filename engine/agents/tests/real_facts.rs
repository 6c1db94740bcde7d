//! Company facts on the real SEC files: golden ratios recomputed from the raw JSON by hand,
//! trailing four quarters, no look-ahead, splits. Skipped when ../shared is absent.

mod common;
use alphapulse_agents::buffett::BuffettAgent;
use alphapulse_agents::fundamental::FundamentalAgent;
use alphapulse_agents::sec::facts::CompanyFacts;
use alphapulse_agents::sec::{cassette_body, read_json};
use alphapulse_agents::splits::share_factor;
use common::raw::{close, latest, truncate, usd, usd_any};
use common::{d, equities};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn aapl(base: &Path) -> (PathBuf, Value) {
    let p = base.join("sec/aapl_companyfacts.cassette.yaml");
    let v = read_json(&p).expect("AAPL cassette");
    (p, v)
}

fn agent(path: &Path, doc: &Value) -> FundamentalAgent {
    let mut a = FundamentalAgent::new();
    a.add("AAPL", CompanyFacts::from_value(path, doc).expect("facts"));
    a
}

#[test]
fn cassette_body_has_the_recorded_length() {
    let Some(base) = equities("cassette_body_has_the_recorded_length") else { return };
    for f in ["aapl_companyfacts.cassette.yaml", "aapl_submissions.cassette.yaml"] {
        let text = std::fs::read_to_string(base.join("sec").join(f)).expect("read");
        let at =
            text.find("content-length:\n      - '").expect("header") + "content-length:\n      - '".len();
        let len: usize = text[at..].split('\'').next().and_then(|n| n.parse().ok()).expect("number");
        let body = cassette_body(&text).expect("body");
        assert_eq!(body.len(), len, "{f}");
        assert!(serde_json::from_str::<Value>(&body).is_ok());
    }
}

#[test]
fn aapl_fy2017_golden() {
    let Some(base) = equities("aapl_fy2017_golden") else { return };
    let (path, doc) = aapl(&base);
    let a = agent(&path, &doc);
    for asof in ["2017-11-03", "2019-01-01"] {
        let (s, e) = (Some("2016-09-25"), "2017-09-30");
        let g = |c: &str| usd(&doc, c, s, e, asof).expect(c);
        let rev = g("SalesRevenueNet");
        let (gross, op, ni) = (g("GrossProfit"), g("OperatingIncomeLoss"), g("NetIncomeLoss"));
        let (tax, pretax) = (
            g("IncomeTaxExpenseBenefit"),
            g("IncomeLossFromContinuingOperationsBeforeIncomeTaxesExtraordinaryItemsNoncontrollingInterest"),
        );
        let (cfo, capex, da) = (
            g("NetCashProvidedByUsedInOperatingActivities"),
            g("PaymentsToAcquirePropertyPlantAndEquipment"),
            g("DepreciationDepletionAndAmortization"),
        );
        let eq = usd(&doc, "StockholdersEquity", None, e, asof).expect("equity");
        let debt = usd_any(&doc, &["LongTermDebt", "LongTermDebtNoncurrent"], None, e, asof).expect("debt");
        let rev16 =
            usd(&doc, "SalesRevenueNet", Some("2015-09-27"), "2016-09-24", asof).expect("FY2016 revenue");
        let ni16 = usd(&doc, "NetIncomeLoss", Some("2015-09-27"), "2016-09-24", asof).expect("FY2016 NI");
        let years = a.fiscal_years("AAPL", d(asof));
        let r = years.iter().find(|r| r.label == "FY2017").expect("FY2017 known");
        let checks = [
            ("gross margin", r.gross_margin, gross / rev),
            ("operating margin", r.operating_margin, op / rev),
            ("net margin", r.net_margin, ni / rev),
            ("ROE", r.roe, ni / eq),
            ("ROIC", r.roic, op * (1.0 - tax / pretax) / (eq + debt)),
            ("debt/equity", r.debt_to_equity, debt / eq),
            ("FCF", r.fcf, cfo - capex),
            ("owner earnings", r.owner_earnings, ni + da - capex),
            ("revenue growth", r.revenue_growth, (rev - rev16) / rev16),
            ("earnings growth", r.earnings_growth, (ni - ni16) / ni16),
        ];
        for (what, got, want) in checks {
            let got = got.unwrap_or_else(|| panic!("{what} missing at {asof}"));
            assert!(close(got, want), "{what} at {asof}: {got} vs {want}");
        }
    }
    // The 2018 10-K restated FY2017 operating cash flow: the two dates must differ.
    let fcf = |asof: &str| {
        a.fiscal_years("AAPL", d(asof)).into_iter().find(|r| r.label == "FY2017").and_then(|r| r.fcf)
    };
    assert_ne!(fcf("2017-11-03"), fcf("2019-01-01"));
    assert!(
        a.fiscal_years("AAPL", d("2017-11-02")).iter().all(|r| r.label != "FY2017"),
        "FY2017 before its 10-K"
    );
}

#[test]
fn aapl_trailing_golden() {
    let Some(base) = equities("aapl_trailing_golden") else { return };
    let (path, doc) = aapl(&base);
    let a = agent(&path, &doc);
    let asof = "2018-02-07";
    let t = a.trailing("AAPL", d(asof)).expect("TTM");
    assert_eq!(t.end, d("2017-12-30"));
    let fy = (Some("2016-09-25"), "2017-09-30");
    let q1 = (Some("2017-10-01"), "2017-12-30");
    let q1_prior = (Some("2016-09-25"), "2016-12-31");
    let ttm = |cs: &[&str]| {
        let v = |p: (Option<&str>, &str)| usd_any(&doc, cs, p.0, p.1, asof).expect("value");
        v(fy) + v(q1) - v(q1_prior)
    };
    let ni = ttm(&["NetIncomeLoss"]);
    let rev = ttm(&["SalesRevenueNet", "Revenues"]);
    let fcf = ttm(&["NetCashProvidedByUsedInOperatingActivities"])
        - ttm(&["PaymentsToAcquirePropertyPlantAndEquipment"]);
    assert!(close(t.net_income.expect("ni"), ni));
    assert!(close(t.revenue.expect("rev"), rev));
    assert!(close(t.fcf.expect("fcf"), fcf));
    let eq = usd(&doc, "StockholdersEquity", None, "2017-12-30", asof).expect("equity");
    assert!(close(t.roe.expect("roe"), ni / eq));
    let g = |cs: &[&str], p: (Option<&str>, &str)| usd_any(&doc, cs, p.0, p.1, asof).expect("q");
    let yoy = (g(&["SalesRevenueNet", "Revenues"], q1) - g(&["SalesRevenueNet", "Revenues"], q1_prior))
        / g(&["SalesRevenueNet", "Revenues"], q1_prior);
    assert!(close(t.revenue_growth.expect("growth"), yoy));
    // The score: the mean of the nine components, each (x − center) / scale clamped to ±1.
    let u = |x: f64, c: f64, s: f64| ((x - c) / s).clamp(-1.0, 1.0);
    let parts = [
        u(t.gross_margin.expect("gm"), 0.30, 0.20),
        u(t.operating_margin.expect("om"), 0.10, 0.15),
        u(ni / rev, 0.05, 0.15),
        u(ni / eq, 0.10, 0.15),
        u(t.roic.expect("roic"), 0.08, 0.12),
        u(fcf / rev, 0.0, 0.15),
        u(yoy, 0.0, 0.15),
        u(t.earnings_growth.expect("eg"), 0.0, 0.25),
        u(-t.debt_to_equity.expect("de"), -1.0, 1.0),
    ];
    let want = parts.iter().sum::<f64>() / 9.0 * 10_000.0;
    let s = a.signal_at("AAPL", d(asof)).expect("signal");
    assert_eq!(s.score, want.round() as i32);
    assert_eq!(s.as_of, d("2018-02-02"));
    assert_eq!(s.reasons.len(), 10);
}

#[test]
fn no_look_ahead_truncated_data_gives_the_same_signals() {
    let Some(base) = equities("no_look_ahead_truncated_data_gives_the_same_signals") else { return };
    let (path, doc) = aapl(&base);
    let full = agent(&path, &doc);
    let buffett_full = BuffettAgent::new(agent(&path, &doc));
    for asof in
        ["2010-01-24", "2010-01-25", "2014-06-09", "2016-03-01", "2017-11-02", "2018-02-07", "2024-06-30"]
    {
        let cut = agent(&path, &truncate(&doc, asof));
        let at = d(asof);
        assert_eq!(full.signal_at("AAPL", at), cut.signal_at("AAPL", at), "fundamental at {asof}");
        assert_eq!(full.fiscal_years("AAPL", at), cut.fiscal_years("AAPL", at), "history at {asof}");
        assert_eq!(
            buffett_full.signal_at("AAPL", at),
            BuffettAgent::new(cut).signal_at("AAPL", at),
            "buffett at {asof}"
        );
    }
    // The restatement: FY2008 net income before and on the 10-K/A's filing date.
    let fy08 = |asof: &str| {
        full.fiscal_years("AAPL", d(asof))
            .into_iter()
            .find(|r| r.label == "FY2008")
            .and_then(|r| r.net_income)
    };
    let raw = |asof: &str| usd(&doc, "NetIncomeLoss", Some("2007-09-30"), "2008-09-27", asof);
    assert_eq!(fy08("2010-01-24"), raw("2010-01-24"));
    assert_eq!(fy08("2010-01-25"), raw("2010-01-25"));
    assert_ne!(raw("2010-01-24"), raw("2010-01-25"), "the 10-K/A restated FY2008 net income");
    // Every signal rests on a filing on or before its date.
    let mut at = d("2009-01-01");
    while at < d("2026-03-01") {
        for s in [full.signal_at("AAPL", at), buffett_full.signal_at("AAPL", at)].into_iter().flatten() {
            assert!(s.as_of <= at, "{at}: as_of {}", s.as_of);
        }
        at = at.add_days(29);
    }
}

/// Consecutive cover-page share counts, scaled by the split table, move by less than 35 % (TSLA issued 11 % more shares in 2016);
/// unscaled, the split shows as a jump.
fn check_split_continuity(doc: &Value, ticker: &str, through: &str, split_ratio: f64) {
    let list = doc["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"]
        .as_array()
        .expect("dei shares");
    let mut pts: Vec<(String, f64)> =
        list.iter().filter_map(|e| Some((e["filed"].as_str()?.to_string(), e["val"].as_f64()?))).collect();
    pts.sort_by(|a, b| a.0.cmp(&b.0));
    let mut max_raw_jump: f64 = 1.0;
    for w in pts.windows(2) {
        let f = |p: &(String, f64)| p.1 * share_factor(ticker, d(&p.0), d(through));
        let r = f(&w[1]) / f(&w[0]);
        assert!((0.75..1.35).contains(&r), "{ticker} {} → {}: adjusted ratio {r}", w[0].0, w[1].0);
        max_raw_jump = max_raw_jump.max(w[1].1 / w[0].1);
    }
    assert!(max_raw_jump > split_ratio * 0.9, "{ticker}: the raw counts show the split");
}

#[test]
fn split_table_matches_the_share_counts() {
    let Some(base) = equities("split_table_matches_the_share_counts") else { return };
    let (_, doc) = aapl(&base);
    check_split_continuity(&doc, "AAPL", "2026-03-01", 7.0);
    let tsla = read_json(&base.join("sec/tsla_companyfacts.pydict")).expect("pydict");
    check_split_continuity(&tsla, "TSLA", "2022-12-31", 5.0);
}

#[test]
fn snow_loss_maker_and_tsla_pydict() {
    let Some(base) = equities("snow_loss_maker_and_tsla_pydict") else { return };
    let p = base.join("sec/snow_companyfacts.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("plain JSON");
    let mut fa = FundamentalAgent::new();
    fa.add("SNOW", CompanyFacts::from_value(&p, &doc).expect("facts"));
    let asof = "2025-06-30";
    let years = fa.fiscal_years("SNOW", d(asof));
    assert!(years.len() >= 3);
    let fy = years.iter().find(|r| r.label == "FY2024").expect("FY2024 (to 2024-01-31)");
    let (s, e) = (Some("2023-02-01"), "2024-01-31");
    let ni = usd(&doc, "NetIncomeLoss", s, e, asof).expect("ni");
    let rev = usd(&doc, "RevenueFromContractWithCustomerExcludingAssessedTax", s, e, asof).expect("rev");
    assert!(close(fy.net_margin.expect("margin"), ni / rev));
    assert!(years.iter().all(|r| r.net_income.is_some_and(|n| n < 0.0)), "SNOW lost money every year");
    let b = BuffettAgent::new(fa);
    let (subs, _) = b.sub_scores("SNOW", d(asof)).expect("scores");
    assert_eq!(subs.iter().find(|s| s.name == "roe").map(|s| s.score), Some(-1.0));
    assert!(b.signal_at("SNOW", d(asof)).expect("signal").score < 0);

    let mut t = FundamentalAgent::new();
    t.add("TSLA", CompanyFacts::load(&base.join("sec/tsla_companyfacts.pydict")).expect("pydict"));
    let fy20 =
        t.fiscal_years("TSLA", d("2021-12-31")).into_iter().find(|r| r.label == "FY2020").expect("FY2020");
    // Tesla's 2020 10-K: net income attributable to common stockholders $721 M, revenue $31,536 M.
    assert_eq!(fy20.net_income, Some(721e6));
    assert_eq!(fy20.revenue, Some(31_536e6));
    let _ = latest;
}

#[test]
fn aapl_buffett_golden() {
    let Some(base) = equities("aapl_buffett_golden") else { return };
    let (path, doc) = aapl(&base);
    let asof = "2018-02-07";
    // Fiscal years: the annual NetIncomeLoss periods of 10-Ks filed by then, the last ten.
    let mut periods: Vec<(String, String)> = doc["facts"]["us-gaap"]["NetIncomeLoss"]["units"]["USD"]
        .as_array()
        .expect("NI")
        .iter()
        .filter(|e| {
            e["form"].as_str().is_some_and(|f| f.starts_with("10-K"))
                && e["filed"].as_str().is_some_and(|f| f <= asof)
        })
        .filter_map(|e| Some((e["start"].as_str()?.to_string(), e["end"].as_str()?.to_string())))
        .filter(|(s, e)| (350..=380).contains(&(d(s).days_until(d(e)) + 1)))
        .collect();
    periods.sort_by(|a, b| a.1.cmp(&b.1));
    periods.dedup();
    let periods = &periods[periods.len() - 10..];
    assert_eq!(periods[9].1, "2017-09-30");
    let rev_chain = ["SalesRevenueNet", "Revenues", "RevenueFromContractWithCustomerExcludingAssessedTax"];
    let da_chain = [
        "DepreciationDepletionAndAmortization",
        "DepreciationAmortizationAndAccretionNet",
        "DepreciationAndAmortization",
        "Depreciation",
    ];
    let (mut pass, mut margins, mut oe) = (0, Vec::new(), Vec::new());
    for (s, e) in periods {
        let g =
            |cs: &[&str]| usd_any(&doc, cs, Some(s), e, asof).unwrap_or_else(|| panic!("{cs:?} {s}..{e}"));
        let ni = g(&["NetIncomeLoss"]);
        let eq = usd(&doc, "StockholdersEquity", None, e, asof).expect("equity");
        pass += usize::from(ni / eq > 0.15);
        margins.push(g(&["OperatingIncomeLoss"]) / g(&rev_chain));
        oe.push(
            ni + g(&da_chain)
                - g(&["PaymentsToAcquirePropertyPlantAndEquipment", "PaymentsToAcquireProductiveAssets"]),
        );
    }
    let end = &periods[9].1;
    let de = usd_any(&doc, &["LongTermDebt", "LongTermDebtNoncurrent"], None, end, asof).expect("debt")
        / usd(&doc, "StockholdersEquity", None, end, asof).expect("eq");
    let mean = margins.iter().sum::<f64>() / 10.0;
    let sd = (margins.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / 9.0).sqrt();
    let cagr = (oe[9] / oe[0]).powf(1.0 / 9.0) - 1.0;
    let want = [
        ("roe", 2.0 * pass as f64 / 10.0 - 1.0),
        ("leverage", (1.0 - de).clamp(-1.0, 1.0)),
        ("margins", (1.0 - sd / 0.05).clamp(-1.0, 1.0)),
        ("owner_earnings", (cagr / 0.10).clamp(-1.0, 1.0)),
    ];
    let b = BuffettAgent::new(agent(&path, &doc));
    let (subs, filed) = b.sub_scores("AAPL", d(asof)).expect("scores");
    // The 10-Q of 2018-02-02 repeats the FY2017 balance sheet: the latest filing used.
    assert_eq!(filed, d("2018-02-02"));
    for ((name, w), s) in want.iter().zip(&subs) {
        assert_eq!(*name, s.name);
        assert!(close(*w, s.score), "{name}: {} vs {w} ({})", s.score, s.reason);
        assert!(!s.reason.is_empty());
    }
    let mean_score = want.iter().map(|w| w.1).sum::<f64>() / 4.0;
    assert_eq!(b.signal_at("AAPL", d(asof)).expect("signal").score, (mean_score * 10_000.0).round() as i32);
}
