//! The operator's control plane, as the hot actors see it: a [`CtlReq`] arrives on the actor's
//! thread through that thread's own control ring (never on the chain's message rings), the actor
//! applies or answers it, and the runtime sends back zero or more [`CtlReply`] rows and one final
//! reply with the [`CtlStatus`]. Both are fixed-size `Copy` values: nothing is allocated on a hot
//! thread to take or answer a command.
//!
//! The socket, the JSON and the levels of who may ask what live off the hot path
//! (`alphapulse-control`); the runtime's rings are in `alphapulse_runtime::control`.

use crate::{InstrumentId, OrderId, Price, Qty, Side};

/// What an operator asks of a hot actor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CtlOp {
    /// No-op (answers `Ok`): the control thread's probe that a thread is alive.
    #[default]
    Ping = 0,
    /// Kill switch on: refuse new orders (risk, router), stop intents (strategy host), cancel
    /// every open order (router).
    Halt = 1,
    /// Kill switch off.
    Resume = 2,
    /// Cancel every open order, or those of `CtlReq::inst` (router).
    CancelAll = 3,
    /// Close every position with marketable orders, through risk (strategy host).
    Flatten = 4,
    /// Set risk limit `CtlReq::index` (see the risk crate's limit table) to `CtlReq::value`.
    SetLimit = 5,
    /// One row per risk limit.
    Limits = 6,
    /// One row per instrument with a position or realized PnL, then the portfolio row.
    Positions = 7,
    /// One row per open order (router).
    Orders = 8,
    /// One row per strategy (strategy host).
    Strategies = 9,
    /// Strategy `CtlReq::index`: enable.
    StrategyEnable = 10,
    /// Strategy `CtlReq::index`: disable (its signals stop counting).
    StrategyDisable = 11,
    /// Strategy `CtlReq::index`: set parameter `key=value` (`CtlReq::text` holds `key\0value`).
    StrategySet = 12,
    /// Take the strategy the control thread pushed into the host's loader ring; the answer is its
    /// index (`CtlRow::Count`).
    StrategyLoad = 13,
}

/// How a command ended, in the final reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CtlStatus {
    /// Applied (or answered); the rows before it are complete.
    #[default]
    Ok = 0,
    /// The actor does not take this command.
    Unsupported = 1,
    /// The command was valid but could not be applied (`CtlReply::text` says why).
    Failed = 2,
}

/// Room for text in a request (strategy parameters) or a reply (names, error messages).
pub const CTL_TEXT: usize = 96;

/// Fixed-size UTF-8 text (truncated on a character boundary when too long).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CtlText {
    len: u8,
    bytes: [u8; CTL_TEXT],
}

impl Default for CtlText {
    fn default() -> Self {
        CtlText { len: 0, bytes: [0; CTL_TEXT] }
    }
}

impl CtlText {
    /// `s`, cut to at most [`CTL_TEXT`] bytes on a character boundary.
    pub fn new(s: &str) -> Self {
        let mut end = s.len().min(CTL_TEXT);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut t = CtlText { len: end as u8, ..Default::default() };
        t.bytes[..end].copy_from_slice(&s.as_bytes()[..end]);
        t
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Built from a `&str` cut on a character boundary: always valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// A `key\0value` pair (as [`CtlOp::StrategySet`] carries it), split.
    pub fn pair(&self) -> Option<(&str, &str)> {
        self.as_str().split_once('\0')
    }
}

impl std::fmt::Debug for CtlText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// Every instrument (the `inst` of a request that names none).
pub const ALL_INSTRUMENTS: InstrumentId = InstrumentId(u32::MAX);

/// A command on its way to one hot actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtlReq {
    /// The control thread's sequence number; every reply carries it.
    pub seq: u64,
    pub op: CtlOp,
    /// The target's position in the chain.
    pub actor: u16,
    /// Limit or strategy index.
    pub index: u16,
    /// An instrument, or [`ALL_INSTRUMENTS`].
    pub inst: InstrumentId,
    /// A limit's new value (raw: a `Qty`/`Money` at 1e-8, or a plain count).
    pub value: i64,
    pub text: CtlText,
}

impl CtlReq {
    /// A request for `op` to the actor at chain position `actor`, with no arguments.
    pub fn new(seq: u64, op: CtlOp, actor: u16) -> Self {
        CtlReq { seq, op, actor, index: 0, inst: ALL_INSTRUMENTS, value: 0, text: CtlText::default() }
    }
}

/// One row of an answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CtlRow {
    /// The final reply carries no row.
    #[default]
    None,
    /// A risk limit: its index in the limit table and raw value.
    Limit { index: u16, value: i64 },
    /// An instrument's position, average price, realized and unrealized PnL (raw 1e-8), and its
    /// mark (zero before any).
    Position { inst: InstrumentId, qty: Qty, avg_price: Price, realized: i64, unrealized: i64, mark: Price },
    /// The portfolio: cash, equity, realized, unrealized, fees, max drawdown (raw 1e-8), fills.
    Portfolio {
        cash: i64,
        equity: i64,
        realized: i64,
        unrealized: i64,
        fees: i64,
        max_drawdown: i64,
        fills: u64,
    },
    /// An open order.
    Order { id: OrderId, inst: InstrumentId, side: Side, price: Price, qty: Qty, filled: Qty, state: u8 },
    /// A strategy (its name in the reply's text): weight, enabled, faulted, signals.
    Strategy { index: u16, weight: u32, enabled: bool, faulted: bool, signals: u64, overruns: u64 },
    /// A count (orders cancelled, orders sent to flatten, …).
    Count(u64),
}

/// A reply from a hot actor: a row (`last == false`) or the final status (`last == true`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CtlReply {
    pub seq: u64,
    pub actor: u16,
    pub last: bool,
    pub status: CtlStatus,
    /// Rows that did not fit the reply ring (the answer is then incomplete; the final reply says
    /// how many were lost).
    pub lost: u32,
    /// The final reply: the actor's time when it applied the command (its event time in a
    /// backtest or paper run, the TSC live), so what it did after can be told apart in the journal.
    pub at: u64,
    pub row: CtlRow,
    /// A name (strategy rows) or the reason of a `Failed` status.
    pub text: CtlText,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_on_a_char_boundary_and_pairs_split() {
        let long = "é".repeat(60); // 120 bytes
        let t = CtlText::new(&long);
        assert_eq!(t.as_str().len(), 96);
        assert!(t.as_str().chars().all(|c| c == 'é'));
        let p = CtlText::new("lookback\u{0}20");
        assert_eq!(p.pair(), Some(("lookback", "20")));
        assert_eq!(CtlText::new("x").pair(), None);
        assert!(std::mem::size_of::<CtlReply>() <= 192);
    }

    // Side is used in a row: keep it Copy and small.
    const _: () = assert!(std::mem::size_of::<Side>() == 1);
}
