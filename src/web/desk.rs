//! The expert desk: the queue with filters and live updates, the ticket workspace (question,
//! the bot's attempt, close entries, history) and every action: claim, release, answer (with a
//! preview rendered exactly as published), request for precision, duplicate, close, reopen.

use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::pages::markdown;
use super::session::CurrentUser;
use super::views::{Me, age, local_url, render, short, when};
use super::{WebError, WebState};
use crate::core::tickets::TicketStatus;
use crate::core::{CloseOptions, DeskError, HitSummary, QueueFilter};
use crate::store::{Ticket, User};

/// Tickets shown per page of the queue (keeps the page under 60 KB).
const SHOWN: usize = 100;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/desk", get(queue))
        .route("/desk/events", get(events))
        .route("/desk/preview", post(preview))
        .route("/desk/tickets/{id}", get(ticket))
        .route("/desk/tickets/{id}/events", get(ticket_events))
        .route("/desk/tickets/{id}/{action}", post(act))
}

/// The queue's query string (all optional; `status` is a status name or `pending`/`all`).
#[derive(Deserialize, Default)]
struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    older_than_hours: String,
    #[serde(default)]
    mine: String,
    /// Page of the queue, from 0.
    #[serde(default)]
    page: usize,
}

fn statuses(value: &str) -> Vec<TicketStatus> {
    match value {
        "" | "pending" => Vec::new(),
        "all" => TicketStatus::ALL.to_vec(),
        other => TicketStatus::ALL.into_iter().filter(|s| s.as_str() == other).collect(),
    }
}

fn row(state: &WebState, t: &Ticket) -> serde_json::Value {
    let kb = state.service.bot().kb();
    let theme_label = t.theme.as_deref().map(|id| kb.theme_label(id).unwrap_or(id).to_string()).unwrap_or_default();
    json!({
        "id": t.id, "subject_short": short(&t.subject, 110), "status_label": t.status.label(),
        "assignee_name": t.assignee_name, "theme_label": theme_label, "site": t.site, "age": age(t.created_at),
    })
}

async fn queue(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(q): Query<QueueQuery>) -> Result<Response, WebError> {
    let filter = QueueFilter {
        statuses: statuses(&q.status),
        theme: Some(q.theme.clone()),
        site: Some(q.site.clone()),
        older_than_hours: q.older_than_hours.parse().ok(),
        mine: !q.mine.is_empty(),
    };
    let page = q.page.min(10_000);
    let mut shown = state.service.queue(&user, &filter, SHOWN * page, SHOWN + 1).await?;
    let more = shown.len() > SHOWN;
    shown.truncate(SHOWN);
    let tickets: Vec<_> = shown.iter().map(|t| row(&state, t)).collect();
    let next_page = more.then(|| {
        format!(
            "/desk?status={}&theme={}&site={}&older_than_hours={}&mine={}&page={}",
            super::session::encode_component(&q.status),
            super::session::encode_component(&q.theme),
            super::session::encode_component(&q.site),
            super::session::encode_component(&q.older_than_hours),
            super::session::encode_component(&q.mine),
            page + 1
        )
    });
    let kb = state.service.bot().kb();
    let themes: Vec<_> = kb.themes.iter().map(|t| json!({ "slug": t.id, "label": t.label })).collect();
    let mut status_options = vec![json!({"value": "pending", "label": "En attente (ouverts, pris, en attente de précision)"})];
    status_options.extend(TicketStatus::ALL.iter().map(|s| json!({ "value": s.as_str(), "label": s.label() })));
    status_options.push(json!({"value": "all", "label": "Tous"}));
    let ages = [("", "—"), ("4", "4 heures"), ("24", "1 jour"), ("72", "3 jours"), ("168", "1 semaine")]
        .map(|(value, label)| json!({ "value": value, "label": label }));
    let status = if q.status.is_empty() { "pending".to_string() } else { q.status.clone() };
    Ok(render(
        "desk.html",
        context! {
            me => Me::from(&user), page => "desk", live => "/desk/events", tickets, themes, statuses => status_options, ages,
            next_page, first => SHOWN * page + 1,
            filter => json!({ "status": status, "theme": q.theme, "site": q.site, "older_than_hours": q.older_than_hours, "mine": !q.mine.is_empty() }),
        },
    ))
}

