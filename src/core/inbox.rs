//! « Mes questions »: what one asker sees of their questions and tickets, and the web inbox
//! (messages the outbox owes people no chat channel reaches are delivered by showing them here).

use serde::Serialize;

use super::error::DeskResult;
use super::notify::WEB;
use super::service::Service;
use super::tickets::TicketStatus;
use crate::store::{ExpertAnswer, QuestionRecord, Ticket, User};

/// One question of the asker, with where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyQuestion {
    /// The question as stored (redacted).
    pub question: QuestionRecord,
    /// Its ticket, when it went to the experts.
    pub ticket: Option<Ticket>,
    /// The expert answer, once published (the main ticket's, for a duplicate).
    pub answer: Option<ExpertAnswer>,
    /// The expert's pending request for a precision, while the ticket waits for the asker.
    pub clarification: Option<String>,
    /// Why the ticket was closed without an answer.
    pub closed_reason: Option<String>,
    /// A message about it arrived since the asker last looked.
    pub unread: bool,
}

impl Service {
    /// The `limit` latest questions of `actor`, newest first, with their tickets, answers and
    /// pending requests for precision. The web messages owed to `actor` are marked delivered:
    /// this page is where they are read.
    pub async fn my_questions(&self, actor: &User, limit: i64) -> DeskResult<Vec<MyQuestion>> {
        let pending: Vec<_> = self
            .store
            .notifications_for(actor.id, 200)
            .await?
            .into_iter()
            .filter(|n| n.channel == WEB && n.status == "pending")
            .collect();
        let mut out = Vec::new();
        for question in self.store.questions_of(actor.id, limit).await? {
            let mut item = MyQuestion { question, ticket: None, answer: None, clarification: None, closed_reason: None, unread: false };
            if let Some(ticket_id) = item.question.ticket_id {
                let detail = self.ticket_detail(actor, ticket_id).await?;
                let main = detail.ticket.duplicate_of.unwrap_or(ticket_id);
                item.answer = self.store.answer_for_ticket(main).await?.filter(|a| a.status == "published");
                if detail.ticket.status == TicketStatus::Waiting {
                    item.clarification = detail
                        .events
                        .iter()
                        .rev()
                        .find(|e| e.kind == "clarification_requested")
                        .and_then(|e| e.detail.clone());
                }
                if detail.ticket.status == TicketStatus::Closed && item.answer.is_none() {
                    item.closed_reason = detail.events.iter().rev().find(|e| e.kind == "closed").and_then(|e| e.detail.clone());
                }
                item.unread = pending.iter().any(|n| n.ticket_id == Some(ticket_id) || n.ticket_id == Some(main));
                item.ticket = Some(detail.ticket);
            }
            out.push(item);
        }
        for n in &pending {
            self.store.mark_sent(n.id, None, Some("web")).await?;
        }
        Ok(out)
    }

    /// Changes whenever what [`Service::my_questions`] shows may have changed (live updates).
    pub async fn my_questions_fingerprint(&self, actor: &User) -> DeskResult<String> {
        Ok(self.store.asker_fingerprint(actor.id).await?)
    }

    /// Changes whenever ticket `ticket_id` or its answer changes (experts and managers only).
    pub async fn ticket_fingerprint(&self, actor: &User, ticket_id: i64) -> DeskResult<String> {
        if !actor.role.can_see_reports() {
            self.require_expert(actor)?;
        }
        Ok(self.store.ticket_fingerprint(ticket_id).await?)
    }

    /// Changes whenever the desk's queue may have changed. Experts and managers only.
    pub async fn desk_fingerprint(&self, actor: &User) -> DeskResult<String> {
        if !actor.role.can_work_tickets() && !actor.role.can_see_reports() {
            self.require_expert(actor)?;
        }
        Ok(self.store.desk_fingerprint().await?)
    }
}
