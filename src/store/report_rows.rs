//! The rows manager reports are computed from: questions of a period with their ticket, and
//! tickets with the times of their first expert action and first answer. No asker is read.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreResult, from_ms};

/// One question, as reports see it (redacted text, never who asked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportQuestion {
    /// Its id.
    pub id: i64,
    /// Its text (redacted before it was stored).
    pub text: String,
    /// The asker's site, if known.
    pub site: Option<String>,
    /// The theme of the bot's first hit.
    pub theme: Option<String>,
    /// `answer` or `escalate`.
    pub decision: String,
    /// The bot's first hit (article slug or `answer-N`).
    pub top_id: Option<String>,
    /// Its title.
    pub top_title: Option<String>,
    /// `helpful`, `unhelpful`.
    pub feedback: Option<String>,
    /// `yes`, `no` (the asker's answer to « did you mean »).
    pub confirmation: Option<String>,
    /// The ticket it was passed to (opened or joined).
    pub ticket_id: Option<i64>,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
}

/// One ticket, as reports see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportTicket {
    /// Its id.
    pub id: i64,
    /// Its first question.
    pub question_id: i64,
    /// `open`, `claimed`, `waiting`, `answered`, `closed`, `merged`.
    pub status: String,
    /// Its theme.
    pub theme: Option<String>,
    /// The site of its first question.
    pub site: Option<String>,
    /// The expert who holds it.
    pub assignee: Option<String>,
    /// The ticket it was marked a duplicate of.
    pub duplicate_of: Option<i64>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// First claim, request for precision, answer or duplicate mark.
    pub first_action_at: Option<DateTime<Utc>>,
    /// First answer.
    pub first_answer_at: Option<DateTime<Utc>>,
    /// How many times it was reopened.
    pub reopens: i64,
    /// Its expert answer, if any: id and status (`published`, `retired`).
    pub answer: Option<(i64, String)>,
}

fn question(r: &AnyRow) -> StoreResult<ReportQuestion> {
    Ok(ReportQuestion {
        id: r.try_get("id")?,
        text: r.try_get("text")?,
        site: r.try_get("site")?,
        theme: r.try_get("theme")?,
        decision: r.try_get("decision")?,
        top_id: r.try_get("top_id")?,
        top_title: r.try_get("top_title")?,
        feedback: r.try_get("feedback")?,
        confirmation: r.try_get("confirmation")?,
        ticket_id: r.try_get("ticket_id")?,
        created_at: from_ms(r.try_get("created_at")?),
    })
}

const TICKET_SELECT: &str = "SELECT t.id, t.question_id, t.status, t.theme, q.site, u.name AS assignee, t.duplicate_of, t.created_at, \
    (SELECT MIN(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id \
        AND e.kind IN ('claimed', 'clarification_requested', 'answered', 'merged')) AS first_action_at, \
    (SELECT MIN(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'answered') AS first_answer_at, \
    (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'reopened') AS reopens, \
    a.id AS answer_id, a.status AS answer_status \
    FROM tickets t JOIN questions q ON q.id = t.question_id LEFT JOIN users u ON u.id = t.assignee_id \
    LEFT JOIN answers a ON a.ticket_id = t.id";

fn ticket(r: &AnyRow) -> StoreResult<ReportTicket> {
    let answer_id: Option<i64> = r.try_get("answer_id")?;
    let answer_status: Option<String> = r.try_get("answer_status")?;
    Ok(ReportTicket {
        id: r.try_get("id")?,
        question_id: r.try_get("question_id")?,
        status: r.try_get("status")?,
        theme: r.try_get("theme")?,
        site: r.try_get("site")?,
        assignee: r.try_get("assignee")?,
        duplicate_of: r.try_get("duplicate_of")?,
        created_at: from_ms(r.try_get("created_at")?),
        first_action_at: r.try_get::<Option<i64>, _>("first_action_at")?.map(from_ms),
        first_answer_at: r.try_get::<Option<i64>, _>("first_answer_at")?.map(from_ms),
        reopens: r.try_get("reopens")?,
        answer: answer_id.zip(answer_status),
    })
}

impl Store {
    /// Questions asked in `[from, to)`, oldest first.
    pub async fn report_questions(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<ReportQuestion>> {
        let rows = sqlx::query(
            "SELECT id, text, site, theme, decision, top_id, top_title, feedback, confirmation, ticket_id, created_at \
             FROM questions WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id",
        )
        .bind(from.timestamp_millis())
        .bind(to.timestamp_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(question).collect()
    }

    /// Tickets opened in `[from, to)`, and every ticket still waiting (whenever opened).
    pub async fn report_tickets(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<ReportTicket>> {
        let rows = sqlx::query(&format!(
            "{TICKET_SELECT} WHERE (t.created_at >= $1 AND t.created_at < $2) OR t.status IN ('open', 'claimed', 'waiting') ORDER BY t.id"
        ))
        .bind(from.timestamp_millis())
        .bind(to.timestamp_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ticket).collect()
    }
}
