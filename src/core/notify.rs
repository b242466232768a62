//! Messages the service owes people. They are written to the outbox in the same transaction as
//! the change that owes them; the adapters deliver them and retry until they succeed.

use serde::{Deserialize, Serialize};

use crate::store::{Follower, NewNotification};

/// Outbox channel of the Discord adapter.
pub const DISCORD: &str = "discord";
/// Outbox channel of the web inbox.
pub const WEB: &str = "web";

/// Tickets listed in one reminder, at most.
pub const REMINDER_TICKETS: usize = 15;

/// A ticket in a reminder: what the experts' channel shows of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingTicket {
    /// Ticket id.
    pub id: i64,
    /// Its (redacted) question.
    pub subject: String,
    /// When it was opened.
    pub opened: chrono::DateTime<chrono::Utc>,
    /// The expert who took it, if any.
    pub assignee: Option<String>,
}

/// A message, as stored in the outbox payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Post or refresh the card of a ticket in the experts' channel (rendered from the ticket's
    /// current state when sent, so the card always shows the truth).
    TicketCard {
        /// Ticket.
        ticket_id: i64,
    },
    /// Tell an asker the answer to their question.
    Answer {
        /// Ticket answered (the main ticket when this one was merged into it).
        ticket_id: i64,
        /// The asker's question.
        question_id: i64,
        /// Their (redacted) question.
        question: String,
        /// The expert's answer.
        answer: String,
        /// The expert's name.
        author: String,
        /// Where the asker asked (`discord`, `web`, `cli`).
        transport: String,
        /// Channel or thread they asked in (fallback when DMs are closed).
        channel: Option<String>,
    },
    /// Ask the asker for a precision.
    Clarification {
        /// Ticket.
        ticket_id: i64,
        /// The asker's question.
        question_id: i64,
        /// Their question.
        question: String,
        /// What the expert asks.
        text: String,
        /// The expert's name.
        expert: String,
        /// Where the asker asked.
        transport: String,
        /// Channel or thread they asked in.
        channel: Option<String>,
    },
    /// Tell an asker their ticket was closed without an answer, and why.
    Closed {
        /// Ticket.
        ticket_id: i64,
        /// The asker's question.
        question_id: i64,
        /// Their question.
        question: String,
        /// Why it was closed.
        reason: String,
        /// The expert who closed it.
        expert: String,
        /// Where the asker asked.
        transport: String,
        /// Channel or thread they asked in.
        channel: Option<String>,
    },
    /// The managers' weekly digest (rendered from the statistics when sent).
    Digest {
        /// Period, in days up to the sending time.
        days: i64,
    },
    /// Remind the experts of tickets waiting for one of them longer than the configured delay.
    Reminder {
        /// The delay, in hours.
        hours: u32,
        /// The tickets, oldest first (at most [`REMINDER_TICKETS`]).
        tickets: Vec<WaitingTicket>,
        /// How many tickets wait that long in all.
        total: usize,
    },
    /// Tell the expert the asker replied.
    AskerReplied {
        /// Ticket.
        ticket_id: i64,
        /// The reply.
        text: String,
        /// Who replied.
        asker: String,
    },
}

impl Message {
    /// The outbox `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::TicketCard { .. } => "ticket_card",
            Message::Answer { .. } => "answer",
            Message::Clarification { .. } => "clarification",
            Message::Closed { .. } => "closed",
            Message::AskerReplied { .. } => "asker_replied",
            Message::Digest { .. } => "digest",
            Message::Reminder { .. } => "reminder",
        }
    }
}

/// Builds outbox rows, choosing each recipient's channel.
#[derive(Debug, Clone, Copy)]
pub struct Outbox {
    /// Whether the Discord adapter is configured.
    pub discord: bool,
}

impl Outbox {
    /// A message for a person: on Discord when they have a Discord account and the bot runs,
    /// in their web inbox otherwise.
    pub fn to_user(&self, recipient_id: Option<i64>, has_discord: bool, ticket_id: i64, message: &Message) -> NewNotification {
        let channel = if self.discord && has_discord { DISCORD } else { WEB };
        NewNotification {
            kind: message.kind().to_string(),
            ticket_id: Some(ticket_id),
            recipient_id,
            channel: channel.to_string(),
            payload: serde_json::to_string(message).expect("messages serialise"),
        }
    }

    /// The ticket card for the experts' channel (Discord only; the web desk reads tickets live).
    pub fn card(&self, ticket_id: i64) -> Option<NewNotification> {
        self.discord.then(|| NewNotification {
            kind: "ticket_card".into(),
            ticket_id: Some(ticket_id),
            recipient_id: None,
            channel: DISCORD.into(),
            payload: serde_json::to_string(&Message::TicketCard { ticket_id }).expect("messages serialise"),
        })
    }

    /// The answer for every follower of a ticket.
    pub fn answer_to_followers(&self, followers: &[Follower], ticket_id: i64, answer: &str, author: &str) -> Vec<NewNotification> {
        followers
            .iter()
            .map(|f| {
                let message = Message::Answer {
                    ticket_id,
                    question_id: f.question_id,
                    question: f.question.clone(),
                    answer: answer.to_string(),
                    author: author.to_string(),
                    transport: f.transport.clone(),
                    channel: f.channel.clone(),
                };
                self.to_user(f.user_id, f.discord_id.is_some(), f.ticket_id, &message)
            })
            .collect()
    }
}
