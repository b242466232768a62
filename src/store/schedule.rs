//! Scheduled work that must run once per period across every instance sharing the database.

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
