-- The version of the redaction rules every stored text has been through (one row). `svp privacy
-- rescan` re-applies the current rules and raises it; `serve` warns while it is behind.
CREATE TABLE privacy_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    rules_version  INTEGER NOT NULL,
    rescanned_at   INTEGER
);