async fn events(State(state): State<WebState>, CurrentUser(user): CurrentUser, headers: axum::http::HeaderMap) -> Result<impl IntoResponse, WebError> {
    state.service.desk_fingerprint(&user).await?;
    Ok(super::live::for_session(state.service, user, headers, |service, user| async move { service.desk_fingerprint(&user).await }))
}

/// Live updates of one ticket: the page says it changed (it does not swap itself, so an answer
/// being written is never lost).
async fn ticket_events(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, WebError> {
    state.service.ticket_fingerprint(&user, id).await?;
    Ok(super::live::for_session(state.service, user, headers, move |service, user| async move { service.ticket_fingerprint(&user, id).await }))
}

#[derive(Deserialize)]
struct TextForm {
    #[serde(default)]
    text: String,
}

/// The answer as it will be published (the same renderer as the published page).
async fn preview(CurrentUser(user): CurrentUser, State(state): State<WebState>, Form(form): Form<TextForm>) -> Result<Response, WebError> {
    state.service.require_expert(&user)?;
    let notice = state.service.privacy_notice(&form.text).map(|n| format!("<p class=\"meta\">{}</p>", super::pages::html_escape(&n)));
    Ok(Html(format!("{}{}", notice.unwrap_or_default(), markdown(&form.text))).into_response())
}

async fn workspace(state: &WebState, user: &User, id: i64, notice: Option<(String, &str)>) -> Result<Response, WebError> {
    if !user.role.can_work_tickets() && !user.role.can_see_reports() {
        state.service.require_expert(user)?;
    }
    let detail = state.service.ticket_detail(user, id).await?;
    let t = &detail.ticket;
    let public = state.service.settings().search.public_url.clone();
    let bot = state.service.bot();
    let hits: Vec<_> = detail
        .question
        .as_ref()
        .and_then(|q| serde_json::from_str::<Vec<HitSummary>>(&q.hits_json).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|h| json!({ "title": h.title, "kind": h.kind, "score": format!("{:.2}", h.score), "url": local_url(&public, &bot.url(h.kind, &h.slug)) }))
        .collect();
    // Entries close to the question now (expert answers published since included).
    let similar: Vec<_> = bot
        .reply(&t.subject, crate::app::today())
        .map(|r| r.hits)
        .unwrap_or_default()
        .into_iter()
        .take(5)
        .map(|h| json!({ "title": h.title, "url": local_url(&public, &bot.url(h.kind, &h.slug)) }))
        .collect();
    let events: Vec<_> = detail
        .events
        .iter()
        .map(|e| json!({ "when": when(e.created_at), "label": event_label(&e.kind), "actor_name": e.actor_name, "detail": e.detail }))
        .collect();
    let can = state.service.allowed(user, t, detail.answer.is_some());
    let close_tickets: Vec<_> = state
        .service
        .similar_pending(user, t.id)
        .await?
        .into_iter()
        .map(|s| json!({ "id": s.ticket_id, "subject_short": short(&s.subject, 110), "similarity": format!("{:.0} %", s.similarity * 100.0) }))
        .collect();
    let open_tickets: Vec<_> = if can.merge {
        state.service.queue(user, &QueueFilter::default(), 0, 200).await?.iter().filter(|o| o.id != t.id).map(|o| row(state, o)).collect()
    } else {
        Vec::new()
    };
    let kb = bot.kb();
    let theme_label = t.theme.as_deref().map(|id| kb.theme_label(id).unwrap_or(id).to_string());
    let (notice, notice_class) = notice.map(|(n, c)| (Some(n), c)).unwrap_or((None, ""));
    Ok(render(
        "ticket.html",
        context! {
            me => Me::from(user), page => "desk", live => format!("/desk/tickets/{id}/events"), t, status_label => t.status.label(), created => when(t.created_at),
            followers => detail.followers, theme_label, hits, similar, close_tickets, events, can, open_tickets,
            confidence => detail.question.as_ref().map(|q| format!("{:.2}", q.confidence)),
            answer_html => detail.answer.as_ref().map(|a| markdown(&a.text)), answer => detail.answer,
            expert => user.role.can_work_tickets(), max_answer => state.service.settings().limits.max_answer_chars,
            notice, notice_class,
        },
    ))
}

fn event_label(kind: &str) -> &str {
    match kind {
        "opened" => "ouvert",
        "joined" => "une autre personne suit ce ticket",
        "claimed" => "pris en charge",
        "released" => "rendu à la file",
        "clarification_requested" => "précision demandée",
        "asker_replied" => "réponse de la personne",
        "answered" => "répondu",
        "answer_edited" => "réponse modifiée",
        "answer_retired" => "réponse retirée",
        "closed" => "fermé",
        "reopened" => "rouvert",
        "merged" => "marqué comme doublon",
        other => other,
    }
}

/// What the page says after an action (`?fait=…`, `&retire=1` when redaction removed
/// something from the answer).
#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    fait: String,
    #[serde(default)]
    retire: String,
}

