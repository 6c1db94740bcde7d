//! The ring message. Every link between actors carries [`Msg`]: a 64-byte `Copy` tagged union
//! (`#[repr(C, u8)]`: a one-byte tag, then the payload at offset 8). One type on every ring keeps the
//! runtime simple and lets actors forward what they do not handle down the chain, which keeps causal
//! order: risk sees the quote before the intent made from it, the simulated exchange sees the book
//! before the order priced from it.
//!
//! Timestamps are `u64` nanoseconds. Market events carry the exchange time (`exch_ts`; a `Quote`
//! carries its update id instead) and the local receive time (`local_ts`); everything downstream carries `origin_ts` (the `local_ts` of the market
//! event that caused it, for tick-to-trade) and `ts` (when the emitting actor made it, from its clock).

use crate::{
    AggregateRecord, AlertRecord, CommandRecord, FeedEventRecord, InstrumentId, Money, OrderId,
    OrderTransition, PositionRecord, Price, Qty, SignalRecord, StrategyEventRecord, StrategyId,
};

/// Order side; also the aggressor side of a trade and the side of a book level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Side {
    #[default]
    Buy = 1,
    Sell = 2,
}

impl Side {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
    /// `+1` for buy, `-1` for sell: the sign of a fill's position change.
    #[inline(always)]
    pub const fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }
    #[inline(always)]
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

/// Order type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OrdType {
    #[default]
    Limit = 1,
    Market = 2,
}

impl OrdType {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            OrdType::Limit => "limit",
            OrdType::Market => "market",
        }
    }
}

/// Time in force.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Tif {
    /// Good till cancelled: rests on the book.
    #[default]
    Gtc = 1,
    /// Immediate or cancel: fill what is possible now, cancel the rest.
    Ioc = 2,
    /// Fill or kill: fill all now or nothing.
    Fok = 3,
}

impl Tif {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            Tif::Gtc => "gtc",
            Tif::Ioc => "ioc",
            Tif::Fok => "fok",
        }
    }
}

/// Risk's verdict on an intent. `Approved` is 0 so a fresh intent reads as "not yet rejected".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Verdict {
    #[default]
    Approved = 0,
    MaxOrderQty = 1,
    MaxOrderNotional = 2,
    MaxPosition = 3,
    PriceBand = 4,
    RateLimit = 5,
    MaxOpenOrders = 6,
    Halted = 7,
    /// Price or quantity off the instrument's grid, or below its minimums.
    InstrumentRules = 8,
    /// No two-sided market yet to check the price against.
    NoMarket = 9,
}

impl Verdict {
    /// Every reject reason, in tag order (for reports indexed by reason).
    pub const REJECTS: [Verdict; 9] = [
        Verdict::MaxOrderQty,
        Verdict::MaxOrderNotional,
        Verdict::MaxPosition,
        Verdict::PriceBand,
        Verdict::RateLimit,
        Verdict::MaxOpenOrders,
        Verdict::Halted,
        Verdict::InstrumentRules,
        Verdict::NoMarket,
    ];
    /// Stable snake_case name (report and JSON keys).
    pub const fn name(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::MaxOrderQty => "max_order_qty",
            Verdict::MaxOrderNotional => "max_order_notional",
            Verdict::MaxPosition => "max_position",
            Verdict::PriceBand => "price_band",
            Verdict::RateLimit => "rate_limit",
            Verdict::MaxOpenOrders => "max_open_orders",
            Verdict::Halted => "halted",
            Verdict::InstrumentRules => "instrument_rules",
            Verdict::NoMarket => "no_market",
        }
    }
}

/// State of a feed's book for one instrument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BookState {
    /// Snapshot applied and diffs chaining: levels that follow are the whole book.
    #[default]
    Synced = 1,
    /// A sequence gap: the book is unusable; consumers must clear their copy until `Synced`.
    Gap = 2,
}

