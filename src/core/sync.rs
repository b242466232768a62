//! Keeping the search index in step with the database. The database is the source of truth:
//! every change of an indexed entry (an expert answer's text or status, the learned phrasings
//! of an answer or an article) is logged there in order, and the index records the last change
//! it applied, so replaying after a crash (or on another instance) is exact and idempotent.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::error::{DeskError, DeskResult};
use super::indexing;
use super::service::Service;

/// What was last put in the index for one entry: (answer version, indexed, hash of the learned
/// phrasings). A replayed change that would write the same is skipped.
pub(crate) type EntryState = (i64, bool, u64);

fn phrasings_hash(learned: &[String]) -> u64 {
    let mut hasher = DefaultHasher::new();
    learned.hash(&mut hasher);
    hasher.finish()
}

impl Service {
    /// Applies the entry changes the index has not seen; returns how many entries were
    /// written or removed.
    pub async fn sync_index(&self) -> DeskResult<usize> {
        let index = Arc::clone(self.bot.index());
        if !index.is_writable() {
            return Ok(0);
        }
        // One sync at a time, so that an older read never overwrites a newer one.
        let _guard = self.sync_lock.lock().await;
        let seen = index.state().answers_seq;
        let changes = self.store.answer_changes_since(seen).await?;
        let articles = self.store.article_changes_since(seen).await?;
        let Some(last) = changes.iter().map(|c| c.seq).chain(articles.iter().map(|(seq, _)| *seq)).max() else {
            return Ok(0);
        };
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        let mut applied = self.applied.lock().await;
        let mut marks = Vec::new();
        for change in &changes {
            let id = indexing::expert_id(change.answer.id);
            let published = change.answer.status == "published";
            let learned = if published { self.store.indexed_phrasings_of(&id).await? } else { Vec::new() };
            // Changes replayed for safety (see the store's replay overlap) but already in the
            // index are skipped: no rewrite churn.
            let state = (change.answer.version, published, phrasings_hash(&learned));
            if applied.get(&id) == Some(&state) {
                continue;
            }
            if published {
                upserts.push(indexing::expert_entry_learned(&change.answer, &learned));
            } else {
                deletes.push(id.clone());
            }
            marks.push((id, state));
        }
        for (_, slug) in &articles {
            // An article left out of knowledge/ meanwhile stays out: its phrasings wait for it.
            let Some(article) = self.bot.kb().published().find(|a| &a.slug == slug) else {
                continue;
            };
            let learned = self.store.indexed_phrasings_of(slug).await?;
            let state = (0, true, phrasings_hash(&learned));
            if applied.get(slug) == Some(&state) {
                continue;
            }
            upserts.push(indexing::article_entry_learned(article, &learned));
            marks.push((slug.clone(), state));
        }
        let n = upserts.len() + deletes.len();
        if n == 0 && last <= seen {
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

/// How long to wait before listening again after a failure, at most.
const LISTEN_RETRY_MAX: std::time::Duration = std::time::Duration::from_secs(30);

impl Service {
    /// Follows the index changes other instances make, until `stop` turns true: on PostgreSQL,
    /// listens for their notifications and replays the log at each one, and after every
    /// (re)connection (notifications sent while disconnected are lost). Returns at once on
    /// SQLite (one instance). The periodic [`Service::sync_index`] stays the safety net.
    pub async fn follow_changes(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut wait = std::time::Duration::from_secs(1);
        loop {
            let mut listener = match self.store.listen_changes().await {
                Ok(Some(l)) => l,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_s = wait.as_secs(), "cannot listen for index changes; polling meanwhile");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => return,
                    }
                    wait = (wait * 2).min(LISTEN_RETRY_MAX);
                    continue;
                }
            };
            // Listening now: whatever changed before is in the log.
            self.sync_index_logged().await;
            wait = std::time::Duration::from_secs(1);
            loop {
                tokio::select! {
                    next = listener.next() => match next {
                        Ok(Some(seq)) => {
                            tracing::debug!(seq, "index change notified");
                            self.sync_index_logged().await;
                        }
                        Ok(None) => {
                            tracing::warn!("index change listener disconnected; reconnecting and replaying");
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "index change listener failed; reconnecting and replaying");
                            break;
                        }
                    },
                    _ = stop.changed() => return,
                }
            }
        }
    }
}
