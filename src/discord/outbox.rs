//! Delivers what the core owes people on Discord: ticket cards (posted, then edited as the
//! ticket moves), answers and clarification requests (by DM, or in the asker's thread with a
//! mention of them alone when their DMs are closed). Failures are retried with back-off; what
//! is pending survives restarts because it lives in the database.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{ChannelId, Http, MessageId, UserId};
use tokio::sync::watch;

use super::render::{self, Rendered};
use crate::config::DiscordSettings;
use crate::core::Service;
use crate::core::notify::{DISCORD, Message};
use crate::store::{Notification, now_ms};

/// How often the outbox is polled.
const POLL: Duration = Duration::from_millis(250);
/// Attempts before giving up on a message Discord keeps refusing (4xx).
const MAX_REFUSED: i64 = 5;
/// Attempts before giving up on a message Discord cannot take (5xx, network): about a day.
const MAX_UNAVAILABLE: i64 = 150;
/// Discord's "Cannot send messages to this user" (DMs closed).
const DMS_CLOSED: isize = 50007;

/// Messages claimed at once.
const BATCH: i64 = 20;

/// Runs until `stop` changes. Polls every [`POLL`]; a full batch means a backlog (after an
/// outage, say), and the next batch is claimed at once.
pub(super) async fn run(http: Arc<Http>, service: Service, settings: DiscordSettings, mut stop: watch::Receiver<bool>) {
    let sender = Sender { http, service, settings };
    let mut backlog = false;
    loop {
        if backlog {
            if stop.has_changed().unwrap_or(true) {
                break;
            }
            backlog = sender.deliver_due().await >= BATCH as usize;
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => backlog = sender.deliver_due().await >= BATCH as usize,
            _ = stop.changed() => break,
        }
    }
}

struct Sender {
    http: Arc<Http>,
    service: Service,
    settings: DiscordSettings,
}

/// Why a delivery failed.
enum Failure {
    /// Worth retrying (Discord or the network unavailable).
    Transient(String),
    /// Discord refuses; retried a few times, then given up.
    Refused(String),
}

impl From<serenity::Error> for Failure {
    fn from(e: serenity::Error) -> Self {
        match &e {
            serenity::Error::Http(h) => match h.status_code() {
                Some(s) if s.is_client_error() && s.as_u16() != 429 => Failure::Refused(e.to_string()),
                _ => Failure::Transient(e.to_string()),
            },
            _ => Failure::Transient(e.to_string()),
        }
    }
}

fn discord_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => Some(r.error.code),
        _ => None,
    }
}

/// Seconds before the next attempt: 1, 2, 4 … up to 10 minutes.
fn backoff(attempts: i64) -> i64 {
    1_000 * (1i64 << attempts.clamp(0, 10)).min(600)
}