impl BookState {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            BookState::Synced => "synced",
            BookState::Gap => "gap",
        }
    }
}

/// What an execution report says happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ExecKind {
    /// The venue accepted the order (it is working).
    #[default]
    Accepted = 1,
    /// A (partial) fill: `px`/`qty` are the last fill.
    Fill = 2,
    /// Cancelled (on request, or the unfilled rest of an IOC/FOK).
    Cancelled = 3,
    /// The order was refused by the venue; `reason` says why. Ends the order.
    Rejected = 4,
    /// A cancel request was refused (`reason`: usually `UnknownOrder`, the order already done).
    /// Says nothing about the order's state: it stays as it was.
    CancelRejected = 5,
}

impl ExecKind {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            ExecKind::Accepted => "accepted",
            ExecKind::Fill => "fill",
            ExecKind::Cancelled => "cancelled",
            ExecKind::Rejected => "rejected",
            ExecKind::CancelRejected => "cancel_rejected",
        }
    }
}

/// Maker or taker on a fill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Liquidity {
    #[default]
    None = 0,
    Maker = 1,
    Taker = 2,
}

impl Liquidity {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            Liquidity::None => "none",
            Liquidity::Maker => "maker",
            Liquidity::Taker => "taker",
        }
    }
}

/// Why a venue refused an order (`ExecReport::reason` when `kind == Rejected`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum VenueReject {
    #[default]
    None = 0,
    /// FOK could not fill in full; market order met an empty book.
    NoLiquidity = 1,
    UnknownOrder = 2,
    /// The venue's own order table is full.
    TooManyOrders = 3,
    /// Price or quantity invalid for the instrument.
    Invalid = 4,
    /// Refused before the venue, by risk: its verdict was not `Approved` (the verdict itself is in
    /// risk's `Decision`, journaled). Risk sends this report up at once so the strategy frees the
    /// intent.
    RiskRefused = 5,
    /// Refused before the venue, by the order manager: every record holds a working order.
    OrderTableFull = 6,
    /// Refused before the venue, by the order manager: it already holds an order with this id
    /// (ids are assigned by the strategy; a second order under one id is never sent).
    DuplicateId = 7,
    /// Refused before the venue, by the order manager: the operator's kill switch is on (`halt`);
    /// a decision risk approved before the halt reached it is not sent.
    Halted = 8,
}

impl VenueReject {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            VenueReject::None => "none",
            VenueReject::NoLiquidity => "no_liquidity",
            VenueReject::UnknownOrder => "unknown_order",
            VenueReject::TooManyOrders => "too_many_orders",
            VenueReject::Invalid => "invalid",
            VenueReject::RiskRefused => "risk_refused",
            VenueReject::OrderTableFull => "order_table_full",
            VenueReject::DuplicateId => "duplicate_id",
            VenueReject::Halted => "halted",
        }
    }
    /// True when the order never reached the venue (refused by risk or the order manager).
    #[inline(always)]
    pub const fn is_before_venue(self) -> bool {
        matches!(
            self,
            VenueReject::RiskRefused
                | VenueReject::OrderTableFull
                | VenueReject::DuplicateId
                | VenueReject::Halted
        )
    }
}

/// The kind of market event that caused an intent or order (its `origin_ts` is that event's
/// `local_ts`), so that tick-to-trade can be split by trigger. `None` (0): not caused by a market
/// event (a test, a tool), or written before the field existed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Trigger {
    #[default]
    None = 0,
    /// A best bid/offer (`Msg::Quote`, Binance `bookTicker`).
    Quote = 1,
    /// A public trade (`Msg::Trade`).
    Trade = 2,
    /// A depth update (`Msg::Depth`) or a book status.
    Depth = 3,
}