fn done_message(done: &DoneQuery) -> Option<String> {
    let message = match done.fait.as_str() {
        "claimed" => "Ticket pris en charge.",
        "released" => "Ticket rendu à la file.",
        "reopened" => "Ticket rouvert.",
        "clarified" => "Demande de précision envoyée.",
        "closed" => "Ticket fermé.",
        "merged" => "Ticket marqué comme doublon : ses personnes recevront la réponse du ticket d'origine.",
        "answered" => "Réponse publiée : les personnes qui attendaient sont prévenues.",
        "edited" => "Réponse modifiée et republiée.",
        _ => return None,
    };
    let removed = if done.retire.is_empty() { "" } else { " Des données personnelles ont été retirées de votre texte avant publication." };
    Some(format!("{message}{removed}"))
}

async fn ticket(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>, Query(done): Query<DoneQuery>) -> Result<Response, WebError> {
    workspace(&state, &user, id, done_message(&done).map(|m| (m, "answer"))).await
}

/// The fields of every action form (each action reads the ones it needs).
#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    of: String,
    #[serde(default)]
    force: String,
    /// With an answer: other ways to ask the same question, one per line.
    #[serde(default)]
    phrasings: String,
}

async fn act(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let service = &state.service;
    // The desk is the experts' (askers reopen or reply from « Mes questions »): refused before
    // anything is done, so no one sees an error after a change that happened.
    service.require_expert(&user)?;
    let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
    let force = !form.force.is_empty();
    let result = match action.as_str() {
        "claim" => service.claim(&user, id).await.map(|_| "claimed"),
        "release" => service.release(&user, id).await.map(|_| "released"),
        "reopen" => service.reopen(&user, id, reason).await.map(|_| "reopened"),
        "clarify" => service.clarify(&user, id, &form.text).await.map(|_| "clarified"),
        "close" => service.close_with(&user, id, CloseOptions { reason, override_claim: force }).await.map(|_| "closed"),
        "duplicate" => match form.of.trim().parse::<i64>() {
            Ok(of) => service.merge_with(&user, id, of, force).await.map(|_| "merged"),
            Err(_) => Err(DeskError::NotFound("Indiquez le numéro du ticket d'origine.".into())),
        },
        "answer" => match service.publish_answer(&user, id, &form.text).await {
            Ok(edited) => {
                // The answer is published; phrasings the expert adds are indexed with it.
                let lines: Vec<String> = form.phrasings.lines().map(str::to_string).collect();
                if lines.iter().any(|l| !l.trim().is_empty())
                    && let Some(answer) = service.store().answer_for_ticket(id).await.map_err(DeskError::from)?
                {
                    service.add_phrasings(&user, &crate::core::indexing::expert_id(answer.id), &lines).await?;
                }
                Ok(if edited { "edited" } else { "answered" })
            }
            Err(e) => Err(e),
        },
        _ => Err(DeskError::NotFound(format!("Action inconnue : {action}."))),
    };
    match result {
        // Post/redirect/get: reloading the page does not send the action again.
        Ok(done) => {
            let removed = if action == "answer" && service.privacy_notice(&form.text).is_some() { "&retire=1" } else { "" };
            Ok(Redirect::to(&format!("/desk/tickets/{id}?fait={done}{removed}")).into_response())
        }
        Err(e) if !e.is_internal() && !matches!(e, DeskError::NotFound(_) | DeskError::Forbidden(_)) => {
            let mut page = workspace(&state, &user, id, Some((e.to_string(), "error"))).await?;
            *page.status_mut() = WebError::status(&e);
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

