-- alphapulse persist, schema version 2 (PostgreSQL): the `alerts` stream (Msg::Alert, kind 18, written
-- by the dashboard's alert engine). One row per alert event (fired, resolved, acknowledged), keyed by
-- its journal position. value and threshold are on the 1e-8 scale (see AlertRecord); inst_id is -1
-- and symbol '' when the rule has no symbol; ack_by is the acknowledger's uid or name hash (0: none).
CREATE TABLE alert (
    run_id BIGINT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    alert_id BIGINT NOT NULL, rule_id BIGINT NOT NULL, rule_kind TEXT NOT NULL, severity TEXT NOT NULL,
    state TEXT NOT NULL, inst_id BIGINT NOT NULL, symbol TEXT NOT NULL, value BIGINT NOT NULL,
    threshold BIGINT NOT NULL, ack_by BIGINT NOT NULL,
    PRIMARY KEY (run_id, stream, seq)
);
CREATE INDEX alert_by_id ON alert (run_id, alert_id);
-- Version 1 read the alerts stream without writing rows: read it again from its start.
DELETE FROM journal_cursor WHERE stream = 'alerts';
CREATE VIEW alert_v AS
    SELECT a.*, value::numeric / 100000000 AS value_d, threshold::numeric / 100000000 AS threshold_d FROM alert a;
