//! Expert answers, their versions, and the ordered log of changes the search index replays.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::tickets::AnswerWrite;
use super::{ExpertAnswer, NewNotification, Store, StoreError, StoreResult, from_ms, now_ms};

const SELECT: &str = "SELECT a.id, a.ticket_id, a.author_id, u.name AS author_name, a.status, a.version, a.text, \
    a.question, a.theme, a.updated_at FROM answers a JOIN users u ON u.id = a.author_id";

/// One version of an expert answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnswerVersion {
    /// 1, 2, …
    pub version: i64,
    /// Its text (redacted).
    pub text: String,
    /// Who wrote it.
    pub author_name: String,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// PostgreSQL sequences may commit out of order: replaying this many changes before the last
/// one applied makes sure none is skipped (re-applying is harmless).
pub(super) const REPLAY_OVERLAP: i64 = 64;

fn answer(row: &AnyRow) -> StoreResult<ExpertAnswer> {
    Ok(ExpertAnswer {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        status: row.try_get("status")?,
        version: row.try_get("version")?,
        text: row.try_get("text")?,
        question: row.try_get("question")?,
        theme: row.try_get("theme")?,
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

/// An answer change to replay into the index.
#[derive(Debug, Clone)]
pub struct AnswerChange {
    /// Sequence number of the change.
    pub seq: i64,
    /// The answer as it is now (its status says whether to index or remove it).
    pub answer: ExpertAnswer,
}

pub(super) async fn log_change(tx: &mut Transaction<'_, Any>, answer_id: i64, now: i64) -> StoreResult<()> {
    let row = sqlx::query("INSERT INTO index_changes (answer_id, created_at) VALUES ($1, $2) RETURNING seq")
        .bind(answer_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
    super::changes::notify(tx, row.try_get("seq")?).await
}

async fn add_version(tx: &mut Transaction<'_, Any>, answer_id: i64, version: i64, text: &str, author_id: i64, now: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO answer_versions (answer_id, version, text, author_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(answer_id)
        .bind(version)
        .bind(text)
        .bind(author_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Writes the answer of a ticket inside a ticket change: a new answer, or (after a reopen)
    /// a new published version of the existing one.
    pub(super) async fn write_answer(&self, tx: &mut Transaction<'_, Any>, ticket_id: i64, a: &AnswerWrite, now: i64) -> StoreResult<(i64, i64)> {
        let existing = sqlx::query("SELECT id, version FROM answers WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_optional(&mut **tx)
            .await?;
        let (id, version) = match existing {
            Some(row) => {
                let id: i64 = row.try_get("id")?;
                let version: i64 = row.try_get::<i64, _>("version")? + 1;
                sqlx::query(
                    "UPDATE answers SET author_id = $1, status = 'published', version = $2, text = $3, updated_at = $4 WHERE id = $5",
                )
                .bind(a.author_id)
                .bind(version)
                .bind(&a.text)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?;
                (id, version)
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO answers (ticket_id, author_id, status, version, text, question, theme, created_at, updated_at) \
                     VALUES ($1, $2, 'published', 1, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(ticket_id)
                .bind(a.author_id)
                .bind(&a.text)
                .bind(&a.question)
                .bind(a.theme.as_deref())
                .bind(now)
                .fetch_one(&mut **tx)
                .await?;
                (row.try_get("id")?, 1)
            }
        };
        add_version(tx, id, version, &a.text, a.author_id, now).await?;
        log_change(tx, id, now).await?;
        Ok((id, version))
    }

    /// A new version of an answer, if it is still at `expected_version`.
    pub async fn edit_answer(
        &self,
        answer_id: i64,
        expected_version: i64,
        author_id: i64,
        text: &str,
        notifications: &[NewNotification],
    ) -> StoreResult<i64> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let version = expected_version + 1;
        let done = sqlx::query(
            "UPDATE answers SET author_id = $1, version = $2, text = $3, status = 'published', updated_at = $4 \
             WHERE id = $5 AND version = $6",
        )
        .bind(author_id)
        .bind(version)
        .bind(text)
        .bind(now)
        .bind(answer_id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        add_version(&mut tx, answer_id, version, text, author_id, now).await?;
        log_change(&mut tx, answer_id, now).await?;
        self.answer_event(&mut tx, answer_id, author_id, "answer_edited", &format!("version {version}"), now).await?;
        super::tickets::notify(&mut tx, notifications, now).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Retires an answer: it disappears from search but stays in the history.
    pub async fn retire_answer(&self, answer_id: i64, actor_id: i64, reason: Option<&str>) -> StoreResult<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE answers SET status = 'retired', version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'published'",
        )
        .bind(now)
        .bind(answer_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        log_change(&mut tx, answer_id, now).await?;
        self.answer_event(&mut tx, answer_id, actor_id, "answer_retired", reason.unwrap_or(""), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn answer_event(&self, tx: &mut Transaction<'_, Any>, answer_id: i64, actor_id: i64, kind: &str, detail: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, actor_id, kind, detail, created_at) \
             SELECT ticket_id, $1, $2, $3, $4 FROM answers WHERE id = $5",
        )
        .bind(actor_id)
        .bind(kind)
        .bind(detail)
        .bind(now)
        .bind(answer_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// An answer by id.
    pub async fn answer(&self, id: i64) -> StoreResult<Option<ExpertAnswer>> {
        let row = sqlx::query(&format!("{SELECT} WHERE a.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(answer).transpose()
    }

    /// Every version of an answer, oldest first.
    pub async fn answer_versions(&self, answer_id: i64) -> StoreResult<Vec<AnswerVersion>> {
        let rows = sqlx::query(
            "SELECT v.version, v.text, u.name AS author_name, v.created_at FROM answer_versions v JOIN users u ON u.id = v.author_id \
             WHERE v.answer_id = $1 ORDER BY v.version",
        )
        .bind(answer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AnswerVersion {
                    version: r.try_get("version")?,
                    text: r.try_get("text")?,
                    author_name: r.try_get("author_name")?,
                    created_at: super::from_ms(r.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// The answer of a ticket, if any.
    pub async fn answer_for_ticket(&self, ticket_id: i64) -> StoreResult<Option<ExpertAnswer>> {
        let row = sqlx::query(&format!("{SELECT} WHERE a.ticket_id = $1"))
            .bind(ticket_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(answer).transpose()
    }

    /// Every published answer and the last change sequence (for a full index rebuild).
    pub async fn published_answers(&self) -> StoreResult<(Vec<ExpertAnswer>, i64)> {
        let mut tx = self.pool.begin().await?;
        let seq_row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM index_changes").fetch_one(&mut *tx).await?;
        let rows = sqlx::query(&format!("{SELECT} WHERE a.status = 'published' ORDER BY a.id")).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let answers = rows.iter().map(answer).collect::<StoreResult<Vec<_>>>()?;
        Ok((answers, seq_row.try_get("seq")?))
    }

    /// Answers changed after `seq` (minus a safety overlap), once each, in change order.
    pub async fn answer_changes_since(&self, seq: i64) -> StoreResult<Vec<AnswerChange>> {
        let rows = sqlx::query("SELECT c.seq, a.id, a.ticket_id, a.author_id, u.name AS author_name, a.status, a.version, a.text, a.question, \
             a.theme, a.updated_at FROM (SELECT answer_id, MAX(seq) AS seq FROM index_changes WHERE seq > $1 AND answer_id IS NOT NULL GROUP BY answer_id) c \
             JOIN answers a ON a.id = c.answer_id JOIN users u ON u.id = a.author_id ORDER BY c.seq")
        .bind(seq - REPLAY_OVERLAP)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(AnswerChange { seq: r.try_get("seq")?, answer: answer(r)? })).collect()
    }

    /// The last change sequence.
    pub async fn last_answer_change(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM index_changes").fetch_one(&self.pool).await?;
        Ok(row.try_get("seq")?)
    }
}
