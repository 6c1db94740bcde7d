//! The JSON shapes the dashboard serves: one serde struct per endpoint answer and per WebSocket
//! event. The page (`tools/src/dashboard/page/`) and any other client read these; the field names
//! are stable snake_case.
//!
//! Conventions:
//! - **money, prices, quantities** are JSON numbers (f64, for display and charts) and, where
//!   exactness matters (portfolio figures, positions, order and fill prices/quantities), also the
//!   engine's raw integer beside it under `<name>_raw` (fixed point, 1e-8 units: `raw / 1e8` is the
//!   value). The raw integers are what the API tests compare.
//! - **times** are `<name>_ns` (u64, ns since the Unix epoch, the journal's clock: exchange/event
//!   time for a backtest) plus `<name>` as a UTC string `2024-08-08T23:55:00.123Z`.
//! - errors: any non-2xx answer has the body [`ApiError`] `{"error": "..."}`.
//!
//! Endpoints (GET unless said; state changes need `Authorization: Bearer TOKEN`):
//!
//! | path | answer |
//! |---|---|
//! | `/api/portfolio/summary` | [`Summary`] |
//! | `/api/portfolio/positions` | [`Positions`] |
//! | `/api/portfolio/performance` | [`Performance`] (`?limit=N`: the last N points, default all kept) |
//! | `/api/exchange/orders` | [`Orders`] (`?status=open\|final\|all` (default all), `?limit=N` newest first, default 500) |
//! | `/api/exchange/fills` | [`Fills`] (`?limit=N` newest first, default 500) |
//! | `/api/exchange/balance` | [`Balance`] |
//! | `/api/market/prices` | [`Prices`] |
//! | `/api/market/history?symbol=S&interval=1m` | [`History`] (intervals: `crate::bars::Interval::ALL`) |
//! | `/api/market/indicators` | [`Indicators`] (`?interval=1m` default, `?symbol=` optional filter) |
//! | `/api/alerts` | `{"alerts": [Alert...], "rules": [RuleView...]}` (the `alerts` module's types) |
//! | POST `/api/alerts` | body `RuleSpec` → 201 `RuleView` |
//! | PUT/PATCH `/api/alerts/rules/{id}` | body `RuleSpec` → `RuleView` |
//! | POST `/api/alerts/{id}/ack` | optional body `{"by": "name"}` → `Alert` |
//! | `/api/system/status` | [`Status`] |
//! | `/api/system/metrics` | [`Metrics`] |
//! | `/api/openapi.json` | OpenAPI 3.0 document of all of these |
//! | `/metrics` | Prometheus text exposition |
//! | `/ws?since=CURSOR` | WebSocket, [`WsEvent`] frames (below) |
//!
//! Example `/api/portfolio/summary`:
//! ```json
//! {"as_of_ns":1723161599999231384,"as_of":"2024-08-08T23:59:59.999Z","finished":true,
//!  "initial_cash":100000.0,"cash":99712.3,"equity":100001.2,"realized_pnl":3.1,
//!  "unrealized_pnl":-0.4,"fees":1.5,"peak_equity":100004.0,"drawdown":2.8,"max_drawdown":6.2,
//!  "traded_notional":287000.0,
//!  "raw":{"initial_cash":10000000000000,"cash":9971230000000,"equity":10000120000000,
//!         "realized_pnl":310000000,"unrealized_pnl":-40000000,"fees":150000000,
//!         "peak_equity":10000400000000,"max_drawdown":620000000,"traded_notional":28700000000000},
//!  "fills":109,"maker_fills":60,"taker_fills":49,"orders_sent":54,"orders_filled":50,
//!  "orders_partially_filled":3,"orders_cancelled":4,"orders_rejected":0,"venue_rejects":0,
//!  "open_orders":0,"rejected_by_reason":{"max_order_qty":0,"price_band":0,...}}
//! ```
//!
//! **WebSocket** `/ws?since=CURSOR`: the server sends text frames, each one JSON object.
//! The first is [`WsHello`] (`"type":"hello"`): the process's `epoch` (changes when the dashboard
//! restarts: cursors of another epoch mean nothing), the newest `cursor`, the oldest cursor still
//! kept, and `resumed` (true when every event after `since` is still kept and follows; false when
//! `since` is missing, of another epoch's range, or too old: then the client refetches the REST
//! snapshots and goes on from the events that follow). Then [`WsEvent`]s in cursor order, each
//! `{"cursor":N,"type":"price"|"order"|"fill"|"pnl"|"position"|"reject"|"signal"|"alert"|"health"|"feed",
//! "ts_ns":...,"ts":"...","data":{...}}`; `data` is the REST shape named in [`WsData`]. A client
//! that keeps the last `cursor` it saw and reconnects with `?since=<that cursor>` gets exactly the
//! events it missed (cursor > since), in order. Optional `?types=price,fill` keeps only those
//! types. Client messages are ignored except that one over the size limit closes the socket
//! (close code 1009); the server pings every 15 s.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Any error answer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    pub error: String,
}

