//! The tables `alphapulse persist` writes and their versioned migrations.
//!
//! Migrations are numbered SQL files per dialect (`migrations/{sqlite,postgres}_NNN.sql`), embedded
//! with `include_str!`; the `schema_version` table holds the version a database is at. A database at
//! a version newer than [`LATEST`] is refused (an older binary must not write into a newer schema).
//!
//! Every data table is described once here ([`TABLES`]: name, columns, conflict handling per
//! dialect) and both back ends write from that description: SQLite by a prepared `INSERT … ON
//! CONFLICT`, PostgreSQL by binary `COPY` into a staging table and one `INSERT … SELECT … ON
//! CONFLICT` (or `UPDATE … FROM`) per table, in table order, in the transaction that also moves the
//! journal cursor.

/// Migrations in order: (version, SQLite text, PostgreSQL text).
/// Version 2 adds the `alert` table (and re-reads the `alerts` stream, which version 1 skipped).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, include_str!("migrations/sqlite_001.sql"), include_str!("migrations/postgres_001.sql")),
    (2, include_str!("migrations/sqlite_002.sql"), include_str!("migrations/postgres_002.sql")),
];

/// The newest schema version this binary knows.
pub const LATEST: i64 = 2;

/// A column's type: every figure is a 64-bit integer (1e-8 scale for money); names are text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Text,
}

/// One table (or one statement over rows of that shape) written per batch.
pub struct Table {
    /// The table the rows go to (for the staging table's name too: `stage_<id>`).
    pub id: &'static str,
    pub cols: &'static [(&'static str, Ty)],
    /// SQLite: the statement for one row, `?1…?n` in column order.
    pub sqlite: &'static str,
    /// PostgreSQL: the statement that applies the staged rows (`stage_<id>`).
    pub pg: &'static str,
}

use Ty::{Int as I, Text as T};

macro_rules! insert {
    ($id:literal, $sqlite_cols:literal, $params:literal, $conflict:literal, $pg_conflict:literal) => {
        insert!($id, $id, $sqlite_cols, $params, $conflict, $pg_conflict)
    };
    ($id:literal, $stage:literal, $sqlite_cols:literal, $params:literal, $conflict:literal, $pg_conflict:literal) => {
        (
            concat!("INSERT INTO ", $id, " (", $sqlite_cols, ") VALUES (", $params, ") ", $conflict),
            concat!(
                "INSERT INTO ",
                $id,
                " (",
                $sqlite_cols,
                ") SELECT ",
                $sqlite_cols,
                " FROM stage_",
                $stage,
                " ",
                $pg_conflict
            ),
        )
    };
}

