//! The expert desk: claim, clarify, reply, answer, merge, close, reopen; edit and retire answers.
//!
//! Each action reads the ticket, asks the state machine ([`super::tickets::check`]), then applies
//! the change in one transaction conditioned on the version it read. When someone else changed
//! the ticket meanwhile, it reads again and re-checks, so the loser of a race gets the real
//! reason ("déjà pris en charge par …") and nothing is half-applied.

use serde::Serialize;

use super::error::{DeskError, DeskResult};
use super::notify::Message;
use super::question;
use super::service::Service;
use super::tickets::{self, Action, Actor, TicketState, TicketStatus};
use crate::store::{
    AnswerWrite, ExpertAnswer, Follower, NewNotification, QuestionRecord, StoreError, Ticket, TicketEvent, TicketUpdate,
    User,
};

/// How many times an action is retried when the ticket changes under it.
const ATTEMPTS: usize = 5;

/// A ticket with everything the desk shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: Ticket,
    /// The question that opened it, with what the bot tried.
    pub question: Option<QuestionRecord>,
    /// Its audit trail.
    pub events: Vec<TicketEvent>,
    /// Its answer, if any.
    pub answer: Option<ExpertAnswer>,
    /// How many people wait for the answer (this ticket and its duplicates).
    pub followers: usize,
}

