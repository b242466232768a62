//! The JSON API: `/api/health` (public) and `/api/v1/…` (bearer token from `svp tokens create`,
//! or the session cookie of a logged-in page). Errors are `{"error": {"code", "message"}}` with
//! the core's stable codes; a malformed body is `bad_request`. `/api/openapi.json` is the
//! OpenAPI 3.1 document generated from these handlers (utoipa).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::session::CurrentUser;
use super::{WebError, WebState};
use crate::core::tickets::TicketStatus;
use crate::core::{CloseOptions, Confirmed, DeskError, EscalateMode};
use crate::store::Origin;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/health", get(super::login::health))
        .route("/v1/ask", post(ask))
        .route("/v1/questions", get(my_questions))
        .route("/v1/questions/{id}/escalate", post(escalate))
        .route("/v1/questions/{id}/feedback", post(feedback))
        .route("/v1/questions/{id}/confirm", post(confirm))
        .route("/v1/tickets", get(tickets))
        .route("/v1/tickets/{id}", get(ticket))
        .route("/v1/tickets/{id}/{action}", post(ticket_action))
        .route("/v1/answers/{id}/{action}", post(answer_action))
        .route("/v1/articles/{slug}", get(article))
        .route("/openapi.json", get(openapi))
}

/// The OpenAPI document of `/api/v1`.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "SVP insertion", description = "The helpdesk's JSON API: ask the bot, escalate, follow one's questions, work tickets, curate expert answers. Errors: `{\"error\": {\"code\", \"message\"}}`; codes: unauthenticated, forbidden, not_found, taken, invalid_transition, busy, rate_limited, bad_request, csrf, empty, too_long, unavailable."),
    paths(ask, my_questions, escalate, feedback, confirm, tickets, ticket, ticket_action, answer_action, article),
    components(schemas(AskBody, EscalateBody, FeedbackBody, ConfirmBody, ActionBody, ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

/// Declares the bearer scheme (`svp tokens create`).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The OpenAPI 3.1 document (public: it describes, it reveals nothing).
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    Json(ApiDoc::openapi())
}

/// An error response.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ErrorDetail {
    /// Stable code.
    code: String,
    /// French message for the user.
    message: String,
}

/// A JSON body whose rejection is a JSON error.
struct Body<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(e) => Err(bad_request(&e)),
        }
    }
}

/// A JSON body that may be empty (then the default): actions such as `claim` need none.
struct OptBody<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptBody(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(OptBody)
            .map_err(|e| WebError::json(StatusCode::BAD_REQUEST, "bad_request", &format!("Requête mal formée : {e}")))
    }
}

fn bad_request(e: &JsonRejection) -> Response {
    WebError::json(StatusCode::BAD_REQUEST, "bad_request", &format!("Requête mal formée : {}", e.body_text()))
}

type ApiResult = Result<Response, WebError>;

/// The JSON of a core result, serialized once straight into the response body.
fn api<T: serde::Serialize>(result: Result<T, DeskError>) -> ApiResult {
    let value = result.map_err(WebError::Api)?;
    let body = serde_json::to_vec(&value).map_err(|e| WebError::Api(DeskError::Unavailable(e.into())))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AskBody {
    question: String,
}

/// Records the question and returns what `svp ask --json` prints.
#[utoipa::path(post, path = "/api/v1/ask", request_body = AskBody, responses((status = 200, description = "The bot's reply with `question_id`", body = crate::core::Asked), (status = 422, description = "Empty or too long", body = ErrorBody), (status = 429, description = "Too many questions", body = ErrorBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn ask(State(state): State<WebState>, CurrentUser(user): CurrentUser, Body(body): Body<AskBody>) -> ApiResult {
    api(state.service.ask(&user, &body.question, Origin { transport: "web".into(), channel: None }).await)
}

/// The caller's questions, newest first, with tickets, answers and requests for precision.
#[utoipa::path(get, path = "/api/v1/questions", responses((status = 200, description = "My questions", body = Vec<crate::core::MyQuestion>), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn my_questions(State(state): State<WebState>, CurrentUser(user): CurrentUser) -> ApiResult {
    api(state.service.my_questions(&user, 100).await)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
struct EscalateBody {
    /// Join this ticket.
    join: Option<i64>,
    /// Open a new ticket even when close ones exist.
    #[serde(default)]
    new: bool,
}

/// Passes a question to the experts (or proposes close open tickets).
#[utoipa::path(post, path = "/api/v1/questions/{id}/escalate", params(("id" = i64, Path, description = "Question id")), request_body = EscalateBody, responses((status = 200, description = "opened, joined, already or proposed", body = crate::core::Escalation), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn escalate(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>, Body(body): Body<EscalateBody>) -> ApiResult {
    let mode = match (body.join, body.new) {
        (Some(t), _) => EscalateMode::Join(t),
        (None, true) => EscalateMode::New,
        (None, false) => EscalateMode::Propose,
    };
    api(state.service.escalate(&user, id, mode).await)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct FeedbackBody {
    helpful: bool,
}

/// « Ça répond » / « Ça ne répond pas ».
#[utoipa::path(post, path = "/api/v1/questions/{id}/feedback", params(("id" = i64, Path, description = "Question id")), request_body = FeedbackBody, responses((status = 200, description = "Recorded", body = OkBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn feedback(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>, Body(body): Body<FeedbackBody>) -> ApiResult {
    api(state.service.feedback(&user, id, body.helpful).await.map(|()| OkBody { ok: true }))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ConfirmBody {
    yes: bool,
}

