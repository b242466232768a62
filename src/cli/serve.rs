//! `svp serve`: the web UI and the Discord bot (when a token is set), until Ctrl-C.

use std::process::ExitCode;
use std::time::Duration;

use crate::app;
use crate::discord::GatewayRole;
use crate::config::Settings;

/// How often the index checks the database for answers saved by another process or instance.
const SYNC_EVERY: Duration = Duration::from_secs(3);
/// How many sync ticks between two checks of the weekly digest (about an hour).
const DIGEST_CHECK_TICKS: u64 = 1200;
/// The hourly clean-ups run once per this period across instances (a little under the check
/// interval, so that the instance that ran them last runs them again next time).
const CLEANUP_PERIOD_MS: i64 = 55 * 60 * 1000;

pub(super) async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let service = open_with_retries(&settings).await?;
    match service.privacy_rescan_due().await {
        Ok(Some(stored)) => tracing::warn!(
            stored_rules = stored,
            current_rules = crate::core::redact::RULES_VERSION,
            "stored texts were redacted by older rules: run `svp privacy rescan` (safe while serving)"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read the redaction rules version"),
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);

    // Answers saved through another instance reach this index at once (PostgreSQL).
    let follower = service.clone();
    let follow_stop = stop_rx.clone();
    tokio::spawn(async move { follower.follow_changes(follow_stop).await });

    let sync = service.clone();
    let mut sync_stop = stop_rx.clone();
    tokio::spawn(async move {
        let mut ticks = 0u64;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(SYNC_EVERY) => {
                    sync.sync_index_logged().await;
                    // About once an hour: queue the managers' weekly digest when it is due.
                    if ticks.is_multiple_of(DIGEST_CHECK_TICKS)
                        && let Err(e) = sync.digest_if_due().await
                    {
                        tracing::warn!(error = %e, "cannot queue the weekly digest");
                    }
                    // About once an hour too: remind the experts of tickets waiting too long.
                    if ticks.is_multiple_of(DIGEST_CHECK_TICKS) {
                        match sync.remind_experts_if_due().await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(tickets = n, "experts reminded of waiting tickets"),
                            Err(e) => tracing::warn!(error = %e, "cannot queue the experts' reminder"),
                        }
                    }
                    // The hourly clean-ups, by one instance per hour (a database error: run them
                    // anyway, they are idempotent).
                    if ticks.is_multiple_of(DIGEST_CHECK_TICKS)
                        && sync.store().claim_scheduled_run("hourly-cleanup", CLEANUP_PERIOD_MS).await.unwrap_or(true)
                    {
                        match sync.expire_undeliverable().await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(messages = n, "web messages past their retention expired"),
                            Err(e) => tracing::warn!(error = %e, "cannot expire old web messages"),
                        }
                        if let Err(e) = sync.store().purge_discord_events().await {
                            tracing::warn!(error = %e, "cannot purge handled Discord event ids");
                        }
                        if let Err(e) = sync.purge_sessions().await {
                            tracing::warn!(error = %e, "cannot purge ended sessions");
                        }
                    }
                    ticks += 1;
                }
                _ = sync_stop.changed() => break,
            }
        }
    });

    // Every instance with a token delivers the outbox (leases keep two from sending one message);
    // the gateway is one instance's.
    let outbox = if settings.discord.token.is_set() { Some(crate::discord::start_outbox(service.clone(), settings.discord.clone())?) } else { None };
    let discord = if !settings.discord.token.is_set() {
        tracing::info!("Discord bot not started: no token (set SVP_DISCORD_TOKEN to enable it)");
        None
    } else if service.store().engine() == crate::store::Engine::Sqlite {
        let discord = crate::discord::start(service.clone(), settings.discord.clone()).await?;
        GatewayRole::Held.set();
        Some(Gateway::Direct(discord))
    } else {
        // Several instances may share the database: the one holding the gateway lock runs the bot.
        GatewayRole::Standby.set();
        let (service, discord_settings, stop) = (service.clone(), settings.discord.clone(), stop_rx.clone());
        Some(Gateway::Locked(tokio::spawn(async move { hold_gateway(service, discord_settings, stop).await })))
    };

    let mut web_stop = stop_rx.clone();
    let shutdown = async move {
        let _ = web_stop.changed().await;
    };
    let web = if settings.web.enabled {
        let service = service.clone();
        let bind = settings.web.bind.clone();
        Some(tokio::spawn(async move { crate::web::serve(service, &bind, shutdown).await }))
    } else {
        None
    };

    shutdown_signal().await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    match discord {
        Some(Gateway::Direct(discord)) => discord.shutdown().await,
        Some(Gateway::Locked(task)) => {
            let _ = task.await;
        }
        None => {}
    }
    if let Some(outbox) = outbox {
        outbox.shutdown().await;
    }
    if let Some(web) = web {
        web.await??;
    }
    service.store().close().await;
    Ok(ExitCode::SUCCESS)
}