/// Exact portfolio figures, fixed point 1e-8 quote units (`Money::raw`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SummaryRaw {
    pub initial_cash: i64,
    pub cash: i64,
    pub equity: i64,
    pub realized_pnl: i64,
    pub unrealized_pnl: i64,
    pub fees: i64,
    pub peak_equity: i64,
    pub max_drawdown: i64,
    pub traded_notional: i64,
}

/// `/api/portfolio/summary`: the backtest report's definitions (risk's portfolio: average cost,
/// marks at the mid of the latest two-sided quote, equity = cash + Σ position × mark with fees
/// paid; drawdown = peak equity − equity, max over every fill and mark).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub as_of_ns: u64,
    pub as_of: String,
    /// Every stream of the run has ended (end of stream record): the figures are final.
    pub finished: bool,
    pub initial_cash: f64,
    pub cash: f64,
    pub equity: f64,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub fees: f64,
    pub peak_equity: f64,
    pub drawdown: f64,
    pub max_drawdown: f64,
    pub traded_notional: f64,
    pub raw: SummaryRaw,
    pub fills: u64,
    pub maker_fills: u64,
    pub taker_fills: u64,
    /// Orders the router sent (`order_new` records).
    pub orders_sent: u64,
    pub orders_filled: u64,
    /// Orders that had at least one partial fill.
    pub orders_partially_filled: u64,
    pub orders_cancelled: u64,
    /// Intents risk rejected (the report's `orders_rejected`).
    pub orders_rejected: u64,
    /// Orders the venue rejected.
    pub venue_rejects: u64,
    pub open_orders: u64,
    /// Every reject reason (`Verdict` names), zero ones too.
    pub rejected_by_reason: BTreeMap<String, u64>,
}

/// One instrument's position.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Position {
    pub symbol: String,
    pub inst: u32,
    pub qty: f64,
    pub qty_raw: i64,
    pub avg_price: f64,
    pub avg_price_raw: i64,
    /// Null before the instrument has a mark.
    pub mark: Option<f64>,
    pub mark_raw: Option<i64>,
    pub unrealized_pnl: f64,
    pub unrealized_pnl_raw: i64,
    /// Realized in this instrument (fees not included).
    pub realized_pnl: f64,
    pub realized_pnl_raw: i64,
    /// qty × mark.
    pub market_value: f64,
    pub updated_ns: u64,
}

/// `/api/portfolio/positions`: instruments with a non-zero position or any fill so far.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Positions {
    pub as_of_ns: u64,
    pub positions: Vec<Position>,
}

/// One point of the PnL/equity curve: after every fill, and on marks at most once per second of
/// journal time.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PnlPoint {
    pub ts_ns: u64,
    pub equity: f64,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub fees: f64,
    pub drawdown: f64,
    /// `fill` or `mark`.
    pub cause: String,
}

/// `/api/portfolio/performance`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Performance {
    pub as_of_ns: u64,
    pub initial_cash: f64,
    pub equity: f64,
    pub peak_equity: f64,
    pub max_drawdown: f64,
    /// (equity − initial cash) / initial cash.
    pub return_pct: f64,
    /// Oldest first; the newest 20 000 are kept.
    pub points: Vec<PnlPoint>,
}

