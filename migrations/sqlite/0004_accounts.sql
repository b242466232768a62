-- Web accounts: passwords, sessions, failed logins, one-time login links, API tokens.
-- Secrets are never stored: only their SHA-256 (tokens) or Argon2 hash (passwords).
-- Keep in step with migrations/postgres/0004_accounts.sql.

ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed login, counted per account and per address over a window.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account, created_at);
CREATE INDEX login_failures_address ON login_failures (address, created_at);

-- Single-use login links sent by the Discord `/connexion` command.
CREATE TABLE login_links (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- Bearer tokens of the JSON API.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
);
