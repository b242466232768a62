//! « Connaissances »: browse and search articles and expert answers, articles past their review
//! date; one article; one expert answer.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::pages::{html_escape, markdown};
use super::session::CurrentUser;
use super::views::{Me, local_url, render};
use super::{WebError, WebState};
use crate::core::DeskError;
use crate::store::{ExpertAnswer, User};

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/connaissances", get(browse))
        .route("/articles/{slug}", get(article))
        .route("/answers/{id}", get(answer))
        .route("/answers/{id}/{action}", post(answer_action))
        .route("/answers/{id}/brouillon.md", get(draft_download))
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

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    fait: String,
}

async fn article(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let kb = state.service.bot().kb();
    let a = kb.published().find(|a| a.slug == slug).ok_or_else(|| DeskError::NotFound("Cette fiche n'existe pas (ou n'est pas publiée).".into()))?;
    let theme = kb.theme_label(&a.theme).unwrap_or(&a.theme).to_string();
    let stale = a.is_stale(crate::app::today());
    let phrasings = super::phrasings::entry_context(&state, &user, &a.slug).await?;
    let notice = super::phrasings::done_message(&done.fait);
    Ok(render(
        "article.html",
        context! { me => Me::from(&user), page => "knowledge", article => a, body_html => markdown(&a.body_markdown), theme, stale, phrasings, notice },
    ))
}

async fn answer(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let found = state.service.store().answer(id).await.map_err(DeskError::from)?;
    let notice = super::phrasings::done_message(&done.fait).map(|m| (m.to_string(), "answer"));
    show_answer(&state, &user, found, notice).await
}

async fn ticket_answer(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>) -> Result<Response, WebError> {
    let found = state.service.store().answer_for_ticket(id).await.map_err(DeskError::from)?;
    show_answer(&state, &user, found, None).await
}

/// An expert answer. Published answers are knowledge every logged-in user may read (the bot
/// serves them to anyone who asks); experts also see retired ones, every version with what
/// changed, and edit or retire it.
async fn show_answer(state: &WebState, user: &User, found: Option<ExpertAnswer>, notice: Option<(String, &str)>) -> Result<Response, WebError> {
    let expert = user.role.can_work_tickets();
    let a = match found {
        Some(a) if a.status == "published" || expert => a,
        Some(_) => {
            let mut page = render("message.html", context! { me => Me::from(user), message => "Cette réponse a été retirée par les experts." });
            *page.status_mut() = StatusCode::NOT_FOUND;
            return Ok(page);
        }
        None => return Err(DeskError::NotFound("Cette réponse n'existe pas.".into()).into()),
    };
    let versions: Vec<_> = if expert {
        let list = state.service.answer_versions(user, a.id).await?;
        list.iter()
            .enumerate()
            .map(|(i, v)| {
                let diff_html = (i > 0).then(|| diff_html(&list[i - 1].text, &v.text));
                json!({ "version": v.version, "author_name": v.author_name, "when": super::views::when(v.created_at), "diff_html": diff_html })
            })
            .rev()
            .collect()
    } else {
        Vec::new()
    };
    let (notice, notice_class) = notice.map(|(n, c)| (Some(n), c)).unwrap_or((None, ""));
    let phrasings = super::phrasings::entry_context(state, user, &crate::core::indexing::expert_id(a.id)).await?;
    Ok(render(
        "answer.html",
        context! {
            me => Me::from(user), page => "knowledge", text_html => markdown(&a.text), updated => crate::core::display::date(a.updated_at),
            a, expert, versions, notice, notice_class, phrasings,
        },
    ))
}

/// What changed between two versions, line by line: removed lines in `<del>`, added ones in
/// `<ins>`, everything escaped.
fn diff_html(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let line = html_escape(change.value());
        match change.tag() {
            similar::ChangeTag::Delete => out.push_str(&format!("<del>- {line}</del>")),
            similar::ChangeTag::Insert => out.push_str(&format!("<ins>+ {line}</ins>")),
            similar::ChangeTag::Equal => out.push_str(&format!("  {line}")),
        }
    }
    out
}

/// The draft article of an expert answer, as a file to download (experts only; nothing written).
async fn draft_download(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>) -> Result<Response, WebError> {
    use axum::response::IntoResponse;
    let draft = state.service.draft_article(&user, id, false).await?;
    let disposition = format!("attachment; filename=\"{}.md\"", draft.slug);
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()), (axum::http::header::CONTENT_DISPOSITION, disposition)],
        draft.markdown,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct EditForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    reason: String,
}

/// An expert publishes a new version of an answer, or retires it.
async fn answer_action(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    state.service.require_expert(&user)?;
    let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
    let result = match action.as_str() {
        "edit" => state.service.edit_answer(&user, id, &form.text).await.map(|a| (a, "Nouvelle version publiée : le bot la sert dès maintenant.".to_string())),
        "retire" => state.service.retire_answer(&user, id, reason).await.map(|a| (a, "Réponse retirée : le bot ne la proposera plus.".to_string())),
        "draft" => match state.service.draft_article(&user, id, true).await {
            Ok(draft) => {
                let message = match &draft.written {
                    Some(path) => format!(
                        "Brouillon d'article écrit dans {} (status: draft) : un curateur le relit puis le publie. Vous pouvez aussi le télécharger.",
                        path.display()
                    ),
                    None => "Le dossier des fiches n'est pas modifiable ici (ou ce brouillon existe déjà) : téléchargez le brouillon et transmettez-le à un curateur.".to_string(),
                };
                match state.service.store().answer(id).await.map_err(DeskError::from)? {
                    Some(a) => Ok((a, message)),
                    None => Err(DeskError::NotFound("Cette réponse n'existe pas.".into())),
                }
            }
            Err(e) => Err(e),
        },
        _ => Err(DeskError::NotFound(format!("Action inconnue : {action}."))),
    };
    match result {
        Ok((a, message)) => show_answer(&state, &user, Some(a), Some((message, "answer"))).await,
        Err(e) if !e.is_internal() && !matches!(e, DeskError::NotFound(_)) => {
            let found = state.service.store().answer(id).await.map_err(DeskError::from)?;
            let mut page = show_answer(&state, &user, found, Some((e.to_string(), "error"))).await?;
            *page.status_mut() = WebError::status(&e);
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}