/// How the Discord bot runs: started at once (SQLite, a single instance), or by whichever
/// instance holds the gateway lock (PostgreSQL).
enum Gateway {
    Direct(crate::discord::DiscordHandle),
    Locked(tokio::task::JoinHandle<()>),
}

/// How often an instance without the gateway role tries to take it, and the holder checks it
/// still has it.
const GATEWAY_CHECK: Duration = Duration::from_secs(5);

/// Takes the gateway role when free and runs the Discord bot while holding it; stops the bot as
/// soon as the lock's connection is lost (before trying again), and gives the role up on `stop`.
async fn hold_gateway(service: crate::core::Service, settings: crate::config::DiscordSettings, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let mut lock = match service.store().try_gateway_lock().await {
            Ok(Some(lock)) => lock,
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::sleep(GATEWAY_CHECK) => continue,
                    _ = stop.changed() => return,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot try the Discord gateway lock; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(GATEWAY_CHECK) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        tracing::info!("this instance holds the Discord gateway");
        GatewayRole::Held.set();
        let discord = match crate::discord::start(service.clone(), settings.clone()).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "Discord bot not started; giving the gateway up and retrying in 30 s");
                GatewayRole::Standby.set();
                lock.release().await;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(30)) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        loop {
            tokio::select! {
                _ = tokio::time::sleep(GATEWAY_CHECK) => {
                    if !lock.alive().await {
                        tracing::warn!("lost the Discord gateway lock; stopping the bot before trying again");
                        break;
                    }
                }
                _ = stop.changed() => {
                    discord.shutdown().await;
                    lock.release().await;
                    return;
                }
            }
        }
        discord.shutdown().await;
        GatewayRole::Standby.set();
    }
}

/// Opens the service, retrying with back-off (1 s, doubling up to 30 s) while the database is
/// unreachable, so that `serve` comes up by itself once it is back; meanwhile it serves nothing,
/// which health checks see as unhealthy. Any other error stops the start. Ctrl-C or SIGTERM ends
/// the wait.
async fn open_with_retries(settings: &Settings) -> anyhow::Result<crate::core::Service> {
    let mut delay = Duration::from_secs(1);
    loop {
        match app::open_service(settings, false, &|_| {}).await {
            Ok(service) => {
                let took = service.bot().warm_up(app::today());
                tracing::debug!(elapsed_ms = took.as_secs_f64() * 1e3, "bot warmed up");
                return Ok(service);
            }
            Err(e) if e.downcast_ref::<app::DatabaseUnavailable>().is_some() => {
                tracing::error!(error = %format!("{e:#}"), retry_in_s = delay.as_secs(), "database unavailable; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown_signal() => anyhow::bail!("stopped while waiting for the database: {e:#}"),
                }
                delay = (delay * 2).min(Duration::from_secs(30));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM (what systemd and container runtimes send): either
/// stops `serve` cleanly, in-flight requests finishing first.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
