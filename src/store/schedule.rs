//! Work that must happen once across every instance sharing the database: scheduled tasks
//! (once per period) and Discord events (once per event id).

use super::{Store, StoreResult, now_ms};

impl Store {
    /// Claims this period's run of task `name`: true for exactly one caller per `period_ms`
    /// (whatever the number of instances asking at once), false for the others and until the
    /// period has passed. One guarded upsert, atomic on both engines.
    pub async fn claim_scheduled_run(&self, name: &str, period_ms: i64) -> StoreResult<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO scheduled_runs (name, last_run_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at \
             WHERE scheduled_runs.last_run_at <= $3",
        )
        .bind(name)
        .bind(now)
        .bind(now - period_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// How long handled Discord event ids are kept (Discord does not redeliver older ones).
const DISCORD_EVENT_RETENTION_MS: i64 = 24 * 3600 * 1000;

impl Store {
    /// Records that the Discord event `id` (`interaction:…`, `message:…`) is being handled:
    /// true for the first caller, false for any other (another instance took it).
    pub async fn claim_discord_event(&self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("INSERT INTO discord_events (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets handled Discord event ids older than a day; returns how many.
    pub async fn purge_discord_events(&self) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM discord_events WHERE created_at < $1")
            .bind(now_ms() - DISCORD_EVENT_RETENTION_MS)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
