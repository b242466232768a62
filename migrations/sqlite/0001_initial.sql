-- SVP schema for SQLite. Timestamps are milliseconds since the Unix epoch (UTC).
-- Keep in step with migrations/postgres/0001_initial.sql: same tables, same columns.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('staff', 'expert', 'manager')),
    site        TEXT,
    discord_id  TEXT UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE questions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    asker_id     INTEGER REFERENCES users (id),
    text         TEXT NOT NULL,
    transport    TEXT NOT NULL,
    channel      TEXT,
    site         TEXT,
    decision     TEXT NOT NULL CHECK (decision IN ('answer', 'escalate')),
    confidence   REAL NOT NULL,
    reason       TEXT NOT NULL,
    top_id       TEXT,
    top_kind     TEXT,
    top_title    TEXT,
    theme        TEXT,
    hits         TEXT NOT NULL,
    redactions   TEXT,
    feedback     TEXT CHECK (feedback IN ('helpful', 'unhelpful')),
    feedback_at  INTEGER,
    ticket_id    INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX questions_created_at ON questions (created_at);
CREATE INDEX questions_asker ON questions (asker_id, created_at);

CREATE TABLE tickets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id   INTEGER NOT NULL REFERENCES questions (id),
    asker_id      INTEGER REFERENCES users (id),
    subject       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'waiting', 'answered', 'closed', 'merged')),
    priority      TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent')),
    theme         TEXT,
    assignee_id   INTEGER REFERENCES users (id),
    duplicate_of  INTEGER REFERENCES tickets (id),
    card_ref      TEXT,
    version       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    claimed_at    INTEGER,
    answered_at   INTEGER,
    closed_at     INTEGER
);
CREATE INDEX tickets_status ON tickets (status, created_at);

-- Everyone waiting for a ticket's answer: the first asker, and whoever joined it.
CREATE TABLE ticket_followers (
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    user_id      INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, question_id)
);

-- Append-only audit trail.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    actor_id    INTEGER REFERENCES users (id),
    kind        TEXT NOT NULL,
    detail      TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE answers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL UNIQUE REFERENCES tickets (id),
    author_id   INTEGER NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('published', 'retired')),
    version     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    question    TEXT NOT NULL,
    theme       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE answer_versions (
    answer_id   INTEGER NOT NULL REFERENCES answers (id),
    version     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    author_id   INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (answer_id, version)
);

-- Every change to an answer, in order: the search index replays it after a crash.
CREATE TABLE index_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id   INTEGER NOT NULL REFERENCES answers (id),
    created_at  INTEGER NOT NULL
);

-- Messages owed to people, sent by the chat adapters and retried until delivered.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    ticket_id        INTEGER REFERENCES tickets (id),
    recipient_id     INTEGER REFERENCES users (id),
    channel          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX outbox_due ON outbox (status, channel, next_attempt_at);