/// One lifecycle transition of an order (the router's `order_state` records).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Transition {
    pub ts_ns: u64,
    pub from: String,
    pub to: String,
    pub event: String,
    /// The transition table refused the event; the state did not change.
    pub refused: bool,
}

/// An order the router sent.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Order {
    pub order_id: u64,
    pub intent_id: u64,
    /// The strategy id (high bits of the order id).
    pub strategy: u16,
    pub symbol: String,
    pub inst: u32,
    /// `buy` / `sell`.
    pub side: String,
    /// Order type and time in force as the codec names them (`limit`/`market`, `gtc`/`ioc`/…).
    pub ord_type: String,
    pub tif: String,
    /// The kind of market event that caused it (`book_ticker`, `trade`, `depth`, `none`).
    pub trigger: String,
    pub price: f64,
    pub price_raw: i64,
    pub qty: f64,
    pub qty_raw: i64,
    pub filled_qty: f64,
    pub filled_qty_raw: i64,
    /// Volume-weighted fill price (null: no fill).
    pub avg_fill_price: Option<f64>,
    pub fees: f64,
    /// Latest order state (`alphapulse_oms::OrderState` name: `order_placed`, `filled`, …).
    pub state: String,
    pub open: bool,
    /// Final outcome once closed: `filled`, `partially_filled_then_cancelled`, `cancelled`,
    /// `rejected`; null while open.
    pub outcome: Option<String>,
    pub created_ns: u64,
    pub created: String,
    pub updated_ns: u64,
    pub transitions: Vec<Transition>,
}

/// `/api/exchange/orders`: newest first.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Orders {
    pub as_of_ns: u64,
    pub open: u64,
    pub total: u64,
    pub orders: Vec<Order>,
}

/// One fill (an execution report with a quantity, as risk saw it).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Fill {
    /// Its number among the run's fills (1, 2, …): a client that holds a snapshot skips the
    /// events it already has.
    #[serde(default)]
    pub seq: u64,
    pub ts_ns: u64,
    pub ts: String,
    pub order_id: u64,
    pub strategy: u16,
    pub symbol: String,
    pub side: String,
    pub price: f64,
    pub price_raw: i64,
    pub qty: f64,
    pub qty_raw: i64,
    /// `maker` / `taker`.
    pub liquidity: String,
    pub fee: f64,
    pub fee_raw: i64,
    /// Position after the fill (risk's stamp).
    pub position: f64,
}

/// `/api/exchange/fills`: newest first (the newest 20 000 are kept).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Fills {
    pub as_of_ns: u64,
    pub total: u64,
    pub fills: Vec<Fill>,
}

/// `/api/exchange/balance`: the simulated account, in the quote currency.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Balance {
    pub as_of_ns: u64,
    /// The quote currency when every symbol shares one (`USDT`), else null.
    pub currency: Option<String>,
    pub initial_cash: f64,
    pub cash: f64,
    pub cash_raw: i64,
    pub equity: f64,
    pub equity_raw: i64,
    /// Σ position × mark.
    pub market_value: f64,
    pub fees: f64,
}

/// Latest quote and trade of one symbol.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Price {
    pub symbol: String,
    pub inst: u32,
    pub bid: Option<f64>,
    pub bid_qty: Option<f64>,
    pub ask: Option<f64>,
    pub ask_qty: Option<f64>,
    /// Mid of a two-sided quote (risk's mark).
    pub mid: Option<f64>,
    pub quote_ts_ns: Option<u64>,
    pub last: Option<f64>,
    pub last_qty: Option<f64>,
    /// Aggressor side of the last trade.
    pub last_side: Option<String>,
    pub trade_ts_ns: Option<u64>,
    /// Feed state (`synced`, `resyncing`, `reconnecting`, `stale`); null for a replay.
    pub feed: Option<String>,
}

/// `/api/market/prices`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Prices {
    pub as_of_ns: u64,
    pub prices: Vec<Price>,
}

