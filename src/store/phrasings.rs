//! Phrasings learned from use (a confirmed question becomes an extra phrasing of the entry that
//! served it), their review, and the index changes that carry them to the search index.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Store, StoreResult, from_ms, now_ms};

/// A learned phrasing, as experts review it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Phrasing {
    /// Its id.
    pub id: i64,
    /// The index id of its entry: an article slug or `answer-N`.
    pub entry_id: String,
    /// The text (redacted, placeholders removed).
    pub text: String,
    /// Where it came from: `helpful`, `confirmed`, `expert` or `clarification`.
    pub source: String,
    /// The question it came from, if any.
    pub question_id: Option<i64>,
    /// `new` (indexed, not reviewed), `approved` or `removed` (not indexed).
    pub status: String,
    /// When it was learned.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Who approved or removed it.
    pub reviewed_by: Option<String>,
}

/// A phrasing to learn.
#[derive(Debug, Clone)]
pub struct NewPhrasing<'a> {
    /// The index id of the entry.
    pub entry_id: &'a str,
    /// The text (already redacted).
    pub text: &'a str,
    /// `helpful`, `confirmed`, `expert` or `clarification`.
    pub source: &'a str,
    /// The question it came from.
    pub question_id: Option<i64>,
    /// Who added it (experts), if not the asker's confirmation.
    pub author_id: Option<i64>,
    /// At most this many phrasings not removed per entry: beyond, nothing is added.
    pub cap: i64,
}

/// How often an entry was served, and how it was received.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct EntryUsage {
    /// Questions answered with it (directly, or after « Oui »).
    pub served: i64,
    /// Of those, marked « Ça répond ».
    pub helpful: i64,
    /// Of those, marked « Ça ne répond pas ».
    pub unhelpful: i64,
}

const SELECT: &str = "SELECT p.id, p.entry_id, p.text, p.source, p.question_id, p.status, p.created_at, u.name AS reviewer \
    FROM phrasings p LEFT JOIN users u ON u.id = p.reviewed_by";

fn phrasing(row: &AnyRow) -> StoreResult<Phrasing> {
    Ok(Phrasing {
        id: row.try_get("id")?,
        entry_id: row.try_get("entry_id")?,
        text: row.try_get("text")?,
        source: row.try_get("source")?,
        question_id: row.try_get("question_id")?,
        status: row.try_get("status")?,
        created_at: from_ms(row.try_get("created_at")?),
        reviewed_by: row.try_get("reviewer")?,
    })
}

/// Logs a change of an index entry (an expert answer `answer-N`, or an article by slug) for the
/// search index to replay.
pub(super) async fn log_entry_change(tx: &mut Transaction<'_, Any>, entry_id: &str, now: i64) -> StoreResult<()> {
    match entry_id.strip_prefix("answer-").and_then(|n| n.parse::<i64>().ok()) {
        Some(answer_id) => super::answers::log_change(tx, answer_id, now).await,
        None => {
            let row = sqlx::query("INSERT INTO index_changes (article_slug, created_at) VALUES ($1, $2) RETURNING seq")
                .bind(entry_id)
                .bind(now)
                .fetch_one(&mut **tx)
                .await?;
            super::changes::notify(tx, row.try_get("seq")?).await
        }
    }
}

