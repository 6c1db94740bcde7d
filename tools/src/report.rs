//! The backtest report: one struct filled from the actors' final state, printed as text or as one
//! JSON object with stable keys (documented in the README; timing keys listed in [`TIMING_KEYS`]).

use crate::config::Config;
use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::live::{LiveFeed, LiveFeedActor, Net};
use alphapulse_feeds::{FeedActor, FeedStats, FrameKind, JournalFeed, MalformedKind};
use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{Actor, Placement, RunOutput};
use alphapulse_strategy::StrategyHost;
use alphapulse_types::{FeedEvent, FeedReason};
use alphapulse_types::{InstrumentTable, Money, Msg, Verdict};
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
    /// How the stream was closed: `clean`, `disk_full` or `failed` (incomplete), null if even its
    /// end record could not be written.
    pub end: Option<&'static str>,
}

/// One malformed-line kind: how many, and where the first one was.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MalformedEntry {
    pub kind: &'static str,
    pub count: u64,
    pub first_file: String,
    pub first_line: u64,
}

/// An input file found damaged: the replay read `lines_read` of its lines and skipped the rest.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DamagedEntry {
    pub file: String,
    /// Compressed byte offset where the damage was detected.
    pub offset: u64,
    pub lines_read: u64,
    /// `truncated`, `crc_mismatch`, `length_mismatch`, `corrupt_deflate_data`, `bad_gzip_header`, `read_error`.
    pub error: &'static str,
}

/// One instrument's book sync over the run (instruments the input carried).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct BookEntry {
    pub symbol: String,
    pub frames: u64,
    pub depth_updates: u64,
    pub snapshots: u64,
    pub ever_synced: bool,
    /// First sync: the snapshot's exchange and receive times, UTC (null: never synced).
    pub first_sync_exch: Option<String>,
    pub first_sync_recv: Option<String>,
    pub syncs: u64,
    pub gaps: u64,
    pub resyncs: u64,
    pub synced_at_end: bool,
    /// Why not synced at the end (null: synced): `no_depth_stream`, `no_snapshot`,
    /// `snapshot_never_bridged`, `gap_without_later_snapshot`.
    pub not_synced_reason: Option<&'static str>,
}

