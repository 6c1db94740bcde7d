//! The backtest report: one struct filled from the actors' final state, printed as text or as one
//! JSON object with stable keys (documented in the README; timing keys listed in [`TIMING_KEYS`]).

use crate::config::Config;
use alphapulse_feeds::{FeedActor, FeedStats, FrameKind, JournalFeed, MalformedKind};
use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{Placement, RunOutput};
use alphapulse_strategy::StrategyHost;
use alphapulse_types::{InstrumentTable, Money, Verdict};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// Keys whose values depend on the machine, the placement and thread timing, not on the data.
/// `journal_dir` is here too: it names a run, it is not a result.
pub const TIMING_KEYS: [&str; 8] = [
    "elapsed_sec",
    "events_per_sec",
    "frames_per_sec",
    "placement",
    "ring_full_waits",
    "ring_dropped",
    "journal_dir",
    "journal_inline_prepares",
];

/// One actor's journal stream after the run.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct JournalStreamEntry {
    pub stream: &'static str,
    /// Records the run appended.
    pub records: u64,
    /// Appends that failed (counted on the hot path; the run went on).
    pub errors: u64,
    /// The first failure, if any.
    pub first_error: Option<String>,
}

/// One malformed-line kind: how many, and where the first one was.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MalformedEntry {
    pub kind: &'static str,
    pub count: u64,
    pub first_file: String,
    pub first_line: u64,
}

/// Final position in one instrument.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PositionEntry {
    pub symbol: String,
    pub qty: f64,
    pub avg_price: f64,
    pub mark: f64,
    pub unrealized_pnl: f64,
}

/// Everything a backtest reports. Money is in quote currency (USDT for the sample).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub placement: String,
    pub elapsed_sec: f64,
    pub events_per_sec: f64,
    pub frames_per_sec: f64,
    pub files: Vec<String>,
    pub frames: u64,
    /// Market events the feed emitted (quotes, trades, book levels, book status).
    pub events: u64,
    pub frames_by_kind: Map<String, Value>,
    pub messages_by_type: Map<String, Value>,
    pub malformed: u64,
    pub malformed_by_kind: Vec<MalformedEntry>,
    pub gaps: u64,
    pub resyncs: u64,
    pub stale_dropped: u64,
    pub unknown_symbols: u64,
    pub signals: Map<String, Value>,
    pub intents: u64,
    pub orders_sent: u64,
    pub orders_rejected: u64,
    pub rejected_by_reason: Map<String, Value>,
    pub venue_rejects: u64,
    pub orders_filled: u64,
    pub orders_partially_filled: u64,
    pub orders_cancelled: u64,
    /// Final state of every order sent (they add up to `orders_sent`): `filled`,
    /// `partially_filled_then_cancelled`, `cancelled` (nothing filled), `rejected` (by the venue),
    /// `open_at_end` (still working when the input ended).
    pub orders_final: Map<String, Value>,
    /// Evaluations where the score passed the threshold but no intent was made, by reason.
    pub intents_dropped: Map<String, Value>,
    /// Intents whose size was raised to the instrument's minimum order.
    pub intents_raised_to_minimum: u64,
    pub fills: u64,
    pub maker_fills: u64,
    pub taker_fills: u64,
    pub traded_notional: f64,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub fees: f64,
    pub initial_cash: f64,
    pub equity: f64,
    pub max_drawdown: f64,
    pub positions: Vec<PositionEntry>,
    pub invalid_transitions: u64,
    pub ring_full_waits: u64,
    pub ring_dropped: u64,
    /// `capture` (parsed capture files) or `journal` (replayed from a journal's feed stream).
    pub source: &'static str,
    /// The journal this run replayed (`--from-journal`), if any.
    pub replayed_from: Option<String>,
    /// Where this run's journal is (None: not journaled).
    pub journal_dir: Option<String>,
    /// Per actor stream, in chain order.
    pub journal_streams: Vec<JournalStreamEntry>,
    /// Failed journal appends over all streams, plus failed upkeep operations.
    pub journal_errors: u64,
    /// Segment rolls that found no prepared segment (the upkeep thread was late).
    pub journal_inline_prepares: u64,
}

