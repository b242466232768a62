//! « Mes questions »: the asker's questions and tickets, requests for precision with a reply
//! box, answers as they arrive (live), and the inbox for people without Discord.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::pages::markdown;
use super::session::CurrentUser;
use super::views::{Me, render, when};
use super::{WebError, WebState};

/// Questions shown.
const SHOWN: i64 = 50;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/mes-questions", get(mine))
        .route("/mes-questions/events", get(events))
        .route("/tickets/{id}/reply", post(reply))
}

/// `?envoye=1` after a reply, `&retire=1` when redaction removed personal data from it.
#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    envoye: String,
    #[serde(default)]
    retire: String,
}

async fn mine(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(done): Query<Done>) -> Result<Response, WebError> {
    let notice = match (done.envoye.is_empty(), done.retire.is_empty()) {
        (true, _) => None,
        (false, true) => Some("Votre réponse a été transmise à l'expert."),
        (false, false) => Some("Votre réponse a été transmise à l'expert. Des données personnelles en ont été retirées avant l'envoi."),
    };
    let items: Vec<_> = state
        .service
        .my_questions(&user, SHOWN)
        .await?
        .into_iter()
        .map(|it| {
            let answer_html = it.answer.as_ref().map(|a| markdown(&a.text));
            let status_label = it.ticket.as_ref().map(|t| t.status.label());
            let asked = when(it.question.created_at);
            let mut value = serde_json::to_value(&it).unwrap_or_default();
            if let Some(map) = value.as_object_mut() {
                map.insert("answer_html".into(), json!(answer_html));
                map.insert("status_label".into(), json!(status_label));
                map.insert("asked".into(), json!(asked));
            }
            value
        })
        .collect();
    Ok(render(
        "mine.html",
        context! {
            me => Me::from(&user), page => "mine", live => "/mes-questions/events", items, notice,
            max_chars => state.service.settings().limits.max_question_chars,
        },
    ))
}

async fn events(State(state): State<WebState>, CurrentUser(user): CurrentUser, headers: axum::http::HeaderMap) -> impl IntoResponse {
    super::live::for_session(state.service, user, headers, |service, user| async move { service.my_questions_fingerprint(&user).await })
}

#[derive(Deserialize)]
struct ReplyForm {
    text: String,
}

/// The asker answers an expert's request for precision.
async fn reply(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, WebError> {
    state.service.reply(&user, id, &form.text).await?;
    let removed = if state.service.privacy_notice(&form.text).is_some() { "&retire=1" } else { "" };
    Ok(Redirect::to(&format!("/mes-questions?envoye=1{removed}")).into_response())
}