/// `2024-08-08T23:55:00.123Z` for ns since the Unix epoch.
pub fn utc_ms(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = alphapulse_types::civil_from_days(days as i64);
    let ms = ns / 1_000_000 % 1000;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// Every scalar counter [`FeedStats`] keeps, by field name: the `feed_counters` JSON object and
/// the report's `feed counters` lines both come from here. The destructuring names every field
/// (no `..`): a counter added to `FeedStats` does not compile until it is reported here, or its
/// structured report named.
pub fn feed_counters(s: &FeedStats) -> Vec<(&'static str, u64)> {
    let FeedStats {
        files: _,     // `files`
        by_kind: _,   // `frames_by_kind`
        emitted: _,   // `messages_by_type`
        malformed: _, // `malformed`, `malformed_by_kind`
        damaged: _,   // `damaged_files`
        books: _,     // `books`
        frames,
        bytes,
        gaps,
        resyncs,
        snapshots_applied,
        snapshots_ignored,
        stale_dropped,
        old_ignored,
        buffered,
        buffer_dropped,
        depth_applied,
        levels_emitted,
        unknown_symbols,
        level_overflows,
        duplicates,
    } = s;
    vec![
        ("frames", *frames),
        ("bytes", *bytes),
        ("gaps", *gaps),
        ("resyncs", *resyncs),
        ("snapshots_applied", *snapshots_applied),
        ("snapshots_ignored", *snapshots_ignored),
        ("stale_dropped", *stale_dropped),
        ("old_ignored", *old_ignored),
        ("buffered", *buffered),
        ("buffer_dropped", *buffer_dropped),
        ("depth_applied", *depth_applied),
        ("levels_emitted", *levels_emitted),
        ("unknown_symbols", *unknown_symbols),
        ("level_overflows", *level_overflows),
        ("duplicates", *duplicates),
    ]
}

/// The report key of each structured (non-scalar) [`FeedStats`] field.
pub const FEED_STRUCTURED: [(&str, &str); 6] = [
    ("files", "files"),
    ("by_kind", "frames_by_kind"),
    ("emitted", "messages_by_type"),
    ("malformed", "malformed_by_kind"),
    ("damaged", "damaged_files"),
    ("books", "books"),
];

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
    /// Market events the feed emitted (quotes, trades, depth updates, book status).
    pub events: u64,
    pub frames_by_kind: Map<String, Value>,
    pub messages_by_type: Map<String, Value>,
    pub malformed: u64,
    pub malformed_by_kind: Vec<MalformedEntry>,
    pub gaps: u64,
    pub resyncs: u64,
    pub stale_dropped: u64,
    pub unknown_symbols: u64,
    /// Every scalar feed counter by its `FeedStats` name (see [`feed_counters`]).
    pub feed_counters: Map<String, Value>,
    /// Input files found damaged (the run exits 3 unless `--accept-damaged`).
    pub damaged_files: Vec<DamagedEntry>,
    /// Book sync per instrument the input carried.
    pub books: Vec<BookEntry>,
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
    /// Intents the aggregator freed without a venue's answer: `refused_by_risk` and
    /// `refused_by_router` (refused before the venue, freed at once by their `Rejected` report),
    /// `timed_out` (no report within `intent_timeout_ns`).
    pub intents_freed: Map<String, Value>,
    pub fills: u64,
    /// Intents, orders sent and fill reports by the kind of market event that caused the intent
    /// (`book_ticker`, `trade`, `depth`, `none`): each adds up to `intents`, `orders_sent` and
    /// the router's fill reports.
    pub intents_by_trigger: Map<String, Value>,
    pub orders_by_trigger: Map<String, Value>,
    pub fills_by_trigger: Map<String, Value>,
    /// Of `intents`: made on one strategy's conviction alone (`solo_entry_bps`).
    pub intents_solo: u64,
    pub maker_fills: u64,
    pub taker_fills: u64,
    /// What the simulated exchange's queue model and book view did (see README, "The simulated
    /// exchange"): maker fills by trades and by a crossing book, stale quotes and levels ignored,
    /// reports delivered early because the report queue was full, market events refused.
    pub sim: Map<String, Value>,
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
    /// `capture` (parsed capture files), `journal` (replayed from a journal's feed stream) or
    /// `live` (paper trading on the live feed).
    pub source: &'static str,
    /// The live feed's connection and sync events (paper trading; absent for a backtest): `events`
    /// by kind, `disconnects` by reason, traffic counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<Map<String, Value>>,
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
    /// Why the journal is incomplete (its disk filled up), else null.
    pub journal_incomplete: Option<String>,
    /// The run stopped early because the journal's disk was full (`[journal] on_full = "stop"`).
    pub journal_stopped_run: bool,
}

/// The live feed's counters as a JSON object: `events` by kind, `disconnects` by reason, traffic.
pub fn live_counters<N: Net>(feed: &LiveFeed<N>) -> Map<String, Value> {
    let l = feed.stats();
    let events: Map<String, Value> =
        FeedEvent::ALL.iter().map(|e| (e.name().to_string(), json!(l.count(*e)))).collect();
    let disconnects: Map<String, Value> = (0..FeedReason::COUNT as u8)
        .filter_map(alphapulse_types::FeedReason::from_u8)
        .filter(|r| l.disconnects[*r as usize] > 0)
        .map(|r| (r.name().to_string(), json!(l.disconnects[r as usize])))
        .collect();
    let mut m = Map::new();
    m.insert("events".into(), Value::Object(events));
    m.insert("disconnects".into(), Value::Object(disconnects));
    for (k, v) in [
        ("messages", l.messages),
        ("bytes", l.bytes),
        ("pings", l.pings),
        ("pongs", l.pongs),
        ("pongs_held", l.pongs_held),
        ("control_replies", l.control_replies),
        ("snapshot_replies", l.snapshot_replies),
        ("events_dropped", l.events_dropped),
    ] {
        m.insert(k.into(), json!(v));
    }
    m
}

/// One paragraph for a person: the live feed's connection events and disconnections.
pub fn live_summary<N: Net>(feed: &LiveFeed<N>) -> String {
    let m = live_counters(feed);
    format!(
        "live feed: {} messages, {} pings / {} pongs; events: {}; disconnects: {}",
        m["messages"],
        m["pings"],
        m["pongs"],
        nonzero(m.get("events")),
        nonzero(m.get("disconnects"))
    )
}

