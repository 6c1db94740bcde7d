-- alphapulse persist, schema version 1 (SQLite). Money, prices and quantities are INTEGER on the
-- engine's 1e-8 scale (exact); the *_v views add REAL figures for reading only.
CREATE TABLE run (
    run_id      INTEGER PRIMARY KEY,
    started     TEXT NOT NULL,
    journal     TEXT NOT NULL,
    instruments TEXT NOT NULL,
    initial_cash BIGINT NOT NULL,
    UNIQUE (started, journal)
);
CREATE TABLE journal_cursor (
    run_id   BIGINT NOT NULL REFERENCES run(run_id),
    stream   TEXT NOT NULL,
    next_seq BIGINT NOT NULL,
    last_ts  BIGINT NOT NULL,
    rows     BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream)
);
CREATE TABLE strategy (
    run_id BIGINT NOT NULL, strategy_id BIGINT NOT NULL, name TEXT,
    PRIMARY KEY (run_id, strategy_id)
);
CREATE TABLE asset (
    run_id BIGINT NOT NULL, inst_id BIGINT NOT NULL, symbol TEXT NOT NULL,
    PRIMARY KEY (run_id, inst_id)
);
CREATE TABLE "order" (
    run_id BIGINT NOT NULL, order_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL,
    ts BIGINT NOT NULL, origin_ts BIGINT NOT NULL, strategy_id BIGINT NOT NULL, inst_id BIGINT NOT NULL,
    side TEXT NOT NULL, ord_type TEXT NOT NULL, tif TEXT NOT NULL, px BIGINT NOT NULL, qty BIGINT NOT NULL,
    state BIGINT NOT NULL, state_name TEXT NOT NULL, state_ts BIGINT NOT NULL, state_seq BIGINT NOT NULL,
    PRIMARY KEY (run_id, order_id)
);
CREATE TABLE order_event (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    order_id BIGINT NOT NULL, intent_id BIGINT NOT NULL, inst_id BIGINT NOT NULL,
    from_state TEXT NOT NULL, to_state TEXT NOT NULL, event TEXT NOT NULL, refused BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE TABLE execution (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    order_id BIGINT NOT NULL, strategy_id BIGINT NOT NULL, inst_id BIGINT NOT NULL, side TEXT NOT NULL,
    px BIGINT NOT NULL, qty BIGINT NOT NULL, fee BIGINT NOT NULL, liquidity TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE TABLE position (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    inst_id BIGINT NOT NULL, qty BIGINT NOT NULL, avg_px BIGINT NOT NULL, realized BIGINT NOT NULL,
    unrealized BIGINT NOT NULL, equity BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE TABLE portfolio (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    equity BIGINT NOT NULL, pnl BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE TABLE performance_metric (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    equity BIGINT NOT NULL, peak_equity BIGINT NOT NULL, drawdown BIGINT NOT NULL,
    drawdown_bp BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE TABLE market_data (
    run_id BIGINT NOT NULL, inst_id BIGINT NOT NULL, bar_interval TEXT NOT NULL, start_ns BIGINT NOT NULL,
    open BIGINT NOT NULL, high BIGINT NOT NULL, low BIGINT NOT NULL, close BIGINT NOT NULL,
    volume BIGINT NOT NULL, trades BIGINT NOT NULL, notional BIGINT NOT NULL, close_ts BIGINT NOT NULL,
    PRIMARY KEY (run_id, inst_id, bar_interval, start_ns)
);
CREATE TABLE market_quote (
    run_id BIGINT NOT NULL, inst_id BIGINT NOT NULL, second BIGINT NOT NULL, stream TEXT NOT NULL,
    seq BIGINT NOT NULL, local_ts BIGINT NOT NULL, bid_px BIGINT NOT NULL, bid_qty BIGINT NOT NULL,
    ask_px BIGINT NOT NULL, ask_qty BIGINT NOT NULL,
    PRIMARY KEY (run_id, inst_id, second)
);
CREATE TABLE signal (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    origin_ts BIGINT NOT NULL, inst_id BIGINT NOT NULL, agent BIGINT NOT NULL, score BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE TABLE risk_metric (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    order_id BIGINT NOT NULL, strategy_id BIGINT NOT NULL, inst_id BIGINT NOT NULL, side TEXT NOT NULL,
    px BIGINT NOT NULL, qty BIGINT NOT NULL, verdict TEXT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE VIEW risk_reject_by_reason AS
    SELECT run_id, verdict, COUNT(*) AS rejects FROM risk_metric WHERE verdict <> 'approved'
    GROUP BY run_id, verdict;
CREATE VIEW execution_v AS
    SELECT e.*, px / 1e8 AS px_f, qty / 1e8 AS qty_f, fee / 1e8 AS fee_f FROM execution e;
CREATE VIEW performance_metric_v AS
    SELECT p.*, equity / 1e8 AS equity_f, drawdown / 1e8 AS drawdown_f FROM performance_metric p;
