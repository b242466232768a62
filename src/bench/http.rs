//! The web app over real HTTP on 127.0.0.1 (SQLite): `POST /api/v1/ask` with 32 concurrent
//! clients, the desk's queue with many open tickets (time to first byte), and the weight of
//! every page (HTML, CSS and JS).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::{Latency, ms};
use crate::config::Settings;
use crate::core::roles::Role;
use crate::core::{EscalateMode, Service};
use crate::store::{NewUser, Origin};

/// Concurrent API clients.
pub(super) const CLIENTS: usize = 32;
const PASSWORD: &str = "banc d'essai du bureau";

/// How much to do.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Asks per client.
    pub asks_per_client: usize,
    /// Open tickets behind the queue.
    pub open_tickets: usize,
    /// Queue requests timed.
    pub queue_requests: usize,
}

impl Scale {
    /// CI.
    pub fn quick() -> Self {
        Scale { asks_per_client: 5, open_tickets: 100, queue_requests: 10 }
    }

    /// By hand.
    pub fn full() -> Self {
        Scale { asks_per_client: 100, open_tickets: 10_000, queue_requests: 100 }
    }
}

/// What the API clients ask, in turn.
pub(super) const QUESTIONS: &[&str] = &[
    "il a 23 ans, réfugié, pas d'enfant : droit au RSA ou pas ?",
    "comment obtenir une domiciliation administrative ?",
    "le consulat a refusé le visa de sa femme, quel recours ?",
    "carte vitale : il a toujours un numéro provisoire, que faire ?",
    "cours de français OFII : combien d'heures maintenant ?",
    "échange du permis de conduire : quel délai pour un réfugié ?",
];

/// Runs the measures; returns the report section.
pub async fn run(settings: &Settings, scale: &Scale, work: &Path) -> anyhow::Result<String> {
    let Some((service, _)) = super::load::service_on("sqlite", settings, None, &work.join("http")).await? else {
        anyhow::bail!("no SQLite service");
    };
    let staff = service.add_user(NewUser { name: "Banc staff".into(), role: Role::Staff, site: Some("Banc".into()), discord_id: None }).await?;
    service.add_user(NewUser { name: "Banc expert".into(), role: Role::Expert, site: None, discord_id: None }).await?;
    service.set_password("Banc expert", PASSWORD).await?;
    let (_, token) = service.create_api_token("Banc staff", None).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = crate::web::app(crate::web::WebState::new(service.clone())?).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build()?;

    let mut out = String::from("\n## 6. The web app over HTTP\n\nA real `axum` server on 127.0.0.1 (SQLite), driven by `reqwest` clients in the same process (they share its two cores).\n");
    // Asks per second through the API.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        let n = scale.asks_per_client;
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(n);
            let mut failures = 0usize;
            for i in 0..n {
                let question = QUESTIONS[(c + i) % QUESTIONS.len()];
                let t = Instant::now();
                // The whole answer is read, as a client would (and so the connection is reused).
                let response = http.post(format!("{base}/api/v1/ask")).bearer_auth(&token).json(&serde_json::json!({ "question": question })).send().await;
                let ok = match response {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                if ok {
                    samples.push(t.elapsed());
                } else {
                    failures += 1;
                }
            }
            (samples, failures)
        }));
    }
    let mut samples = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (s, f) = t.await?;
        samples.extend(s);
        failures += f;
    }
    let elapsed = started.elapsed();
    let asks = samples.len();
    let l = Latency::of(samples);
    let _ = writeln!(
        out,
        "\n`POST /api/v1/ask` (recorded, redacted, searched, decided), {CLIENTS} concurrent clients × {} questions:\n\n| answers | throughput | p50 | p99 | failed |\n|---|---|---|---|---|\n| {asks} | {:.0}/s | {} | {} | {failures} |",
        scale.asks_per_client,
        asks as f64 / elapsed.as_secs_f64(),
        ms(l.p50),
        ms(l.p99)
    );

    // The desk's queue with many open tickets.
    open_tickets(&service, &staff, scale.open_tickets).await?;
    let session = service.login("Banc expert", PASSWORD, "127.0.0.1").await?;
    let cookie = format!("{}={}", crate::web::SESSION_COOKIE, session.token);
    let mut ttfb = Vec::new();
    for _ in 0..scale.queue_requests {
        let t = Instant::now();
        let response = http.get(format!("{base}/desk")).header("cookie", &cookie).send().await?;
        ttfb.push(t.elapsed());
        anyhow::ensure!(response.status().is_success(), "queue: {}", response.status());
        response.bytes().await?;
    }
    let q = Latency::of(ttfb);
    let _ = writeln!(
        out,
        "\nThe desk's queue (`GET /desk`, the 100 oldest shown) with {} open tickets, time to first byte over {} requests: p50 {}, p99 {}.",
        service.store().count_tickets().await?,
        q.n,
        ms(q.p50),
        ms(q.p99)
    );

    // Page weights.
    let css = http.get(format!("{base}/static/svp.css")).send().await?.bytes().await?.len();
    let js = http.get(format!("{base}/static/svp.js")).send().await?.bytes().await?.len();
    let _ = writeln!(out, "\nPage weights (HTML of the page + {css} B of CSS + {js} B of JS, loaded once):\n\n| page | HTML | total |\n|---|---|---|");
    let first_ticket = service.queue(&service.user_named("Banc expert").await?, &Default::default(), 0, 1).await?.first().map(|t| t.id).unwrap_or(1);
    for path in ["/login", "/", "/mes-questions", "/connaissances", "/stats", "/articles/siao-115", &format!("/desk/tickets/{first_ticket}")] {
        let html = http.get(format!("{base}{path}")).header("cookie", &cookie).send().await?.bytes().await?.len();
        let _ = writeln!(out, "| `{path}` | {:.1} KB | {:.1} KB |", html as f64 / 1000.0, (html + css + js) as f64 / 1000.0);
    }
    let queue_html = http.get(format!("{base}/desk")).header("cookie", &cookie).send().await?.bytes().await?.len();
    let _ = writeln!(out, "| `/desk` ({} open tickets, 100 shown) | {:.1} KB | {:.1} KB |", scale.open_tickets, queue_html as f64 / 1000.0, (queue_html + css + js) as f64 / 1000.0);
    server.abort();
    service.store().close().await;
    Ok(out)
}

/// Opens `n` tickets through the service (ask, then escalate), in parallel batches.
async fn open_tickets(service: &Service, staff: &crate::store::User, n: usize) -> anyhow::Result<()> {
    let service = Arc::new(service.clone());
    let staff = Arc::new(staff.clone());
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(64);
        let mut tasks = Vec::new();
        for i in 0..batch {
            let (service, staff) = (service.clone(), staff.clone());
            let k = done + i;
            tasks.push(tokio::spawn(async move {
                let text = format!("Question de banc d'essai numéro {k} sur une démarche peu courante ?");
                let asked = service.ask(&staff, &text, Origin { transport: "web".into(), channel: None }).await?;
                service.escalate(&staff, asked.question_id, EscalateMode::New).await?;
                anyhow::Ok(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        done += batch;
    }
    Ok(())
}