/// `key n, key n` for the non-zero counters of a JSON object (`none` when there are none).
fn nonzero(v: Option<&Value>) -> String {
    let pairs: Vec<String> = v
        .and_then(Value::as_object)
        .map(|o| o.iter().filter(|(_, n)| n.as_u64() != Some(0)).map(|(k, n)| format!("{k} {n}")).collect())
        .unwrap_or_default();
    if pairs.is_empty() {
        "none".into()
    } else {
        pairs.join(", ")
    }
}

/// A counter indexed by `Trigger as usize` as a JSON map keyed by the trigger names, the market
/// kinds first (`book_ticker`, `trade`, `depth`, then `none`).
fn by_trigger(counts: &[u64; 4]) -> Map<String, Value> {
    use alphapulse_types::Trigger;
    [Trigger::Quote, Trigger::Trade, Trigger::Depth, Trigger::None]
        .into_iter()
        .map(|t| (t.name().to_string(), json!(counts[t as usize])))
        .collect()
}

fn m(v: Money) -> f64 {
    v.to_f64()
}

/// The market kinds a feed emits (quote, trade, depth, book status: the first four kinds).
const MARKET_KINDS: &[&str] = Msg::NAMES.split_at(4).0;

fn feed_maps(s: &FeedStats) -> (Map<String, Value>, Map<String, Value>) {
    let frames = FrameKind::ALL.iter().map(|k| (k.name().to_string(), json!(s.frames_of(*k)))).collect();
    let msgs = MARKET_KINDS.iter().map(|n| (n.to_string(), json!(s.emitted_of(n)))).collect();
    (frames, msgs)
}

fn damage_text(error: &str) -> &'static str {
    alphapulse_feeds::DamageKind::ALL.iter().find(|k| k.name() == error).map_or("damage", |k| k.describe())
}

fn reason_text(reason: Option<&str>) -> &'static str {
    alphapulse_feeds::NotSynced::ALL
        .iter()
        .find(|r| Some(r.name()) == reason)
        .map_or("synced", |r| r.describe())
}

