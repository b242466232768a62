//! Several instances on one PostgreSQL database: real `svp serve` processes (this binary) on
//! 127.0.0.1, each with its own search index. Measures the propagation of an expert answer saved
//! through A to a hit through B, asks per second through the HTTP API with one and with two
//! instances, and two outbox senders draining many Discord messages into a local fake Discord
//! (`fake_discord`): none posted twice, none lost.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection as _;

use super::fake_discord::FakeDiscord;
use super::http::{CLIENTS, QUESTIONS};
use super::{Latency, ms};
use crate::config::{Secret, Settings};
use crate::core::Service;
use crate::core::notify::{DISCORD, Message};
use crate::core::roles::Role;
use crate::store::{NewNotification, NewUser};

/// How much to do.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Expert answers whose propagation is timed.
    pub answers: usize,
    /// Asks per client, with one and with two instances.
    pub asks_per_client: usize,
    /// Outbox messages drained by two senders.
    pub outbox: usize,
}

impl Scale {
    /// CI.
    pub fn quick() -> Self {
        Scale { answers: 3, asks_per_client: 3, outbox: 200 }
    }

    /// By hand.
    pub fn full() -> Self {
        Scale { answers: 100, asks_per_client: 60, outbox: 10_000 }
    }
}


/// An `svp serve` process, killed when dropped.
struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh database on the PostgreSQL server at `url`, dropped by [`drop_database`].
async fn create_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut admin = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
    admin.close().await?;
    let base = url.split('?').next().unwrap_or(url);
    Ok(format!("{}/{name}", &base[..base.rfind('/').unwrap_or(base.len())]))
}

async fn drop_database(url: &str, name: &str) -> anyhow::Result<()> {
    let mut admin = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
    Ok(())
}

/// Starts `svp serve` on a free port with its own data folder; returns once it is ready.
async fn spawn(settings: &Settings, database: &str, data: &Path, http: &reqwest::Client) -> anyhow::Result<Instance> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(std::env::current_exe()?)
        .arg("--data-dir")
        .arg(data)
        .arg("--knowledge")
        .arg(&settings.knowledge_dir)
        .arg("--database-url")
        .arg(database)
        .arg("serve")
        .env("SVP_WEB__BIND", format!("127.0.0.1:{port}"))
        .env("SVP_LIMITS__ASKS_PER_MINUTE", "0")
        .env("SVP_LOG", "warn")
        .env_remove("SVP_DISCORD_TOKEN")
        .env_remove("SVP_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let instance = Instance { child, base: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{}/ready", instance.base)).send().await
            && r.status().is_success()
        {
            return Ok(instance);
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(300), "svp serve on port {port} was not ready after 5 minutes");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn post(http: &reqwest::Client, base: &str, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
    let response = http.post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await?;
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "POST {path}: {status} {value}");
    Ok(value)
}

/// `CLIENTS` clients asking through `bases` in turn; returns (answers, elapsed, latency, failed).
async fn asks(http: &reqwest::Client, bases: &[String], token: &str, per_client: usize) -> (usize, Duration, Latency, usize) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, token) = (http.clone(), bases[c % bases.len()].clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(per_client);
            let mut failed = 0usize;
            for i in 0..per_client {
                let t = Instant::now();
                match post(&http, &base, "/api/v1/ask", &token, json!({ "question": QUESTIONS[(c + i) % QUESTIONS.len()] })).await {
                    Ok(_) => samples.push(t.elapsed()),
                    Err(_) => failed += 1,
                }
            }
            (samples, failed)
        }));
    }
    let mut samples = Vec::new();
    let mut failed = 0;
    for t in tasks {
        if let Ok((s, f)) = t.await {
            samples.extend(s);
            failed += f;
        }
    }
    let elapsed = started.elapsed();
    (samples.len(), elapsed, Latency::of(samples), failed)
}

