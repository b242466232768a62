//! Telling other instances that the index must change, on PostgreSQL. The transaction that logs
//! an index change also sends `pg_notify` on [`CHANGES_CHANNEL`] with the change's sequence
//! number only (payloads are capped at 8,000 bytes; the log holds the rest). Notifications are
//! delivered on commit, never for a rolled-back change. Each instance listens on a connection
//! of its own ([`ChangeListener`]) and replays the log at once; as notifications are lost while
//! a listener is disconnected, it replays after every (re)connection too. SQLite has a single
//! instance and sends nothing.

use sqlx::postgres::PgListener;
use sqlx::{Any, Transaction};

use super::{Engine, Store, StoreResult};

/// The notification channel of index changes.
pub const CHANGES_CHANNEL: &str = "svp_index_changes";

/// Sends the change's sequence number to the listeners, when the transaction commits
/// (PostgreSQL only).
pub(super) async fn notify(tx: &mut Transaction<'_, Any>, seq: i64) -> StoreResult<()> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANGES_CHANNEL).bind(seq.to_string()).execute(&mut **tx).await?;
    }
    Ok(())
}

/// A dedicated connection listening for index changes.
pub struct ChangeListener {
    listener: PgListener,
}

impl ChangeListener {
    /// Waits for the next change and returns its sequence number (0 when the payload is not
    /// one), or `None` when the connection was lost: notifications sent meanwhile are gone, so
    /// open a new listener, then replay the log.
    pub async fn next(&mut self) -> StoreResult<Option<i64>> {
        Ok(self.listener.try_recv().await?.map(|n| n.payload().parse().unwrap_or(0)))
    }
}

impl Store {
    /// A listener for index changes on a connection of its own, or `None` on SQLite.
    pub async fn listen_changes(&self) -> StoreResult<Option<ChangeListener>> {
        if self.engine != Engine::Postgres {
            return Ok(None);
        }
        let mut listener = PgListener::connect(&self.url).await?;
        listener.listen(CHANGES_CHANNEL).await?;
        Ok(Some(ChangeListener { listener }))
    }
}
