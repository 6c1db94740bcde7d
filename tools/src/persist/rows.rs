//! Journal records → rows of [`super::schema::TABLES`], one batch at a time. Everything a row
//! holds comes from the record itself or from state the database restores at restart (the peak
//! equity), so a batch re-read after a crash gives the same rows.

use super::schema::{t, Val, TABLES};
use crate::bars::{Bar, BarSeries, Interval};
use alphapulse_oms::{LifecycleEvent, OrderState};
use alphapulse_types::{ExecKind, Msg};
use std::collections::BTreeMap;

/// Rows of one batch, by table index, and the cursor each stream moves to with them.
#[derive(Default)]
pub struct Batch {
    pub rows: Vec<Vec<Vec<Val>>>,
    /// Stream → (next sequence, time of the last record, records read this batch).
    pub cursors: BTreeMap<String, (u64, u64, u64)>,
    bars: BTreeMap<u32, Vec<BarSeries>>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch { rows: vec![Vec::new(); TABLES.len()], ..Default::default() }
    }
    pub fn row_count(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.cursors.is_empty()
    }
}

/// What the converter keeps between records.
pub struct Rows {
    pub run_id: i64,
    pub interval: Interval,
    pub initial_cash: i64,
    pub peak_equity: Option<i64>,
    /// The run's symbols by instrument id (`run.json`), for the alert rows.
    pub symbols: Vec<String>,
    last_quote_sec: BTreeMap<u32, u64>,
}

fn s(v: &str) -> Val {
    Val::T(v.to_string())
}
fn i(v: impl TryInto<i64>) -> Val {
    Val::I(v.try_into().unwrap_or(i64::MAX))
}
fn state_name(v: u8) -> &'static str {
    OrderState::from_u8(v).map_or("unknown", OrderState::name)
}

impl Rows {
    pub fn new(run_id: i64, interval: Interval, initial_cash: i64, peak_equity: Option<i64>) -> Rows {
        Rows {
            run_id,
            interval,
            initial_cash,
            peak_equity,
            symbols: Vec::new(),
            last_quote_sec: BTreeMap::new(),
        }
    }

    /// The rows of the run itself (instruments), written with the first batch.
    pub fn assets(&self, b: &mut Batch, symbols: &[String]) {
        for (id, sym) in symbols.iter().enumerate() {
            b.rows[t::ASSET].push(vec![i(self.run_id), i(id), s(sym)]);
        }
    }

