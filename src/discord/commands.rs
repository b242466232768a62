//! Slash commands: `/ask`, `/tickets`, `/ticket`, `/stats`, `/connexion`.

use serenity::all::{ChannelType, CreateThread, RoleId};

use super::render::{self, Rendered};
use super::{Context, Data, Error, identity, limits};
use crate::core::tickets::TicketStatus;
use crate::core::{DeskError, Service};
use crate::store::{Origin, User};

/// Every command the bot registers.
pub(super) fn all() -> Vec<poise::Command<Data, Error>> {
    vec![ask(), tickets(), ticket(), stats(), connexion()]
}

fn member_roles<'a>(ctx: &'a Context<'_>) -> Option<&'a [RoleId]> {
    match ctx {
        poise::Context::Application(app) => app.interaction.member.as_ref().map(|m| m.roles.as_slice()),
        poise::Context::Prefix(p) => p.msg.member.as_ref().map(|m| m.roles.as_slice()),
    }
}

async fn caller(ctx: &Context<'_>) -> Result<User, DeskError> {
    identity::user(ctx.data(), ctx.author(), member_roles(ctx)).await
}

/// How long a command may work before its reply is deferred: Discord drops an interaction
/// that is not acknowledged within 3 seconds.
const DEFER_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs `work`; if it has not finished after [`DEFER_AFTER`], acknowledges the interaction
/// (Discord shows « réfléchit… ») and waits on, so that a slow search or database never loses
/// the asker's command. Fast work answers directly.
async fn within_deadline<T>(ctx: &Context<'_>, ephemeral: bool, work: impl std::future::Future<Output = T>) -> Result<T, Error> {
    Ok(deferring_after(DEFER_AFTER, work, async || if ephemeral { ctx.defer_ephemeral().await } else { ctx.defer().await }).await?)
}

/// Runs `work`, calling `defer` once if it is still running after `delay`.
async fn deferring_after<T, E>(
    delay: std::time::Duration,
    work: impl std::future::Future<Output = T>,
    defer: impl AsyncFnOnce() -> Result<(), E>,
) -> Result<T, E> {
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => Ok(out),
        _ = tokio::time::sleep(delay) => {
            defer().await?;
            Ok(work.await)
        }
    }
}

/// Sends a core error privately: the user's faults in French, ours logged.
async fn refuse(ctx: &Context<'_>, e: &DeskError) -> Result<(), Error> {
    if e.is_internal() {
        tracing::error!(error = ?e, "Discord command failed");
    }
    ctx.send(render::text(&e.to_string()).reply(true)).await?;
    Ok(())
}

/// Poser une question au bot SVP.
#[poise::command(slash_command, rename = "ask")]
async fn ask(
    ctx: Context<'_>,
    #[description = "Votre question (sans nom ni donnée personnelle)"] question: String,
    #[description = "Réponse visible de vous seul·e"] prive: Option<bool>,
) -> Result<(), Error> {
    let private = prive.unwrap_or(false);
    let user = match caller(&ctx).await {
        Ok(u) => u,
        Err(e) => return refuse(&ctx, &e).await,
    };
    let origin = Origin { transport: "discord".into(), channel: Some(ctx.channel_id().to_string()) };
    let asked = match within_deadline(&ctx, private, ctx.data().service.ask(&user, &question, origin)).await? {
        Ok(a) => a,
        Err(e) => return refuse(&ctx, &e).await,
    };
    let handle = ctx.send(render::reply(&asked.reply, asked.question_id).reply(private)).await?;
    let in_thread_or_dm = match &ctx {
        poise::Context::Application(app) => {
            app.interaction.guild_id.is_none()
                || app.interaction.channel.as_ref().is_some_and(|c| {
                    matches!(c.kind, ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread)
                })
        }
        poise::Context::Prefix(_) => true,
    };
    if !private && !in_thread_or_dm {
        // Follow-ups (answers when DMs are closed, discussion) go in a thread on the reply.
        let message = handle.message().await?;
        let name = limits::line(&format!("Question #{} — {}", asked.question_id, asked.reply.question), limits::THREAD_NAME);
        match ctx.channel_id().create_thread_from_message(ctx.http(), message.id, CreateThread::new(name).kind(ChannelType::PublicThread)).await {
            Ok(thread) => ctx.data().service.set_question_channel(asked.question_id, &thread.id.to_string()).await?,
            Err(e) => tracing::warn!(error = %e, "could not open a thread for the answer"),
        }
    }
    Ok(())
}