impl Trigger {
    /// Every kind, in discriminant order (for counters indexed by `as usize`).
    pub const ALL: [Trigger; 4] = [Trigger::None, Trigger::Quote, Trigger::Trade, Trigger::Depth];
    /// Stable snake_case name (report and JSON keys): `none`, `book_ticker`, `trade`, `depth`.
    pub const fn name(self) -> &'static str {
        match self {
            Trigger::None => "none",
            Trigger::Quote => "book_ticker",
            Trigger::Trade => "trade",
            Trigger::Depth => "depth",
        }
    }
    /// The trigger a market message would be (`None` for every other kind).
    #[inline(always)]
    pub const fn of(msg: &Msg) -> Trigger {
        match msg {
            Msg::Quote(_) => Trigger::Quote,
            Msg::Trade(_) => Trigger::Trade,
            Msg::Depth(_) | Msg::Book(_) => Trigger::Depth,
            _ => Trigger::None,
        }
    }
}

/// Best bid and offer (from `bookTicker`, or the book's top after a depth update).
///
/// A quote carries the venue's order-book update id instead of an exchange time (the message has
/// room for one of them only): Binance spot's bookTicker has no event time at all, and the id is
/// what orders a quote against depth updates (`Depth::update_id`, the same sequence), so that a
/// consumer never lets older data override newer. 0 = unknown (then arrival order decides).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Quote {
    pub inst: InstrumentId,
    pub _pad: u32,
    pub bid_px: Price,
    pub bid_qty: Qty,
    pub ask_px: Price,
    pub ask_qty: Qty,
    /// The venue's order-book update id of this best bid/offer (bookTicker `u`), 0 if unknown.
    pub update_id: u64,
    pub local_ts: u64,
}

/// A public trade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Trade {
    pub inst: InstrumentId,
    /// Side of the taker (Binance `m == true` means the buyer is the maker, so the seller took).
    pub aggressor: Side,
    pub _pad: [u8; 3],
    pub px: Price,
    pub qty: Qty,
    pub trade_id: u64,
    pub exch_ts: u64,
    pub local_ts: u64,
}

/// One price level of a depth update: absolute quantity at `px`, 0 = the level is removed.
/// 16 bytes; a depth update's levels travel as an array of these beside its [`Depth`] header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct PxQty {
    pub px: Price,
    pub qty: Qty,
}

impl PxQty {
    #[inline(always)]
    pub const fn new(px: Price, qty: Qty) -> Self {
        PxQty { px, qty }
    }
}

/// One depth update after the feed applied it to its book (or a snapshot's whole book): the
/// header message. Its levels are not in the message: the first `bids` bid levels then `asks` ask
/// levels sit in the level store of the thread that handles it, from index `at` (the runtime keeps
/// that store and carries the levels across threads and into the journal: see
/// `alphapulse_runtime::Ctx::depth_levels`). A snapshot follows its `BookStatus::Synced` and holds
/// the whole book; consumers that keep a book apply the levels in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Depth {
    pub inst: InstrumentId,
    /// Bid levels (first in the store), then `asks` ask levels.
    pub bids: u32,
    pub asks: u32,
    /// Index of the first level in the handling thread's level store (set by the runtime; not
    /// meaningful in the journal, where the levels follow the header).
    pub at: u32,
    /// The book's update id after this update (the event's final id `u`; a snapshot's
    /// `lastUpdateId`).
    pub update_id: u64,
    pub exch_ts: u64,
    pub local_ts: u64,
    /// The feed book's best bid and ask after the update (0: that side is empty).
    pub best_bid: Price,
    pub best_ask: Price,
}

impl Depth {
    /// Number of levels (bids + asks).
    #[inline(always)]
    pub const fn len(&self) -> usize {
        self.bids as usize + self.asks as usize
    }
    #[inline(always)]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The book of one instrument became usable (`Synced`) or unusable (`Gap`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct BookStatus {
    pub inst: InstrumentId,
    pub state: BookState,
    pub _pad: [u8; 3],
    pub update_id: u64,
    pub exch_ts: u64,
    pub local_ts: u64,
}