    /// Adds the rows of record `seq` of `stream`.
    pub fn add(&mut self, b: &mut Batch, stream: &str, seq: u64, ts: u64, msg: &Msg) {
        let e = b.cursors.entry(stream.to_string()).or_insert((seq, ts, 0));
        *e = (seq + 1, ts, e.2 + 1);
        let run = self.run_id;
        let ev = |ts: u64| vec![i(run), s(stream), i(seq), i(ts)];
        match msg {
            Msg::Trade(tr) if stream == "feed" => {
                let series = b.bars.entry(tr.inst.0).or_default();
                if !series.iter_mut().any(|bs| bs.add(tr).is_some()) {
                    let mut bs = BarSeries::new(self.interval, usize::MAX / 2);
                    bs.add(tr);
                    series.push(bs);
                }
            }
            Msg::Quote(q) if stream == "feed" => {
                let sec = q.local_ts / 1_000_000_000;
                if self.last_quote_sec.insert(q.inst.0, sec) != Some(sec) {
                    b.rows[t::MARKET_QUOTE].push(vec![
                        i(run),
                        i(q.inst.0),
                        i(sec),
                        s(stream),
                        i(seq),
                        i(q.local_ts),
                        i(q.bid_px.0),
                        i(q.bid_qty.0),
                        i(q.ask_px.0),
                        i(q.ask_qty.0),
                    ]);
                }
            }
            Msg::Signal(sg) => {
                let mut r = ev(sg.ts);
                r.extend([i(sg.origin_ts), i(sg.inst.0), i(sg.agent), i(sg.score)]);
                b.rows[t::SIGNAL].push(r);
                b.rows[t::STRATEGY].push(vec![i(run), i(sg.agent), Val::T(String::new())]);
            }
            Msg::Decision(d) => {
                let mut r = ev(d.ts);
                r.extend([
                    i(d.intent_id),
                    i(d.strategy.0),
                    i(d.inst.0),
                    s(d.side.name()),
                    i(d.px.0),
                    i(d.qty.0),
                    s(d.verdict.name()),
                ]);
                b.rows[t::RISK].push(r);
            }
            Msg::New(o) => {
                let mut r = vec![i(run), i(o.order_id.0), s(stream), i(seq), i(o.ts), i(o.origin_ts)];
                r.extend([
                    i(o.strategy.0),
                    i(o.inst.0),
                    s(o.side.name()),
                    s(o.ord_type.name()),
                    s(o.tif.name()),
                    i(o.px.0),
                    i(o.qty.0),
                    i(-1),
                    s("sent"),
                    i(o.ts),
                    i(-1),
                ]);
                b.rows[t::ORDER].push(r);
                b.rows[t::STRATEGY].push(vec![i(run), i(o.strategy.0), Val::T(String::new())]);
            }
            Msg::OrderState(ot) => {
                let mut r = ev(ot.ts);
                r.extend([
                    i(ot.order_id.0),
                    i(ot.intent_id),
                    i(ot.inst.0),
                    s(state_name(ot.from)),
                    s(state_name(ot.to)),
                    s(LifecycleEvent::from_u8(ot.event).map_or("unknown", LifecycleEvent::name)),
                    i(ot.refused),
                ]);
                b.rows[t::ORDER_EVENT].push(r);
                b.rows[t::ORDER_STATE].push(vec![
                    i(run),
                    i(ot.order_id.0),
                    i(ot.to),
                    s(state_name(ot.to)),
                    i(ot.ts),
                    i(seq),
                ]);
            }
            Msg::Exec(x) if x.kind == ExecKind::Fill && stream.ends_with("gateway") => {
                let mut r = ev(x.ts);
                r.extend([
                    i(x.order_id.0),
                    i(x.strategy().0),
                    i(x.inst.0),
                    s(x.side.name()),
                    i(x.px.0),
                    i(x.qty.0),
                    i(x.fee.0),
                    s(x.liquidity.name()),
                    i(x.position.0),
                ]);
                b.rows[t::EXECUTION].push(r);
            }
            Msg::Position(p) => {
                let mut r = ev(p.ts);
                r.extend([
                    i(p.inst.0),
                    i(p.qty.0),
                    i(p.avg_px.0),
                    i(p.realized.0),
                    i(p.unrealized.0),
                    i(p.equity.0),
                ]);
                b.rows[t::POSITION].push(r);
                let eq = p.equity.0;
                let mut r = ev(p.ts);
                r.extend([i(eq), i(eq - self.initial_cash)]);
                b.rows[t::PORTFOLIO].push(r);
                let peak = self.peak_equity.map_or(eq.max(self.initial_cash), |pk| pk.max(eq));
                self.peak_equity = Some(peak);
                let dd = peak - eq;
                let dd_bp = if peak > 0 { (dd as i128 * 10_000 / peak as i128) as i64 } else { 0 };
                let mut r = ev(p.ts);
                r.extend([i(eq), i(peak), i(dd), i(dd_bp)]);
                b.rows[t::PERFORMANCE].push(r);
            }
            Msg::Alert(a) => {
                let sym = self.symbols.get(a.inst.0 as usize);
                let mut r = ev(a.ts);
                r.extend([
                    i(a.alert_id),
                    i(a.rule_id),
                    s(a.rule_kind.name()),
                    s(a.severity.name()),
                    s(a.state.name()),
                    // No symbol (u32::MAX, or an id outside the run's instruments): -1 and ''.
                    i(if sym.is_some() { i64::from(a.inst.0) } else { -1 }),
                    s(sym.map_or("", String::as_str)),
                    i(a.value),
                    i(a.threshold),
                    i(a.by),
                ]);
                b.rows[t::ALERT].push(r);
            }
            _ => {}
        }
    }

    /// Turns the batch's bars into rows (one per bar: the batch's part of it; the database merges).
    pub fn finish(&self, b: &mut Batch) {
        let bars = std::mem::take(&mut b.bars);
        for (inst, series) in bars {
            let mut merged: BTreeMap<u64, Bar> = BTreeMap::new();
            for bar in series.iter().flat_map(|bs| bs.bars()) {
                merged
                    .entry(bar.start)
                    .and_modify(|m| {
                        m.high = m.high.max(bar.high);
                        m.low = m.low.min(bar.low);
                        if bar.close_ts >= m.close_ts {
                            m.close = bar.close;
                            m.close_ts = bar.close_ts;
                        }
                        m.volume.0 += bar.volume.0;
                        m.trades += bar.trades;
                        m.notional_raw += bar.notional_raw;
                    })
                    .or_insert(*bar);
            }
            for m in merged.values() {
                b.rows[t::MARKET_DATA].push(vec![
                    i(self.run_id),
                    i(inst),
                    s(self.interval.name()),
                    i(m.start),
                    i(m.open.0),
                    i(m.high.0),
                    i(m.low.0),
                    i(m.close.0),
                    i(m.volume.0),
                    i(m.trades),
                    // Σ px × qty on the money scale (1e-8): raw² / 1e8.
                    i((m.notional_raw / 100_000_000) as i64),
                    i(m.close_ts),
                ]);
            }
        }
    }
}
