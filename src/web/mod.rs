//! The web adapter (axum): a French page to ask the bot and read articles, and a JSON API.
//!
//! Layout: `pages` (HTML), `api` (JSON). `app(state)` builds the router, so tests drive it with
//! `tower::ServiceExt::oneshot` without a socket.

mod api;
mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::Environment;

use crate::core::{DeskError, Service};

/// Shared state of the web handlers.
#[derive(Clone)]
pub struct WebState {
    /// The core service.
    pub service: Service,
    templates: Arc<Environment<'static>>,
}

impl WebState {
    /// State over a service, with the embedded templates.
    pub fn new(service: Service) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.add_template("base.html", include_str!("../../templates/base.html"))?;
        env.add_template("index.html", include_str!("../../templates/index.html"))?;
        env.add_template("article.html", include_str!("../../templates/article.html"))?;
        env.add_template("message.html", include_str!("../../templates/message.html"))?;
        Ok(WebState { service, templates: Arc::new(env) })
    }
}

/// Largest request body accepted, in bytes: a question or an answer with room to spare.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The Content-Security-Policy of every response: nothing from elsewhere, no inline script or
/// style, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; \
                   base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response.
async fn security_headers(mut response: Response) -> Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The whole router.
pub fn app(state: WebState) -> Router {
    Router::new()
        .merge(pages::router())
        .nest("/api", api::router())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(service: Service, bind: &str, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let addr: SocketAddr = bind.parse().with_context(|| format!("invalid web.bind address `{bind}`"))?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!("web UI on http://{}", listener.local_addr()?);
    axum::serve(listener, app(WebState::new(service)?)).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

/// A core error as an HTTP response: the user's faults in French with their status, ours
/// logged and answered with a generic message.
pub struct WebError(pub DeskError);

impl From<DeskError> for WebError {
    fn from(e: DeskError) -> Self {
        WebError(e)
    }
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self.0.code() {
            "forbidden" => StatusCode::FORBIDDEN,
            "not_found" => StatusCode::NOT_FOUND,
            "rate_limited" => StatusCode::TOO_MANY_REQUESTS,
            "taken" | "invalid_transition" | "busy" => StatusCode::CONFLICT,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.0.is_internal() {
            tracing::error!(error = ?self.0, "request failed");
        }
        let body = axum::Json(serde_json::json!({ "error": self.0.code(), "message": self.0.to_string() }));
        (self.status(), body).into_response()
    }
}
