//! Measures through the core service on SQLite and PostgreSQL: feedback latency (an expert's
//! answer saved → the bot finds it), concurrent askers (recording, escalating some), and
//! ticket operations.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::Connection;

use super::{Latency, mb, ms, peak_rss};
use crate::config::{Secret, Settings};
use crate::core::roles::Role;
use crate::core::{EscalateMode, Service};
use crate::store::{NewUser, Origin, User};

/// How much to do.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Expert answers timed.
    pub answers: usize,
    /// Concurrent askers.
    pub askers: usize,
    /// Questions per asker.
    pub asks: usize,
    /// Tickets worked through in the ticket-operations measure.
    pub tickets: usize,
}

impl Scale {
    /// CI.
    pub fn quick() -> Self {
        Scale { answers: 10, askers: 4, asks: 25, tickets: 20 }
    }

    /// By hand.
    pub fn full() -> Self {
        Scale { answers: 100, askers: 16, asks: 250, tickets: 300 }
    }
}

const QUESTIONS: &[&str] = &[
    "il a 23 ans, réfugié, pas d'enfant : droit au RSA ou pas ?",
    "la CAF demande l'avis d'imposition, il vient d'arriver, on fait comment ?",
    "combien de temps pour quitter le CADA après le statut ?",
    "le consulat a refusé le visa de sa femme, quel recours ?",
    "carte vitale : il a toujours un numéro provisoire, que faire ?",
    "la banque refuse d'ouvrir un compte avec l'API",
    "échange du permis de conduire : quel délai pour un réfugié ?",
    "cours de français OFII : combien d'heures maintenant ?",
];

pub(super) async fn service_on(kind: &str, settings: &Settings, postgres: Option<&str>, work: &Path) -> anyhow::Result<Option<(Service, Option<(String, String)>)>> {
    let mut s = settings.clone();
    s.data_dir = work.join(format!("service-{kind}"));
    s.limits.asks_per_minute = 0;
    s.discord = Default::default();
    let admin = match kind {
        "sqlite" => {
            s.database_url = Secret::new(format!("sqlite://{}", s.data_dir.join("svp.db").display()));
            None
        }
        _ => {
            let Some(url) = postgres else { return Ok(None) };
            let name = format!("svp_bench_store_{}", std::process::id());
            let mut admin = sqlx::PgConnection::connect(url).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
            admin.close().await?;
            let base = url.split('?').next().unwrap_or(url);
            s.database_url = Secret::new(format!("{}/{name}", &base[..base.rfind('/').unwrap_or(base.len())]));
            Some((url.to_string(), name))
        }
    };
    Ok(Some((crate::app::open_service(&s, false, &|_| {}).await?, admin)))
}

async fn users(service: &Service, prefix: &str, role: Role, n: usize) -> anyhow::Result<Vec<User>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(service.add_user(NewUser { name: format!("{prefix} {i}"), role, site: Some("Banc d'essai".into()), discord_id: None }).await?);
    }
    Ok(out)
}

/// Runs every measure on SQLite, and on PostgreSQL when a URL is given; returns the report
/// sections.
pub async fn run(settings: &Settings, scale: &Scale, postgres: Option<&str>, work: &Path) -> anyhow::Result<String> {
    let mut feedback = String::from("\n## 3. Feedback latency\n\nFrom an expert's `answer` call (database commit, then index commit) to the bot finding the answer: `answer` returns only once it is searchable, and each answer is then searched for by a paraphrase.\n\n| store | answers | p50 | p99 | found by the bot |\n|---|---|---|---|---|\n");
    let mut load = format!("\n## 4. Load through the core\n\n{} concurrent askers × {} questions each (recorded, redacted, searched, decided), every 5th escalated to a new ticket.\n\n| store | asks | throughput | p50 | p99 | tickets | lost or duplicated | peak memory (process) |\n|---|---|---|---|---|---|---|---|\n", scale.askers, scale.asks);
    let mut tickets = format!("\n## 5. Ticket operations\n\n{} tickets, each claimed, clarified, replied to and closed by concurrent experts and askers (4 operations each).\n\n| store | operations | throughput | p50 | p99 |\n|---|---|---|---|---|\n", scale.tickets);
    for kind in ["sqlite", "postgres"] {
        let Some((service, admin)) = service_on(kind, settings, postgres, work).await? else {
            let _ = writeln!(load, "| PostgreSQL | not run (no PostgreSQL URL) | | | | | | |");
            continue;
        };
        let label = if kind == "sqlite" { "SQLite" } else { "PostgreSQL" };
        let (l, found) = answers(&service, scale.answers).await?;
        let _ = writeln!(feedback, "| {label} | {} | {} | {} | {found}/{} |", l.n, ms(l.p50), ms(l.p99), l.n);
        let r = asks(&service, scale).await?;
        let _ = writeln!(
            load,
            "| {label} | {} | {:.0}/s | {} | {} | {} | {} | {} |",
            r.asks,
            r.asks as f64 / r.elapsed.as_secs_f64(),
            ms(r.latency.p50),
            ms(r.latency.p99),
            r.tickets,
            if r.lost == 0 { "none".to_string() } else { r.lost.to_string() },
            mb(peak_rss())
        );
        let (ops, elapsed, l) = ticket_ops(&service, scale.tickets).await?;
        let _ = writeln!(tickets, "| {label} | {ops} | {:.0}/s | {} | {} |", ops as f64 / elapsed.as_secs_f64(), ms(l.p50), ms(l.p99));
        service.store().close().await;
        if let Some((url, name)) = admin {
            let mut c = sqlx::PgConnection::connect(&url).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await?;
        }
    }
    Ok(format!("{feedback}{load}{tickets}"))
}

