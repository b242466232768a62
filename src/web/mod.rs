//! The web adapter (axum): staff ask and follow their questions, experts work the desk and
//! curate, managers read reports and statistics; plus a JSON API. Everything but `/health`, the login pages
//! and the static assets needs a login.
//!
//! Layout: `session` (cookies, bearer tokens, who is asking, CSRF check), `error` (one error type
//! mapped to status codes, HTML or JSON), `views` (templates and the values they show), one
//! module per resource with its router: `login`, `ask`, `mine`, `desk`, `knowledge`, `phrasings` (learned from use), `reports`, `stats`, `metrics` (Prometheus),
//! `assets`, `api`. Handlers only translate between HTTP and the core (`crate::core::Service`),
//! which enforces roles. `app(state)` builds the router, so tests drive it with
//! `tower::ServiceExt::oneshot` without a socket.

mod api;
mod ask;
mod assets;
mod desk;
mod error;
mod knowledge;
mod live;
mod login;
mod metrics;
mod mine;
mod phrasings;
mod reports;
pub(crate) mod pages;
mod session;
mod stats;
mod views;

use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::response::Response;

use crate::core::Service;

pub use error::WebError;
pub use session::COOKIE as SESSION_COOKIE;

/// Shared state of the web handlers.
#[derive(Clone)]
pub struct WebState {
    /// The core service (shared: axum clones the state for every handler and middleware, and a
    /// whole [`Service`] is settings, the bot and pools).
    pub service: std::sync::Arc<Service>,
}

impl WebState {
    /// State over a service. Errors if an embedded template does not parse.
    pub fn new(service: Service) -> anyhow::Result<Self> {
        views::check()?;
        // Before anything is counted.
        metrics::handle();
        Ok(WebState { service: std::sync::Arc::new(service) })
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
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages show personal questions: never kept by a shared browser or proxy.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The whole router.
pub fn app(state: WebState) -> Router {
    Router::new()
        .merge(assets::router())
        .merge(login::router())
        .merge(ask::router())
        .merge(mine::router())
        .merge(desk::router())
        .merge(knowledge::router())
        .merge(phrasings::router())
        .merge(stats::router())
        .merge(reports::router())
        .merge(metrics::router())
        .nest("/api", api::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::authenticate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::cross_origin_guard))
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
    let app = app(WebState::new(service)?).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
