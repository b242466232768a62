//! The JSON API.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{WebError, WebState};
use crate::core::{AskError, DeskError};

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/health", get(health))
        .route("/ask", post(ask))
        .route("/articles/{slug}", get(article))
}

async fn health(State(state): State<WebState>) -> Json<Value> {
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

#[derive(Deserialize)]
struct AskBody {
    question: String,
}

/// Searches without recording: anonymous web visitors cannot open tickets.
async fn ask(State(state): State<WebState>, Json(body): Json<AskBody>) -> Result<Json<Value>, WebError> {
    match state.service.bot().reply(&body.question, crate::app::today()) {
        Ok(reply) => Ok(Json(serde_json::to_value(reply).map_err(|e| WebError(DeskError::Unavailable(e.into())))?)),
        Err(AskError::Invalid(e)) => Err(WebError(DeskError::Invalid(e))),
        Err(AskError::Search(e)) => Err(WebError(DeskError::Unavailable(e))),
    }
}

async fn article(State(state): State<WebState>, Path(slug): Path<String>) -> Result<Json<Value>, WebError> {
    let kb = state.service.bot().kb();
    let article = kb
        .published()
        .find(|a| a.slug == slug)
        .ok_or_else(|| WebError(DeskError::NotFound(format!("La fiche « {slug} » n'existe pas."))))?;
    Ok(Json(serde_json::to_value(article).map_err(|e| WebError(DeskError::Unavailable(e.into())))?))
}
