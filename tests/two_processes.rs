//! Two real `svp serve` processes on one PostgreSQL database, each with its own search index,
//! driven through the JSON API: an answer saved through one is found through the other;
//! simultaneous claims through both have one winner; after one is killed (`kill -9`), the other
//! keeps serving.

mod support;

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
    let mut cmd = svp(data, url);
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
    let _b = serve(dir_b.path(), &url, port_b);
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

    // A is killed mid-way: B goes on, ready, with every answer.
    drop(a);
    let ready = http.get(format!("{base_b}/ready")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let (status, reply) = post(&http, &base_b, "/api/v1/ask", &chloe, json!({ "question": question })).await;
    assert_eq!(status, 200, "{reply}");
    assert!(reply["hits"][0]["slug"].as_str().is_some_and(|s| s.starts_with("answer-")), "{reply}");
}
