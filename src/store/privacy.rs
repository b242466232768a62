//! Stored texts for `svp privacy rescan`: reading every free text column in batches, replacing
//! a text only if nobody changed it meanwhile, and the rules version stored texts went through.

use sqlx::Row;

use super::{Store, StoreResult, now_ms};

/// A column of free text that may hold personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextColumn {
    /// `questions.text`.
    QuestionText,
    /// `tickets.subject`.
    TicketSubject,
    /// `ticket_events.detail` (clarifications, replies, answers, reasons).
    TicketEventDetail,
    /// `answers.text` (the published version: re-indexed when it changes).
    AnswerText,
    /// `answers.question` (indexed with the answer).
    AnswerQuestion,
    /// `answer_versions.text`.
    AnswerVersionText,
    /// `outbox.payload` (JSON of the message owed).
    OutboxPayload,
    /// `phrasings.text` (indexed with its entry).
    PhrasingText,
}

impl TextColumn {
    /// Every column, in the order a rescan goes through them.
    pub const ALL: [TextColumn; 8] = [
        TextColumn::QuestionText,
        TextColumn::TicketSubject,
        TextColumn::TicketEventDetail,
        TextColumn::AnswerText,
        TextColumn::AnswerQuestion,
        TextColumn::AnswerVersionText,
        TextColumn::OutboxPayload,
        TextColumn::PhrasingText,
    ];

    /// `table.column`, for reports.
    pub fn name(self) -> &'static str {
        match self {
            TextColumn::QuestionText => "questions.text",
            TextColumn::TicketSubject => "tickets.subject",
            TextColumn::TicketEventDetail => "ticket_events.detail",
            TextColumn::AnswerText => "answers.text",
            TextColumn::AnswerQuestion => "answers.question",
            TextColumn::AnswerVersionText => "answer_versions.text",
            TextColumn::OutboxPayload => "outbox.payload",
            TextColumn::PhrasingText => "phrasings.text",
        }
    }

    /// (table, text column, first key, second key or `0`).
    fn sql(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            TextColumn::QuestionText => ("questions", "text", "id", "0"),
            TextColumn::TicketSubject => ("tickets", "subject", "id", "0"),
            TextColumn::TicketEventDetail => ("ticket_events", "detail", "id", "0"),
            TextColumn::AnswerText => ("answers", "text", "id", "0"),
            TextColumn::AnswerQuestion => ("answers", "question", "id", "0"),
            TextColumn::AnswerVersionText => ("answer_versions", "text", "answer_id", "version"),
            TextColumn::OutboxPayload => ("outbox", "payload", "id", "0"),
            TextColumn::PhrasingText => ("phrasings", "text", "id", "0"),
        }
    }
}

/// One stored text and its key.
#[derive(Debug, Clone)]
pub struct StoredText {
    /// Primary key (for `answer_versions`, the answer id).
    pub key: (i64, i64),
    /// The text.
    pub text: String,
}

impl Store {
    /// Up to `limit` texts of `column` with a key after `after`, in key order; empty when done.
    pub async fn stored_texts(&self, column: TextColumn, after: (i64, i64), limit: i64) -> StoreResult<Vec<StoredText>> {
        let (table, col, k1, k2) = column.sql();
        let sql = format!(
            "SELECT {k1} AS k1, CAST({k2} AS BIGINT) AS k2, {col} AS t FROM {table} \
             WHERE {col} IS NOT NULL AND ({k1} > $1 OR ({k1} = $1 AND {k2} > $2)) ORDER BY k1, k2 LIMIT $3"
        );
        let rows = sqlx::query(&sql).bind(after.0).bind(after.1).bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(StoredText { key: (r.try_get::<i64, _>("k1")?, r.try_get::<i64, _>("k2")?), text: r.try_get("t")? }))
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Replaces a stored text if it is still `old` (a concurrent edit wins; the next rescan
    /// sees it). A changed published answer or phrasing is logged for the index in the same
    /// transaction.
    /// Returns whether the row changed.
    pub async fn replace_stored_text(&self, column: TextColumn, key: (i64, i64), old: &str, new: &str) -> StoreResult<bool> {
        let (table, col, k1, k2) = column.sql();
        let mut tx = self.pool.begin().await?;
        let key_filter = if k2 == "0" { format!("{k1} = $2") } else { format!("{k1} = $2 AND {k2} = $4") };
        let sql = format!("UPDATE {table} SET {col} = $1 WHERE {key_filter} AND {col} = $3");
        let mut query = sqlx::query(&sql).bind(new).bind(key.0).bind(old);
        if k2 != "0" {
            query = query.bind(key.1);
        }
        let changed = query.execute(&mut *tx).await?.rows_affected() > 0;
        if changed && matches!(column, TextColumn::AnswerText | TextColumn::AnswerQuestion) {
            super::answers::log_change(&mut tx, key.0, now_ms()).await?;
        }
        if changed && column == TextColumn::PhrasingText {
            let row = sqlx::query("SELECT entry_id FROM phrasings WHERE id = $1").bind(key.0).fetch_one(&mut *tx).await?;
            super::phrasings::log_entry_change(&mut tx, &row.try_get::<String, _>("entry_id")?, now_ms()).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The version of the redaction rules stored texts went through. A database without the
    /// record gets `current` when it holds no question yet (everything will be redacted by the
    /// current rules), `1` otherwise (redacted by the rules before versions existed).
    pub async fn privacy_rules_version(&self, current: i64) -> StoreResult<i64> {
        if let Some(row) = sqlx::query("SELECT rules_version FROM privacy_state WHERE id = 1").fetch_optional(&self.pool).await? {
            return Ok(row.try_get("rules_version")?);
        }
        let any = sqlx::query("SELECT id FROM questions LIMIT 1").fetch_optional(&self.pool).await?.is_some();
        let version = if any { 1 } else { current };
        // Two processes starting at once: the first insert wins, the other reads it.
        let inserted = sqlx::query("INSERT INTO privacy_state (id, rules_version) VALUES (1, $1)")
            .bind(version)
            .execute(&self.pool)
            .await;
        match inserted {
            Ok(_) => Ok(version),
            Err(_) => {
                let row = sqlx::query("SELECT rules_version FROM privacy_state WHERE id = 1").fetch_one(&self.pool).await?;
                Ok(row.try_get("rules_version")?)
            }
        }
    }

    /// Records that every stored text went through rules `version`.
    pub async fn set_privacy_rules_version(&self, version: i64) -> StoreResult<()> {
        sqlx::query("UPDATE privacy_state SET rules_version = $1, rescanned_at = $2 WHERE id = 1")
            .bind(version)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
