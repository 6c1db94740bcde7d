//! [`DailyBars`]: the source actor of an equities backtest. It turns daily price series into the
//! engine's ordinary market messages and steps the slow agents by event time.
//!
//! Per trading day of each ticker it emits two top-of-book quotes: at the **open** (09:30 New
//! York, as Unix ns) around the day's open price, and at the **close** (16:00) around its close,
//! each with bid = price − 1 tick and ask = price + 1 tick (so the mid is the file's price rounded
//! to the cent) and a large displayed quantity (a daily bar says nothing of depth; fills are not
//! limited by it). Events go out in time order (ties: instrument order), one per poll.
//!
//! Before each event goes down, the [`SlowRunner`] is stepped with its time (the runtime runs a
//! polled event through the whole chain before it polls again, on one thread), so an agent asked
//! at event time publishes on the board before the host sees the event. With the runner's
//! period at [`POLL_PERIOD_NS`] (20 h) the agents are polled at each day's first event, the open:
//! asked as of the open of day D+1 they know the closes up to D. The board agents pass the new
//! publications on at that open; an intent made there is an IOC at the open's ask (bid), which the
//! simulated exchange matches when the next market event reaches it (the close of D+1), against
//! the book as it was before that event: the open's quote. So a signal from data up to D's close
//! is filled at D+1's open price, with the fees of `[sim]`.
//!
//! It also keeps a ledger (a risk [`Portfolio`]) of the fills coming back up the chain, marked at
//! each close, and records the equity at the end of each day: the daily returns of the report.

use super::clock::{close_ns, open_ns};
use alphapulse_agents::prices::PriceSeries;
use alphapulse_agents::Date;
use alphapulse_risk::Portfolio;
use alphapulse_runtime::{Actor, Ctx, Kinds, Poll, Source};
use alphapulse_strategy::SlowRunner;
use alphapulse_types::{
    EndOfStream, ExecKind, InstrumentId, InstrumentTable, Money, Msg, Price, Qty, Quote, Side,
};
use std::any::Any;

/// Event time between two polls of the slow agents: more than a trading session (6.5 h) and less
/// than a night (17.5 h), so they are polled at each day's open and never at its close.
pub const POLL_PERIOD_NS: u64 = 20 * 3_600 * 1_000_000_000;

/// Quantity shown on each side of a daily quote (shares).
pub const SHOWN_SHARES: i64 = 10_000_000;

/// Which end of the trading day an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Session {
    Open,
    Close,
}

/// One market event of the daily data.
#[derive(Clone, Copy, Debug)]
pub struct DayEvent {
    pub ts: u64,
    pub inst: InstrumentId,
    pub date: Date,
    pub session: Session,
    pub px: Price,
}

/// A fill as the ledger saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FillSeen {
    /// The report's time (the venue's act time + response latency).
    pub ts: u64,
    pub inst: InstrumentId,
    pub side: Side,
    pub px: f64,
    pub qty: f64,
    pub fee: f64,
}

/// The source actor; see the module docs.
pub struct DailyBars {
    events: Vec<DayEvent>,
    next: usize,
    ticks: Vec<Price>,
    runner: SlowRunner,
    ledger: Portfolio,
    days: Vec<(Date, f64)>,
    last_date: Option<Date>,
    fills: Vec<FillSeen>,
    done: bool,
}

/// `p` (a price from a file) on the cent grid: ticks of `tick`, rounded to nearest.
fn on_grid(p: f64, tick: Price) -> Option<Price> {
    let t = tick.raw();
    let raw = p * alphapulse_types::SCALE as f64;
    if !(raw.is_finite() && raw > 0.0 && t > 0) {
        return None;
    }
    let ticks = (raw / t as f64).round();
    (ticks >= 2.0 && ticks < (i64::MAX / t) as f64).then(|| Price::from_raw(ticks as i64 * t))
}

