//! The Discord adapter (serenity + poise): a translation table between Discord events and the
//! core service. Nothing is decided here.
//!
//! Layout: `commands` (`/ask`, `/tickets`, `/ticket`, `/stats`), `messages` (mentions in help
//! channels and direct messages), `components` (buttons, menus and modals), `outbox` (delivering
//! what the core owes people, with retries), `render` (embeds), `limits` (Discord's sizes),
//! `ids` (component ids), `identity` (Discord accounts and roles to SVP users).

mod commands;
mod components;
mod identity;
mod ids;
pub mod limits;
mod messages;
mod outbox;
mod render;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serenity::all::{ClientBuilder, FullEvent, GatewayIntents, GuildId, HttpBuilder, Interaction, ShardManager, UserId};
use tokio::sync::watch;

use crate::config::DiscordSettings;
use crate::core::Service;

/// State shared by every handler.
pub struct Data {
    service: Service,
    settings: DiscordSettings,
    bot_id: std::sync::OnceLock<UserId>,
}

type Error = anyhow::Error;
type Context<'a> = poise::Context<'a, Data, Error>;

/// A running bot.
pub struct DiscordHandle {
    shard_manager: Arc<ShardManager>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl DiscordHandle {
    /// Disconnects and stops the outbox sender.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.shard_manager.shutdown_all().await;
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

/// Connects the bot and starts delivering the outbox. Returns once the client is built; the
/// gateway connection proceeds in the background (and reconnects by itself).
pub async fn start(service: Service, settings: DiscordSettings) -> anyhow::Result<DiscordHandle> {
    anyhow::ensure!(settings.token.is_set(), "no Discord token configured (SVP_DISCORD_TOKEN)");
    let mut http = HttpBuilder::new(settings.token.expose());
    if let Some(base) = &settings.api_base_url {
        // A local Discord (tests): serenity only honours the proxy with its rate limiter off.
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .context("cannot build the HTTP client")?;
        http = http.proxy(base.trim_end_matches('/')).ratelimiter_disabled(true).client(client);
    }
    let http = http.build();
    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;

    let guild = settings.guild_id.map(GuildId::new);
    let data = Data { service: service.clone(), settings: settings.clone(), bot_id: Default::default() };
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(on_error(error)),
            event_handler: |ctx, event| Box::pin(on_event(ctx, event)),
            // A slash command that reached two instances during a gateway hand-over runs once.
            command_check: Some(|ctx| Box::pin(async move { Ok(first_to_handle(&ctx.data().service, ctx.id()).await) })),
            allowed_mentions: Some(serenity::all::CreateAllowedMentions::new().empty_users().empty_roles().everyone(false)),
            ..Default::default()
        })
        .initialize_owners(false)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let _ = data.bot_id.set(ready.user.id);
                match guild {
                    Some(g) => poise::builtins::register_in_guild(ctx, &framework.options().commands, g).await?,
                    None => poise::builtins::register_globally(ctx, &framework.options().commands).await?,
                }
                tracing::info!(user = %ready.user.name, "Discord bot connected");
                Ok(data)
            })
        })
        .build();
    let mut client = ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .context("cannot build the Discord client")?;
    let shard_manager = client.shard_manager.clone();
    let (stop, stop_rx) = watch::channel(false);
    let sender = tokio::spawn(outbox::run(client.http.clone(), service, settings, stop_rx));
    let gateway = tokio::spawn(async move {
        if let Err(e) = client.start().await {
            tracing::error!(error = %e, "Discord client stopped");
        }
    });
    Ok(DiscordHandle { shard_manager, tasks: vec![sender, gateway], stop })
}

async fn on_event(ctx: poise::FrameworkContext<'_, Data, Error>, event: &FullEvent) -> Result<(), Error> {
    let data = ctx.user_data;
    let serenity = ctx.serenity_context;
    match event {
        FullEvent::Message { new_message } => messages::handle(serenity, data, new_message).await,
        FullEvent::InteractionCreate { interaction: Interaction::Component(c) } if first_to_handle(&data.service, c.id.get()).await => {
            components::button(serenity, data, c).await
        }
        FullEvent::InteractionCreate { interaction: Interaction::Modal(m) } if first_to_handle(&data.service, m.id.get()).await => {
            components::modal(serenity, data, m).await
        }
        _ => Ok(()),
    }
}

/// Whether this instance is the first to handle interaction `id` (recorded in the database);
/// another instance that received it during a gateway hand-over leaves it. A database error
/// handles it anyway: better twice than never.
async fn first_to_handle(service: &Service, id: u64) -> bool {
    match service.store().claim_discord_event(&format!("interaction:{id}")).await {
        Ok(first) => {
            if !first {
                tracing::info!(interaction = id, "interaction already handled by another instance");
            }
            first
        }
        Err(e) => {
            tracing::warn!(error = %e, interaction = id, "cannot record the interaction; handling it anyway");
            true
        }
    }
}

async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        // The command check fails only when another instance handles the command.
        poise::FrameworkError::CommandCheckFailed { error: None, .. } => {}
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().name, error = %format!("{error:#}"), "command failed");
            let reply = render::text("Une erreur est survenue ; votre demande n'a peut-être pas abouti. Réessayez dans un instant.");
            let _ = ctx.send(reply.reply(true)).await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "error while handling an error");
            }
        }
    }
}
