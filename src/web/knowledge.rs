//! « Connaissances »: browse and search articles and expert answers, articles past their review
//! date; one article; one expert answer.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::pages::{html_escape, markdown};
use super::session::CurrentUser;
use super::views::{Me, local_url, render};
use super::{WebError, WebState};
use crate::core::DeskError;
use crate::store::ExpertAnswer;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/connaissances", get(browse))
        .route("/articles/{slug}", get(article))
        .route("/answers/{id}", get(answer))
        .route("/tickets/{id}/answer", get(ticket_answer))
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn browse(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(query): Query<SearchQuery>) -> Result<Response, WebError> {
    let bot = state.service.bot();
    let kb = bot.kb();
    let today = crate::app::today();
    let public = &state.service.settings().search.public_url;
    let results: Vec<_> = if query.q.trim().is_empty() {
        Vec::new()
    } else {
        // A search term is not a question: not recorded, but still redacted and validated.
        match bot.reply(&query.q, today) {
            Ok(reply) => reply
                .hits
                .into_iter()
                .map(|h| json!({ "title": h.title, "kind": h.kind, "url": local_url(public, &bot.url(h.kind, &h.slug)) }))
                .collect(),
            Err(_) => Vec::new(),
        }
    };
    let stale: Vec<_> = kb.published().filter(|a| a.is_stale(today)).map(|a| json!({ "slug": a.slug, "title": a.title, "review_by": a.review_by })).collect();
    let themes: Vec<_> = kb
        .themes
        .iter()
        .map(|t| {
            let articles: Vec<_> = kb.published().filter(|a| a.theme == t.id).map(|a| json!({ "slug": a.slug, "title": a.title })).collect();
            json!({ "label": t.label, "articles": articles })
        })
        .filter(|t| t["articles"].as_array().is_some_and(|a| !a.is_empty()))
        .collect();
    let (answers, _) = state.service.store().published_answers().await.map_err(DeskError::from)?;
    Ok(render(
        "knowledge.html",
        context! { me => Me::from(&user), page => "knowledge", q => query.q, results, stale, themes, answers },
    ))
}

async fn article(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(slug): Path<String>) -> Result<Response, WebError> {
    let kb = state.service.bot().kb();
    let a = kb.published().find(|a| a.slug == slug).ok_or_else(|| DeskError::NotFound("Cette fiche n'existe pas (ou n'est pas publiée).".into()))?;
    let theme = kb.theme_label(&a.theme).unwrap_or(&a.theme).to_string();
    let stale = a.is_stale(crate::app::today());
    Ok(render(
        "article.html",
        context! { me => Me::from(&user), page => "knowledge", article => a, body_html => markdown(&a.body_markdown), theme, stale },
    ))
}

async fn answer(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>) -> Result<Response, WebError> {
    let found = state.service.store().answer(id).await.map_err(DeskError::from)?;
    show_answer(&user, found)
}

async fn ticket_answer(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>) -> Result<Response, WebError> {
    let found = state.service.store().answer_for_ticket(id).await.map_err(DeskError::from)?;
    show_answer(&user, found)
}

/// A published expert answer (retired ones say so). Published answers are knowledge every
/// logged-in user may read: the bot serves them to anyone who asks.
fn show_answer(user: &crate::store::User, found: Option<ExpertAnswer>) -> Result<Response, WebError> {
    match found {
        Some(a) if a.status == "published" => {
            let html = format!(
                "<h1>Réponse d'expert — ticket #{}</h1><p class=\"meta\">Par {}, le {} (version {})</p><blockquote>{}</blockquote>{}",
                a.ticket_id,
                html_escape(&a.author_name),
                crate::core::display::date(a.updated_at),
                a.version,
                html_escape(&a.question),
                markdown(&a.text)
            );
            Ok(render("message.html", context! { me => super::views::Me::from(user), page => "knowledge", html, back => "/connaissances" }))
        }
        Some(_) => {
            let mut page = render("message.html", context! { me => Me::from(user), message => "Cette réponse a été retirée par les experts." });
            *page.status_mut() = StatusCode::NOT_FOUND;
            Ok(page)
        }
        None => Err(DeskError::NotFound("Cette réponse n'existe pas.".into()).into()),
    }
}