impl DailyBars {
    /// The events of `series[i]` (the prices of `table`'s instrument `i`) between `from` and `to`
    /// (inclusive, when given), the runner to step, and the ledger's starting cash.
    pub fn new(
        series: &[PriceSeries],
        table: &InstrumentTable,
        from: Option<Date>,
        to: Option<Date>,
        runner: SlowRunner,
        initial_cash: Money,
    ) -> DailyBars {
        let mut events = Vec::new();
        let ticks: Vec<Price> = table.iter().map(|i| i.tick).collect();
        for (k, s) in series.iter().enumerate() {
            let Some(&tick) = ticks.get(k) else { continue };
            let inst = InstrumentId(k as u32);
            for (i, &date) in s.dates.iter().enumerate() {
                if from.is_some_and(|f| date < f) || to.is_some_and(|t| date > t) {
                    continue;
                }
                let at =
                    [(Session::Open, open_ns(date), s.open[i]), (Session::Close, close_ns(date), s.close[i])];
                for (session, ts, p) in at {
                    if let (Some(ts), Some(px)) = (ts, on_grid(p, tick)) {
                        events.push(DayEvent { ts, inst, date, session, px });
                    }
                }
            }
        }
        events.sort_by_key(|e| (e.ts, e.inst.0));
        DailyBars {
            events,
            next: 0,
            ticks,
            runner,
            ledger: Portfolio::new(initial_cash, table.len()),
            days: Vec::new(),
            last_date: None,
            fills: Vec::new(),
            done: false,
        }
    }

    /// The events it emits, in order.
    pub fn events(&self) -> &[DayEvent] {
        &self.events
    }
    /// The slow agents' runner (its counters: [`SlowRunner::stats`]).
    pub fn runner(&self) -> &SlowRunner {
        &self.runner
    }
    /// Equity (cash + positions at the close) at the end of each trading day, in order.
    pub fn daily_equity(&self) -> &[(Date, f64)] {
        &self.days
    }
    /// The fills that came back up the chain, in order.
    pub fn fills(&self) -> &[FillSeen] {
        &self.fills
    }
    /// The ledger of those fills.
    pub fn ledger(&self) -> &Portfolio {
        &self.ledger
    }

    fn close_day(&mut self) {
        if let Some(d) = self.last_date {
            self.days.push((d, self.ledger.equity().to_f64()));
        }
    }
}

impl Actor for DailyBars {
    /// The chain's first position (`[placement]` names it `feed`).
    fn name(&self) -> &'static str {
        "feed"
    }
    /// Execution reports reach the first actor after risk stamped them: the ledger's input.
    fn handles(&self) -> Kinds {
        Kinds::EXEC
    }
    fn consumes(&self) -> Kinds {
        Kinds::EXEC
    }
    fn handle(&mut self, msg: &Msg, _ctx: &mut Ctx<'_>) {
        if let Msg::Exec(r) = msg {
            if r.kind == ExecKind::Fill && self.ledger.on_fill(r.inst, r.side, r.px, r.qty, r.fee) {
                self.fills.push(FillSeen {
                    ts: r.ts,
                    inst: r.inst,
                    side: r.side,
                    px: r.px.to_f64(),
                    qty: r.qty.to_f64(),
                    fee: r.fee.to_f64(),
                });
            }
        }
    }
    fn source(&mut self) -> Option<&mut dyn Source> {
        Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Source for DailyBars {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.done {
            return Poll::Done;
        }
        let Some(&e) = self.events.get(self.next) else {
            // The last day's fills (made at its close) are in: its equity is final.
            self.close_day();
            self.done = true;
            let ts = self.events.last().map_or(0, |e| e.ts);
            let _ = ctx.down(Msg::Eos(EndOfStream { ts }));
            return Poll::Done;
        };
        if self.last_date.is_some_and(|d| d != e.date) {
            self.close_day();
        }
        self.runner.step(e.ts);
        if e.session == Session::Close {
            self.ledger.on_mark(e.inst, e.px);
        }
        let tick = self.ticks.get(e.inst.index()).copied().unwrap_or(Price::from_raw(1));
        let shown = Qty::from_units(SHOWN_SHARES);
        let q = Quote {
            inst: e.inst,
            bid_px: Price::from_raw(e.px.raw() - tick.raw()),
            bid_qty: shown,
            ask_px: Price::from_raw(e.px.raw() + tick.raw()),
            ask_qty: shown,
            local_ts: e.ts,
            ..Quote::default()
        };
        let _ = ctx.down(Msg::Quote(q));
        self.last_date = Some(e.date);
        self.next += 1;
        Poll::Busy
    }
}
