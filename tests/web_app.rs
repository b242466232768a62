//! The web app through its router (`tower::ServiceExt::oneshot`): login and sessions, what a
//! logged-out visitor gets, CSRF, roles on every surface, the staff ↔ expert loop, and the JSON
//! API with bearer tokens. On SQLite, and on PostgreSQL when configured.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use support::Target;
use svp::core::Service;
use svp::core::roles::Role;
use svp::web::{WebState, app};
use tower::ServiceExt;

const ORIGIN: &str = "http://127.0.0.1:8080";
const PASSWORD: &str = "correct horse battery";

struct Web {
    app: Router,
    service: Service,
    _target: Target,
}

impl Web {
    async fn on(target: Target) -> Web {
        let service = target.open().await;
        Web { app: app(WebState::new(service.clone()).unwrap()), service, _target: target }
    }

    async fn user(&self, name: &str, role: Role) {
        support::create_user(&self.service, name, role).await;
        self.service.set_password(name, PASSWORD).await.unwrap();
    }

    /// `asker` asks `question` and opens a new ticket for it; returns the ticket id.
    async fn ticket(&self, asker: &str, question: &str) -> i64 {
        let asker = self.service.user_named(asker).await.unwrap();
        let origin = svp::store::Origin { transport: "web".into(), channel: None };
        let asked = self.service.ask(&asker, question, origin).await.unwrap();
        self.service.escalate(&asker, asked.question_id, svp::core::EscalateMode::New).await.unwrap().ticket_id().unwrap()
    }

    /// A ticket opened by `asker`, claimed and answered with `answer` by `expert`; returns
    /// (ticket id, answer id).
    async fn answered(&self, asker: &str, expert: &str, question: &str, answer: &str) -> (i64, i64) {
        let ticket = self.ticket(asker, question).await;
        let expert = self.service.user_named(expert).await.unwrap();
        self.service.claim(&expert, ticket).await.unwrap();
        self.service.answer(&expert, ticket, answer).await.unwrap();
        (ticket, self.service.ticket_detail(&expert, ticket).await.unwrap().answer.unwrap().id)
    }

    async fn send(&self, request: Request<Body>) -> Response {
        self.app.clone().oneshot(request).await.unwrap()
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> Response {
        let mut r = Request::get(uri).header(header::HOST, "127.0.0.1:8080");
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::empty()).unwrap()).await
    }

    /// A same-site form post (the browser adds Origin).
    async fn post(&self, uri: &str, form: &str, cookie: Option<&str>) -> Response {
        let mut r = Request::post(uri)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::from(form.to_string())).unwrap()).await
    }

    /// Logs in and returns the `Cookie` header value.
    async fn login(&self, name: &str) -> String {
        let response = self.post("/login", &format!("name={name}&password={}", PASSWORD.replace(' ', "+")), None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {name}");
        let set = response.headers().get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap().to_string();
        set.split(';').next().unwrap().to_string()
    }

    async fn api(&self, method: &str, uri: &str, token: &str, body: &str) -> (StatusCode, serde_json::Value) {
        let r = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = self.send(r).await;
        let status = response.status();
        let text = body_text(response).await;
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{uri}: not JSON: {text}")))
    }
}

async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22).await.expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