/// An order intent: from the aggregator to risk (`Msg::Intent`), and risk's decision on it to the
/// order manager (`Msg::Decision`, with `verdict` set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Intent {
    /// Unique per run, assigned by the aggregator: the order id the intent's order will carry
    /// (`OrderId(intent_id)`, strategy id in the high bits, see [`OrderId::compose`]).
    pub intent_id: u64,
    /// Limit price (ignored for market orders).
    pub px: Price,
    pub qty: Qty,
    pub origin_ts: u64,
    pub ts: u64,
    pub inst: InstrumentId,
    pub strategy: StrategyId,
    /// Aggregated confidence in basis points (0..=10_000).
    pub confidence: u16,
    pub side: Side,
    pub ord_type: OrdType,
    pub tif: Tif,
    pub verdict: Verdict,
    /// The kind of market event that caused it (with `origin_ts`).
    pub trigger: Trigger,
    pub _pad: [u8; 3],
}

impl Intent {
    /// The order id the intent's order carries (the intent id itself).
    #[inline(always)]
    pub const fn order_id(&self) -> OrderId {
        OrderId(self.intent_id)
    }
}

/// A new order from the order manager to a gateway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct OrderNew {
    pub order_id: OrderId,
    pub px: Price,
    pub qty: Qty,
    pub origin_ts: u64,
    pub ts: u64,
    pub inst: InstrumentId,
    pub strategy: StrategyId,
    pub side: Side,
    pub ord_type: OrdType,
    pub tif: Tif,
    /// The kind of market event that caused it (from the intent).
    pub trigger: Trigger,
    pub _pad: [u8; 6],
}

/// A cancel request from the order manager to a gateway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct OrderCancel {
    pub order_id: OrderId,
    pub origin_ts: u64,
    pub ts: u64,
    pub inst: InstrumentId,
    pub strategy: StrategyId,
    pub _pad: [u8; 2],
}

/// An execution report: gateway → order manager → risk → agents. Also made before the venue
/// when an intent is refused (`kind = Rejected`, `reason` with [`VenueReject::is_before_venue`]):
/// by risk, or by the order manager (then it travels up through risk).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ExecReport {
    /// The order's id; its high bits are the strategy's id ([`ExecReport::strategy`]).
    pub order_id: OrderId,
    /// Last fill price (fills), else the order's price.
    pub px: Price,
    /// Last fill quantity (fills), else 0. What remains open the order manager derives from the
    /// order's quantity and its fills (no `leaves` field: it would not fit in 64 bytes).
    pub qty: Qty,
    /// Fee charged on this fill, in quote currency (negative = rebate).
    pub fee: Money,
    pub ts: u64,
    pub inst: InstrumentId,
    pub kind: ExecKind,
    pub side: Side,
    pub liquidity: Liquidity,
    pub reason: VenueReject,
    /// Risk's net position in `inst` after it applied this report (signed, raw 1e-8 units): risk
    /// stamps every report it sends up, so agents read the one position risk keeps instead of
    /// summing fills themselves. 0 below risk (gateway → order manager).
    pub position: Qty,
}

impl ExecReport {
    /// The strategy whose order this is (the high bits of the order id).
    #[inline(always)]
    pub const fn strategy(&self) -> StrategyId {
        self.order_id.strategy()
    }
}

/// Commands that travel down the chain in causal order (the operator's own commands use the
/// control rings instead: [`crate::CtlReq`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ControlCmd {
    #[default]
    Halt = 1,
    Resume = 2,
    /// Cancel every working order (the strategy host sends it when a strategy faults: the order
    /// manager cancels what the faulted strategy may have driven).
    CancelAll = 3,
}

impl ControlCmd {
    /// The stable `snake_case` name (journal exports).
    pub const fn name(self) -> &'static str {
        match self {
            ControlCmd::Halt => "halt",
            ControlCmd::Resume => "resume",
            ControlCmd::CancelAll => "cancel_all",
        }
    }
}

