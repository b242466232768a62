//! The service: what every adapter calls. Asking (recorded), feedback and escalation live here;
//! the expert desk is in `desk.rs`, keeping the index in step with the database in `sync.rs`.

use chrono::{Duration, Utc};
use serde::Serialize;

use super::bot::{AskError, Bot};
use super::error::{DeskError, DeskResult};
use super::notify::Outbox;
use super::redact::strip_placeholders;
use super::reply::BotReply;
use super::roles::Role;
use crate::config::Settings;
use crate::store::{NewQuestion, NewTicket, NewUser, Origin, QuestionRecord, Stats, Store, User};

/// Similarity above which an escalation proposes to join an open ticket instead.
const SIMILAR_TICKET: f32 = 0.6;
/// Similarity above which the desk lists a pending ticket as a possible duplicate.
const DESK_SIMILAR_TICKET: f32 = 0.3;

/// The core service, shared by the CLI, Discord and the web (cheap to clone).
#[derive(Clone)]
pub struct Service {
    pub(super) bot: Bot,
    pub(super) store: Store,
    pub(super) outbox: Outbox,
    pub(super) settings: Settings,
    pub(super) sync_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// What this process last put in (or out of) the index for each entry it changed, by index id.
    pub(super) applied: std::sync::Arc<tokio::sync::Mutex<std::collections::HashMap<String, super::sync::EntryState>>>,
}

/// A question answered (or not) by the bot, and recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Asked {
    /// Id of the recorded question (to escalate it or give feedback).
    pub question_id: i64,
    /// The bot's reply.
    #[serde(flatten)]
    pub reply: BotReply,
}

/// What to do when a close open ticket exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalateMode {
    /// Propose the close tickets rather than open a twin.
    Propose,
    /// Open a new ticket regardless.
    New,
    /// Join this ticket.
    Join(i64),
}

/// A pending ticket close to a question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimilarTicket {
    /// Ticket id.
    pub ticket_id: i64,
    /// Its question.
    pub subject: String,
    /// Similarity in [0,1].
    pub similarity: f32,
}

/// The result of an escalation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Escalation {
    /// A new ticket.
    Opened {
        /// Its id.
        ticket_id: i64,
    },
    /// The question joined an existing ticket.
    Joined {
        /// Its id.
        ticket_id: i64,
    },
    /// Already escalated earlier.
    Already {
        /// Its ticket.
        ticket_id: i64,
    },
    /// Close tickets exist: nothing was done; ask again with `Join` or `New`.
    Proposed {
        /// The close tickets, closest first.
        similar: Vec<SimilarTicket>,
    },
}

/// What follows the asker's answer to the bot's « did you mean ».
#[derive(Debug, Clone)]
pub enum Confirmed {
    /// « Oui »: the article, as an answer.
    Answered(Box<BotReply>),
    /// « Non »: the question went to the experts (or close tickets are proposed).
    Escalated(Escalation),
}

impl Escalation {
    /// The ticket the question is now in, if any.
    pub fn ticket_id(&self) -> Option<i64> {
        match self {
            Escalation::Opened { ticket_id } | Escalation::Joined { ticket_id } | Escalation::Already { ticket_id } => {
                Some(*ticket_id)
            }
            Escalation::Proposed { .. } => None,
        }
    }
}

impl Service {
    /// A service over a bot and a store.
    pub fn new(bot: Bot, store: Store, settings: Settings) -> Self {
        let outbox = Outbox { discord: settings.discord.token.is_set() };
        Service { bot, store, outbox, settings, sync_lock: Default::default(), applied: Default::default() }
    }

