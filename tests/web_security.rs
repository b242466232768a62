//! The web's defences: security headers on every response, questions in request bodies (never
//! in URLs), a body size limit, and expert answers that run no foreign code.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::Target;
use svp::web::{WebState, app};
use tower::ServiceExt;

/// A staff member's session cookie on `app`.
async fn login(app: &axum::Router, service: &svp::core::Service) -> String {
    support::create_user(service, "Lecteur", svp::core::roles::Role::Staff).await;
    service.set_password("Lecteur", "correct horse battery").await.unwrap();
    let request = Request::post("/login")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=Lecteur&password=correct+horse+battery"))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let cookie = response.headers().get(header::SET_COOKIE).expect("logged in").to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

async fn body_text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let target = Target::sqlite();
    let service = target.open().await;
    let app = app(WebState::new(service.clone()).expect("templates"));
    let cookie = login(&app, &service).await;
    for uri in ["/", "/login", "/api/health", "/articles/siao-115", "/articles/nope", "/static/svp.css", "/desk", "/mes-questions"] {
        let request = Request::get(uri).header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let h = response.headers();
        let csp = h.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff", "{uri}");
        assert_eq!(h.get(header::REFERRER_POLICY).unwrap(), "no-referrer", "{uri}");
    }
    let request = Request::get("/").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    let page = body_text(app.oneshot(request).await.unwrap()).await;
    assert!(!page.contains("<style") && !page.contains("<script>"), "no inline style or script: {page}");
    assert!(page.contains("method=\"post\""), "the ask form posts: {page}");
}

#[tokio::test]
async fn questions_travel_in_the_body_and_come_back_redacted() {
    let target = Target::sqlite();
    let service = target.open().await;
    let app = app(WebState::new(service.clone()).expect("templates"));
    let cookie = login(&app, &service).await;
    let form = "q=M.+Diallo+06+12+34+56+78+peut-il+toucher+le+RSA+%3F";
    let request = Request::post("/")
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = body_text(response).await;
    assert!(page.contains("RSA"), "{page}");
    assert!(!page.contains("Diallo") && !page.contains("06 12 34 56 78"), "personal data shown back: {page}");
    assert!(page.contains("nous avons retiré"), "the author is told what was removed: {page}");

    let huge = format!("q={}", "a".repeat(400 * 1024));
    let request = Request::post("/")
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(huge))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn expert_answers_with_hostile_links_are_rendered_inert() {
    let target = Target::sqlite();
    let service = target.open().await;
    let asker = support::create_user(&service, "Chloé", svp::core::roles::Role::Staff).await;
    let expert = support::create_user(&service, "Awa", svp::core::roles::Role::Expert).await;
    let asked = service
        .ask(&asker, "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?", svp::store::Origin { transport: "cli".into(), channel: None })
        .await
        .expect("asked");
    let escalation = service
        .escalate(&asker, asked.question_id, svp::core::EscalateMode::New)
        .await
        .expect("escalated");
    let ticket = escalation.ticket_id().expect("a ticket");
    service.claim(&expert, ticket).await.expect("claimed");
    let text = "Voir le [formulaire](javascript:alert(document.cookie)), le [lien](JaVaScRiPt:alert(1)), \
                [ceci](data:text/html;base64,PHNjcmlwdD4=), ![pixel](https://tracker.example/p.png) \
                et <script>alert(1)</script>, ou [le site officiel](https://www.service-public.fr/).";
    service.answer(&expert, ticket, text).await.expect("answered");
    let app = app(WebState::new(service.clone()).expect("templates"));
    let cookie = login(&app, &service).await;
    let request = Request::get(format!("/tickets/{ticket}/answer")).header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    let page = body_text(response).await.to_lowercase();
    assert!(!page.contains("href=\"javascript") && !page.contains("href=\"data:"), "{page}");
    // The only script is the page's own file; the answer's <script> is shown as text.
    assert!(!page.contains("<img") && page.matches("<script").count() == 1 && page.contains("<script src=\"/static/svp.js\""), "{page}");
    assert!(page.contains("href=\"https://www.service-public.fr/\""), "{page}");
    assert!(page.contains("formulaire"), "{page}");
}
