//! « Mes questions »: the asker's questions and tickets, requests for precision with a reply
//! box, answers as they arrive (live), and the inbox for people without Discord.

use axum::extract::{Form, Path, State};
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

async fn mine(State(state): State<WebState>, CurrentUser(user): CurrentUser) -> Result<Response, WebError> {
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
            me => Me::from(&user), page => "mine", live => "/mes-questions/events", items,
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
    Ok(Redirect::to("/mes-questions").into_response())
}