/// An action and its payload.
enum Act<'a> {
    Simple(Action),
    Clarify(&'a str),
    Reply(&'a str),
    Answer(&'a str),
    /// Mark as a duplicate of the ticket; `true` overrides another expert's claim.
    Merge(&'a Ticket, bool),
    Reopen(Option<&'a str>),
    /// Close, with a reason for the askers when there is no answer; `true` overrides another
    /// expert's claim.
    Close(Option<&'a str>, bool),
}

/// What an expert may add when closing a ticket.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloseOptions<'a> {
    /// Why, for the askers when the ticket has no answer (a default sentence otherwise).
    pub reason: Option<&'a str>,
    /// Close a ticket another expert holds (recorded in the history).
    pub override_claim: bool,
}

/// Events done by askers (their names are hidden from other askers).
const ASKER_EVENTS: &[&str] = &["opened", "joined", "asker_replied", "reopened"];
/// Events whose text the experts addressed to every follower.
const TO_EVERY_FOLLOWER: &[&str] = &["clarification_requested", "closed"];

/// Removes who asked (name, site) from a ticket shown to another asker.
fn hide_askers(ticket: &mut Ticket) {
    ticket.asker_name = None;
    ticket.site = None;
}

impl Service {
    fn not_found(ticket_id: i64) -> DeskError {
        DeskError::NotFound(format!("Le ticket #{ticket_id} n'existe pas."))
    }

    async fn load(&self, ticket_id: i64) -> DeskResult<Ticket> {
        self.store.ticket(ticket_id).await?.ok_or_else(|| Self::not_found(ticket_id))
    }

    /// A ticket with its question, history and answer. Staff see only the tickets they follow,
    /// and only a published answer; one who joined another's ticket sees its subject, its answer,
    /// the history's steps and what the experts addressed to every follower (requests for
    /// precision, the reason for closing), but not who the other askers are, their question
    /// record nor their exchanges.
    pub async fn ticket_detail(&self, actor: &User, ticket_id: i64) -> DeskResult<TicketDetail> {
        let mut detail = self.ticket_card(ticket_id).await?;
        if !actor.role.can_work_tickets() && !actor.role.can_see_reports() {
            let followers = self.store.followers(ticket_id).await?;
            if !followers.iter().any(|f| f.user_id == Some(actor.id)) {
                return Err(DeskError::Forbidden(format!("Le ticket #{ticket_id} n'est pas une de vos demandes.")));
            }
            detail.answer = detail.answer.filter(|a| a.status == "published");
            if detail.ticket.asker_id != Some(actor.id) {
                detail.question = None;
                hide_askers(&mut detail.ticket);
                for event in detail.events.iter_mut().filter(|e| e.actor_id != Some(actor.id)) {
                    if ASKER_EVENTS.contains(&event.kind.as_str()) {
                        event.actor_name = None;
                    }
                    if !TO_EVERY_FOLLOWER.contains(&event.kind.as_str()) {
                        event.detail = None;
                    }
                }
            }
        }
        Ok(detail)
    }

    /// Refuses, with the core's polite message, a user who may not work tickets (adapters ask
    /// before opening an expert form).
    pub fn require_expert(&self, actor: &User) -> DeskResult<()> {
        if actor.role.can_work_tickets() {
            Ok(())
        } else {
            Err(tickets::Refusal::Forbidden(tickets::expert_only_message(actor.role)).into())
        }
    }

    /// Tickets with one of `statuses` (all when empty), oldest first, at most `limit`. Staff see
    /// only the tickets they asked or joined (filtered before the limit), without the name and
    /// site of another asker.
    pub async fn tickets(&self, actor: &User, statuses: &[TicketStatus], limit: i64) -> DeskResult<Vec<Ticket>> {
        let everyone = actor.role.can_work_tickets() || actor.role.can_see_reports();
        let mut tickets = self.store.list_tickets(statuses, (!everyone).then_some(actor.id), limit).await?;
        if !everyone {
            tickets.iter_mut().filter(|t| t.asker_id != Some(actor.id)).for_each(hide_askers);
        }
        Ok(tickets)
    }

    /// What redaction removes from `text` before it is stored, as a French sentence for its
    /// author (`None` when nothing is removed): adapters show it beside their confirmation of an
    /// answer, a clarification, a reply or an edit.
    pub fn privacy_notice(&self, text: &str) -> Option<String> {
        self.bot().redactor().redact(text).notice()
    }

    /// An expert takes a ticket.
    pub async fn claim(&self, actor: &User, ticket_id: i64) -> DeskResult<Ticket> {
        self.act(actor, ticket_id, Act::Simple(Action::Claim)).await
    }

    /// The expert who has a ticket gives it back to the queue.
    pub async fn release(&self, actor: &User, ticket_id: i64) -> DeskResult<Ticket> {
        self.act(actor, ticket_id, Act::Simple(Action::Release)).await
    }

    /// An expert asks the asker a question; the ticket waits for the reply.
    pub async fn clarify(&self, actor: &User, ticket_id: i64, text: &str) -> DeskResult<Ticket> {
        self.act(actor, ticket_id, Act::Clarify(text)).await
    }

    /// The asker's reply to a clarification joins the ticket.
    pub async fn reply(&self, actor: &User, ticket_id: i64, text: &str) -> DeskResult<Ticket> {
        self.act(actor, ticket_id, Act::Reply(text)).await
    }

    /// An expert answers: the answer is committed, indexed, and owed to every asker.
    pub async fn answer(&self, actor: &User, ticket_id: i64, text: &str) -> DeskResult<Ticket> {
        let ticket = self.act(actor, ticket_id, Act::Answer(text)).await?;
        self.sync_index_logged().await;
        Ok(ticket)
    }

    /// An expert closes a ticket (refused when another expert holds it).
    pub async fn close(&self, actor: &User, ticket_id: i64) -> DeskResult<Ticket> {
        self.close_with(actor, ticket_id, CloseOptions::default()).await
    }

    /// An expert closes a ticket, with a reason and, if need be, overriding another expert's
    /// claim. Askers of a ticket closed without an answer are told why, in French.
    pub async fn close_with(&self, actor: &User, ticket_id: i64, options: CloseOptions<'_>) -> DeskResult<Ticket> {
        self.act(actor, ticket_id, Act::Close(options.reason, options.override_claim)).await
    }

    /// An expert, or the asker, reopens a ticket.
    pub async fn reopen(&self, actor: &User, ticket_id: i64, reason: Option<&str>) -> DeskResult<Ticket> {
        self.act(actor, ticket_id, Act::Reopen(reason)).await
    }

    /// An expert marks `ticket_id` as a duplicate of `of`: its askers get `of`'s answer
    /// (refused when another expert holds `ticket_id`).
    pub async fn merge(&self, actor: &User, ticket_id: i64, of: i64) -> DeskResult<Ticket> {
        self.merge_with(actor, ticket_id, of, false).await
    }

    /// [`Service::merge`], overriding another expert's claim when `override_claim` (recorded in
    /// the history). Tickets already merged into `ticket_id` follow it to the main ticket.
    pub async fn merge_with(&self, actor: &User, ticket_id: i64, of: i64, override_claim: bool) -> DeskResult<Ticket> {
        let mut target = self.load(of).await?;
        // Follow a chain of duplicates to the main ticket.
        for _ in 0..8 {
            match target.duplicate_of {
                Some(next) if target.status == TicketStatus::Merged => target = self.load(next).await?,
                _ => break,
            }
        }
        if target.id == ticket_id {
            return Err(DeskError::Forbidden(format!("Un ticket ne peut pas être le doublon de lui-même (#{ticket_id}).")));
        }
        if target.status == TicketStatus::Closed && target.answered_at.is_none() {
            return Err(DeskError::Forbidden(format!(
                "Le ticket #{} est fermé sans réponse : rouvrez-le ou choisissez un autre ticket.",
                target.id
            )));
        }
        self.act(actor, ticket_id, Act::Merge(&target, override_claim)).await
    }

    async fn act(&self, actor: &User, ticket_id: i64, act: Act<'_>) -> DeskResult<Ticket> {
        let action = match &act {
            Act::Simple(a) => *a,
            Act::Clarify(_) => Action::Clarify,
            Act::Reply(_) => Action::Reply,
            Act::Answer(_) => Action::Answer,
            Act::Merge(..) => Action::Merge,
            Act::Reopen(_) => Action::Reopen,
            Act::Close(..) => Action::Close,
        };
        let max = self.settings.limits.max_answer_chars;
        let text = match &act {
            Act::Clarify(t) | Act::Reply(t) | Act::Answer(t) => Some(self.bot().redactor().redact(&question::clean(t, max, true)?).text),
            Act::Reopen(Some(t)) | Act::Close(Some(t), _) => {
                Some(self.bot().redactor().redact(&question::clean(t, max, false)?).text)
            }
            _ => None,
        };
        let override_claim = matches!(act, Act::Merge(_, true) | Act::Close(_, true));
        let me = Actor { id: actor.id, name: &actor.name, role: actor.role };
        for _ in 0..ATTEMPTS {
            let ticket = self.load(ticket_id).await?;
            let followers = self.store.followers(ticket_id).await?;
            let state = TicketState {
                id: ticket.id,
                status: ticket.status,
                assignee: ticket.assignee_id.zip(ticket.assignee_name.as_deref()),
                actor_follows: followers.iter().any(|f| f.user_id == Some(actor.id) && f.ticket_id == ticket_id),
                override_claim,
            };
            let next = tickets::check(&state, &me, action)?;
            let (duplicate_of, mut detail) = match &act {
                Act::Merge(target, _) => (Some(target.id), Some(format!("doublon de #{}", target.id))),
                _ => (if next.status == TicketStatus::Open { None } else { ticket.duplicate_of }, text.clone()),
            };
            // An override is recorded with whom it overrode.
            if let Some(holder) = ticket.assignee_name.as_deref().filter(|_| override_claim && ticket.assignee_id != Some(actor.id)) {
                let note = format!("en passant outre la prise en charge de {holder}");
                detail = Some(detail.map_or(note.clone(), |d| format!("{d} ({note})")));
            }
            let update = TicketUpdate {
                ticket_id,
                expected_version: ticket.version,
                status: next.status,
                assignee_id: next.assignee,
                duplicate_of,
                actor_id: Some(actor.id),
                event: action.event().to_string(),
                detail,
            };
            let answer = match (&act, &text) {
                (Act::Answer(_), Some(t)) => Some(AnswerWrite {
                    author_id: actor.id,
                    text: t.clone(),
                    question: ticket.subject.clone(),
                    theme: ticket.theme.clone(),
                }),
                _ => None,
            };
            let notes = self.notes_for(&act, &ticket, &followers, actor, text.as_deref()).await?;
            match self.store.update_ticket(&update, answer.as_ref(), |_| notes).await {
                Ok(_) => return self.load(ticket_id).await,
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Busy)
    }

    /// The messages an action owes, committed with it.
    async fn notes_for(
        &self,
        act: &Act<'_>,
        ticket: &Ticket,
        followers: &[Follower],
        actor: &User,
        text: Option<&str>,
    ) -> DeskResult<Vec<NewNotification>> {
        let mut notes: Vec<NewNotification> = self.outbox.card(ticket.id).into_iter().collect();
        let text = text.unwrap_or_default();
        match act {
            Act::Answer(_) => {
                notes.extend(self.outbox.answer_to_followers(followers, ticket.id, text, &actor.name));
            }
            Act::Clarify(_) => {
                for f in followers.iter().filter(|f| f.ticket_id == ticket.id) {
                    let message = Message::Clarification {
                        ticket_id: ticket.id,
                        question_id: f.question_id,
                        question: f.question.clone(),
                        text: text.to_string(),
                        expert: actor.name.clone(),
                        transport: f.transport.clone(),
                        channel: f.channel.clone(),
                    };
                    notes.push(self.outbox.to_user(f.user_id, f.discord_id.is_some(), ticket.id, &message));
                }
            }
            Act::Reply(_) => {
                if let Some(expert_id) = ticket.assignee_id {
                    let expert = self.store.user(expert_id).await?;
                    let message = Message::AskerReplied { ticket_id: ticket.id, text: text.to_string(), asker: actor.name.clone() };
                    let has_discord = expert.as_ref().is_some_and(|e| e.discord_id.is_some());
                    notes.push(self.outbox.to_user(Some(expert_id), has_discord, ticket.id, &message));
                }
            }
            Act::Merge(target, _) => {
                notes.extend(self.outbox.card(target.id));
                if let Some(answer) = self.store.answer_for_ticket(target.id).await?.filter(|a| a.status == "published") {
                    // The main ticket is already answered: this ticket's askers get the answer now.
                    notes.extend(self.outbox.answer_to_followers(followers, target.id, &answer.text, &answer.author_name));
                }
            }
            Act::Close(..) if ticket.answered_at.is_none() => {
                // Closed without an answer: every asker is told why, never left waiting.
                let reason = if text.is_empty() {
                    "Les experts ont clos cette demande sans réponse écrite : elle ne relève pas du service ou a été \
                     traitée autrement. Vous pouvez la rouvrir si besoin."
                } else {
                    text
                };
                for f in followers {
                    let message = Message::Closed {
                        ticket_id: ticket.id,
                        question_id: f.question_id,
                        question: f.question.clone(),
                        reason: reason.to_string(),
                        expert: actor.name.clone(),
                        transport: f.transport.clone(),
                        channel: f.channel.clone(),
                    };
                    notes.push(self.outbox.to_user(f.user_id, f.discord_id.is_some(), ticket.id, &message));
                }
            }
            Act::Simple(_) | Act::Reopen(_) | Act::Close(..) => {}
        }
        Ok(notes)
    }

    /// Publishes `text` for a ticket: its answer, or, when it has one already, a new version of
    /// it (experts only). Returns whether it was a new version.
    pub async fn publish_answer(&self, actor: &User, ticket_id: i64, text: &str) -> DeskResult<bool> {
        self.require_expert(actor)?;
        match self.store.answer_for_ticket(ticket_id).await? {
            Some(answer) => self.edit_answer(actor, answer.id, text).await.map(|_| true),
            None => self.answer(actor, ticket_id, text).await.map(|_| false),
        }
    }

    /// Every version of an expert answer, oldest first (experts only: a version may have been
    /// replaced for a reason).
    pub async fn answer_versions(&self, actor: &User, answer_id: i64) -> DeskResult<Vec<crate::store::AnswerVersion>> {
        self.require_expert(actor)?;
        Ok(self.store.answer_versions(answer_id).await?)
    }

    /// A new version of an expert answer (experts only); searchable on return.
    pub async fn edit_answer(&self, actor: &User, answer_id: i64, text: &str) -> DeskResult<ExpertAnswer> {
        if !actor.role.can_work_tickets() {
            return Err(DeskError::Forbidden("Seuls les experts peuvent modifier une réponse.".into()));
        }
        let text = self.bot().redactor().redact(&question::clean(text, self.settings.limits.max_answer_chars, true)?).text;
        let answer = self.answer_record(answer_id).await?;
        let notes: Vec<NewNotification> = self.outbox.card(answer.ticket_id).into_iter().collect();
        self.store.edit_answer(answer_id, answer.version, actor.id, &text, &notes).await?;
        self.sync_index_logged().await;
        self.answer_record(answer_id).await
    }

    /// Retires an expert answer (experts only): it leaves search at once, history is kept.
    pub async fn retire_answer(&self, actor: &User, answer_id: i64, reason: Option<&str>) -> DeskResult<ExpertAnswer> {
        if !actor.role.can_work_tickets() {
            return Err(DeskError::Forbidden("Seuls les experts peuvent retirer une réponse.".into()));
        }
        self.answer_record(answer_id).await?;
        let reason = reason.map(|r| self.bot().redactor().redact(r).text);
        if !self.store.retire_answer(answer_id, actor.id, reason.as_deref()).await? {
            return Err(DeskError::Forbidden(format!("La réponse n° {answer_id} est déjà retirée.")));
        }
        self.sync_index_logged().await;
        self.answer_record(answer_id).await
    }

    async fn answer_record(&self, answer_id: i64) -> DeskResult<ExpertAnswer> {
        self.store
            .answer(answer_id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("La réponse n° {answer_id} n'existe pas.")))
    }
}
