//! Tickets, their followers and their audit trail. Every change is one transaction: the
//! ticket row (conditioned on its version), the event, the notifications and, for an answer,
//! the answer and its index change.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{
    NewNotification, Store, StoreError, StoreResult, Ticket, TicketEvent, TicketUpdate, from_ms, now_ms,
};
use crate::core::tickets::TicketStatus;

const SELECT: &str = "SELECT t.id, t.question_id, t.asker_id, a.name AS asker_name, a.site AS site, t.subject, \
    t.status, t.priority, t.theme, t.assignee_id, e.name AS assignee_name, t.duplicate_of, t.card_ref, t.version, \
    t.created_at, t.updated_at, t.answered_at \
    FROM tickets t LEFT JOIN users a ON a.id = t.asker_id LEFT JOIN users e ON e.id = t.assignee_id";

fn ticket(row: &AnyRow) -> StoreResult<Ticket> {
    let status: String = row.try_get("status")?;
    let answered_at: Option<i64> = row.try_get("answered_at")?;
    Ok(Ticket {
        id: row.try_get("id")?,
        question_id: row.try_get("question_id")?,
        asker_id: row.try_get("asker_id")?,
        asker_name: row.try_get("asker_name")?,
        site: row.try_get("site")?,
        subject: row.try_get("subject")?,
        status: status.parse().map_err(|e: String| anyhow::anyhow!(e))?,
        priority: row.try_get("priority")?,
        theme: row.try_get("theme")?,
        assignee_id: row.try_get("assignee_id")?,
        assignee_name: row.try_get("assignee_name")?,
        duplicate_of: row.try_get("duplicate_of")?,
        card_ref: row.try_get("card_ref")?,
        version: row.try_get("version")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        answered_at: answered_at.map(from_ms),
    })
}

/// The experts' queue, as [`Store::queue_tickets`] filters it.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueQuery<'a> {
    /// Statuses shown (all when empty).
    pub statuses: &'a [TicketStatus],
    /// Theme id.
    pub theme: Option<&'a str>,
    /// Asker's site.
    pub site: Option<&'a str>,
    /// Opened at or before this time, in ms since the epoch.
    pub created_before_ms: Option<i64>,
    /// Held by this expert.
    pub assignee: Option<i64>,
    /// Tickets skipped.
    pub offset: i64,
    /// Tickets returned, at most.
    pub limit: i64,
}

/// A ticket to open.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// The question that opens it.
    pub question_id: i64,
    /// Who asked (the question's asker, who follows the ticket).
    pub asker_id: Option<i64>,
    /// Who opened it (the asker, or an expert who passed the question on), for the history.
    pub opened_by: Option<i64>,
    /// Redacted question text.
    pub subject: String,
    /// `normal` or `urgent`.
    pub priority: String,
    /// Theme.
    pub theme: Option<String>,
    /// Event detail (e.g. "after unhelpful answer").
    pub detail: Option<String>,
}

/// Someone waiting for a ticket's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follower {
    /// The ticket they follow (the merged duplicate, for followers of duplicates).
    pub ticket_id: i64,
    /// Their question.
    pub question_id: i64,
    /// The user, when known.
    pub user_id: Option<i64>,
    /// Their Discord id, when linked.
    pub discord_id: Option<String>,
    /// Where they asked.
    pub transport: String,
    /// The channel or thread they asked in.
    pub channel: Option<String>,
    /// Their (redacted) question.
    pub question: String,
}

/// An answer written with a ticket change.
#[derive(Debug, Clone)]
pub struct AnswerWrite {
    /// Expert.
    pub author_id: i64,
    /// Redacted answer text.
    pub text: String,
    /// Redacted question it answers.
    pub question: String,
    /// Theme.
    pub theme: Option<String>,
}