    /// The bot (search and decision only).
    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A user by display name.
    pub async fn user_named(&self, name: &str) -> DeskResult<User> {
        self.store
            .user_by_name(name)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("Aucun utilisateur ne s'appelle « {name} » : créez-le avec `svp users add`.")))
    }

    /// Creates a user.
    pub async fn add_user(&self, new: NewUser) -> DeskResult<User> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(DeskError::Forbidden("Le nom doit faire entre 1 et 80 caractères.".into()));
        }
        Ok(self.store.create_user(&new).await?)
    }

    /// The user behind a Discord account, created on first sight. `role`, when known (from the
    /// member's Discord roles), is authoritative and updates the stored one.
    pub async fn discord_user(&self, discord_id: &str, display_name: &str, role: Option<Role>) -> DeskResult<User> {
        if let Some(user) = self.store.user_by_discord(discord_id).await? {
            return match role {
                Some(role) if role != user.role => {
                    self.store.set_user_role(user.id, role).await?;
                    Ok(User { role, ..user })
                }
                _ => Ok(user),
            };
        }
        let base: String = display_name.trim().chars().filter(|c| !c.is_control()).take(60).collect();
        let base = if base.is_empty() { "Utilisateur Discord".to_string() } else { base };
        let suffix: String = discord_id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        for name in [base.clone(), format!("{base} ({suffix})"), format!("{base} ({discord_id})")] {
            let new = NewUser { name, role: role.unwrap_or(Role::Staff), site: None, discord_id: Some(discord_id.to_string()) };
            match self.store.create_user(&new).await {
                Ok(user) => return Ok(user),
                Err(crate::store::StoreError::Duplicate(_)) => {
                    // Taken name, or the same account created concurrently: look again.
                    if let Some(user) = self.store.user_by_discord(discord_id).await? {
                        return Ok(user);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Forbidden("Impossible de créer votre compte SVP : contactez un responsable.".into()))
    }

    /// Records where a question's conversation continues (e.g. the Discord thread created for it).
    pub async fn set_question_channel(&self, question_id: i64, channel: &str) -> DeskResult<()> {
        self.store.set_question_channel(question_id, channel).await?;
        Ok(())
    }

    /// A ticket with everything its card shows (for adapters rendering the experts' view).
    pub async fn ticket_card(&self, ticket_id: i64) -> DeskResult<super::TicketDetail> {
        let ticket = self
            .store
            .ticket(ticket_id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("Le ticket #{ticket_id} n'existe pas.")))?;
        Ok(super::TicketDetail {
            question: self.store.question(ticket.question_id).await?,
            events: self.store.ticket_events(ticket_id).await?,
            answer: self.store.answer_for_ticket(ticket_id).await?,
            followers: self.store.followers(ticket_id).await?.len(),
            ticket,
        })
    }

    /// Asks the bot and records the question with its decision.
    pub async fn ask(&self, asker: &User, text: &str, origin: Origin) -> DeskResult<Asked> {
        let limit = self.settings.limits.asks_per_minute;
        let since = (Utc::now() - Duration::minutes(1)).timestamp_millis();
        if limit > 0 && self.store.questions_since(asker.id, since).await? >= i64::from(limit) {
            return Err(DeskError::RateLimited(limit));
        }
        let started = std::time::Instant::now();
        let reply = match self.bot.reply(text, crate::app::today()) {
            Ok(r) => r,
            Err(AskError::Invalid(e)) => return Err(e.into()),
            Err(AskError::Search(e)) => return Err(DeskError::Unavailable(e)),
        };
        let top = match (&reply.answer, reply.hits.first()) {
            (Some(card), _) => Some((card.id.clone(), card.kind.as_str().to_string(), card.title.clone(), card.theme.clone())),
            (None, Some(hit)) => Some((hit.slug.clone(), hit.kind.as_str().to_string(), hit.title.clone(), self.theme_of(&hit.slug))),
            (None, None) => None,
        };
        let question = NewQuestion {
            asker_id: Some(asker.id),
            text: reply.question.clone(),
            origin,
            site: asker.site.clone(),
            decision: reply.decision.as_str().to_string(),
            confidence: reply.confidence,
            reason: reply.reason.clone(),
            top,
            hits_json: serde_json::to_string(&reply.hits.iter().take(4).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into()),
            redactions_json: reply.redaction_notice.as_ref().map(|n| serde_json::to_string(n).unwrap_or_default()),
        };
        let question_id = self.store.record_question(&question).await?;
        metrics::histogram!("svp_ask_seconds").record(started.elapsed().as_secs_f64());
        metrics::counter!("svp_asks_total", "decision" => reply.decision.as_str()).increment(1);
        Ok(Asked { question_id, reply })
    }

    fn theme_of(&self, id: &str) -> String {
        self.bot.kb().article(id).map(|a| a.theme.clone()).unwrap_or_default()
    }

    /// The asker's feedback on an answer: "ça répond" (`true`) or "ça ne répond pas".
    pub async fn feedback(&self, actor: &User, question_id: i64, helpful: bool) -> DeskResult<()> {
        let question = self.own_question(actor, question_id).await?;
        self.store.set_feedback(question.id, if helpful { "helpful" } else { "unhelpful" }).await?;
        if helpful {
            self.learn_from(&question, super::learning::Confirmation::Helpful).await;
        } else {
            self.unlearn_from(&question).await;
        }
        Ok(())
    }

    /// The asker's answer to « Votre question porte-t-elle sur … ? ». « Oui » shows the article
    /// and counts the question as answered by the bot after confirmation; « Non » passes it to
    /// the experts (proposing close tickets first) with the bot's guess in the ticket's history.
    pub async fn confirm(&self, actor: &User, question_id: i64, yes: bool) -> DeskResult<Confirmed> {
        let question = self.own_question(actor, question_id).await?;
        let no_guess = || DeskError::NotFound(format!("La question n° {question_id} n'a pas de réponse à confirmer."));
        let top = question.top_id.clone().ok_or_else(no_guess)?;
        let first = self.store.set_confirmation(question_id, if yes { "yes" } else { "no" }).await?;
        if yes && first {
            self.learn_from(&question, super::learning::Confirmation::Confirmed).await;
        }
        if yes {
            let reply = match top.strip_prefix("answer-").and_then(|n| n.parse::<i64>().ok()) {
                Some(answer_id) => {
                    let answer = self.store.answer(answer_id).await?.filter(|a| a.status == "published");
                    self.bot.expert_reply(&answer.ok_or_else(|| DeskError::NotFound("Cette réponse d'expert a été retirée.".into()))?)
                }
                None => self
                    .bot
                    .article_reply(&top, crate::app::today())
                    .ok_or_else(|| DeskError::NotFound(format!("La fiche « {top} » n'est plus publiée.")))?,
            };
            Ok(Confirmed::Answered(Box::new(reply)))
        } else {
            Ok(Confirmed::Escalated(self.escalate(actor, question_id, EscalateMode::Propose).await?))
        }
    }

    async fn own_question(&self, actor: &User, question_id: i64) -> DeskResult<QuestionRecord> {
        let question = self
            .store
            .question(question_id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("La question n° {question_id} n'existe pas.")))?;
        if question.asker_id != Some(actor.id) && actor.role != Role::Expert {
            return Err(DeskError::Forbidden("Seule la personne qui a posé cette question peut faire cela.".into()));
        }
        Ok(question)
    }

    /// Passes a question to the experts: opens a ticket, joins one, or proposes close ones.
    ///
    /// An expert may pass on someone else's question: the ticket is the asker's, the history
    /// says who opened it. Staff join only a ticket the core proposed as close to their
    /// question. When two escalations of one question race, the second is told which ticket
    /// the question is already in.
    pub async fn escalate(&self, actor: &User, question_id: i64, mode: EscalateMode) -> DeskResult<Escalation> {
        let question = self.own_question(actor, question_id).await?;
        if let Some(ticket_id) = question.ticket_id {
            return Ok(Escalation::Already { ticket_id });
        }
        let result = self.escalate_unlinked(actor, &question, mode).await;
        match &result {
            Ok(Escalation::Opened { .. }) => metrics::counter!("svp_escalations_total", "to" => "new").increment(1),
            Ok(Escalation::Joined { .. }) => metrics::counter!("svp_escalations_total", "to" => "joined").increment(1),
            _ => {}
        }
        match result {
            // The question was linked meanwhile (a store conflict): say where it went.
            Err(DeskError::Busy) => match self.store.question(question_id).await?.and_then(|q| q.ticket_id) {
                Some(ticket_id) => Ok(Escalation::Already { ticket_id }),
                None => Err(DeskError::Busy),
            },
            other => other,
        }
    }

    async fn escalate_unlinked(&self, actor: &User, question: &QuestionRecord, mode: EscalateMode) -> DeskResult<Escalation> {
        let question_id = question.id;
        // The question's asker follows the ticket, whoever passes it on.
        let asker_id = question.asker_id.or(Some(actor.id));
        match mode {
            EscalateMode::Join(ticket_id) => {
                let ticket = self
                    .store
                    .ticket(ticket_id)
                    .await?
                    .ok_or_else(|| DeskError::NotFound(format!("Le ticket #{ticket_id} n'existe pas.")))?;
                if !actor.role.can_work_tickets() && !self.similar_tickets(&question.text).await?.iter().any(|t| t.ticket_id == ticket_id) {
                    return Err(DeskError::Forbidden(format!(
                        "Le ticket #{ticket_id} ne fait pas partie des demandes proches de votre question : \
                         transmettez-la plutôt comme une nouvelle demande."
                    )));
                }
                if !ticket.status.is_pending() && ticket.status != super::tickets::TicketStatus::Answered {
                    return Err(DeskError::Forbidden(format!(
                        "Le ticket #{ticket_id} est {} : ouvrez plutôt une nouvelle demande.",
                        ticket.status.label()
                    )));
                }
                let mut notes: Vec<_> = self.outbox.card(ticket_id).into_iter().collect();
                if ticket.status == super::tickets::TicketStatus::Answered {
                    // Joining an answered ticket: the answer is owed at once.
                    if let Some(answer) = self.store.answer_for_ticket(ticket_id).await? {
                        let asker = match asker_id {
                            Some(id) if id != actor.id => self.store.user(id).await?,
                            _ => Some(actor.clone()),
                        };
                        let follower = crate::store::Follower {
                            ticket_id,
                            question_id,
                            user_id: asker_id,
                            discord_id: asker.and_then(|a| a.discord_id),
                            transport: question.origin.transport.clone(),
                            channel: question.origin.channel.clone(),
                            question: question.text.clone(),
                        };
                        notes.extend(self.outbox.answer_to_followers(&[follower], ticket_id, &answer.text, &answer.author_name));
                    }
                }
                self.store.join_ticket(ticket_id, question_id, asker_id, &notes).await?;
                Ok(Escalation::Joined { ticket_id })
            }
            EscalateMode::Propose | EscalateMode::New => {
                if mode == EscalateMode::Propose {
                    let similar = self.similar_tickets(&question.text).await?;
                    if !similar.is_empty() {
                        return Ok(Escalation::Proposed { similar });
                    }
                }
                let mut details = Vec::new();
                if question.confirmation.as_deref() == Some("no") {
                    details.push(format!(
                        "le bot proposait « {} », la personne a répondu que non",
                        question.top_title.clone().unwrap_or_default()
                    ));
                }
                if question.feedback.as_deref() == Some("unhelpful") {
                    details.push(format!(
                        "après une réponse jugée insuffisante ({})",
                        question.top_title.clone().unwrap_or_default()
                    ));
                }
                if asker_id != Some(actor.id) {
                    details.push(format!("transmise par {}", actor.name));
                }
                let detail = (!details.is_empty()).then(|| details.join(" ; "));
                let new = NewTicket {
                    question_id,
                    asker_id,
                    opened_by: Some(actor.id),
                    subject: question.text.clone(),
                    priority: "normal".into(),
                    theme: question.theme.clone().filter(|t| !t.is_empty()),
                    detail,
                };
                let outbox = self.outbox;
                let ticket_id = self.store.open_ticket(&new, |id| outbox.card(id).into_iter().collect()).await?;
                Ok(Escalation::Opened { ticket_id })
            }
        }
    }

    /// Pending tickets whose question is very close to `text`.
    async fn similar_tickets(&self, text: &str) -> DeskResult<Vec<SimilarTicket>> {
        self.close_pending(text, SIMILAR_TICKET, 3).await
    }

    /// Other pending tickets close to ticket `ticket_id`'s question, closest first, for the
    /// expert deciding whether it is a duplicate (a looser bar than the askers' proposal).
    /// Experts and managers only.
    pub async fn similar_pending(&self, actor: &User, ticket_id: i64) -> DeskResult<Vec<SimilarTicket>> {
        if !actor.role.can_see_reports() {
            self.require_expert(actor)?;
        }
        let Some(ticket) = self.store.ticket(ticket_id).await? else { return Ok(Vec::new()) };
        let mut close = self.close_pending(&ticket.subject, DESK_SIMILAR_TICKET, 6).await?;
        close.retain(|s| s.ticket_id != ticket_id);
        close.truncate(5);
        Ok(close)
    }

    /// Pending tickets at least `min` similar to `text`, closest first, at most `limit`.
    async fn close_pending(&self, text: &str, min: f32, limit: usize) -> DeskResult<Vec<SimilarTicket>> {
        let pending = self.store.pending_subjects(500).await?;
        let mine = self.bot.index().term_weights(&strip_placeholders(text));
        let mut similar: Vec<SimilarTicket> = pending
            .into_iter()
            .map(|(ticket_id, subject)| {
                let theirs = self.bot.index().term_weights(&strip_placeholders(&subject));
                SimilarTicket { ticket_id, similarity: weighted_jaccard(&mine, &theirs), subject }
            })
            .filter(|s| s.similarity >= min)
            .collect();
        similar.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        similar.truncate(limit);
        Ok(similar)
    }

    /// Expires the messages owed to people no chat channel reaches (web inbox) that waited
    /// longer than `limits.web_message_retention_days`: nothing stays pending forever.
    /// Returns how many expired.
    pub async fn expire_undeliverable(&self) -> DeskResult<u64> {
        let days = i64::from(self.settings.limits.web_message_retention_days);
        let before = (Utc::now() - Duration::days(days)).timestamp_millis();
        Ok(self.store.expire_notifications(super::notify::WEB, before).await?)
    }

    /// Queues the managers' weekly digest when the last one is a week old (or there was none),
    /// once whatever the number of instances. Returns whether this call queued it. Only with a
    /// Discord managers' channel configured.
    pub async fn digest_if_due(&self) -> DeskResult<bool> {
        if !(self.outbox.discord && self.settings.discord.managers_channel_id.is_some()) {
            return Ok(false);
        }
        let week = Duration::days(7).num_milliseconds();
        let now = Utc::now().timestamp_millis();
        if self.store.last_queued("digest").await?.is_some_and(|at| now - at < week) {
            return Ok(false);
        }
        // Several instances may get here at once: one of them queues it.
        if !self.store.claim_scheduled_run("digest", week).await? {
            return Ok(false);
        }
        let message = super::notify::Message::Digest { days: 7 };
        let note = crate::store::NewNotification {
            kind: message.kind().into(),
            ticket_id: None,
            recipient_id: None,
            channel: super::notify::DISCORD.into(),
            payload: serde_json::to_string(&message).map_err(|e| DeskError::Unavailable(e.into()))?,
        };
        self.store.enqueue(&[note]).await?;
        Ok(true)
    }

    /// Statistics over the last `days` days (managers only).
    pub async fn stats(&self, actor: &User, days: i64) -> DeskResult<Stats> {
        if !actor.role.can_see_reports() {
            return Err(DeskError::Forbidden("Les statistiques sont réservées aux responsables.".into()));
        }
        let to = Utc::now();
        Ok(self.store.stats(to - Duration::days(days.clamp(1, 3660)), to, 5).await?)
    }
}

/// Σ weights of shared terms / Σ weights of all terms.
fn weighted_jaccard(a: &std::collections::HashMap<String, f32>, b: &std::collections::HashMap<String, f32>) -> f32 {
    let mut shared = 0.0;
    let mut total = 0.0;
    for (term, w) in a {
        if b.contains_key(term) {
            shared += w;
        }
        total += w;
    }
    for (term, w) in b {
        if !a.contains_key(term) {
            total += w;
        }
    }
    if total > 0.0 { shared / total } else { 0.0 }
}