/// An operator command on its way down the chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Control {
    pub seq: u64,
    pub ts: u64,
    pub cmd: ControlCmd,
    pub _pad: [u8; 7],
}

/// The end of the input: every actor forwards it down the chain once it has finished its work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct EndOfStream {
    /// Local time of the last input event.
    pub ts: u64,
}

/// The one message every ring carries.
///
/// Tags 1..=11 are chain messages. Tags 12..=19 are **journal-only**: an actor emits them with
/// `Ctx::journal` (crate `alphapulse_runtime`), they go to its own journal stream and to no
/// neighbour (payloads in [`crate::records`]). New kinds are appended with new tags, never
/// renumbered: the tag is the journal's record type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, u8)]
pub enum Msg {
    Quote(Quote) = 1,
    Trade(Trade) = 2,
    /// A depth update's header; its levels travel beside it (see [`Depth`]).
    Depth(Depth) = 3,
    Book(BookStatus) = 4,
    Intent(Intent) = 5,
    Decision(Intent) = 6,
    New(OrderNew) = 7,
    Cancel(OrderCancel) = 8,
    Exec(ExecReport) = 9,
    Control(Control) = 10,
    Eos(EndOfStream) = 11,
    /// Journal-only: a strategy's signal (strategy host).
    Signal(SignalRecord) = 12,
    /// Journal-only: an order lifecycle transition (order manager).
    OrderState(OrderTransition) = 13,
    /// Journal-only: an instrument's position and PnL after a fill (risk).
    Position(PositionRecord) = 14,
    /// Journal-only: a live feed's connection or sync state change (the feed).
    FeedEvent(FeedEventRecord) = 15,
    /// Journal-only: an operator's command, its peer and its outcome (the control thread).
    Command(CommandRecord) = 16,
    /// Journal-only: a strategy faulted, or the operator disabled, enabled or set it (host).
    Strategy(StrategyEventRecord) = 17,
    /// Journal-only: an alert fired, resolved or acknowledged (the slow path's alert engine).
    Alert(AlertRecord) = 18,
    /// Journal-only: an aggregate decision, its confidence, inputs and outcome (strategy host).
    Aggregate(AggregateRecord) = 19,
}

const _: () = assert!(core::mem::size_of::<Msg>() == 64);
const _: () = assert!(core::mem::align_of::<Msg>() == 8);
const _: () = assert!(core::mem::size_of::<Quote>() == 56);
const _: () = assert!(core::mem::size_of::<Depth>() == 56);
const _: () = assert!(core::mem::size_of::<PxQty>() == 16);
const _: () = assert!(core::mem::size_of::<Intent>() <= 56);
const _: () = assert!(core::mem::size_of::<ExecReport>() <= 56);
const _: () = assert!(core::mem::size_of::<OrderNew>() <= 56);
const _: () = assert!(core::mem::size_of::<SignalRecord>() <= 56);
const _: () = assert!(core::mem::size_of::<OrderTransition>() <= 56);
const _: () = assert!(core::mem::size_of::<PositionRecord>() <= 56);
const _: () = assert!(core::mem::size_of::<FeedEventRecord>() <= 56);
const _: () = assert!(core::mem::size_of::<CommandRecord>() <= 56);
const _: () = assert!(core::mem::size_of::<StrategyEventRecord>() <= 56);
const _: () = assert!(core::mem::size_of::<AlertRecord>() <= 56);
const _: () = assert!(core::mem::size_of::<AggregateRecord>() <= 56);

/// Number of `Msg` kinds (tags are 1..=KINDS).
pub const MSG_KINDS: usize = 19;