impl Sender {
    /// Claims and delivers the messages due; returns how many were claimed.
    async fn deliver_due(&self) -> usize {
        let store = self.service.store();
        let due = match store.claim_notifications(DISCORD, BATCH, self.settings.outbox_lease_ms()).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the outbox; retrying");
                return 0;
            }
        };
        let claimed = due.len();
        for n in due {
            let lease = n.lease.clone().unwrap_or_default();
            let result = self.deliver(&n).await;
            let recorded = match result {
                Ok(landed) => {
                    metrics::counter!("svp_outbox_sent_total", "channel" => "discord").increment(1);
                    store.mark_sent(n.id, Some(&lease), landed.as_deref()).await
                }
                Err(failure) => {
                    let (error, max) = match failure {
                        Failure::Transient(e) => (e, MAX_UNAVAILABLE),
                        Failure::Refused(e) => (e, MAX_REFUSED),
                    };
                    let retry = (n.attempts + 1 < max).then(|| now_ms() + backoff(n.attempts));
                    tracing::warn!(id = n.id, kind = %n.kind, attempts = n.attempts + 1, retry = retry.is_some(), %error, "Discord delivery failed");
                    metrics::counter!("svp_outbox_failed_total", "channel" => "discord").increment(1);
                    store.mark_failed(n.id, &lease, &error, retry).await
                }
            };
            match recorded {
                Ok(true) => {}
                // Our lease expired and another sender claimed it: its result stands (and
                // Discord's nonce check kept a second copy of the message from being created).
                Ok(false) => tracing::warn!(id = n.id, "outbox message claimed again meanwhile; left to its new sender"),
                Err(e) => tracing::warn!(id = n.id, error = %e, "cannot record a delivery; it will be retried"),
            }
        }
        claimed
    }

    /// Delivers one message; returns where it landed (`channel:message`) when known.
    async fn deliver(&self, n: &Notification) -> Result<Option<String>, Failure> {
        let message: Message = serde_json::from_str(&n.payload).map_err(|e| Failure::Refused(format!("bad payload: {e}")))?;
        match &message {
            Message::TicketCard { ticket_id } => self.card(n, *ticket_id).await,
            Message::Answer { ticket_id, channel, .. }
            | Message::Clarification { ticket_id, channel, .. }
            | Message::Closed { ticket_id, channel, .. } => {
                let url = format!("{}/tickets/{ticket_id}/answer", self.service.settings().search.public_url.trim_end_matches('/'));
                let rendered = render::notification(&message, &url);
                self.to_person(n, &rendered, channel.as_deref()).await
            }
            Message::Digest { days } => {
                let Some(channel) = self.settings.managers_channel_id.map(ChannelId::new) else {
                    return Err(Failure::Refused("no managers' channel configured (discord.managers_channel_id)".into()));
                };
                let report = self.service.digest_report(*days).await.map_err(|e| Failure::Transient(e.to_string()))?;
                let url = format!("{}/rapports", self.service.settings().search.public_url.trim_end_matches('/'));
                let posted = channel.send_message(&self.http, once(render::digest(&report, &url).message(), n)).await?;
                Ok(Some(landed(channel, posted.id)))
            }
            Message::Reminder { hours, tickets, total } => {
                let Some(channel) = self.settings.experts_channel_id.map(ChannelId::new) else {
                    return Err(Failure::Refused("no experts channel configured (discord.experts_channel_id)".into()));
                };
                let url = format!("{}/desk", self.service.settings().search.public_url.trim_end_matches('/'));
                let posted = channel.send_message(&self.http, once(render::reminder(*hours, tickets, *total, &url).message(), n)).await?;
                Ok(Some(landed(channel, posted.id)))
            }
            Message::AskerReplied { .. } => {
                let fallback = self.settings.experts_channel_id.map(|c| c.to_string());
                self.to_person(n, &render::notification(&message, ""), fallback.as_deref()).await
            }
        }
    }

    /// Posts the card of a ticket, or edits it where it was posted.
    async fn card(&self, n: &Notification, ticket_id: i64) -> Result<Option<String>, Failure> {
        let Some(channel) = self.settings.experts_channel_id.map(ChannelId::new) else {
            return Err(Failure::Refused("no experts channel configured (discord.experts_channel_id)".into()));
        };
        let detail = self.service.ticket_card(ticket_id).await.map_err(|e| Failure::Transient(e.to_string()))?;
        let rendered = render::ticket_card(&detail);
        if let Some((c, m)) = detail.ticket.card_ref.as_deref().and_then(parse_card_ref) {
            match ChannelId::new(c).edit_message(&self.http, MessageId::new(m), rendered.edit()).await {
                Ok(_) => return Ok(Some(format!("{c}:{m}"))),
                Err(e) if e_status(&e) == Some(404) => {} // the card was deleted: post it again
                Err(e) => return Err(e.into()),
            }
        }
        let posted = channel.send_message(&self.http, once(rendered.message(), n)).await?;
        let card_ref = landed(channel, posted.id);
        self.service.store().set_card_ref(ticket_id, &card_ref).await.map_err(|e| Failure::Transient(e.to_string()))?;
        Ok(Some(card_ref))
    }

    /// A DM to the recipient; when their DMs are closed, their thread, mentioning them alone.
    async fn to_person(&self, n: &Notification, rendered: &Rendered, fallback: Option<&str>) -> Result<Option<String>, Failure> {
        let Some(user) = n.recipient_discord_id.as_deref().and_then(|id| id.parse::<u64>().ok()).map(UserId::new) else {
            return Err(Failure::Refused("recipient has no Discord account".into()));
        };
        let dm = async {
            let channel = user.create_dm_channel(&self.http).await?;
            channel.id.send_message(&self.http, once(rendered.message(), n)).await
        };
        match dm.await {
            Ok(posted) => Ok(Some(landed(posted.channel_id, posted.id))),
            Err(e) if discord_code(&e) == Some(DMS_CLOSED) => {
                let Some(channel) = fallback.and_then(|c| c.parse::<u64>().ok()).map(ChannelId::new) else {
                    return Err(Failure::Refused("DMs closed and no thread to fall back to".into()));
                };
                let mut in_thread = rendered.clone();
                in_thread.content = Some(format!("<@{}> {}", user.get(), in_thread.content.clone().unwrap_or_default()).trim().to_string());
                in_thread.ping = Some(user);
                let posted = channel.send_message(&self.http, once(in_thread.message(), n)).await?;
                Ok(Some(landed(channel, posted.id)))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The message with the outbox message's id as its nonce, enforced: should a retry send it
/// again (a slow sender whose lease expired, a crash between sending and recording), Discord
/// returns the message already created instead of posting a second copy.
fn once(message: serenity::all::CreateMessage, n: &Notification) -> serenity::all::CreateMessage {
    message.nonce(serenity::all::Nonce::String(format!("svp-{}", n.id))).enforce_nonce(true)
}

/// Where a message landed: `channel:message`.
fn landed(channel: ChannelId, message: MessageId) -> String {
    format!("{}:{}", channel.get(), message.get())
}

fn e_status(e: &serenity::Error) -> Option<u16> {
    match e {
        serenity::Error::Http(h) => h.status_code().map(|s| s.as_u16()),
        _ => None,
    }
}

fn parse_card_ref(card_ref: &str) -> Option<(u64, u64)> {
    let (c, m) = card_ref.split_once(':')?;
    Some((c.parse().ok()?, m.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0), 1_000);
        assert_eq!(backoff(3), 8_000);
        assert_eq!(backoff(50), 600_000);
        assert_eq!(parse_card_ref("12:34"), Some((12, 34)));
        assert_eq!(parse_card_ref("12"), None);
    }
}
