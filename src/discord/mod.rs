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

/// A running bot (the gateway connection).
pub struct DiscordHandle {
    shard_manager: Arc<ShardManager>,
    gateway: tokio::task::JoinHandle<()>,
}

impl DiscordHandle {
    /// Disconnects from the gateway.
    pub async fn shutdown(self) {
        self.shard_manager.shutdown_all().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.gateway).await;
    }
}

/// This process's part in the Discord gateway, shown by `/ready` and `svp_gateway_holder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayRole {
    /// No token: no bot.
    Off = 0,
    /// Waiting for the gateway lock another instance holds.
    Standby = 1,
    /// Running the bot.
    Held = 2,
}

static GATEWAY_ROLE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(GatewayRole::Off as u8);

impl GatewayRole {
    /// This process's role now.
    pub fn current() -> GatewayRole {
        match GATEWAY_ROLE.load(std::sync::atomic::Ordering::Relaxed) {
            2 => GatewayRole::Held,
            1 => GatewayRole::Standby,
            _ => GatewayRole::Off,
        }
    }

    /// Records this process's role (and the `svp_gateway_holder` gauge).
    pub fn set(self) {
        GATEWAY_ROLE.store(self as u8, std::sync::atomic::Ordering::Relaxed);
        metrics::gauge!("svp_gateway_holder").set(if self == GatewayRole::Held { 1.0 } else { 0.0 });
    }

    /// `off`, `standby` or `held`.
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayRole::Off => "off",
            GatewayRole::Standby => "standby",
            GatewayRole::Held => "held",
        }
    }
}

/// Discord's REST client for `settings` (the local fake's base URL in tests).
fn rest_client(settings: &DiscordSettings) -> anyhow::Result<serenity::all::Http> {
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
    Ok(http.build())
}

/// A running outbox sender.
pub struct OutboxHandle {
    task: tokio::task::JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl OutboxHandle {
    /// Stops taking new messages and waits (up to 5 s) for the batch in flight.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// Starts delivering what the outbox owes people on Discord, over REST only (no gateway). Every
/// instance with a token runs one: claims carry a lease and an owner token, and each message
/// goes with its outbox id as an enforced nonce, so two senders never deliver a message twice.
/// Errors: no token, or an HTTP client that cannot be built.
pub fn start_outbox(service: Service, settings: DiscordSettings) -> anyhow::Result<OutboxHandle> {
    let http = Arc::new(rest_client(&settings)?);
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(outbox::run(http, service, settings, stop_rx));
    Ok(OutboxHandle { task, stop })
}

/// Connects the bot to the gateway (slash commands, buttons, mentions and direct messages); one
/// instance at a time does (`svp serve` holds a lock on PostgreSQL). Returns once the client is
/// built; the gateway connection proceeds in the background (and reconnects by itself). The
/// outbox is delivered by [`start_outbox`], not here.
pub async fn start(service: Service, settings: DiscordSettings) -> anyhow::Result<DiscordHandle> {
    let http = rest_client(&settings)?;
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
            command_check: Some(|ctx| Box::pin(async move { Ok(first_to_handle(&ctx.data().service, "interaction", ctx.id()).await) })),
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
    let gateway = tokio::spawn(async move {
        if let Err(e) = client.start().await {
            tracing::error!(error = %e, "Discord client stopped");
        }
    });
    Ok(DiscordHandle { shard_manager, gateway })
}

async fn on_event(ctx: poise::FrameworkContext<'_, Data, Error>, event: &FullEvent) -> Result<(), Error> {
    let data = ctx.user_data;
    let serenity = ctx.serenity_context;
    match event {
        FullEvent::Message { new_message } => messages::handle(serenity, data, new_message).await,
        FullEvent::InteractionCreate { interaction: Interaction::Component(c) } if first_to_handle(&data.service, "interaction", c.id.get()).await => {
            components::button(serenity, data, c).await
        }
        FullEvent::InteractionCreate { interaction: Interaction::Modal(m) } if first_to_handle(&data.service, "interaction", m.id.get()).await => {
            components::modal(serenity, data, m).await
        }
        _ => Ok(()),
    }
}

/// Whether this instance is the first to handle the Discord event `kind` `id` (an interaction,
/// or a message addressed to the bot), recorded in the database; another instance that received
/// it during a gateway hand-over leaves it. A database error handles it anyway: better twice
/// than never.
pub(super) async fn first_to_handle(service: &Service, kind: &str, id: u64) -> bool {
    match service.store().claim_discord_event(&format!("{kind}:{id}")).await {
        Ok(first) => {
            if !first {
                tracing::info!(kind, id, "Discord event already handled by another instance");
            }
            first
        }
        Err(e) => {
            tracing::warn!(error = %e, kind, id, "cannot record the Discord event; handling it anyway");
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