/// Runs the measures when a PostgreSQL URL is given; returns the report section.
pub async fn run(settings: &Settings, scale: &Scale, postgres: Option<&str>, work: &Path) -> anyhow::Result<String> {
    let mut out = String::from("\n## 7. Several instances on one PostgreSQL\n");
    let Some(url) = postgres else {
        out.push_str("\nNot run (no PostgreSQL URL).\n");
        return Ok(out);
    };
    let name = format!("svp_bench_instances_{}", std::process::id());
    let database = create_database(url, &name).await?;
    let result = measure(settings, scale, &database, work, &mut out).await;
    drop_database(url, &name).await?;
    result?;
    Ok(out)
}

async fn measure(settings: &Settings, scale: &Scale, database: &str, work: &Path, out: &mut String) -> anyhow::Result<()> {
    // Accounts, through the core (which also applies the migrations).
    let setup = open(settings, database, &work.join("instances-setup"), None).await?;
    setup.add_user(NewUser { name: "Banc staff".into(), role: Role::Staff, site: Some("Banc".into()), discord_id: None }).await?;
    setup.add_user(NewUser { name: "Banc expert".into(), role: Role::Expert, site: None, discord_id: None }).await?;
    let (_, staff) = setup.create_api_token("Banc staff", None).await?;
    let (_, expert) = setup.create_api_token("Banc expert", None).await?;
    setup.store().close().await;
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(CLIENTS).build()?;

    let _ = writeln!(
        out,
        "\nReal `svp serve` processes of this binary on 127.0.0.1, each with its own search index, on one PostgreSQL database; the clients run in the benchmark's process. All share this machine's cores.\n"
    );
    // Asks per second: one instance, then two.
    let a = spawn(settings, database, &work.join("instance-a"), &http).await?;
    asks(&http, std::slice::from_ref(&a.base), &staff, 2).await; // warm-up
    let one = asks(&http, std::slice::from_ref(&a.base), &staff, scale.asks_per_client).await;
    let b = spawn(settings, database, &work.join("instance-b"), &http).await?;
    let bases = [a.base.clone(), b.base.clone()];
    asks(&http, &bases, &staff, 2).await;
    let two = asks(&http, &bases, &staff, scale.asks_per_client).await;
    let _ = writeln!(out, "`POST /api/v1/ask`, {CLIENTS} concurrent clients × {} questions (with two instances, half the clients on each):\n\n| instances | answers | throughput | p50 | p99 | failed |\n|---|---|---|---|---|---|", scale.asks_per_client);
    for (n, (count, elapsed, l, failed)) in [(1, one), (2, two)] {
        let _ = writeln!(out, "| {n} | {count} | {:.0}/s | {} | {} | {failed} |", count as f64 / elapsed.as_secs_f64(), ms(l.p50), ms(l.p99));
    }

    // Propagation: an expert answer saved through A, found through B.
    let mut samples = Vec::with_capacity(scale.answers);
    let mut missed = 0;
    for i in 0..scale.answers {
        let marker = format!("zorglub{i}");
        let asked = post(&http, &a.base, "/api/v1/ask", &staff, json!({ "question": format!("Question particulière {marker} sur une famille polygame ?") })).await?;
        let qid = asked["question_id"].as_i64().unwrap_or_default();
        let escalated = post(&http, &a.base, &format!("/api/v1/questions/{qid}/escalate"), &staff, json!({ "new": true })).await?;
        let ticket = escalated["ticket_id"].as_i64().unwrap_or_default();
        post(&http, &a.base, &format!("/api/v1/tickets/{ticket}/claim"), &expert, json!({})).await?;
        post(&http, &a.base, &format!("/api/v1/tickets/{ticket}/answer"), &expert, json!({ "text": format!("Réponse d'expert {marker} : orienter vers un juriste spécialisé.") })).await?;
        let started = Instant::now();
        let detail: Value = http.get(format!("{}/api/v1/tickets/{ticket}", a.base)).bearer_auth(&expert).send().await?.json().await?;
        let slug = format!("answer-{}", detail["answer"]["id"].as_i64().unwrap_or_default());
        loop {
            let reply = post(&http, &b.base, "/api/v1/ask", &staff, json!({ "question": format!("{marker} famille polygame") })).await?;
            if reply["hits"][0]["slug"].as_str() == Some(slug.as_str()) {
                samples.push(started.elapsed());
                break;
            }
            if started.elapsed() > Duration::from_secs(10) {
                missed += 1;
                break;
            }
        }
    }
    let l = Latency::of(samples);
    let _ = writeln!(
        out,
        "\nPropagation: an expert answer saved through A (the API call returned), then the same paraphrase asked through B until B's first hit is that answer. {} answers: p50 {}, p99 {}; not found within 10 s: {missed}. (`pg_notify` carries the change's sequence number; B replays the change log at once; a poll every 3 s is the safety net.)",
        l.n,
        ms(l.p50),
        ms(l.p99)
    );
    drop(a);
    drop(b);

    outbox_drain(settings, database, work, scale.outbox, out).await
}

