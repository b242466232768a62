//! Questions: every ask, with the bot's decision and the asker's feedback.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{NewQuestion, Origin, QuestionRecord, Store, StoreResult, from_ms, now_ms};

const COLUMNS: &str = "id, asker_id, text, transport, channel, site, decision, confidence, reason, top_id, top_kind, \
                       top_title, theme, hits, feedback, confirmation, ticket_id, created_at";

fn question(row: &AnyRow) -> StoreResult<QuestionRecord> {
    Ok(QuestionRecord {
        id: row.try_get("id")?,
        asker_id: row.try_get("asker_id")?,
        text: row.try_get("text")?,
        origin: Origin { transport: row.try_get("transport")?, channel: row.try_get("channel")? },
        site: row.try_get("site")?,
        decision: row.try_get("decision")?,
        confidence: row.try_get("confidence")?,
        reason: row.try_get("reason")?,
        top_id: row.try_get("top_id")?,
        top_kind: row.try_get("top_kind")?,
        top_title: row.try_get("top_title")?,
        theme: row.try_get("theme")?,
        hits_json: row.try_get("hits")?,
        feedback: row.try_get("feedback")?,
        confirmation: row.try_get("confirmation")?,
        ticket_id: row.try_get("ticket_id")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

impl Store {
    /// Records a question and returns its id.
    pub async fn record_question(&self, q: &NewQuestion) -> StoreResult<i64> {
        let (top_id, top_kind, top_title, theme) = match &q.top {
            Some((a, b, c, d)) => (Some(a.as_str()), Some(b.as_str()), Some(c.as_str()), Some(d.as_str())),
            None => (None, None, None, None),
        };
        let _turn = self.write_turn().await;
        let row = sqlx::query(
            "INSERT INTO questions (asker_id, text, transport, channel, site, decision, confidence, reason, top_id, \
             top_kind, top_title, theme, hits, redactions, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(q.asker_id)
        .bind(&q.text)
        .bind(&q.origin.transport)
        .bind(q.origin.channel.as_deref())
        .bind(q.site.as_deref())
        .bind(&q.decision)
        .bind(q.confidence)
        .bind(&q.reason)
        .bind(top_id)
        .bind(top_kind)
        .bind(top_title)
        .bind(theme)
        .bind(&q.hits_json)
        .bind(q.redactions_json.as_deref())
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// A question by id.
    pub async fn question(&self, id: i64) -> StoreResult<Option<QuestionRecord>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM questions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(question).transpose()
    }

    /// The questions one user asked, newest first, at most `limit`.
    pub async fn questions_of(&self, asker_id: i64, limit: i64) -> StoreResult<Vec<QuestionRecord>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM questions WHERE asker_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"))
            .bind(asker_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(question).collect()
    }

    /// A fingerprint of what one asker's page shows: changes when any ticket they follow changes
    /// or a question of theirs is added (live updates compare it, in ms and counts).
    pub async fn asker_fingerprint(&self, user_id: i64) -> StoreResult<String> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM questions WHERE asker_id = $1) AS questions, \
             (SELECT COALESCE(MAX(t.updated_at), 0) FROM tickets t WHERE t.asker_id = $1 OR EXISTS \
               (SELECT 1 FROM ticket_followers f WHERE f.ticket_id = t.id AND f.user_id = $1)) AS tickets",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        let questions: i64 = row.try_get("questions")?;
        let tickets: i64 = row.try_get("tickets")?;
        Ok(format!("{questions}-{tickets}"))
    }

    /// A fingerprint of the whole desk: changes when any ticket changes or is opened.
    pub async fn desk_fingerprint(&self) -> StoreResult<String> {
        let row = sqlx::query("SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), 0) AS at, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS v FROM tickets")
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = row.try_get("n")?;
        let at: i64 = row.try_get("at")?;
        let v: i64 = row.try_get("v")?;
        Ok(format!("{n}-{at}-{v}"))
    }

    /// A fingerprint of one ticket: changes with any change to it (its version) or its answer.
    pub async fn ticket_fingerprint(&self, ticket_id: i64) -> StoreResult<String> {
        let row = sqlx::query(
            "SELECT t.version AS v, t.updated_at AS at, COALESCE((SELECT a.version FROM answers a WHERE a.ticket_id = t.id), 0) AS av \
             FROM tickets t WHERE t.id = $1",
        )
        .bind(ticket_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => format!("{}-{}-{}", r.try_get::<i64, _>("v")?, r.try_get::<i64, _>("at")?, r.try_get::<i64, _>("av")?),
            None => "none".into(),
        })
    }

    /// Records the asker's answer to the bot's « did you mean » (`yes` or `no`); the first
    /// answer stands. Returns whether it was recorded now.
    pub async fn set_confirmation(&self, question_id: i64, confirmation: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE questions SET confirmation = $1 WHERE id = $2 AND confirmation IS NULL")
            .bind(confirmation)
            .bind(question_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the asker's feedback (`helpful` or `unhelpful`); the latest click wins.
    pub async fn set_feedback(&self, question_id: i64, feedback: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE questions SET feedback = $1, feedback_at = $2 WHERE id = $3")
            .bind(feedback)
            .bind(now_ms())
            .bind(question_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records where a question's conversation continues.
    pub async fn set_question_channel(&self, question_id: i64, channel: &str) -> StoreResult<()> {
        sqlx::query("UPDATE questions SET channel = $1 WHERE id = $2").bind(channel).bind(question_id).execute(&self.pool).await?;
        Ok(())
    }

    /// How many questions `asker_id` asked since `since_ms` (rate limiting).
    pub async fn questions_since(&self, asker_id: i64, since_ms: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM questions WHERE asker_id = $1 AND created_at >= $2")
            .bind(asker_id)
            .bind(since_ms)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Number of recorded questions.
    pub async fn count_questions(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM questions").fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }
}