/// Lower case with single spaces: two phrasings equal under it are the same phrasing.
fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl Store {
    /// Learns a phrasing and logs the change for the index, in one transaction. Returns its id,
    /// or `None` when the entry already has it (same words, whatever the case; for what is
    /// learned from use, even removed), already has one from this question, or has `cap`
    /// phrasings.
    pub async fn add_phrasing(&self, new: &NewPhrasing<'_>) -> StoreResult<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let existing = sqlx::query("SELECT text, status FROM phrasings WHERE entry_id = $1").bind(new.entry_id).fetch_all(&mut *tx).await?;
        let wanted = normalised(new.text);
        let mut indexed = 0;
        for row in &existing {
            let removed = row.try_get::<String, _>("status")? == "removed";
            indexed += i64::from(!removed);
            // What an expert removed is not learned again from use; an expert may add it back.
            if (!removed || new.source != "expert") && normalised(&row.try_get::<String, _>("text")?) == wanted {
                return Ok(None);
            }
        }
        if indexed >= new.cap {
            return Ok(None);
        }
        let now = now_ms();
        // A question learned once and removed is not learned again (the unique index).
        let row = sqlx::query(
            "INSERT INTO phrasings (entry_id, text, source, question_id, author_id, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'new', $6) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(new.entry_id)
        .bind(new.text)
        .bind(new.source)
        .bind(new.question_id)
        .bind(new.author_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        log_entry_change(&mut tx, new.entry_id, now).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Sets a phrasing's status (`approved` or `removed`) as reviewed by `reviewer`, logging an
    /// index change when it enters or leaves the index. Returns the phrasing, or `None` if it
    /// does not exist.
    pub async fn review_phrasing(&self, id: i64, status: &str, reviewer: i64) -> StoreResult<Option<Phrasing>> {
        let mut tx = self.pool.begin().await?;
        let Some(before) = sqlx::query("SELECT entry_id, status FROM phrasings WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?
        else {
            return Ok(None);
        };
        let entry_id: String = before.try_get("entry_id")?;
        let was_indexed = before.try_get::<String, _>("status")? != "removed";
        let now = now_ms();
        sqlx::query("UPDATE phrasings SET status = $1, reviewed_by = $2, reviewed_at = $3 WHERE id = $4")
            .bind(status)
            .bind(reviewer)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if was_indexed != (status != "removed") {
            log_entry_change(&mut tx, &entry_id, now).await?;
        }
        tx.commit().await?;
        self.phrasing(id).await
    }

    /// Removes the unreviewed phrasings a question gave through « Ça répond » (its asker changed
    /// their mind); returns how many.
    pub async fn withdraw_helpful_phrasings(&self, question_id: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query("SELECT entry_id FROM phrasings WHERE question_id = $1 AND source = 'helpful' AND status = 'new'")
            .bind(question_id)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let now = now_ms();
        sqlx::query("UPDATE phrasings SET status = 'removed', reviewed_at = $1 WHERE question_id = $2 AND source = 'helpful' AND status = 'new'")
            .bind(now)
            .bind(question_id)
            .execute(&mut *tx)
            .await?;
        for row in &rows {
            log_entry_change(&mut tx, &row.try_get::<String, _>("entry_id")?, now).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// A phrasing by id.
    pub async fn phrasing(&self, id: i64) -> StoreResult<Option<Phrasing>> {
        let row = sqlx::query(&format!("{SELECT} WHERE p.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(phrasing).transpose()
    }

    /// Every phrasing of an entry (removed ones too), newest first.
    pub async fn entry_phrasings(&self, entry_id: &str) -> StoreResult<Vec<Phrasing>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE p.entry_id = $1 ORDER BY p.id DESC"))
            .bind(entry_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(phrasing).collect()
    }

    /// Phrasings with a given status across entries, newest first.
    pub async fn phrasings_with_status(&self, status: &str, limit: i64) -> StoreResult<Vec<Phrasing>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE p.status = $1 ORDER BY p.id DESC LIMIT $2"))
            .bind(status)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(phrasing).collect()
    }

    /// The indexed (not removed) phrasings of one entry, oldest first.
    pub async fn indexed_phrasings_of(&self, entry_id: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT text FROM phrasings WHERE entry_id = $1 AND status <> 'removed' ORDER BY id")
            .bind(entry_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("text")?)).collect()
    }

    /// Every indexed phrasing by entry (for a full index rebuild).
    pub async fn indexed_phrasings(&self) -> StoreResult<HashMap<String, Vec<String>>> {
        let rows = sqlx::query("SELECT entry_id, text FROM phrasings WHERE status <> 'removed' ORDER BY id").fetch_all(&self.pool).await?;
        let mut by_entry: HashMap<String, Vec<String>> = HashMap::new();
        for row in &rows {
            by_entry.entry(row.try_get("entry_id")?).or_default().push(row.try_get("text")?);
        }
        Ok(by_entry)
    }

    /// Articles whose learned phrasings changed after `seq` (minus the replay overlap), once
    /// each with their last change's sequence, in change order.
    pub async fn article_changes_since(&self, seq: i64) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT article_slug, MAX(seq) AS seq FROM index_changes WHERE seq > $1 AND article_slug IS NOT NULL \
             GROUP BY article_slug ORDER BY MAX(seq)",
        )
        .bind(seq - super::answers::REPLAY_OVERLAP)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("seq")?, r.try_get("article_slug")?))).collect()
    }

    /// How often an entry was served (answered, or confirmed with « Oui ») and received.
    pub async fn entry_usage(&self, entry_id: &str) -> StoreResult<EntryUsage> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS served, \
             COALESCE(SUM(CASE WHEN feedback = 'helpful' THEN 1 ELSE 0 END), 0) AS helpful, \
             COALESCE(SUM(CASE WHEN feedback = 'unhelpful' THEN 1 ELSE 0 END), 0) AS unhelpful \
             FROM questions WHERE top_id = $1 AND (decision = 'answer' OR confirmation = 'yes')",
        )
        .bind(entry_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(EntryUsage { served: row.try_get("served")?, helpful: row.try_get("helpful")?, unhelpful: row.try_get("unhelpful")? })
    }
}