/// A service on `database` with its own data folder; with a Discord token and API base when given.
async fn open(settings: &Settings, database: &str, data: &Path, discord: Option<(&str, &str)>) -> anyhow::Result<Service> {
    let mut s = settings.clone();
    s.data_dir = data.to_path_buf();
    s.database_url = Secret::new(database);
    s.limits.asks_per_minute = 0;
    s.discord = Default::default();
    if let Some((token, base)) = discord {
        s.discord.token = Secret::new(token);
        s.discord.api_base_url = Some(base.to_string());
    }
    crate::app::open_service(&s, false, &|_| {}).await
}

/// Two senders (two services, each with its own connection pool and Discord client) drain
/// `n` direct messages queued at once.
async fn outbox_drain(settings: &Settings, database: &str, work: &Path, n: usize, out: &mut String) -> anyhow::Result<()> {
    let fake = FakeDiscord::start().await?;
    let a = open(settings, database, &work.join("outbox-a"), Some(("bench-a", &fake.base_url))).await?;
    let b = open(settings, database, &work.join("outbox-b"), Some(("bench-b", &fake.base_url))).await?;
    // 50 recipients with Discord accounts; `n` answers owed to them.
    let mut recipients = Vec::new();
    for i in 0..50u64 {
        let user = a
            .add_user(NewUser { name: format!("Destinataire {i}"), role: Role::Staff, site: None, discord_id: Some((700_000_000_000_000_000 + i).to_string()) })
            .await?;
        recipients.push(user.id);
    }
    let payload = serde_json::to_string(&Message::Answer {
        ticket_id: 0,
        question_id: 0,
        question: "Question de banc d'essai".into(),
        answer: "Réponse de banc d'essai.".into(),
        author: "Banc".into(),
        transport: "discord".into(),
        channel: None,
    })?;
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let batch: Vec<NewNotification> = chunk
            .iter()
            .map(|&k| NewNotification { kind: "answer".into(), ticket_id: None, recipient_id: Some(recipients[k % recipients.len()]), channel: DISCORD.into(), payload: payload.clone() })
            .collect();
        a.store().enqueue(&batch).await?;
    }
    let started = Instant::now();
    let senders = [crate::discord::start_outbox(a.clone(), a.settings().discord.clone())?, crate::discord::start_outbox(b.clone(), b.settings().discord.clone())?];
    loop {
        let (pending, _) = a.store().outbox_backlog(DISCORD).await?;
        if pending == 0 {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(1800), "the outbox was not drained in 30 minutes ({pending} left)");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    for s in senders {
        s.shutdown().await;
    }
    let sent = a.store().notifications(DISCORD, "sent").await?.len();
    let failed = a.store().notifications(DISCORD, "failed").await?.len();
    let counts = fake.counts();
    let _ = writeln!(
        out,
        "\nOutbox: {n} direct messages queued at once, drained by two senders (two services in the benchmark's process, each with its own connection pool, Discord client and lease owner token) into a local fake Discord that records every send by its nonce:\n\n| messages | drained in | throughput | sent by A / B | recorded sent | failed | posted twice | never posted |\n|---|---|---|---|---|---|---|---|\n| {n} | {:.1} s | {:.0}/s | {} / {} | {sent} | {failed} | {} | {} |",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        counts.by_token.get("bench-a").copied().unwrap_or(0),
        counts.by_token.get("bench-b").copied().unwrap_or(0),
        counts.posted_twice,
        n.saturating_sub(counts.distinct_nonces),
    );
    a.store().close().await;
    b.store().close().await;
    Ok(())
}