async fn answers(service: &Service, n: usize) -> anyhow::Result<(Latency, usize)> {
    let staff = users(service, "Intervenant feedback", Role::Staff, 1).await?.remove(0);
    let expert = users(service, "Expert feedback", Role::Expert, 1).await?.remove(0);
    let mut samples = Vec::with_capacity(n);
    let mut found = 0;
    for i in 0..n {
        let marker = format!("zorglub{i}");
        let asked = service.ask(&staff, &format!("Question particulière {marker} sur une famille polygame"), Origin::default()).await?;
        let ticket = service.escalate(&staff, asked.question_id, EscalateMode::New).await?.ticket_id().unwrap_or_default();
        service.claim(&expert, ticket).await?;
        let started = Instant::now();
        service.answer(&expert, ticket, &format!("Réponse d'expert {marker} : orienter vers un juriste spécialisé.")).await?;
        samples.push(started.elapsed());
        let reply = service.bot().reply(&format!("{marker} famille polygame"), crate::app::today()).map_err(|e| anyhow::anyhow!("{e}"))?;
        if reply.hits.first().is_some_and(|h| h.slug.starts_with("answer-")) {
            found += 1;
        } else {
            tracing::warn!(%marker, hits = ?reply.hits.iter().take(3).map(|h| &h.slug).collect::<Vec<_>>(), "expert answer not found first");
        }
    }
    Ok((Latency::of(samples), found))
}

struct AskRun {
    asks: usize,
    tickets: usize,
    lost: usize,
    elapsed: Duration,
    latency: Latency,
}

async fn asks(service: &Service, scale: &Scale) -> anyhow::Result<AskRun> {
    let askers = users(service, "Intervenant charge", Role::Staff, scale.askers).await?;
    let questions_before = service.store().count_questions().await?;
    let tickets_before = service.store().count_tickets().await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (a, user) in askers.into_iter().enumerate() {
        let service = service.clone();
        let per = scale.asks;
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(per);
            let mut escalated = 0usize;
            for k in 0..per {
                let q = QUESTIONS[(a + k) % QUESTIONS.len()];
                let t = Instant::now();
                let asked = service.ask(&user, q, Origin::default()).await?;
                samples.push(t.elapsed());
                if k % 5 == 0 {
                    service.escalate(&user, asked.question_id, EscalateMode::New).await?;
                    escalated += 1;
                }
            }
            anyhow::Ok((samples, escalated))
        }));
    }
    let mut samples = Vec::new();
    let mut escalated = 0;
    for task in tasks {
        let (s, e) = task.await??;
        samples.extend(s);
        escalated += e;
    }
    let elapsed = started.elapsed();
    let asks = samples.len();
    let recorded = (service.store().count_questions().await? - questions_before) as usize;
    let tickets = (service.store().count_tickets().await? - tickets_before) as usize;
    let lost = asks.abs_diff(recorded) + escalated.abs_diff(tickets);
    Ok(AskRun { asks, tickets, lost, elapsed, latency: Latency::of(samples) })
}

async fn ticket_ops(service: &Service, n: usize) -> anyhow::Result<(usize, Duration, Latency)> {
    let askers = users(service, "Demandeur", Role::Staff, 4).await?;
    let experts = users(service, "Expert ops", Role::Expert, 4).await?;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let asker = &askers[i % askers.len()];
        let asked = service.ask(asker, QUESTIONS[i % QUESTIONS.len()], Origin::default()).await?;
        let ticket = service.escalate(asker, asked.question_id, EscalateMode::New).await?.ticket_id().unwrap_or_default();
        ids.push((ticket, asker.clone()));
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (w, expert) in experts.into_iter().enumerate() {
        let service = service.clone();
        let mine: Vec<(i64, User)> = ids.iter().skip(w).step_by(4).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for (ticket, asker) in mine {
                let t = Instant::now();
                service.claim(&expert, ticket).await?;
                samples.push(t.elapsed());
                let t = Instant::now();
                service.clarify(&expert, ticket, "Quelle préfecture ?").await?;
                samples.push(t.elapsed());
                let t = Instant::now();
                service.reply(&asker, ticket, "Celle de Seine-Saint-Denis.").await?;
                samples.push(t.elapsed());
                let t = Instant::now();
                service.close(&expert, ticket).await?;
                samples.push(t.elapsed());
            }
            anyhow::Ok(samples)
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await??);
    }
    let elapsed = started.elapsed();
    Ok((samples.len(), elapsed, Latency::of(samples)))
}