/// One OHLCV bar (`crate::bars::Bar`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BarView {
    pub start_ns: u64,
    pub start: String,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub trades: u64,
    pub vwap: Option<f64>,
    pub close_ts_ns: u64,
}

/// `/api/market/history?symbol=&interval=`: oldest first, up to the last 1 000 bars.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct History {
    pub symbol: String,
    pub interval: String,
    /// Trades older than the kept bars (`BarSeries::late_dropped`).
    pub late_dropped: u64,
    pub bars: Vec<BarView>,
}

/// Indicators over one symbol's closed bars (the newest, still-open bar is not used):
/// `sma_20`/`ema_20` of closes (EMA seeded with the SMA of the first 20, α = 2/21), `rsi_14`
/// (Wilder's smoothing), `vwap` over every bar kept (Σ notional / Σ volume). Null until enough
/// closed bars.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Indicator {
    pub symbol: String,
    pub interval: String,
    pub closed_bars: u64,
    pub last_close: Option<f64>,
    pub sma_20: Option<f64>,
    pub ema_20: Option<f64>,
    pub rsi_14: Option<f64>,
    pub vwap: Option<f64>,
}

/// `/api/market/indicators`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Indicators {
    pub as_of_ns: u64,
    pub indicators: Vec<Indicator>,
}

/// Health as the engine's own `status` names it (`Initializing` … `EmergencyStop`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HealthView {
    pub state: String,
    pub reason: String,
    /// `journal` (derived from the records) or `control` (the control socket's `status`).
    pub source: String,
    pub since_ns: u64,
}

/// One journal stream as the view has read it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StreamView {
    pub name: String,
    pub records: u64,
    pub last_seq: Option<u64>,
    pub last_ts_ns: Option<u64>,
    /// Its end-of-stream record was read.
    pub ended: bool,
}

/// `alphapulse persist`'s progress from `persist.status.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PersistView {
    pub lag_records: u64,
    pub lag_seconds: f64,
    pub updated_at: Option<String>,
}

/// `/api/system/status`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Status {
    pub as_of_ns: u64,
    pub journal: String,
    pub started: Option<String>,
    pub symbols: Vec<String>,
    pub health: HealthView,
    pub halted: bool,
    /// Strategy indices that faulted.
    pub faulted_strategies: Vec<u16>,
    /// Feed state per symbol (live runs; empty for a replay).
    pub feed: BTreeMap<String, String>,
    pub streams: Vec<StreamView>,
    pub finished: bool,
    /// The newest WebSocket cursor and this process's epoch.
    pub cursor: u64,
    pub epoch: u64,
    /// The control socket's `status` answer as the engine gave it (ring depths, per-actor
    /// counters), null when there is no reachable control socket.
    pub control: Option<serde_json::Value>,
    pub persist: Option<PersistView>,
    /// Streams that could not be read (the error names the file and offset).
    pub errors: Vec<String>,
}

/// A latency histogram's summary, ns.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LatencyView {
    pub hop: String,
    pub count: u64,
    pub p50_ns: u64,
    pub p90_ns: u64,
    pub p99_ns: u64,
    pub p999_ns: u64,
    pub max_ns: u64,
    /// Power-of-two buckets for a histogram chart: (upper bound ns, count).
    pub buckets: Vec<(u64, u64)>,
}

/// `/api/system/metrics`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Metrics {
    pub as_of_ns: u64,
    /// Records read per type (codec names), over every stream.
    pub events_by_type: BTreeMap<String, u64>,
    pub rejects_by_reason: BTreeMap<String, u64>,
    /// Signals per agent (strategy index as a string) and their last score (bps).
    pub signals_by_agent: BTreeMap<String, u64>,
    pub last_score_by_agent: BTreeMap<String, i32>,
    /// Per hop: `feed→intent`, `feed→decision`, `feed→order` (tick-to-trade); the journal's clock.
    pub latency: Vec<LatencyView>,
    /// Ring depths by link name, from the control socket's status when available.
    pub ring_depths: Option<BTreeMap<String, u64>>,
}

