//! Records as the store returns them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::core::roles::Role;
use crate::core::tickets::TicketStatus;

/// A person using SVP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Display name (unique).
    pub name: String,
    /// Role.
    pub role: Role,
    /// Site (centre, service) they work at.
    pub site: Option<String>,
    /// Discord user id, when linked.
    pub discord_id: Option<String>,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Site.
    pub site: Option<String>,
    /// Discord user id.
    pub discord_id: Option<String>,
}

/// Where a question came from and where to answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Origin {
    /// `cli`, `discord` or `web`.
    pub transport: String,
    /// Transport-specific place to reply (a Discord channel or thread id), if any.
    pub channel: Option<String>,
}

/// A question to record (already redacted).
#[derive(Debug, Clone)]
pub struct NewQuestion {
    /// Who asked.
    pub asker_id: Option<i64>,
    /// Redacted text.
    pub text: String,
    /// Where from.
    pub origin: Origin,
    /// Asker's site.
    pub site: Option<String>,
    /// `answer` or `escalate`.
    pub decision: String,
    /// Confidence.
    pub confidence: f64,
    /// Why (French).
    pub reason: String,
    /// Best hit: id, kind, title, theme.
    pub top: Option<(String, String, String, String)>,
    /// JSON of the hits shown.
    pub hits_json: String,
    /// JSON of what was redacted.
    pub redactions_json: Option<String>,
}

/// A recorded question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionRecord {
    /// Id.
    pub id: i64,
    /// Asker.
    pub asker_id: Option<i64>,
    /// Redacted text.
    pub text: String,
    /// Where from.
    pub origin: Origin,
    /// Site.
    pub site: Option<String>,
    /// Decision taken.
    pub decision: String,
    /// Confidence.
    pub confidence: f64,
    /// Why.
    pub reason: String,
    /// Best hit id.
    pub top_id: Option<String>,
    /// Best hit kind.
    pub top_kind: Option<String>,
    /// Best hit title.
    pub top_title: Option<String>,
    /// Theme of the best hit.
    pub theme: Option<String>,
    /// Hits shown (JSON).
    pub hits_json: String,
    /// `helpful` or `unhelpful`.
    pub feedback: Option<String>,
    /// The asker's answer to the bot's « did you mean » (`yes` or `no`), if asked.
    pub confirmation: Option<String>,
    /// Ticket the question went to.
    pub ticket_id: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A ticket, with the names the desk shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    /// Id.
    pub id: i64,
    /// The question that opened it.
    pub question_id: i64,
    /// Who asked.
    pub asker_id: Option<i64>,
    /// Asker's display name.
    pub asker_name: Option<String>,
    /// Asker's site.
    pub site: Option<String>,
    /// Redacted question.
    pub subject: String,
    /// Status.
    pub status: TicketStatus,
    /// `normal` or `urgent`.
    pub priority: String,
    /// Theme (from the bot's best guess).
    pub theme: Option<String>,
    /// Expert who has it.
    pub assignee_id: Option<i64>,
    /// Their name.
    pub assignee_name: Option<String>,
    /// The ticket this one duplicates.
    pub duplicate_of: Option<i64>,
    /// Transport reference of the ticket's card (e.g. Discord channel/message ids).
    pub card_ref: Option<String>,
    /// Optimistic-concurrency version, bumped by every change.
    pub version: i64,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First answered.
    pub answered_at: Option<DateTime<Utc>>,
}

/// One entry of a ticket's audit trail.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketEvent {
    /// Id.
    pub id: i64,
    /// Who.
    pub actor_id: Option<i64>,
    /// Their name.
    pub actor_name: Option<String>,
    /// What (`opened`, `claimed`, `answered`…).
    pub kind: String,
    /// Details (redacted text of a clarification, a reply, a merge target…).
    pub detail: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A change of a ticket to apply atomically, conditioned on its version.
#[derive(Debug, Clone)]
pub struct TicketUpdate {
    /// Ticket id.
    pub ticket_id: i64,
    /// The version read before deciding.
    pub expected_version: i64,
    /// New status.
    pub status: TicketStatus,
    /// New assignee.
    pub assignee_id: Option<i64>,
    /// New duplicate-of.
    pub duplicate_of: Option<i64>,
    /// Who acts.
    pub actor_id: Option<i64>,
    /// Event name.
    pub event: String,
    /// Event detail.
    pub detail: Option<String>,
}

/// An expert answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExpertAnswer {
    /// Id.
    pub id: i64,
    /// Ticket it answers.
    pub ticket_id: i64,
    /// Author of the current version.
    pub author_id: i64,
    /// Author's name.
    pub author_name: String,
    /// `published` or `retired`.
    pub status: String,
    /// Current version.
    pub version: i64,
    /// Current text.
    pub text: String,
    /// The (redacted) question it answers.
    pub question: String,
    /// Theme.
    pub theme: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A message to deliver.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// What kind (`ticket_card`, `answer`, `clarification`, `reply`…).
    pub kind: String,
    /// About which ticket.
    pub ticket_id: Option<i64>,
    /// To whom (none for channel posts such as ticket cards).
    pub recipient_id: Option<i64>,
    /// Delivery channel: `discord` or `web`.
    pub channel: String,
    /// JSON payload for the adapter.
    pub payload: String,
}

/// A message owed, as the sender sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Ticket.
    pub ticket_id: Option<i64>,
    /// Recipient.
    pub recipient_id: Option<i64>,
    /// Recipient's Discord id, if any.
    pub recipient_discord_id: Option<String>,
    /// Channel.
    pub channel: String,
    /// JSON payload.
    pub payload: String,
    /// Attempts so far.
    pub attempts: i64,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// The current claim's owner token (set by [`Store::claim_notifications`]).
    pub lease: Option<String>,
    /// Where it was delivered (Discord: `channel:message`), once sent.
    pub delivered_ref: Option<String>,
}