impl Report {
    /// Fill the report from a finished run of the backtest chain.
    pub fn from_run(
        cfg: &Config,
        table: &InstrumentTable,
        placement: &Placement,
        out: &RunOutput<impl Actor>,
    ) -> anyhow::Result<Report> {
        fn get<'a, T: 'static>(out: &'a RunOutput<impl Actor>, what: &str) -> anyhow::Result<&'a T> {
            out.actor::<T>().ok_or_else(|| anyhow::anyhow!("the chain has no {what}"))
        }
        let replay = out.actor::<JournalFeed>();
        let live = out.actor::<LiveFeedActor<BinanceNet>>();
        let empty = FeedStats::default();
        let fs = match (replay, live) {
            (Some(_), _) => &empty,
            (None, Some(l)) => l.stats(),
            // A chain with another source (the equities backtest's daily bars) has no feed counters.
            (None, None) => out.actor::<FeedActor>().map_or(&empty, FeedActor::stats),
        };
        let host = get::<StrategyHost>(out, "strategy host")?;
        let risk = get::<RiskActor>(out, "risk actor")?;
        let router = get::<RouterActor>(out, "router")?;
        let sim = get::<SimGateway>(out, "simulated gateway")?;
        let (frames_by_kind, mut messages_by_type) = feed_maps(fs);
        let mut events: u64 = MARKET_KINDS.iter().map(|n| fs.emitted_of(n)).sum();
        if let Some(r) = replay {
            let js = r.stats();
            messages_by_type =
                MARKET_KINDS.iter().map(|n| (n.to_string(), json!(js.emitted_of(n)))).collect();
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
                end: j.end.map(|e| match e {
                    alphapulse_shm::EndStatus::Clean => "clean",
                    alphapulse_shm::EndStatus::DiskFull => "disk_full",
                    alphapulse_shm::EndStatus::Recovered => "recovered",
                    _ => "failed",
                }),
            })
            .collect();
        let journal_stopped_run =
            out.journal_disk_full.is_some() && cfg.journal.on_full == alphapulse_runtime::OnFull::Stop;
        let refused: u64 = out.journals.iter().map(|j| j.stats.refused).sum();
        let journal_incomplete = out.journal_disk_full.as_ref().map(|e| {
            if journal_stopped_run {
                format!("the journal's disk is full ({e}): the run stopped early (journal on_full = \"stop\"); every stream is marked disk_full")
            } else {
                format!(
                    "the journal's disk is full ({e}): the run went on unjournaled (journal on_full = \"continue\"); {refused} record(s) were not journaled"
                )
            }
        });
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

        let file_name = |i: u32| fs.files.get(i as usize).map_or(String::new(), |p| p.display().to_string());
        let damaged_files = fs
            .damaged
            .iter()
            .map(|d| DamagedEntry {
                file: file_name(d.file),
                offset: d.offset,
                lines_read: d.lines_read,
                error: d.kind.name(),
            })
            .collect();
        let books = fs
            .books
            .iter()
            .filter(|b| b.frames > 0)
            .map(|b| {
                let first = b.first_synced();
                BookEntry {
                    symbol: table
                        .get(b.inst)
                        .map_or_else(|| format!("#{}", b.inst.index()), |i| i.symbol.clone()),
                    frames: b.frames,
                    depth_updates: b.depth_updates,
                    snapshots: b.snapshots,
                    ever_synced: first.is_some(),
                    first_sync_exch: first.map(|t| utc_ms(t.exch_ts)),
                    first_sync_recv: first.map(|t| utc_ms(t.local_ts)),
                    syncs: b.sync_count(),
                    gaps: b.gaps,
                    resyncs: b.resyncs,
                    synced_at_end: b.synced,
                    not_synced_reason: b.not_synced().map(|r| r.name()),
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
            ("ids_exhausted", ag.ids_exhausted),
            ("risk_backoff", ag.suppressed_risk_backoff),
            ("low_confidence", ag.suppressed_low_confidence),
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
            feed_counters: feed_counters(fs).into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect(),
            damaged_files,
            books,
            signals: hs.agents.iter().map(|a| (a.name.to_string(), json!(a.signals))).collect(),
            intents: hs.aggregator.intents,
            orders_sent: os.created,
            orders_rejected: rs.rejected_total(),
            rejected_by_reason,
            venue_rejects: os.venue_rejected,
            orders_filled: os.filled,
            orders_partially_filled: os.partially_filled,
            orders_cancelled: os.cancelled,
            orders_final,
            intents_dropped,
            intents_raised_to_minimum: ag.raised_to_minimum,
            intents_freed: [
                ("refused_by_risk", ag.refused_by_risk),
                ("refused_by_router", ag.refused_by_router),
                ("timed_out", ag.intents_timed_out),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
            fills: pf.fill_count(),
            intents_by_trigger: by_trigger(&hs.intents_by_trigger),
            orders_by_trigger: by_trigger(&os.created_by_trigger),
            fills_by_trigger: by_trigger(&os.fills_by_trigger),
            intents_solo: ag.solo_intents,
            maker_fills: ss.maker_fills,
            taker_fills: ss.taker_fills,
            sim: [
                ("maker_fills_by_trades", ss.maker_fills_by_trades),
                ("maker_fills_by_crossing", ss.maker_fills_by_crossing),
                ("stale_quotes", ss.stale_quotes),
                ("stale_levels", ss.stale_levels),
                ("max_reports_queued", ss.max_reports_queued),
                ("report_queue_overflows", ss.report_queue_overflows),
                ("pending_overflows", ss.pending_overflows),
                ("bad_market_events", ss.bad_market_events),
                ("book_gaps", ss.book_gaps),
                ("overlay_overflows", ss.overlay_overflows),
                ("lent_depth_without_prior", ss.lent_depth_without_prior),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
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
            source: match (replay.is_some(), live.is_some()) {
                (true, _) => "journal",
                (false, true) => "live",
                (false, false) => "capture",
            },
            live: live.map(|l| live_counters(l.feed())),
            replayed_from: replay.and_then(|r| r.stream().parent()).map(|d| d.display().to_string()),
            journal_dir,
            journal_errors: journal_streams.iter().map(|j| j.errors).sum::<u64>() + out.journal_upkeep_errors,
            journal_streams,
            journal_inline_prepares: out.journals.iter().map(|j| j.stats.inline_prepares).sum(),
            journal_incomplete,
            journal_stopped_run,
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
        for d in &self.damaged_files {
            w.push(format!(
                "damaged input {}: {} (detected at compressed byte {}); {} line(s) read, the rest skipped",
                d.file,
                damage_text(d.error),
                d.offset,
                d.lines_read
            ));
        }
        for b in self.books.iter().filter(|b| b.depth_updates > 0 && !b.ever_synced) {
            w.push(format!(
                "{}: {} depth update(s) but the book never synced ({})",
                b.symbol,
                b.depth_updates,
                reason_text(b.not_synced_reason)
            ));
        }
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
        if let Some(why) = &self.journal_incomplete {
            w.push(format!("journal INCOMPLETE: {why}"));
        }
        if self.invalid_transitions > 0 {
            w.push(format!("{} invalid order-state transition(s) refused", self.invalid_transitions));
        }
        w
    }

    /// Damaged input files (the binary exits 3 for them unless told to accept them).
    pub fn has_damaged_input(&self) -> bool {
        !self.damaged_files.is_empty()
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
            None if self.source == "live" => {
                writeln!(s, "AlphaPulse paper trading — live feed, placement {}", self.placement)?
            }
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
        if let Some(l) = &self.live {
            writeln!(s, "  live events       {}", nonzero(l.get("events")))?;
            writeln!(s, "  disconnects       {}", nonzero(l.get("disconnects")))?;
        }
        writeln!(s, "  damaged files     {:>12}", self.damaged_files.len())?;
        for d in &self.damaged_files {
            writeln!(
                s,
                "    {}: {} at byte {}, {} line(s) read",
                d.file,
                damage_text(d.error),
                d.offset,
                d.lines_read
            )?;
        }
        let counters: Vec<String> = self.feed_counters.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(s, "  feed counters     {}", counters.join(", "))?;
        if !self.books.is_empty() {
            writeln!(s, "\nbooks")?;
        }
        for b in &self.books {
            let first = match (&b.first_sync_exch, &b.first_sync_recv) {
                (Some(e), Some(r)) => format!("first synced {e} exch / {r} recv"),
                _ => "never synced".to_string(),
            };
            let end = match b.not_synced_reason {
                None => "synced at end".to_string(),
                Some(r) => format!("not synced at end: {}", reason_text(Some(r))),
            };
            writeln!(
                s,
                "  {:<10} {first}; syncs {}, gaps {}, resyncs {}; {end}",
                b.symbol, b.syncs, b.gaps, b.resyncs
            )?;
        }
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
        let freed: u64 = self.intents_freed.values().filter_map(Value::as_u64).sum();
        if freed > 0 {
            writeln!(s, "  freed unanswered  {freed:>12}   ({})", nz(&self.intents_freed))?;
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
        let by = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_u64).unwrap_or(0);
        let triggers: Vec<String> = ["book_ticker", "trade", "depth", "none"]
            .iter()
            .filter(|k| *k != &"none" || by(&self.intents_by_trigger, k) + by(&self.orders_by_trigger, k) > 0)
            .map(|k| {
                let (i, o, f) = (
                    by(&self.intents_by_trigger, k),
                    by(&self.orders_by_trigger, k),
                    by(&self.fills_by_trigger, k),
                );
                format!("{k} {i}/{o}/{f}")
            })
            .collect();
        writeln!(
            s,
            "  by trigger        {}   (intents/orders/fills; {} intents on one agent's conviction alone)",
            triggers.join(", "),
            self.intents_solo
        )?;
        writeln!(s, "  sim exchange      {}", kv(&self.sim))?;
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
                writeln!(
                    s,
                    "  {:<16}{:>12} records   ({} errors){}",
                    j.stream,
                    j.records,
                    j.errors,
                    match j.end {
                        Some("clean") => String::new(),
                        Some(e) => format!("   end: {e}"),
                        None => "   end: none".into(),
                    }
                )?;
            }
            if let Some(why) = &self.journal_incomplete {
                writeln!(s, "  INCOMPLETE: {why}")?;
            }
        }
        Ok(())
    }
}
