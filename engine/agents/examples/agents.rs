//! Prints the four slow agents' signals for one ticker at one date, from the shared data folder.
//!
//! ```text
//! cargo run -p alphapulse-agents --example agents -- ../shared/data/equities AAPL 2018-02-07
//! ```

use alphapulse_agents::activist::{ActivistAgent, EventConfig};
use alphapulse_agents::buffett::BuffettAgent;
use alphapulse_agents::fundamental::FundamentalAgent;
use alphapulse_agents::prices::PriceSeries;
use alphapulse_agents::sec::facts::CompanyFacts;
use alphapulse_agents::sec::submissions::Submissions;
use alphapulse_agents::value::{ValueAgent, ValueConfig};
use alphapulse_agents::{AgentSignal, Date};
use std::path::{Path, PathBuf};
use std::time::Instant;

const HELP: &str = "usage: agents <equities-dir> <TICKER> <YYYY-MM-DD>

Loads <dir>/sec/<ticker>_companyfacts.{json,cassette.yaml,pydict}, <dir>/sec/<ticker>_submissions.{json,cassette.yaml}
and <dir>/prices-kaggle/<TICKER>_data.csv (whichever exist) and prints the fundamental, value, Buffett and
activist signals at the end of the date, with their reasons. Nothing filed after the date is used.";

fn first_existing(dir: &Path, stem: &str, exts: &[&str]) -> Option<PathBuf> {
    exts.iter().map(|e| dir.join(format!("{stem}.{e}"))).find(|p| p.is_file())
}

fn show(name: &str, s: Option<AgentSignal>) {
    match s {
        None => println!("{name}: no signal"),
        Some(s) => {
            println!("{name}: {:+} bps as of {}", s.score, s.as_of);
            for r in s.reasons {
                println!("    {r}");
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 || args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{HELP}");
        return Ok(());
    }
    let (dir, ticker) = (Path::new(&args[0]), args[1].to_ascii_uppercase());
    let date = Date::parse_iso(&args[2]).ok_or_else(|| format!("date {:?} is not YYYY-MM-DD", args[2]))?;
    let lower = ticker.to_ascii_lowercase();
    let sec = dir.join("sec");
    let facts_path =
        first_existing(&sec, &format!("{lower}_companyfacts"), &["json", "cassette.yaml", "pydict"]);
    let prices_path = dir.join(format!("prices-kaggle/{ticker}_data.csv"));
    let prices = if prices_path.is_file() {
        Some(std::sync::Arc::new(PriceSeries::load(&prices_path)?))
    } else {
        None
    };
    if let Some(p) = facts_path {
        let t = Instant::now();
        let facts = std::sync::Arc::new(CompanyFacts::load(&p)?);
        let load = t.elapsed();
        println!(
            "{}: {} facts in {} concepts, {} refused, loaded in {load:.2?}",
            p.display(),
            facts.accepted,
            facts.concepts(),
            facts.refused.len()
        );
        let mut f = FundamentalAgent::new();
        f.add(&ticker, facts.clone());
        let t = Instant::now();
        show("fundamental", f.signal_at(&ticker, date));
        println!("    (computed in {:.2?})", t.elapsed());
        if let Some(px) = &prices {
            let mut v = ValueAgent::new(ValueConfig::default());
            v.add(&ticker, facts, std::sync::Arc::clone(px));
            show("value", v.signal_at(&ticker, date));
        }
        let t = Instant::now();
        let buffett = BuffettAgent::new(f);
        show("buffett", buffett.signal_at(&ticker, date));
        println!("    (computed in {:.2?})", t.elapsed());
        if let Some(px) = &prices {
            // Every trading day of the series, as a daily backtest would ask.
            let t = Instant::now();
            let n =
                px.dates.iter().filter(|d| buffett.fundamentals.signal_at(&ticker, **d).is_some()).count();
            let f_time = t.elapsed();
            let t = Instant::now();
            let m = px.dates.iter().filter(|d| buffett.signal_at(&ticker, **d).is_some()).count();
            println!(
                "sweep over {} trading days: fundamental {n} signals in {f_time:.2?}, buffett {m} in {:.2?}",
                px.dates.len(),
                t.elapsed()
            );
        }
    }
    if let Some(p) = first_existing(&sec, &format!("{lower}_submissions"), &["json", "cassette.yaml"]) {
        let subs = Submissions::load(&p)?;
        println!("{}: {} filings, {} refused", p.display(), subs.filings.len(), subs.refused.len());
        let mut a = ActivistAgent::new(EventConfig::default());
        a.add(&ticker, &subs, prices.as_deref());
        show("activist", a.signal_at(&ticker, date));
    }
    Ok(())
}