impl Msg {
    /// Stable name of the message kind (report keys).
    pub const fn kind_name(&self) -> &'static str {
        Self::NAMES[self.kind_index()]
    }
    /// Names indexed by [`Msg::kind_index`].
    pub const NAMES: [&'static str; MSG_KINDS] = [
        "quote",
        "trade",
        "depth",
        "book_status",
        "intent",
        "decision",
        "order_new",
        "order_cancel",
        "exec_report",
        "control",
        "end_of_stream",
        "signal",
        "order_state",
        "position",
        "feed_event",
        "command",
        "strategy_event",
        "alert",
        "aggregate",
    ];
    /// Dense index 0..MSG_KINDS of the kind, for counting by kind.
    #[inline(always)]
    pub const fn kind_index(&self) -> usize {
        match self {
            Msg::Quote(_) => 0,
            Msg::Trade(_) => 1,
            Msg::Depth(_) => 2,
            Msg::Book(_) => 3,
            Msg::Intent(_) => 4,
            Msg::Decision(_) => 5,
            Msg::New(_) => 6,
            Msg::Cancel(_) => 7,
            Msg::Exec(_) => 8,
            Msg::Control(_) => 9,
            Msg::Eos(_) => 10,
            Msg::Signal(_) => 11,
            Msg::OrderState(_) => 12,
            Msg::Position(_) => 13,
            Msg::FeedEvent(_) => 14,
            Msg::Command(_) => 15,
            Msg::Strategy(_) => 16,
            Msg::Alert(_) => 17,
            Msg::Aggregate(_) => 18,
        }
    }
    /// The event time of the message: local receive time for market events, emit time otherwise.
    /// The backtest clock advances to this before the message is handled.
    #[inline(always)]
    pub const fn event_ts(&self) -> u64 {
        match self {
            Msg::Quote(m) => m.local_ts,
            Msg::Trade(m) => m.local_ts,
            Msg::Depth(m) => m.local_ts,
            Msg::Book(m) => m.local_ts,
            Msg::Intent(m) | Msg::Decision(m) => m.ts,
            Msg::New(m) => m.ts,
            Msg::Cancel(m) => m.ts,
            Msg::Exec(m) => m.ts,
            Msg::Control(m) => m.ts,
            Msg::Eos(m) => m.ts,
            Msg::Signal(m) => m.ts,
            Msg::OrderState(m) => m.ts,
            Msg::Position(m) => m.ts,
            Msg::FeedEvent(m) => m.ts,
            Msg::Command(m) => m.ts,
            Msg::Strategy(m) => m.ts,
            Msg::Alert(m) => m.ts,
            Msg::Aggregate(m) => m.ts,
        }
    }
    /// True for the journal-only kinds (signal, order state, position): never sent on a ring.
    #[inline(always)]
    pub const fn is_journal_only(&self) -> bool {
        matches!(
            self,
            Msg::Signal(_)
                | Msg::OrderState(_)
                | Msg::Position(_)
                | Msg::FeedEvent(_)
                | Msg::Command(_)
                | Msg::Strategy(_)
                | Msg::Alert(_)
                | Msg::Aggregate(_)
        )
    }
    /// True for market data (quote, trade, depth, book status).
    #[inline(always)]
    pub const fn is_market(&self) -> bool {
        matches!(self, Msg::Quote(_) | Msg::Trade(_) | Msg::Depth(_) | Msg::Book(_))
    }
}

/// A set of message kinds (a bit per [`Msg::kind_index`]): what an actor handles and consumes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Kinds(pub u32);

