//! Static assets, embedded in the binary: the stylesheet and the small script (live updates,
//! answer preview). Served without login.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::WebState;

pub(super) fn router() -> Router<WebState> {
    Router::new().route("/static/svp.css", get(stylesheet)).route("/static/svp.js", get(script))
}

/// The stylesheet (no inline style: the Content-Security-Policy forbids it).
async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("../../templates/svp.css"))
}

/// The script (no inline script: the Content-Security-Policy forbids it).
async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../templates/svp.js"),
    )
}
