//! Keeping the search index in step with the database. The database is the source of truth:
//! every answer change is logged there in order, and the index records the last change it
//! applied, so replaying after a crash (or on another instance) is exact and idempotent.

use std::sync::Arc;

use super::error::{DeskError, DeskResult};
use super::indexing;
use super::service::Service;

impl Service {
    /// Applies the answer changes the index has not seen; returns how many were applied.
    pub async fn sync_index(&self) -> DeskResult<usize> {
        let index = Arc::clone(self.bot.index());
        if !index.is_writable() {
            return Ok(0);
        }
        // One sync at a time, so that an older read never overwrites a newer one.
        let _guard = self.sync_lock.lock().await;
        let changes = self.store.answer_changes_since(index.state().answers_seq).await?;
        let Some(last) = changes.iter().map(|c| c.seq).max() else {
            return Ok(0);
        };
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        let mut applied = self.applied.lock().await;
        let mut marks = Vec::new();
        for change in &changes {
            // Changes replayed for safety (see the store's replay overlap) but already in the
            // index are skipped: no rewrite churn.
            let state = (change.answer.version, change.answer.status == "published");
            if applied.get(&change.answer.id) == Some(&state) {
                continue;
            }
            marks.push((change.answer.id, state));
            if change.answer.status == "published" {
                upserts.push(indexing::expert_entry(&change.answer));
            } else {
                deletes.push(indexing::expert_id(change.answer.id));
            }
        }
        let n = upserts.len() + deletes.len();
        if n == 0 && last <= index.state().answers_seq {
            return Ok(0);
        }
        tokio::task::spawn_blocking(move || index.apply(&upserts, &deletes, last))
            .await
            .map_err(|e| DeskError::Unavailable(anyhow::anyhow!("index task failed: {e}")))?
            .map_err(DeskError::Unavailable)?;
        applied.extend(marks);
        Ok(n)
    }

    /// [`Service::sync_index`], logging a failure instead of returning it: the change is safe in
    /// the database and the next sync (or restart) indexes it.
    pub async fn sync_index_logged(&self) {
        if let Err(e) = self.sync_index().await {
            tracing::error!(error = %e, cause = ?e, "search index not updated; it will catch up from the database");
        }
    }
}
