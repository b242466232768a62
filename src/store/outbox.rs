//! The outbox: messages owed to people, committed with the change that owes them, delivered by
//! the adapters and retried with back-off until sent.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Notification, Store, StoreResult, now_ms};

const SELECT: &str = "SELECT o.id, o.kind, o.ticket_id, o.recipient_id, u.discord_id AS recipient_discord_id, o.channel, \
    o.payload, o.attempts, o.status, o.lease, o.delivered_ref FROM outbox o LEFT JOIN users u ON u.id = o.recipient_id";

fn notification(row: &AnyRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        ticket_id: row.try_get("ticket_id")?,
        recipient_id: row.try_get("recipient_id")?,
        recipient_discord_id: row.try_get("recipient_discord_id")?,
        channel: row.try_get("channel")?,
        payload: row.try_get("payload")?,
        attempts: row.try_get("attempts")?,
        status: row.try_get("status")?,
        lease: row.try_get("lease")?,
        delivered_ref: row.try_get("delivered_ref")?,
    })
}

impl Store {
    /// Takes up to `limit` due messages of `channel` and hides them from other senders for
    /// `lease_ms` (if the sender dies, they become due again). Each carries this claim's owner
    /// token (`lease`), which [`Store::mark_sent`] and [`Store::mark_failed`] check.
    pub async fn claim_notifications(&self, channel: &str, limit: i64, lease_ms: i64) -> StoreResult<Vec<Notification>> {
        let now = now_ms();
        let mut token = [0u8; 16];
        getrandom::fill(&mut token).map_err(|e| super::StoreError::Database(anyhow::anyhow!("no randomness: {e}")))?;
        let lease: String = token.iter().map(|b| format!("{b:02x}")).collect();
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(&format!(
            "UPDATE outbox SET next_attempt_at = $1, lease = $5 WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND channel = $2 \
             AND next_attempt_at <= $3 ORDER BY id LIMIT $4{}) RETURNING id",
            self.skip_locked()
        ))
        .bind(now + lease_ms)
        .bind(channel)
        .bind(now)
        .bind(limit)
        .bind(&lease)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut ids: Vec<i64> = claimed.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
        ids.sort_unstable();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(&format!("{SELECT} WHERE o.id = $1")).bind(id).fetch_one(&self.pool).await?;
            out.push(notification(&row)?);
        }
        Ok(out)
    }

    /// Ends the wait of pending messages of `channel` queued before `before_ms`: marked failed
    /// with the reason `expired`. Returns how many.
    pub async fn expire_notifications(&self, channel: &str, before_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'failed', last_error = 'expired: no channel delivered it within the retention' \
             WHERE status = 'pending' AND channel = $1 AND created_at < $2",
        )
        .bind(channel)
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Queues messages that no other change owes (e.g. a scheduled digest).
    pub async fn enqueue(&self, notifications: &[crate::store::NewNotification]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        super::tickets::notify(&mut tx, notifications, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Messages of `channel` waiting to be sent: how many, and when the oldest was queued (ms
    /// since the epoch). (Web messages wait for their reader, not for a sender: their backlog is
    /// no alarm.)
    pub async fn outbox_backlog(&self, channel: &str) -> StoreResult<(i64, Option<i64>)> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE status = 'pending' AND channel = $1")
            .bind(channel)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("n")?, row.try_get("oldest")?))
    }

    /// When the last message of `kind` was queued, if ever.
    pub async fn last_queued(&self, kind: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT MAX(created_at) AS at FROM outbox WHERE kind = $1").bind(kind).fetch_one(&self.pool).await?;
        Ok(row.try_get("at")?)
    }

    /// Marks a message delivered, with where it landed. With a `lease`, only if that claim is
    /// still the message's (a sender whose lease expired and was claimed again records
    /// nothing). Returns whether it was recorded.
    pub async fn mark_sent(&self, id: i64, lease: Option<&str>, delivered_ref: Option<&str>) -> StoreResult<bool> {
        let query = match lease {
            Some(_) => "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, delivered_ref = $2 \
                        WHERE id = $3 AND lease = $4",
            None => "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, delivered_ref = $2 WHERE id = $3",
        };
        let mut q = sqlx::query(query).bind(now_ms()).bind(delivered_ref).bind(id);
        if let Some(lease) = lease {
            q = q.bind(lease);
        }
        Ok(q.execute(&self.pool).await?.rows_affected() == 1)
    }

    /// Records a failed attempt: retried at `retry_at_ms`, or given up (`failed`) when `None`;
    /// only while `lease` is the message's claim. Returns whether it was recorded.
    pub async fn mark_failed(&self, id: i64, lease: &str, error: &str, retry_at_ms: Option<i64>) -> StoreResult<bool> {
        let (status, next) = match retry_at_ms {
            Some(at) => ("pending", at),
            None => ("failed", now_ms()),
        };
        let done = sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = $2, attempts = attempts + 1, last_error = $3 \
             WHERE id = $4 AND lease = $5 AND status = 'pending'",
        )
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(id)
        .bind(lease)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Messages of a channel in a given status, oldest first (inspection, web inbox, tests).
    pub async fn notifications(&self, channel: &str, status: &str) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE o.channel = $1 AND o.status = $2 ORDER BY o.id"))
            .bind(channel)
            .bind(status)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notification).collect()
    }

    /// Messages for one recipient, newest first (the web inbox).
    pub async fn notifications_for(&self, recipient_id: i64, limit: i64) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE o.recipient_id = $1 ORDER BY o.id DESC LIMIT $2"))
            .bind(recipient_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notification).collect()
    }
}
