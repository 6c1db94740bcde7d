use alphapulse_agents::{*, sec::facts::CompanyFacts, sec::submissions::Submissions, prices::PriceSeries};
use std::path::Path;
fn main() {
    let base = Path::new("/work/shared/data/equities");
    for f in ["sec/aapl_companyfacts.cassette.yaml", "sec/snow_companyfacts.json", "sec/tsla_companyfacts.pydict"] {
        let t = std::time::Instant::now();
        let cf = CompanyFacts::load(&base.join(f)).unwrap();
        println!("{f}: {} concepts, {} accepted, {} refused {:?} in {:?}", cf.concepts(), cf.accepted, cf.refused.len(), cf.refused.first(), t.elapsed());
    }
    let aapl = CompanyFacts::load(&base.join("sec/aapl_companyfacts.cassette.yaml")).unwrap();
    let px = PriceSeries::load(&base.join("prices-kaggle/AAPL_data.csv")).unwrap();
    let mut fa = fundamental::FundamentalAgent::new();
    fa.add("AAPL", aapl.clone());
    let d = Date::parse_iso("2018-02-07").unwrap();
    for r in fa.fiscal_years("AAPL", d) { println!("{r:?}"); }
    println!("TTM {:?}", fa.trailing("AAPL", d));
    println!("{:#?}", fa.signal_at("AAPL", d));
    let mut va = value::ValueAgent::new(value::ValueConfig::default());
    va.add("AAPL", aapl.clone(), px.clone());
    println!("{:#?}", va.valuation("AAPL", d));
    println!("{:#?}", va.signal_at("AAPL", d));
    let ba = buffett::BuffettAgent::new(fa);
    println!("{:#?}", ba.signal_at("AAPL", d));
    let subs = Submissions::load(&base.join("sec/aapl_submissions.cassette.yaml")).unwrap();
    println!("aapl subs {} refused {}", subs.filings.len(), subs.refused.len());
    let mut aa = activist::ActivistAgent::new(activist::EventConfig::default());
    aa.add("AAPL", &subs, Some(&px));
    println!("events {}", aa.events("AAPL").len());
    println!("{:#?}", aa.signal_at("AAPL", Date::parse_iso("2017-11-10").unwrap()));
    let ts = Submissions::load(&base.join("sec/tsla_submissions.json")).unwrap();
    println!("tsla subs {} refused {}", ts.filings.len(), ts.refused.len());
    for f in std::fs::read_dir(base.join("sec/13D")).unwrap() { println!("{:?}", sec::schedule13::Stake::load(&f.unwrap().path())); }
}
