//! The report as text, for people.

use super::daily::{Sizing, Stats};
use super::report::{AgentReport, Report, TickerReport};
use std::fmt::Write;

fn pct(x: f64) -> String {
    format!("{:+.2} %", x * 100.0)
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{v:+.digits$}"))
}

fn stats_line(s: &Stats) -> String {
    format!(
        "total {}, annualised {} (vol {:.2} %), Sharpe {}, max drawdown {:.2} %, {} trades, exposure {:.1} %",
        pct(s.total_return),
        pct(s.annual_return),
        s.annual_volatility * 100.0,
        opt(s.sharpe, 2),
        s.max_drawdown * 100.0,
        s.trades,
        s.exposure * 100.0
    )
}

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let sizing = match r.sizing {
        Sizing::Sign => "sign of the score (long/flat/short)",
        Sizing::Scaled => "score / 10 000 (fraction of capital, −1…1)",
    };
    let _ = writeln!(o, "alphapulse evaluate: data {}", r.data);
    let _ = writeln!(
        o,
        "signals at each day's close, traded at the next open; position = {sizing}; costs {} bps per unit \
         of position change; IC = Spearman, {}",
        r.cost_bps, r.ic_kind
    );
    for t in &r.tickers {
        ticker(&mut o, t);
    }
    let _ = writeln!(o, "\nNotes:");
    for n in &r.notes {
        let _ = writeln!(o, "- {n}");
    }
    o
}

fn ticker(o: &mut String, t: &TickerReport) {
    let _ = writeln!(
        o,
        "\n{}: {} … {} ({} trading days; {})",
        t.ticker, t.first_date, t.last_date, t.days, t.prices
    );
    for i in &t.inputs {
        let _ = writeln!(o, "  {i}");
    }
    let _ = writeln!(
        o,
        "  buy-and-hold (open {:.4} → {:.4}): {}",
        t.first_open,
        t.last_open,
        stats_line(&t.buy_and_hold)
    );
    for a in &t.agents {
        agent(o, a);
    }
    for s in &t.skipped {
        let _ = writeln!(o, "\n  {}: not evaluated: {}", s.agent, s.why);
    }
}

fn agent(o: &mut String, a: &AgentReport) {
    let s = &a.signal;
    let _ = writeln!(o, "\n  {}", a.agent);
    let range = match (s.min_score, s.max_score, s.mean_score) {
        (Some(lo), Some(hi), Some(m)) => format!("scores {lo:+} … {hi:+} bps (mean {m:+.0})"),
        _ => "no score".to_string(),
    };
    let _ = writeln!(
        o,
        "    signal on {}/{} days ({} long, {} short); the score changed on {} days, its sign on {}; {} \
         distinct values resting on {} filing/event dates ({} … {}); {range}",
        s.with_signal,
        s.days,
        s.long,
        s.short,
        s.changes,
        s.sign_changes,
        s.distinct_scores,
        s.distinct_as_of,
        s.first_as_of.as_deref().unwrap_or("-"),
        s.last_as_of.as_deref().unwrap_or("-"),
    );
    if s.sign_changes * 20 < s.days {
        let _ = writeln!(
            o,
            "    (a slow signal: {} changes of position in {} days; the hit rate and backtest mostly \
             restate the side it held, and the IC rests on its {} score changes, not on {} independent days)",
            s.sign_changes, s.days, s.changes, s.days
        );
    }
    let _ = writeln!(o, "    horizon   hit rate      (n)   up share        IC      (n)");
    for h in &a.horizons {
        let _ = writeln!(
            o,
            "    {:>5}d  {:>9} {:>8}  {:>9} {:>9} {:>8}",
            h.horizon,
            h.hit.rate.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}")),
            h.hit.n,
            h.hit.up_share.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}")),
            opt(h.ic.spearman, 3),
            h.ic.n
        );
    }
    let _ = writeln!(o, "    backtest: {}", stats_line(&a.backtest));
}
