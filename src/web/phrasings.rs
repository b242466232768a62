//! The phrasings learned from use, on the pages of their entry and in a review list: experts
//! approve or remove them and add their own; managers read them. Actions post, then redirect
//! back (post/redirect/get) with what was done.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::CurrentUser;
use super::views::{Me, render};
use super::{WebError, WebState};
use crate::core::roles::Role;
use crate::store::User;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/connaissances/formulations", get(review_list))
        .route("/phrasings/{id}/{action}", post(review))
        .route("/phrasings/add", post(add))
}

/// The page of an index entry: `/articles/SLUG` or `/answers/N`.
pub(super) fn entry_url(entry_id: &str) -> String {
    match entry_id.strip_prefix("answer-") {
        Some(n) => format!("/answers/{n}"),
        None => format!("/articles/{entry_id}"),
    }
}

fn source_label(source: &str) -> &'static str {
    match source {
        "helpful" => "« Ça répond »",
        "confirmed" => "« Oui » à la suggestion",
        "expert" => "ajoutée par un expert",
        _ => "autre",
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "new" => "à valider",
        "approved" => "validée",
        _ => "retirée",
    }
}

fn phrasing_json(p: &crate::store::Phrasing) -> Value {
    json!({
        "id": p.id, "text": p.text, "source": source_label(&p.source), "status": p.status, "status_label": status_label(&p.status),
        "question_id": p.question_id, "when": super::views::when(p.created_at), "reviewed_by": p.reviewed_by,
        "entry_url": entry_url(&p.entry_id),
    })
}

/// The context the `phrasings.html` partial needs for one entry, or `None` for staff (who do
/// not see it).
pub(super) async fn entry_context(state: &WebState, user: &User, entry_id: &str) -> Result<Option<Value>, WebError> {
    if user.role == Role::Staff {
        return Ok(None);
    }
    let (list, usage) = state.service.entry_phrasings(user, entry_id).await?;
    Ok(Some(json!({
        "entry_id": entry_id,
        "items": list.iter().map(phrasing_json).collect::<Vec<_>>(),
        "usage": usage,
        "can_review": user.role.can_work_tickets(),
    })))
}

/// The French sentence for `?fait=…` after a phrasing action.
pub(super) fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "formulation-validee" => Some("Formulation validée."),
        "formulation-retiree" => Some("Formulation retirée : le bot ne s'en sert plus."),
        "formulations-ajoutees" => Some("Formulations ajoutées : le bot s'en sert dès maintenant."),
        "formulations-deja-la" => Some("Ces formulations existaient déjà : rien n'a été ajouté."),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
struct ReviewQuery {
    #[serde(default)]
    fait: String,
}

async fn review_list(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(query): Query<ReviewQuery>) -> Result<Response, WebError> {
    let list = state.service.phrasings_to_review(&user, 200).await?;
    let kb = state.service.bot().kb();
    let items: Vec<Value> = list
        .iter()
        .map(|p| {
            let mut item = phrasing_json(p);
            let title = kb.article(&p.entry_id).map_or_else(|| format!("Réponse d'expert {}", p.entry_id.trim_start_matches("answer-")), |a| a.title.clone());
            item["entry_title"] = json!(title);
            item
        })
        .collect();
    Ok(render(
        "phrasings.html",
        context! { me => Me::from(&user), page => "knowledge", items, can_review => user.role.can_work_tickets(), notice => done_message(&query.fait) },
    ))
}

#[derive(Deserialize, Default)]
struct ReviewForm {
    /// Where to come back: `list` for the review list, otherwise the entry's page.
    #[serde(default)]
    back: String,
}

async fn review(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, WebError> {
    let (approve, done) = match action.as_str() {
        "approve" => (true, "formulation-validee"),
        "remove" => (false, "formulation-retiree"),
        _ => return Err(crate::core::DeskError::NotFound(format!("Action inconnue : {action}.")).into()),
    };
    let phrasing = state.service.review_phrasing(&user, id, approve).await?;
    let back = if form.back == "list" { "/connaissances/formulations".to_string() } else { entry_url(&phrasing.entry_id) };
    Ok(Redirect::to(&format!("{back}?fait={done}")).into_response())
}

#[derive(Deserialize, Default)]
struct AddForm {
    #[serde(default)]
    entry: String,
    /// One phrasing per line.
    #[serde(default)]
    text: String,
}

async fn add(State(state): State<WebState>, CurrentUser(user): CurrentUser, Form(form): Form<AddForm>) -> Result<Response, WebError> {
    let texts: Vec<String> = form.text.lines().map(str::to_string).collect();
    let added = state.service.add_phrasings(&user, form.entry.trim(), &texts).await?;
    let done = if added > 0 { "formulations-ajoutees" } else { "formulations-deja-la" };
    Ok(Redirect::to(&format!("{}?fait={done}", entry_url(form.entry.trim()))).into_response())
}