/// A risk reject (a `Decision` whose verdict is not `approved`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Reject {
    pub ts_ns: u64,
    pub intent_id: u64,
    pub symbol: String,
    pub reason: String,
    pub total_for_reason: u64,
}

/// A strategy signal.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SignalView {
    pub ts_ns: u64,
    pub agent: u16,
    /// The strategy's name (`#N` when the run did not record it).
    #[serde(default)]
    pub agent_name: String,
    pub symbol: String,
    pub score_bps: i32,
}

/// One strategy whose signal an aggregate decision weighed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct DecisionInput {
    pub agent: u16,
    /// Its name (`#N` when the run did not record it).
    pub name: String,
    /// Its latest signal on the symbol before the decision (None if the journal read here began
    /// after it).
    pub score_bps: Option<i32>,
}

/// One decision of the strategy host's aggregator (a journaled `aggregate` record): the combined
/// score past its entry threshold, its confidence and the parts of it, the signals it weighed,
/// and what became of it: `sent` (an order intent, `intent_id`) or the check that held it back.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct DecisionView {
    /// Its number among the run's decisions (1, 2, …): a client that holds a snapshot skips the
    /// events it already has.
    pub seq: u64,
    /// Decisions with this outcome so far, this one included.
    pub total_for_outcome: u64,
    pub ts_ns: u64,
    pub ts: String,
    pub symbol: String,
    /// `sent`, `low_confidence`, `risk_backoff`, `cooldown`, `outstanding`, `position_cap`, …
    pub outcome: String,
    pub intent_id: Option<u64>,
    /// The weighted combination of the signals (bps, signed).
    pub combined_bps: i32,
    pub confidence_bps: u16,
    pub agreement_bps: u16,
    pub accuracy_bps: u16,
    pub freshness_bps: u16,
    /// One strategy's conviction alone carried it.
    pub solo: bool,
    pub inputs: Vec<DecisionInput>,
}

/// `/api/strategy/decisions`: the newest decisions first, and counts by outcome since the start.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Decisions {
    pub as_of_ns: u64,
    pub total: u64,
    pub by_outcome: std::collections::BTreeMap<String, u64>,
    /// The strategies of the run by index (from its `run.json`).
    pub strategies: Vec<String>,
    pub decisions: Vec<DecisionView>,
}

/// A feed state change of one symbol (or the connection, `symbol` null).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FeedChange {
    pub ts_ns: u64,
    pub symbol: Option<String>,
    pub event: String,
    pub reason: String,
    /// The symbol's state after it (null for connection events).
    pub state: Option<String>,
}

/// The `data` of a WebSocket event, by `type`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum WsData {
    Price(Price),
    Order(Order),
    Fill(Fill),
    Pnl(PnlPoint),
    Position(Position),
    Reject(Reject),
    Signal(SignalView),
    Decision(DecisionView),
    /// The `alerts` module's `Alert`, as JSON.
    Alert(serde_json::Value),
    Health(HealthView),
    Feed(FeedChange),
}

impl WsData {
    /// The `type` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            WsData::Price(_) => "price",
            WsData::Order(_) => "order",
            WsData::Fill(_) => "fill",
            WsData::Pnl(_) => "pnl",
            WsData::Position(_) => "position",
            WsData::Reject(_) => "reject",
            WsData::Signal(_) => "signal",
            WsData::Decision(_) => "decision",
            WsData::Alert(_) => "alert",
            WsData::Health(_) => "health",
            WsData::Feed(_) => "feed",
        }
    }
}

/// One WebSocket event: `{"cursor":N,"ts_ns":..,"ts":"..","type":"fill","data":{..}}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WsEvent {
    pub cursor: u64,
    pub ts_ns: u64,
    pub ts: String,
    #[serde(flatten)]
    pub data: WsData,
}

/// The first frame on every WebSocket connection.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WsHello {
    /// Always `hello`.
    #[serde(rename = "type")]
    pub kind: String,
    pub epoch: u64,
    /// The newest cursor now.
    pub cursor: u64,
    /// The oldest cursor still kept (events before it cannot be resumed).
    pub oldest: u64,
    pub resumed: bool,
}
