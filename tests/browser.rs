//! End to end in headless Chromium, against the real `svp serve`: staff logs in, asks and
//! escalates; an expert logs in, claims, previews and answers; the staff page shows the answer
//! without reload; a paraphrase is answered from the expert answer. Screenshots of every page at
//! 1280 px and 390 px go to `target/screenshots/` (copy them to `docs/screenshots/` to refresh
//! the README's).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test says it skipped; with `SVP_REQUIRE_BROWSER=1` (CI) it fails instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::process::{Killed, free_port};

use support::webdriver::Browser as Client;

const PASSWORD: &str = "correct horse battery";


fn svp(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_svp"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).arg("--data-dir").arg(data).env_remove("SVP_DISCORD_TOKEN").env("SVP_LOG", "warn");
    cmd
}

fn add_user(data: &Path, name: &str, role: &str) {
    let mut child = svp(data)
        .args(["users", "add", name, "--role", role, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("svp users add");
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait().unwrap().success(), "users add {name}");
}

fn wait_for_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(120), "port {port} did not open");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].iter().map(PathBuf::from).find(|p| p.exists())
}

async fn login(c: &Client, base: &str, name: &str, next: &str) {
    c.goto(&format!("{base}{next}")).await;
    assert!(c.url().await.contains("/login?next="), "logged-out visitors are sent to the login");
    c.type_into(&c.must("#name").await, name).await;
    c.type_into(&c.must("#password").await, PASSWORD).await;
    c.click(&c.must("form[action='/login'] button").await).await;
    wait_text(c, "Se déconnecter").await;
    let path = next.split('?').next().unwrap();
    assert!(c.url().await.starts_with(&format!("{base}{path}")), "back to the page asked for: {}", c.url().await);
}

/// Waits (up to 15 s) until the page shows `text`, without reloading it.
async fn wait_text(c: &Client, text: &str) -> String {
    let started = Instant::now();
    loop {
        let body = c.text().await;
        if body.contains(text) {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "« {text} » never appeared in: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn click_button(c: &Client, label: &str) {
    match c.find_xpath(&format!("//button[contains(., \"{label}\")]")).await {
        Some(b) => c.click(&b).await,
        None => panic!("no button « {label} »: {}", c.text().await),
    }
}

async fn click_link(c: &Client, label: &str) {
    match c.find_xpath(&format!("//a[normalize-space(.) = \"{label}\"]")).await {
        Some(b) => c.click(&b).await,
        None => panic!("no link « {label} »: {}", c.text().await),
    }
}

async fn shoot(c: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (width, suffix) in [(1280u32, "desktop"), (390, "phone")] {
        c.resize(width, 900).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        std::fs::write(dir.join(format!("{name}-{suffix}.png")), c.screenshot().await).unwrap();
    }
    c.resize(1280, 900).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_expert_close_the_loop_in_a_real_browser() {
    let Some(driver_bin) = chromedriver() else {
        assert_ne!(std::env::var("SVP_REQUIRE_BROWSER").as_deref(), Ok("1"), "SVP_REQUIRE_BROWSER=1 but chromedriver is missing");
        eprintln!("skipping the browser test: install chromium and chromium-driver to run it");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    add_user(data.path(), "Chloé", "staff");
    add_user(data.path(), "Awa", "expert");
    add_user(data.path(), "Maya", "manager");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Killed(
        svp(data.path())
            .arg("serve")
            .env("SVP_WEB__BIND", format!("127.0.0.1:{port}"))
            .env("SVP_SEARCH__PUBLIC_URL", &base)
            .stdout(Stdio::null())
            .spawn()
            .expect("serve starts"),
    );
    let driver_port = free_port();
    let _driver = Killed(Command::new(driver_bin).arg(format!("--port={driver_port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("chromedriver"));
    wait_for_port(port);
    wait_for_port(driver_port);

    let staff = Client::open(driver_port).await;
    staff.goto(&format!("{base}/login")).await;
    shoot(&staff, "login").await;
    login(&staff, &base, "Chloé", "/").await;
    staff.type_into(&staff.must("#q").await, "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?").await;
    staff.click(&staff.must("form.ask button").await).await;
    // Answered, escalated or « did you mean »: each offers to pass the question on.
    wait_text(&staff, "ransmettre à un expert").await;
    shoot(&staff, "ask").await;
    click_button(&staff, "ransmettre à un expert").await;
    wait_text(&staff, "transmise aux experts").await;
    click_link(&staff, "Mes questions").await;
    wait_text(&staff, "carte de pêche").await;

    let expert = Client::open(driver_port).await;
    login(&expert, &base, "Awa", "/desk").await;
    wait_text(&expert, "carte de pêche").await;
    shoot(&expert, "desk").await;
    // The queue from the keyboard: j moves to the first ticket, Enter opens it.
    expert.press("j\u{E007}").await;
    wait_text(&expert, "Prendre en charge").await;
    click_button(&expert, "Prendre en charge").await;
    wait_text(&expert, "Ticket pris en charge").await;
    let answer = "Oui : la **carte de pêche** est vendue par les fédérations départementales, voir [le site](https://www.cartedepeche.fr).";
    expert.type_into(&expert.must("#answer").await, answer).await;
    expert.click(&expert.must("[data-preview-for='answer']").await).await;
    let started = Instant::now();
    loop {
        let html = expert.inner_html(&expert.must("#preview").await).await;
        if html.contains("<strong>carte de pêche</strong>") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no preview: {html}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shoot(&expert, "ticket").await;
    click_button(&expert, "Publier la réponse").await;
    wait_text(&expert, "Réponse publiée").await;

    // The staff page, left open, shows the answer without reload.
    let before = staff.url().await;
    wait_text(&staff, "Réponse de Awa").await;
    assert_eq!(staff.url().await, before);
    shoot(&staff, "mine").await;

    // A change made elsewhere (here the CLI, as another instance would) shows on the expert's
    // open ticket page, without replacing anything on it.
    let closed = svp(data.path()).args(["tickets", "close", "1", "--as", "Awa"]).stdout(Stdio::null()).status().expect("svp tickets close");
    assert!(closed.success());
    wait_text(&expert, "Ce ticket vient de changer").await;

    // A paraphrase is answered from the expert answer.
    click_link(&staff, "Poser une question").await;
    staff.type_into(&staff.must("#q").await, "carte de pêche moins chère pour un réfugié ?").await;
    staff.click(&staff.must("form.ask button").await).await;
    wait_text(&staff, "Réponse d'expert").await;

    click_link(&staff, "Connaissances").await;
    wait_text(&staff, "Réponses d'experts").await;
    shoot(&staff, "knowledge").await;

    let manager = Client::open(driver_port).await;
    login(&manager, &base, "Maya", "/stats").await;
    wait_text(&manager, "Questions posées").await;
    shoot(&manager, "stats").await;

    for c in [staff, expert, manager] {
        c.close().await;
    }
}