fn m(v: Money) -> f64 {
    v.to_f64()
}

fn feed_maps(s: &FeedStats) -> (Map<String, Value>, Map<String, Value>) {
    let frames = FrameKind::ALL.iter().map(|k| (k.name().to_string(), json!(s.frames_of(*k)))).collect();
    let msgs = ["quote", "trade", "level", "book_status"]
        .iter()
        .map(|n| (n.to_string(), json!(s.emitted_of(n))))
        .collect();
    (frames, msgs)
}

impl Report {
    /// Fill the report from a finished run of the backtest chain.
    pub fn from_run(
        cfg: &Config,
        table: &InstrumentTable,
        placement: &Placement,
        out: &RunOutput,
    ) -> anyhow::Result<Report> {
        fn get<'a, T: 'static>(out: &'a RunOutput, what: &str) -> anyhow::Result<&'a T> {
            out.actor::<T>().ok_or_else(|| anyhow::anyhow!("the chain has no {what}"))
        }
        let replay = out.actor::<JournalFeed>();
        let empty = FeedStats::default();
        let fs = match replay {
            Some(_) => &empty,
            None => get::<FeedActor>(out, "feed")?.stats(),
        };
        let host = get::<StrategyHost>(out, "strategy host")?;
        let risk = get::<RiskActor>(out, "risk actor")?;
        let router = get::<RouterActor>(out, "router")?;
        let sim = get::<SimGateway>(out, "simulated gateway")?;
        let (frames_by_kind, mut messages_by_type) = feed_maps(fs);
        let mut events: u64 =
            ["quote", "trade", "level", "book_status"].iter().map(|n| fs.emitted_of(n)).sum();
        if let Some(r) = replay {
            let js = r.stats();
            messages_by_type = ["quote", "trade", "level", "book_status"]
                .iter()
                .map(|n| (n.to_string(), json!(js.emitted_of(n))))
                .collect();
            events = js.events();
        }
        let journal_streams: Vec<JournalStreamEntry> = out
            .journals
            .iter()
            .map(|j| JournalStreamEntry {
                stream: j.actor,
                records: j.records,
                errors: j.errors,
                first_error: j.first_error.as_ref().map(|e| e.to_string()),
            })
            .collect();
        let journal_dir = out.journals.first().and_then(|j| j.dir.parent()).map(|d| d.display().to_string());
        let secs = out.elapsed.as_secs_f64().max(1e-9);
        let malformed_by_kind = MalformedKind::ALL
            .iter()
            .filter(|k| fs.malformed_count(**k) > 0)
            .map(|k| {
                let (file, line) =
                    fs.malformed_first(*k).map_or((String::new(), 0), |(f, l)| (f.display().to_string(), l));
                MalformedEntry {
                    kind: k.name(),
                    count: fs.malformed_count(*k),
                    first_file: file,
                    first_line: line,
                }
            })
            .collect();

        let rs = risk.stats();
        let rejected_by_reason =
            Verdict::REJECTS.iter().map(|v| (v.name().to_string(), json!(rs.rejected_by(*v)))).collect();
        let pf = risk.portfolio();
        let positions = table
            .iter()
            .filter(|i| !pf.position(i.id).is_zero())
            .map(|i| PositionEntry {
                symbol: i.symbol.clone(),
                qty: pf.position(i.id).to_f64(),
                avg_price: pf.avg_price(i.id).to_f64(),
                mark: pf.mark(i.id).map_or(0.0, |p| p.to_f64()),
                unrealized_pnl: m(pf.unrealized_of(i.id)),
            })
            .collect();
        let os = router.stats();
        let ss = sim.stats();
        let hs = host.stats();
        let threads = placement.threads.len();
        let ag = &hs.aggregator;
        let orders_final: Map<String, Value> = [
            ("filled", os.filled),
            ("partially_filled_then_cancelled", os.cancelled_after_partial),
            ("cancelled", os.cancelled - os.cancelled_after_partial),
            ("rejected", os.venue_rejected),
            ("open_at_end", router.open_orders()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
        let intents_dropped: Map<String, Value> = [
            ("halted", ag.suppressed_halted),
            ("outstanding_intent", ag.suppressed_outstanding),
            ("cooldown", ag.suppressed_cooldown),
            ("no_market", ag.suppressed_no_market),
            ("position_cap", ag.suppressed_position_cap),
            ("below_min_qty", ag.suppressed_below_min_qty),
            ("below_min_notional", ag.suppressed_below_min_notional),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
        Ok(Report {
            placement: match threads {
                1 => "one-thread".into(),
                n => format!("{n}-threads"),
            },
            elapsed_sec: secs,
            events_per_sec: events as f64 / secs,
            frames_per_sec: fs.frames as f64 / secs,
            files: match replay {
                Some(_) => Vec::new(),
                None => cfg.data.iter().map(|p| p.display().to_string()).collect(),
            },
            frames: fs.frames,
            events,
            frames_by_kind,
            messages_by_type,
            malformed: fs.malformed_total(),
            malformed_by_kind,
            gaps: fs.gaps,
            resyncs: fs.resyncs,
            stale_dropped: fs.stale_dropped,
            unknown_symbols: fs.unknown_symbols,
            signals: hs.agents.iter().map(|a| (a.name.to_string(), json!(a.signals))).collect(),
            intents: hs.aggregator.intents,
            orders_sent: os.created,
            orders_rejected: rs.rejected_total(),
            rejected_by_reason,
            venue_rejects: os.failed,
            orders_filled: os.filled,
            orders_partially_filled: os.partially_filled,
            orders_cancelled: os.cancelled,
            orders_final,
            intents_dropped,
            intents_raised_to_minimum: ag.raised_to_minimum,
            fills: pf.fill_count(),
            maker_fills: ss.maker_fills,
            taker_fills: ss.taker_fills,
            traded_notional: m(pf.traded_notional()),
            realized_pnl: m(pf.realized_pnl()),
            unrealized_pnl: m(pf.unrealized_pnl()),
            fees: m(pf.fees()),
            initial_cash: m(pf.initial_cash()),
            equity: m(pf.equity()),
            max_drawdown: m(pf.max_drawdown()),
            positions,
            invalid_transitions: os.invalid_transitions,
            ring_full_waits: out.links.iter().map(|l| l.stats.full_waits).sum(),
            ring_dropped: out.links.iter().map(|l| l.stats.dropped).sum(),
            source: if replay.is_some() { "journal" } else { "capture" },
            replayed_from: replay.and_then(|r| r.stream().parent()).map(|d| d.display().to_string()),
            journal_dir,
            journal_errors: journal_streams.iter().map(|j| j.errors).sum::<u64>() + out.journal_upkeep_errors,
            journal_streams,
            journal_inline_prepares: out.journals.iter().map(|j| j.stats.inline_prepares).sum(),
        })
    }

    /// One warning per malformed kind (count and first place), and any other anomaly worth a look.
    pub fn warnings(&self) -> Vec<String> {
        let mut w: Vec<String> = self
            .malformed_by_kind
            .iter()
            .map(|e| {
                format!(
                    "{} malformed line(s) of kind `{}` skipped; first at {}:{}",
                    e.count, e.kind, e.first_file, e.first_line
                )
            })
            .collect();
        if self.gaps > 0 {
            w.push(format!(
                "{} sequence gap(s): affected books were unusable until a snapshot ({} resync(s))",
                self.gaps, self.resyncs
            ));
        }
        if self.unknown_symbols > 0 {
            w.push(format!(
                "{} frame(s) for symbols not in the instrument table were skipped",
                self.unknown_symbols
            ));
        }
        if self.journal_errors > 0 {
            let first =
                self.journal_streams.iter().find_map(|j| j.first_error.as_deref()).unwrap_or("upkeep");
            w.push(format!("{} journal error(s); the first: {first}", self.journal_errors));
        }
        if self.invalid_transitions > 0 {
            w.push(format!("{} invalid order-state transition(s) refused", self.invalid_transitions));
        }
        w
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The JSON without the keys that depend on timing (for comparing runs).
    pub fn to_json_without_timing(&self) -> Value {
        let mut v = self.to_json();
        if let Value::Object(o) = &mut v {
            for k in TIMING_KEYS {
                o.remove(k);
            }
        }
        v
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = self.write_text(&mut s);
        s
    }

    fn write_text(&self, s: &mut String) -> std::fmt::Result {
        let kv =
            |m: &Map<String, Value>| m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
        match &self.replayed_from {
            Some(d) => {
                writeln!(s, "AlphaPulse backtest — replay of journal {d}, placement {}", self.placement)?
            }
            None => writeln!(
                s,
                "AlphaPulse backtest — {} file(s), placement {}",
                self.files.len(),
                self.placement
            )?,
        }
        writeln!(s, "\nmarket data")?;
        writeln!(s, "  frames            {:>12}   ({})", self.frames, kv(&self.frames_by_kind))?;
        writeln!(s, "  events emitted    {:>12}   ({})", self.events, kv(&self.messages_by_type))?;
        writeln!(s, "  malformed lines   {:>12}", self.malformed)?;
        writeln!(s, "  gaps / resyncs    {:>12}   / {}", self.gaps, self.resyncs)?;
        writeln!(
            s,
            "  throughput        {:>12.0}   events/s ({:.0} frames/s, {:.3} s)",
            self.events_per_sec, self.frames_per_sec, self.elapsed_sec
        )?;
        writeln!(s, "\ntrading")?;
        writeln!(s, "  signals           {}", kv(&self.signals))?;
        writeln!(s, "  intents           {:>12}", self.intents)?;
        let nz = |m: &Map<String, Value>| {
            let v: Vec<String> =
                m.iter().filter(|(_, v)| v.as_u64() != Some(0)).map(|(k, v)| format!("{k} {v}")).collect();
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        writeln!(s, "  not made          {:>12}   (by reason: {})", "", nz(&self.intents_dropped))?;
        if self.intents_raised_to_minimum > 0 {
            writeln!(s, "  raised to minimum {:>12}", self.intents_raised_to_minimum)?;
        }
        writeln!(s, "  orders sent       {:>12}", self.orders_sent)?;
        let rej: Vec<String> = self
            .rejected_by_reason
            .iter()
            .filter(|(_, v)| v.as_u64() != Some(0))
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(
            s,
            "  rejected by risk  {:>12}   ({})",
            self.orders_rejected,
            if rej.is_empty() { "none".into() } else { rej.join(", ") }
        )?;
        writeln!(s, "  rejected by venue {:>12}", self.venue_rejects)?;
        writeln!(
            s,
            "  orders filled     {:>12}   (partially {}, cancelled {})",
            self.orders_filled, self.orders_partially_filled, self.orders_cancelled
        )?;
        writeln!(s, "  final states      {}", kv(&self.orders_final))?;
        writeln!(
            s,
            "  fills             {:>12}   (maker {}, taker {}), notional {:.2}",
            self.fills, self.maker_fills, self.taker_fills, self.traded_notional
        )?;
        writeln!(s, "\npnl (quote currency)")?;
        writeln!(s, "  realized          {:>14.4}", self.realized_pnl)?;
        writeln!(s, "  unrealized        {:>14.4}", self.unrealized_pnl)?;
        writeln!(s, "  fees              {:>14.4}", self.fees)?;
        writeln!(s, "  equity            {:>14.4}   (from {:.2})", self.equity, self.initial_cash)?;
        writeln!(s, "  max drawdown      {:>14.4}", self.max_drawdown)?;
        writeln!(s, "\nfinal positions")?;
        if self.positions.is_empty() {
            writeln!(s, "  flat")?;
        }
        for p in &self.positions {
            writeln!(
                s,
                "  {:<10} {:>14.8} @ avg {:.2}, mark {:.2}, unrealized {:.4}",
                p.symbol, p.qty, p.avg_price, p.mark, p.unrealized_pnl
            )?;
        }
        if let Some(d) = &self.journal_dir {
            writeln!(s, "\njournal             {d}")?;
            for j in &self.journal_streams {
                writeln!(s, "  {:<16}{:>12} records   ({} errors)", j.stream, j.records, j.errors)?;
            }
        }
        Ok(())
    }
}
