//! `/login`, `/logout`, one-time links `/connexion/{token}`, `/health` (liveness) and `/ready`
//! (readiness).

use axum::extract::{Form, FromRequest, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::{self, CurrentUser};
use super::views::render;
use super::{WebError, WebState};
use crate::core::accounts::NewSession;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/connexion/{token}", get(link_page).post(link_login))
        .route("/health", get(health))
        .route("/ready", get(ready))
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_page(user: Option<CurrentUser>, Query(q): Query<NextQuery>) -> Response {
    let next = session::safe_next(&q.next);
    if user.is_some() {
        return Redirect::to(&next).into_response();
    }
    render("login.html", context! { next, name => "" })
}

/// Opens the session: the cookie, then back to the page the person came for.
fn logged_in(state: &WebState, session: NewSession, next: &str) -> Response {
    let mut response = Redirect::to(&session::safe_next(next)).into_response();
    let secure = secure_cookies(state);
    response.headers_mut().insert(header::SET_COOKIE, session::session_cookie(&session.token, session.max_age_secs, secure));
    response
}

async fn login(State(state): State<WebState>, request: axum::extract::Request) -> Response {
    let address = session::client_address(request.extensions(), request.headers(), &state.service.settings().web.trusted_proxies);
    let Ok(Form(form)) = Form::<LoginForm>::from_request(request, &state).await else {
        let mut page = render("login.html", context! { next => "/", name => "", error => "Indiquez votre nom et votre mot de passe." });
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return page;
    };
    match state.service.login(&form.name, &form.password, &address).await {
        Ok(session) => logged_in(&state, session, &form.next),
        Err(e) if !e.is_internal() => {
            let mut page = render("login.html", context! { next => session::safe_next(&form.next), name => form.name, error => e.to_string() });
            *page.status_mut() = WebError::status(&e);
            page
        }
        Err(e) => WebError::Page(e).into_response(),
    }
}

async fn logout(State(state): State<WebState>, headers: axum::http::HeaderMap) -> Result<Response, WebError> {
    if let Some(token) = session::session_token(&headers) {
        state.service.logout(&token).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(header::SET_COOKIE, session::clear_cookie(secure_cookies(&state)));
    Ok(response)
}

/// Shows a button rather than logging in on GET: link previews (Discord unfurls links) must
/// not use up the single-use link.
async fn link_page(Path(token): Path<String>) -> Response {
    let token: String = token.chars().filter(char::is_ascii_hexdigit).take(64).collect();
    render("link_login.html", context! { token })
}

async fn link_login(State(state): State<WebState>, Path(token): Path<String>) -> Result<Response, WebError> {
    let session = state.service.redeem_login_link(&token).await?;
    Ok(logged_in(&state, session, "/"))
}

/// Whether cookies are `Secure`: configured, or implied by an `https` public URL.
fn secure_cookies(state: &WebState) -> bool {
    let settings = state.service.settings();
    settings.web.secure_cookies || settings.search.public_url.starts_with("https://")
}

/// Liveness and the knowledge base's state (no personal data; no login needed).
pub(super) async fn health(State(state): State<WebState>) -> Json<Value> {
    let index = state.service.bot().index();
    let kb = state.service.bot().kb();
    Json(json!({
        // Degraded: some articles were left out because they are broken (see the log or
        // `svp kb check`); the bot answers from the rest.
        "status": if kb.errors == 0 { "ok" } else { "degraded" },
        "knowledge_errors": kb.errors,
        "articles": kb.published().count(),
        "index_entries": index.num_docs(),
        "answers_seq": index.state().answers_seq,
    }))
}

/// The index may trail the database by this many changes and still serve (a sync is at most a
/// few seconds away; more means it is replaying or stuck).
const READY_MAX_LAG: i64 = 50;

/// Readiness, for a load balancer: 200 when the database answers and the search index is at
/// most [`READY_MAX_LAG`] changes behind it, 503 otherwise (`/health` is liveness). JSON:
/// `status` (`ready`, `catching_up`, `unavailable`), `database`, `index_lag_changes`, and
/// `gateway`: this instance's part in the Discord bot (`held`, `standby`, `off`).
pub(super) async fn ready(State(state): State<WebState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let applied = state.service.bot().index().state().answers_seq;
    match state.service.store().last_answer_change().await {
        Ok(last) => {
            let lag = (last - applied).max(0);
            let ready = lag <= READY_MAX_LAG;
            let code = if ready { axum::http::StatusCode::OK } else { axum::http::StatusCode::SERVICE_UNAVAILABLE };
            let gateway = crate::discord::GatewayRole::current().as_str();
            (code, Json(json!({ "status": if ready { "ready" } else { "catching_up" }, "database": "ok", "index_lag_changes": lag, "gateway": gateway }))).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": "unreachable" }))).into_response()
        }
    }
}