async fn event(tx: &mut Transaction<'_, Any>, ticket_id: i64, actor_id: Option<i64>, kind: &str, detail: Option<&str>, now: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO ticket_events (ticket_id, actor_id, kind, detail, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(ticket_id)
        .bind(actor_id)
        .bind(kind)
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn notify(tx: &mut Transaction<'_, Any>, notifications: &[NewNotification], now: i64) -> StoreResult<()> {
    for n in notifications {
        sqlx::query(
            "INSERT INTO outbox (kind, ticket_id, recipient_id, channel, payload, status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
        )
        .bind(&n.kind)
        .bind(n.ticket_id)
        .bind(n.recipient_id)
        .bind(&n.channel)
        .bind(&n.payload)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Opens a ticket for a question: the ticket, its first follower, the `opened` event, the
    /// question's link and the notifications `notify_with(ticket_id)` returns, in one transaction.
    pub async fn open_ticket(
        &self,
        new: &NewTicket,
        notify_with: impl FnOnce(i64) -> Vec<NewNotification>,
    ) -> StoreResult<i64> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO tickets (question_id, asker_id, subject, status, priority, theme, version, created_at, updated_at) \
             VALUES ($1, $2, $3, 'open', $4, $5, 0, $6, $6) RETURNING id",
        )
        .bind(new.question_id)
        .bind(new.asker_id)
        .bind(&new.subject)
        .bind(&new.priority)
        .bind(new.theme.as_deref())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        self.follow(&mut tx, id, new.question_id, new.asker_id, now).await?;
        event(&mut tx, id, new.opened_by, "opened", new.detail.as_deref(), now).await?;
        notify(&mut tx, &notify_with(id), now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a question (and its asker) to an existing ticket.
    pub async fn join_ticket(
        &self,
        ticket_id: i64,
        question_id: i64,
        user_id: Option<i64>,
        notifications: &[NewNotification],
    ) -> StoreResult<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        self.follow(&mut tx, ticket_id, question_id, user_id, now).await?;
        event(&mut tx, ticket_id, user_id, "joined", Some(&format!("question {question_id}")), now).await?;
        notify(&mut tx, notifications, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn follow(&self, tx: &mut Transaction<'_, Any>, ticket_id: i64, question_id: i64, user_id: Option<i64>, now: i64) -> StoreResult<()> {
        let linked = sqlx::query("UPDATE questions SET ticket_id = $1 WHERE id = $2 AND ticket_id IS NULL")
            .bind(ticket_id)
            .bind(question_id)
            .execute(&mut **tx)
            .await?;
        if linked.rows_affected() != 1 {
            // Already escalated (or unknown): refuse rather than link one question twice.
            return Err(StoreError::Conflict);
        }
        sqlx::query("INSERT INTO ticket_followers (ticket_id, question_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(ticket_id)
            .bind(question_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// A ticket by id.
    pub async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
        let row = sqlx::query(&format!("{SELECT} WHERE t.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(ticket).transpose()
    }

    /// Tickets with one of `statuses` (all when empty), oldest first, at most `limit`; with
    /// `follower`, only the tickets that user asked or joined.
    pub async fn list_tickets(&self, statuses: &[TicketStatus], follower: Option<i64>, limit: i64) -> StoreResult<Vec<Ticket>> {
        let mut filters = Vec::new();
        if !statuses.is_empty() {
            let list: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
            filters.push(format!("t.status IN ({})", list.join(", ")));
        }
        if follower.is_some() {
            // Filtered in the query, before the limit: a staff member's own tickets are never
            // crowded out by everyone else's.
            filters.push(
                "(t.asker_id = $2 OR EXISTS (SELECT 1 FROM ticket_followers f WHERE f.ticket_id = t.id AND f.user_id = $2))"
                    .to_string(),
            );
        }
        let filter = if filters.is_empty() { String::new() } else { format!(" WHERE {}", filters.join(" AND ")) };
        let sql = format!("{SELECT}{filter} ORDER BY t.created_at, t.id LIMIT $1");
        let mut query = sqlx::query(&sql).bind(limit);
        if let Some(user) = follower {
            query = query.bind(user);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(ticket).collect()
    }

    /// The experts' queue: tickets with one of `q.statuses` (all when empty) and the optional
    /// filters, oldest first, `q.limit` of them after skipping `q.offset`. Filtered in SQL, so a
    /// page costs the same with ten or ten thousand open tickets.
    pub async fn queue_tickets(&self, q: &QueueQuery<'_>) -> StoreResult<Vec<Ticket>> {
        enum Bind<'b> {
            Text(&'b str),
            Int(i64),
        }
        let mut filters = Vec::new();
        let mut binds = Vec::new();
        if !q.statuses.is_empty() {
            let list: Vec<String> = q.statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
            filters.push(format!("t.status IN ({})", list.join(", ")));
        }
        if let Some(theme) = q.theme {
            binds.push(Bind::Text(theme));
            filters.push(format!("t.theme = ${}", binds.len()));
        }
        if let Some(site) = q.site {
            binds.push(Bind::Text(site));
            filters.push(format!("a.site = ${}", binds.len()));
        }
        if let Some(before) = q.created_before_ms {
            binds.push(Bind::Int(before));
            filters.push(format!("t.created_at <= ${}", binds.len()));
        }
        if let Some(assignee) = q.assignee {
            binds.push(Bind::Int(assignee));
            filters.push(format!("t.assignee_id = ${}", binds.len()));
        }
        let filter = if filters.is_empty() { String::new() } else { format!(" WHERE {}", filters.join(" AND ")) };
        let sql = format!("{SELECT}{filter} ORDER BY t.created_at, t.id LIMIT ${} OFFSET ${}", binds.len() + 1, binds.len() + 2);
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        let rows = query.bind(q.limit).bind(q.offset).fetch_all(&self.pool).await?;
        rows.iter().map(ticket).collect()
    }

    /// The audit trail of a ticket, oldest first.
    pub async fn ticket_events(&self, ticket_id: i64) -> StoreResult<Vec<TicketEvent>> {
        let rows = sqlx::query(
            "SELECT v.id, v.actor_id, u.name AS actor_name, v.kind, v.detail, v.created_at \
             FROM ticket_events v LEFT JOIN users u ON u.id = v.actor_id WHERE v.ticket_id = $1 ORDER BY v.id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TicketEvent {
                    id: r.try_get("id")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    kind: r.try_get("kind")?,
                    detail: r.try_get("detail")?,
                    created_at: from_ms(r.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// Everyone waiting for the answer of `ticket_id`: its followers and those of the tickets
    /// merged into it.
    pub async fn followers(&self, ticket_id: i64) -> StoreResult<Vec<Follower>> {
        let rows = sqlx::query(
            "SELECT f.ticket_id, f.question_id, f.user_id, u.discord_id, q.transport, q.channel, q.text AS question \
             FROM ticket_followers f JOIN questions q ON q.id = f.question_id LEFT JOIN users u ON u.id = f.user_id \
             WHERE f.ticket_id = $1 OR f.ticket_id IN (SELECT id FROM tickets WHERE duplicate_of = $1) \
             ORDER BY f.created_at, f.question_id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Follower {
                    ticket_id: r.try_get("ticket_id")?,
                    question_id: r.try_get("question_id")?,
                    user_id: r.try_get("user_id")?,
                    discord_id: r.try_get("discord_id")?,
                    transport: r.try_get("transport")?,
                    channel: r.try_get("channel")?,
                    question: r.try_get("question")?,
                })
            })
            .collect()
    }

    /// Applies a ticket change if the ticket is still at `expected_version`, with its event,
    /// its notifications and, when given, the answer (new or a new version) and its index
    /// change. Returns the answer id and version written, if any.
    /// [`StoreError::Conflict`] when someone changed the ticket meanwhile: nothing is applied.
    pub async fn update_ticket(
        &self,
        update: &TicketUpdate,
        answer: Option<&AnswerWrite>,
        notify_with: impl FnOnce(Option<(i64, i64)>) -> Vec<NewNotification>,
    ) -> StoreResult<Option<(i64, i64)>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let status = update.status.as_str();
        let done = sqlx::query(
            "UPDATE tickets SET status = $1, assignee_id = $2, duplicate_of = $3, version = version + 1, updated_at = $4, \
             claimed_at = CASE WHEN $1 = 'claimed' AND claimed_at IS NULL THEN $4 ELSE claimed_at END, \
             answered_at = CASE WHEN $1 = 'answered' AND answered_at IS NULL THEN $4 ELSE answered_at END, \
             closed_at = CASE WHEN $1 = 'closed' THEN $4 ELSE closed_at END \
             WHERE id = $5 AND version = $6",
        )
        .bind(status)
        .bind(update.assignee_id)
        .bind(update.duplicate_of)
        .bind(now)
        .bind(update.ticket_id)
        .bind(update.expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        if let (TicketStatus::Merged, Some(main)) = (update.status, update.duplicate_of) {
            // A duplicate of a duplicate: the tickets merged into this one now point to the main
            // ticket, so that its answer reaches every asker of the chain.
            sqlx::query("UPDATE tickets SET duplicate_of = $1, version = version + 1, updated_at = $2 WHERE duplicate_of = $3")
                .bind(main)
                .bind(now)
                .bind(update.ticket_id)
                .execute(&mut *tx)
                .await?;
        }
        event(&mut tx, update.ticket_id, update.actor_id, &update.event, update.detail.as_deref(), now).await?;
        let written = match answer {
            Some(a) => Some(self.write_answer(&mut tx, update.ticket_id, a, now).await?),
            None => None,
        };
        notify(&mut tx, &notify_with(written), now).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Records where a ticket's card was posted (transport-specific reference).
    pub async fn set_card_ref(&self, ticket_id: i64, card_ref: &str) -> StoreResult<()> {
        sqlx::query("UPDATE tickets SET card_ref = $1 WHERE id = $2")
            .bind(card_ref)
            .bind(ticket_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Tickets still waiting for an answer, with their subject (for duplicate detection).
    pub async fn pending_subjects(&self, limit: i64) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT id, subject FROM tickets WHERE status IN ('open', 'claimed', 'waiting') ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("subject")?))).collect()
    }

    /// Number of tickets.
    pub async fn count_tickets(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tickets").fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }
}
