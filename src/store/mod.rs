//! Durable storage: SQLite (default) or PostgreSQL, chosen at run time by the URL scheme.
//!
//! One implementation over sqlx's `Any` driver serves both engines, so their behaviour cannot
//! drift apart; what differs (migrations, connection pragmas, row locking) is selected by
//! [`Engine`]. Each engine has its own migration folder (`migrations/sqlite`,
//! `migrations/postgres`), applied at start-up. Timestamps are stored as milliseconds since
//! the Unix epoch, the one time type both engines share through `Any`.
//!
//! Layout: `rows` (record types), `users`, `accounts` (passwords, sessions, login links, API tokens), `questions`, `tickets`, `answers`, `changes` (PostgreSQL notifications of index changes), `gateway` (which instance runs the Discord bot), `phrasings` (learned from use), `outbox`, `report_rows` (what manager reports read), `schedule` (scheduled work run once across instances),
//! `reports`: one `impl Store` block per table family.

mod accounts;
mod answers;
mod changes;
mod gateway;
mod outbox;
mod phrasings;
mod privacy;
mod questions;
mod report_rows;
mod reports;
mod rows;
mod schedule;
mod tickets;
mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use accounts::{ApiTokenRow, LoginFailures, SessionRow};
pub use answers::{AnswerChange, AnswerVersion};
pub use changes::{CHANGES_CHANNEL, ChangeListener};
pub use gateway::GatewayLock;
pub use phrasings::{EntryUsage, NewPhrasing, Phrasing};
pub use privacy::{StoredText, TextColumn};
pub use report_rows::{ReportQuestion, ReportTicket};
pub use reports::{Stats, ThemeCount, TopQuestion};
pub use rows::*;
pub use tickets::{AnswerWrite, Follower, NewTicket, QueueQuery};

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `sqlite://FILE` (created if missing).
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl Engine {
    /// The engine of a database URL.
    pub fn of(url: &str) -> anyhow::Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            anyhow::bail!("unsupported database URL (expected sqlite://FILE or postgres://USER@HOST/DB)")
        }
    }
}

/// A handle to the database (cheap to clone).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// The URL it connected to (for the PostgreSQL change listener's own connection).
    url: std::sync::Arc<str>,
    /// SQLite lets one connection write at a time; another that tries is refused and sleeps in
    /// SQLite's busy handler (1 ms, then 2, 5, 10…). The busiest writes of this process take
    /// turns here instead, so that concurrent questions are recorded one after the other
    /// without those sleeps (under 32 concurrent API clients they were one per question).
    /// Other processes on the same file still meet the busy handler.
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Errors the core must tell apart from a broken database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row changed since it was read (optimistic concurrency): reload and re-check.
    #[error("the record changed meanwhile")]
    Conflict,
    /// A unique value is already taken.
    #[error("{0} already exists")]
    Duplicate(String),
    /// Anything else: the database is unavailable or failed.
    #[error(transparent)]
    Database(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation() {
                return StoreError::Duplicate(db.message().to_string());
            }
        StoreError::Database(anyhow::Error::new(e).context("database error"))
    }
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// How long the first connection to PostgreSQL may take before the start is refused.
const CONNECT_PROBE: Duration = Duration::from_secs(3);

impl Store {
    /// Connects, creating the SQLite file and its folder when missing, and applies migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of(url)?;
        let url = match engine {
            Engine::Sqlite => sqlite_url(url)?,
            Engine::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).context("invalid database URL")?;
        if engine == Engine::Postgres {
            // One connection first, within a few seconds: an unreachable server is reported with
            // its cause at once, not after the pool has retried for its whole timeout.
            match tokio::time::timeout(CONNECT_PROBE, <sqlx::AnyConnection as sqlx::Connection>::connect_with(&options)).await {
                Ok(Ok(conn)) => {
                    let _ = sqlx::Connection::close(conn).await;
                }
                Ok(Err(e)) => return Err(anyhow::Error::new(e).context("cannot connect to the PostgreSQL database")),
                Err(_) => anyhow::bail!(
                    "cannot connect to the PostgreSQL database: no answer within {} s (is the server running and reachable?)",
                    CONNECT_PROBE.as_secs()
                ),
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(match engine {
                Engine::Sqlite => 4,
                Engine::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to the {engine:?} database"))?;
        let store = Store { pool, engine, url: url.as_str().into(), write_turn: Default::default() };
        // SQLite has no advisory lock for the migrator (PostgreSQL has): processes starting at
        // once on a new file take turns through a lock file beside it.
        let _turn = match sqlite_file(&url) {
            Some(file) if engine == Engine::Sqlite => Some(lock_beside(&file)?),
            _ => None,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.engine {
            Engine::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Engine::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.run(&self.pool).await.context("database migration failed")
    }

    /// This process's turn to write, on SQLite (see `write_turn`); nothing to wait for on
    /// PostgreSQL, whose writers do not exclude each other.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.engine {
            Engine::Sqlite => Some(self.write_turn.lock().await),
            Engine::Postgres => None,
        }
    }

    /// Which engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// `FOR UPDATE SKIP LOCKED` where the engine has row locks (PostgreSQL); SQLite serialises
    /// writers anyway.
    fn skip_locked(&self) -> &'static str {
        match self.engine {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        }
    }
}

/// Adds `mode=rwc` (create if missing) and creates the file's folder.
/// The file of a SQLite URL (`None` for an in-memory database).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let file = path.split('?').next().unwrap_or_default();
    (!file.is_empty() && file != ":memory:").then(|| std::path::PathBuf::from(file))
}

/// An exclusive lock on `<file>.lock`, held until dropped (blocking until it is free).
fn lock_beside(file: &std::path::Path) -> anyhow::Result<crate::lockfile::LockFile> {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    crate::lockfile::acquire(std::path::Path::new(&name)).context("cannot lock the database for its migrations")
}

fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let file = path.split('?').next().unwrap_or_default();
    if file.is_empty() || file == ":memory:" {
        return Ok(url.to_string());
    }
    if let Some(parent) = std::path::Path::new(file).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Milliseconds since the epoch to a UTC time.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}