impl Kinds {
    pub const NONE: Kinds = Kinds(0);
    pub const QUOTE: Kinds = Kinds(1 << 0);
    pub const TRADE: Kinds = Kinds(1 << 1);
    pub const DEPTH: Kinds = Kinds(1 << 2);
    pub const BOOK: Kinds = Kinds(1 << 3);
    pub const INTENT: Kinds = Kinds(1 << 4);
    pub const DECISION: Kinds = Kinds(1 << 5);
    pub const NEW: Kinds = Kinds(1 << 6);
    pub const CANCEL: Kinds = Kinds(1 << 7);
    pub const EXEC: Kinds = Kinds(1 << 8);
    pub const CONTROL: Kinds = Kinds(1 << 9);
    pub const EOS: Kinds = Kinds(1 << 10);
    /// Market data: quote, trade, depth, book status.
    pub const MARKET: Kinds = Kinds(0b1111);
    /// Every chain kind (journal-only kinds never travel).
    pub const ALL: Kinds = Kinds((1 << 11) - 1);
    /// The kinds that travel up the chain (feedback).
    pub const UP: Kinds = Kinds::EXEC;

    /// The kind of `m`.
    #[inline(always)]
    pub const fn of(m: &Msg) -> Kinds {
        Kinds(1 << m.kind_index())
    }
    #[inline(always)]
    pub const fn or(self, o: Kinds) -> Kinds {
        Kinds(self.0 | o.0)
    }
    #[inline(always)]
    pub const fn and(self, o: Kinds) -> Kinds {
        Kinds(self.0 & o.0)
    }
    #[inline(always)]
    pub const fn without(self, o: Kinds) -> Kinds {
        Kinds(self.0 & !o.0)
    }
    #[inline(always)]
    pub const fn contains(self, m: &Msg) -> bool {
        self.0 & (1 << m.kind_index()) != 0
    }
    #[inline(always)]
    pub const fn intersects(self, o: Kinds) -> bool {
        self.0 & o.0 != 0
    }
    #[inline(always)]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl core::ops::BitOr for Kinds {
    type Output = Kinds;
    #[inline(always)]
    fn bitor(self, o: Kinds) -> Kinds {
        self.or(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_fixed() {
        assert_eq!(core::mem::size_of::<Msg>(), 64);
        assert_eq!(Msg::NAMES.len(), MSG_KINDS);
        let m = Msg::Eos(EndOfStream { ts: 7 });
        assert_eq!(m.kind_name(), "end_of_stream");
        assert_eq!(m.event_ts(), 7);
        assert!(Msg::Trade(Trade::default()).is_market());
        let journal_only = [
            Msg::Signal(SignalRecord { ts: 3, ..Default::default() }),
            Msg::OrderState(OrderTransition { ts: 4, ..Default::default() }),
            Msg::Position(PositionRecord { ts: 5, ..Default::default() }),
        ];
        for (m, (name, ts)) in journal_only.iter().zip([("signal", 3), ("order_state", 4), ("position", 5)]) {
            assert_eq!((m.kind_name(), m.event_ts()), (name, ts));
            assert!(m.is_journal_only() && !m.is_market());
        }
        assert!(!m.is_journal_only());
    }

    #[test]
    fn kinds_bits_follow_kind_index() {
        let all = [
            (Msg::Quote(Default::default()), Kinds::QUOTE),
            (Msg::Trade(Default::default()), Kinds::TRADE),
            (Msg::Depth(Default::default()), Kinds::DEPTH),
            (Msg::Book(Default::default()), Kinds::BOOK),
            (Msg::Intent(Default::default()), Kinds::INTENT),
            (Msg::Decision(Default::default()), Kinds::DECISION),
            (Msg::New(Default::default()), Kinds::NEW),
            (Msg::Cancel(Default::default()), Kinds::CANCEL),
            (Msg::Exec(Default::default()), Kinds::EXEC),
            (Msg::Control(Default::default()), Kinds::CONTROL),
            (Msg::Eos(Default::default()), Kinds::EOS),
        ];
        for (m, k) in all {
            assert_eq!(Kinds::of(&m), k, "{}", m.kind_name());
            assert!(Kinds::ALL.contains(&m));
            assert_eq!(Kinds::MARKET.contains(&m), m.is_market());
        }
        assert!(!Kinds::ALL.contains(&Msg::Signal(Default::default())));
    }
}