/// Answers the bot's « Votre question porte-t-elle sur … ? ».
#[utoipa::path(post, path = "/api/v1/questions/{id}/confirm", params(("id" = i64, Path, description = "Question id")), request_body = ConfirmBody, responses((status = 200, description = "answered or escalated", body = ConfirmOutcome), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn confirm(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>, Body(body): Body<ConfirmBody>) -> ApiResult {
    api(state.service.confirm(&user, id, body.yes).await.map(|c| match c {
        Confirmed::Answered(reply) => ConfirmOutcome::Answered { reply },
        Confirmed::Escalated(escalation) => ConfirmOutcome::Escalated { escalation },
    }))
}

/// What an action without a result of its own returns.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct OkBody {
    /// Always `true`.
    ok: bool,
}

/// The outcome of answering « Votre question porte-t-elle sur … ? ».
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum ConfirmOutcome {
    /// « Oui »: the bot's answer from the entry it offered.
    Answered {
        /// The reply.
        reply: Box<crate::core::BotReply>,
    },
    /// « Non »: the question went to the experts.
    Escalated {
        /// How.
        escalation: crate::core::Escalation,
    },
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
struct TicketsQuery {
    /// Comma-separated statuses (all when absent).
    status: Option<String>,
    limit: Option<i64>,
}

/// Tickets, oldest first (staff: only their own).
#[utoipa::path(get, path = "/api/v1/tickets", params(TicketsQuery), responses((status = 200, description = "Tickets", body = Vec<crate::store::Ticket>), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn tickets(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(q): Query<TicketsQuery>) -> ApiResult {
    let statuses: Vec<TicketStatus> = q
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|s| TicketStatus::ALL.into_iter().find(|t| t.as_str() == s.trim()))
        .collect();
    api(state.service.tickets(&user, &statuses, q.limit.unwrap_or(200).clamp(1, 1000)).await)
}

/// One ticket with its question, history and answer.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", params(("id" = i64, Path, description = "Ticket id")), responses((status = 200, description = "The ticket", body = crate::core::TicketDetail), (status = 404, description = "No such ticket", body = ErrorBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn ticket(State(state): State<WebState>, CurrentUser(user): CurrentUser, Path(id): Path<i64>) -> ApiResult {
    api(state.service.ticket_detail(&user, id).await)
}

/// The fields of ticket actions (each action reads the ones it needs).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    #[serde(default)]
    text: String,
    reason: Option<String>,
    of: Option<i64>,
    #[serde(default)]
    force: bool,
}

/// An action on a ticket: claim, release, answer, clarify, reply, duplicate, close, reopen.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/{action}", params(("id" = i64, Path, description = "Ticket id"), ("action" = String, Path, description = "claim | release | answer | clarify | reply | duplicate | close | reopen")), request_body(content = ActionBody, description = "May be empty for claim, release, reopen"), responses((status = 200, description = "The ticket after the action", body = crate::store::Ticket), (status = 409, description = "Taken by another expert, or not possible in this status", body = ErrorBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn ticket_action(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    OptBody(b): OptBody<ActionBody>,
) -> ApiResult {
    let s = &state.service;
    let reason = b.reason.as_deref().filter(|r| !r.trim().is_empty());
    api(match action.as_str() {
        "claim" => s.claim(&user, id).await,
        "release" => s.release(&user, id).await,
        "answer" => s.answer(&user, id, &b.text).await,
        "clarify" => s.clarify(&user, id, &b.text).await,
        "reply" => s.reply(&user, id, &b.text).await,
        "close" => s.close_with(&user, id, CloseOptions { reason, override_claim: b.force }).await,
        "reopen" => s.reopen(&user, id, reason).await,
        "duplicate" => match b.of {
            Some(of) => s.merge_with(&user, id, of, b.force).await,
            None => Err(DeskError::NotFound("Indiquez le ticket d'origine (`of`).".into())),
        },
        other => Err(DeskError::NotFound(format!("Action inconnue : {other}."))),
    })
}

/// A new version of an expert answer (`edit`, with `text`) or its retirement (`retire`, with `reason`).
#[utoipa::path(post, path = "/api/v1/answers/{id}/{action}", params(("id" = i64, Path, description = "Answer id"), ("action" = String, Path, description = "edit | retire")), request_body = ActionBody, responses((status = 200, description = "The answer", body = crate::store::ExpertAnswer), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn answer_action(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    OptBody(b): OptBody<ActionBody>,
) -> ApiResult {
    api(match action.as_str() {
        "edit" => state.service.edit_answer(&user, id, &b.text).await,
        "retire" => state.service.retire_answer(&user, id, b.reason.as_deref()).await,
        other => Err(DeskError::NotFound(format!("Action inconnue : {other}."))),
    })
}

/// A published article.
#[utoipa::path(get, path = "/api/v1/articles/{slug}", params(("slug" = String, Path, description = "Article slug")), responses((status = 200, description = "The article", body = crate::knowledge::Article), (status = 404, description = "No such article", body = ErrorBody), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Role does not allow it", body = ErrorBody)))]
async fn article(State(state): State<WebState>, _user: CurrentUser, Path(slug): Path<String>) -> Response {
    let kb = state.service.bot().kb();
    match kb.published().find(|a| a.slug == slug) {
        Some(a) => Json(a).into_response(),
        None => WebError::Api(DeskError::NotFound(format!("La fiche « {slug} » n'existe pas."))).into_response(),
    }
}
