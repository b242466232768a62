//! Two real `svp serve` processes on one PostgreSQL database, each with its own search index,
//! driven through the JSON API: an answer saved through one is found through the other, after
//! its listening connection is cut, and after it restarts from an older index;
//! simultaneous claims through both have one winner; after one is killed (`kill -9`), the other
//! keeps serving; with a (fake) Discord, one process holds the gateway, both deliver the outbox,
//! and when the holder is killed the survivor takes the gateway over and every ticket card is
//! posted exactly once.

mod support;

use support::fake_discord::{EXPERTS_CHANNEL, FakeDiscord, GUILD_ID};
use support::process::{Killed, free_port};

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};


fn svp(data: &Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_svp"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data-dir")
        .arg(data)
        .arg("--database-url")
        .arg(url)
        .env_remove("SVP_DISCORD_TOKEN")
        .env("SVP_LOG", "warn");
    cmd
}

fn run(mut cmd: Command, stdin: Option<&str>) -> String {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("svp");
    if let Some(text) = stdin {
        writeln!(child.stdin.take().unwrap(), "{text}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{cmd:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A user and their API token.
fn user_with_token(data: &Path, url: &str, name: &str, role: &str) -> String {
    let mut add = svp(data, url);
    add.args(["users", "add", name, "--role", role, "--password-stdin"]);
    run(add, Some("un mot de passe assez long"));
    let mut token = svp(data, url);
    token.args(["tokens", "create", "--as", name]);
    run(token, None).lines().last().unwrap().trim().to_string()
}

fn serve(data: &Path, url: &str, port: u16) -> Killed {
    serve_with(data, url, port, &[])
}

/// `svp serve` with extra environment (`SVP_…` settings).
fn serve_with(data: &Path, url: &str, port: u16, env: &[(&str, String)]) -> Killed {
    let mut cmd = svp(data, url);
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    cmd.arg("serve").env("SVP_WEB__BIND", format!("127.0.0.1:{port}")).stdout(Stdio::null()).stderr(Stdio::null());
    let child = Killed(cmd.spawn().expect("svp serve"));
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(120), "port {port} did not open");
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

async fn post(http: &reqwest::Client, base: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let response = http.post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn two_processes_share_answers_and_claims_and_survive_a_kill() {
    let Some(target) = support::Target::postgres().await else { return };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = target.url.clone();
    let chloe = user_with_token(dir_a.path(), &url, "Chloé", "staff");
    let awa = user_with_token(dir_a.path(), &url, "Awa", "expert");
    let bruno = user_with_token(dir_a.path(), &url, "Bruno", "expert");
    let (port_a, port_b) = (free_port(), free_port());
    let a = serve(dir_a.path(), &url, port_a);
    let mut b = serve(dir_b.path(), &url, port_b);
    let (base_a, base_b) = (format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}"));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    // Asked and escalated through A.
    let question = "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?";
    let (status, asked) = post(&http, &base_a, "/api/v1/ask", &chloe, json!({ "question": question })).await;
    assert_eq!(status, 200, "{asked}");
    let qid = asked["question_id"].as_i64().unwrap();
    let (_, escalated) = post(&http, &base_a, &format!("/api/v1/questions/{qid}/escalate"), &chloe, json!({ "new": true })).await;
    let ticket = escalated["ticket_id"].as_i64().expect("a ticket");

    // Two experts claim at once, one through each process: one wins.
    let claim = format!("/api/v1/tickets/{ticket}/claim");
    let (x, y) = tokio::join!(post(&http, &base_a, &claim, &awa, json!({})), post(&http, &base_b, &claim, &bruno, json!({})));
    let mut statuses = [x.0, y.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{x:?} {y:?}");
    let (winner, base) = if x.0 == 200 { (&awa, &base_a) } else { (&bruno, &base_b) };
    let answer = json!({ "text": "Oui : les fédérations départementales de pêche proposent des cartes à tarif réduit." });
    let (status, answered) = post(&http, base, &format!("/api/v1/tickets/{ticket}/answer"), winner, answer).await;
    assert_eq!(status, 200, "{answered}");

    // Found through B (its own index, told by PostgreSQL).
    let started = Instant::now();
    loop {
        let (_, reply) = post(&http, &base_b, "/api/v1/ask", &chloe, json!({ "question": question })).await;
        if reply["hits"][0]["slug"].as_str().is_some_and(|s| s.starts_with("answer-")) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "B never found the answer: {reply}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // An answer through A, opened and answered in one go; B finds it first (not an article).
    let answered_through_a = |question: &'static str, text: &'static str| {
        let (http, chloe, awa, base_a) = (http.clone(), chloe.clone(), awa.clone(), base_a.clone());
        async move {
            let (_, asked) = post(&http, &base_a, "/api/v1/ask", &chloe, json!({ "question": question })).await;
            let qid = asked["question_id"].as_i64().unwrap();
            let (_, escalated) = post(&http, &base_a, &format!("/api/v1/questions/{qid}/escalate"), &chloe, json!({ "new": true })).await;
            let ticket = escalated["ticket_id"].as_i64().expect("a ticket");
            assert_eq!(post(&http, &base_a, &format!("/api/v1/tickets/{ticket}/claim"), &awa, json!({})).await.0, 200);
            assert_eq!(post(&http, &base_a, &format!("/api/v1/tickets/{ticket}/answer"), &awa, json!({ "text": text })).await.0, 200);
            let detail: Value = http.get(format!("{base_a}/api/v1/tickets/{ticket}")).bearer_auth(&awa).send().await.unwrap().json().await.unwrap();
            format!("answer-{}", detail["answer"]["id"].as_i64().expect("an answer"))
        }
    };
    let found_through = |base: String, question: &'static str, slug: String, secs: u64| {
        let (http, chloe) = (http.clone(), chloe.clone());
        async move {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(secs) {
                let (status, reply) = post(&http, &base, "/api/v1/ask", &chloe, json!({ "question": question })).await;
                if status == 200 && reply["hits"][0]["slug"].as_str() == Some(slug.as_str()) {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        }
    };

    // Every listening connection is cut (`pg_terminate_backend`): B reconnects and catches up.
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let cut: i64 = sqlx::query_scalar("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'")
        .fetch_one(&admin)
        .await
        .unwrap();
    assert!(cut >= 1, "no listener to cut");
    let second = "Un réfugié peut-il s'inscrire dans un club de football amateur ?";
    let slug = answered_through_a(second, "Oui : la licence sportive amateur est ouverte à tous.").await;
    assert!(found_through(base_b.clone(), second, slug, 15).await, "B caught up after its listener was cut");

    // B is stopped; an answer is saved meanwhile; B restarts from its older index and has it.
    drop(b);
    let third = "Un réfugié peut-il adopter un chat dans un refuge de la SPA ?";
    let slug = answered_through_a(third, "Oui : l'adoption est ouverte à toute personne majeure résidant en France.").await;
    b = serve(dir_b.path(), &url, port_b);
    assert!(found_through(base_b.clone(), third, slug, 30).await, "B replayed what was saved while it was down");

    // A is killed mid-way: B goes on, ready, with every answer.
    drop(a);
    let ready = http.get(format!("{base_b}/ready")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let (status, reply) = post(&http, &base_b, "/api/v1/ask", &chloe, json!({ "question": question })).await;
    assert_eq!(status, 200, "{reply}");
    assert!(reply["hits"][0]["slug"].as_str().is_some_and(|s| s.starts_with("answer-")), "{reply}");
    drop(b);
}

async fn ready(http: &reqwest::Client, base: &str) -> Value {
    match http.get(format!("{base}/ready")).send().await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// Waits up to `secs` for `check`, polling every 100 ms; panics with `what` on timeout.
async fn wait_until<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(secs), "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_moves_and_no_card_is_lost_or_posted_twice_when_a_process_is_killed() {
    let Some(target) = support::Target::postgres().await else { return };
    let fake = FakeDiscord::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = target.url.clone();
    let chloe = user_with_token(dir_a.path(), &url, "Chloé", "staff");
    let discord = [
        ("SVP_DISCORD_TOKEN", "fake-token".to_string()),
        ("SVP_DISCORD__API_BASE_URL", fake.base_url.clone()),
        ("SVP_DISCORD__GUILD_ID", GUILD_ID.to_string()),
        ("SVP_DISCORD__EXPERTS_CHANNEL_ID", EXPERTS_CHANNEL.to_string()),
        // A message claimed by the killed process is retried by the survivor after 2 s.
        ("SVP_DISCORD__OUTBOX_LEASE_SECONDS", "2".to_string()),
        // Thirty questions in a few seconds from one asker.
        ("SVP_LIMITS__ASKS_PER_MINUTE", "0".to_string()),
    ];
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = Some(serve_with(dir_a.path(), &url, port_a, &discord));
    let mut b = Some(serve_with(dir_b.path(), &url, port_b, &discord));
    let (base_a, base_b) = (format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}"));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    // One gateway: one process holds it, the other stands by.
    wait_until("a gateway holder", 30, || async { fake.identifies() == 1 }).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let roles = [ready(&http, &base_a).await["gateway"].clone(), ready(&http, &base_b).await["gateway"].clone()];
    let holder_is_a = match (roles[0].as_str(), roles[1].as_str()) {
        (Some("held"), Some("standby")) => true,
        (Some("standby"), Some("held")) => false,
        other => panic!("expected one holder and one standby: {other:?}"),
    };
    assert_eq!(fake.identifies(), 1, "a second gateway session was opened");

    // Tickets opened through both: each card goes to the experts' channel.
    let open = |base: String| {
        let (http, chloe) = (http.clone(), chloe.clone());
        async move {
            let question = "Un réfugié peut-il obtenir une licence de club de boxe à tarif réduit ?";
            let (status, asked) = post(&http, &base, "/api/v1/ask", &chloe, json!({ "question": question })).await;
            assert_eq!(status, 200, "{asked}");
            let qid = asked["question_id"].as_i64().unwrap();
            let (status, t) = post(&http, &base, &format!("/api/v1/questions/{qid}/escalate"), &chloe, json!({ "new": true })).await;
            assert_eq!(status, 200, "{t}");
            t["ticket_id"].as_i64().expect("a ticket")
        }
    };
    let mut tickets = Vec::new();
    for i in 0..20 {
        tickets.push(open(if i % 2 == 0 { base_a.clone() } else { base_b.clone() }).await);
    }
    // The holder is killed while cards are being delivered.
    let survivor = if holder_is_a {
        drop(a.take());
        base_b.clone()
    } else {
        drop(b.take());
        base_a.clone()
    };
    for _ in 0..10 {
        tickets.push(open(survivor.clone()).await);
    }

    // The survivor takes the gateway over within seconds.
    wait_until("the survivor holds the gateway", 30, || async { ready(&http, &survivor).await["gateway"] == "held" }).await;
    wait_until("a second gateway session", 30, || async { fake.identifies() == 2 }).await;

    // Every card is posted once: as many created messages as tickets, one per ticket.
    let cards = || {
        let path = format!("/channels/{EXPERTS_CHANNEL}/messages");
        fake.requests().into_iter().filter(|r| r.method == "POST" && r.path == path && r.status == 200).collect::<Vec<_>>()
    };
    wait_until("every card created", 60, || async { fake.nonces_created().len() >= tickets.len() }).await;
    tokio::time::sleep(Duration::from_secs(3)).await; // a late duplicate would show now
    let created = fake.nonces_created();
    assert_eq!(created.len(), tickets.len(), "cards created: {created:?}");
    let mut per_ticket = std::collections::HashMap::<i64, std::collections::HashSet<String>>::new();
    for r in cards() {
        let nonce = r.body["nonce"].as_str().expect("every card carries a nonce").to_string();
        assert_eq!(r.body["enforce_nonce"], true);
        let text = r.body.to_string();
        let ticket = tickets.iter().copied().find(|t| text.contains(&format!("Ticket #{t} "))).unwrap_or_else(|| panic!("card of no ticket: {text}"));
        per_ticket.entry(ticket).or_default().insert(nonce);
    }
    for t in &tickets {
        assert_eq!(per_ticket.get(t).map(|n| n.len()), Some(1), "ticket #{t}: cards {:?}", per_ticket.get(t));
    }
    // Nothing is left owed.
    let metrics = http.get(format!("{survivor}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.trim() == "svp_outbox_pending 0"), "{metrics}");
    drop(a);
    drop(b);
}