const ASSET: (&str, &str) = insert!(
    "asset",
    "run_id, inst_id, symbol",
    "?1, ?2, ?3",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const STRATEGY: (&str, &str) = insert!(
    "strategy",
    "run_id, strategy_id, name",
    "?1, ?2, ?3",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const ORDER: (&str, &str) = insert!(
    "\"order\"",
    "order",
    "run_id, order_id, stream, seq, ts, origin_ts, strategy_id, inst_id, side, ord_type, tif, px, qty, state, state_name, state_ts, state_seq",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const ORDER_EVENT: (&str, &str) = insert!(
    "order_event",
    "run_id, stream, seq, ts, order_id, intent_id, inst_id, from_state, to_state, event, refused",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const EXECUTION: (&str, &str) = insert!(
    "execution",
    "run_id, stream, seq, ts, order_id, strategy_id, inst_id, side, px, qty, fee, liquidity, position",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const POSITION: (&str, &str) = insert!(
    "position",
    "run_id, stream, seq, ts, inst_id, qty, avg_px, realized, unrealized, equity",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const PORTFOLIO: (&str, &str) = insert!(
    "portfolio",
    "run_id, stream, seq, ts, equity, pnl",
    "?1, ?2, ?3, ?4, ?5, ?6",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const PERFORMANCE: (&str, &str) = insert!(
    "performance_metric",
    "run_id, stream, seq, ts, equity, peak_equity, drawdown, drawdown_bp",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
/// A bar row holds only the trades of one batch; a later batch's part of the same bar merges in.
const MARKET_DATA: (&str, &str) = insert!(
    "market_data",
    "run_id, inst_id, bar_interval, start_ns, open, high, low, close, volume, trades, notional, close_ts",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12",
    "ON CONFLICT (run_id, inst_id, bar_interval, start_ns) DO UPDATE SET \
     high = MAX(market_data.high, excluded.high), low = MIN(market_data.low, excluded.low), \
     close = CASE WHEN excluded.close_ts >= market_data.close_ts THEN excluded.close ELSE market_data.close END, \
     close_ts = MAX(market_data.close_ts, excluded.close_ts), volume = market_data.volume + excluded.volume, \
     trades = market_data.trades + excluded.trades, notional = market_data.notional + excluded.notional",
    "ON CONFLICT (run_id, inst_id, bar_interval, start_ns) DO UPDATE SET \
     high = GREATEST(market_data.high, excluded.high), low = LEAST(market_data.low, excluded.low), \
     close = CASE WHEN excluded.close_ts >= market_data.close_ts THEN excluded.close ELSE market_data.close END, \
     close_ts = GREATEST(market_data.close_ts, excluded.close_ts), volume = market_data.volume + excluded.volume, \
     trades = market_data.trades + excluded.trades, notional = market_data.notional + excluded.notional"
);
const MARKET_QUOTE: (&str, &str) = insert!(
    "market_quote",
    "run_id, inst_id, second, stream, seq, local_ts, bid_px, bid_qty, ask_px, ask_qty",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const SIGNAL: (&str, &str) = insert!(
    "signal",
    "run_id, stream, seq, ts, origin_ts, inst_id, agent, score",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
const RISK: (&str, &str) = insert!(
    "risk_metric",
    "run_id, stream, seq, ts, order_id, strategy_id, inst_id, side, px, qty, verdict",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);
/// One row per alert event, keyed by its journal position: a replay after kill -9 writes it once.
const ALERT: (&str, &str) = insert!(
    "alert",
    "run_id, stream, seq, ts, alert_id, rule_id, rule_kind, severity, state, inst_id, symbol, value, threshold, ack_by",
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14",
    "ON CONFLICT DO NOTHING",
    "ON CONFLICT DO NOTHING"
);

/// An order's state moves forward only (a transition already applied, by its sequence, is not).
const ORDER_STATE_SQLITE: &str =
    "UPDATE \"order\" SET state = ?3, state_name = ?4, state_ts = ?5, state_seq = ?6 \
     WHERE run_id = ?1 AND order_id = ?2 AND state_seq < ?6";
const ORDER_STATE_PG: &str = "UPDATE \"order\" o SET state = s.state, state_name = s.state_name, \
     state_ts = s.state_ts, state_seq = s.state_seq FROM (SELECT DISTINCT ON (run_id, order_id) * \
     FROM stage_order_state ORDER BY run_id, order_id, state_seq DESC) s \
     WHERE o.run_id = s.run_id AND o.order_id = s.order_id AND o.state_seq < s.state_seq";

/// Index of each table in [`TABLES`] (the order rows are applied in).
pub mod t {
    pub const ASSET: usize = 0;
    pub const STRATEGY: usize = 1;
    pub const ORDER: usize = 2;
    pub const ORDER_STATE: usize = 3;
    pub const ORDER_EVENT: usize = 4;
    pub const EXECUTION: usize = 5;
    pub const POSITION: usize = 6;
    pub const PORTFOLIO: usize = 7;
    pub const PERFORMANCE: usize = 8;
    pub const MARKET_DATA: usize = 9;
    pub const MARKET_QUOTE: usize = 10;
    pub const SIGNAL: usize = 11;
    pub const RISK: usize = 12;
    pub const ALERT: usize = 13;
}

const EV: [(&str, Ty); 4] = [("run_id", I), ("stream", T), ("seq", I), ("ts", I)];

/// Every table, in the order a batch applies them (orders before their state updates).
pub static TABLES: [Table; 14] = [
    Table {
        id: "asset",
        cols: &[("run_id", I), ("inst_id", I), ("symbol", T)],
        sqlite: ASSET.0,
        pg: ASSET.1,
    },
    Table {
        id: "strategy",
        cols: &[("run_id", I), ("strategy_id", I), ("name", T)],
        sqlite: STRATEGY.0,
        pg: STRATEGY.1,
    },
    Table {
        id: "order",
        cols: &[
            EV[0],
            ("order_id", I),
            EV[1],
            EV[2],
            EV[3],
            ("origin_ts", I),
            ("strategy_id", I),
            ("inst_id", I),
            ("side", T),
            ("ord_type", T),
            ("tif", T),
            ("px", I),
            ("qty", I),
            ("state", I),
            ("state_name", T),
            ("state_ts", I),
            ("state_seq", I),
        ],
        sqlite: ORDER.0,
        pg: ORDER.1,
    },
    Table {
        id: "order_state",
        cols: &[
            ("run_id", I),
            ("order_id", I),
            ("state", I),
            ("state_name", T),
            ("state_ts", I),
            ("state_seq", I),
        ],
        sqlite: ORDER_STATE_SQLITE,
        pg: ORDER_STATE_PG,
    },
    Table {
        id: "order_event",
        cols: &[
            EV[0],
            EV[1],
            EV[2],
            EV[3],
            ("order_id", I),
            ("intent_id", I),
            ("inst_id", I),
            ("from_state", T),
            ("to_state", T),
            ("event", T),
            ("refused", I),
        ],
        sqlite: ORDER_EVENT.0,
        pg: ORDER_EVENT.1,
    },
    Table {
        id: "execution",
        cols: &[
            EV[0],
            EV[1],
            EV[2],
            EV[3],
            ("order_id", I),
            ("strategy_id", I),
            ("inst_id", I),
            ("side", T),
            ("px", I),
            ("qty", I),
            ("fee", I),
            ("liquidity", T),
            ("position", I),
        ],
        sqlite: EXECUTION.0,
        pg: EXECUTION.1,
    },
    Table {
        id: "position",
        cols: &[
            EV[0],
            EV[1],
            EV[2],
            EV[3],
            ("inst_id", I),
            ("qty", I),
            ("avg_px", I),
            ("realized", I),
            ("unrealized", I),
            ("equity", I),
        ],
        sqlite: POSITION.0,
        pg: POSITION.1,
    },
    Table {
        id: "portfolio",
        cols: &[EV[0], EV[1], EV[2], EV[3], ("equity", I), ("pnl", I)],
        sqlite: PORTFOLIO.0,
        pg: PORTFOLIO.1,
    },
    Table {
        id: "performance_metric",
        cols: &[
            EV[0],
            EV[1],
            EV[2],
            EV[3],
            ("equity", I),
            ("peak_equity", I),
            ("drawdown", I),
            ("drawdown_bp", I),
        ],
        sqlite: PERFORMANCE.0,
        pg: PERFORMANCE.1,
    },
    Table {
        id: "market_data",
        cols: &[
            ("run_id", I),
            ("inst_id", I),
            ("bar_interval", T),
            ("start_ns", I),
            ("open", I),
            ("high", I),
            ("low", I),
            ("close", I),
            ("volume", I),
            ("trades", I),
            ("notional", I),
            ("close_ts", I),
        ],
        sqlite: MARKET_DATA.0,
        pg: MARKET_DATA.1,
    },
    Table {
        id: "market_quote",
        cols: &[
            ("run_id", I),
            ("inst_id", I),
            ("second", I),
            ("stream", T),
            ("seq", I),
            ("local_ts", I),
            ("bid_px", I),
            ("bid_qty", I),
            ("ask_px", I),
            ("ask_qty", I),
        ],
        sqlite: MARKET_QUOTE.0,
        pg: MARKET_QUOTE.1,
    },
    Table {
        id: "signal",
        cols: &[EV[0], EV[1], EV[2], EV[3], ("origin_ts", I), ("inst_id", I), ("agent", I), ("score", I)],
        sqlite: SIGNAL.0,
        pg: SIGNAL.1,
    },
    Table {
        id: "risk_metric",
        cols: &[
            EV[0],
            EV[1],
            EV[2],
            EV[3],
            ("order_id", I),
            ("strategy_id", I),
            ("inst_id", I),
            ("side", T),
            ("px", I),
            ("qty", I),
            ("verdict", T),
        ],
        sqlite: RISK.0,
        pg: RISK.1,
    },
    Table {
        id: "alert",
        cols: &[
            EV[0],
            EV[1],
            EV[2],
            EV[3],
            ("alert_id", I),
            ("rule_id", I),
            ("rule_kind", T),
            ("severity", T),
            ("state", T),
            ("inst_id", I),
            ("symbol", T),
            ("value", I),
            ("threshold", I),
            ("ack_by", I),
        ],
        sqlite: ALERT.0,
        pg: ALERT.1,
    },
];

/// One value of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    I(i64),
    T(String),
}

/// The database's version is one this binary can write into.
pub fn check_version(found: i64, db: &str) -> Result<(), super::PersistError> {
    if found > LATEST {
        return Err(super::PersistError::TooNew { db: db.to_string(), found, known: LATEST });
    }
    Ok(())
}