fn location(response: &Response) -> String {
    response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn logged_out_visitors_see_only_the_login_health_and_assets() {
    let web = Web::on(Target::sqlite()).await;
    let ready = body_text(web.get("/ready", None).await).await;
    assert!(ready.contains("\"status\":\"ready\"") && ready.contains("\"index_lag_changes\":0"), "{ready}");
    for public in ["/health", "/ready", "/metrics", "/api/health", "/api/openapi.json", "/login", "/static/svp.css", "/static/svp.js"] {
        assert_eq!(web.get(public, None).await.status(), StatusCode::OK, "{public}");
    }
    for page in [
        "/",
        "/mes-questions",
        "/desk",
        "/desk/tickets/1",
        "/connaissances",
        "/connaissances/formulations",
        "/articles/siao-115",
        "/answers/1",
        "/tickets/1/answer",
        "/stats",
        "/rapports",
        "/rapports/questions.csv",
    ] {
        let response = web.get(page, None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
        let to = location(&response);
        assert!(to.starts_with("/login?next="), "{page} -> {to}");
        assert!(to.contains(&page.replace('/', "%2F")) || to.ends_with(page), "{page} comes back after login: {to}");
    }
    let response = web.get("/desk?status=open&theme=sejour", None).await;
    assert_eq!(location(&response), "/login?next=/desk%3Fstatus%3Dopen%26theme%3Dsejour");
    for api in ["/api/v1/questions", "/api/v1/tickets", "/api/v1/tickets/1", "/api/v1/articles/siao-115"] {
        let response = web.get(api, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{api}");
        let json: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
        assert_eq!(json["error"]["code"], "unauthenticated", "{api}");
    }
    // A state-changing request without a session is refused, not executed.
    let response = web.post("/", "q=le+115", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(web.service.store().count_questions().await.unwrap(), 0);
}

#[tokio::test]
async fn login_comes_back_to_the_page_and_wrong_passwords_are_rate_limited() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    let response = web.post("/login", "name=Chlo%C3%A9&password=correct+horse+battery&next=%2Fmes-questions", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/mes-questions");
    let cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let response = web.post("/login", "name=chlo%C3%A9&password=correct+horse+battery&next=%2F%2Fevil.example", None).await;
    assert_eq!(location(&response), "/", "never sent to another site");
    web.user("Élodie", Role::Staff).await;
    let response = web.post("/login", "name=%C3%A9lodie&password=correct+horse+battery", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "names are found whatever their case, in any alphabet");

    let response = web.post("/login", "name=Chlo%C3%A9&password=wrong", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(body_text(response).await.contains("Nom ou mot de passe incorrect"));
    let unknown = web.post("/login", "name=Nobody&password=wrong", None).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED, "unknown names look the same");
    for _ in 0..4 {
        web.post("/login", "name=Chlo%C3%A9&password=wrong", None).await;
    }
    let response = web.post("/login", "name=Chlo%C3%A9&password=correct+horse+battery", None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "five failures lock the account for a while, from this address");
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    // A stranger's failures do not lock Chloé out from her own address…
    assert!(web.service.login("Chloé", "correct horse battery", "198.51.100.9").await.is_ok(), "locked out by someone else's failures");
    // …but guessing spread over many addresses locks the account.
    for k in 0..50 {
        let _ = web.service.login("Chloé", "wrong", &format!("203.0.113.{k}")).await;
    }
    let spread = web.service.login("Chloé", "correct horse battery", "198.51.100.9").await;
    assert!(matches!(spread, Err(svp::core::DeskError::TooManyAttempts(_))), "{:?}", spread.map(|s| s.user.name));
    let malformed = web.post("/login", "name=Chlo%C3%A9", None).await;
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_happens() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    let cookie = web.login("Chlo%C3%A9").await;
    let attempt = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut r = Request::post("/")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        if let Some(s) = fetch_site {
            r = r.header("sec-fetch-site", s);
        }
        r.body(Body::from("q=Comment+domicilier+une+personne+%3F")).unwrap()
    };
    for (origin, site) in [(Some("https://evil.example"), None), (None, None), (Some(ORIGIN), Some("cross-site")), (None, Some("same-site"))] {
        let response = web.send(attempt(origin, site)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?} {site:?}");
    }
    assert_eq!(web.service.store().count_questions().await.unwrap(), 0, "nothing recorded");
    let response = web.send(attempt(None, Some("same-origin"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(web.service.store().count_questions().await.unwrap(), 1);
}

#[tokio::test]
async fn staff_ask_and_escalate_an_expert_answers_and_the_asker_sees_it() {
    for target in Target::all().await {
        let web = Web::on(target).await;
        web.user("Chloé", Role::Staff).await;
        web.user("Bruno", Role::Staff).await;
        web.user("Awa", Role::Expert).await;
        web.user("Marc", Role::Manager).await;
        let chloe = web.login("Chlo%C3%A9").await;
        let bruno = web.login("Bruno").await;
        let awa = web.login("Awa").await;
        let marc = web.login("Marc").await;

        // Staff asks: the question is recorded and the page offers the next steps.
        let question = "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?";
        let response = web.post("/", &format!("q={}", urlencode(question)), Some(&chloe)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = body_text(response).await;
        assert!(page.contains("/questions/1/escalate") || page.contains("/questions/1/confirm"), "{page}");
        // Escalate in one click.
        let page = body_text(web.post("/questions/1/escalate", "", Some(&chloe)).await).await;
        assert!(page.contains("transmise aux experts (ticket #1)"), "{page}");

        // Staff may not see the desk nor another's question.
        assert_eq!(web.get("/desk", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(web.get("/desk/tickets/1", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(web.post("/desk/tickets/1/claim", "", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(web.get("/stats", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
        let other = body_text(web.get("/mes-questions", Some(&bruno)).await).await;
        assert!(!other.contains("carte de pêche"), "Bruno sees nothing of Chloé's: {other}");
        assert_eq!(web.post("/questions/1/escalate", "", Some(&bruno)).await.status(), StatusCode::FORBIDDEN);

        // The expert sees the queue, claims, previews and answers.
        let queue = body_text(web.get("/desk", Some(&awa)).await).await;
        assert!(queue.contains("carte de pêche") && queue.contains("/desk/tickets/1"), "{queue}");
        let response = web.post("/desk/tickets/1/claim", "", Some(&awa)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "post/redirect/get");
        let page = body_text(web.get(&location(&response), Some(&awa)).await).await;
        assert!(page.contains("Ticket pris en charge"), "{page}");
        let answer = "Oui : voir [la fédération](https://www.federationpeche.fr). <script>alert(1)</script>";
        let preview = body_text(web.post("/desk/preview", &format!("text={}", urlencode(answer)), Some(&awa)).await).await;
        assert!(preview.contains("href=\"https://www.federationpeche.fr\"") && !preview.contains("<script>"), "{preview}");
        assert_eq!(web.post("/desk/preview", "text=x", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
        let response = web.post("/desk/tickets/1/answer", &format!("text={}", urlencode(answer)), Some(&awa)).await;
        let page = body_text(web.get(&location(&response), Some(&awa)).await).await;
        assert!(page.contains("Réponse publiée"), "{page}");

        // The asker's page shows the answer; the managers' statistics count the ticket.
        let mine = body_text(web.get("/mes-questions", Some(&chloe)).await).await;
        assert!(mine.contains("federationpeche.fr") && mine.contains("Réponse de Awa"), "{mine}");
        assert!(!mine.contains("<script>alert"), "{mine}");
        let stats = body_text(web.get("/stats", Some(&marc)).await).await;
        assert!(stats.contains("Tickets ouverts"), "{stats}");
        assert_eq!(web.get("/desk", Some(&marc)).await.status(), StatusCode::OK, "managers may look at the queue");
        assert_eq!(web.post("/desk/tickets/1/close", "", Some(&marc)).await.status(), StatusCode::FORBIDDEN, "but not act");

        // A paraphrase is answered from the expert answer.
        let page = body_text(web.post("/", &format!("q={}", urlencode("tarif réduit carte de pêche pour un réfugié ?")), Some(&bruno)).await).await;
        assert!(page.contains("Réponse d'expert"), "{page}");
    }
}

#[tokio::test]
async fn logout_and_timeouts_end_sessions_and_links_work_once() {
    let target = Target::sqlite();
    let web = Web::on(target).await;
    web.user("Chloé", Role::Staff).await;
    let cookie = web.login("Chlo%C3%A9").await;
    assert_eq!(web.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    let response = web.post("/logout", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(web.get("/", Some(&cookie)).await.status(), StatusCode::SEE_OTHER, "the old cookie is dead");

    // A new password ends the open sessions.
    let cookie = web.login("Chlo%C3%A9").await;
    web.service.set_password("Chloé", "another long password").await.unwrap();
    assert_eq!(web.get("/", Some(&cookie)).await.status(), StatusCode::SEE_OTHER);
    assert!(web.service.set_password("Chloé", "short").await.is_err(), "short passwords are refused");

    // One-time links: GET only shows a button (link previews must not use them up).
    let user = web.service.user_named("Chloé").await.unwrap();
    let link = web.service.login_link(&user).await.unwrap();
    let path = link.trim_start_matches(ORIGIN);
    assert_eq!(web.get(path, None).await.status(), StatusCode::OK);
    let response = web.post(path, "", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(web.get("/mes-questions", Some(&cookie)).await.status(), StatusCode::OK);
    assert_eq!(web.post(path, "", None).await.status(), StatusCode::UNAUTHORIZED, "used once");

    // Idle timeout: a service whose sessions end after 0 minutes logs everyone out.
    let mut settings = web._target.settings();
    settings.web.session_idle_minutes = 0;
    let strict = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    let session = strict.login("Chloé", "another long password", "127.0.0.1").await.unwrap();
    assert!(strict.session_user(&session.token).await.unwrap().is_none());
}

#[tokio::test]
async fn the_api_takes_bearer_tokens_and_answers_json_errors() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    let (_, staff) = web.service.create_api_token("Chloé", Some(30)).await.unwrap();
    let (expert_id, expert) = web.service.create_api_token("Awa", None).await.unwrap();

    let (status, asked) = web.api("POST", "/api/v1/ask", &staff, r#"{"question": "Comment obtenir une domiciliation ?"}"#).await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let id = asked["question_id"].as_i64().expect("recorded");
    assert!(asked["decision"].is_string() && asked["hits"].is_array(), "{asked}");
    let (status, e) = web.api("POST", "/api/v1/ask", &staff, r#"{"question": 42"#).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    let (status, e) = web.api("POST", "/api/v1/ask", &staff, r#"{"question": ""}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    let (status, escalated) = web.api("POST", &format!("/api/v1/questions/{id}/escalate"), &staff, r#"{"new": true}"#).await;
    assert_eq!(status, StatusCode::OK, "{escalated}");
    let ticket = escalated["ticket_id"].as_i64().expect("a ticket");
    let (status, e) = web.api("POST", &format!("/api/v1/tickets/{ticket}/claim"), &staff, "").await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (status, claimed) = web.api("POST", &format!("/api/v1/tickets/{ticket}/claim"), &expert, "").await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let (status, _) = web.api("POST", &format!("/api/v1/tickets/{ticket}/answer"), &expert, r#"{"text": "Au CCAS de la commune."}"#).await;
    assert_eq!(status, StatusCode::OK);
    let (status, mine) = web.api("GET", "/api/v1/questions", &staff, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine[0]["answer"]["text"], "Au CCAS de la commune.", "{mine}");

    assert!(web.service.store().revoke_api_token(expert_id).await.unwrap());
    let (status, e) = web.api("GET", "/api/v1/tickets", &expert, "").await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    let (status, _) = web.api("GET", "/api/v1/tickets", "not-a-token", "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[tokio::test]
async fn absurd_input_and_staff_on_the_desk_change_nothing() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Bruno", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    let chloe = web.login("Chlo%C3%A9").await;
    let awa = web.login("Awa").await;
    for uri in ["/desk?older_than_hours=99999999999999", "/desk?status=%00&theme=%FF", "/desk/tickets/999999", "/stats?days=-5"] {
        let status = web.get(uri, Some(&awa)).await.status();
        assert!(status == StatusCode::OK || status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN, "{uri}: {status}");
    }
    for uri in ["/questions/abc/escalate", "/desk/tickets/-1/claim", "/questions/99999/feedback"] {
        let status = web.post(uri, "helpful=yes", Some(&chloe)).await.status();
        assert!(status.is_client_error(), "{uri}: {status}");
    }

    // Chloé's ticket, answered then closed; a staff POST on the desk is refused before acting.
    let awa_user = web.service.user_named("Awa").await.unwrap();
    let (ticket, _) = web.answered("Chloé", "Awa", "Un réfugié peut-il obtenir une carte de pêche ?", "Réponse de test.").await;
    web.service.close(&awa_user, ticket).await.unwrap();
    let response = web.post(&format!("/desk/tickets/{ticket}/reopen"), "", Some(&chloe)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let t = web.service.store().ticket(ticket).await.unwrap().unwrap();
    assert_eq!(t.status, svp::core::tickets::TicketStatus::Closed, "nothing happened");

    // Bruno joins it: he sees neither who asked nor a retired answer.
    let bruno = web.service.user_named("Bruno").await.unwrap();
    web.service.reopen(&awa_user, ticket, None).await.unwrap();
    let asked = web.service.ask(&bruno, "carte de pêche pour un réfugié ?", svp::store::Origin { transport: "web".into(), channel: None }).await.unwrap();
    web.service.escalate(&bruno, asked.question_id, svp::core::EscalateMode::Join(ticket)).await.unwrap();
    let detail = web.service.ticket_detail(&bruno, ticket).await.unwrap();
    assert!(detail.ticket.asker_name.is_none() && detail.ticket.site.is_none(), "{:?}", detail.ticket);
    assert!(detail.events.iter().filter(|e| e.kind == "opened").all(|e| e.actor_name.is_none()));
    let answer = detail.answer.expect("published answer shown").id;
    web.service.retire_answer(&awa_user, answer, Some("obsolète")).await.unwrap();
    assert!(web.service.ticket_detail(&bruno, ticket).await.unwrap().answer.is_none(), "retired answers are not shown to staff");
    assert!(web.service.ticket_detail(&awa_user, ticket).await.unwrap().answer.is_some(), "experts still see it");
}

#[tokio::test]
async fn experts_edit_and_retire_answers_with_their_versions_on_the_web() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    let chloe = web.login("Chlo%C3%A9").await;
    let awa = web.login("Awa").await;
    let (_, answer) = web.answered("Chloé", "Awa", "Un réfugié peut-il obtenir une carte de pêche ?", "Oui, auprès de la fédération.\nTarif normal.").await;

    assert_eq!(web.post(&format!("/answers/{answer}/edit"), "text=pirat%C3%A9", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
    let page = body_text(web.post(&format!("/answers/{answer}/edit"), "text=Oui%2C+aupr%C3%A8s+de+la+f%C3%A9d%C3%A9ration.%0ATarif+r%C3%A9duit.", Some(&awa)).await).await;
    assert!(page.contains("Nouvelle version publiée") && page.contains("version 2"), "{page}");
    assert!(page.contains("<del>- Tarif normal.</del>") && page.contains("<ins>+ Tarif réduit.</ins>"), "the change is shown: {page}");
    let staff_view = body_text(web.get(&format!("/answers/{answer}"), Some(&chloe)).await).await;
    assert!(staff_view.contains("Tarif réduit") && !staff_view.contains("<del>") && !staff_view.contains("/edit"), "{staff_view}");

    let page = body_text(web.post(&format!("/answers/{answer}/retire"), "reason=obsol%C3%A8te", Some(&awa)).await).await;
    assert!(page.contains("Réponse retirée"), "{page}");
    assert_eq!(web.get(&format!("/answers/{answer}"), Some(&chloe)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(web.get(&format!("/answers/{answer}"), Some(&awa)).await.status(), StatusCode::OK, "experts still see it");
}

#[tokio::test]
async fn an_expert_answer_becomes_a_draft_article_that_kb_check_accepts() {
    // A copy of the knowledge folder, so the draft is not written into the repository.
    let target = Target::sqlite();
    let knowledge = target.dir.path().join("knowledge");
    copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"), &knowledge);
    let mut settings = target.settings();
    settings.knowledge_dir = knowledge.clone();
    let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    let web = Web { app: app(WebState::new(service.clone()).unwrap()), service, _target: target };
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    let chloe = web.login("Chlo%C3%A9").await;
    let awa = web.login("Awa").await;
    let (ticket, answer) = web
        .answered("Chloé", "Awa", "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?", "Oui : la carte se prend auprès de la fédération départementale.\n\nLes tarifs « découverte » sont réduits.")
        .await;

    assert_eq!(web.post(&format!("/answers/{answer}/draft"), "", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
    let page = body_text(web.post(&format!("/answers/{answer}/draft"), "", Some(&awa)).await).await;
    assert!(page.contains("Brouillon d&#x27;article écrit") || page.contains("Brouillon d'article écrit"), "{page}");
    let files: Vec<_> = walk(&knowledge).into_iter().filter(|p| p.ends_with(format!("reponse-expert-{answer}.md"))).collect();
    assert_eq!(files.len(), 1, "written once under its theme");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("status: draft") && text.contains("fédération départementale") && text.contains(&format!("ticket #{ticket}")), "{text}");
    let download = web.get(&format!("/answers/{answer}/brouillon.md"), Some(&awa)).await;
    assert!(download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));

    // `svp kb check` accepts it (a draft: a warning, no error) and the bot does not serve it.
    let kb = svp::app::load_knowledge(&settings).unwrap();
    assert_eq!(kb.errors, 0);
    let draft = kb.articles.iter().find(|a| a.slug == format!("reponse-expert-{answer}")).expect("parsed");
    assert_eq!(draft.status, svp::knowledge::Status::Draft);
    assert!(kb.published().all(|a| a.slug != draft.slug));
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let web = Web::on(Target::sqlite()).await;
    let response = web.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    for path in ["/api/v1/ask", "/api/v1/questions", "/api/v1/tickets/{id}/{action}", "/api/v1/answers/{id}/{action}"] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["AskBody"]["properties"]["question"].is_object());
    // Every success response has a schema generated from the type the handler returns.
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
            let named = schema["$ref"].as_str().or(schema["items"]["$ref"].as_str());
            assert!(named.is_some_and(|r| r.starts_with("#/components/schemas/")), "{method} {path}: {schema}");
        }
    }
    // The schema of a reply names every field a real reply has.
    web.user("Chloé", Role::Staff).await;
    let user = web.service.user_named("Chloé").await.unwrap();
    let asked = web.service.ask(&user, "RSA pour un réfugié de 30 ans ?", svp::store::Origin::default()).await.unwrap();
    let asked = serde_json::to_value(&asked).unwrap();
    let schemas = &doc["components"]["schemas"];
    for key in asked.as_object().unwrap().keys() {
        assert!(schemas["BotReply"]["properties"][key].is_object() || key == "question_id", "field {key} missing from the BotReply schema");
    }
    assert!(schemas["Asked"].to_string().contains("question_id"), "{}", schemas["Asked"]);
    for (schema, field) in [("TicketDetail", "events"), ("Ticket", "status"), ("ExpertAnswer", "text"), ("Escalation", "ticket_id"), ("MyQuestion", "clarification")] {
        assert!(schemas[schema].to_string().contains(field), "{schema} lacks {field}: {}", schemas[schema]);
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn the_queue_filters_and_pages_in_the_database() {
    for target in Target::all().await {
        let web = Web::on(target).await;
        web.user("Chloé", Role::Staff).await;
        web.user("Awa", Role::Expert).await;
        let staff = web.service.user_named("Chloé").await.unwrap();
        let expert = web.service.user_named("Awa").await.unwrap();
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(web.ticket("Chloé", &format!("Question rare numéro {i} sur une démarche inconnue ?")).await);
        }
        web.service.claim(&expert, ids[1]).await.unwrap();
        let all = svp::core::QueueFilter::default();
        let page: Vec<i64> = web.service.queue(&expert, &all, 0, 2).await.unwrap().iter().map(|t| t.id).collect();
        assert_eq!(page, ids[..2], "oldest first");
        let next: Vec<i64> = web.service.queue(&expert, &all, 2, 2).await.unwrap().iter().map(|t| t.id).collect();
        assert_eq!(next, ids[2..4]);
        let mine = svp::core::QueueFilter { mine: true, ..Default::default() };
        assert_eq!(web.service.queue(&expert, &mine, 0, 10).await.unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), vec![ids[1]]);
        let site = svp::core::QueueFilter { site: Some("CPH Test".into()), ..Default::default() };
        assert_eq!(web.service.queue(&expert, &site, 0, 10).await.unwrap().len(), 5);
        let other = svp::core::QueueFilter { site: Some("Ailleurs".into()), ..Default::default() };
        assert!(web.service.queue(&expert, &other, 0, 10).await.unwrap().is_empty());
        let old = svp::core::QueueFilter { older_than_hours: Some(1), ..Default::default() };
        assert!(web.service.queue(&expert, &old, 0, 10).await.unwrap().is_empty(), "none is an hour old");
        let theme = web.service.store().ticket(ids[0]).await.unwrap().unwrap().theme;
        if let Some(theme) = theme {
            let by_theme = svp::core::QueueFilter { theme: Some(theme.clone()), ..Default::default() };
            assert!(web.service.queue(&expert, &by_theme, 0, 10).await.unwrap().iter().all(|t| t.theme.as_deref() == Some(theme.as_str())));
        }
        assert!(web.service.queue(&staff, &all, 0, 10).await.is_err(), "staff have no queue");
    }
}

#[tokio::test]
async fn the_ticket_page_lists_close_pending_tickets_as_possible_duplicates() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    let awa = web.login("Awa").await;
    let mut ids = Vec::new();
    for q in [
        "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?",
        "Carte de pêche à tarif réduit pour un réfugié : possible ?",
        "Comment inscrire un enfant à la cantine scolaire ?",
    ] {
        ids.push(web.ticket("Chloé", q).await);
    }
    let page = body_text(web.get(&format!("/desk/tickets/{}", ids[0]), Some(&awa)).await).await;
    let section = page.split("doublons possibles").nth(1).expect("a duplicates section").split("</section>").next().unwrap();
    assert!(section.contains(&format!("/desk/tickets/{}", ids[1])), "{section}");
    assert!(!section.contains(&format!("/desk/tickets/{}\"", ids[0])) && !section.contains(&format!("/desk/tickets/{}\"", ids[2])), "{section}");
    let staff_user = web.service.user_named("Chloé").await.unwrap();
    assert!(web.service.similar_pending(&staff_user, ids[0]).await.is_err(), "experts only");
}

/// « Rapports »: managers only; the page shows the period's figures and groups, a group's
/// questions one click away, and CSV exports for spreadsheets; an expert answer in a gap can be
/// proposed as an article from there.
#[tokio::test]
async fn managers_read_reports_drill_down_and_export_them() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    web.user("Maya", Role::Manager).await;
    let (ticket, _) = web.answered("Chloé", "Awa", "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?", "Oui, auprès de la fédération.").await;
    let chloe = web.login("Chloé").await;
    let maya = web.login("Maya").await;
    assert_eq!(web.get("/rapports", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(web.get("/rapports/questions.csv", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);

    let page = body_text(web.get("/rapports", Some(&maya)).await).await;
    for part in ["Vue d'ensemble", "Lacunes de la base", "carte de pêche", "réponse d'expert", "Proposer en article", "<svg"] {
        assert!(page.contains(part), "{part} missing");
    }
    assert!(!page.contains("Chloé") || page.matches("Chloé").count() == 0, "no asker named");
    let link = page.split("href=\"/rapports/groupe?").nth(1).expect("a drill-down link").split('"').next().unwrap().replace("&amp;", "&");
    let group = body_text(web.get(&format!("/rapports/groupe?{link}"), Some(&maya)).await).await;
    assert!(group.contains("carte de pêche") && group.contains(&format!("#{ticket}")), "{group}");

    let escalated = body_text(web.get("/rapports/questions?chiffre=escalated", Some(&maya)).await).await;
    assert!(escalated.contains("carte de pêche") && escalated.contains("Questions transmises aux experts"), "{escalated}");
    assert!(page.contains("chiffre=escalated"), "the overview links its figures");
    let tickets = body_text(web.get("/rapports/tickets.csv", Some(&maya)).await).await;
    assert_eq!(tickets.lines().count(), 2, "{tickets}");
    let csv = web.get("/rapports/questions.csv", Some(&maya)).await;
    assert_eq!(csv.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    let body = body_text(csv).await;
    assert!(body.starts_with("\u{feff}question;date;site;"), "{body}");
    assert_eq!(body.lines().count(), 2, "one question: {body}");
    assert_eq!(web.get("/rapports/autre.csv", Some(&maya)).await.status(), StatusCode::NOT_FOUND);
    let waiting = body_text(web.get("/rapports/attente.csv", Some(&maya)).await).await;
    assert_eq!(waiting.lines().count(), 1, "the only ticket is answered: {waiting}");
}

/// The phrasings learned from use show on their entry's page for experts (with how often it
/// served) and not for staff; an expert removes one and adds their own.
#[tokio::test]
async fn experts_review_learned_phrasings_on_the_entry_page() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    let staff = web.service.user_named("Chloé").await.unwrap();
    let origin = svp::store::Origin { transport: "web".into(), channel: None };
    let asked = web.service.ask(&staff, "comment faire venir ma femme et mes enfants en France quand on est réfugié ?", origin).await.unwrap();
    let entry = asked.reply.hits[0].slug.clone();
    // « Oui » to the first hit (answered or not, it teaches the same way).
    web.service.store().set_confirmation(asked.question_id, "yes").await.unwrap();
    let record = web.service.store().question(asked.question_id).await.unwrap().unwrap();
    assert!(record.top_id.is_some());
    web.service.feedback(&staff, asked.question_id, true).await.unwrap();

    let chloe = web.login("Chloé").await;
    let awa = web.login("Awa").await;
    let url = format!("/articles/{entry}");
    assert!(!body_text(web.get(&url, Some(&chloe)).await).await.contains("Formulations apprises"));
    assert_eq!(web.get("/connaissances/formulations", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);
    let page = body_text(web.get(&url, Some(&awa)).await).await;
    assert!(page.contains("Formulations apprises") && page.contains("faire venir ma femme"), "{page}");
    let review = body_text(web.get("/connaissances/formulations", Some(&awa)).await).await;
    let id = review.split("/phrasings/").nth(1).expect("a phrasing to review").split('/').next().unwrap().to_string();

    let removed = web.post(&format!("/phrasings/{id}/remove"), "", Some(&awa)).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&removed), format!("{url}?fait=formulation-retiree"));
    assert!(body_text(web.get(&location(&removed), Some(&awa)).await).await.contains("Formulation retirée"));
    assert_eq!(web.post(&format!("/phrasings/{id}/approve"), "", Some(&chloe)).await.status(), StatusCode::FORBIDDEN);

    let added = web.post("/phrasings/add", &format!("entry={entry}&text=regroupement+de+ma+famille+r%C3%A9fugi%C3%A9%0Aautre+formulation+ici"), Some(&awa)).await;
    assert_eq!(location(&added), format!("{url}?fait=formulations-ajoutees"));
    let (list, _) = web.service.entry_phrasings(&web.service.user_named("Awa").await.unwrap(), &entry).await.unwrap();
    assert_eq!(list.iter().filter(|p| p.source == "expert" && p.status == "approved").count(), 2, "{list:?}");
}

/// An asker replies to a request for precision from « Mes questions »: the page says it was
/// sent, and that personal data was removed when it was.
#[tokio::test]
async fn an_askers_reply_says_what_redaction_removed() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    let ticket = web.ticket("Chloé", "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?").await;
    let awa = web.service.user_named("Awa").await.unwrap();
    web.service.claim(&awa, ticket).await.unwrap();
    web.service.clarify(&awa, ticket, "Dans quel département ?").await.unwrap();
    let chloe = web.login("Chloé").await;
    let sent = web.post(&format!("/tickets/{ticket}/reply"), "text=Dans+le+93%2C+joignable+au+06+12+34+56+78", Some(&chloe)).await;
    assert_eq!(location(&sent), "/mes-questions?envoye=1&retire=1");
    let page = body_text(web.get(&location(&sent), Some(&chloe)).await).await;
    assert!(page.contains("Des données personnelles en ont été retirées"), "{page}");
    let events = web.service.store().ticket_events(ticket).await.unwrap();
    assert!(events.iter().all(|e| !e.detail.as_deref().unwrap_or_default().contains("06 12")), "{events:?}");
}

/// `/metrics` is Prometheus text: counters of asks by decision, the ask latency histogram, the
/// outbox backlog and the index lag; aggregates only.
#[tokio::test]
async fn metrics_are_prometheus_aggregates() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    let chloe = web.service.user_named("Chloé").await.unwrap();
    web.service.ask(&chloe, "le RSA à 23 ans pour un réfugié ?", svp::store::Origin { transport: "web".into(), channel: None }).await.unwrap();
    let response = web.get("/metrics", None).await;
    assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    let metrics = body_text(response).await;
    for name in ["svp_asks_total{decision=", "svp_ask_seconds_bucket", "svp_outbox_pending", "svp_index_lag_changes 0"] {
        assert!(metrics.contains(name), "{name} in {metrics}");
    }
    assert!(!metrics.contains("RSA"), "aggregates only");
}

/// Every state-changing page route, and every page for experts or managers: refused when logged
/// out, refused cross-site even with a session, refused to a role below the one it needs; and in
/// every case nothing was recorded.
#[tokio::test]
async fn every_route_refuses_logged_out_cross_site_and_lower_roles() {
    let web = Web::on(Target::sqlite()).await;
    web.user("Chloé", Role::Staff).await;
    web.user("Awa", Role::Expert).await;
    web.user("Mia", Role::Manager).await;
    let (ticket, answer) = web.answered("Chloé", "Awa", "Un réfugié peut-il obtenir une carte de pêche ?", "Réponse de test.").await;
    let (chloe, awa) = (web.login("Chlo%C3%A9").await, web.login("Awa").await);
    let questions = web.service.store().count_questions().await.unwrap();
    let t = |p: &str| p.replace("{t}", &ticket.to_string()).replace("{a}", &answer.to_string());
    // (path, form, role needed)
    let posts = [
        ("/", "q=le+115+pour+un+r%C3%A9fugi%C3%A9", Role::Staff),
        ("/questions/1/feedback", "helpful=yes", Role::Staff),
        ("/questions/1/escalate", "new=1", Role::Staff),
        ("/questions/1/confirm", "yes=1", Role::Staff),
        ("/tickets/{t}/reply", "text=merci", Role::Staff),
        ("/desk/preview", "text=**gras**", Role::Expert),
        ("/desk/tickets/{t}/reopen", "", Role::Expert),
        ("/desk/tickets/{t}/clarify", "text=Quelle+pr%C3%A9fecture+%3F", Role::Expert),
        ("/answers/{a}/edit", "text=Nouvelle+version.", Role::Expert),
        ("/answers/{a}/retire", "reason=obsol%C3%A8te", Role::Expert),
        ("/phrasings/1/approve", "", Role::Expert),
        ("/phrasings/add", "entry=siao-115&text=appeler+le+115+le+soir", Role::Expert),
        ("/rapports/proposer/{a}", "", Role::Manager),
    ];
    for (path, form, role) in posts {
        let path = t(path);
        let logged_out = web.post(&path, form, None).await.status();
        assert!(matches!(logged_out.as_u16(), 401 | 303), "{path} logged out: {logged_out}");
        let cross_site = Request::post(path.as_str())
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::ORIGIN, "https://evil.example")
            .header(header::COOKIE, &awa)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        assert_eq!(web.send(cross_site).await.status(), StatusCode::FORBIDDEN, "{path} cross-site");
        if role != Role::Staff {
            let status = web.post(&path, form, Some(&chloe)).await.status();
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} as staff");
        }
        if role == Role::Manager {
            let status = web.post(&path, form, Some(&awa)).await.status();
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} as an expert");
        }
    }
    assert_eq!(web.service.store().count_questions().await.unwrap(), questions, "nothing was asked");
    let detail = web.service.ticket_detail(&web.service.user_named("Awa").await.unwrap(), ticket).await.unwrap();
    assert_eq!(detail.answer.map(|a| (a.status, a.version)), Some(("published".to_string(), 1)), "the answer is untouched");
    // Pages for experts and for managers.
    for (path, role) in [
        ("/desk", Role::Expert),
        ("/desk/tickets/{t}", Role::Expert),
        ("/connaissances/formulations", Role::Expert),
        ("/rapports", Role::Manager),
        ("/rapports/groupe?id=1", Role::Manager),
        ("/rapports/questions?chiffre=questions", Role::Manager),
        ("/rapports/synthese.csv", Role::Manager),
        ("/stats", Role::Manager),
    ] {
        let path = t(path);
        assert_eq!(web.get(&path, Some(&chloe)).await.status(), StatusCode::FORBIDDEN, "{path} as staff");
        if role == Role::Manager {
            assert_eq!(web.get(&path, Some(&awa)).await.status(), StatusCode::FORBIDDEN, "{path} as an expert");
        }
    }
}
