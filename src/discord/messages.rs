//! Free-text questions: a mention of the bot in a help channel (or a forum post in one), or a
//! direct message. The reply goes in a thread on the question, or in the DM.

use serenity::all::{ChannelType, Context as Serenity, CreateThread, Message};

use super::render;
use super::{Data, Error, identity, limits};
use crate::store::Origin;

pub(super) async fn handle(ctx: &Serenity, data: &Data, msg: &Message) -> Result<(), Error> {
    if msg.author.bot {
        return Ok(());
    }
    let Some(bot_id) = data.bot_id.get().copied() else {
        return Ok(());
    };
    let direct = msg.guild_id.is_none();
    let mentioned = msg.mentions.iter().any(|u| u.id == bot_id);
    if !direct && !mentioned {
        return Ok(());
    }
    // In a guild: only in help channels, or in threads (forum posts) under one.
    let mut in_thread = false;
    if !direct {
        let channel = match msg.channel_id.to_channel(&ctx.http).await {
            Ok(c) => c.guild(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot look up the channel of a mention");
                None
            }
        };
        let help = &data.settings.help_channel_ids;
        let (id, parent, kind) = match &channel {
            Some(c) => (c.id.get(), c.parent_id.map(|p| p.get()), c.kind),
            None => (msg.channel_id.get(), None, ChannelType::Text),
        };
        in_thread = matches!(kind, ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread);
        if !(help.contains(&id) || (in_thread && parent.is_some_and(|p| help.contains(&p)))) {
            return Ok(());
        }
    }
    // A message that reached two instances during a gateway hand-over is answered once.
    if !super::first_to_handle(&data.service, "message", msg.id.get()).await {
        return Ok(());
    }
    let question = strip_mention(&msg.content, bot_id.get());
    let roles = msg.member.as_ref().map(|m| m.roles.as_slice());
    let user = match identity::user(data, &msg.author, roles).await {
        Ok(u) => u,
        Err(e) => {
            msg.channel_id.send_message(&ctx.http, render::text(&e.to_string()).message()).await?;
            return Ok(());
        }
    };
    // Where the conversation goes on: the DM, the existing thread, or a new thread on the message.
    let channel = if direct || in_thread {
        msg.channel_id
    } else {
        // The thread's name is seen by everyone: never the raw text, always the redacted one.
        let redacted = data.service.bot().prepare(&question).map(|r| r.text).unwrap_or_default();
        let name = limits::line(&redacted, limits::THREAD_NAME);
        let name = if name.is_empty() { "Question".to_string() } else { name };
        match msg.channel_id.create_thread_from_message(&ctx.http, msg.id, CreateThread::new(name).kind(ChannelType::PublicThread)).await {
            Ok(thread) => thread.id,
            Err(e) => {
                tracing::warn!(error = %e, "could not open a thread; replying in the channel");
                msg.channel_id
            }
        }
    };
    let origin = Origin { transport: "discord".into(), channel: Some(channel.to_string()) };
    let rendered = match data.service.ask(&user, &question, origin).await {
        Ok(asked) => render::reply(&asked.reply, asked.question_id),
        Err(e) => {
            if e.is_internal() {
                tracing::error!(error = ?e, "question from a message failed");
            }
            render::text(&e.to_string())
        }
    };
    channel.send_message(&ctx.http, rendered.message()).await?;
    Ok(())
}

/// The question without the bot's mention.
fn strip_mention(content: &str, bot_id: u64) -> String {
    content.replace(&format!("<@{bot_id}>"), " ").replace(&format!("<@!{bot_id}>"), " ").trim().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn mention_is_removed() {
        assert_eq!(super::strip_mention("<@42> RSA ? <@!42>", 42), "RSA ?");
        assert_eq!(super::strip_mention("<@43> RSA", 42), "<@43> RSA");
    }
}