async fn expert_view(ctx: &Context<'_>, f: impl AsyncFnOnce(&Service, &User) -> Result<Rendered, DeskError>) -> Result<(), Error> {
    if member_roles(ctx).is_none() {
        return refuse(ctx, &DeskError::Forbidden(identity::GUILD_ONLY.into())).await;
    }
    let user = match caller(ctx).await {
        Ok(u) => u,
        Err(e) => return refuse(ctx, &e).await,
    };
    match within_deadline(ctx, true, f(&ctx.data().service, &user)).await? {
        Ok(rendered) => {
            ctx.send(rendered.reply(true)).await?;
            Ok(())
        }
        Err(e) => refuse(ctx, &e).await,
    }
}

/// Lister les tickets en attente (réponse privée).
#[poise::command(slash_command, rename = "tickets")]
async fn tickets(ctx: Context<'_>) -> Result<(), Error> {
    expert_view(&ctx, async |service, user| {
        let pending = [TicketStatus::Open, TicketStatus::Claimed, TicketStatus::Waiting];
        Ok(render::tickets(&service.tickets(user, &pending, 25).await?))
    })
    .await
}

/// Afficher un ticket (réponse privée).
#[poise::command(slash_command, rename = "ticket")]
async fn ticket(ctx: Context<'_>, #[description = "Numéro du ticket"] id: i64) -> Result<(), Error> {
    expert_view(&ctx, async |service, user| Ok(render::ticket_card(&service.ticket_detail(user, id).await?))).await
}

/// Statistiques des 7 derniers jours (responsables, réponse privée).
#[poise::command(slash_command, rename = "stats")]
async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    expert_view(&ctx, async |service, user| Ok(render::stats(&service.stats(user, 7).await?))).await
}

/// Recevoir un lien personnel pour se connecter au site web (réponse privée).
#[poise::command(slash_command, rename = "connexion")]
async fn connexion(ctx: Context<'_>) -> Result<(), Error> {
    let user = match caller(&ctx).await {
        Ok(u) => u,
        Err(e) => return refuse(&ctx, &e).await,
    };
    match ctx.data().service.login_link(&user).await {
        Ok(link) => {
            let minutes = ctx.data().service.settings().web.login_link_minutes;
            let text = format!(
                "Voici votre lien de connexion personnel au site SVP insertion, valable {minutes} minutes et une seule fois. \
                 Ne le transmettez à personne :\n{link}"
            );
            ctx.send(render::text(&text).reply(true)).await?;
            Ok(())
        }
        Err(e) => refuse(&ctx, &e).await,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::{DEFER_AFTER, deferring_after};

    #[tokio::test(start_paused = true)]
    async fn slow_work_is_deferred_within_discords_three_seconds_and_fast_work_is_not() {
        assert!(DEFER_AFTER < Duration::from_secs(3));
        let deferred = AtomicUsize::new(0);
        let defer = async || -> Result<(), ()> {
            deferred.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        let fast = deferring_after(DEFER_AFTER, async { 1 }, defer).await;
        assert_eq!((fast, deferred.load(Ordering::SeqCst)), (Ok(1), 0));
        let slow = deferring_after(DEFER_AFTER, async { tokio::time::sleep(Duration::from_secs(10)).await; 2 }, defer).await;
        assert_eq!((slow, deferred.load(Ordering::SeqCst)), (Ok(2), 1));
    }
}
