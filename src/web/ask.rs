//! « Poser une question »: ask (recorded), the answer card, « Ça répond » / « Ça ne répond pas »,
//! « Transmettre à un expert » (with the join proposal) and the « did you mean » step.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::{Value, context};
use serde::Deserialize;

use super::pages::markdown;
use super::session::CurrentUser;
use super::views::{Me, render};
use super::{WebError, WebState};
use crate::core::{BotReply, Confirmed, EscalateMode, Escalation};
use crate::store::Origin;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(index).post(ask))
        .route("/questions/{id}/feedback", post(feedback))
        .route("/questions/{id}/escalate", post(escalate))
        .route("/questions/{id}/confirm", post(confirm))
}

/// The ask form's body: the question travels in the request body, never in the URL (which ends
/// up in logs and browser history).
#[derive(Deserialize)]
struct AskForm {
    q: String,
}

fn page(state: &WebState, user: &crate::store::User, extra: Value) -> Response {
    let base = context! {
        me => Me::from(user),
        page => "ask",
        question => "",
        max_chars => state.service.settings().limits.max_question_chars,
        discord => state.service.settings().discord.token.is_set(),
    };
    render("index.html", context! { ..extra, ..base })
}

/// The reply with its links made local and its short answer rendered.
fn reply_context(state: &WebState, mut reply: BotReply) -> Value {
    let public = &state.service.settings().search.public_url;
    if let Some(card) = reply.answer.as_mut() {
        card.url = super::views::local_url(public, &card.url);
    }
    for s in reply.alternatives.iter_mut().chain(reply.also.iter_mut().map(|o| &mut o.entry)).chain(reply.did_you_mean.as_mut()) {
        s.url = super::views::local_url(public, &s.url);
    }
    let answer_html = reply.answer.as_ref().map(|a| markdown(&a.short_answer));
    context! { reply, answer_html }
}

async fn index(State(state): State<WebState>, CurrentUser(user): CurrentUser) -> Response {
    page(&state, &user, context! {})
}

async fn ask(State(state): State<WebState>, CurrentUser(user): CurrentUser, Form(form): Form<AskForm>) -> Response {
    let origin = Origin { transport: "web".into(), channel: None };
    match state.service.ask(&user, &form.q, origin).await {
        Ok(asked) => {
            // The form shows the question as stored: redacted.
            let question = asked.reply.question.clone();
            let reply = reply_context(&state, asked.reply);
            page(&state, &user, context! { question, question_id => asked.question_id, ..reply })
        }
        Err(e) => {
            if e.is_internal() {
                tracing::error!(error = ?e, "ask failed");
            }
            let mut response = page(&state, &user, context! { error => e.to_string() });
            *response.status_mut() = WebError::status(&e);
            response
        }
    }
}

#[derive(Deserialize)]
struct FeedbackForm {
    helpful: String,
}

async fn feedback(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, WebError> {
    let helpful = form.helpful == "yes";
    state.service.feedback(&user, id, helpful).await?;
    let outcome = if helpful {
        "<p>Merci, c'est noté : cette réponse vous a aidé·e.</p>".to_string()
    } else {
        format!(
            "<p>Merci, c'est noté. Voulez-vous que la question soit reprise par un expert ?</p>\
             <form method=\"post\" action=\"/questions/{id}/escalate\"><button type=\"submit\">Transmettre à un expert</button></form>"
        )
    };
    Ok(page(&state, &user, context! { outcome, outcome_class => if helpful { "answer" } else { "escalate" } }))
}

#[derive(Deserialize, Default)]
struct EscalateForm {
    /// Join this ticket.
    join: Option<i64>,
    /// Open a new ticket even though close ones exist.
    new: Option<String>,
}

fn escalation_page(state: &WebState, user: &crate::store::User, question_id: i64, escalation: &Escalation) -> Response {
    let discord = state.service.settings().discord.token.is_set() && user.discord_id.is_some();
    let ctx = context! { escalation, question_id, discord };
    let Some(html) = super::views::render_fragment("escalation.html", ctx) else {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Erreur d'affichage.").into_response();
    };
    page(state, user, context! { outcome => html, outcome_class => "plain" })
}

async fn escalate(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<EscalateForm>,
) -> Result<Response, WebError> {
    let mode = match (form.join, form.new) {
        (Some(ticket), _) => EscalateMode::Join(ticket),
        (None, Some(_)) => EscalateMode::New,
        (None, None) => EscalateMode::Propose,
    };
    let escalation = state.service.escalate(&user, id, mode).await?;
    Ok(escalation_page(&state, &user, id, &escalation))
}

#[derive(Deserialize)]
struct ConfirmForm {
    yes: String,
}

async fn confirm(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    match state.service.confirm(&user, id, form.yes == "yes").await? {
        Confirmed::Answered(reply) => {
            let ctx = reply_context(&state, *reply);
            Ok(page(&state, &user, context! { question_id => id, ..ctx }))
        }
        Confirmed::Escalated(escalation) => Ok(escalation_page(&state, &user, id, &escalation)),
    }
}
