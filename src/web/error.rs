//! One error type for every handler, mapped to a status code and shown as a French page or as
//! JSON `{"error": {"code", "message"}}` with the core's stable codes.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use crate::core::DeskError;

/// Why a request failed.
#[derive(Debug)]
pub enum WebError {
    /// A core error, shown as a page.
    Page(DeskError),
    /// A core error, as JSON (the API).
    Api(DeskError),
    /// A page needs a login: redirect to `/login`, coming back to this path (and query) after.
    Login(String),
}

impl WebError {
    /// The status code of a core error.
    pub fn status(error: &DeskError) -> StatusCode {
        match error.code() {
            "unauthenticated" => StatusCode::UNAUTHORIZED,
            "forbidden" => StatusCode::FORBIDDEN,
            "not_found" => StatusCode::NOT_FOUND,
            "rate_limited" | "too_many_attempts" => StatusCode::TOO_MANY_REQUESTS,
            "taken" | "invalid_transition" | "busy" => StatusCode::CONFLICT,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A JSON error with a code of the web layer itself (malformed request, missing CSRF proof).
    pub fn json(status: StatusCode, code: &str, message: &str) -> Response {
        (status, axum::Json(serde_json::json!({ "error": { "code": code, "message": message } }))).into_response()
    }
}

impl From<DeskError> for WebError {
    fn from(e: DeskError) -> Self {
        WebError::Page(e)
    }
}

fn log(error: &DeskError) {
    if error.is_internal() {
        tracing::error!(error = ?error, "request failed");
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Page(e) => {
                log(&e);
                let mut page = super::views::render("message.html", context! { message => e.to_string(), error => true });
                *page.status_mut() = Self::status(&e);
                page
            }
            WebError::Api(e) => {
                log(&e);
                Self::json(Self::status(&e), e.code(), &e.to_string())
            }
            WebError::Login(next) => {
                let target = format!("/login?next={}", super::session::encode_component(&next));
                let mut response = Redirect::to(&target).into_response();
                response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
                response
            }
        }
    }
}
