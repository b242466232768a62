//! Reminders to experts: tickets waiting for an expert (nobody took them, or taken and not
//! answered) longer than `limits.remind_experts_after_hours` are listed in the experts' Discord
//! channel, at most once per that delay whatever the number of instances (a guarded scheduled
//! run). The desk lists them too, oldest first, at any time.

use chrono::Utc;

use super::error::{DeskError, DeskResult};
use super::notify::{DISCORD, Message, REMINDER_TICKETS, WaitingTicket};
use super::service::Service;
use super::tickets::TicketStatus;
use crate::store::{NewNotification, QueueQuery};

impl Service {
    /// Queues the reminder when it is due: returns how many tickets it lists (0 when none was
    /// queued: nothing waits that long, it was sent less than the delay ago, reminders are off
    /// (`remind_experts_after_hours` = 0) or no experts' channel is configured).
    pub async fn remind_experts_if_due(&self) -> DeskResult<usize> {
        let hours = self.settings.limits.remind_experts_after_hours;
        if hours == 0 || !(self.outbox.discord && self.settings.discord.experts_channel_id.is_some()) {
            return Ok(0);
        }
        let delay_ms = i64::from(hours) * 3_600_000;
        let statuses = [TicketStatus::Open, TicketStatus::Claimed];
        let query = QueueQuery {
            statuses: &statuses,
            theme: None,
            site: None,
            created_before_ms: Some(Utc::now().timestamp_millis() - delay_ms),
            assignee: None,
            offset: 0,
            limit: i64::MAX,
        };
        let waiting = self.store.queue_tickets(&query).await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        // Several instances may get here at once: one of them queues it.
        if !self.store.claim_scheduled_run("expert-reminder", delay_ms).await? {
            return Ok(0);
        }
        let tickets: Vec<WaitingTicket> = waiting
            .iter()
            .take(REMINDER_TICKETS)
            .map(|t| WaitingTicket {
                id: t.id,
                subject: t.subject.clone(),
                opened: t.created_at,
                assignee: t.assignee_name.clone(),
            })
            .collect();
        let listed = tickets.len();
        let message = Message::Reminder { hours, tickets, total: waiting.len() };
        let note = NewNotification {
            kind: message.kind().into(),
            ticket_id: None,
            recipient_id: None,
            channel: DISCORD.into(),
            payload: serde_json::to_string(&message).map_err(|e| DeskError::Unavailable(e.into()))?,
        };
        self.store.enqueue(&[note]).await?;
        Ok(listed)
    }
}
